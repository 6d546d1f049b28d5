"""save / load: round-trips, the safetensors layout, atomic writes, and refusing bad or foreign files."""

import io
import json
import math
import os
import pickle
import struct
import zipfile

import numpy
import pytest

import autograd_core as ag
import backends
from autograd_core import dtypes
from autograd_core.serialization import CheckpointError, load, save
from checks import torch_or_skip

try:
    from hypothesis import given
    from hypothesis import strategies as st
except ImportError:  # hypothesis is optional; its test skips
    given = None


# --- helpers -------------------------------------------------------------------------------------
def host(t):
    return t._backend.to_host(t._data)


def assert_same(a, b, where="obj"):
    """Equal values *and* types, recursively; floats bit for bit, tensors by dtype/shape/device/bytes."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, ag.Tensor):
        assert (a.dtype, a.shape, a.device, a.requires_grad) == (b.dtype, b.shape, b.device, b.requires_grad), where
        assert b.is_leaf and b.grad is None, where
        assert host(a).tobytes() == host(b).tobytes(), where
    elif isinstance(a, (numpy.ndarray, numpy.generic)):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        assert numpy.ascontiguousarray(a).tobytes() == numpy.ascontiguousarray(b).tobytes(), where
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        assert list(map(repr, a)) == list(map(repr, b)), f"{where}: keys {list(a)} != {list(b)}"
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            assert_same(ka, kb, f"{where} key {ka!r}")
            assert_same(va, vb, f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **kw)


def split(raw):
    """(header dict, data bytes) of a safetensors file."""
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def build(header, data=b""):
    """A safetensors file from a header (dict or raw text) and data bytes, built by hand."""
    text = header if isinstance(header, (str, bytes)) else json.dumps(header)
    text = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(text)) + text + data


def rewrite_metadata(raw, edit):
    header, data = split(raw)
    edit(header["__metadata__"])
    return build(header, data)


def values(dtype, shape, seed=0):
    rng = numpy.random.default_rng(seed)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = numpy.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


# --- round-trips -----------------------------------------------------------------------------------
def test_nested_structure_round_trips(device):
    w = ag.randn(3, 2, device=device, requires_grad=True)
    obj = {
        "model": {"layer.weight": w, "layer.bias": ag.zeros(2, device=device)},
        "optimizer": {"state": {0: {"step": 12, "exp_avg": ag.ones(3, 2, dtype=ag.float64, device=device)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0], "nesterov": False}]},
        "epoch": 7, "big": 2 ** 100, "neg": -(2 ** 70), "name": "ré\u00e9\U0001f600 \"quoted\"\n", "empty": "",
        "none": None, "flags": [True, False], "nested": [[], (), {}, [[1, (2, [3.5])]]], "blob": b"\x00\xffraw",
        (1, "a", None): "tuple key", 2.5: "float key", None: "none key", True: "bool key", -3: "int key",
        ((1, 2), (3.0,)): "nested tuple key",
    }
    out = roundtrip(obj)
    assert_same(obj, out)
    assert out["model"]["layer.weight"].device == device


def test_floats_are_bit_exact():
    nan_payload = struct.unpack("<d", struct.pack("<Q", 0x7FF0000000000123))[0]
    neg_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
    xs = [0.0, -0.0, math.nan, neg_nan, nan_payload, math.inf, -math.inf, 5e-324, -1.7976931348623157e308,
          0.1, 1 / 3, 2.0 ** -1074, 1e300]
    out = roundtrip({"xs": xs, "t": tuple(xs), math.inf: -0.0})
    assert [struct.pack("<d", x) for x in out["xs"]] == [struct.pack("<d", x) for x in xs]
    assert_same({"xs": xs, "t": tuple(xs), math.inf: -0.0}, out)


@pytest.mark.parametrize("dtype", dtypes.SUPPORTED, ids=lambda d: d.name)
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3, 4), (3, 0, 2)], ids=str)
def test_every_dtype_and_shape(dtype, shape, device):
    arr = values(dtype, shape)
    t = ag.tensor(arr, device=device)
    out = roundtrip({"t": t, "a": arr, "s": arr.reshape(-1)[0] if arr.size else None})
    assert_same(t, out["t"])
    assert_same(arr, out["a"])
    if arr.size:
        assert_same(arr.reshape(-1)[0], out["s"])  # a numpy scalar keeps its type


def test_numpy_arrays_of_any_layout():
    base = numpy.arange(24, dtype=numpy.float64).reshape(4, 6)
    cases = {"transposed": base.T, "strided": base[::2, ::3], "fortran": numpy.asfortranarray(base),
             "big_endian": base.astype(">f8"), "zero_d": numpy.array(3, dtype=numpy.int16)}
    out = roundtrip(cases)
    for name, arr in cases.items():
        assert type(out[name]) is numpy.ndarray and out[name].dtype.isnative, name
        numpy.testing.assert_array_equal(out[name], arr, err_msg=name)
        assert out[name].flags.writeable, name


def test_non_contiguous_tensor_and_writable_result(device):
    t = ag.tensor(numpy.arange(12.0).reshape(3, 4).T, device=device)
    out = roundtrip(t)
    numpy.testing.assert_array_equal(host(out), numpy.arange(12.0).reshape(3, 4).T)
    out.add_(1.0)  # loaded tensors are ordinary, writable tensors
    assert host(out)[0, 0] == 1.0


def test_requires_grad_flag_is_restored(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = x * 3.0  # a non-leaf: loads back as a leaf that requires grad
    out = roundtrip({"x": x, "y": y, "c": ag.tensor([1.0], device=device), "i": ag.tensor([1], device=device)})
    assert out["x"].requires_grad and out["x"].is_leaf
    assert out["y"].requires_grad and out["y"].is_leaf and out["y"].grad_fn is None
    numpy.testing.assert_array_equal(host(out["y"]), [3.0, 6.0])
    assert not out["c"].requires_grad and not out["i"].requires_grad
    (out["x"] * out["x"]).sum().backward()
    numpy.testing.assert_array_equal(host(out["x"].grad), [2.0, 4.0])


def test_shared_tensor_loads_as_one_object(device):
    w = ag.ones(2, device=device)
    out = roundtrip({"a": w, "b": [w], "c": ag.ones(2, device=device)})
    assert out["a"] is out["b"][0] and out["a"] is not out["c"]


def test_paths_and_file_objects(tmp_path):
    obj = {"x": ag.arange(4), "n": 1}
    for target in (tmp_path / "a.safetensors", str(tmp_path / "b.safetensors")):
        save(obj, target)
        assert_same(obj, load(target))
    buf = io.BytesIO()
    save(obj, buf)
    save([obj, 2.0], buf)  # two checkpoints in one stream read back one after the other
    buf.seek(0)
    assert_same(obj, load(buf))
    assert_same([obj, 2.0], load(buf))
    assert buf.read() == b""


def test_a_text_mode_file_is_refused(tmp_path):
    save({"a": 1}, tmp_path / "c.st")
    with open(tmp_path / "c.st", encoding="latin-1") as fh, pytest.raises(TypeError, match="rb"):
        load(fh)


if given is not None:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5)
    keys = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3) | st.tuples(st.integers(), st.text())
    trees = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                         | st.dictionaries(keys, inner, max_size=3), max_leaves=12)

    @given(trees)
    def test_generated_structures_round_trip(obj):
        assert_same(obj, roundtrip(obj))


# --- the file format --------------------------------------------------------------------------------
def test_file_is_plain_safetensors(tmp_path):
    """Checked by hand: 8-byte LE length, a JSON header padded to 8 bytes, contiguous LE data."""
    save({"w": ag.tensor([1.0, -2.0]), "k": ag.tensor([[7]], dtype=ag.int16), "m": ag.tensor(True)}, tmp_path / "f")
    raw = (tmp_path / "f").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0 and raw[8:9] == b"{"
    header, data = split(raw)
    meta = header.pop("__metadata__")
    assert meta["format"] == "autograd-core" and meta["version"] == "1"
    assert all(isinstance(v, str) for v in meta.values())
    assert {k: json.loads(meta["tensors"])[k]["device"] for k in header} == {"w": "cpu", "k": "cpu", "m": "cpu"}
    assert header["w"] == {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    assert header["k"] == {"dtype": "I16", "shape": [1, 1], "data_offsets": [8, 10]}
    assert header["m"] == {"dtype": "BOOL", "shape": [], "data_offsets": [10, 11]}
    assert data == struct.pack("<2f", 1.0, -2.0) + struct.pack("<h", 7) + b"\x01"  # little-endian on any host


def test_plain_safetensors_file_loads_as_flat_dict(tmp_path, device):
    data = struct.pack("<3q", -1, 0, 2 ** 40) + struct.pack("<4f", 1, 2, 3, 4) + b"\x01\x00"
    header = {"__metadata__": {"format": "pt"},  # key order differs from data order, as other writers do
              "weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [24, 40]},
              "index": {"dtype": "I64", "shape": [3], "data_offsets": [0, 24]},
              "mask": {"dtype": "BOOL", "shape": [2], "data_offsets": [40, 42]}}
    (tmp_path / "m.safetensors").write_bytes(build(header, data))
    out = load(tmp_path / "m.safetensors", map_location=device)
    assert list(out) == ["weight", "index", "mask"]
    assert all(isinstance(t, ag.Tensor) and not t.requires_grad and t.device == device for t in out.values())
    numpy.testing.assert_array_equal(host(out["weight"]), numpy.array([[1, 2], [3, 4]], numpy.float32))
    assert out["index"].dtype == ag.int64 and host(out["index"]).tolist() == [-1, 0, 2 ** 40]
    assert host(out["mask"]).tolist() == [True, False]
    del header["__metadata__"]  # no metadata at all is fine too
    assert list(load(io.BytesIO(build(header, data)))) == ["weight", "index", "mask"]


def test_gaps_between_tensors_are_skipped():
    header = {"a": {"dtype": "I8", "shape": [1], "data_offsets": [0, 1]},
              "b": {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]}}  # aligned, as some writers do
    raw = build(header, b"\x05" + b"\xee" * 7 + struct.pack("<d", 2.5))
    for stream in (io.BytesIO(raw), _Unsized(raw)):
        out = load(stream)
        assert host(out["a"]).tolist() == [5] and host(out["b"]).tolist() == [2.5]


# --- atomic writes ------------------------------------------------------------------------------------
@pytest.fixture
def existing(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save({"old": ag.ones(3)}, path)
    return path, path.read_bytes()


def _assert_untouched(path, old):
    assert path.read_bytes() == old
    assert os.listdir(path.parent) == [path.name], "a temporary file was left behind"
    assert_same({"old": ag.ones(3)}, load(path))


def test_failure_mid_data_leaves_old_file(existing, monkeypatch):
    path, old = existing
    calls = []
    real = type(backends.CPU).to_host

    def flaky(self, array):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real(self, array)

    monkeypatch.setattr(type(backends.CPU), "to_host", flaky)
    with pytest.raises(OSError, match="simulated"):
        save({"a": ag.zeros(1000), "b": ag.zeros(1000)}, path)
    monkeypatch.undo()
    assert len(calls) == 2
    _assert_untouched(path, old)


@pytest.mark.parametrize("error", [OSError("fsync failed (simulated)"), KeyboardInterrupt()])
def test_failure_at_fsync_leaves_old_file(existing, monkeypatch, error):
    path, old = existing

    def fail(fd):
        raise error

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(error)):
        save({"new": ag.zeros(5)}, path)
    monkeypatch.undo()
    _assert_untouched(path, old)


def test_unsupported_object_writes_nothing(existing):
    path, old = existing
    with pytest.raises(TypeError):
        save({"new": {1, 2}}, path)
    _assert_untouched(path, old)


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"a": 1}, tmp_path / "nope" / "c.safetensors")


# --- refusing bad files ---------------------------------------------------------------------------------
@pytest.fixture
def good_file():
    buf = io.BytesIO()
    save({"w": ag.randn(4, 4), "b": ag.zeros(4, dtype=ag.int64)}, buf)
    return buf.getvalue()


def _load_bytes(tmp_path, raw, name="bad.safetensors", **kw):
    path = tmp_path / name
    path.write_bytes(raw)
    return load(path, **kw)


def test_truncated_files_raise_a_clear_error(tmp_path, good_file):
    n = struct.unpack("<Q", good_file[:8])[0]
    cuts = [1, 4, 7, 8, 9, 8 + n // 2, 8 + n - 1, 8 + n, 8 + n + 3, len(good_file) - 1]
    for cut in cuts:
        with pytest.raises(CheckpointError, match="truncated") as info:
            _load_bytes(tmp_path, good_file[:cut])
        assert "bad.safetensors" in str(info.value), cut
        with pytest.raises(CheckpointError, match="truncated"):  # a stream too, sized or not
            load(io.BytesIO(good_file[:cut]))
        with pytest.raises(CheckpointError, match="truncated"):
            load(_Unsized(good_file[:cut]))
    assert isinstance(load(_Unsized(good_file))["w"], ag.Tensor)


class _Unsized:
    """A stream that can only be read (a pipe, a socket): its size is unknown up front."""

    def __init__(self, raw):
        self._f = io.BytesIO(raw)

    def read(self, n=-1):
        return self._f.read(n)


_FLAG = {"unpickled": False}


def _set_flag():
    _FLAG["unpickled"] = True
    return "pwned"


class _Evil:
    def __reduce__(self):
        return (_set_flag, ())


def test_pickle_is_never_unpickled(tmp_path, monkeypatch):
    raw = pickle.dumps({"weights": [1.0, 2.0], "payload": _Evil()})
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, _forbidden)
    with pytest.raises(CheckpointError, match="pickle") as info:
        _load_bytes(tmp_path, raw, "model.pkl")
    assert "model.pkl" in str(info.value)
    assert not _FLAG["unpickled"]
    monkeypatch.undo()
    pickle.loads(raw)  # the canary works: a real unpickle does run the payload
    assert _FLAG["unpickled"]
    _FLAG["unpickled"] = False


def _forbidden(*args, **kwargs):
    raise AssertionError("load must never unpickle")


def _zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    return buf.getvalue()


def _npy_bytes():
    buf = io.BytesIO()
    numpy.save(buf, numpy.arange(3))
    return buf.getvalue()


@pytest.mark.parametrize("raw, message", [
    (b"", "empty"),
    (_zip_bytes(), "zip"),
    (numpy.random.default_rng(1).bytes(4096), "not a safetensors"),
    (b'{"weights": [1.0, 2.0], "bias": 0.5}', "JSON"),
    (b"{}", "JSON"),
    (_npy_bytes(), "NumPy"),
    (b"hello, this is a plain text file\n", "text"),
], ids=["empty", "zip", "random", "json", "tiny-json", "npy", "text"])
def test_foreign_files_are_refused(tmp_path, raw, message):
    with pytest.raises(CheckpointError, match=message) as info:
        _load_bytes(tmp_path, raw)
    assert "bad.safetensors" in str(info.value)


def test_a_pytorch_checkpoint_is_refused_without_unpickling(tmp_path, monkeypatch):
    torch = torch_or_skip()
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    monkeypatch.setattr(pickle, "Unpickler", _forbidden)
    with pytest.raises(CheckpointError, match="zip archive"):
        _load_bytes(tmp_path, buf.getvalue(), "model.pt")


_ENTRY = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize("header, data, message", [
    ('{"a": {"dtype": "F32",', b"", "not valid UTF-8 JSON"),
    (b'{"a": "\xff\xfe"}', b"", "not valid UTF-8 JSON"),
    ('{"a": 1, "a": 2}', b"", "duplicate key"),
    ('{"a": NaN}', b"", "NaN"),
    ("[1, 2, 3, 4, 5, 6]", b"", "does not start with"),
    ({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, bytes(4), "unknown or unsupported dtype 'BF16'"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, bytes(8), "need 12"),
    ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, bytes(8), "malformed shape"),
    ({"a": {"dtype": "F32", "shape": [True, 2], "data_offsets": [0, 8]}}, bytes(8), "malformed shape"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, bytes(8), "malformed data_offsets"),
    ({"a": {"dtype": "F32", "shape": [2]}}, bytes(8), "malformed entry"),
    ({"a": _ENTRY, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12), "overlap"),
    ({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07", "other than 0 and 1"),
    ({"a": _ENTRY, "__metadata__": {"format": 1}}, bytes(8), "strings to strings"),
    ({"a": _ENTRY, "__metadata__": ["x"]}, bytes(8), "strings to strings"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_malformed_headers(tmp_path, header, data, message):
    with pytest.raises(CheckpointError, match=message):
        _load_bytes(tmp_path, build(header, data))


def _set(field, value):
    return lambda meta: meta.__setitem__(field, value)


@pytest.mark.parametrize("edit, message", [
    (_set("version", "99"), "version '99'"),
    (_set("structure", "{not json"), "'structure' is not valid JSON"),
    (lambda meta: meta.pop("structure"), "'structure' is missing"),
    (_set("tensors", "[]"), "does not list"),
    (_set("tensors", json.dumps({"w": {"kind": "pickle"}, "b": {"kind": "tensor"}})), "malformed metadata"),
    (_set("tensors", json.dumps({"w": {"kind": "tensor", "device": "tpu"}, "b": {"kind": "tensor"}})), "device 'tpu'"),
    (_set("structure", '{"dict": [["w", {"tensor": "missing"}]]}'), "not in the file"),
    (_set("structure", '{"ndarray": "w"}'), "not in the file"),  # w is a tensor, not an ndarray
    (_set("structure", "1.5"), "malformed structure"),
    (_set("structure", '{"float": "0xzz"}'), "bad float"),
    (_set("structure", '{"set": [1]}'), "unexpected node"),
    (_set("structure", '{"list": [1], "tuple": [2]}'), "one-key object"),
    (_set("structure", '{"dict": [[{"list": []}, 1]]}'), "unexpected dict key node"),
    (_set("structure", "[" * 100000 + "]" * 100000), "malformed"),
])
def test_malformed_metadata(tmp_path, good_file, edit, message):
    with pytest.raises(CheckpointError, match=message):
        _load_bytes(tmp_path, rewrite_metadata(good_file, edit))


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)


# --- what save refuses ------------------------------------------------------------------------------------
@pytest.mark.parametrize("obj, message", [
    ({"optimizer": {"state": {0: {1, 2}}}}, r"cannot store a set at \['optimizer'\]\['state'\]\[0\]"),
    ([1, (2, object())], r"cannot store a object at \[1\]\[1\]"),
    ({"f": lambda: 0}, r"cannot store a function at \['f'\]"),
    ({"c": 1 + 2j}, r"cannot store a complex at \['c'\]"),
    ({"b": bytearray(b"x")}, r"cannot store a bytearray at \['b'\]"),
    ({"a": numpy.zeros(2, dtype=numpy.complex64)}, r"dtype complex64 at \['a'\]"),
    ({"a": numpy.array([None])}, r"dtype object at \['a'\]"),
    ({"a": numpy.uint32(3)}, r"cannot store a uint32 at \['a'\]"),
    ({"x": {frozenset(): 1}}, r"dict key of type frozenset .* at \['x'\]"),
    ({"x": {(1, b"k"): 1}}, r"dict key of type bytes"),
    ({1, 2}, "cannot store a set at the top level"),
])
def test_unsupported_objects_name_type_and_path(obj, message):
    with pytest.raises(TypeError, match=message):
        save(obj, io.BytesIO())


def test_a_cycle_is_refused():
    loop = [1]
    loop.append({"again": loop})
    with pytest.raises(ValueError, match=r"contains itself"):
        save(loop, io.BytesIO())
    same = [1]
    assert roundtrip([same, same]) == [[1], [1]]  # shared, but not a cycle: fine


# --- devices ------------------------------------------------------------------------------------------------
def test_map_location_forms(good_file, tmp_path):
    cpu = backends.parse_device("cpu")
    for loc in ("cpu", cpu, {"cpu": "cpu"}, {"cuda:1": "cpu"}, lambda saved: "cpu", lambda saved: None):
        out = _load_bytes(tmp_path, good_file, map_location=loc)
        assert out["w"].device == "cpu" and out["b"].device == "cpu"
    with pytest.raises(ValueError, match="tpu"):
        _load_bytes(tmp_path, good_file, map_location="tpu")
    if not backends.is_cuda_available():
        with pytest.raises(backends.DeviceUnavailableError, match="cuda"):
            _load_bytes(tmp_path, good_file, map_location="cuda")


def _on_cuda(meta):
    info = json.loads(meta["tensors"])
    info["w"]["device"] = "cuda:0"
    meta["tensors"] = json.dumps(info)


def test_tensor_saved_on_a_gpu(tmp_path, good_file):
    raw = rewrite_metadata(good_file, _on_cuda)
    expected = load(io.BytesIO(good_file))
    if backends.is_cuda_available():
        out = _load_bytes(tmp_path, raw)
        assert out["w"].device == "cuda:0" and out["b"].device == "cpu"
    else:
        with pytest.raises(backends.DeviceUnavailableError, match="map_location='cpu'") as info:
            _load_bytes(tmp_path, raw)
        assert "cuda:0" in str(info.value) and "bad.safetensors" in str(info.value)
    for loc in ("cpu", {"cuda:0": "cpu"}, {backends.parse_device("cuda"): "cpu"}, lambda saved: "cpu"):
        out = _load_bytes(tmp_path, raw, map_location=loc)
        assert out["w"].device == "cpu"
        assert_same(expected, out)

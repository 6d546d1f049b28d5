"""save / load: checkpoints as safetensors files, with no pickle anywhere.

    ag.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, "ckpt.safetensors")
    ckpt = ag.load("ckpt.safetensors", map_location="cpu")

The file is a plain safetensors file, so other tools can read its tensors::

    8 bytes    N, the header length (unsigned, little-endian)
    N bytes    a UTF-8 JSON header: {name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
               ..., "__metadata__": {str: str}} (padded with spaces to a multiple of 8 bytes)
    the rest   each tensor's raw little-endian bytes, at data_offsets from the end of the header

``__metadata__`` holds ``"format": "autograd-core"``, ``"version": "1"``, ``"tensors"`` (a JSON string:
each entry's device, requires_grad flag and kind: tensor, ndarray, numpy scalar or bytes) and
``"structure"``: a JSON string describing the saved object. In it null/true/false, integers and strings
stand for themselves; everything else is a one-key object: ``{"float": float.hex(x)}`` (bit-exact; a NaN
keeps its bits as ``"nan:<16 hex digits>"``), ``{"list": [...]}``, ``{"tuple": [...]}``,
``{"dict": [[key, value], ...]}`` (so int and tuple keys survive) and ``{"tensor" | "ndarray" | "scalar" |
"bytes": name}`` pointing at a header entry. A safetensors file without this metadata loads as a flat
``{name: Tensor}`` dict.

Why no pickle: unpickling runs whatever code the file names, so loading a checkpoint from the internet
would be running a program from the internet. Here a file can only ever describe numbers, strings and
containers; ``load`` validates every field, reads array bytes with ``numpy.frombuffer`` into one of nine
fixed dtypes, and raises ``CheckpointError`` (a ValueError) naming the file for anything unexpected.
Writes to a path are atomic: a temporary file in the same directory, fsync, then ``os.replace``.
"""

import json
import math
import os
import secrets
import struct

import numpy

import backends

from . import dtypes
from .tensor import Tensor, make_tensor

__all__ = ["save", "load", "CheckpointError"]

FORMAT, VERSION = "autograd-core", "1"
MAX_HEADER = 100_000_000  # the safetensors limit; a larger length field means this is not such a file
_CODES = {"F16": dtypes.float16, "F32": dtypes.float32, "F64": dtypes.float64, "I64": dtypes.int64,
          "I32": dtypes.int32, "I16": dtypes.int16, "I8": dtypes.int8, "U8": dtypes.uint8, "BOOL": dtypes.bool_}
_NAMES = {dt: code for code, dt in _CODES.items()}
_KINDS = ("tensor", "ndarray", "scalar", "bytes")
_CONTAINERS = ("list", "tuple", "dict")


class CheckpointError(ValueError):
    """A file that ``load`` refuses: empty, truncated, corrupt, or not a checkpoint at all."""


# --- save ---------------------------------------------------------------------------------------
def _path_str(path):
    return " " + ("".join(f"[{k!r}]" for k in path) or "the top level")


def _encode_float(x):
    if math.isnan(x):
        return {"float": "nan:" + struct.pack(">d", x).hex()}
    return {"float": float.hex(x)}


class _Writer:
    """Turns an object into (structure tree, tensor entries) without touching the disk."""

    def __init__(self):
        self.entries = {}  # name -> (array on its device, backend or None, kind, requires_grad)
        self.by_id = {}  # id(tensor) -> name: a tensor saved twice is stored once and loads as one object
        self.active = set()  # ids of the containers being encoded, to catch cycles

    def name_for(self, path):
        base = ".".join(",".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in path) or "tensor"
        name, n = base, 1
        while name in self.entries or name == "__metadata__":
            n += 1
            name = f"{base}#{n}"
        return name

    def add(self, obj, path, kind, array, backend=None, requires_grad=False):
        if kind == "tensor" and id(obj) in self.by_id:
            return {kind: self.by_id[id(obj)]}
        if array.dtype.newbyteorder("=") not in _NAMES:  # any byte order: written little-endian
            raise TypeError(f"save: cannot store a {kind} of dtype {array.dtype} at{_path_str(path)}; "
                            f"supported dtypes: {dtypes.names()}")
        name = self.name_for(path)
        self.entries[name] = (array, backend, kind, requires_grad)
        if kind == "tensor":
            self.by_id[id(obj)] = name
        return {kind: name}

    def key(self, k, path):
        if k is None or isinstance(k, (bool, int, float, str)):
            return self.encode(k, path)
        if isinstance(k, tuple):
            return {"tuple": [self.key(e, path) for e in k]}
        raise TypeError(f"save: cannot store a dict key of type {type(k).__name__} ({k!r:.60}) at{_path_str(path)}; "
                        f"keys must be str, int, float, bool, None or tuples of those")

    def encode(self, obj, path):
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, Tensor):
            return self.add(obj, path, "tensor", obj._data, obj._backend, obj.requires_grad)
        if isinstance(obj, numpy.ndarray):
            return self.add(obj, path, "ndarray", obj)
        if isinstance(obj, numpy.generic) and obj.dtype in _NAMES:
            return self.add(obj, path, "scalar", numpy.asarray(obj))
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return _encode_float(float(obj))
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, bytes):
            return self.add(obj, path, "bytes", numpy.frombuffer(obj, dtype=numpy.uint8))
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in self.active:
                raise ValueError(f"save: the {type(obj).__name__} at{_path_str(path)} contains itself")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    return {"dict": [[self.key(k, path), self.encode(v, path + (k,))] for k, v in obj.items()]}
                tag = "list" if isinstance(obj, list) else "tuple"
                return {tag: [self.encode(v, path + (i,)) for i, v in enumerate(obj)]}
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"save: cannot store a {type(obj).__name__} at{_path_str(path)}; supported: dict, list, "
                        f"tuple, int, float, bool, None, str, bytes, Tensor, numpy arrays and scalars")

    def header(self, tree):
        """The padded header bytes, and the (name, array, backend) list in data order."""
        header, info, order, offset = {}, {}, [], 0
        for name, (array, backend, kind, rg) in self.entries.items():
            nbytes = int(array.size) * array.dtype.itemsize
            header[name] = {"dtype": _NAMES[array.dtype.newbyteorder("=")], "shape": [int(s) for s in array.shape],
                            "data_offsets": [offset, offset + nbytes]}
            info[name] = {"kind": kind, "device": str(backend.device) if backend is not None else "cpu",
                          "requires_grad": bool(rg)}
            order.append((array, backend))
            offset += nbytes
        header["__metadata__"] = {"format": FORMAT, "version": VERSION, "tensors": json.dumps(info),
                                  "structure": json.dumps(tree, separators=(",", ":"))}
        raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
        raw += b" " * (-len(raw) % 8)
        return raw, order


def _write(fh, raw_header, order):
    fh.write(struct.pack("<Q", len(raw_header)))
    fh.write(raw_header)
    for array, backend in order:
        host = backend.to_host(array) if backend is not None else array
        host = numpy.ascontiguousarray(host, dtype=host.dtype.newbyteorder("<"))  # little-endian, C order
        fh.write(memoryview(host.reshape(-1)).cast("B"))


def save(obj, f):
    """Write ``obj`` (nested dicts/lists/tuples of Tensors, numpy arrays, numbers, str, bytes, None) to ``f``.

    ``f`` is a path (written atomically: an existing file is replaced only once the new one is
    complete) or a binary file object. Raises TypeError naming the type and where it sits in ``obj``
    for anything else; nothing is written then.
    """
    writer = _Writer()
    tree = writer.encode(obj, ())
    raw_header, order = writer.header(tree)
    if hasattr(f, "write") and not isinstance(f, (str, bytes, os.PathLike)):
        _write(f, raw_header, order)
        return
    path = os.fspath(f)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    directory, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{base}.{secrets.token_hex(8)}.tmp")
    try:  # O_EXCL: never reuse an existing file; mode 0o666 lets the umask apply, as for open()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except FileNotFoundError:
        raise FileNotFoundError(f"save: cannot write {path!r}: directory {directory!r} does not exist") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, raw_header, order)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX); best effort
        try:
            dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            os.fsync(dfd)
            os.close(dfd)
        except OSError:
            pass


# --- load: reading and checking the file ----------------------------------------------------------
_SIGNATURES = ((b"PK\x03\x04", "a zip archive (a PyTorch .pt/.pth file or a NumPy .npz?)"),
               (b"PK\x05\x06", "an empty zip archive"), (b"\x93NUMPY", "a NumPy .npy file"),
               (b"\x89HDF", "an HDF5 file"), (b"\x1f\x8b", "a gzip-compressed file"))


def _sniff(head):
    """What a file that is not a checkpoint looks like, from its first bytes (or None)."""
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return what
    if head[:1] == b"\x80" and head[1:2] and 2 <= head[1] <= 5:
        return "a Python pickle (refusing to unpickle: that would run code from the file)"
    if head.lstrip()[:1] in (b"{", b"["):
        return "a JSON text file"
    return "a text file" if head.isascii() and head.decode().isprintable() else None


def _read_exact(fh, n, preallocate=True):
    """Up to ``n`` bytes as a bytearray (shorter only at the end of the file). Without ``preallocate``
    (a stream of unknown size) the buffer grows as data arrives, so a lying header can't exhaust memory."""
    buf, got = bytearray(n if preallocate else min(n, 1 << 24)), 0
    while got < n:
        if got == len(buf):
            buf.extend(bytes(min(n - got, len(buf))))
        with memoryview(buf) as view:
            k = fh.readinto(view[got:]) if hasattr(fh, "readinto") else None
            if k is None:
                chunk = fh.read(len(buf) - got)
                if isinstance(chunk, str):
                    raise TypeError("load: the file object is in text mode; open it with 'rb'")
                k = len(chunk)
                view[got:got + k] = chunk
        if not k:
            return buf[:got]
        got += k
    return buf


def _json(text):
    """Strict JSON: duplicate keys and NaN/Infinity (not JSON) are errors."""
    def pairs(items):
        out = dict(items)
        if len(out) != len(items):
            raise ValueError(f"duplicate key in {[k for k, _ in items]}"[:200])
        return out

    def constant(word):
        raise ValueError(f"{word} is not valid JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def _read_header(fh, name, size):
    """Parse the length field and the JSON header; return (header dict, data size or None)."""
    first = _read_exact(fh, 8)
    if len(first) < 8:
        if not first:
            raise CheckpointError(f"{name}: the file is empty")
        looks = _sniff(bytes(first))
        raise CheckpointError(f"{name}: the file has only {len(first)} bytes, fewer than the 8-byte header-length "
                              f"field: truncated, or not a checkpoint" + (f" (it looks like {looks})" if looks else ""))
    n = struct.unpack("<Q", first)[0]
    if n > MAX_HEADER or n < 2:
        looks = _sniff(bytes(first))
        raise CheckpointError(f"{name}: not a safetensors checkpoint" + (f": it looks like {looks}" if looks else
                              f" (its first 8 bytes give a header length of {n})"))
    raw = b"" if size is not None and 8 + n > size else _read_exact(fh, n, size is not None)
    if len(raw) < n:
        looks = _sniff(bytes(first))
        raise CheckpointError(f"{name}: " + (f"not a safetensors checkpoint: it looks like {looks} (or " if looks else "")
                              + f"truncated: the header is {n} bytes but the file has only "
                              f"{size - 8 if size is not None else len(raw)} after the length field"
                              + (")" if looks else ""))
    if raw[:1] != b"{":
        looks = _sniff(bytes(first))
        raise CheckpointError(f"{name}: not a safetensors checkpoint (the header does not start with '{{')"
                              + (f"; it looks like {looks}" if looks else ""))
    try:
        header = _json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{name}: the header is not valid UTF-8 JSON ({exc})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name}: the header must be a JSON object, got {type(header).__name__}")
    return header, (None if size is None else size - 8 - n)


def _check_entries(header, name, data_size):
    """Validate every tensor entry; return {key: (dtype, shape, begin, end)} in header order."""
    entries = {}
    for key, e in header.items():
        if key == "__metadata__":
            continue
        where = f"{name}: tensor {key!r}"
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(f"{where}: malformed entry {e!r:.120}; expected keys dtype, shape, data_offsets")
        code, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if code not in _CODES:
            raise CheckpointError(f"{where}: unknown or unsupported dtype {code!r}; supported: {', '.join(_CODES)}")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise CheckpointError(f"{where}: malformed shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)
                and 0 <= offs[0] <= offs[1]):
            raise CheckpointError(f"{where}: malformed data_offsets {offs!r}")
        dt = _CODES[code]
        expected = math.prod(shape) * dt.itemsize
        if offs[1] - offs[0] != expected:
            raise CheckpointError(f"{where}: data_offsets {offs} span {offs[1] - offs[0]} bytes, but dtype {code} "
                                  f"and shape {shape} need {expected}")
        if data_size is not None and offs[1] > data_size:
            raise CheckpointError(f"{name}: truncated: tensor {key!r} needs data bytes up to {offs[1]} but the file "
                                  f"holds only {data_size}")
        entries[key] = (dt, tuple(shape), offs[0], offs[1])
    spans = sorted((b, e, k) for k, (_, _, b, e) in entries.items() if e > b)
    for (b0, e0, k0), (b1, e1, k1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise CheckpointError(f"{name}: tensors {k0!r} and {k1!r} overlap in the data section")
    return entries


def _read_arrays(fh, name, entries, sized):
    """Host arrays (native byte order) for every entry, read in file order with numpy.frombuffer."""
    out, pos = {}, 0
    for key, (dt, shape, begin, end) in sorted(entries.items(), key=lambda kv: kv[1][2]):
        if begin > pos:  # a gap other writers may leave
            if len(_read_exact(fh, begin - pos, sized)) < begin - pos:
                raise CheckpointError(f"{name}: truncated: the data ends before tensor {key!r}")
            pos = begin
        buf = _read_exact(fh, end - begin, sized)
        if len(buf) < end - begin:
            raise CheckpointError(f"{name}: truncated: tensor {key!r} needs {end - begin} bytes, only {len(buf)} left")
        pos = max(pos, end)
        arr = numpy.frombuffer(buf, dtype=dt.newbyteorder("<")).reshape(shape)
        if not arr.dtype.isnative:  # a big-endian host
            arr = arr.astype(dt)
        if dt == dtypes.bool_ and arr.size and arr.view(numpy.uint8).max() > 1:
            raise CheckpointError(f"{name}: tensor {key!r} has dtype BOOL but holds bytes other than 0 and 1")
        out[key] = arr
    return out


# --- load: devices and the structure ----------------------------------------------------------------
def _target_device(saved, map_location):
    if map_location is None:
        return saved
    if callable(map_location) and not isinstance(map_location, (str, backends.Device)):
        target = map_location(saved)
        return saved if target is None else target
    if isinstance(map_location, dict):
        for src, dst in map_location.items():
            if backends.parse_device(src) == backends.parse_device(saved):
                return dst
        return saved
    return map_location


def _backend_for(saved, map_location, name, cache):
    if saved not in cache:
        try:
            backends.parse_device(saved)
        except (ValueError, TypeError) as exc:
            raise CheckpointError(f"{name}: malformed device {saved!r} in the metadata ({exc})") from None
        target = _target_device(saved, map_location)
        try:
            cache[saved] = backends.get_backend(target)
        except backends.DeviceUnavailableError as exc:
            if map_location is None:
                raise backends.DeviceUnavailableError(
                    f"{name}: a tensor was saved on {saved!r}, which is not available here ({exc}); pass "
                    f"map_location='cpu' to load it on the CPU") from None
            raise
    return cache[saved]


def _metadata_json(meta, field, name):
    try:
        return _json(meta[field])
    except KeyError:
        raise CheckpointError(f"{name}: malformed metadata: {field!r} is missing") from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{name}: malformed metadata: {field!r} is not valid JSON ({exc})") from None


def _decode_float(text):
    if text.startswith("nan:"):
        bits = bytes.fromhex(text[4:])
        if len(bits) != 8:
            raise ValueError(f"bad NaN bits {text!r}")
        return struct.unpack(">d", bits)[0]
    return float.fromhex(text)


class _Reader:
    def __init__(self, name, objects, info):
        self.name, self.objects, self.info = name, objects, info

    def fail(self, what, node):
        raise CheckpointError(f"{self.name}: malformed structure: {what} ({json.dumps(node)[:120]})")

    def decode(self, node, key=False):
        if node is None or type(node) in (bool, int, str):
            return node
        if not (isinstance(node, dict) and len(node) == 1):
            self.fail("expected null, true, false, an integer, a string or a one-key object", node)
        (tag, value), = node.items()
        if tag == "float":
            try:
                return _decode_float(value)
            except (ValueError, TypeError, AttributeError):
                self.fail("bad float", node)
        if tag in _CONTAINERS and isinstance(value, list):
            if tag == "tuple":
                return tuple(self.decode(v, key) for v in value)
            if not key and tag == "list":
                return [self.decode(v) for v in value]
            if not key and all(isinstance(p, list) and len(p) == 2 for p in value):
                return {self.decode(k, key=True): self.decode(v) for k, v in value}
        elif tag in _KINDS and not key and isinstance(value, str):
            if self.info.get(value, {}).get("kind") != tag or value not in self.objects:
                self.fail(f"{tag} {value!r} is not in the file", node)
            return self.objects[value]
        self.fail(f"unexpected {'dict key ' if key else ''}node", node)


def load(f, map_location=None):
    """Read what ``save`` wrote (or any safetensors file, as a flat ``{name: Tensor}`` dict).

    Tensors come back on the device they were saved from, as leaves (``requires_grad`` as saved).
    ``map_location`` overrides the device: ``"cpu"``, ``"cuda:0"``, a Device, a dict
    ``{saved_device: target_device}``, or a callable ``fn(saved_device_str) -> device`` (None keeps it).
    Raises CheckpointError (a ValueError) naming the file when it is empty, truncated, corrupt or not a
    checkpoint; nothing in the file is ever executed.
    """
    if hasattr(f, "read") and not isinstance(f, (str, bytes, os.PathLike)):
        name = repr(getattr(f, "name", None) or f"<{type(f).__name__}>")
        try:
            start = f.tell()
            size = f.seek(0, os.SEEK_END) - start
            f.seek(start)
        except (AttributeError, OSError, ValueError):
            size = None
        return _load(f, name, size, map_location)
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return _load(fh, repr(os.fsdecode(path)), os.fstat(fh.fileno()).st_size, map_location)


def _load(fh, name, size, map_location):
    header, data_size = _read_header(fh, name, size)
    entries = _check_entries(header, name, data_size)
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise CheckpointError(f"{name}: malformed metadata: __metadata__ must map strings to strings")
    ours = meta.get("format") == FORMAT
    if ours and meta.get("version") != VERSION:
        raise CheckpointError(f"{name}: written in {FORMAT} format version {meta.get('version')!r}; this "
                              f"version of autograd_core reads version {VERSION}")
    info = _metadata_json(meta, "tensors", name) if ours else {k: {"kind": "tensor"} for k in entries}
    if not isinstance(info, dict) or set(info) != set(entries):
        raise CheckpointError(f"{name}: malformed metadata: 'tensors' does not list the header's tensors")
    devices, cache = {}, {}
    for key, item in info.items():
        if not (isinstance(item, dict) and item.get("kind") in _KINDS and isinstance(item.get("device", "cpu"), str)
                and isinstance(item.get("requires_grad", False), bool)):
            raise CheckpointError(f"{name}: malformed metadata for tensor {key!r}: {item!r:.120}")
        if item["kind"] == "tensor":  # resolve every device before reading any data
            devices[key] = _backend_for(item.get("device", "cpu"), map_location, name, cache)
    arrays = _read_arrays(fh, name, entries, data_size is not None)
    objects = {}
    for key in entries:  # header order
        arr, kind = arrays[key], info[key]["kind"]
        if kind == "tensor":
            backend = devices[key]
            data = arr if backend is backends.CPU else backend.from_host(arr)
            objects[key] = make_tensor(data, backend, bool(info[key].get("requires_grad")) and arr.dtype.kind == "f")
        elif kind == "ndarray":
            objects[key] = arr
        elif kind == "scalar":
            objects[key] = arr.reshape(-1)[0] if arr.size == 1 else None
        else:
            objects[key] = bytes(arr) if arr.dtype == dtypes.uint8 and arr.ndim == 1 else None
        if objects[key] is None:
            raise CheckpointError(f"{name}: malformed {kind} entry {key!r} (dtype {arr.dtype}, shape {arr.shape})")
    if not ours:
        return objects
    tree = _metadata_json(meta, "structure", name)
    try:
        return _Reader(name, objects, info).decode(tree)
    except RecursionError:
        raise CheckpointError(f"{name}: malformed structure: nested too deeply") from None

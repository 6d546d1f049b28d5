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
from ._safetensors import NAMES, CheckpointError, check_entries, parse_json, read_arrays, read_header, write_file
from .tensor import Tensor, make_tensor

__all__ = ["save", "load", "CheckpointError"]

FORMAT, VERSION = "autograd-core", "1"
_KINDS = ("tensor", "ndarray", "scalar", "bytes")
_CONTAINERS = ("list", "tuple", "dict")


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
        if array.dtype.newbyteorder("=") not in NAMES:  # any byte order: written little-endian
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
        if isinstance(obj, numpy.generic) and obj.dtype in NAMES:
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
            header[name] = {"dtype": NAMES[array.dtype.newbyteorder("=")], "shape": [int(s) for s in array.shape],
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
        write_file(f, raw_header, order)
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
            write_file(fh, raw_header, order)
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
        return parse_json(meta[field])
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


def load(f, map_location=None, *, weights_only=True, mmap=None):
    """Read what ``save`` wrote (or any safetensors file, as a flat ``{name: Tensor}`` dict).

    ``weights_only`` and ``mmap`` are accepted so ``torch.load`` calls port: loading here is always
    "weights only" (the format holds tensors, numbers, strings and containers; no pickle, no code).

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
    header, data_size = read_header(fh, name, size)
    entries = check_entries(header, name, data_size)
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
    arrays = read_arrays(fh, name, entries, data_size is not None)
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

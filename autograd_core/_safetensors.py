"""The safetensors file layer of ``save``/``load``: writing the bytes, and reading them back with every
check (length, JSON header, dtypes, shapes, offsets), never trusting the file.

    8 bytes    N, the header length (unsigned, little-endian)
    N bytes    a UTF-8 JSON header {name: {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}
    the rest   each tensor's raw little-endian bytes, at data_offsets from the end of the header
"""

import json
import math
import struct

import numpy

from . import dtypes

MAX_HEADER = 100_000_000  # the safetensors limit; a larger length field means this is not such a file
CODES = {"F16": dtypes.float16, "F32": dtypes.float32, "F64": dtypes.float64, "I64": dtypes.int64,
          "I32": dtypes.int32, "I16": dtypes.int16, "I8": dtypes.int8, "U8": dtypes.uint8, "BOOL": dtypes.bool_}
NAMES = {dt: code for code, dt in CODES.items()}


class CheckpointError(ValueError):
    """A file that ``load`` refuses: empty, truncated, corrupt, or not a checkpoint at all."""


def write_file(fh, raw_header, order):
    fh.write(struct.pack("<Q", len(raw_header)))
    fh.write(raw_header)
    for array, backend in order:
        host = backend.to_host(array) if backend is not None else array
        host = numpy.ascontiguousarray(host, dtype=host.dtype.newbyteorder("<"))  # little-endian, C order
        fh.write(memoryview(host.reshape(-1)).cast("B"))


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


def parse_json(text):
    """Strict JSON: duplicate keys and NaN/Infinity (not JSON) are errors."""
    def pairs(items):
        out = dict(items)
        if len(out) != len(items):
            raise ValueError(f"duplicate key in {[k for k, _ in items]}"[:200])
        return out

    def constant(word):
        raise ValueError(f"{word} is not valid JSON")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def read_header(fh, name, size):
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
        lead = f"not a safetensors checkpoint: it looks like {looks} (or " if looks else ""
        raise CheckpointError(f"{name}: " + lead
                              + f"truncated: the header is {n} bytes but the file has only "
                              f"{size - 8 if size is not None else len(raw)} after the length field"
                              + (")" if looks else ""))
    if raw[:1] != b"{":
        looks = _sniff(bytes(first))
        raise CheckpointError(f"{name}: not a safetensors checkpoint (the header does not start with '{{')"
                              + (f"; it looks like {looks}" if looks else ""))
    try:
        header = parse_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{name}: the header is not valid UTF-8 JSON ({exc})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name}: the header must be a JSON object, got {type(header).__name__}")
    return header, (None if size is None else size - 8 - n)


def check_entries(header, name, data_size):
    """Validate every tensor entry; return {key: (dtype, shape, begin, end)} in header order."""
    entries = {}
    for key, e in header.items():
        if key == "__metadata__":
            continue
        where = f"{name}: tensor {key!r}"
        if not isinstance(e, dict) or set(e) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(f"{where}: malformed entry {e!r:.120}; expected keys dtype, shape, data_offsets")
        code, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if code not in CODES:
            raise CheckpointError(f"{where}: unknown or unsupported dtype {code!r}; supported: {', '.join(CODES)}")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise CheckpointError(f"{where}: malformed shape {shape!r}")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)
                and 0 <= offs[0] <= offs[1]):
            raise CheckpointError(f"{where}: malformed data_offsets {offs!r}")
        dt = CODES[code]
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


def read_arrays(fh, name, entries, sized):
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

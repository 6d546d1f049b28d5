"""The CPU backend: NumPy arrays, a PCG64 generator."""

import os
import sys

import numpy

from .base import DEFAULT_SEED, Backend
from .device import Device

_STATE_BYTES = 16 + 16 + 1 + 4  # PCG64 state, increment, has_uint32, uinteger


def _make_erf():
    """SciPy's vectorised erf when SciPy is installed; otherwise math.erf element by element (exact
    in float64, but slow on large arrays)."""
    try:
        from scipy.special import erf

        return lambda a: erf(a).astype(a.dtype, copy=False)
    except ImportError:
        import math

        scalar = numpy.vectorize(math.erf, otypes=[numpy.float64])
        return lambda a: scalar(a).astype(a.dtype, copy=False)


_erf = _make_erf()


def _tune_allocator():
    """Keep freed memory for reuse instead of handing it back to the OS after every op.

    A training step allocates and frees the same large temporaries (im2col columns, activations,
    gradients) over and over. With glibc's defaults each one is mmap'ed fresh and page-faulted in
    on first touch: measured here, 3,000 faults (7 ms) in every 9 ms LeNet step and 25,000 in a
    ResNet-18 step. Raising the mmap and trim thresholds and padding the heap top (64 MB) makes the
    heap behave like a caching allocator: 0 faults, LeNet 16 -> 9 ms, ResNet-18 1020 -> 720 ms.
    This changes the process's malloc settings; set AUTOGRAD_CORE_MALLOC_TUNING=0 to leave them alone.
    Only applies to glibc (Linux); elsewhere it does nothing.
    """
    if os.environ.get("AUTOGRAD_CORE_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    ok = mallopt(m_mmap_threshold, 256 << 20) == 1
    ok &= mallopt(m_trim_threshold, 1 << 30) == 1
    ok &= mallopt(m_top_pad, 64 << 20) == 1
    return bool(ok)


ALLOCATOR_TUNED = _tune_allocator()


class NumpyBackend(Backend):
    name = "cpu"
    xp = numpy
    array_type = numpy.ndarray

    def __init__(self):
        self.device = Device("cpu")
        self.manual_seed(DEFAULT_SEED)

    # --- arrays -----------------------------------------------------------------------------
    def asarray(self, data, dtype=None):
        return numpy.asarray(data, dtype=dtype)

    def to_host(self, array):
        return numpy.asarray(array)

    def from_host(self, array):
        return numpy.asarray(array)

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def erf(self, array):
        return _erf(array)

    def map_coordinates(self, array, coordinates, order=1, mode="constant", cval=0.0):
        try:
            from scipy import ndimage
        except ImportError:
            raise ImportError("geometric augmentation (rotation, resizing) needs SciPy: pip install scipy") from None
        out = ndimage.map_coordinates(array, coordinates, order=order, mode=mode, cval=cval)
        return out.astype(array.dtype, copy=False)

    def im2col(self, x, kernel, stride, padding, dilation, value=0.0):
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        (top, bottom), (left, right) = padding
        if min(top, bottom, left, right) < 0:  # negative widths crop
            h, w = x.shape[2:]
            x = x[:, :, max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
            top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
        n, c, h, w = x.shape
        if top or bottom or left or right:
            shape = (n, c, h + top + bottom, w + left + right)
            xp = numpy.zeros(shape, x.dtype) if value == 0 else numpy.full(shape, value, x.dtype)
            xp[:, :, top:top + h, left:left + w] = x
            x, h, w = xp, shape[2], shape[3]
        oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
        s0, s1, s2, s3 = x.strides
        view = numpy.lib.stride_tricks.as_strided(
            x, (n, c, kh, kw, oh, ow), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)
        return numpy.ascontiguousarray(view)

    # --- randomness -------------------------------------------------------------------------
    def manual_seed(self, seed):
        self._seed = int(seed)
        self.generator = numpy.random.Generator(numpy.random.PCG64(self._seed))

    def initial_seed(self):
        return self._seed

    def get_rng_state(self):
        """The generator state as 37 bytes (uint8 array): PCG64 state, increment, the cached word."""
        st = self.generator.bit_generator.state
        raw = (
            st["state"]["state"].to_bytes(16, "little")
            + st["state"]["inc"].to_bytes(16, "little")
            + bytes([st["has_uint32"]])
            + int(st["uinteger"]).to_bytes(4, "little")
        )
        return numpy.frombuffer(raw, dtype=numpy.uint8).copy()

    def set_rng_state(self, state):
        raw = numpy.asarray(state, dtype=numpy.uint8).tobytes()
        if len(raw) != _STATE_BYTES:
            raise ValueError(f"CPU RNG state must be {_STATE_BYTES} bytes, got {len(raw)}")
        bitgen = numpy.random.PCG64()
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"), "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32],
            "uinteger": int.from_bytes(raw[33:37], "little"),
        }
        self.generator = numpy.random.Generator(bitgen)

    def random(self, shape, dtype):
        if numpy.dtype(dtype) in (numpy.float32, numpy.float64):
            return self.generator.random(shape, dtype=dtype)
        return self.generator.random(shape).astype(dtype)

    def normal(self, shape, dtype):
        if numpy.dtype(dtype) in (numpy.float32, numpy.float64):
            return self.generator.standard_normal(shape, dtype=dtype)
        return self.generator.standard_normal(shape).astype(dtype)

    def integers(self, low, high, shape, dtype):
        dtype = numpy.dtype(dtype)
        if dtype.kind in "iub":
            info = numpy.iinfo(dtype) if dtype.kind != "b" else None
            lo, hi = (0, 2) if info is None else (info.min, info.max + 1)
            if low < lo or high > hi:
                raise ValueError(f"randint: the range [{low}, {high}) does not fit dtype {dtype.name} ([{lo}, {hi}))")
            if dtype.kind == "b":
                return self.generator.integers(low, high, size=shape).astype(dtype)
            return self.generator.integers(low, high, size=shape, dtype=dtype)
        return self.generator.integers(low, high, size=shape, dtype=numpy.int64).astype(dtype)

    def permutation(self, n):
        return self.generator.permutation(n)

    # --- device control and interop ---------------------------------------------------------
    def synchronize(self):
        pass

    def memory_stats(self):
        return {"allocated_bytes": None, "peak_bytes": None}

    def from_dlpack(self, obj):
        return numpy.from_dlpack(obj)

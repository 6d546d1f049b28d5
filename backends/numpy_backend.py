"""The CPU backend: NumPy arrays, a PCG64 generator.

The window kernels (im2col, col2im, max pooling) are written once against an array module ``xp``
at the end of this file; the GPU backend reuses them for dtypes its CUDA kernels do not cover.
"""

import os
import sys

import numpy

from . import batched_gemm
from .base import DEFAULT_SEED, Backend, channels_innermost, check_integer_range
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


def _make_ndtr():
    """SciPy's vectorised ndtr (the standard normal CDF, from erfc in the tails) when SciPy is installed;
    otherwise 0.5 erfc(-x / sqrt 2) by math.erfc element by element (as precise, but slow on large
    arrays)."""
    try:
        from scipy.special import ndtr

        return lambda a: ndtr(a).astype(a.dtype, copy=False)
    except ImportError:
        import math

        scalar = numpy.vectorize(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)), otypes=[numpy.float64])
        return lambda a: scalar(a).astype(a.dtype, copy=False)


_ndtr = _make_ndtr()


def _scipy_special(name):
    """``scipy.special.<name>`` when SciPy is installed, else None (the generic kernel of backends.base runs)."""
    try:
        from scipy import special
    except ImportError:
        return None
    return getattr(special, name)


_gammaln, _psi, _polygamma, _erfinv = (_scipy_special(n) for n in ("gammaln", "psi", "polygamma", "erfinv"))


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

    def matmul(self, a, b, out=None):
        return batched_gemm.matmul(a, b, out)

    def linear_transposed(self, x, w):
        return linear_transposed(x, w)

    def linear_input_grad_transposed(self, g, w, x):
        return linear_input_grad_transposed(g, w, x)

    def relu(self, x):
        return maximum_zero(x)

    def sigmoid(self, x):
        return sigmoid(x)

    def where(self, cond, a, b):
        return where(cond, a, b)

    def clamp(self, x, lo, hi):
        return clamp(x, lo, hi)

    def keep_mask(self, cond, invert=False):
        return keep_mask(cond, invert)

    def keep(self, g, mask):
        return keep(g, mask)

    def channel_op(self, op, x, v, out=None):
        return channel_op(getattr(numpy, op), x, v, out)

    def scatter_add(self, target, index, values):
        numpy.add.at(target, index, values)

    def erf(self, array):
        return _erf(array)

    def ndtr(self, array):
        return _ndtr(array)

    def lgamma(self, array):
        if _gammaln is None:
            return super().lgamma(array)
        return numpy.asarray(_gammaln(array)).astype(array.dtype, copy=False)

    def digamma(self, array):
        if _psi is None:
            return super().digamma(array)
        return numpy.asarray(_psi(array)).astype(array.dtype, copy=False)

    def polygamma(self, n, array):
        if _polygamma is None or n == 0:
            return self.digamma(array) if n == 0 else super().polygamma(n, array)
        return numpy.asarray(_polygamma(n, array)).astype(array.dtype, copy=False)

    def erfinv(self, array):
        if _erfinv is None:
            return super().erfinv(array)
        return numpy.asarray(_erfinv(array)).astype(array.dtype, copy=False)

    def data_ptr(self, array):
        return int(array.__array_interface__["data"][0])

    def map_coordinates(self, array, coordinates, order=1, mode="constant", cval=0.0):
        try:
            from scipy import ndimage
        except ImportError:
            raise ImportError("geometric augmentation (rotation, resizing) needs SciPy: pip install scipy") from None
        out = ndimage.map_coordinates(array, coordinates, order=order, mode=mode, cval=cval)
        return out.astype(array.dtype, copy=False)

    def im2col(self, x, kernel, stride, padding, dilation, value=0.0):
        return im2col_strided(numpy, x, kernel, stride, padding, dilation, value)

    def col2im(self, cols, in_size, stride, padding, dilation):
        return col2im_sliced(numpy, cols, in_size, stride, padding, dilation)

    def max_pool2d(self, x, kernel, stride, padding, dilation):
        if channels_innermost(x):  # a wide convolution's output: keep its (H, W, N, C) layout
            return max_pool2d_windows_channels_last(numpy, x, kernel, stride, padding, dilation)
        return max_pool2d_windows(numpy, x, kernel, stride, padding, dilation)

    def max_pool2d_backward(self, gy, idx, in_shape, kernel, stride, padding, dilation):
        if channels_innermost(idx):
            return max_pool2d_backward_channels_last(self, gy, idx, in_shape, kernel, stride, dilation)
        return max_pool2d_backward_scatter(self, gy, idx, in_shape, kernel, stride, padding, dilation)

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
        check_integer_range(low, high, dtype)
        if dtype.kind in "iub":
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
        return {"allocated_bytes": None, "reserved_bytes": None, "peak_bytes": None}  # not tracked on the CPU

    def from_dlpack(self, obj):
        return numpy.from_dlpack(obj)


# max(x, c) / min(x, c) against this many copies of c at a time (a constant per dtype and c: 256 KB in
# float32)
_CONST_RUN = 1 << 16
_CONSTS = {}


def with_scalar(ufunc, x, value, value_first=False):
    """``ufunc(x, value)`` (numpy.maximum or numpy.minimum) for a real scalar ``value``: the same values
    and memory layout, faster. Against a scalar, numpy's maximum and minimum run their slow strided loop
    (measured, float32: 25 us on 128x512, 388 us on 16x64x32x32); against an array, their vector loop
    (9 and 145 us). So x is taken in its memory order as one flat run and compared with a constant row
    of ``value`` in blocks of ``_CONST_RUN``, and the result is given x's layout. ``value_first``
    computes ``ufunc(value, x)`` (where x and value are equal, e.g. -0.0 and 0.0, numpy's maximum and
    minimum return their second operand)."""
    if x.dtype.kind != "f" or x.size < 2:
        return ufunc(value, x) if value_first else ufunc(x, value)
    order = sorted(range(x.ndim), key=lambda i: -x.strides[i])  # x's axes in memory order
    xt = x.transpose(order)
    if not xt.flags.c_contiguous:  # not one dense block (a strided view): numpy's own loop
        return ufunc(value, x) if value_first else ufunc(x, value)
    key = (x.dtype, value)
    row = _CONSTS.get(key)
    if row is None:
        if len(_CONSTS) >= 32:  # bounds clamped to many values: keep the cache small
            _CONSTS.clear()
        row = _CONSTS[key] = numpy.full(_CONST_RUN, value, dtype=x.dtype)
    flat = xt.reshape(-1)
    out = numpy.empty(flat.shape, dtype=x.dtype)
    _by_rows(ufunc, flat, row, out, row_first=value_first)
    inverse = sorted(range(x.ndim), key=order.__getitem__)
    return out.reshape(xt.shape).transpose(inverse)


def _by_rows(ufunc, flat, row, into, row_first=False):
    """into = ufunc(flat, row repeated) (``row_first``: ufunc(row repeated, flat)) for 1-d ``flat`` and
    ``into``: flat cut into rows as long as ``row``, the last one shorter, each row one inner loop."""
    run = row.size
    full = flat.size - flat.size % run
    pairs = [(flat[:full].reshape(-1, run), row, into[:full].reshape(-1, run))] if full else []
    if full < flat.size:
        pairs.append((flat[full:], row[:flat.size - full], into[full:]))
    for block, consts, out in pairs:
        if row_first:
            ufunc(consts, block, out=out)
        else:
            ufunc(block, consts, out=out)


def _blas_pair(a, b):
    """True when a and b are 2-d matrices of one BLAS floating dtype (float32 or float64)."""
    return a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype and a.dtype.char in "fd"


def linear_transposed(x, w):
    """True when x @ w.T (x (rows, in), w (out, in), one BLAS dtype) has out >= rows: the layer then
    computes it as (w @ x.T).T, a column-major (F-ordered) result.

    Why: a row-major (rows, out) result is, to the BLAS, the column-major product w x^T, whose first
    dimension is ``out``; the column-major (rows, out) result is x w^T, whose first dimension is
    ``rows``. OpenBLAS's GEMM kernels run the product with the smaller first dimension faster: one
    thread, (128, 784) @ (784, 512) float32, 1.18 -> 1.06 ms; two threads, 128 x 784 -> 512 0.60 ->
    0.51 ms, 128 x 512 -> 512 0.42 -> 0.33 ms, 32 x 1024 -> 1024 0.64 -> 0.39 ms, 64 x 400 -> 120 52
    -> 37 us (the x given column-major too, as such a layer's outputs are). Where out < rows the
    row-major result is the faster one (1024 x 64 -> 64: 50 against 69 us) and is kept. The elementwise
    ops next to a column-major activation follow its layout (ReLU, its mask, the bias add), so it costs
    them nothing; ``linear_input_grad_transposed`` lays the gradient of such an x out the same way."""
    return _blas_pair(x, w) and w.shape[0] >= x.shape[0]


def linear_input_grad_transposed(g, w, x):
    """True when x is a column-major matrix (and g, w one BLAS dtype): the input gradient g @ w is then
    computed as (w.T @ g.T).T, column-major like x. Laid out row-major, it would meet x's column-major
    neighbours in ReLU's backward (gradient times mask) with a transposed read: 63 against 14 us on
    128 x 512 float32, and the product itself is no slower (128 x 512 -> 512: 0.38 against 0.39 ms)."""
    return _blas_pair(g, w) and x.ndim == 2 and x.flags.f_contiguous and not x.flags.c_contiguous


_CHANNEL_RUN = 1 << 14


def channel_op(ufunc, x, v, out=None):
    """``ufunc(x, v)`` (numpy.add, subtract or multiply) for a (C,) vector v broadcast along axis 1 of x
    (N, C, ...): the same values, dtype and memory layout as broadcasting v.reshape(1, C, 1, ...).

    Where the channel axis is x's innermost in memory (a channels-last activation, or an (N, C)
    matrix) and x is one dense block, NumPy's broadcast loop runs one short inner loop of C values per
    position: with C = 64 on 16x64x32x32 float32, a multiplication takes 241 us, against 103 us for
    one of two same-shape arrays. So x is taken in memory order as rows of ``_CHANNEL_RUN`` values (a
    multiple of C) and v is tiled into one such row: 155 us. Every other layout, and small x, broadcast
    as usual."""
    if x.ndim < 2:
        return ufunc(x, v, out=out)
    c = x.shape[1]
    broadcast = v.reshape((1, c) + (1,) * (x.ndim - 2))
    run = c * max(1, _CHANNEL_RUN // max(c, 1))
    if c < 2 or x.size < 2 * run or v.shape != (c,) or x.strides[1] != x.itemsize or x.dtype.kind != "f":
        return ufunc(x, broadcast, out=out)
    order = sorted((i for i in range(x.ndim) if i != 1), key=lambda i: -x.strides[i]) + [1]
    xt = x.transpose(order)
    if not xt.flags.c_contiguous or (out is not None and not out.transpose(order).flags.c_contiguous):
        return ufunc(x, broadcast, out=out)
    if out is None:
        out = numpy.empty(xt.shape, dtype=numpy.result_type(x.dtype, v.dtype)).transpose(numpy.argsort(order))
    _by_rows(ufunc, xt.reshape(-1), numpy.tile(v, run // c), out.transpose(order).reshape(-1))
    return out


def clamp(x, lo, hi):
    """numpy.clip(x, lo, hi) for scalar bounds (either may be None), bit for bit: max(lo, x) then
    min(hi, ...), each against a row of the bound (``with_scalar``; numpy.clip against scalars runs the
    slow loop too), the bound first so that x is kept where it equals the bound (-0.0 stays -0.0 at a
    bound of 0, as numpy.clip and torch.clamp keep it). NaN stays NaN."""
    if lo is not None:
        x = with_scalar(numpy.maximum, x, lo, value_first=True)
    if hi is not None:
        x = with_scalar(numpy.minimum, x, hi, value_first=True)
    return x


def maximum_zero(x):
    """numpy.maximum(x, 0) (ReLU), fast: ``with_scalar``."""
    return with_scalar(numpy.maximum, x, 0)


def sigmoid(x):
    """1 / (1 + exp(-x)) as E / (1 + E), E = exp(min(x, c)), c = the largest whole number whose exp is
    finite less one (87 in float32): no overflow, and no select between two formulas (numpy.where on
    a mask of mixed signs mispredicts its branch on every other value: 3.8 ms on 2^20 values, against
    0.6 ms on a sorted mask). For x < 0 it is exactly the usual exp(x) / (1 + exp(x)); for x >= 0 it
    is within 2 ulp of 1 / (1 + exp(-x)) (measured against a float64 sigmoid of float32 inputs: at most
    1.63 ulp off, the select-based formula 1.49); from c on, 1. Measured, 2^20 float32 values: 5.1 ms
    (select) -> 0.9 ms."""
    if x.dtype.kind != "f":
        raise TypeError(f"sigmoid: expected a floating-point array, got dtype {x.dtype.name}")
    c = float(numpy.floor(numpy.log(numpy.finfo(x.dtype).max))) - 1.0
    e = numpy.array(with_scalar(numpy.minimum, x, c), copy=x.ndim == 0)  # (a 0-d x gives a scalar)
    numpy.exp(e, out=e)
    d = numpy.add(e, 1, dtype=x.dtype)
    return numpy.divide(e, d, out=e)


_UINT = {2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}
_INT = {2: numpy.int16, 4: numpy.int32, 8: numpy.int64}


def keep_mask(cond, invert=False):
    """``Backend.keep_mask``: int8 -1 (all bits set) where cond holds (where it does not, with ``invert``),
    0 elsewhere, made in cond's own memory in one pass (cond: a fresh boolean array)."""
    if cond.__class__ is not numpy.ndarray or cond.dtype != numpy.bool_ or not cond.flags.writeable \
            or cond.base is not None:
        cond = numpy.array(cond, dtype=numpy.bool_)
    m = cond.view(numpy.int8)
    if invert:
        numpy.subtract(m, 1, out=m)  # True (1) -> 0, False (0) -> -1
    else:
        numpy.negative(m, out=m)
    return m


def keep(g, mask):
    """``Backend.keep``: g's bit patterns AND-ed with the int8 mask of ``keep_mask`` (sign-extended to all
    ones or none), +0 where the mask is off: as fast as g * mask (14 us on (128, 512) float32, 235 us on
    (16, 64, 32, 32)), where numpy.where with a mask of mixed values is ten times slower."""
    bits = _INT.get(g.dtype.itemsize) if g.__class__ is numpy.ndarray and g.dtype.kind == "f" else None
    if bits is None or mask.dtype != numpy.int8:
        return numpy.where(mask != 0, g, numpy.zeros((), dtype=numpy.result_type(g)))
    out = numpy.bitwise_and(g.view(bits), mask)  # (in g's memory order: a transposed g stays transposed)
    return (out if out.__class__ is numpy.ndarray else numpy.asarray(out)).view(g.dtype)


def where(cond, a, b):
    """numpy.where(cond, a, b), bit for bit, without its branch per value (a mask of mixed values
    mispredicts it about every other time: 3.8 ms on 2^20 float32 values, 0.6 ms on a sorted mask):
    for floating a and b of one dtype, their bit patterns as unsigned integers, b ^ ((a ^ b) & M) with
    M all ones where cond holds (0.6 ms either way). Other operands go to numpy.where."""
    arrays = numpy.ndarray
    if cond.__class__ is not arrays or a.__class__ is not arrays or b.__class__ is not arrays:
        return numpy.where(cond, a, b)  # (Python scalars keep numpy's rules for their dtype)
    uint = _UINT.get(a.dtype.itemsize)
    if uint is None or a.dtype != b.dtype or a.dtype.kind != "f" or not a.dtype.isnative or cond.dtype != numpy.bool_ \
            or max(cond.ndim, a.ndim, b.ndim) == 0:
        return numpy.where(cond, a, b)
    some = bool(cond.any())
    every = some and bool(cond.all())
    if every or not some:  # one side only (e.g. a softplus past its threshold nowhere): a copy of it
        shape = numpy.broadcast_shapes(cond.shape, a.shape, b.shape)
        return numpy.array(numpy.broadcast_to(a if every else b, shape))
    mask = cond.astype(uint)
    numpy.negative(mask, out=mask)  # 1 -> all ones (unsigned, mod 2^bits)
    ua, ub = a.view(uint), b.view(uint)
    bits = numpy.bitwise_and(numpy.bitwise_xor(ua, ub), mask)
    numpy.bitwise_xor(bits, ub, out=bits)
    return bits.view(a.dtype)


# --- array-module-generic kernels (``xp`` is numpy here; the GPU backend reuses them as fallbacks) ----
def _padded(xp, x, padding, value):
    """x (N, C, H, W) padded with ``value`` ((top, bottom), (left, right); a negative width crops)."""
    (top, bottom), (left, right) = padding
    if min(top, bottom, left, right) < 0:
        h, w = x.shape[2:]
        x = x[:, :, max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
        top, bottom, left, right = max(top, 0), max(bottom, 0), max(left, 0), max(right, 0)
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    shape = (n, c, h + top + bottom, w + left + right)
    xpad = xp.zeros(shape, x.dtype) if value == 0 else xp.full(shape, value, x.dtype)
    xpad[:, :, top:top + h, left:left + w] = x
    return xpad


def _window_view(xp, x, kernel, stride, padding, dilation, value):
    """The windows of x padded with ``value`` as a strided view (N, C, kh, kw, OH, OW) (no copy yet)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    x = _padded(xp, x, padding, value)
    n, c, h, w = x.shape
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    s0, s1, s2, s3 = x.strides
    # (no writeable=False: CuPy's as_strided has no such keyword; the view is copied at once anyway)
    return xp.lib.stride_tricks.as_strided(x, (n, c, kh, kw, oh, ow), (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw))


def im2col_strided(xp, x, kernel, stride, padding, dilation, value=0.0, batch_inner=False):
    """``Backend.im2col`` as a copy of a strided view of the padded input; with ``batch_inner`` the same
    columns in (C, kh, kw, N, OH, OW) memory order, for one GEMM over the whole batch, (C kh kw, N OH OW).

    With a row stride of 1 in two steps: first the kw column shifts, rows[n, c, j, r, b] =
    x[n, c, r, j dw + b sw] (runs of OW values), then from those each (i, j) block, rows
    i dh .. i dh + OH - 1: one contiguous run of OH OW values. Measured on LeNet-5's layers:
    0.48 -> 0.26 ms and 0.29 -> 0.20 ms against the one-step copy, whose runs are only OW long."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    order = (1, 2, 3, 0, 4, 5) if batch_inner else (0, 1, 2, 3, 4, 5)
    if sh != 1 or kh == 1:
        return xp.ascontiguousarray(_window_view(xp, x, kernel, stride, padding, dilation, value).transpose(order))
    x = _padded(xp, x, padding, value)
    n, c, h, w = x.shape
    oh, ow = h - dh * (kh - 1), (w - dw * (kw - 1) - 1) // sw + 1
    s0, s1, s2, s3 = x.strides
    shifts = xp.lib.stride_tricks.as_strided(x, (n, c, kw, h, ow), (s0, s1, s3 * dw, s2, s3 * sw))
    if batch_inner:  # rows (C, kw, N, H, OW)
        rows = xp.ascontiguousarray(shifts.transpose(1, 2, 0, 3, 4))
        t1, t2, t0, t3, t4 = rows.strides
    else:
        rows = xp.ascontiguousarray(shifts)
        t0, t1, t2, t3, t4 = rows.strides
    view = xp.lib.stride_tricks.as_strided(rows, (n, c, kh, kw, oh, ow), (t0, t1, t3 * dh, t2, t3, t4))
    return xp.ascontiguousarray(view.transpose(order))


def col2im_sliced(xp, cols, in_size, stride, padding, dilation):
    """``Backend.col2im`` as kh * kw strided slice-adds into the padded plane (vectorised over the batch,
    channels and positions; the GPU has a gather kernel instead), then the crop to (H, W)."""
    n, c, kh, kw, oh, ow = cols.shape
    (sh, sw), (dh, dw) = stride, dilation
    h, w = in_size
    (top, bottom), (left, right) = padding
    ct, cb, cl, cr = max(-top, 0), max(-bottom, 0), max(-left, 0), max(-right, 0)  # cropped from x
    pt, pl = max(top, 0), max(left, 0)
    hc, wc = h - ct - cb, w - cl - cr  # the part of x the windows see
    plane = xp.zeros((n, c, hc + pt + max(bottom, 0), wc + pl + max(right, 0)), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            plane[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw] += cols[:, :, i, j]
    inner = plane[:, :, pt:pt + hc, pl:pl + wc]
    if (hc, wc) == (h, w):
        return xp.ascontiguousarray(inner)
    out = xp.zeros((n, c, h, w), dtype=cols.dtype)
    out[:, :, ct:ct + hc, cl:cl + wc] = inner
    return out


def max_pool2d_windows(xp, x, kernel, stride, padding, dilation):
    """``Backend.max_pool2d`` from the windows padded with -inf (im2col) and two fast reductions."""
    n, c, h, w = x.shape
    view = _window_view(xp, x, kernel, stride, padding, dilation, -numpy.inf)
    oh, ow = view.shape[4:]
    # gathered window entry first, (k, N, C, OH, OW): the reductions over k then run over contiguous
    # rows (measured: the maximum over k 60x faster than over a transposed view, LeNet's 16-channel
    # 10x10 pooling)
    windows = xp.ascontiguousarray(view.transpose(2, 3, 0, 1, 4, 5)).reshape(kernel[0] * kernel[1], n, c, oh, ow)
    return _window_max(xp, windows, (h, w), (oh, ow), kernel, stride, padding, dilation, lambda a: a)


def _window_max(xp, windows, in_size, out_size, kernel, stride, padding, dilation, place):
    """(y, idx) from ``windows`` (k, ...), the k entries of every window first: each window's maximum
    and the flat index into the H*W plane of its first maximum (NaN counts as the maximum). ``place``
    puts an (OH, OW) array where y's OH, OW axes are, for broadcasting."""
    k = windows.shape[0]
    (h, w), (oh, ow), (sh, sw), (dh, dw) = in_size, out_size, stride, dilation
    (top, bottom), (left, right) = padding
    y = windows.max(axis=0)
    # the first maximum's window position: k - max_i (k - i) [windows_i == y]; two fast reductions
    # instead of an argmax over a short axis
    hit = (windows == y) | (windows != windows)
    rank = xp.arange(k, 0, -1, dtype=numpy.int8 if k < 128 else numpy.int32).reshape((k,) + (1,) * (windows.ndim - 1))
    arg = k - (hit * rank).max(axis=0)
    # flat index into the unpadded H*W plane: offset of window entry i, plus the window's corner
    ki, kj = xp.divmod(xp.arange(k), kernel[1])
    offset = (ki * dh * w + kj * dw).astype(numpy.int64, copy=False)
    rows, cols = xp.arange(oh) * sh - top, xp.arange(ow) * sw - left
    if top or left or bottom or right:
        empty = y == -numpy.inf  # every entry inside x is -inf: a padded -inf may have come first
        if empty.any():  # take the first entry inside x instead, as PyTorch (and the GPU kernel) do
            r = rows[None, :, None] + (ki * dh)[:, None, None]
            q = cols[None, None, :] + (kj * dw)[:, None, None]
            inside = (r >= 0) & (r < h) & (q >= 0) & (q < w)  # (k, OH, OW)
            arg = xp.where(empty, place(k - (inside * rank.reshape(k, 1, 1)).max(axis=0)), arg)
    corner = (rows[:, None] * w + cols).astype(numpy.int64, copy=False)
    return y, xp.take(offset, arg) + place(corner)  # (take: measured 2x faster than offset[arg])


def max_pool2d_backward_scatter(backend, gy, idx, in_shape, kernel, stride, padding, dilation):
    """``Backend.max_pool2d_backward``: a put where windows cannot overlap, else a scatter-add."""
    xp = backend.xp
    n, c, h, w = in_shape
    # entry (n, c, q) of the flat buffer is at (n C + c) H W + q
    planes = (xp.arange(n * c, dtype=numpy.int64) * (h * w)).reshape(n, c, 1)
    target = (idx.reshape(n, c, idx.size // max(1, n * c)) + planes).reshape(-1)
    gx = xp.zeros(n * c * h * w, dtype=gy.dtype)
    if all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel)):  # disjoint windows
        gx[target] = gy.reshape(-1)  # (measured 2.3x faster than put_along_axis)
    else:
        backend.scatter_add(gx, target, gy.reshape(-1))
    return gx.reshape(in_shape)


# --- the same for arrays in (H, W, N, C) memory order (the CPU's wide convolution layers) ----------
def max_pool2d_windows_channels_last(xp, x, kernel, stride, padding, dilation):
    """``max_pool2d_windows`` for x in (H, W, N, C) memory order, y and idx returned in that order:
    the windows gathered as (k, OH, OW, N, C), so every step moves runs of N C contiguous values."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    (top, bottom), (left, right) = padding
    xl = x.transpose(2, 3, 0, 1)
    if top or bottom or left or right:
        xpad = xp.full((h + top + bottom, w + left + right, n, c), -numpy.inf, dtype=x.dtype)
        xpad[top:top + h, left:left + w] = xl
        xl = xpad
    oh = (xl.shape[0] - dh * (kh - 1) - 1) // sh + 1
    ow = (xl.shape[1] - dw * (kw - 1) - 1) // sw + 1
    s0, s1, s2, s3 = xl.strides
    view = xp.lib.stride_tricks.as_strided(xl, (kh, kw, oh, ow, n, c), (dh * s0, dw * s1, sh * s0, sw * s1, s2, s3))
    windows = xp.ascontiguousarray(view).reshape(kh * kw, oh, ow, n, c)
    y, idx = _window_max(xp, windows, (h, w), (oh, ow), kernel, stride, padding, dilation,
                         lambda a: a[:, :, None, None])
    return y.transpose(2, 3, 0, 1), idx.transpose(2, 3, 0, 1)


def max_pool2d_backward_channels_last(backend, gy, idx, in_shape, kernel, stride, dilation):
    """``max_pool2d_backward_scatter`` into an (H, W, N, C) array: entry (q, n, c) of the flat buffer
    is at q N C + n C + c for plane position q."""
    xp = backend.xp
    n, c, h, w = in_shape
    target = idx.transpose(2, 3, 0, 1) * (n * c) + xp.arange(n * c, dtype=numpy.int64).reshape(n, c)
    g = xp.ascontiguousarray(gy.transpose(2, 3, 0, 1))
    gx = xp.zeros(h * w * n * c, dtype=gy.dtype)
    if all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel)):  # disjoint windows
        gx[target.reshape(-1)] = g.reshape(-1)
    else:
        backend.scatter_add(gx, target.reshape(-1), g.reshape(-1))
    return gx.reshape(h, w, n, c).transpose(2, 3, 0, 1)

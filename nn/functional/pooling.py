"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d (PyTorch's F.*
signatures).

Max pooling takes the maximum of each window and remembers where it was (the first maximum): its
gradient is a scatter of dL/dy to those positions (``MaxPoolGrad``), whose own gradient is the gather
at the same positions. Both array steps are backend kernels (``max_pool2d``, ``max_pool2d_backward``):
on the CPU the windows padded with -inf (im2col) and two reductions, then a put or a scatter-add; on
the GPU one CUDA kernel each, the backward a deterministic gather (one thread per input pixel). A tie sends
the gradient to the first maximum in the window (row-major order), as PyTorch's CPU kernel does.

Average pooling is a depthwise convolution (groups = C) with a constant kernel, so its gradients of
every order are the convolution's; adaptive average pooling is two averaging matrices,
y = A_h x A_w^T, applied with matmul. Adaptive max pooling gathers its (variable-sized) windows,
picks the first maximum of each with argmax and reads it with a differentiable gather (a max_pool2d
where the windows tile the input). 1-D pooling is 2-D pooling of an image of height 1.
"""

import numbers

from autograd_core import Function, Tensor, dtypes
from autograd_core.ops.index import GetItem
from autograd_core.ops.linalg import matmul
from autograd_core.ops.reduce import mean
from autograd_core.ops.shape import reshape
from autograd_core.tensor import make_tensor

from .conv import Conv, _ntuple


# --- max pooling ----------------------------------------------------------------------------------
def _max_pool2d_arrays(backend, x, kernel, stride, padding, dilation):
    return backend.max_pool2d(x, kernel, stride, padding, dilation)


def _max_pool2d_grad_arrays(backend, gy, idx, in_shape, geom):
    return backend.max_pool2d_backward(gy, idx, in_shape, *geom)


class MaxPool(Function):
    """y[n, c, p] = max_{q in window p} x[n, c, q],  idx[n, c, p] = argmax (first), a flat index into H*W.

    dL/dx = MaxPoolGrad(dL/dy, idx): dL/dy[n, c, p] added at x[n, c, idx[n, c, p]].

    The three Functions take their array work from ``arrays`` (a static method) and name each other through
    ``family``, so max_pool3d's (``pooling3d``) are these with other arrays.
    """

    n_outputs = 2
    arrays = staticmethod(_max_pool2d_arrays)  # (backend, x, kernel, stride, padding, dilation) -> (y, idx)

    def forward(self, x, kernel, stride, padding, dilation):
        y, idx = self.arrays(self.backend, x, kernel, stride, padding, dilation)
        self.idx, self.in_shape, self.geom = idx, x.shape, (kernel, stride, padding, dilation)
        return y, idx

    def backward(self, gy, gidx):
        return self.family[1].apply(gy, idx=self.idx, in_shape=self.in_shape, geom=self.geom)


class MaxPoolGrad(Function):
    """gx = zeros(in_shape) with gy[n, c, p] added at (n, c, idx[n, c, p]) (overlapping windows accumulate);
    dL/dgy = MaxPoolGather(dL/dgx, idx): dL/dgx read at (n, c, idx[n, c, p])."""

    arrays = staticmethod(_max_pool2d_grad_arrays)  # (backend, gy, idx, in_shape, geom) -> gx

    def forward(self, gy, idx, in_shape, geom):
        self.idx, self.geom = idx, geom
        return self.arrays(self.backend, gy, idx, in_shape, geom)

    def backward(self, ggx):
        return self.family[2].apply(ggx, idx=self.idx, geom=self.geom)


class MaxPoolGather(Function):
    """y[n, c, p] = x[n, c, idx[n, c, p]];  dL/dx = MaxPoolGrad(dL/dy, idx)."""

    def forward(self, x, idx, geom):
        n, c = x.shape[:2]
        self.idx, self.in_shape, self.geom = idx, x.shape, geom
        y = self.backend.xp.take_along_axis(x.reshape(n, c, x.size // max(1, n * c)),
                                            idx.reshape(n, c, idx.size // max(1, n * c)), axis=2)
        return y.reshape(idx.shape)

    def backward(self, gy):
        return self.family[1].apply(gy, idx=self.idx, in_shape=self.in_shape, geom=self.geom)


MaxPool.family = MaxPoolGrad.family = MaxPoolGather.family = (MaxPool, MaxPoolGrad, MaxPoolGather)


# --- shared argument handling ----------------------------------------------------------------------
def _out_size(size, k, p, s, d, ceil_mode):
    """PyTorch's pooling output size; with ceil_mode the last window must start inside the input or
    the left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _check_pool_input(input, nd, what):
    """A floating-point tensor with nd spatial dims, with or without the batch dim."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{what}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape "
                         f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")


def _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, nd, what):
    """Validate; return (x as (N, C, H, W), kernel, stride, pads, dilation, out size, unbatched), with
    the right/bottom padding grown so that the ceil_mode windows fit."""
    _check_pool_input(input, nd, what)
    kernel = _ntuple(kernel_size, nd, "kernel_size", what, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) else \
        _ntuple(stride, nd, "stride", what, 1)
    padding_arg, dilation_arg = padding, dilation
    padding = _ntuple(padding, nd, "padding", what, 0)
    dilation = _ntuple(dilation, nd, "dilation", what, 1)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{what}: padding should be at most half of the kernel size, got padding={padding_arg!r} "
                         f"and kernel_size={kernel_size!r}")
    size = tuple(input.shape[-nd:])
    out = tuple(_out_size(*a, ceil_mode) for a in zip(size, kernel, padding, stride, dilation))
    if any(o < 1 for o in out):
        padded = "x".join(str(s + 2 * p) for s, p in zip(size, padding))
        extent = "x".join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation))
        raise ValueError(f"{what}: the pooling window covers {extent} but the padded input is only {padded} "
                         f"(input shape {tuple(input.shape)}, kernel_size={kernel_size!r}, padding={padding_arg!r}, "
                         f"dilation={dilation_arg!r})")
    pads = tuple((p, max(p, (o - 1) * s + d * (k - 1) + 1 - sz - p))
                 for sz, k, p, s, d, o in zip(size, kernel, padding, stride, dilation, out))
    unbatched = input.ndim == nd + 1
    x = reshape(input, (1,) + tuple(input.shape)) if unbatched else input
    if nd == 1:
        x = reshape(x, tuple(x.shape[:2]) + (1,) + tuple(x.shape[2:]))
        kernel, stride, dilation, pads, out = (1,) + kernel, (1,) + stride, (1,) + dilation, ((0, 0),) + pads, \
            (1,) + out
        padding = (0,) + padding
    return x, kernel, stride, padding, pads, dilation, out, unbatched


def _restore(y, nd, unbatched):
    if nd == 1:
        y = reshape(y, tuple(y.shape[:2]) + tuple(y.shape[3:]))
    return reshape(y, tuple(y.shape[1:])) if unbatched else y


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd, what):
    x, kernel, stride, _, pads, dilation, _, unbatched = _pool_args(input, kernel_size, stride, padding, dilation,
                                                                    ceil_mode, nd, what)
    y, idx = MaxPool.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    y = _restore(y, nd, unbatched)
    if not return_indices:
        return y
    return y, _restore(idx, nd, unbatched)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n, c, i, j] = max of x over the window at (i s - p, j s - p) of size kernel_size (dilated by
    ``dilation``; padding counts as -inf). ``stride`` defaults to ``kernel_size``; ``padding`` is at most
    half the kernel; ``ceil_mode`` rounds the output size up (a last partial window, starting inside
    the input or the left padding). ``return_indices`` also returns each maximum's flat index into
    the H*W plane (int64), as PyTorch. dL/dx: dL/dy added at each window's first maximum.
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling of (N, C, L) or (C, L): ``max_pool2d`` on an image of height 1."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1, "max_pool1d")


# --- average pooling ----------------------------------------------------------------------------------
def _counts(size, k, p, s, o, include_pad):
    """Per output position along one dim: how many window entries the divisor counts (PyTorch's rule:
    the window clipped to the padded input, or to the input itself without count_include_pad)."""
    counts = []
    for i in range(o):
        start = i * s - p
        end = min(start + k, size + p)
        if not include_pad:
            start, end = max(start, 0), min(end, size)
        counts.append(end - start)
    return counts


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd, what):
    x, kernel, stride, padding, pads, dilation, out, unbatched = _pool_args(input, kernel_size, stride, padding, 1,
                                                                           ceil_mode, nd, what)
    xp, backend = x._backend.xp, x._backend
    c = x.shape[1]
    dt = x.dtype
    geom = (stride, pads, dilation, c)
    scale = None
    if divisor_override is not None:
        if not isinstance(divisor_override, int) or isinstance(divisor_override, bool) or divisor_override == 0:
            raise ValueError(f"{what}: divisor_override must be a non-zero int, got {divisor_override!r}")
        value = 1.0 / divisor_override
    else:
        ch, cw = (_counts(x.shape[2 + i], kernel[i], padding[i], stride[i], out[i], count_include_pad)
                  for i in range(2))
        if all(v == kernel[0] for v in ch) and all(v == kernel[1] for v in cw):
            value = 1.0 / (kernel[0] * kernel[1])
        else:  # windows of different sizes: sum, then divide by each window's count
            value = 1.0
            counts = xp.asarray(ch, dtype=dt)[:, None] * xp.asarray(cw, dtype=dt)[None, :]
            scale = make_tensor((1.0 / counts).astype(dt, copy=False), backend)
    weight = make_tensor(xp.full((c, 1) + kernel, value, dtype=dt), backend)
    y = Conv.apply(x, weight, geom=geom, keep_cols=False)
    if scale is not None:
        y = y * scale
    return _restore(y, nd, unbatched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y[n, c, i, j] = (sum of x over the window at (i s - p, j s - p)) / divisor; the divisor is the
    window's size (clipped to the padded input), or only its entries inside the input with
    ``count_include_pad=False``, or ``divisor_override``. A depthwise convolution with a constant
    kernel, so dL/dx = ConvTranspose(dL/dy / divisor, 1).
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2,
                     "avg_pool2d")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling of (N, C, L) or (C, L): ``avg_pool2d`` on an image of height 1."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1, "avg_pool1d")


# --- adaptive average pooling ---------------------------------------------------------------------------
def _averaging_matrix(xp, size, out, dt):
    """A (out, size): row i averages x[floor(i size / out) : ceil((i + 1) size / out)]."""
    i = xp.arange(out)
    start = (i * size) // out
    end = ((i + 1) * size + out - 1) // out
    j = xp.arange(size)
    inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dt)


def _adaptive_sizes(input, output_size, nd, what):
    """Validate; return the output size as an nd-tuple (None in a 2-D output_size keeps that size)."""
    _check_pool_input(input, nd, what)
    spatial = tuple(input.shape[-nd:])
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd:
        kind = "an int" if nd == 1 else "an int or a pair"
        raise ValueError(f"{what}: output_size must be {kind}, got {output_size!r}")
    if nd > 1:
        sizes = tuple(s if s is not None else d for s, d in zip(sizes, spatial))
    if any(not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes):
        allowed = "positive ints (or None)" if nd > 1 else "a positive int"
        raise ValueError(f"{what}: output_size must be {allowed}, got {output_size!r}")
    if 0 in spatial:
        raise ValueError(f"{what}: the input must have a non-empty spatial size, got shape {tuple(input.shape)}")
    return tuple(int(s) for s in sizes)


def adaptive_avg_pool2d(input, output_size):
    """y = A_h x A_w^T per (n, c): window i covers rows floor(i H / OH) to ceil((i + 1) H / OH) - 1 (and
    likewise columns), so windows may overlap when the sizes don't divide. ``output_size``: int or
    pair; None keeps that dimension's size. dL/dx = A_h^T (dL/dy) A_w.
    """
    sizes = _adaptive_sizes(input, output_size, 2, "adaptive_avg_pool2d")
    h, w = input.shape[-2:]
    if sizes == (1, 1) and (h, w) != (1, 1):
        # global average pooling: a mean, whose gradient is a broadcast (no copy; it keeps the memory
        # layout of what it meets in the backward, channels-last included)
        return mean(input, dim=(-2, -1), keepdim=True)
    xp, backend = input._backend.xp, input._backend
    y = input
    if sizes[1] != w:
        y = matmul(y, make_tensor(_averaging_matrix(xp, w, sizes[1], input.dtype).T.copy(), backend))
    if sizes[0] != h:
        y = matmul(make_tensor(_averaging_matrix(xp, h, sizes[0], input.dtype), backend), y)
    return input.clone() if y is input else y


def adaptive_avg_pool1d(input, output_size):
    """y = x A^T over the last dim of (N, C, L) or (C, L): output i averages x[floor(i L / out) :
    ceil((i + 1) L / out)]. ``output_size``: an int. dL/dx = (dL/dy) A."""
    (out,) = _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d")
    length = input.shape[-1]
    if out == length:
        return input.clone()
    a = _averaging_matrix(input._backend.xp, length, out, input.dtype)
    return matmul(input, make_tensor(a.T.copy(), input._backend))


# --- adaptive max pooling -------------------------------------------------------------------------------
def _bins(xp, size, out):
    """(out, K) positions of each adaptive window [floor(i size / out), ceil((i + 1) size / out)), the
    last position repeated to fill K (the widest window); a repeat is never a first maximum."""
    widest = max(-(-(i + 1) * size // out) - (i * size) // out for i in range(out))
    i = xp.arange(out, dtype=dtypes.int64)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return xp.minimum(start[:, None] + xp.arange(widest, dtype=dtypes.int64)[None, :], end[:, None] - 1)


def _adaptive_max(x, out):
    """(y, idx) for x of shape (N, C, H, W): each window's first maximum (row-major) and its flat index
    into the H*W plane. Windows that tile the input are a max_pool2d; otherwise the windows are gathered
    and the maxima picked with argmax, then read from x with a differentiable gather."""
    n, c, h, w = x.shape
    (oh, ow) = out
    if h % oh == 0 and w % ow == 0:
        kernel = (h // oh, w // ow)
        return MaxPool.apply(x, kernel=kernel, stride=kernel, padding=((0, 0), (0, 0)), dilation=(1, 1))
    xp = x._backend.xp
    rows, cols = _bins(xp, h, oh), _bins(xp, w, ow)
    kh, kw = rows.shape[1], cols.shape[1]
    win = x._data[:, :, rows[:, :, None, None], cols[None, None, :, :]]  # (N, C, OH, KH, OW, KW)
    k = xp.argmax(win.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw), axis=-1)
    ih = rows[xp.arange(oh, dtype=dtypes.int64)[:, None], k // kw]
    iw = cols[xp.arange(ow, dtype=dtypes.int64), k % kw]
    lead = (xp.arange(n, dtype=dtypes.int64)[:, None, None, None],
            xp.arange(c, dtype=dtypes.int64)[None, :, None, None])
    y = GetItem.apply(x, idx=lead + (ih, iw), scatter=True)
    return y, make_tensor(ih * w + iw, x._backend)


def _adaptive_max_pool(input, output_size, return_indices, nd, what):
    out = _adaptive_sizes(input, output_size, nd, what)
    unbatched = input.ndim == nd + 1
    x = reshape(input, (1,) + tuple(input.shape)) if unbatched else input
    if nd == 1:
        x = reshape(x, tuple(x.shape[:2]) + (1,) + tuple(x.shape[2:]))
        out = (1,) + out
    y, idx = _adaptive_max(x, out)
    y = _restore(y, nd, unbatched)
    if not return_indices:
        return y
    return y, _restore(idx, nd, unbatched)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """y[n, c, i, j] = max of x[n, c, rows_i, cols_j], rows_i = floor(i H / OH) .. ceil((i + 1) H / OH) - 1
    (and likewise columns). ``output_size``: int or pair, None keeps that size. ``return_indices`` also
    returns each maximum's flat index into the H*W plane (int64). dL/dx: dL/dy added at each window's
    first maximum."""
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D adaptive max pooling of (N, C, L) or (C, L): window i covers floor(i L / out) ..
    ceil((i + 1) L / out) - 1; ``adaptive_max_pool2d`` on an image of height 1."""
    return _adaptive_max_pool(input, output_size, return_indices, 1, "adaptive_max_pool1d")

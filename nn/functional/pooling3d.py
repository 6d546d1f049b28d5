"""3-D pooling: max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d, max_unpool3d (PyTorch's
F.* signatures), for (N, C, D, H, W) inputs and unbatched (C, D, H, W) ones.

Max pooling takes the maximum of each window of the padded input (the strided window view the convolution's
im2col copies, padded with -inf) and remembers where it was, as a flat index into the D*H*W plane (the
first maximum in the window's row-major order, as PyTorch's CPU kernel). Its gradient is a scatter of dL/dy
to those positions (``MaxPool3DGrad``), whose own gradient is the gather at the same positions
(``MaxPool3DGather``).

Average pooling is a depthwise 3-D convolution (groups = C) with a constant kernel, so its gradients of
every order are the convolution's; adaptive average pooling is three averaging matrices, one per spatial
dim, applied with matmul. Adaptive max pooling is a max_pool3d where its windows tile the input; otherwise
it gathers its (variable-sized) windows, picks the first maximum of each with argmax and reads it with a
differentiable gather.
"""

import math

from autograd_core import dtypes
from autograd_core.ops.index import GetItem
from autograd_core.ops.linalg import matmul
from autograd_core.ops.reduce import mean
from autograd_core.ops.shape import reshape
from autograd_core.tensor import make_tensor

from .conv3d_arrays import max_pool3d_arrays, max_pool3d_scatter
from .conv3d_ops import Conv3D
from .pooling import (
    MaxPool,
    MaxPoolGather,
    MaxPoolGrad,
    _adaptive_sizes,
    _averaging_matrix,
    _bins,
    _counts,
    _pool_args,
    _restore,
)
from .unpool import _max_unpool


# --- max pooling ----------------------------------------------------------------------------------
def _max_pool3d_arrays(backend, x, kernel, stride, padding, dilation):
    return max_pool3d_arrays(backend.xp, x, kernel, stride, padding, dilation)


def _max_pool3d_grad_arrays(backend, gy, idx, in_shape, geom):
    kernel, stride, _, dilation = geom
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    return max_pool3d_scatter(backend, gy, idx, in_shape, disjoint)


class MaxPool3D(MaxPool):
    """y[n, c, p] = max_{q in window p} x[n, c, q],  idx[n, c, p] = argmax (first), a flat index into D*H*W
    (pooling.py's MaxPool with the 3-D arrays). dL/dx = MaxPool3DGrad(dL/dy, idx)."""

    arrays = staticmethod(_max_pool3d_arrays)


class MaxPool3DGrad(MaxPoolGrad):
    """gx = zeros(in_shape) with gy[n, c, p] added at (n, c, idx[n, c, p]) (a put where the windows are disjoint,
    else a scatter-add); dL/dgy = MaxPool3DGather(dL/dgx, idx)."""

    arrays = staticmethod(_max_pool3d_grad_arrays)


class MaxPool3DGather(MaxPoolGather):
    """y[n, c, p] = x[n, c, idx[n, c, p]];  dL/dx = MaxPool3DGrad(dL/dy, idx)."""


MaxPool3D.family = MaxPool3DGrad.family = MaxPool3DGather.family = (MaxPool3D, MaxPool3DGrad, MaxPool3DGather)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[n, c, i, j, l] = max of x over the window at (i s_d - p_d, j s_h - p_h, l s_w - p_w) of size
    kernel_size (dilated by ``dilation``; padding counts as -inf). ``stride`` defaults to ``kernel_size``;
    ``padding`` is at most half the kernel; ``ceil_mode`` rounds the output size up (a last partial window,
    starting inside the input or the front/top/left padding). ``return_indices`` also returns each maximum's
    flat index into the D*H*W plane, z H W + y W + x (int64), as PyTorch. dL/dx: dL/dy added at each window's
    first maximum."""
    x, kernel, stride, _, pads, dilation, _, unbatched = _pool_args(input, kernel_size, stride, padding, dilation,
                                                                    ceil_mode, 3, "max_pool3d")
    y, idx = MaxPool3D.apply(x, kernel=kernel, stride=stride, padding=pads, dilation=dilation)
    y = _restore(y, 3, unbatched)
    return (y, _restore(idx, 3, unbatched)) if return_indices else y


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d(..., return_indices=True)``: always (values, indices), as PyTorch's alias."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


# --- average pooling ----------------------------------------------------------------------------------
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """y[n, c, i, j, l] = (sum of x over the window at (i s_d - p_d, j s_h - p_h, l s_w - p_w)) / divisor;
    the divisor is the window's size (clipped to the padded input), or only its entries inside the input
    with ``count_include_pad=False``, or ``divisor_override``. A depthwise convolution with a constant
    kernel, so dL/dx = ConvTranspose3D(dL/dy / divisor, 1)."""
    what = "avg_pool3d"
    x, kernel, stride, padding, pads, dilation, out, unbatched = _pool_args(input, kernel_size, stride, padding, 1,
                                                                           ceil_mode, 3, what)
    xp, backend = x._backend.xp, x._backend
    c, dt = x.shape[1], x.dtype
    scale = None
    if divisor_override is not None:
        if not isinstance(divisor_override, int) or isinstance(divisor_override, bool) or divisor_override == 0:
            raise ValueError(f"{what}: divisor_override must be a non-zero int, got {divisor_override!r}")
        value = 1.0 / divisor_override
    else:
        counts = [_counts(x.shape[2 + i], kernel[i], padding[i], stride[i], out[i], count_include_pad)
                  for i in range(3)]
        if all(v == k for k, cs in zip(kernel, counts) for v in cs):
            value = 1.0 / math.prod(kernel)
        else:  # windows of different sizes: sum, then divide by each window's count
            value = 1.0
            cd, ch, cw = (xp.asarray(cs, dtype=dt) for cs in counts)
            scale = make_tensor((1.0 / (cd[:, None, None] * ch[None, :, None] * cw[None, None, :])).astype(dt),
                                backend)
    if c == 0:  # no channels: an empty output (a reshape keeps the graph)
        return _restore(reshape(x, (x.shape[0], 0) + tuple(out)), 3, unbatched)
    weight = make_tensor(xp.full((c, 1) + kernel, value, dtype=dt), backend)
    y = Conv3D.apply(x, weight, geom=(stride, pads, dilation, c), keep_cols=False)
    if scale is not None:
        y = y * scale
    return _restore(y, 3, unbatched)


# --- adaptive pooling -------------------------------------------------------------------------------
def _sizes3(input, output_size, what):
    """``output_size`` (an int or a triple; None keeps that dim's size) as a triple of positive ints."""
    if isinstance(output_size, (tuple, list)) and len(output_size) != 3:
        raise ValueError(f"{what}: output_size must be an int or a triple, got {output_size!r}")
    return _adaptive_sizes(input, output_size, 3, what)


def adaptive_avg_pool3d(input, output_size):
    """y = x averaged over window (i, j, l), which covers floor(i D / OD) to ceil((i + 1) D / OD) - 1 along D
    (likewise H and W; windows overlap where the sizes don't divide): three averaging matrices,
    y = A_d (A_h (x A_w^T)) per (n, c). ``output_size``: int or triple; None keeps that dim's size.
    dL/dx: the transposed matrices applied to dL/dy."""
    od, oh, ow = _sizes3(input, output_size, "adaptive_avg_pool3d")
    d, h, w = input.shape[-3:]
    if (od, oh, ow) == (1, 1, 1) and (d, h, w) != (1, 1, 1):
        return mean(input, dim=(-3, -2, -1), keepdim=True)  # global average pooling
    xp, backend = input._backend.xp, input._backend
    y = input
    if ow != w:
        y = matmul(y, make_tensor(_averaging_matrix(xp, w, ow, input.dtype).T.copy(), backend))
    if oh != h:
        y = matmul(make_tensor(_averaging_matrix(xp, h, oh, input.dtype), backend), y)
    if od != d:
        lead = tuple(y.shape[:-3])
        y = matmul(make_tensor(_averaging_matrix(xp, d, od, input.dtype), backend), reshape(y, lead + (d, oh * ow)))
        y = reshape(y, lead + (od, oh, ow))
    return input.clone() if y is input else y


def _adaptive_max(x, out):
    """(y, idx) for x (N, C, D, H, W): each adaptive window's first maximum (row-major) and its flat index into
    the D*H*W plane. Windows that tile the input are a max_pool3d; otherwise the windows are gathered, the
    maxima picked with argmax, then read from x with a differentiable gather."""
    n, c = x.shape[:2]
    size = tuple(x.shape[2:])
    if all(s % o == 0 for s, o in zip(size, out)):
        kernel = tuple(s // o for s, o in zip(size, out))
        return MaxPool3D.apply(x, kernel=kernel, stride=kernel, padding=((0, 0),) * 3, dilation=(1, 1, 1))
    xp = x._backend.xp
    bins = [_bins(xp, s, o) for s, o in zip(size, out)]  # (O, K) per dim
    ks = tuple(b.shape[1] for b in bins)
    win = x._data[:, :, bins[0][:, :, None, None, None, None], bins[1][None, None, :, :, None, None],
                  bins[2][None, None, None, None, :, :]]  # (N, C, OD, KD, OH, KH, OW, KW)
    k = xp.argmax(win.transpose(0, 1, 2, 4, 6, 3, 5, 7).reshape((n, c) + tuple(out) + (math.prod(ks),)), axis=-1)
    first = (k // (ks[1] * ks[2]), (k // ks[2]) % ks[1], k % ks[2])
    at = []
    for axis, (b, f) in enumerate(zip(bins, first)):
        shape = [1, 1, 1]
        shape[axis] = -1
        at.append(b[xp.arange(out[axis], dtype=dtypes.int64).reshape(shape), f])
    lead = (xp.arange(n, dtype=dtypes.int64).reshape(-1, 1, 1, 1, 1), xp.arange(c, dtype=dtypes.int64)
            .reshape(1, -1, 1, 1, 1))
    y = GetItem.apply(x, idx=lead + tuple(at), scatter=True)
    return y, make_tensor((at[0] * size[1] + at[1]) * size[2] + at[2], x._backend)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """y[n, c, i, j, l] = max of x[n, c, D_i, H_j, W_l], D_i = floor(i D / OD) .. ceil((i + 1) D / OD) - 1
    (likewise H_j, W_l). ``output_size``: int or triple, None keeps that size. ``return_indices`` also returns
    each maximum's flat index into the D*H*W plane (int64). dL/dx: dL/dy added at each window's first
    maximum."""
    out = _sizes3(input, output_size, "adaptive_max_pool3d")
    unbatched = input.ndim == 4
    x = reshape(input, (1,) + tuple(input.shape)) if unbatched else input
    y, idx = _adaptive_max(x, out)
    y = _restore(y, 3, unbatched)
    return (y, _restore(idx, 3, unbatched)) if return_indices else y


# --- max unpooling -----------------------------------------------------------------------------------------------
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool3d``: y = zeros (N, C, OD, OH, OW) with y.flat_plane[idx[n, c, p]] =
    x[n, c, p], ``indices`` as ``max_pool3d(..., return_indices=True)`` gives them (flat indices into the
    OD*OH*OW plane). Each output size is (L - 1) stride + kernel - 2 padding unless ``output_size`` says
    otherwise (within stride of it). dL/dx[n, c, p] = dL/dy read at idx[n, c, p] (a gather)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")

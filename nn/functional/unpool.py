"""Max unpooling (max_unpool1d/2d: the partial inverse of max pooling, from its indices) and PyTorch's
max_pool1d/2d_with_indices aliases. Built from differentiable ops (a scatter into zeros), so gradients of every
order follow."""

import math
import numbers

import autograd_core as ag
from autograd_core import Tensor

from .conv import _ntuple
from .pooling import max_pool1d, max_pool2d


# --- max unpooling -----------------------------------------------------------------------------------------------
def _unpool_size(input, kernel, stride, padding, output_size, nd, what):
    """PyTorch's output size: (in - 1) stride + kernel - 2 padding per spatial dim, or ``output_size`` (nd or
    nd + 2 numbers) within stride of it."""
    spatial = tuple(input.shape[-nd:])
    default = tuple((s - 1) * st + k - 2 * p for s, k, st, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        size = default
    else:
        size = (output_size,) if isinstance(output_size, numbers.Integral) else tuple(output_size)
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in size):
            raise ValueError(f"{what}: output_size should be a sequence of {nd} or {nd + 2} ints, got "
                             f"{output_size!r}")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < size[d] < hi:
                raise ValueError(f"{what}: invalid output_size {output_size!r} (dim {d} must be between {lo} and "
                                 f"{hi}, exclusive)")
    for d in range(nd):
        if size[d] < 0:
            raise ValueError(f"{what}: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={size[d]} (input shape {tuple(input.shape)}, kernel_size={kernel}, "
                             f"stride={stride}, padding={padding})")
    return tuple(int(v) for v in size)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(indices, Tensor):
        raise TypeError(f"{what}: indices must be a Tensor, got {type(indices).__name__}")
    if indices.dtype != ag.int64:
        raise TypeError(f"{what}: indices must have dtype int64, got {indices.dtype.name}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{what}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape "
                         f"{tuple(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"{what}: indices must have the input's shape {tuple(input.shape)}, got shape "
                         f"{tuple(indices.shape)}")
    if indices._backend is not input._backend:
        raise RuntimeError(f"{what}: indices are on {indices.device} but the input is on {input.device}")
    kernel = _ntuple(kernel_size, nd, "kernel_size", what, 1)
    stride = kernel if stride is None else _ntuple(stride, nd, "stride", what, 1)
    padding = _ntuple(padding, nd, "padding", what, 0)
    out = _unpool_size(input, kernel, stride, padding, output_size, nd, what)
    lead = tuple(input.shape[:-nd])
    plane = math.prod(out)
    flat_idx = indices.reshape(lead + (-1,))
    if flat_idx.numel():
        low, high = int(ag.amin(flat_idx)), int(ag.amax(flat_idx))
        if low < 0 or high >= plane:
            bad = low if low < 0 else high
            raise ValueError(f"{what}: found an invalid max index {bad} (the output planes are "
                             f"{'x'.join(map(str, out))}, so indices must lie in [0, {plane}))")
    zeros = ag.zeros(lead + (plane,), dtype=input.dtype, device=input.device)
    y = ag.scatter(zeros, -1, flat_idx, ag.reshape(input, lead + (-1,)))
    return ag.reshape(y, lead + out)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool2d``: y = zeros (N, C, OH, OW) with y.flat_plane[idx[n, c, p]] = x[n, c, p],
    ``indices`` as ``max_pool2d(..., return_indices=True)`` gives them (flat indices into the OH*OW plane).
    OH = (H - 1) stride + kernel - 2 padding unless ``output_size`` says otherwise (within stride of it).
    dL/dx[n, c, p] = dL/dy read at idx[n, c, p] (a gather). Where indices repeat (overlapping windows), one of
    the values is kept, which one is unspecified (as PyTorch)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of ``max_pool1d`` for (N, C, L) or (C, L): y = zeros (N, C, OL) with
    y[n, c, idx[n, c, p]] = x[n, c, p], OL = (L - 1) stride + kernel - 2 padding (or ``output_size``);
    dL/dx = dL/dy gathered at the indices."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1, "max_unpool1d")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool1d(..., return_indices=True)``: always (values, indices), as PyTorch's alias."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool2d(..., return_indices=True)``: always (values, indices), as PyTorch's alias."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)



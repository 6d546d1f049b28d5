"""unfold and fold: a batch's sliding windows as columns, and the sum of columns back into images.

    cols = unfold(x):  cols[n, (c, i, j), l] = xpad[n, c, a s + i d, b s + j d],  l = a OW + b
    x'   = fold(cols): x'[n, c, y, x] = sum of cols[n, (c, i, j), l] over the (i, j, l) with
                       a s + i d - p = y and b s + j d - p = x

(PyTorch's F.unfold / F.fold: shapes (N, C kh kw, L), L = OH OW the number of windows.) They are the
backend's im2col and col2im, each the other's adjoint, <unfold(x), e> = <x, fold(e)>, so each one's
backward is the other and gradients of every order follow.
"""

import numbers

from autograd_core import Function, Tensor
from autograd_core.ops.shape import reshape


class Unfold(Function):
    """cols = unfold(x) (im2col). With e = dL/dcols:  dL/dx = fold(e)."""

    def forward(self, x, *, kernel, stride, padding, dilation):
        cols = self.backend.im2col(x, kernel, stride, padding, dilation)
        n, c, kh, kw, oh, ow = cols.shape
        self.args = (tuple(x.shape[2:]), kernel, stride, padding, dilation, (oh, ow))
        return cols.reshape(n, c * kh * kw, oh * ow)

    def backward(self, e):
        size, kernel, stride, padding, dilation, blocks = self.args
        return Fold.apply(e, size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                          blocks=blocks)


class Fold(Function):
    """x = fold(cols) (col2im: every pixel sums the column entries of the windows that cover it).
    With v = dL/dx:  dL/dcols = unfold(v)."""

    def forward(self, cols, *, size, kernel, stride, padding, dilation, blocks):
        self.args = (kernel, stride, padding, dilation)
        n, ck, _ = cols.shape
        cols = cols.reshape((n, ck // (kernel[0] * kernel[1])) + tuple(kernel) + tuple(blocks))
        return self.backend.col2im(cols, size, stride, padding, dilation)

    def backward(self, v):
        kernel, stride, padding, dilation = self.args
        return Unfold.apply(v, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def _pair(value, name, what, minimum):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        out = (int(value),) * 2
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        out = tuple(int(v) for v in value)
    else:
        raise TypeError(f"{what}: {name} must be an int or a tuple of 2 ints, got {value!r}")
    if any(v < minimum for v in out):
        raise ValueError(f"{what}: {name} must be {'positive' if minimum else 'non-negative'}, got {value!r}")
    return out


def _options(kernel_size, dilation, padding, stride, what):
    return (_pair(kernel_size, "kernel_size", what, 1), _pair(dilation, "dilation", what, 1),
            _pair(padding, "padding", what, 0), _pair(stride, "stride", what, 1))


def _blocks(size, kernel, dilation, padding, stride):
    """The number of windows along each dimension of a plane of ``size`` (0 or less: none fits)."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 if n + 2 * p >= d * (k - 1) + 1 else 0
                 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))


def _describe(kernel, dilation, padding, stride):
    return f"kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}"


def _check_tensor(input, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor, got {type(input).__name__}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding windows of input (N, C, H, W) or (C, H, W) as columns (N, C kh kw, L) or (C kh kw, L):
    column l = a OW + b holds window (a, b), entries ordered (c, i, j) (PyTorch's F.unfold).
    L = OH OW, OH = (H + 2 p - d (kh - 1) - 1) // s + 1, likewise OW."""
    what = "unfold"
    _check_tensor(input, what)
    if input.ndim not in (3, 4):
        raise ValueError(f"{what}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                         f"{tuple(input.shape)}")
    kernel, dilation, padding, stride = _options(kernel_size, dilation, padding, stride, what)
    blocks = _blocks(input.shape[-2:], kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise ValueError(f"{what}: no window fits the input of shape {tuple(input.shape)} with "
                         f"{_describe(kernel, dilation, padding, stride)} (the padded input is "
                         f"{input.shape[-2] + 2 * padding[0]}x{input.shape[-1] + 2 * padding[1]}, a window covers "
                         f"{dilation[0] * (kernel[0] - 1) + 1}x{dilation[1] * (kernel[1] - 1) + 1})")
    unbatched = input.ndim == 3
    x = reshape(input, (1,) + tuple(input.shape)) if unbatched else input
    cols = Unfold.apply(x, kernel=kernel, stride=stride, padding=((padding[0],) * 2, (padding[1],) * 2),
                        dilation=dilation)
    return reshape(cols, cols.shape[1:]) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C kh kw, L) or (C kh kw, L) summed back into images (N, C, H, W) or (C, H, W),
    (H, W) = ``output_size``: every pixel gets the sum of the column entries taken from it (PyTorch's
    F.fold; unfold's adjoint, so fold(unfold(x)) is x times how many windows cover each pixel).
    L must equal the number of windows of the output plane."""
    what = "fold"
    _check_tensor(input, what)
    if input.ndim not in (2, 3):
        raise ValueError(f"{what}: expected a 2-D (C kh kw, L) or 3-D (N, C kh kw, L) input, got shape "
                         f"{tuple(input.shape)}")
    size = _pair(output_size, "output_size", what, 1)
    kernel, dilation, padding, stride = _options(kernel_size, dilation, padding, stride, what)
    shape = tuple(input.shape)
    kk = kernel[0] * kernel[1]
    if shape[-2] % kk:
        raise ValueError(f"{what}: the input's size at dimension {input.ndim - 2} ({shape[-2]}) must be divisible "
                         f"by the kernel's {kernel[0]}x{kernel[1]} = {kk} entries (input shape {shape})")
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if min(blocks) < 1 or blocks[0] * blocks[1] != shape[-1]:
        raise ValueError(f"{what}: output_size={size} with {_describe(kernel, dilation, padding, stride)} has "
                         f"{max(blocks[0], 0)} x {max(blocks[1], 0)} = {max(blocks[0], 0) * max(blocks[1], 0)} "
                         f"windows, but the input (shape {shape}) has {shape[-1]} columns")
    unbatched = input.ndim == 2
    cols = reshape(input, (1,) + shape) if unbatched else input
    x = Fold.apply(cols, size=size, kernel=kernel, stride=stride, dilation=dilation,
                   padding=((padding[0],) * 2, (padding[1],) * 2), blocks=blocks)
    return reshape(x, x.shape[1:]) if unbatched else x

"""Convolution: conv1d and conv2d, and their gradients as Functions.

In the lecture's notation a convolution is a linear layer applied at every output position p to
the window x_p of the input (the columns im2col gathers): h_p = W x_p + b. With e_p = dL/dh_p:

    dL/dW = sum_p e_p x_p^T             (ConvWeight: im2col(x), one GEMM over batch and positions)
    dL/dx = sum_p W^T e_p put back at the window p   (ConvTranspose: a stride-1 convolution of e,
                dilated by the stride, with the kernel flipped; or one GEMM W^T e and a gather-sum)
    dL/db = sum_p e_p

All three are one trilinear form T(x, W, e) = <conv(x, W), e>: each Function is the partial
derivative of T in one argument, so each one's backward is made of the other two, and gradients of
every order follow (Conv -> ConvTranspose, ConvWeight -> Conv, ...).

The array work of the three (im2col + GEMM, Winograd on the CPU, the input gradient's forms) is in
``conv_arrays``.

conv_transpose1d / conv_transpose2d are ConvTranspose itself (a transposed convolution is the input
gradient of a convolution), so their gradients are Conv and ConvWeight. unfold / fold (``fold.py``,
re-exported here) are im2col and col2im on their own.

conv1d is conv2d on an image of height 1. Layouts are PyTorch's: input (N, C, H, W) or unbatched
(C, H, W); weight (out_channels, in_channels / groups, kh, kw).
"""

import numbers

from autograd_core import Function, Tensor, is_grad_enabled
from autograd_core.ops.join import pad as _pad
from autograd_core.ops.reduce import sum as _sum
from autograd_core.ops.shape import reshape

from .conv_arrays import _conv_forward, _conv_transpose_arrays, _conv_weight_arrays
from .fold import fold, unfold  # noqa: F401  (re-exported: nn.functional takes them from here)


# --- the three Functions ------------------------------------------------------------------------
class Conv(Function):
    """h = conv(x, W) + b:  h[n, o, p] = sum_{c, i, j} W[o, c, i, j] x_p[n, c, i, j] + b[o].

    With e = dL/dh:  dL/dx = ConvTranspose(e, W),  dL/dW = ConvWeight(x, e),  dL/db = sum_{n, p} e.

    The three Functions take their array work from ``arrays`` (a static method) and name each other through
    ``family``, so conv3d's three (``conv3d_ops``) are these with other arrays.
    """

    saves_inputs = True
    arrays = staticmethod(_conv_forward)  # (backend, x, w, geom, keep) -> (y, what the gradients reuse)

    def forward(self, x, w, b=None, *, geom, keep_cols=True):
        y, self.cols = self.arrays(self.backend, x, w, geom, keep_cols)  # the columns again serve dL/dW
        self.geom = geom
        if b is not None:
            y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
        return y

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        _, transpose, weight = self.family
        gx = gw = gb = None
        if self._next[0] is not None:
            gx = transpose.apply(gy, w, geom=self.geom, in_size=x._data.shape[2:], cache=self.cols)
        if self._next[1] is not None:
            gw = weight.apply(x, gy, geom=self.geom, kernel=w._data.shape[2:], cols=self.cols)
        if len(self.inputs) == 3:
            if self._next[2] is not None:
                gb = _sum(gy, dim=(0,) + tuple(range(2, gy.ndim)))
            return gx, gw, gb
        return gx, gw


class ConvTranspose(Function):
    """gx = ConvTranspose(e, W) = dT/dx:
        gx[n, c, q] = sum_{o, p, i, j: window p covers q at (i, j)} W[o, c, i, j] e[n, o, p]

    Its backward, with v = dL/dgx:  dL/de = conv(v, W),  dL/dW = ConvWeight(v, e).
    """

    saves_inputs = True
    arrays = staticmethod(_conv_transpose_arrays)  # (backend, g, w, in_size, geom, cache) -> gx

    def forward(self, g, w, *, geom, in_size, cache=None):
        self.geom = geom  # ``cache``: what the forward Conv kept (Winograd's weight transform serves here too)
        return self.arrays(self.backend, g, w, tuple(in_size), geom, cache)

    def backward(self, v):
        g, w = self.inputs
        conv, _, weight = self.family
        gg = gw = None
        if self._next[0] is not None:
            gg = conv.apply(v, w, geom=self.geom)
        if self._next[1] is not None:
            gw = weight.apply(v, g, geom=self.geom, kernel=w._data.shape[2:])
        return gg, gw


class ConvWeight(Function):
    """gW = ConvWeight(x, e) = dT/dW: gW[o, c, i, j] = sum_{n, p} e[n, o, p] x_p[n, c, i, j]  (dL/dW = e x^T).

    Its backward, with w = dL/dgW:  dL/dx = ConvTranspose(e, w),  dL/de = conv(x, w).
    """

    saves_inputs = True
    arrays = staticmethod(_conv_weight_arrays)  # (backend, x, g, kernel, geom, cols) -> gW

    def forward(self, x, g, *, geom, kernel, cols=None):
        self.geom = geom
        return self.arrays(self.backend, x, g, tuple(kernel), geom, cols)

    def backward(self, wbar):
        x, g = self.inputs
        conv, transpose, _ = self.family
        gx = gg = None
        if self._next[0] is not None:
            gx = transpose.apply(g, wbar, geom=self.geom, in_size=x._data.shape[2:])
        if self._next[1] is not None:
            gg = conv.apply(x, wbar, geom=self.geom)
        return gx, gg


Conv.family = ConvTranspose.family = ConvWeight.family = (Conv, ConvTranspose, ConvWeight)


# --- argument checking --------------------------------------------------------------------------
def _ntuple(value, n, name, what, minimum):
    """``value`` (an int or a sequence of ``n`` ints) as an n-tuple of ints >= ``minimum``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        out = (int(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        out = tuple(int(v) for v in value)
    else:
        raise TypeError(f"{what}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in out):
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{what}: {name} must be {kind}, got {value!r}")
    return out


def _fmt(t):
    return "x".join(str(v) for v in t)


def _check_operands(input, weight, bias, groups, nd, what, layout):
    """The checks a convolution and a transposed one share: types, dimensions, dtypes, ``groups``
    (returned as an int). ``layout`` names the weight's first two axes."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{what}: bias must be a Tensor or None, got {type(bias).__name__}")
    if weight.ndim != nd + 2:
        raise ValueError(f"{what}: weight must be {nd + 2}-D ({layout}, "
                         f"{', '.join('kd kh kw'.split()[-nd:])}), got shape {tuple(weight.shape)}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{what}: expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got shape "
                         f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{what}: input dtype {input.dtype.name} does not match {name} dtype {t.dtype.name}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{what}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, what):
    groups = _check_operands(input, weight, bias, groups, nd, what, "out_channels, in_channels / groups")
    wshape, xshape = tuple(weight.shape), tuple(input.shape)
    c = xshape[-nd - 1]
    if weight.shape[0] % groups:
        raise ValueError(f"{what}: weight has {weight.shape[0]} output channels, which is not divisible by "
                         f"groups={groups} (weight shape {wshape})")
    if c != weight.shape[1] * groups:
        raise ValueError(f"{what}: input has {c} channels, weight expects {weight.shape[1] * groups} (input shape "
                         f"{xshape}, weight shape {wshape}{f', groups={groups}' if groups > 1 else ''})")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"{what}: bias has shape {tuple(bias.shape)}, expected ({weight.shape[0]},)")
    stride = _ntuple(stride, nd, "stride", what, 1)
    dilation = _ntuple(dilation, nd, "dilation", what, 1)
    kernel = wshape[2:]
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{what}: padding='same' is not supported for strided convolutions (stride="
                                 f"{stride if nd > 1 else stride[0]}); pad explicitly instead")
            pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        else:
            raise ValueError(f"{what}: padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")
    else:
        pads = tuple((p, p) for p in _ntuple(padding, nd, "padding", what, 0))
    size = tuple(s + a + b for s, (a, b) in zip(xshape[-nd:], pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > s for e, s in zip(extent, size)):
        dil = dilation if nd > 1 else dilation[0]
        if nd == 1:
            raise ValueError(f"{what}: the padded input has length {size[0]} but the kernel covers {extent[0]} "
                             f"(dilation {dil})")
        raise ValueError(f"{what}: the padded input is {_fmt(size)} but the kernel covers {_fmt(extent)} "
                         f"(dilation {dil if len(set(dil)) > 1 else dil[0]})")
    unbatched = input.ndim == nd + 1
    x = reshape(input, (1,) + xshape) if unbatched else input
    if nd == 1:  # a height-1 image
        x = reshape(x, x.shape[:2] + (1,) + x.shape[2:])
        weight = reshape(weight, wshape[:2] + (1,) + wshape[2:])
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    geom = (stride, pads, dilation, groups)
    keep = weight.requires_grad and is_grad_enabled()  # the columns (or Winograd's V) serve only dL/dW
    y = Conv.apply(x, weight, geom=geom, keep_cols=keep) if bias is None else \
        Conv.apply(x, weight, bias, geom=geom, keep_cols=keep)
    if nd == 1:
        y = reshape(y, y.shape[:2] + y.shape[3:])
    return reshape(y, y.shape[1:]) if unbatched else y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (PyTorch's F.conv2d; strictly a cross-correlation, as there):

        h[n, o, i, j] = b[o] + sum_{c, a, e} W[o, c, a, e] xpad[n, g c, i s + a d, j s + e d]

    input (N, C, H, W) or (C, H, W); weight (O, C / groups, kh, kw); bias (O,) or None.
    ``stride``, ``dilation``: int or pair; ``padding``: int, pair, 'valid' (no padding) or 'same'
    (stride 1 only; output size = input size; an odd total padding puts the extra row/column at the
    bottom/right). ``groups`` splits the channels into independent convolutions.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (PyTorch's F.conv1d): h[n, o, i] = b[o] + sum_{c, a} W[o, c, a] xpad[n, c, i s + a d].

    input (N, C, L) or (C, L); weight (O, C / groups, k); the options are those of ``conv2d``.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


# --- transposed convolution ---------------------------------------------------------------------
def _transpose_geometry(in_len, kernel, stride, padding, output_padding, dilation):
    """Per dimension, the convolution whose input gradient a transposed convolution is, as
    (out_len, (top, bottom), extra): its input size, its padding, and rows of zeros to append.

    out_len = (L - 1) s - 2 p + d (k - 1) + output_padding + 1. A convolution of out_len with padding
    (p, p) has L + output_padding // s windows; ``bottom = p - s (output_padding // s)`` trims that to
    exactly L (the trimmed rows lie past the last row any window reaches, so they are zeros; where that
    bottom padding would be negative the convolution is taken over the shorter plane and the zeros are
    appended, ``extra``)."""
    out = []
    for n, k, s, p, op, d in zip(in_len, kernel, stride, padding, output_padding, dilation):
        size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        bottom = p - s * (op // s)
        extra = max(0, -bottom)
        out.append((size, (p, bottom + extra), extra))
    return out


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, what,
                    transpose=None):
    """The checks and the geometry of conv_transpose1d/2d/3d; ``transpose`` is the Function to apply
    (ConvTranspose, or conv3d's for nd = 3)."""
    transpose = transpose or ConvTranspose
    groups = _check_operands(input, weight, bias, groups, nd, what, "in_channels, out_channels / groups")
    wshape, xshape = tuple(weight.shape), tuple(input.shape)
    c = xshape[-nd - 1]
    if wshape[0] % groups:
        raise ValueError(f"{what}: weight has {wshape[0]} input channels, which is not divisible by "
                         f"groups={groups} (weight shape {wshape})")
    if c != wshape[0]:
        raise ValueError(f"{what}: input has {c} channels, weight expects {wshape[0]} (input shape {xshape}, "
                         f"weight shape {wshape}{f', groups={groups}' if groups > 1 else ''})")
    c_out = wshape[1] * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"{what}: bias has shape {tuple(bias.shape)}, expected ({c_out},) (out_channels = "
                         f"weight.shape[1] * groups)")
    if isinstance(padding, str):
        raise ValueError(f"{what}: padding must be an int or a tuple of {nd} ints (no 'same' or 'valid' for a "
                         f"transposed convolution), got {padding!r}")
    stride = _ntuple(stride, nd, "stride", what, 1)
    dilation = _ntuple(dilation, nd, "dilation", what, 1)
    padding = _ntuple(padding, nd, "padding", what, 0)
    output_padding = _ntuple(output_padding, nd, "output_padding", what, 0)
    one = (lambda t: t[0]) if nd == 1 else ((lambda t: t[0] if len(set(t)) == 1 else t) if nd == 3 else (lambda t: t))
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{what}: output_padding must be smaller than stride or dilation, got output_padding="
                         f"{one(output_padding)} with stride={one(stride)}, dilation={one(dilation)}")
    in_len = xshape[-nd:]
    if any(n < 1 for n in in_len):
        raise ValueError(f"{what}: the input's spatial size must be positive, got input shape {xshape}")
    geo = _transpose_geometry(in_len, wshape[2:], stride, padding, output_padding, dilation)
    out_len = tuple(size for size, _, _ in geo)
    if any(size < 1 for size in out_len):
        raise ValueError(f"{what}: the output size would be {_fmt(out_len)}, not positive (input shape {xshape}, "
                         f"kernel {_fmt(wshape[2:])}, stride={one(stride)}, padding={one(padding)}, "
                         f"dilation={one(dilation)}, output_padding={one(output_padding)})")
    unbatched = input.ndim == nd + 1
    x = reshape(input, (1,) + xshape) if unbatched else input
    pads = tuple(pair for _, pair, _ in geo)
    in_size = tuple(size - extra for size, _, extra in geo)
    if nd == 1:  # a height-1 image
        x = reshape(x, x.shape[:2] + (1,) + x.shape[2:])
        weight = reshape(weight, wshape[:2] + (1,) + wshape[2:])
        stride, dilation, pads, in_size = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + in_size
    y = transpose.apply(x, weight, geom=(stride, pads, dilation, groups), in_size=in_size)
    extra = [e for _, _, e in geo]
    if any(extra):  # rows (planes) past every window (output_padding >= stride, where dilation allows it): zeros
        y = _pad(y, tuple(v for e in reversed(extra) for v in (0, e)))
    if bias is not None:
        y = y + reshape(bias, (1, c_out) + (1,) * (y.ndim - 2))
    if nd == 1:
        y = reshape(y, y.shape[:2] + y.shape[3:])
    return reshape(y, y.shape[1:]) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (PyTorch's F.conv_transpose2d): the input gradient of a convolution,
    so every input pixel spreads W times itself over a window of the output:

        h[n, g o', y, x] = b[g o'] + sum W[c, o', a, e] x[n, c, i, j]
                                     over c, i, j, a, e with y = i s + a d - p, x = j s + e d - p

    (c runs over group g's input channels). input (N, C_in, H, W) or (C_in, H, W); weight
    (C_in, C_out / groups, kh, kw); bias (C_out,) or None. Output size per dimension
    (H - 1) s - 2 p + d (k - 1) + output_padding + 1; ``output_padding`` (< stride or < dilation) adds
    rows and columns at the bottom and right (it resolves the sizes a strided convolution maps to the
    same output size). Its gradients are a convolution (dL/dx = conv2d(e, W)) and the convolution's
    weight gradient (dL/dW = ConvWeight(e, x)).
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           "conv_transpose2d")


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (PyTorch's F.conv_transpose1d): input (N, C_in, L) or (C_in, L); weight
    (C_in, C_out / groups, k); output length (L - 1) s - 2 p + d (k - 1) + output_padding + 1; the options
    are those of ``conv_transpose2d``."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           "conv_transpose1d")

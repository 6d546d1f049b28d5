"""3-D (volumetric) convolution: conv3d and conv_transpose3d, and their gradients as Functions.

As in 2-D (``conv.py``), a convolution is a linear layer applied at every output position p to the window
x_p of the input (the columns ``im2col3d`` gathers): h_p = W x_p + b. With e_p = dL/dh_p:

    dL/dW = sum_p e_p x_p^T                          (ConvWeight3D: one GEMM over batch and positions)
    dL/dx = sum_p W^T e_p put back at the window p   (ConvTranspose3D: a gather, by stride phases)
    dL/db = sum_p e_p

All three are the partial derivatives of one trilinear form T(x, W, e) = <conv3d(x, W), e>, so each one's
backward is made of the other two and gradients of every order follow. The array work is in
``conv3d_arrays``. conv_transpose3d is ConvTranspose3D itself (a transposed convolution is the input
gradient of a convolution). Layouts are PyTorch's: input (N, C, D, H, W) or unbatched (C, D, H, W);
weight (out_channels, in_channels / groups, kd, kh, kw).
"""


from autograd_core import is_grad_enabled
from autograd_core.ops.shape import reshape

from .conv import Conv, ConvTranspose, ConvWeight, _check_operands, _conv_transpose, _fmt, _ntuple
from .conv3d_arrays import conv3d_forward, conv3d_input, conv3d_weight


# --- the three Functions ------------------------------------------------------------------------
def _forward_arrays(backend, x, w, geom, keep):
    y, cols = conv3d_forward(backend, x, w, geom)
    return y, (cols if keep else None)


def _input_arrays(backend, g, w, in_size, geom, cache):
    return conv3d_input(backend, g, w, in_size, geom)


class Conv3D(Conv):
    """h = conv3d(x, W) + b:  h[n, o, p] = sum_{c, t, u, v} W[o, c, t, u, v] x_p[n, c, t, u, v] + b[o].

    With e = dL/dh:  dL/dx = ConvTranspose3D(e, W),  dL/dW = ConvWeight3D(x, e),  dL/db = sum_{n, p} e
    (conv.py's Conv with the 3-D arrays: 3-D im2col and one GEMM)."""

    arrays = staticmethod(_forward_arrays)


class ConvTranspose3D(ConvTranspose):
    """gx = ConvTranspose3D(e, W) = dT/dx:
        gx[n, c, q] = sum_{o, p, (t, u, v): window p covers q at (t, u, v)} W[o, c, t, u, v] e[n, o, p]
    (by stride phases). Its backward, with v = dL/dgx:  dL/de = conv3d(v, W),  dL/dW = ConvWeight3D(v, e)."""

    arrays = staticmethod(_input_arrays)


class ConvWeight3D(ConvWeight):
    """gW = ConvWeight3D(x, e) = dT/dW: gW[o, c, t, u, v] = sum_{n, p} e[n, o, p] x_p[n, c, t, u, v]
    (dL/dW = e x^T). Its backward, with u = dL/dgW:  dL/dx = ConvTranspose3D(e, u),  dL/de = conv3d(x, u)."""

    arrays = staticmethod(conv3d_weight)


Conv3D.family = ConvTranspose3D.family = ConvWeight3D.family = (Conv3D, ConvTranspose3D, ConvWeight3D)


# --- argument checking --------------------------------------------------------------------------
def _one(t):
    """A triple as PyTorch's messages print it: one number where all three agree."""
    return t[0] if len(set(t)) == 1 else t


def _pads(padding, kernel, stride, dilation, what):
    """``padding`` (int, triple, 'valid' or 'same') as ((front, back), (top, bottom), (left, right))."""
    if not isinstance(padding, str):
        return tuple((p, p) for p in _ntuple(padding, 3, "padding", what, 0))
    if padding == "valid":
        return ((0, 0),) * 3
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{what}: padding='same' is not supported for strided convolutions (stride="
                             f"{_one(stride)}); pad explicitly instead")
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    raise ValueError(f"{what}: padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (PyTorch's F.conv3d; strictly a cross-correlation, as there):

        h[n, o, i, j, l] = b[o] + sum_{c, t, u, v} W[o, c, t, u, v] xpad[n, g c, i s_d + t d_d, j s_h + u d_h,
                                                                          l s_w + v d_w]

    input (N, C, D, H, W) or (C, D, H, W); weight (O, C / groups, kd, kh, kw); bias (O,) or None. Output
    size per dim floor((L + 2 p - d (k - 1) - 1) / s) + 1. ``stride``, ``dilation``: int or triple;
    ``padding``: int, triple, 'valid' (none) or 'same' (stride 1 only; output size = input size; an odd
    total padding puts the extra plane at the back/bottom/right). ``groups`` splits the channels into
    independent convolutions. dL/dx = conv_transpose3d(e, W), dL/dW = sum_p e_p x_p^T, dL/db = sum e.
    """
    what = "conv3d"
    groups = _check_operands(input, weight, bias, groups, 3, what, "out_channels, in_channels / groups")
    wshape, xshape = tuple(weight.shape), tuple(input.shape)
    c = xshape[-4]
    if wshape[0] % groups:
        raise ValueError(f"{what}: weight has {wshape[0]} output channels, which is not divisible by "
                         f"groups={groups} (weight shape {wshape})")
    if c != wshape[1] * groups:
        raise ValueError(f"{what}: input has {c} channels, weight expects {wshape[1] * groups} (input shape "
                         f"{xshape}, weight shape {wshape}{f', groups={groups}' if groups > 1 else ''})")
    if bias is not None and tuple(bias.shape) != (wshape[0],):
        raise ValueError(f"{what}: bias has shape {tuple(bias.shape)}, expected ({wshape[0]},)")
    stride = _ntuple(stride, 3, "stride", what, 1)
    dilation = _ntuple(dilation, 3, "dilation", what, 1)
    pads = _pads(padding, wshape[2:], stride, dilation, what)
    size = tuple(s + a + b for s, (a, b) in zip(xshape[-3:], pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(wshape[2:], dilation))
    if any(e > s for e, s in zip(extent, size)):
        raise ValueError(f"{what}: the padded input is {_fmt(size)} but the kernel covers {_fmt(extent)} "
                         f"(input shape {xshape}, kernel {_fmt(wshape[2:])}, dilation {_one(dilation)})")
    unbatched = input.ndim == 4
    x = reshape(input, (1,) + xshape) if unbatched else input
    geom = (stride, pads, dilation, groups)
    keep = weight.requires_grad and is_grad_enabled()  # the columns serve only dL/dW
    y = Conv3D.apply(x, weight, geom=geom, keep_cols=keep) if bias is None else \
        Conv3D.apply(x, weight, bias, geom=geom, keep_cols=keep)
    return reshape(y, y.shape[1:]) if unbatched else y


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (PyTorch's F.conv_transpose3d): the input gradient of a convolution, so
    every input voxel spreads W times itself over a window of the output:

        h[n, g o', z, y, x] = b[g o'] + sum W[c, o', t, u, v] x[n, c, i, j, l]
                              over c, i, j, l, t, u, v with z = i s_d + t d_d - p_d, y = j s_h + u d_h - p_h,
                              x = l s_w + v d_w - p_w

    (c runs over group g's input channels). input (N, C_in, D, H, W) or (C_in, D, H, W); weight
    (C_in, C_out / groups, kd, kh, kw); bias (C_out,) or None. Output size per dim
    (L - 1) s - 2 p + d (k - 1) + output_padding + 1; ``output_padding`` (< stride or < dilation) adds
    planes at the back, bottom and right. Its gradients are a convolution (dL/dx = conv3d(e, W)) and the
    convolution's weight gradient (dL/dW = ConvWeight3D(e, x)).
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                           "conv_transpose3d", ConvTranspose3D)

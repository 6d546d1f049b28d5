"""Conv1d and Conv2d layers: h = W * x + b (a convolution; see nn.functional.conv for the formulas);
ConvTranspose1d and ConvTranspose2d (its input gradient as a layer); Unfold and Fold (im2col, col2im)."""

import math

import autograd_core as ag

from . import init
from .functional.conv import _ntuple, conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 2
    _name = "Conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, *, output_padding=0, transposed=False):
        super().__init__()
        nd, what = self._nd, self._name
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(v, int) or isinstance(v, bool) or v < (1 if name == "groups" else 0):
                raise ValueError(f"{what}: {name} must be a {'positive' if name == 'groups' else 'non-negative'} "
                                 f"int, got {v!r}")
        if in_channels % groups:
            raise ValueError(f"{what}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{what}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{what}: padding_mode must be one of {', '.join(map(repr, _PADDING_MODES))}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, nd, "kernel_size", what, 1)
        self.stride = _ntuple(stride, nd, "stride", what, 1)
        self.dilation = _ntuple(dilation, nd, "dilation", what, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{what}: padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{what}: padding='same' is not supported for strided convolutions (stride="
                                 f"{self.stride})")
            self.padding = padding
            if padding == "same":
                totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
                pairs = [(t // 2, t - t // 2) for t in totals]
            else:
                pairs = [(0, 0)] * nd
        else:
            self.padding = _ntuple(padding, nd, "padding", what, 0)
            pairs = [(p, p) for p in self.padding]
        self._reversed_padding_repeated_twice = tuple(v for pair in reversed(pairs) for v in pair)
        self.padding_mode = padding_mode
        self.output_padding = _ntuple(output_padding, nd, "output_padding", what, 0)
        self.transposed = transposed
        shape = (in_channels, out_channels // groups) if transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(ag.empty(*shape, *self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W ~ kaiming_uniform_(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1] * prod(kernel_size): in_channels / groups
        times the kernel size (out_channels / groups times it for a transposed convolution, as PyTorch)."""
        if self.weight.numel() > 0:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _conv(self, input, fn):
        if self.padding_mode != "zeros":
            input = ag.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution layer: h = W * x + b over inputs (N, C_in, H, W) or (C_in, H, W).

    weight: (out_channels, in_channels / groups, kh, kw); bias: (out_channels,). ``stride``,
    ``padding`` (int, pair, 'valid' or 'same'), ``dilation``, ``groups`` as in ``F.conv2d``;
    ``padding_mode`` 'zeros' (default), 'reflect', 'replicate' or 'circular'.
    Default initialisation (PyTorch's): W ~ kaiming_uniform_(a = sqrt 5), i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * kh * kw.
    """

    _nd = 2
    _name = "Conv2d"

    def forward(self, input):
        return self._conv(input, conv2d)


class Conv1d(_ConvNd):
    """1-D convolution layer: h = W * x + b over inputs (N, C_in, L) or (C_in, L).

    weight: (out_channels, in_channels / groups, k); options and initialisation as ``Conv2d``
    (fan_in = in_channels / groups * k).
    """

    _nd = 1
    _name = "Conv1d"

    def forward(self, input):
        return self._conv(input, conv1d)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'{self._name}: only padding_mode="zeros" is supported, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{self._name}: padding must be an int or a tuple of {self._nd} ints (no 'same' or "
                             f"'valid' for a transposed convolution), got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding=output_padding, transposed=True)

    def _output_padding(self, input, output_size):
        """``self.output_padding``, or the one that makes the output ``output_size`` (its last nd
        entries; the batch and channel sizes may lead), as PyTorch: the output of the layer is between
        min = (L - 1) s - 2 p + d (k - 1) + 1 and min + s - 1 along each dimension."""
        if output_size is None:
            return self.output_padding
        nd, what = self._nd, self._name
        if not isinstance(input, ag.Tensor) or input.ndim not in (nd + 1, nd + 2):
            return self.output_padding  # the functional form names what is wrong with the input
        size = tuple(output_size)
        lead = input.ndim - nd
        if len(size) == nd + lead:
            size = size[lead:]
        if len(size) != nd or not all(isinstance(v, int) and not isinstance(v, bool) for v in size):
            raise ValueError(f"{what}: for a {input.ndim}-D input, output_size must be {nd} or {nd + lead} ints, "
                             f"got {output_size!r}")
        low = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                    zip(input.shape[-nd:], self.stride, self.padding, self.dilation, self.kernel_size))
        high = tuple(m + s - 1 for m, s in zip(low, self.stride))
        if any(not lo <= v <= hi for v, lo, hi in zip(size, low, high)):
            raise ValueError(f"{what}: requested an output size of {tuple(output_size)}, but valid sizes range from "
                             f"{low} to {high} for an input of spatial size {tuple(input.shape[-nd:])} (stride "
                             f"{self.stride}, padding {self.padding}, dilation {self.dilation}, kernel_size "
                             f"{self.kernel_size})")
        return tuple(v - lo for v, lo in zip(size, low))

    def forward(self, input, output_size=None):
        fn = conv_transpose2d if self._nd == 2 else conv_transpose1d
        return fn(input, self.weight, self.bias, self.stride, self.padding, self._output_padding(input, output_size),
                  self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution layer (the input gradient of a convolution, as a layer; see
    ``F.conv_transpose2d``) over inputs (N, C_in, H, W) or (C_in, H, W).

    weight: (in_channels, out_channels / groups, kh, kw); bias: (out_channels,). Output size per
    dimension (H - 1) s - 2 p + d (k - 1) + output_padding + 1; ``forward(input, output_size)`` picks
    the output_padding that gives ``output_size`` instead. Default initialisation (PyTorch's):
    W ~ kaiming_uniform_(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and b ~ the same, with
    PyTorch's fan_in of the weight tensor, weight.shape[1] * kh * kw = out_channels / groups * kh * kw.
    """

    _nd = 2
    _name = "ConvTranspose2d"


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution layer over inputs (N, C_in, L) or (C_in, L): weight
    (in_channels, out_channels / groups, k); options and initialisation as ``ConvTranspose2d``."""

    _nd = 1
    _name = "ConvTranspose1d"


class Unfold(Module):
    """The sliding windows of a batch as columns, (N, C, H, W) -> (N, C kh kw, L) (``F.unfold``)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride
        _check_fold_options(kernel_size, dilation, padding, stride, "Unfold")

    def forward(self, input):
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, stride={self.stride}"


class Fold(Module):
    """Columns summed back into images, (N, C kh kw, L) -> (N, C, H, W), (H, W) = output_size (``F.fold``)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride
        _check_fold_options(kernel_size, dilation, padding, stride, "Fold")
        _ntuple(output_size, 2, "output_size", "Fold", 1)

    def forward(self, input):
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


def _check_fold_options(kernel_size, dilation, padding, stride, what):
    for name, value, minimum in (("kernel_size", kernel_size, 1), ("dilation", dilation, 1),
                                 ("padding", padding, 0), ("stride", stride, 1)):
        _ntuple(value, 2, name, what, minimum)

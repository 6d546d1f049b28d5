"""Conv1d and Conv2d layers: h = W * x + b (a convolution; see nn.functional.conv for the formulas)."""

import math

import autograd_core as ag

from . import init
from .functional.conv import _ntuple, conv1d, conv2d
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _nd = 2
    _name = "Conv2d"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
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
        self.output_padding = (0,) * nd
        self.transposed = False
        self.weight = Parameter(ag.empty(out_channels, in_channels // groups, *self.kernel_size, device=device,
                                         dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W ~ kaiming_uniform_(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * prod(kernel_size)."""
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

"""More of PyTorch's layers: Softshrink, Hardshrink, RReLU, Softmax2d; AlphaDropout, FeatureAlphaDropout,
Dropout1d; LocalResponseNorm, LPPool1d/2d, ChannelShuffle, Bilinear; MaxUnpool1d/2d (PyTorch's constructors,
defaults and reprs). The formulas and their derivatives are in ``nn.functional.more_layers``."""

import math

import autograd_core as ag

from . import init
from .dropout import _DropoutNd
from .functional.activation import softmax
from .functional.conv import _ntuple
from .functional.more_layers import (
    _bounds,
    _lambd,
    _norm_type,
    _real,
    alpha_dropout,
    bilinear,
    channel_shuffle,
    dropout1d,
    feature_alpha_dropout,
    hardshrink,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    rrelu,
    softshrink,
)
from .functional.unpool import max_unpool1d, max_unpool2d
from .module import Module
from .parameter import Parameter


# --- activations ---------------------------------------------------------------------------------------------
class Softshrink(Module):
    """g(h) = h - lambd for h > lambd, h + lambd for h < -lambd, else 0;  g'(h) = [|h| > lambd]."""

    def __init__(self, lambd=0.5):
        super().__init__()
        _lambd(lambd, type(self).__name__)
        self.lambd = lambd

    def forward(self, input):
        return softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Module):
    """g(h) = h for |h| > lambd, else 0;  g'(h) = [|h| > lambd]."""

    def __init__(self, lambd=0.5):
        super().__init__()
        _real(lambd, "lambd", type(self).__name__)
        self.lambd = lambd

    def forward(self, input):
        return hardshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class RReLU(Module):
    """g(h) = h for h > 0, a h otherwise: a ~ U(lower, upper) per element in training, (lower + upper) / 2 in
    evaluation. ``inplace`` is accepted for PyTorch's signature; the output is always a new tensor."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        _bounds(lower, upper, type(self).__name__)
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W): y[.., c, i, j] = exp(x_c) / sum_c' exp(x_c') at
    each location (dim -3)."""

    def forward(self, input):
        if isinstance(input, ag.Tensor) and input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3D or 4D input, got a {input.ndim}D input of shape "
                             f"{tuple(input.shape)}")
        return softmax(input, -3)


# --- dropout variants ----------------------------------------------------------------------------------------
class AlphaDropout(_DropoutNd):
    """Alpha dropout in training: a dropped element becomes SELU's negative saturation and an affine map keeps a
    standard input's zero mean and unit variance (see ``F.alpha_dropout``); the identity in evaluation."""

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of an (N, C, ...) input in training (see ``F.feature_alpha_dropout``)."""

    def forward(self, input):
        return feature_alpha_dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of an (N, C, L) or (C, L) input with probability ``p`` in training, scaling the rest by
    1/(1 - p); the identity in evaluation."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training)


# --- normalisation, pooling, shuffling, bilinear --------------------------------------------------------------
class LocalResponseNorm(Module):
    """y[n, c] = x[n, c] / (k + alpha / size * sum of x[n, c']^2 over the ``size`` channels around c)^beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        _norm_type(norm_type, type(self).__name__)
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """y = (sum over each window of x^p)^(1/p), p = ``norm_type``, over (N, C, L) or (C, L)."""

    def forward(self, input):
        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    """y = (sum over each window of x^p)^(1/p), p = ``norm_type``, over (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class ChannelShuffle(Module):
    """Interleave ``groups`` groups of channels: (N, g, C/g, *) -> (N, C/g, g, *) (ShuffleNet)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class Bilinear(Module):
    """y_o = x1^T A_o x2 + b_o for x1 (*, in1_features), x2 (*, in2_features); weight (out, in1, in2), bias (out,).

    PyTorch's default initialisation: W and b ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        for name, v in (("in1_features", in1_features), ("in2_features", in2_features),
                        ("out_features", out_features)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Bilinear: {name} must be a non-negative int, got {v!r}")
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in1_features, in2_features, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features > 0 else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


# --- max unpooling ------------------------------------------------------------------------------------------
def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _MaxUnpoolNd(Module):
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        what = type(self).__name__
        _ntuple(kernel_size, self._nd, "kernel_size", what, 1)
        if stride is not None:
            _ntuple(stride, self._nd, "stride", what, 1)
        _ntuple(padding, self._nd, "padding", what, 0)
        self.kernel_size = _tuple(kernel_size, self._nd)
        self.stride = _tuple(stride if stride is not None else kernel_size, self._nd)
        self.padding = _tuple(padding, self._nd)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: each value goes back to the position its index names, zeros elsewhere.
    ``forward(input, indices, output_size=None)``; see ``F.max_unpool1d``."""

    _nd = 1

    def forward(self, input, indices, output_size=None):
        return max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: each value goes back to the position its index names, zeros elsewhere.
    ``forward(input, indices, output_size=None)``; see ``F.max_unpool2d``."""

    def forward(self, input, indices, output_size=None):
        return max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

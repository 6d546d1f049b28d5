"""Activation modules: x = g(h) applied elementwise (or along ``dim`` for Softmax, Softmin and GLU);
PReLU has a learnable slope. The formulas and derivatives are in ``nn.functional``'s docstrings."""

import autograd_core as ag

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """g(h) = max(h, 0)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    """g(h) = h for h > 0, negative_slope * h otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """g(h) = 1 / (1 + exp(-h))."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """g(h) = tanh(h)."""

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """g(h) = log(1 + exp(beta h)) / beta."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """g(h) = h Phi(h) (``approximate="tanh"`` for the tanh approximation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """g(h) = h sigmoid(h) (the sigmoid-weighted linear unit, or swish)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """g(h) = h for h > 0, alpha (exp(h) - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Cos(Module):
    """g(h) = cos(h): with a fixed random first layer this is the lecture's random Fourier features."""

    def forward(self, input):
        return F.cos(input)


class Softmax(Module):
    """exp(h_i) / sum_j exp(h_j) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """h_i - logsumexp(h) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


def _inplace_repr(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class Hardtanh(Module):
    """g(h) = min(max(h, min_val), max_val) (gradient 0 at both kinks, as PyTorch)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if not max_val > min_val:
            raise ValueError(f"{type(self).__name__}: max_val ({max_val!r}) must be greater than min_val "
                             f"({min_val!r})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self.inplace)


class ReLU6(Hardtanh):
    """g(h) = min(max(h, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace, first=True)


class _Elementwise(Module):
    """An activation with no parameters and no options but ``inplace`` (accepted for PyTorch's signature)."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self)._fn(input)


class Hardsigmoid(_Elementwise):
    """g(h) = relu6(h + 3) / 6."""

    _fn = F.hardsigmoid


class Hardswish(_Elementwise):
    """g(h) = h relu6(h + 3) / 6."""

    _fn = F.hardswish


class Mish(_Elementwise):
    """g(h) = h tanh(softplus(h))."""

    _fn = F.mish

    def extra_repr(self):
        return _inplace_repr(self.inplace, first=True)


class SELU(_Elementwise):
    """g(h) = scale elu(h, alpha), scale = 1.0507..., alpha = 1.6733... (self-normalizing)."""

    _fn = F.selu

    def extra_repr(self):
        return _inplace_repr(self.inplace, first=True)


class LogSigmoid(Module):
    """g(h) = log(sigmoid(h)), computed stably."""

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    """g(h) = h / (1 + |h|)."""

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """g(h) = h - tanh(h)."""

    def forward(self, input):
        return F.tanhshrink(input)


class Threshold(Module):
    """g(h) = h for h > threshold, ``value`` otherwise."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + _inplace_repr(self.inplace)


class CELU(Module):
    """g(h) = max(0, h) + min(0, alpha (exp(h / alpha) - 1))."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace)


class GLU(Module):
    """g = a sigmoid(b), a and b the two halves of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Module):
    """exp(-h_i) / sum_j exp(-h_j) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class PReLU(Module):
    """g(h) = h for h > 0, a h otherwise, with a learnable slope a (``weight``): one shared slope
    (``num_parameters=1``) or one per channel (dim 1 of the input), all initialised to ``init``."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or num_parameters <= 0:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got {num_parameters!r}")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(ag.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"

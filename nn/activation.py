"""Activation modules: x = g(h) applied elementwise (or along ``dim`` for Softmax)."""

from . import functional as F
from .module import Module


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

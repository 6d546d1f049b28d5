"""Activations g(h), the lecture's x = g(h): relu, leaky_relu, sigmoid, tanh, softplus, gelu, silu, elu,
cos, softmax, log_softmax. Each is the engine's op (with its gradient g'(h)) under PyTorch's name."""

import math

import autograd_core as ag
from autograd_core import Tensor


def _tensor(x, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(x).__name__}")
    return x


def _float_tensor(x, what):
    _tensor(x, what)
    if x.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {x.dtype.name}")
    return x


def relu(input, inplace=False):
    """g(h) = max(h, 0);  g'(h) = [h > 0] (g'(0) = 0)."""
    return ag.relu(_tensor(input, "relu"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """g(h) = h for h > 0, negative_slope * h otherwise."""
    return ag.leaky_relu(_tensor(input, "leaky_relu"), negative_slope)


def sigmoid(input):
    """g(h) = 1 / (1 + exp(-h));  g'(h) = g(h) (1 - g(h))."""
    return ag.sigmoid(_tensor(input, "sigmoid"))


def tanh(input):
    """g(h) = tanh(h);  g'(h) = 1 - g(h)^2."""
    return ag.tanh(_tensor(input, "tanh"))


def softplus(input, beta=1.0, threshold=20.0):
    """g(h) = log(1 + exp(beta h)) / beta;  g'(h) = sigmoid(beta h)."""
    return ag.softplus(_tensor(input, "softplus"), beta, threshold)


def gelu(input, approximate="none"):
    """g(h) = h * Phi(h), Phi the standard normal CDF: 0.5 h (1 + erf(h / sqrt 2)).

    ``approximate="tanh"``: 0.5 h (1 + tanh(sqrt(2/pi) (h + 0.044715 h^3))).
    """
    x = _tensor(input, "gelu")
    if approximate == "none":
        return x * (ag.erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)
        return x * (inner.tanh() + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input, inplace=False):
    """The sigmoid-weighted linear unit (swish): g(h) = h sigmoid(h);  g'(h) = s (1 + h (1 - s)), s = sigmoid(h).

    Built from differentiable ops, so it has gradients of every order. ``inplace`` is accepted for
    PyTorch's signature; the result is a new tensor, as with ``relu``.
    """
    x = _float_tensor(input, "silu")
    return x * ag.sigmoid(x)


def elu(input, alpha=1.0, inplace=False):
    """The exponential linear unit: g(h) = h for h > 0, alpha (exp(h) - 1) for h <= 0;
    g'(h) = 1 for h > 0, alpha exp(h) for h <= 0 (so g'(0) = alpha, as PyTorch).

    exp is taken of min(h, 0) only, so a large positive h cannot overflow into the unused branch.
    """
    x = _float_tensor(input, "elu")
    neg = ag.expm1(ag.clamp(x, max=0.0)) * alpha
    return ag.where(x > 0, x, neg)


def cos(input):
    """g(h) = cos(h): the lecture's Fourier-features activation;  g'(h) = -sin(h)."""
    return ag.cos(_tensor(input, "cos"))


def softmax(input, dim=None, dtype=None):
    """exp(h_i) / sum_j exp(h_j) along ``dim`` (computed stably)."""
    if dim is None:
        raise TypeError("softmax: pass dim explicitly (e.g. dim=1 for a batch of class scores)")
    return ag.softmax(_tensor(input, "softmax"), dim, dtype=dtype)


def log_softmax(input, dim=None, dtype=None):
    """h_i - logsumexp(h) along ``dim``."""
    if dim is None:
        raise TypeError("log_softmax: pass dim explicitly (e.g. dim=1 for a batch of class scores)")
    return ag.log_softmax(_tensor(input, "log_softmax"), dim, dtype=dtype)

"""Activations g(h), the lecture's x = g(h): relu, leaky_relu, sigmoid, tanh, softplus, gelu, silu, elu,
cos, softmax, log_softmax, hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid, softsign, tanhshrink,
threshold, celu, selu, glu, softmin, prelu. Each is the engine's op (or built from differentiable ops, so
gradients of every order follow) under PyTorch's name; each docstring gives g(h), g'(h) and, where g has a
kink, the value PyTorch takes there."""

import math

import autograd_core as ag
from autograd_core import Function, Tensor, is_grad_enabled
from autograd_core.ops.unary import Clamp, _keep
from autograd_core.tensor import make_tensor


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
    """g(h) = h Phi(h), Phi the standard normal CDF (0.5 (1 + erf(h / sqrt 2))), taken as
    0.5 erfc(-h / sqrt 2) (``Backend.ndtr``), so that g keeps its relative precision far left, where
    1 + erf(h / sqrt 2) cancels to 0 (float64, h = -12: g = -2e-32, not -0);  g'(h) = Phi(h) + h phi(h).

    ``approximate="tanh"``: 0.5 h (1 + tanh(sqrt(2/pi) (h + 0.044715 h^3))), taken as h sigmoid(2 u),
    u = sqrt(2/pi) (h + 0.044715 h^3), which is the same function without the cancellation.
    """
    x = _float_tensor(input, "gelu")  # (as PyTorch, which has no GELU for integers)
    if approximate == "none":
        return Gelu.apply(x)
    if approximate == "tanh":
        return GeluTanh.apply(x)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


class Gelu(Function):
    """y = x Phi(x);  dL/dx = gy (Phi(x) + x phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi). One node: as the
    product x * Phi(x), the backward would send gy down both factors, and an infinite gy would give
    inf - inf = NaN where the two terms differ in sign (PyTorch gives +-inf). Its backward is written with
    Tensor ops (gradients of every order) and, for the first order, on arrays."""

    saves_inputs = True

    def forward(self, x):
        self.cdf = self.backend.ndtr(x)
        return x * self.cdf

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            xd = x._data
            pdf = self.backend.xp.exp(xd * xd * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))
            return make_tensor(gy._data * (self.cdf + xd * pdf), self.backend)
        return gy * (NormalCdf.apply(x) + x * (ag.exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))))


class NormalCdf(Function):
    """y = Phi(x) = 0.5 erfc(-x / sqrt 2), the standard normal CDF;  dL/dx = gy phi(x),
    phi(x) = exp(-x^2 / 2) / sqrt(2 pi) (written with Tensor ops: gradients of every order)."""

    saves_inputs = True

    def forward(self, x):
        return self.backend.ndtr(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (ag.exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi)))


_GELU_C, _GELU_K = math.sqrt(2.0 / math.pi), 0.044715


class GeluTanh(Function):
    """y = 0.5 x (1 + tanh(u)) = x s, s = sigmoid(2 u), u = c (x + k x^3), c = sqrt(2/pi), k = 0.044715
    (GELU's tanh form; 1 + tanh(u) = 2 sigmoid(2 u), which does not cancel for very negative u);
    dL/dx = gy (s + 2 c x s (1 - s) (1 + 3 k x^2)). One node; the backward is written with Tensor ops
    (gradients of every order) and, for the first order, on arrays."""

    saves_inputs = True

    def forward(self, x):
        self.s = self.backend.sigmoid((x + x * x * x * _GELU_K) * (2.0 * _GELU_C))
        return x * self.s

    def backward(self, gy):
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            x, s = self.inputs[0]._data, self.s
            slope = s + x * (s * (1.0 - s)) * (2.0 * _GELU_C) * (1.0 + x * x * (3.0 * _GELU_K))
            return make_tensor(gy._data * slope, self.backend)
        x = self.inputs[0]
        s = ag.sigmoid((x + x * x * x * _GELU_K) * (2.0 * _GELU_C))
        return gy * (s + x * (s * (1.0 - s)) * (2.0 * _GELU_C) * (1.0 + x * x * (3.0 * _GELU_K)))


class Silu(Function):
    """y = x s, s = sigmoid(x);  dL/dx = gy s (1 + x (1 - s)). One node (the product of two would keep
    and walk twice as much); its backward is written with Tensor ops, so it has gradients of every order."""

    saves_inputs = True

    def forward(self, x):
        self.s = self.backend.sigmoid(x)
        return x * self.s

    def backward(self, gy):
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            x, s = self.inputs[0]._data, self.s
            return make_tensor(gy._data * (s * (1.0 + x * (1.0 - s))), self.backend)
        x = self.inputs[0]
        s = ag.sigmoid(x)
        return gy * (s * (1.0 + x * (1.0 - s)))


class Elu(Function):
    """y = x for x > 0, alpha (exp(x) - 1) for x <= 0;  dL/dx = gy for x > 0, gy alpha exp(x) for x <= 0 (not
    gy (y + alpha), which cancels to 0 far left: at x = -50 the slope is 1.9e-22). exp is taken of min(x, 0)
    only, so a large positive x cannot overflow into the unused side. As PyTorch, a NaN x passes gy on."""

    saves_inputs = True

    def forward(self, x, alpha):
        xp, backend = self.backend.xp, self.backend
        self.alpha = alpha
        neg = xp.expm1(backend.clamp(x, None, 0.0)) * x.dtype.type(alpha)
        return backend.where(x > 0, x, neg.astype(x.dtype, copy=False))

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            backend, xd = self.backend, x._data
            neg = backend.xp.exp(backend.clamp(xd, None, 0.0)) * xd.dtype.type(self.alpha)
            slope = backend.where(xd <= 0, neg.astype(xd.dtype, copy=False), backend.xp.ones((), dtype=xd.dtype))
            return make_tensor(gy._data * slope, backend)
        slope = ag.where(x <= 0, ag.exp(ag.clamp(x, max=0.0)) * self.alpha, 1.0)
        return gy * slope


def silu(input, inplace=False):
    """The sigmoid-weighted linear unit (swish): g(h) = h sigmoid(h);  g'(h) = s (1 + h (1 - s)), s = sigmoid(h).

    One op (``Silu``) whose backward is built from differentiable ops, so it has gradients of every order.
    ``inplace`` is accepted for PyTorch's signature; the result is a new tensor, as with ``relu``.
    """
    return Silu.apply(_float_tensor(input, "silu"))


def elu(input, alpha=1.0, inplace=False):
    """The exponential linear unit: g(h) = h for h > 0, alpha (exp(h) - 1) for h <= 0;
    g'(h) = 1 for h > 0, alpha exp(h) for h <= 0 (so g'(0) = alpha, as PyTorch).

    exp is taken of min(h, 0) only, so a large positive h cannot overflow into the unused branch.
    """
    x = _float_tensor(input, "elu")
    return Elu.apply(x, alpha=_number(alpha, "alpha", "elu"))


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


# --- piecewise-linear and smooth variants (PyTorch's conventions at the kinks) --------------------------------
def _number(v, name, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)) and not hasattr(v, "__float__"):
        raise TypeError(f"{what}: {name} must be a number, got {type(v).__name__} ({v!r})")
    if isinstance(v, Tensor):
        raise TypeError(f"{what}: {name} must be a Python number, got a Tensor")
    return v


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """g(h) = min(max(h, min_val), max_val);  g'(h) = [min_val < h < max_val].

    At the kinks h = min_val and h = max_val the gradient is 0, as PyTorch (so relu6'(0) = 0). ``inplace``
    is accepted for PyTorch's signature; the result is a new tensor.
    """
    x = _float_tensor(input, "hardtanh")
    lo, hi = _number(min_val, "min_val", "hardtanh"), _number(max_val, "max_val", "hardtanh")
    if lo > hi:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val={min_val!r}, "
                         f"max_val={max_val!r}")
    return Clamp.apply(x, lo=lo, hi=hi, strict=True)


def relu6(input, inplace=False):
    """g(h) = min(max(h, 0), 6) = hardtanh(h, 0, 6);  g'(h) = [0 < h < 6] (0 at both kinks, as PyTorch)."""
    return hardtanh(_float_tensor(input, "relu6"), 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """g(h) = relu6(h + 3) / 6 (0 below -3, 1 above 3);  g'(h) = 1/6 for -3 < h < 3, else 0 (0 at h = +-3
    and at a NaN h, as PyTorch)."""
    return Hardsigmoid.apply(_float_tensor(input, "hardsigmoid"))


class Hardsigmoid(Function):
    """y = min(max(x + 3, 0), 6) / 6;  dL/dx = gy / 6 where -3 < x < 3, else 0 (``Keep``: an infinite gy
    is dropped there too, as PyTorch's)."""

    def forward(self, x):
        self.mask = self.backend.keep_mask((x > -3) & (x < 3))
        return self.backend.clamp(x + x.dtype.type(3), 0.0, 6.0) / x.dtype.type(6)

    def backward(self, gy):
        return _keep(gy * (1.0 / 6.0), self.mask)


def hardswish(input, inplace=False):
    """g(h) = h relu6(h + 3) / 6;  g'(h) = 0 for h <= -3, h/3 + 1/2 for -3 < h < 3, 1 for h >= 3
    (PyTorch's values at the kinks: g'(-3) = 0, g'(3) = 1; and at a NaN h, 1)."""
    return Hardswish.apply(_float_tensor(input, "hardswish"))


class Hardswish(Function):
    """y = x min(max(x + 3, 0), 6) / 6;  dL/dx = 0 where x <= -3 (an infinite gy too, as PyTorch's),
    gy (x/3 + 1/2) where -3 < x < 3, gy where x >= 3 or x is NaN. One node; its backward is written with
    Tensor ops, so it has gradients of every order (d2y/dx2 = 1/3 between the kinks)."""

    saves_inputs = True

    def forward(self, x):
        self.mask = self.backend.keep_mask(x <= -3, invert=True)
        return x * self.backend.clamp(x + x.dtype.type(3), 0.0, 6.0) / x.dtype.type(6)

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            backend, xd = self.backend, x._data
            slope = backend.where(xd < 3, xd * xd.dtype.type(1 / 3) + xd.dtype.type(0.5),
                                  backend.xp.ones((), dtype=xd.dtype))
            return make_tensor(backend.keep(gy._data * slope, self.mask), backend)
        return _keep(gy * ag.where(x < 3, x * (1.0 / 3.0) + 0.5, 1.0), self.mask)


def mish(input, inplace=False):
    """g(h) = h tanh(softplus(h));  g'(h) = tanh(sp) + h sigmoid(h) (1 - tanh(sp)^2), sp = softplus(h).

    softplus is taken in its stable form log(1 + exp(-|h|)) + max(h, 0) with no linear cut-off, so large
    |h| neither overflows nor loses the tail (g(h) -> h for h -> inf, -> -0 for h -> -inf).
    """
    return Mish.apply(_float_tensor(input, "mish"))


class Mish(Function):
    """y = x t, t = tanh(softplus(x));  dL/dx = gy (t + x sigmoid(x) (1 - t) (1 + t)). One node, for the
    reason ``Gelu`` is one; its backward is written with Tensor ops: gradients of every order."""

    saves_inputs = True

    def forward(self, x):
        xp, backend = self.backend.xp, self.backend
        self.t = xp.tanh(backend.relu(x) + xp.log1p(xp.exp(-xp.abs(x))))
        return x * self.t

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            xd, t = x._data, self.t
            slope = t + xd * self.backend.sigmoid(xd) * ((1.0 - t) * (1.0 + t))
            return make_tensor(gy._data * slope, self.backend)
        t = ag.tanh(ag.softplus(x, 1.0, math.inf))
        return gy * (t + x * ag.sigmoid(x) * ((1.0 - t) * (1.0 + t)))


def logsigmoid(input):
    """g(h) = log(sigmoid(h)) = -softplus(-h) = min(h, 0) - log(1 + exp(-|h|));  g'(h) = sigmoid(-h) = 1 - sigmoid(h).

    Computed in that stable form: no overflow for large |h| (g(-800) = -800, g(800) = 0, g'(0) = 1/2).
    """
    x = _float_tensor(input, "logsigmoid")
    return -ag.softplus(-x, 1.0, math.inf)


def softsign(input):
    """g(h) = h / (1 + |h|);  g'(h) = 1 / (1 + |h|)^2 (so g'(0) = 1)."""
    return Softsign.apply(_float_tensor(input, "softsign"))


class Softsign(Function):
    """y = x / (1 + |x|);  dL/dx = gy / (1 + |x|)^2. One node: as the quotient x / (1 + |x|) the backward
    was 1 / (1 + |x|) - |x| / (1 + |x|)^2, which cancels for large |x| (0 at |x| = 1e100, for 1e-200).
    Its backward is written with Tensor ops: gradients of every order."""

    saves_inputs = True

    def forward(self, x):
        return x / (self.backend.xp.abs(x) + x.dtype.type(1))

    def backward(self, gy):
        x = self.inputs[0]
        if not is_grad_enabled():  # a first-order backward: the same expression on arrays, no nodes
            d = self.backend.xp.abs(x._data) + x._data.dtype.type(1)
            return make_tensor(gy._data / d / d, self.backend)  # (d * d overflows for |x| > 1.3e154)
        d = ag.abs(x) + 1.0
        return gy / d / d


def _tanhshrink_coefficients(count):
    """c_1 .. c_count with h - tanh(h) = h^3 (c_1 + c_2 h^2 + c_3 h^4 + ...), from tanh's Taylor series
    tanh(h) = sum_{n >= 1} 2^(2n) (2^(2n) - 1) B_(2n) h^(2n - 1) / (2n)!, B the Bernoulli numbers
    (exact fractions, then rounded once)."""
    from fractions import Fraction

    top = 2 * (count + 1)
    bernoulli = [Fraction(1)]
    for m in range(1, top + 1):
        bernoulli.append(-sum(math.comb(m + 1, k) * bernoulli[k] for k in range(m)) / (m + 1))
    return [float(-(4 ** n) * (4 ** n - 1) * bernoulli[2 * n] / math.factorial(2 * n)) for n in range(2, count + 2)]


# below |h| = 0.5 the series (each term about a tenth of the one before) replaces h - tanh(h), which
# cancels there: relative error 3 eps / h^2, all of it at h = 1e-8
_TANHSHRINK_SERIES = 0.5
_TANHSHRINK_C = _tanhshrink_coefficients(18)


class Tanhshrink(Function):
    """y = h - tanh(h), by its Taylor series h^3/3 - 2 h^5/15 + ... (18 terms) where |h| < 0.5, so it keeps
    its relative precision near 0;  dL/dh = gy tanh(h)^2 (no cancellation), written with Tensor ops."""

    saves_inputs = True

    def forward(self, x):
        xp, backend = self.backend.xp, self.backend
        near = backend.clamp(x, -_TANHSHRINK_SERIES, _TANHSHRINK_SERIES)  # (no overflow where it is unused)
        s = near * near
        series = xp.full_like(x, _TANHSHRINK_C[-1])
        for c in reversed(_TANHSHRINK_C[:-1]):
            series *= s
            series += c
        series *= s
        series *= near
        return backend.where(xp.abs(x) < _TANHSHRINK_SERIES, series, x - xp.tanh(x))

    def backward(self, gy):
        t = ag.tanh(self.inputs[0])
        return gy * (t * t)


def tanhshrink(input):
    """g(h) = h - tanh(h);  g'(h) = tanh(h)^2. Near 0 by the Taylor series, so that it keeps float64's
    relative precision where h - tanh(h) cancels (``Tanhshrink``)."""
    x = _float_tensor(input, "tanhshrink")
    return Tanhshrink.apply(x)


def threshold(input, threshold, value, inplace=False):
    """g(h) = ``value`` for h <= threshold, h otherwise (so a NaN h stays NaN, as PyTorch);
    g'(h) = [not h <= threshold] (0 at h = threshold)."""
    x = _float_tensor(input, "threshold")
    t, v = _number(threshold, "threshold", "threshold"), _number(value, "value", "threshold")
    return ag.where(x <= t, float(v), x)


def celu(input, alpha=1.0, inplace=False):
    """The continuously differentiable ELU: g(h) = max(0, h) + min(0, alpha (exp(h / alpha) - 1));
    g'(h) = 1 for h > 0, exp(h / alpha) for h <= 0 (both sides give g'(0) = 1).

    exp is taken of min(h, 0) / alpha only, so a large positive h cannot overflow. ``alpha`` must be nonzero.
    """
    x = _float_tensor(input, "celu")
    alpha = _number(alpha, "alpha", "celu")
    if alpha == 0:
        raise ValueError(f"celu: alpha cannot be 0 (it divides h), got alpha={alpha!r}")
    neg = ag.expm1(ag.clamp(x, max=0.0) * (1.0 / alpha)) * alpha
    return ag.where(x <= 0, neg, x)  # (a NaN x takes the identity side: its gradient is 1, as PyTorch's)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """The self-normalizing ELU: g(h) = scale elu(h, alpha) with alpha = 1.67326..., scale = 1.05070...;
    g'(h) = scale for h > 0, scale alpha exp(h) for h <= 0 (so g'(0) = scale alpha, as PyTorch)."""
    return elu(_float_tensor(input, "selu"), SELU_ALPHA) * SELU_SCALE


def glu(input, dim=-1):
    """The gated linear unit: split ``input`` in halves a, b along ``dim``;  g = a sigmoid(b).

    dg/da = sigmoid(b),  dg/db = a sigmoid(b) (1 - sigmoid(b)). The size of ``dim`` must be even.
    """
    x = _float_tensor(input, "glu")
    if x.ndim == 0:
        raise ValueError("glu: does not support 0-d tensors (it halves a dimension)")
    if isinstance(dim, bool) or not hasattr(dim, "__index__") or not -x.ndim <= dim < x.ndim:
        raise IndexError(f"glu: dim={dim!r} is out of range for an input of shape {tuple(x.shape)}")
    axis = dim % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} of the input (shape "
                         f"{tuple(x.shape)}) has size {n}")
    a, b = ag.split(x, n // 2, axis)
    return a * ag.sigmoid(b)


def softmin(input, dim=None, dtype=None):
    """exp(-h_i) / sum_j exp(-h_j) along ``dim`` = softmax(-h);  dg_i/dh_k = -g_i ([i = k] - g_k)."""
    if dim is None:
        raise TypeError("softmin: pass dim explicitly (e.g. dim=1 for a batch of scores)")
    return ag.softmax(-_tensor(input, "softmin"), dim, dtype=dtype)


def prelu(input, weight):
    """g(h) = h for h > 0, a h otherwise, with a learnable slope a per channel (dim 1; one slope for all
    if ``weight`` has one element; a 0-d or 1-d input has one channel);
    dg/dh = 1 for h > 0, a for h <= 0 (g'(0) = a, as PyTorch);  dg/da = h for h <= 0, else 0.
    """
    x = _float_tensor(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim > 1:
        raise ValueError(f"prelu: expected weight to be a 0-d or 1-d tensor, got shape {tuple(weight.shape)}")
    if weight._backend is not x._backend:
        raise RuntimeError(f"prelu: weight is on {weight.device} but the input is on {x.device}")
    if weight.dtype != x.dtype:
        raise TypeError(f"prelu: weight has dtype {weight.dtype.name} but the input has dtype {x.dtype.name}")
    k = weight.numel()
    channels = x.shape[1] if x.ndim >= 2 else 1
    if k != 1 and k != channels:
        raise ValueError(f"prelu: weight has {k} parameters but the input (shape {tuple(x.shape)}) has {channels} "
                         f"channels; expected 1 or {channels}")
    if k == 1:
        a = ag.reshape(weight, ())
    else:
        a = ag.reshape(weight, (1, k) + (1,) * (x.ndim - 2))
    return ag.where(x > 0, x, a * x)

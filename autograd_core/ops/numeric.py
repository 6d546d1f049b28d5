"""PyTorch's number functions, special functions, ranges and windows:

    gcd(a, b), lcm(a, b) = |a / gcd(a, b) * b|     (integers; no gradient)
    frexp(x) = (m, e) with x = m 2^e, 0.5 <= |m| < 1 (m = x, e = 0 at 0, inf, NaN);  dL/dx = dL/dm / 2^e
    ldexp(x, e) = x 2^e                              (differentiable in both, through mul and pow)
    nextafter(a, b) = the next float after a towards b      (no gradient)
    i0(x) = I0(x) = sum_k (x^2 / 4)^k / (k!)^2;  dL/dx = dL/dy I1(x),  I1'(x) = I0(x) - I1(x) / x (1/2 at 0)
    rsub(x, other, alpha) = other - alpha x
    unravel_index(i, shape) = (i // prod(shape[1:]) % shape[0], ..., i % shape[-1])   (int64; no gradient)
    mvlgamma(x, p) = p (p - 1) / 4 log(pi) + sum_{j < p} lgamma(x - j / 2)   (x > (p - 1) / 2)

    logspace(a, b, n, base) = base ** linspace(a, b, n)
    hann, hamming:  alpha - beta cos(2 pi k / (N - 1))   (hann: alpha = beta = 1/2; hamming 0.54, 0.46)
    blackman:       0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))
    bartlett:       1 - |2 k / (N - 1) - 1|
    kaiser:         I0(beta sqrt(1 - (2 k / (N - 1) - 1)^2)) / I0(beta)
    (periodic=True, the default: computed for N + 1 points and the last dropped, as PyTorch)

Each differentiable one is built from differentiable ops (or is a Function whose backward is), so it has
gradients of every order.
"""

import collections
import math
import numbers

import numpy

from backends import get_backend

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, promote
from .arith import add, mul, pow, sub
from .extra import lgamma
from .reduce import sum as _sum
from .shape import unsqueeze
from .unary import where

FrexpResult = collections.namedtuple("frexp", ["mantissa", "exponent"])


def _int(value, what, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{what}: {name} must be an int, got {type(value).__name__} {value!r}")
    return int(value)


# --- integers and floats ---------------------------------------------------------------------------
def _integer_pair(a, b, what):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{what}: expected at least one tensor, got {type(a).__name__} and {type(b).__name__}")
    ref = a if isinstance(a, Tensor) else b
    a, b = as_tensor(a, like=ref), as_tensor(b, like=ref)
    for t in (a, b):
        if t._data.dtype.kind not in "iu":
            raise TypeError(f"{what}: expected integer tensors, got dtype {t.dtype.name}")
    a, b = promote(a, b, what)
    try:
        ref._backend.xp.broadcast_shapes(a._data.shape, b._data.shape)
    except ValueError:
        raise ValueError(f"{what}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together") \
            from None
    return a, b


def gcd(input, other):
    """The greatest common divisor of each pair (integers, broadcast; gcd(0, 0) = 0, never negative)."""
    a, b = _integer_pair(input, other, "gcd")
    return make_tensor(a._backend.xp.gcd(a._data, b._data), a._backend)


def lcm(input, other):
    """The least common multiple of each pair, |a / gcd(a, b) * b| (0 where either is 0)."""
    a, b = _integer_pair(input, other, "lcm")
    return make_tensor(a._backend.xp.lcm(a._data, b._data), a._backend)


class Frexp(Function):
    """(m, e) = frexp(x): x = m 2^e with 0.5 <= |m| < 1, e an int32;  dL/dx = dL/dm / 2^e"""

    def forward(self, x):
        xp = self.backend.xp
        m, e = xp.frexp(x)
        self.e = e.astype(dtypes.int32, copy=False)
        return m.astype(x.dtype, copy=False), self.e

    def backward(self, gm, ge):
        scale = self.backend.xp.exp2(self.e.astype(gm.dtype))
        return gm / make_tensor(scale, self.backend)


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, 0.5 <= |mantissa| < 1 (floating input)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"frexp: only floating-point tensors are supported, got dtype {x.dtype.name}")
    return FrexpResult(*Frexp.apply(x))


def ldexp(input, other):
    """y = input * 2 ** other (integers give float32, as PyTorch's mul(input, pow(2.0, other)))."""
    x = as_tensor(input)
    e = as_tensor(other, like=x)
    try:
        return mul(x, pow(2.0, e))
    except ValueError:
        raise ValueError(f"ldexp: shapes {tuple(x.shape)} and {tuple(e.shape)} cannot be broadcast together") \
            from None


def nextafter(input, other):
    """The next floating-point value after input towards other (broadcast; floating tensors; no gradient)."""
    a = as_tensor(input)
    b = as_tensor(other, like=a)
    for t in (a, b):
        if t._data.dtype.kind != "f":
            raise TypeError(f"nextafter: expected floating-point tensors, got dtype {t.dtype.name}")
    a, b = promote(a, b, "nextafter")
    try:
        y = a._backend.xp.nextafter(a._data, b._data)
    except ValueError:
        raise ValueError(f"nextafter: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together") \
            from None
    return make_tensor(y, a._backend)


# --- modified Bessel functions -------------------------------------------------------------------
_SERIES_TERMS = 60
_ASYMPTOTIC_TERMS = 30
_SWITCH = 20.0


def _bessel_i(xp, x, nu):
    """I_nu(x) for nu = 0 or 1 on an array, in its dtype: the power series (x/2)^nu sum_k (x^2/4)^k /
    (k! (k + nu)!) for |x| <= 20 (positive terms: no cancellation), and above it the asymptotic expansion
    e^|x| / sqrt(2 pi |x|) sum_k prod_{j<=k} ((2j - 1)^2 - 4 nu^2) / (8 j |x|), whose smallest term at
    |x| = 20 is below 1e-17 (e^x split in two halves so that no factor overflows before the result does).
    Both accurate to a few ulp in float64. I1 is odd: the sign of x is put back."""
    dt = x.dtype
    ax = xp.abs(x)
    small = ax <= _SWITCH
    xs = xp.where(small, ax, xp.zeros((), dtype=dt))
    q = xs * xs / dt.type(4)
    term = xp.ones(x.shape, dtype=dt)
    total = term
    for k in range(1, _SERIES_TERMS):
        term = term * q / dt.type(k * (k + nu))
        total = total + term
    series = total * (xs / dt.type(2)) if nu else total
    xl = xp.where(small, xp.full((), _SWITCH, dtype=dt), ax)
    mu = 4 * nu * nu
    term = xp.ones(x.shape, dtype=dt)
    total = term
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = term * (dt.type((2 * k - 1) ** 2 - mu) / (dt.type(8 * k) * xl))
        total = total + term
    with numpy.errstate(over="ignore", invalid="ignore"):  # beyond the dtype's range: inf, as PyTorch
        half = xp.exp(xl / dt.type(2))
        large = half * (half * total / xp.sqrt(dt.type(2 * math.pi) * xl))
    y = xp.where(small, series, large)
    if nu:
        y = xp.where(x < 0, -y, y)
    return y.astype(dt, copy=False)


class I0(Function):
    """y = I0(x) = sum_k (x^2/4)^k / (k!)^2;  dL/dx = gy I1(x)"""

    saves_inputs = True

    def forward(self, x):
        return _bessel_i(self.backend.xp, x, 0)

    def backward(self, gy):
        return gy * I1.apply(self.inputs[0])


class I1(Function):
    """y = I1(x) = (x/2) sum_k (x^2/4)^k / (k! (k+1)!);  dL/dx = gy (I0(x) - I1(x) / x), gy / 2 at x = 0"""

    saves_inputs = True

    def forward(self, x):
        self.y = _bessel_i(self.backend.xp, x, 1)
        return self.y

    def backward(self, gy):
        x = self.inputs[0]
        zero = x == 0
        slope = I0.apply(x) - self.output(self.y) / where(zero, 1.0, x)
        return gy * where(zero, 0.5, slope)


def i0(input):
    """I0(x), the modified Bessel function of the first kind of order 0 (integers give float32);
    dL/dx = dL/dy I1(x)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = x.to(dtype=dtypes.DEFAULT_FLOAT)
    return I0.apply(x)


def rsub(input, other, *, alpha=1):
    """y = other - alpha * input (``input`` a tensor, ``other`` a tensor or a number)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"rsub: input must be a Tensor, got {type(input).__name__}")
    return sub(other, input, alpha=alpha)


def unravel_index(indices, shape):
    """The coordinates (a tuple of int64 tensors of indices' shape) of flat row-major ``indices`` in an array of
    ``shape``: i // prod(shape[d+1:]) % shape[d] (Python's floor rules, so out-of-range indices wrap, as PyTorch)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (int(shape),)
    if not isinstance(shape, (tuple, list)) or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                                       for s in shape):
        raise TypeError(f"unravel_index: shape must be an int or a sequence of ints, got {shape!r}")
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"unravel_index: shape cannot have negative values, got {shape}")
    idx = as_tensor(indices)
    if idx._data.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: expected indices to be an integer tensor, got dtype {idx.dtype.name}")
    if idx._data.size and 0 in shape:
        raise ValueError(f"unravel_index: indices can't be unravelled into the empty shape {shape}")
    a = idx._data.astype(dtypes.int64, copy=False)
    out, coef = [], 1
    for s in reversed(shape):
        out.append(make_tensor((a // coef) % s if s else a * 0, idx._backend))
        coef *= s
    return tuple(reversed(out))


def mvlgamma(input, p):
    """The multivariate log-gamma function log Gamma_p(x) = p (p - 1) / 4 log(pi) + sum_{j=0}^{p-1}
    lgamma(x - j / 2), for x > (p - 1) / 2;  dL/dx = dL/dy sum_j digamma(x - j / 2)."""
    p = _int(p, "mvlgamma", "p")
    if p < 1:
        raise ValueError(f"mvlgamma: p has to be greater than or equal to 1, got {p}")
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = x.to(dtype=dtypes.DEFAULT_FLOAT)
    if x._data.size and bool(x._backend.to_host(x._backend.xp.any(~(x._data > (p - 1) / 2)))):
        raise ValueError(f"mvlgamma: all elements must be greater than (p - 1) / 2 = {(p - 1) / 2}")
    offsets = make_tensor(-x._backend.xp.arange(p, dtype=x._data.dtype) / x._data.dtype.type(2), x._backend)
    return add(_sum(lgamma(add(unsqueeze(x, -1), offsets)), -1), p * (p - 1) / 4 * math.log(math.pi))


# --- ranges and windows --------------------------------------------------------------------------
def _number(v, what, name):
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise ValueError(f"{what}: {name} must be a number or a one-element tensor, got shape {tuple(v.shape)}")
        return v.item()
    if not is_scalar(v):
        raise TypeError(f"{what}: {name} must be a number, got {type(v).__name__}")
    return v


def _finish(array, backend, requires_grad):
    t = make_tensor(array, backend)
    if requires_grad:
        t.requires_grad = True
    return t


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values base ** e for e evenly spaced from ``start`` to ``end`` inclusive (the exponents in the
    dtype, as PyTorch: start + step k for the first half, end - step (steps - 1 - k) for the rest)."""
    steps = _int(steps, "logspace", "steps")
    if steps < 0:
        raise ValueError(f"logspace: number of steps must be non-negative, got {steps}")
    start, end, base = (_number(v, "logspace", n) for v, n in ((start, "start"), (end, "end"), (base, "base")))
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    xp = backend.xp
    step_dt = dt if dt.kind == "f" else dtypes.float64
    if dt.kind == "f":
        lo, hi = step_dt.type(start), step_dt.type(end)
    else:
        lo, hi = step_dt.type(int(start)), step_dt.type(int(end))
    k = xp.arange(steps, dtype=step_dt)
    if steps == 1:
        exps = xp.full((1,), lo, dtype=step_dt)
    else:
        step = (hi - lo) / step_dt.type(max(steps - 1, 1))
        exps = xp.where(k < steps // 2, lo + step * k, hi - step * (step_dt.type(steps - 1) - k))
    values = xp.power(float(base), exps.astype(dtypes.float64))
    return _finish(values.astype(dt), backend, requires_grad)


def _window(name, window_length, periodic, dtype, device, requires_grad, fill):
    """The shared steps of the window functions: checks, N = window_length (+ 1 when periodic), the window
    ``fill(xp, k, N, dt)`` at k = 0 .. N - 1, and the last point dropped when periodic."""
    n = _int(window_length, name, "window_length")
    if n < 0:
        raise ValueError(f"{name}: requires a non-negative window_length, got {n}")
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{name}: expects a floating-point dtype, got {dt.name}")
    backend = get_backend("cpu" if device is None else device)
    xp = backend.xp
    if n <= 1:
        return _finish(xp.ones((n,), dtype=dt), backend, requires_grad)
    m = n + 1 if periodic else n
    w = fill(xp, xp.arange(m, dtype=dt), m, dt).astype(dt, copy=False)
    return _finish(w[:n] if periodic else w, backend, requires_grad)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False):
    """w[k] = alpha - beta cos(2 pi k / (N - 1)), k = 0 .. N - 1 (N = window_length + 1 when periodic, the last
    point then dropped)."""
    def fill(xp, k, m, dt):
        return xp.cos(k * dt.type(2 * math.pi / (m - 1))) * dt.type(-beta) + dt.type(alpha)

    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, fill)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """w[k] = 1/2 - 1/2 cos(2 pi k / (N - 1)) = sin^2(pi k / (N - 1)) (periodic: N = window_length + 1, the last
    point dropped)."""
    def fill(xp, k, m, dt):
        return xp.cos(k * dt.type(2 * math.pi / (m - 1))) * dt.type(-0.5) + dt.type(0.5)

    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, fill)


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """w[k] = 0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1)) (periodic: N = window_length + 1, the
    last point dropped)."""
    def fill(xp, k, m, dt):
        t = k * dt.type(math.pi / (m - 1))
        return xp.cos(t * dt.type(4)) * dt.type(0.08) - xp.cos(t * dt.type(2)) * dt.type(0.5) + dt.type(0.42)

    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, fill)


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """w[k] = 2 k / (N - 1) on the first half and 2 - 2 k / (N - 1) on the second, i.e. 1 - |2 k / (N - 1) - 1|
    (periodic: N = window_length + 1, the last point dropped)."""
    def fill(xp, k, m, dt):
        t = k * dt.type(2.0 / (m - 1))
        return xp.where(k < ((m - 1) >> 1) + 1, t, dt.type(2) - t)

    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, fill)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False):
    """w[k] = I0(beta sqrt(|1 - ((k - a) / a)^2|)) / I0(beta), a = (N - 1) / 2 (periodic: N = window_length + 1,
    the last point dropped)."""
    beta = float(_number(beta, "kaiser_window", "beta"))

    def fill(xp, k, m, dt):
        a = dt.type((m - 1) / 2.0)
        b = dt.type(beta)
        r = (k - a) / a
        arg = b * xp.sqrt(xp.abs(dt.type(1) - r * r))
        return _bessel_i(xp, arg, 0) / _bessel_i(xp, xp.full((1,), b, dtype=dt), 0)

    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, fill)

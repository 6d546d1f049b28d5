"""Elementwise specials, vector products and small queries: sinc, deg2rad, rad2deg, erfc, cross, dist,
is_tensor, numel, is_nonzero.

    sinc(x)     = sin(pi x) / (pi x), 1 at 0;   dL/dx = dL/dy (cos(pi x) - sinc(x)) / x, 0 at x = 0
    deg2rad(x)  = x pi / 180;  rad2deg(x) = x 180 / pi   (constant derivatives)
    erfc(x)     = 1 - erf(x), for x >= 2 by its continued fraction
                  exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))
                  (so it keeps full relative precision in the far tail);  dL/dx = -dL/dy 2 / sqrt(pi) exp(-x^2)
    cross(a, b) = a x b along a dim of size 3: (a2 b3 - a3 b2, a3 b1 - a1 b3, a1 b2 - a2 b1);
                  dL/da = b x dL/dy,  dL/db = dL/dy x a  (it is composed of slices, products and cat)
    dist(a, b, p) = the p-norm of a - b (broadcast), through ``norm`` (p = 0, inf, -inf and any p > 0)
"""

import math
import numbers

import numpy

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, promote
from .join import cat
from .reduce import norm
from .stacking import broadcast_tensors
from .unary import _float_op, exp, where


class Sinc(Function):
    """y = sin(pi x) / (pi x) (1 at x = 0);  dL/dx = gy (cos(pi x) - y) / x.

    The trigonometric arguments are reduced exactly first: x = n + d with n = round(x), |d| <= 1/2, and
    sin(pi x) = (-1)^n sin(pi d), cos(pi x) = (-1)^n sin(pi (1/2 - |d|)) (pi x itself rounds: near
    x = 1 + 1e-8 that cost 9 digits, and past 2^53 the sign; so sinc is exactly 0 at whole numbers).
    For |x| < 1/2, where cos(pi x) - y cancels (to 0 at x = 1e-16), the slope is its Taylor series
    2 pi^2 x sum_k (-1)^k k z^(k-1) / (2k + 1)!, z = (pi x)^2, 12 terms. The
    backward is written with Tensor ops: gradients of every order."""

    saves_inputs = True

    def forward(self, x):
        xp = self.backend.xp
        n = xp.round(x)
        sign = 1.0 - 2.0 * xp.abs(xp.fmod(n, 2.0))
        with numpy.errstate(invalid="ignore", divide="ignore"):
            y = sign * xp.sin((x - n) * math.pi) / (x * math.pi)
        return xp.where(x == 0, xp.ones((), dtype=x.dtype), y).astype(x.dtype, copy=False)

    def backward(self, gy):
        from .unary import abs as abs_
        from .unary import sin

        x = self.inputs[0]
        xp = self.backend.xp
        near = abs_(x) < 0.5
        xs = where(near, x, 0.0)
        z = xs * xs * math.pi ** 2
        series = _SINC_SLOPE[-1]
        for c in _SINC_SLOPE[-2::-1]:
            series = z * series + c
        series = xs * series * (2.0 * math.pi ** 2)
        xf = where(near, 1.0, x)
        n = xf.detach().round()
        sign = make_tensor((1.0 - 2.0 * xp.abs(xp.fmod(n._data, 2.0))).astype(x.dtype, copy=False), self.backend)
        d = xf - n
        # cos(pi d) as sin(pi (1/2 - |d|)): exactly 0 at |d| = 1/2 (cos(pi / 2) is 6e-17 in floating point)
        far = sign * (sin((0.5 - abs_(d)) * math.pi) - sin(d * math.pi) / (xf * math.pi)) / xf
        return gy * where(near, series, far)


# the Taylor coefficients of sinc'(x) / (2 pi^2 x) in z = (pi x)^2: (-1)^k k / (2k + 1)!, k = 1..12
_SINC_SLOPE = [(-1) ** k * k / math.factorial(2 * k + 1) for k in range(1, 13)]


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x) (a continued fraction for x >= 2);  dL/dx = -gy 2 / sqrt(pi) exp(-x^2)"""

    saves_inputs = True
    TERMS = 60  # the continued fraction's depth: relative error below 1e-15 for every x >= 2

    def forward(self, x):
        xp = self.backend.xp
        near = 1.0 - self.backend.erf(x)
        t = xp.maximum(x, 2.0)
        tail = t
        for k in range(self.TERMS, 0, -1):
            tail = t + (0.5 * k) / tail
        far = xp.exp(-t * t) / (math.sqrt(math.pi) * tail)
        return xp.where(x >= 2.0, far, near).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (exp(-(x * x)) * (-2.0 / math.sqrt(math.pi)))


sinc = _float_op(Sinc, "sinc")
erfc = _float_op(Erfc, "erfc")


def deg2rad(input):
    """Degrees to radians: x pi / 180 (integer tensors give float32, as PyTorch)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = x.to(dtype=dtypes.DEFAULT_FLOAT)
    return x * (math.pi / 180.0)


def rad2deg(input):
    """Radians to degrees: x 180 / pi (integer tensors give float32)."""
    x = as_tensor(input)
    if x._data.dtype.kind != "f":
        x = x.to(dtype=dtypes.DEFAULT_FLOAT)
    return x * (180.0 / math.pi)


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (torch.linalg.cross when dim is given: the inputs
    broadcast, and dim must have size 3 in both). Without ``dim``, as torch.cross's default: the first
    dim of size 3 of ``input``."""
    a = as_tensor(input)
    b = as_tensor(other, like=a)
    if dim is None:
        sizes = list(a.shape)
        if 3 not in sizes:
            raise ValueError(f"cross: no dimension of size 3 in input of shape {tuple(a.shape)}; pass dim")
        dim = sizes.index(3)
    if a.ndim != b.ndim:
        raise ValueError(f"cross: the inputs must have the same number of dimensions, got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"cross: dim must be an int, got {dim!r}")
    if not -a.ndim <= dim < a.ndim or a.ndim == 0:
        raise IndexError(f"cross: dim {dim} is out of range for shapes {tuple(a.shape)} and {tuple(b.shape)}")
    axis = dim % a.ndim
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise ValueError(f"cross: dimension {dim} must have size 3 in both inputs, got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    a, b = promote(a, b, "cross")
    try:
        a, b = broadcast_tensors(a, b)
    except ValueError:
        raise ValueError(f"cross: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast together") from None
    lead = (slice(None),) * axis

    def part(t, i):
        return t[lead + (slice(i, i + 1),)]

    a1, a2, a3 = (part(a, i) for i in range(3))
    b1, b2, b3 = (part(b, i) for i in range(3))
    return cat([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], axis)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast) as a 0-d tensor: (sum |a - b|^p)^(1/p), the number of
    differing entries for p = 0, the largest (smallest) |a - b| for p = inf (-inf)."""
    a = as_tensor(input)
    b = as_tensor(other, like=a)
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"dist: p must be a number, got {p!r}")
    if p < 0 and p != float("-inf"):
        raise ValueError(f"dist: p must be non-negative (or -inf), got {p!r}")
    if a._data.dtype.kind != "f" or b._data.dtype.kind != "f":
        raise TypeError(f"dist: expected floating-point tensors, got dtypes {a.dtype.name} and {b.dtype.name}")
    return norm(a - b, p)


def is_tensor(obj):
    """True when ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of entries of ``input`` (a Python int)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: expected a tensor, got {type(input).__name__}")
    return input.numel()


def is_nonzero(input):
    """Whether the one entry of a one-element tensor is nonzero (a Python bool; reads it from the device).
    A tensor of any other size raises, as PyTorch."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero: expected a tensor, got {type(input).__name__}")
    n = input.numel()
    if n != 1:
        raise RuntimeError(f"is_nonzero: expected a tensor with exactly one entry, got shape {tuple(input.shape)} "
                           f"({n} entries): the truth value of {'an empty tensor' if n == 0 else 'several'} "
                           f"is ambiguous")
    return bool(input._data.reshape(()) != 0)

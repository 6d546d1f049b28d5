"""More elementwise functions: inverse and hyperbolic trigonometry, log2, log10, exp2, atan2 and lerp.
Each docstring gives y = f(x) and dL/dx; each derivative is built from differentiable ops, so every
order of gradient follows."""

import math

from ..function import Function
from ._util import apply_float_binary, as_tensor
from .shape import sum_to
from .unary import _float_op, sqrt


class _Elementwise(Function):
    """y = f(x) for a NumPy/CuPy function named ``fname``;  dL/dx = gy * f'(x), with f' given by the
    subclass's ``derivative`` (built from differentiable ops, so higher orders follow)."""

    saves_inputs = True
    fname = None

    def forward(self, x):
        return getattr(self.backend.xp, self.fname)(x)

    def backward(self, gy):
        return gy * self.derivative(self.inputs[0])


class Asin(_Elementwise):
    """y = asin(x);  dL/dx = gy / sqrt((1 - x)(1 + x))  (1 - x^2 cancels near |x| = 1)"""

    fname = "arcsin"

    def derivative(self, x):
        return 1.0 / sqrt((1.0 - x) * (1.0 + x))


class Acos(_Elementwise):
    """y = acos(x);  dL/dx = -gy / sqrt((1 - x)(1 + x))"""

    fname = "arccos"

    def derivative(self, x):
        return -1.0 / sqrt((1.0 - x) * (1.0 + x))


class Atan(_Elementwise):
    """y = atan(x);  dL/dx = gy / (1 + x^2)"""

    fname = "arctan"

    def derivative(self, x):
        return 1.0 / (x * x + 1.0)


class Sinh(_Elementwise):
    """y = sinh(x);  dL/dx = gy * cosh(x)"""

    fname = "sinh"

    def derivative(self, x):
        return cosh(x)


class Cosh(_Elementwise):
    """y = cosh(x);  dL/dx = gy * sinh(x)"""

    fname = "cosh"

    def derivative(self, x):
        return sinh(x)


class Asinh(_Elementwise):
    """y = asinh(x);  dL/dx = gy / hypot(x, 1)  (x^2 + 1 overflows above |x| = 1.3e154)"""

    fname = "arcsinh"

    def derivative(self, x):
        from .more import hypot

        return 1.0 / hypot(x, 1.0)


class Acosh(_Elementwise):
    """y = acosh(x) (x >= 1);  dL/dx = gy / (sqrt(x - 1) sqrt(x + 1))  (x^2 - 1 cancels near x = 1 and
    overflows above 1.3e154)"""

    fname = "arccosh"

    def derivative(self, x):
        return 1.0 / (sqrt(x - 1.0) * sqrt(x + 1.0))


class Atanh(_Elementwise):
    """y = atanh(x) (|x| < 1);  dL/dx = gy / ((1 - x)(1 + x))"""

    fname = "arctanh"

    def derivative(self, x):
        return 1.0 / ((1.0 - x) * (1.0 + x))


class Log2(_Elementwise):
    """y = log2(x);  dL/dx = gy / (x ln 2)"""

    fname = "log2"

    def derivative(self, x):
        return 1.0 / (x * math.log(2.0))


class Log10(_Elementwise):
    """y = log10(x);  dL/dx = gy / (x ln 10)"""

    fname = "log10"

    def derivative(self, x):
        return 1.0 / (x * math.log(10.0))


class Exp2(Function):
    """y = 2^x;  dL/dx = gy * y ln 2"""

    def forward(self, x):
        self.y = self.backend.xp.exp2(x)
        return self.y

    def backward(self, gy):
        return gy * (self.output(self.y) * math.log(2.0))


class Atan2(Function):
    """y = atan2(a, b), the angle of the point (b, a);  dL/da = gy b / r^2, dL/db = -gy a / r^2, r = hypot(a, b)
    (taken as (b / r) / r: a^2 + b^2 overflows or underflows where r does not)"""

    saves_inputs = True

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return self.backend.xp.arctan2(a, b)

    def backward(self, gy):
        from .more import hypot

        a, b = self.inputs
        r = hypot(a, b)
        ga = sum_to(gy * (b / r) / r, self.sa) if self._next[0] is not None else None
        gb = sum_to(-gy * (a / r) / r, self.sb) if self._next[1] is not None else None
        return ga, gb


asin = arcsin = _float_op(Asin, "asin")
acos = arccos = _float_op(Acos, "acos")
atan = arctan = _float_op(Atan, "atan")
sinh = _float_op(Sinh, "sinh")
cosh = _float_op(Cosh, "cosh")
asinh = arcsinh = _float_op(Asinh, "asinh")
acosh = arccosh = _float_op(Acosh, "acosh")
atanh = arctanh = _float_op(Atanh, "atanh")
log2 = _float_op(Log2, "log2")
log10 = _float_op(Log10, "log10")
exp2 = _float_op(Exp2, "exp2")


def atan2(input, other):
    """The angle (radians, in (-pi, pi]) of the point (other, input): atan(input / other) in the right
    quadrant. Either may be a number; broadcasts."""
    return apply_float_binary(Atan2, input, other, "atan2")


arctan2 = atan2


def lerp(input, end, weight):
    """input + weight (end - input): the linear interpolation between input and end (weight a number or
    a tensor; gradients to all three)."""
    input = as_tensor(input)
    return input + weight * (as_tensor(end, like=input) - input)

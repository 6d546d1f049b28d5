"""Arithmetic: + - * / // ** and unary minus, between tensors or with a Python scalar.

Broadcasting is undone in every backward with ``sum_to``. A Python scalar operand is folded into
the op as a constant (``x * 2.0`` is one MulScalar node, not a tensor of 2.0); NumPy arrays and
lists on either side become tensors on the other operand's device.
"""

import math

from .. import dtypes
from ..function import Function
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, broadcast_error, is_scalar, promote, zero_grad_of
from .shape import sum_to


def _binary(fn, a, b, what):
    a, b = promote(a, b, what)
    try:
        return fn.apply(a, b)
    except ValueError as exc:
        if a._data.shape != b._data.shape and "broadcast" in str(exc):
            raise broadcast_error(what, a._data.shape, b._data.shape) from None
        raise


def _py(c):
    """A NumPy scalar as the Python number it holds, so it promotes as a Python scalar (PyTorch's rule:
    float32 tensor * numpy.float64(2) stays float32)."""
    return c.item() if hasattr(c, "item") else c


def _scalar_cast(x, c):
    """(x cast to the dtype of ``x op c``, c as a Python number)."""
    c = _py(c)
    dt = dtypes.scalar_result_type(x._data.dtype, c)
    return (x if dt == x._data.dtype else x.to(dtype=dt)), c


# --- tensor (op) tensor ------------------------------------------------------------------------
class Add(Function):
    """y = a + b;  dL/da = sum_to(gy, a.shape), dL/db = sum_to(gy, b.shape)"""

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a + b

    def backward(self, gy):
        return sum_to(gy, self.sa), sum_to(gy, self.sb)


class Sub(Function):
    """y = a - b;  dL/da = sum_to(gy, a.shape), dL/db = -sum_to(gy, b.shape)"""

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        return a - b

    def backward(self, gy):
        return sum_to(gy, self.sa), -sum_to(gy, self.sb)


class Mul(Function):
    """y = a * b;  dL/da = sum_to(gy * b), dL/db = sum_to(gy * a)"""

    saves_inputs = True

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b, a._data.shape) if self._next[0] is not None else None
        gb = sum_to(gy * a, b._data.shape) if self._next[1] is not None else None
        return ga, gb


class Div(Function):
    """y = a / b;  dL/da = sum_to(gy / b), dL/db = sum_to(-gy * a / b^2)"""

    saves_inputs = True

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        gya = gy / b
        if self._next[0] is not None:
            ga = sum_to(gya, a._data.shape)
        if self._next[1] is not None:
            gb = sum_to(-gya * a / b, b._data.shape)
        return ga, gb


class Pow(Function):
    """y = a ** b;  dL/da = sum_to(gy * b * a^(b-1)), dL/db = sum_to(gy * y * log(a))

    At a = 0 the gradient for b is taken as 0 (the limit of a^b log a for b > 0), as in PyTorch.
    """

    saves_inputs = True

    def forward(self, a, b):
        self.y = a ** b
        return self.y

    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        if self._next[0] is not None:
            ga = sum_to(gy * b * a ** (b - 1), a._data.shape)
        if self._next[1] is not None:
            from .unary import log, where

            safe_a = where(a == 0, 1.0, a)
            gb = sum_to(gy * self.output(self.y) * log(safe_a), b._data.shape)
        return ga, gb


# --- tensor (op) scalar ------------------------------------------------------------------------
class AddScalar(Function):
    """y = x + c;  dL/dx = gy"""

    def forward(self, x, c):
        return x + c

    def backward(self, gy):
        return gy


class MulScalar(Function):
    """y = x * c;  dL/dx = gy * c"""

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, gy):
        return gy * self.c


class DivScalar(Function):
    """y = x / c;  dL/dx = gy / c"""

    def forward(self, x, c):
        self.c = c
        return x / c

    def backward(self, gy):
        return gy / self.c


class RSubScalar(Function):
    """y = c - x;  dL/dx = -gy"""

    def forward(self, x, c):
        return c - x

    def backward(self, gy):
        return -gy


class RDivScalar(Function):
    """y = c / x;  dL/dx = -gy * c / x^2 = -gy * y / x"""

    saves_inputs = True

    def forward(self, x, c):
        self.y = c / x
        return self.y

    def backward(self, gy):
        return -gy * self.output(self.y) / self.inputs[0]


class PowScalar(Function):
    """y = x ** c;  dL/dx = gy * c * x^(c-1)"""

    saves_inputs = True

    def forward(self, x, c):
        self.c = c
        return x ** c

    def backward(self, gy):
        c = self.c
        if c == 0:
            return zero_grad_of(gy)
        if c == 1:
            return gy
        if c == 2:
            return gy * (2.0 * self.inputs[0])
        return gy * (c * self.inputs[0] ** (c - 1))


class RPowScalar(Function):
    """y = c ** x;  dL/dx = gy * y * log(c)  (0 where c = 0 and x >= 0, as in PyTorch)"""

    def forward(self, x, c):
        xp = self.backend.xp
        self.y = xp.power(x.dtype.type(c), x)
        if c > 0:
            self.logc = math.log(c)
        elif c < 0:
            self.logc = float("nan")
        elif x.dtype.kind == "f":  # c == 0: log(0) = -inf, but y log(c) is taken as 0 where y = 0 ** x is 0 or 1
            self.logc = make_tensor(xp.where(x >= 0, 0, -xp.inf).astype(x.dtype), self.backend)
        return self.y

    def backward(self, gy):
        return gy * self.output(self.y) * self.logc


class Neg(Function):
    """y = -x;  dL/dx = -gy"""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class FloorDivide(Function):
    """y = floor(a / b); not differentiable (its derivative is zero almost everywhere)."""

    differentiable = False

    def forward(self, a, b):
        return self.backend.xp.floor_divide(a, b)


# --- the public functions --------------------------------------------------------------------
def add(a, b, alpha=1):
    """``a + alpha * b``."""
    if alpha != 1:
        b = mul(b, alpha)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _binary(Add, a, b, "add")
        if is_scalar(b):
            x, c = _scalar_cast(a, b)
            return AddScalar.apply(x, c=c)
        return _binary(Add, a, as_tensor(b, a), "add")
    if isinstance(b, Tensor):
        return add(b, a) if is_scalar(a) else _binary(Add, as_tensor(a, b), b, "add")
    return add(as_tensor(a), b)


def sub(a, b, alpha=1):
    """``a - alpha * b``."""
    if alpha != 1:
        b = mul(b, alpha)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _binary(Sub, a, b, "sub")
        if is_scalar(b):
            x, c = _scalar_cast(a, b)
            return AddScalar.apply(x, c=-c)
        return _binary(Sub, a, as_tensor(b, a), "sub")
    if isinstance(b, Tensor):
        if is_scalar(a):
            x, c = _scalar_cast(b, a)
            return RSubScalar.apply(x, c=c)
        return _binary(Sub, as_tensor(a, b), b, "sub")
    return sub(as_tensor(a), b)


def mul(a, b):
    """``a * b`` elementwise, with broadcasting."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _binary(Mul, a, b, "mul")
        if is_scalar(b):
            x, c = _scalar_cast(a, b)
            return MulScalar.apply(x, c=c)
        return _binary(Mul, a, as_tensor(b, a), "mul")
    if isinstance(b, Tensor):
        return mul(b, a) if is_scalar(a) else _binary(Mul, as_tensor(a, b), b, "mul")
    return mul(as_tensor(a), b)


def _float_for_div(x):
    return x if x._data.dtype.kind == "f" else x.to(dtype=dtypes.DEFAULT_FLOAT)


def div(a, b):
    """``a / b`` (true division: integer tensors give float32, as in PyTorch)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            a, b = promote(a, b, "div")
            return _binary(Div, _float_for_div(a), _float_for_div(b), "div")
        if is_scalar(b):
            return DivScalar.apply(_float_for_div(a), c=_py(b))
        return div(a, as_tensor(b, a))
    if isinstance(b, Tensor):
        if is_scalar(a):
            return RDivScalar.apply(_float_for_div(b), c=_py(a))
        return div(as_tensor(a, b), b)
    return div(as_tensor(a), b)


def floor_divide(a, b):
    """``a // b`` (floor division; no gradient)."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = as_tensor(b, a).to(dtype=dtypes.scalar_result_type(a.dtype, b)) if is_scalar(b) else as_tensor(b, a)
    a, b = promote(a, b, "floor_divide")
    return _binary(FloorDivide, a, b, "floor_divide")


def remainder(a, b):
    """``a % b`` with the sign of ``b`` (Python's and PyTorch's convention): a - floor(a/b) * b."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None)
    return sub(a, mul(floor_divide(a, b), b))


def pow(a, b):
    """``a ** b`` elementwise."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _binary(Pow, a, b, "pow")
        if is_scalar(b):
            x, c = _scalar_cast(a, b)
            if x._data.dtype.kind in "iub" and isinstance(c, int) and c < 0:
                raise ValueError(f"pow: integers to negative integer powers are not allowed (got exponent {c})")
            return PowScalar.apply(x, c=c)
        return _binary(Pow, a, as_tensor(b, a), "pow")
    if isinstance(b, Tensor):
        if is_scalar(a):
            x, c = _scalar_cast(b, a)
            return RPowScalar.apply(x, c=c)
        return _binary(Pow, as_tensor(a, b), b, "pow")
    return pow(as_tensor(a), b)


def neg(x):
    """``-x``."""
    if x._data.dtype.kind == "b":
        raise TypeError("neg: negation of a bool tensor is not supported; use logical_not")
    return Neg.apply(x)

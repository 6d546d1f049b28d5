"""Comparisons and logical operations: no gradient, bool results."""

from ..function import Function
from ..tensor import Tensor
from ._util import as_tensor, broadcast_error, is_scalar, promote


class _Compare(Function):
    differentiable = False
    op = None

    def forward(self, a, b):
        return getattr(self.backend.xp, self.op)(a, b)


class _CompareScalar(Function):
    differentiable = False

    def forward(self, a, op, c):
        return getattr(self.backend.xp, op)(a, c)


def _make(name, op):
    cls = type(name, (_Compare,), {"op": op, "__doc__": f"y = {op}(a, b) elementwise (bool, no gradient)"})

    def compare(a, b):
        if not isinstance(a, Tensor):
            if isinstance(b, Tensor) and is_scalar(a):
                return _MIRROR[op](b, a)
            a = as_tensor(a, b if isinstance(b, Tensor) else None)
        if not isinstance(b, Tensor):
            if is_scalar(b):  # a NumPy scalar counts as a Python one (compared in a's dtype, as PyTorch)
                return _CompareScalar.apply(a, op=op, c=b.item() if hasattr(b, "item") else b)
            b = as_tensor(b, a)
        a, b = promote(a, b, op)
        try:
            return cls.apply(a, b)
        except ValueError:
            raise broadcast_error(op, a.shape, b.shape) from None

    compare.__name__ = compare.__qualname__ = op
    compare.__doc__ = f"``{op}(a, b)``: elementwise, a bool tensor (no gradient)."
    return compare


eq = _make("Eq", "equal")
ne = _make("Ne", "not_equal")
lt = _make("Lt", "less")
le = _make("Le", "less_equal")
gt = _make("Gt", "greater")
ge = _make("Ge", "greater_equal")
logical_and = _make("LogicalAnd", "logical_and")
logical_or = _make("LogicalOr", "logical_or")
logical_xor = _make("LogicalXor", "logical_xor")
_bitwise_and = _make("BitwiseAnd", "bitwise_and")
_bitwise_or = _make("BitwiseOr", "bitwise_or")
_bitwise_xor = _make("BitwiseXor", "bitwise_xor")


def _bitwise(op, symbol, base):
    def bitwise(a, b):
        for t in (a, b):
            kind = t._data.dtype.kind if isinstance(t, Tensor) else ("f" if isinstance(t, float) else "i")
            if kind not in "biu":
                what = t.dtype.name if isinstance(t, Tensor) else f"the number {t!r}"
                raise TypeError(f"{symbol} ({op}) is only defined for bool and integer tensors, got {what}")
        return base(a, b)

    bitwise.__name__ = bitwise.__qualname__ = op
    bitwise.__doc__ = f"``a {symbol} b``: logical for bool tensors, bitwise for integers (no gradient)."
    return bitwise


bitwise_and = _bitwise("bitwise_and", "&", _bitwise_and)
bitwise_or = _bitwise("bitwise_or", "|", _bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", "^", _bitwise_xor)
_MIRROR = {"equal": eq, "not_equal": ne, "less": gt, "less_equal": ge, "greater": lt, "greater_equal": le,
           "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
           "bitwise_and": _bitwise_and, "bitwise_or": _bitwise_or, "bitwise_xor": _bitwise_xor}
for _f, _n in ((eq, "eq"), (ne, "ne"), (lt, "lt"), (le, "le"), (gt, "gt"), (ge, "ge")):
    _f.__name__ = _n


class LogicalNot(Function):
    """y = not x (bool, no gradient)"""

    differentiable = False

    def forward(self, x):
        return self.backend.xp.logical_not(x)


def logical_not(x):
    return LogicalNot.apply(x)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol |b| elementwise (a bool tensor), as torch.isclose: infinities are close
    only to themselves, and NaN to NaN only with ``equal_nan``."""
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None)
    if not isinstance(b, Tensor):
        b = as_tensor(b, a)
    a, b = promote(a, b, "isclose")
    return _IsClose.apply(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


class _IsClose(Function):
    differentiable = False

    def forward(self, a, b, rtol, atol, equal_nan):
        return self.backend.xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def bitwise_not(x):
    """``~x``: logical not for bool tensors, bitwise not for integers."""
    if x._data.dtype.kind == "f":
        raise TypeError(f"~ (bitwise_not) is only defined for bool and integer tensors, got {x.dtype.name}")
    return _Invert.apply(x)


class _Invert(Function):
    differentiable = False

    def forward(self, x):
        return self.backend.xp.invert(x)


class IsNan(Function):
    differentiable = False

    def forward(self, x):
        return self.backend.xp.isnan(x)


class IsFinite(Function):
    differentiable = False

    def forward(self, x):
        return self.backend.xp.isfinite(x)


class IsInf(Function):
    differentiable = False

    def forward(self, x):
        return self.backend.xp.isinf(x)


def isnan(x):
    return IsNan.apply(x)


def isfinite(x):
    return IsFinite.apply(x)


def isinf(x):
    return IsInf.apply(x)


class _Reduce(Function):
    differentiable = False

    def forward(self, x, op, axis, keepdims):
        return getattr(x.astype(bool), op)(axis=axis, keepdims=keepdims)


def all(x, dim=None, keepdim=False):
    """True where every element (along ``dim``) is nonzero."""
    return _Reduce.apply(x, op="all", axis=dim, keepdims=keepdim)


def any(x, dim=None, keepdim=False):
    """True where some element (along ``dim``) is nonzero."""
    return _Reduce.apply(x, op="any", axis=dim, keepdims=keepdim)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every ``|a - b| <= atol + rtol * |b|`` (a Python bool, as in PyTorch)."""
    b = as_tensor(b, a) if not isinstance(b, Tensor) else b
    xp = a._backend.xp
    return bool(xp.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b):
    """True when ``a`` and ``b`` have the same shape and elements (a Python bool)."""
    return a.shape == b.shape and bool(a._backend.xp.array_equal(a._data, b._data))

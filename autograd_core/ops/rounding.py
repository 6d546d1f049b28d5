"""Rounding and cleaning of values: round, floor, ceil, trunc (zero gradient, as PyTorch defines it),
frac = x - trunc(x) (gradient 1) and nan_to_num (gradient 1 where x is finite, 0 where it was replaced)."""

from ..function import Function
from ..tensor import make_tensor
from ._util import as_tensor, zero_grad_of


# --- rounding ------------------------------------------------------------------------------------
class Rounding(Function):
    """y = round / floor / ceil / trunc of x;  dL/dx = 0 (the functions are flat between their jumps)"""

    def forward(self, x, how, decimals):
        xp = self.backend.xp
        if how == "round":
            return xp.round(x, decimals)
        return getattr(xp, how)(x)

    def backward(self, gy):
        return zero_grad_of(gy)


def _rounding(how, doc):
    def op(x, decimals=0):
        x = as_tensor(x)
        if x._data.dtype.kind in "biu" and not (how == "round" and decimals < 0):
            return x  # integers are their own floor, ceil, trunc and round (PyTorch returns them as they are)
        return Rounding.apply(x, how=how, decimals=int(decimals))

    op.__name__ = op.__qualname__ = how
    op.__doc__ = doc
    return op


round = _rounding("round", "Round to the nearest integer (or to ``decimals`` places; halves to even, as PyTorch "
                           "does); zero gradient.")
floor = _rounding("floor", "The largest integer <= x, elementwise (zero gradient).")
ceil = _rounding("ceil", "The smallest integer >= x, elementwise (zero gradient).")
trunc = _rounding("trunc", "x rounded towards zero, elementwise (zero gradient).")
fix = trunc


def frac(x):
    """x - trunc(x): the fractional part, with the sign of x;  dL/dx = dL/dy."""
    return x - trunc(x)


class NanToNum(Function):
    """y = x with NaN, +inf and -inf replaced by given numbers;  dL/dx = dL/dy where x is finite, else 0"""

    def forward(self, x, nan, posinf, neginf):
        xp = self.backend.xp
        self.finite = xp.isfinite(x)
        return xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, gy):
        from .unary import where

        return where(make_tensor(self.finite, self.backend), gy, 0.0)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (the dtype's largest and
    smallest finite values by default)."""
    x = as_tensor(x)
    if x._data.dtype.kind != "f":
        return x
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)

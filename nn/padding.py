"""Padding layers: ZeroPad1d/2d, ConstantPad1d/2d, ReflectionPad1d/2d, ReplicationPad1d/2d,
CircularPad1d/2d (PyTorch's constructors and reprs), each a fixed call of ``F.pad``.

``padding`` is an int (the same on every side) or a tuple (left, right) for 1-D, (left, right, top,
bottom) for 2-D. With x padded to y, dL/dx is dL/dy cropped to x's place plus, for the reflect,
replicate and circular modes, the border gradients added back where each border entry was copied from.
"""

import numbers

from .functional import pad
from .module import Module


def _padding(padding, nd, name):
    n = 2 * nd
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * n
    if isinstance(padding, (tuple, list)) and len(padding) == n and all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in padding):
        return tuple(int(p) for p in padding)
    sides = "(left, right)" if nd == 1 else "(left, right, top, bottom)"
    raise ValueError(f"{name}: padding must be an int or a {n}-tuple of ints {sides}, got {padding!r}")


class _PadNd(Module):
    mode = "constant"
    nd = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self.nd, type(self).__name__)

    def _check(self, input):
        if self.mode != "constant" and input.ndim not in (self.nd + 1, self.nd + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self.nd + 1}-D (unbatched) or {self.nd + 2}-D "
                             f"(batched) input, got shape {tuple(input.shape)}")
        if input.ndim < self.nd:
            raise ValueError(f"{type(self).__name__}: expected an input of at least {self.nd} dimensions, got "
                             f"shape {tuple(input.shape)}")

    def forward(self, input):
        self._check(input)
        try:
            return pad(input, self.padding, mode=self.mode, value=getattr(self, "value", 0.0))
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__}(padding={self.padding}): {exc}") from None

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """y = x with ``value`` added at the start and end of the last dim (a negative width crops).
    dL/dx = dL/dy cropped back to x's place."""


class ConstantPad2d(_ConstantPadNd):
    """y = x with ``value`` added around the last two dims: padding (left, right, top, bottom).
    dL/dx = dL/dy cropped back to x's place."""

    nd = 2


class ZeroPad1d(ConstantPad1d):
    """``ConstantPad1d`` with value 0."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """``ConstantPad2d`` with value 0."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """y[..., i] = x[..., reflect(i - left)]: the border mirrored without repeating the edge
    (x = a b c d, padding 2: c b a b c d c b); each width must be smaller than the input's length.
    dL/dx: dL/dy added back to the entries each output copies."""

    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """2-D ``ReflectionPad1d`` over the last two dims: padding (left, right, top, bottom)."""

    nd = 2


class ReplicationPad1d(_PadNd):
    """y[..., i] = x[..., clamp(i - left, 0, L - 1)]: the edge entries repeated (a b c, padding 2:
    a a a b c c c). dL/dx: the border gradients summed into the edges."""

    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """2-D ``ReplicationPad1d`` over the last two dims: padding (left, right, top, bottom)."""

    nd = 2


class CircularPad1d(_PadNd):
    """y[..., i] = x[..., (i - left) mod L]: the input wrapped around (a b c, padding 2: b c a b c a b);
    each width at most L. dL/dx: the border gradients added to the entries they wrapped from."""

    mode = "circular"


class CircularPad2d(CircularPad1d):
    """2-D ``CircularPad1d`` over the last two dims: padding (left, right, top, bottom)."""

    nd = 2

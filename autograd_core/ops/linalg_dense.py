"""Dense linear algebra on (batches of) square matrices: det, inverse, slogdet, logdet, solve, matrix_power.

Each is a Function whose forward is the backend's ``xp.linalg`` routine (NumPy on the CPU, CuPy on a
GPU) and whose backward is written with Tensor ops (matmul, inverse, solve), so every one has
gradients of every order. ^T is the transpose of the last two dims, ``inv`` the matrix inverse:

    det:        y = det(A)               dL/dA = g y inv(A)^T
    inverse:    Y = inv(A)               dL/dA = -Y^T g Y^T
    slogdet:    (s, l) = (sign, log|det A|)    dL/dA = g_l inv(A)^T   (s has no gradient)
    solve:      X = inv(A) B             G_B = solve(A^T, G),  G_A = -G_B X^T   (left=False: X A = B as A^T X^T = B^T)

Leading dims are batch dims (solve broadcasts them between A and B). Singular matrices: ``inverse``
and ``solve`` raise ``LinAlgError`` (a RuntimeError, as torch's) where the backend reports one (NumPy
does; CuPy, by default, returns inf/NaN without a check, which would need a device -> host
synchronisation). ``det`` and ``slogdet`` of a singular matrix are 0 and (0, -inf) as usual, but
their gradient there is not supported (it needs the adjugate): the backward raises ``LinAlgError``.
"""

import collections
import numbers

import numpy

from ..function import Function
from ._util import as_tensor, promote, zero_grad_of
from .linalg import matmul
from .shape import mT, reshape, sum_to, unsqueeze

SlogdetResult = collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])

_FLOATS = ("float32", "float64")


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed (a singular matrix), as ``torch.linalg.LinAlgError``."""


def _singular(what, shape, err=None):
    why = f" ({err})" if err is not None else ""
    return LinAlgError(f"{what}: the input matrix of shape {tuple(shape)} is singular (or a matrix in the batch "
                       f"is){why}; it has no inverse")


def _matrix(A, what, square=False, allow_int=False):
    """``A`` as a Tensor of at least 2 dims (whose last two are equal where ``square``), of a float dtype unless
    ``allow_int``, or an error naming it."""
    A = as_tensor(A)
    shape = tuple(A._data.shape)
    if len(shape) < 2:
        raise ValueError(f"{what}: the input must have at least 2 dimensions (a matrix or a batch of matrices), "
                         f"got shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise ValueError(f"{what}: expected a batch of square matrices, got shape {shape} "
                         f"({shape[-2]} x {shape[-1]} matrices)")
    if not allow_int and A._data.dtype.name not in _FLOATS:
        raise TypeError(f"{what}: expected a float32 or float64 tensor, got dtype {A._data.dtype.name}")
    return A


def _square(A, what, allow_int=False):
    """``A`` as a Tensor of square matrices (see ``_matrix``)."""
    return _matrix(A, what, square=True, allow_int=allow_int)


def _call(what, fn, *arrays):
    try:
        return fn(*arrays)
    except numpy.linalg.LinAlgError as err:  # CuPy's LinAlgError is NumPy's
        raise _singular(what, arrays[0].shape, err) from None


class Inverse(Function):
    """Y = inv(A);  dL/dA = -Y^T g Y^T."""

    def forward(self, a):
        self.y = _call("inverse", self.backend.xp.linalg.inv, a)
        return self.y

    def backward(self, gy):
        yt = mT(self.output(self.y))
        return -matmul(matmul(yt, gy), yt)


def _inverse_or_raise(A, what):
    """inv(A) as a Tensor op, for a backward; a singular A gives an error that says its gradient is unsupported."""
    try:
        return Inverse.apply(A)
    except LinAlgError:
        raise LinAlgError(f"{what}: the gradient at a singular matrix (shape {tuple(A.shape)}) is not supported; "
                          f"it would need the adjugate") from None


def _expand_matrix(g):
    """g of shape (...) as (..., 1, 1), to scale a batch of matrices."""
    return unsqueeze(unsqueeze(g, -1), -1)


class Det(Function):
    """y = det(A);  dL/dA = g y inv(A)^T."""

    saves_inputs = True

    def forward(self, a):
        xp = self.backend.xp
        self.y = xp.asarray(xp.linalg.det(a))
        return self.y

    def backward(self, gy):
        (A,) = self.inputs
        inv_t = mT(_inverse_or_raise(A, "det backward"))
        return _expand_matrix(gy * self.output(self.y)) * inv_t


class SlogDet(Function):
    """(sign, log|det A|);  dL/dA = g_logabsdet inv(A)^T (the sign is piecewise constant)."""

    saves_inputs = True

    def forward(self, a):
        xp = self.backend.xp
        sign, logabs = xp.linalg.slogdet(a)
        return xp.asarray(sign), xp.asarray(logabs)

    def backward(self, gsign, glogabs):
        (A,) = self.inputs
        return _expand_matrix(glogabs) * mT(_inverse_or_raise(A, "slogdet backward"))


def _batch_shape(sa, sb, what, shapes):
    out = []
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise ValueError(f"{what}: the batch dims of A and B cannot be broadcast together: shapes "
                             f"{shapes[0]} and {shapes[1]}")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


class Solve(Function):
    """X = inv(A) B for A (..., n, n) and B (..., n, k), batch dims broadcast;
    G_B = solve(A^T, G), G_A = -G_B X^T (each summed back over broadcast batch dims)."""

    saves_inputs = True

    def forward(self, a, b):
        xp = self.backend.xp
        batch = _batch_shape(a.shape[:-2], b.shape[:-2], "solve", (a.shape, b.shape))
        a = xp.broadcast_to(a, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        self.x = _call("solve", xp.linalg.solve, a, b)
        return self.x

    def backward(self, gy):
        A, B = self.inputs
        gb = Solve.apply(mT(A), gy)
        ga = None
        if self._next[0] is not None:
            ga = sum_to(-matmul(gb, mT(self.output(self.x))), A._data.shape)
        return ga, (sum_to(gb, B._data.shape) if self._next[1] is not None else None)


class _Identity(Function):
    """The identity matrix in A's shape (A^0); its gradient is zero."""

    def forward(self, a):
        xp = self.backend.xp
        return xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape).copy()

    def backward(self, gy):
        return zero_grad_of(gy)


def det(A):
    """The determinant of each square matrix in A (..., n, n), shape (...). Its gradient at an exactly singular
    matrix is not supported (raises ``LinAlgError``)."""
    return Det.apply(_square(A, "det"))


def inverse(A):
    """The inverse of each square matrix in A (..., n, n); a singular matrix raises ``LinAlgError``."""
    return Inverse.apply(_square(A, "inverse"))


def slogdet(A):
    """``(sign, logabsdet)`` of det(A) for each matrix in A (a named tuple, as torch.linalg.slogdet); a singular
    matrix gives (0, -inf). Only logabsdet carries a gradient."""
    sign, logabs = SlogDet.apply(_square(A, "slogdet"))
    return SlogdetResult(sign.detach(), logabs)


def logdet(A):
    """log det(A) for each matrix in A: NaN where det(A) < 0 and -inf where det(A) = 0, as torch.logdet."""
    from .unary import where

    sign, logabs = slogdet(_square(A, "logdet"))
    return where(sign < 0, float("nan"), logabs)


def solve(A, B, *, left=True):
    """X with A X = B, as torch.linalg.solve: A (..., n, n); B (..., n, k), or a batch of vectors (..., n) when
    B is 1-D or B.shape == A.shape[:-1]; batch dims broadcast. With ``left=False``, X A = B (B (..., k, n), or
    vectors x A = b), solved as A^T X^T = B^T. A singular A raises ``LinAlgError``."""
    A = _square(A, "solve")
    B = as_tensor(B, A)
    if B._data.dtype.name not in _FLOATS:
        raise TypeError(f"solve: expected B of dtype float32 or float64, got dtype {B._data.dtype.name}")
    A, B = promote(A, B, "solve")
    sa, sb = tuple(A._data.shape), tuple(B._data.shape)
    n = sa[-1]
    if len(sb) == 0:
        raise ValueError(f"solve: B must have at least 1 dimension, got shape {sb} (A has shape {sa})")
    vector = len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])
    rows = sb[-1] if vector or not left else sb[-2]
    if rows != n:
        kind = "(..., n) vector" if vector else ("(..., n, k) matrix" if left else "(..., k, n) matrix (left=False)")
        raise ValueError(f"solve: A of shape {sa} needs B with n = {n} {'rows' if left or vector else 'columns'}, got "
                         f"B of shape {sb} (read as a {kind} with n = {rows})")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        At = mT(A)
        if vector:
            x = Solve.apply(At, unsqueeze(B, -1))
            return reshape(x, tuple(x._data.shape[:-1]))
        return mT(Solve.apply(At, mT(B)))
    if vector:
        x = Solve.apply(A, unsqueeze(B, -1))
        return reshape(x, tuple(x._data.shape[:-1]))
    return Solve.apply(A, B)


def matrix_power(A, n):
    """A @ A @ ... @ A (n times) for each square matrix in A; n = 0 gives the identity and n < 0 the power of
    the inverse (float A only), as torch.linalg.matrix_power. Built from matmul and inverse, so differentiable."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"matrix_power: n must be an int, got {type(n).__name__} {n!r}")
    A = _square(A, "matrix_power", allow_int=n >= 0)
    n = int(n)
    if n == 0:
        return _Identity.apply(A)
    if n < 0:
        A, n = inverse(A), -n
    result, base = None, A
    while True:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            break
        base = matmul(base, base)
    if result is A:  # a new tensor, as torch's
        from .convert import clone

        result = clone(A)
    return result

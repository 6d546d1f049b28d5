"""LU factorization with partial pivoting, and what is built on it: lu_factor(_ex), lu, lu_unpack, lu_solve,
solve_ex, inv_ex (torch.linalg's names and conventions: A = P L U, L unit lower triangular, pivots as
LAPACK's 1-based row interchanges, int32).

The factorization (``_getrf``) is LAPACK's right-looking blocked algorithm, on any backend's arrays and
batched: each panel of ``_PANEL`` columns is factored a column at a time (the row of largest magnitude
swapped up, the column scaled, the panel's trailing part updated), its interchanges applied to the other
columns, U's block row solved against the panel's unit lower triangle, and the trailing matrix updated by
one GEMM. A zero pivot is skipped (its column is already zero below it) and reported in ``info``, as getrf
does.

The gradient (square A; rectangular ones through the square part, as for qr):

    A = P L U:   G_A = P L^-T [tril(L^T G_L, -1) + triu(G_U U^T)] U^-T
    m > n:       L = [L1; L2], L2 = A2 U^-1:  G_A2 = G_L2 U^-T,  G_U <- G_U - L2^T G_L2 U^-T
    m < n:       U = [U1 | U2], U2 = L^-1 A2:  G_A2 = L^-T G_U2,  G_L <- G_L - L^-T G_U2 U2^T

written with matmul and solve_triangular, so gradients of every order follow. P is piecewise constant.
"""

import collections

import numpy

from ..function import Function
from ..tensor import make_tensor
from ._util import as_tensor, promote
from .arrange import tril, triu
from .join import cat
from .linalg import matmul
from .linalg_decomp import _matrix, solve_triangular
from .linalg_dense import LinAlgError, _singular
from .shape import mT

LUFactorResult = collections.namedtuple("LUFactorResult", ["LU", "pivots"])
LUFactorExResult = collections.namedtuple("LUFactorExResult", ["LU", "pivots", "info"])
LUResult = collections.namedtuple("LUResult", ["P", "L", "U"])
SolveExResult = collections.namedtuple("SolveExResult", ["result", "info"])
InvExResult = collections.namedtuple("InvExResult", ["inverse", "info"])

_PANEL = 32


def _getrf(xp, a):
    """(lu, pivots, info) of each matrix in a (..., m, n): lu packed (L below the diagonal, U on and above),
    pivots (..., min(m, n)) 1-based interchanges, info (...) 0 or the 1-based index of the first zero pivot."""
    shape = a.shape
    m, n = shape[-2:]
    k = min(m, n)
    lu = a.reshape((-1, m, n)).copy()
    batch = lu.shape[0]
    rows = xp.arange(batch)
    pivots = xp.zeros((batch, k), dtype=xp.int32)
    info = xp.zeros(batch, dtype=xp.int32)
    for j0 in range(0, k, _PANEL):
        j1 = min(k, j0 + _PANEL)
        for j in range(j0, j1):
            p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j  # the first row of largest magnitude, as idamax
            pivots[:, j] = (p + 1).astype(xp.int32)
            top = lu[:, j, :].copy()  # the whole row swap, so the panel and everything else stay consistent
            lu[:, j, :] = lu[rows, p, :]
            lu[rows, p, :] = top
            piv = lu[:, j, j]
            zero = piv == 0
            info = xp.where((info == 0) & zero, j + 1, info).astype(xp.int32)
            if j + 1 < m:
                lu[:, j + 1:, j] = lu[:, j + 1:, j] / xp.where(zero, 1, piv)[:, None]
                if j + 1 < j1:  # the rest of the panel: a rank-1 update
                    lu[:, j + 1:, j + 1:j1] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:j1]
        if j1 < n:
            # U's block row: solve L11 U12 = A12 (L11 unit lower triangular)
            l11 = xp.tril(lu[:, j0:j1, j0:j1], -1) + xp.eye(j1 - j0, dtype=lu.dtype)
            lu[:, j0:j1, j1:] = xp.linalg.solve(l11, lu[:, j0:j1, j1:])
            if j1 < m:  # the trailing matrix: one GEMM
                lu[:, j1:, j1:] -= xp.matmul(lu[:, j1:, j0:j1], lu[:, j0:j1, j1:])
    return lu.reshape(shape), pivots.reshape(shape[:-2] + (k,)), info.reshape(shape[:-2])


def _permutation(xp, pivots, m):
    """The row permutation perm (..., m) of the interchanges: (P^T A)[i] = A[perm[i]]."""
    lead = pivots.shape[:-1]
    piv = pivots.reshape((-1, pivots.shape[-1])).astype(xp.int64) - 1
    batch = piv.shape[0]
    perm = xp.broadcast_to(xp.arange(m, dtype=xp.int64), (batch, m)).copy()
    rows = xp.arange(batch)
    for i in range(piv.shape[1]):
        p = piv[:, i]
        a, b = perm[:, i].copy(), perm[rows, p]
        perm[:, i] = b
        perm[rows, p] = a
    return perm.reshape(lead + (m,))


class LUFactor(Function):
    """(LU, pivots) of A (see the module docstring for the gradient; pivots have none)."""

    materialize_grads = False

    def forward(self, a):
        self.lu, self.piv, info = _getrf(self.backend.xp, a)
        return self.lu, self.piv, info

    def backward(self, glu, gpiv, ginfo):
        m, n = self.lu.shape[-2:]
        k = min(m, n)
        LU = self.output(self.lu, 0)
        xp = self.backend.xp
        L = tril(LU, -1)[..., :, :k] + make_tensor(xp.eye(m, k, dtype=self.lu.dtype), self.backend)
        U = triu(LU)[..., :k, :]
        gl, gu = tril(glu, -1)[..., :, :k], triu(glu)[..., :k, :]
        ga = _lu_grad(L, U, gl, gu, m, n)
        perm = _permutation(xp, self.piv, m)  # G_A = P G, i.e. row perm[i] of G_A is row i of G
        return _take_rows(ga, xp.argsort(perm, axis=-1))


def _take_rows(x, idx):
    """y[..., i, :] = x[..., idx[..., i], :] for an integer array idx (..., r) whose batch dims broadcast to
    x's (a differentiable gather along the rows)."""
    from .index import gather

    xp = x._backend.xp
    full = xp.broadcast_to(idx[..., :, None], tuple(x.shape[:-2]) + (idx.shape[-1], x.shape[-1]))
    return gather(x, -2, make_tensor(xp.ascontiguousarray(full), x._backend))


def _lu_grad(L, U, gl, gu, m, n):
    """G of P^T A = L U for L (m x k), U (k x n); see the module docstring."""
    if m > n:
        L1, L2 = L[..., :n, :], L[..., n:, :]
        gl1, gl2 = gl[..., :n, :], gl[..., n:, :]
        ga2 = _right_solve_ut(U, gl2)
        gu = gu - matmul(mT(L2), ga2)
        return cat([_lu_grad_square(L1, U, gl1, gu), ga2], -2)
    if m < n:
        U1, U2 = U[..., :, :m], U[..., :, m:]
        gu1, gu2 = gu[..., :, :m], gu[..., :, m:]
        ga2 = solve_triangular(mT(L), gu2, upper=True, unitriangular=True)  # L^-T G_U2
        gl = gl - tril(matmul(ga2, mT(U2)), -1)
        return cat([_lu_grad_square(L, U1, gl, gu1), ga2], -1)
    return _lu_grad_square(L, U, gl, gu)


def _right_solve_ut(U, g):
    """g U^-T for U upper triangular: (U^-1 g^T)^T."""
    return mT(solve_triangular(U, mT(g), upper=True))


def _lu_grad_square(L, U, gl, gu):
    """L^-T [tril(L^T G_L, -1) + triu(G_U U^T)] U^-T."""
    inner = tril(matmul(mT(L), gl), -1) + triu(matmul(gu, mT(U)))
    left = solve_triangular(mT(L), inner, upper=True, unitriangular=True)  # L^-T inner
    return _right_solve_ut(U, left)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info) as torch.linalg.lu_factor_ex: info 0, or the 1-based index of the first zero pivot of
    U (the matrix is singular; LU is still the factorization). ``check_errors=True`` raises then."""
    if not pivot:
        raise NotImplementedError("lu_factor: pivot=False (no row interchanges) is not supported; it is also "
                                  "unsupported on PyTorch's CPU")
    A = _matrix(A, "lu_factor")
    LU, piv, info = LUFactor.apply(A)
    if check_errors and bool((info != 0).any()):
        raise _singular("lu_factor", tuple(A.shape))
    return LUFactorExResult(LU, piv, info)


def lu_factor(A, *, pivot=True):
    """(LU, pivots) with A = P L U, as torch.linalg.lu_factor: L (unit lower) below the diagonal of LU and U on
    and above it; pivots are LAPACK's 1-based row interchanges (int32). A singular matrix is factored too (U
    has a zero on its diagonal, and lu_solve with it raises LinAlgError)."""
    res = lu_factor_ex(A, pivot=pivot)
    return LUFactorResult(res.LU, res.pivots)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """(P, L, U) from lu_factor's (LU, pivots), as torch.lu_unpack (empty tensors for the parts not unpacked)."""
    LU = as_tensor(LU_data)
    m, n = LU.shape[-2:]
    k = min(m, n)
    xp, backend = LU._backend.xp, LU._backend
    empty = make_tensor(xp.zeros((0,), dtype=LU._data.dtype), backend)
    L = U = P = empty
    if unpack_data:
        L = tril(LU, -1)[..., :, :k] + make_tensor(xp.eye(m, k, dtype=LU._data.dtype), backend)
        U = triu(LU)[..., :k, :]
    if unpack_pivots:
        piv = LU_pivots._data if hasattr(LU_pivots, "_data") else xp.asarray(LU_pivots)
        perm = _permutation(xp, piv, m)
        # P with A = P L U: P[perm[i], i] = 1
        eye = xp.eye(m, dtype=LU._data.dtype)
        P = make_tensor(xp.swapaxes(eye[perm], -1, -2).copy(), backend)
    return LUResult(P, L, U)


def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U, as torch.linalg.lu: P a permutation matrix (m x m), L unit lower triangular
    (m x k), U upper triangular (k x n), k = min(m, n). Differentiable in L and U."""
    LU, piv = lu_factor(A, pivot=pivot)
    return lu_unpack(LU, piv)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (or X A = B with ``left=False``; A^T in place of A with ``adjoint``), A given by
    lu_factor's (LU, pivots), as torch.linalg.lu_solve. Differentiable in LU and B."""
    LU = _matrix(LU, "lu_solve", square=True)
    B = as_tensor(B, LU)
    LU, B = promote(LU, B, "lu_solve")
    n = LU.shape[-1]
    if B.ndim < 2 or (B.shape[-2] if left else B.shape[-1]) != n:
        raise ValueError(f"lu_solve: LU of shape {tuple(LU.shape)} needs B with {n} "
                         f"{'rows' if left else 'columns'}, got B of shape {tuple(B.shape)}")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return mT(lu_solve(LU, pivots, mT(B), left=True, adjoint=not adjoint))
    xp = LU._backend.xp
    piv = pivots._data if hasattr(pivots, "_data") else xp.asarray(pivots)
    perm = _permutation(xp, piv, n)
    batch = tuple(numpy.broadcast_shapes(tuple(LU.shape[:-2]), tuple(B.shape[:-2])))
    if adjoint:  # A^T X = B: U^T L^T P^T X = B
        y = solve_triangular(mT(LU), B, upper=False)  # U^T y = B (U^T is lower)
        z = solve_triangular(mT(LU), y, upper=True, unitriangular=True)  # L^T z = y
        return _take_rows(z, xp.argsort(perm, axis=-1))  # x = P z
    pb = _take_rows(B.expand(*batch, *B.shape[-2:]), perm)  # P^T B
    y = solve_triangular(LU, pb, upper=False, unitriangular=True)  # L y = P^T B
    return solve_triangular(LU, y, upper=True)  # U x = y


def _ex_fallback(A, info, compute):
    """``compute(A')`` with each singular matrix of A swapped for I in A', then NaN there (as the results of
    the factorizations that succeed keep their gradients)."""
    from .unary import where

    xp, backend = A._backend.xp, A._backend
    ok = make_tensor(info._data == 0, backend)[..., None, None]
    eye = make_tensor(xp.eye(A.shape[-1], dtype=A._data.dtype), backend)
    out = compute(where(ok, A, eye))
    okb = ok if out.ndim == ok.ndim else ok[..., 0]
    return where(okb, out, float("nan"))


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info) as torch.linalg.solve_ex: info per matrix, 0 or the 1-based index of U's first zero pivot
    (the matrix is singular; its result is then NaN); ``check_errors=True`` raises for it instead."""
    from .linalg_dense import solve

    A = _matrix(A, "solve_ex", square=True)
    xp, backend = A._backend.xp, A._backend
    try:
        x = solve(A, B, left=left)
        return SolveExResult(x, make_tensor(xp.zeros(tuple(A.shape[:-2]), dtype=xp.int32), backend))
    except LinAlgError:
        if check_errors:
            raise
    info = lu_factor_ex(A.detach()).info
    return SolveExResult(_ex_fallback(A, info, lambda a: solve(a, B, left=left)), info)


def inv_ex(A, *, check_errors=False):
    """(inverse, info) as torch.linalg.inv_ex: info per matrix, 0 or the 1-based index of U's first zero pivot
    (the matrix is singular; its inverse is then NaN); ``check_errors=True`` raises for it instead."""
    from .linalg_dense import inverse

    A = _matrix(A, "inv_ex", square=True)
    xp, backend = A._backend.xp, A._backend
    try:
        return InvExResult(inverse(A), make_tensor(xp.zeros(tuple(A.shape[:-2]), dtype=xp.int32), backend))
    except LinAlgError:
        if check_errors:
            raise
    info = lu_factor_ex(A.detach()).info
    return InvExResult(_ex_fallback(A, info, inverse), info)

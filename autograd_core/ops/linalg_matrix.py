"""More of torch.linalg, built on the dense routines and the decompositions: matrix_exp, multi_dot, lstsq,
vander, tensorinv, tensorsolve and cholesky_ex.

matrix_exp is a Function: exp(A) by scaling and squaring with the [13/13] Pade approximant (Higham, "The
scaling and squaring method for the matrix exponential revisited", 2005): A / 2^s has a 1-norm at most
theta_13 = 5.37, r_13(A / 2^s) is exp of it to float64 rounding, then s squarings. A batch shares one s
(that of its largest norm). Its gradient is the adjoint of the Frechet derivative, read off the exponential
of a block matrix (Najfeld and Havel, 1995):

    exp([[A^T, G], [0, A^T]]) = [[exp(A^T), L(A^T, G)], [0, exp(A^T)]],   dL/dA = L(A^T, G)

computed by matrix_exp itself, so gradients of every order follow.
"""

import collections
import math
import numbers

from ..function import Function
from ..tensor import make_tensor
from ._util import as_tensor, promote
from .join import cat, stack
from .linalg import matmul
from .linalg_decomp import _matrix, cholesky, svdvals
from .linalg_dense import LinAlgError, inverse, solve
from .linalg_pinv import matrix_rank, pinv
from .shape import movedim, mT, reshape, unsqueeze

LstsqResult = collections.namedtuple("LstsqResult", ["solution", "residuals", "rank", "singular_values"])
CholeskyExResult = collections.namedtuple("CholeskyExResult", ["L", "info"])

# Higham's [13/13] Pade coefficients and the largest 1-norm for which r_13 is exp to float64 rounding
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm_arrays(xp, a):
    """exp of each matrix in a (..., n, n), by scaling, the [13/13] Pade approximant, and squaring."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    norm = float(xp.abs(a).sum(axis=-2).max())  # the largest 1-norm in the batch (one small sync on a GPU)
    if not math.isfinite(norm):
        return xp.full(a.shape, float("nan"), dtype=a.dtype)
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / (2.0 ** s)
    b = _PADE13
    eye = xp.eye(n, dtype=a.dtype)
    a2 = xp.matmul(a, a)
    a4 = xp.matmul(a2, a2)
    a6 = xp.matmul(a4, a2)
    u = xp.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye
    u = xp.matmul(a, u)
    v = xp.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = xp.matmul(r, r)
    return r.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """Y = exp(A);  dL/dA = the upper-right block of exp([[A^T, G], [0, A^T]]) (see the module docstring)."""

    saves_inputs = True

    def forward(self, a):
        return _expm_arrays(self.backend.xp, a)

    def backward(self, g):
        (A,) = self.inputs
        n = A._data.shape[-1]
        at = mT(A)
        # L is linear in G: scale G to A's size first, so the block matrix's norm (and its squarings) stay A's
        scale = g.detach().abs().amax().clamp(min=1e-300) if g._data.size else None
        gs = g / scale if scale is not None else g
        zeros = make_tensor(self.backend.xp.zeros(tuple(A._data.shape), dtype=A._data.dtype), self.backend)
        block = cat([cat([at, gs], -1), cat([zeros, at], -1)], -2)
        frechet = MatrixExp.apply(block)[..., :n, n:]
        return frechet * scale if scale is not None else frechet


def matrix_exp(A):
    """exp(A) = sum_k A^k / k! for each square matrix in A, as torch.linalg.matrix_exp (see the module
    docstring for the method and its gradient)."""
    A = _matrix(A, "matrix_exp", square=True)
    return MatrixExp.apply(A)


def multi_dot(tensors):
    """The product of a chain of matrices, as torch.linalg.multi_dot: the first may be a vector (a row) and
    the last a vector (a column); the multiplication order is the one with the fewest multiply-adds
    (the matrix-chain order), found by dynamic programming over the shapes."""
    tensors = [as_tensor(t) for t in tensors] if isinstance(tensors, (list, tuple)) else None
    if tensors is None or len(tensors) < 2:
        raise ValueError("multi_dot: expected a list or tuple of at least 2 tensors")
    shapes = [tuple(t.shape) for t in tensors]
    first_vec, last_vec = len(shapes[0]) == 1, len(shapes[-1]) == 1
    mats = list(tensors)
    if first_vec:
        mats[0] = unsqueeze(mats[0], 0)
    if last_vec:
        mats[-1] = unsqueeze(mats[-1], -1)
    for i, t in enumerate(mats):
        if t.ndim != 2:
            which = "the first and last may be 1-D or 2-D, the others 2-D"
            raise ValueError(f"multi_dot: tensor {i} has shape {shapes[i]}; {which}")
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ValueError(f"multi_dot: tensors {i} and {i + 1} cannot be multiplied: shapes {shapes[i]} and "
                             f"{shapes[i + 1]}")
    dims = [mats[0].shape[0]] + [t.shape[1] for t in mats]
    k = len(mats)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = float("inf")
            for m in range(i, j):
                c = cost[i][m] + cost[m + 1][j] + dims[i] * dims[m + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, m

    def product(i, j):
        if i == j:
            return mats[i]
        m = split[i][j]
        return matmul(product(i, m), product(m + 1, j))

    out = product(0, k - 1)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X minimising ||A X - B||_F for each A (..., m, n) and B (..., m, k) (or
    a batch of vectors (..., m)), as torch.linalg.lstsq: a named tuple (solution, residuals, rank,
    singular_values). The solution is the minimum-norm one, pinv(A) B, with singular values at or below
    rcond * the largest treated as zero (rcond defaults to eps * max(m, n)); for a full-rank A every driver
    gives this solution. As in PyTorch (its CPU default driver is 'gelsy'): ``rank`` for every driver but
    'gels'; ``singular_values`` for 'gelsd' and 'gelss'; ``residuals`` (the squared residual of each column)
    for 'gels', 'gelsd' and 'gelss' when m > n and every A has full rank; the fields not computed are empty.
    Differentiable in A and B (through pinv)."""
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise ValueError(f"lstsq: driver must be one of {', '.join(_LSTSQ_DRIVERS)} or None, got {driver!r}")
    if rcond is not None and (isinstance(rcond, bool) or not isinstance(rcond, numbers.Real)):
        raise TypeError(f"lstsq: rcond must be a number or None, got {rcond!r}")
    A = _matrix(A, "lstsq")
    B = as_tensor(B, A)
    if B._data.dtype.name not in ("float32", "float64"):
        raise TypeError(f"lstsq: expected B of dtype float32 or float64, got dtype {B._data.dtype.name}")
    A, B = promote(A, B, "lstsq")
    sa, sb = tuple(A.shape), tuple(B.shape)
    m, n = sa[-2:]
    vector = len(sb) == len(sa) - 1
    if len(sb) < 1 or (sb[-1] if vector else (sb[-2] if len(sb) >= 2 else None)) != m:
        raise ValueError(f"lstsq: A of shape {sa} needs B with {m} rows, got B of shape {sb}")
    rtol = None if rcond is None or rcond < 0 else float(rcond)
    P = pinv(A, rtol=rtol)
    Bm = unsqueeze(B, -1) if vector else B
    X = matmul(P, Bm)
    xp, backend = A._backend.xp, A._backend

    def empty(dtype):
        return make_tensor(xp.zeros((0,), dtype=dtype), backend)

    rank = empty(xp.int64) if driver == "gels" else matrix_rank(A, rtol=rtol)
    values = svdvals(A) if driver in ("gelsd", "gelss") else empty(A._data.dtype)
    residuals = empty(A._data.dtype)
    if driver != "gelsy" and m > n:
        full = rank if driver != "gels" else matrix_rank(A, rtol=rtol)
        if bool((full == n).all()):
            r = matmul(A, X) - Bm
            residuals = (r * r).sum(-2)  # (..., k); a vector B counts as one column, as in PyTorch
    return LstsqResult(X.squeeze(-1) if vector else X, residuals, rank, values)


def vander(x, *, N=None):
    """The Vandermonde matrix of x (..., n): columns x^0, x^1, ..., x^(N-1) (N defaults to n), as
    torch.linalg.vander."""
    x = as_tensor(x)
    if x.ndim < 1:
        raise ValueError("vander: expected a tensor with at least one dimension, got a 0-d tensor")
    n = x.shape[-1] if N is None else N
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"vander: N must be a non-negative int, got {N!r}")
    if n == 0:
        return make_tensor(x._backend.xp.zeros(tuple(x.shape) + (0,), dtype=x._data.dtype), x._backend)
    cols = [make_tensor(x._backend.xp.ones(tuple(x.shape), dtype=x._data.dtype), x._backend)]
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    return stack(cols, -1)


def tensorinv(A, ind=2):
    """The tensor inverse, as torch.linalg.tensorinv: A's first ``ind`` dims against the rest (their sizes'
    products equal), inverted as a matrix and reshaped to shape[ind:] + shape[:ind]."""
    A = as_tensor(A)
    shape = tuple(A.shape)
    if isinstance(ind, bool) or not isinstance(ind, numbers.Integral) or not 0 < ind < max(len(shape), 1):
        raise ValueError(f"tensorinv: ind must be a positive int less than the number of dims ({len(shape)}), got "
                         f"{ind!r}")
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise ValueError(f"tensorinv: the product of the first {ind} dims of shape {shape} ({rows}) must equal that "
                         f"of the rest ({cols})")
    return reshape(inverse(reshape(A, (rows, cols))), shape[ind:] + shape[:ind])


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B, as torch.linalg.tensorsolve: ``dims`` (A's dims moved to the end
    first) optional; X has shape A.shape[B.ndim:]."""
    A = as_tensor(A)
    B = as_tensor(B, A)
    if dims is not None:
        dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
        A = movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    sa, sb = tuple(A.shape), tuple(B.shape)
    if sa[:len(sb)] != sb:
        raise ValueError(f"tensorsolve: A's leading dims {sa[:len(sb)]} must equal B's shape {sb}")
    out_shape = sa[len(sb):]
    rows, cols = math.prod(sb), math.prod(out_shape)
    if rows != cols:
        raise ValueError(f"tensorsolve: A of shape {sa} is not square for B of shape {sb}: {rows} equations, {cols} "
                         f"unknowns")
    return reshape(solve(reshape(A, (rows, cols)), reshape(B, (rows,))), out_shape)


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info) as torch.linalg.cholesky_ex: info (int32, one per matrix) is 0 where the factorization
    succeeded, else the order of the first leading minor that is not positive-definite (L is then not a
    Cholesky factor: it holds the columns computed before that one). The factors of the matrices that succeed
    are differentiable. ``check_errors=True`` raises instead, as ``cholesky``."""
    from .unary import where

    A = _matrix(A, "cholesky_ex", square=True)
    xp, backend = A._backend.xp, A._backend
    batch = tuple(A.shape[:-2])
    try:
        L = cholesky(A, upper=upper)
        return CholeskyExResult(L, make_tensor(xp.zeros(batch, dtype=xp.int32), backend))
    except LinAlgError:
        if check_errors:
            raise
    info, partial = _cholesky_unblocked(xp, A._data)
    ok = make_tensor(info == 0, backend)[..., None, None]
    eye = make_tensor(xp.eye(A.shape[-1], dtype=A._data.dtype), backend)
    L = where(ok, cholesky(where(ok, A, eye)), make_tensor(partial, backend))  # (failed ones swapped for I)
    return CholeskyExResult(mT(L) if upper else L, make_tensor(info, backend))


def _cholesky_unblocked(xp, a):
    """(info, L) for each matrix in a: info 0 if it is positive-definite, else the order of its first leading
    minor that is not (the column where an unblocked Cholesky meets a pivot <= 0 or NaN); L the columns
    computed before that one (zeros after)."""
    n = a.shape[-1]
    flat = xp.tril(a).reshape(-1, n, n) + xp.swapaxes(xp.tril(a, -1).reshape(-1, n, n), -1, -2)
    low = xp.zeros_like(flat)
    info = xp.zeros(flat.shape[0], dtype=xp.int32)
    for j in range(n):
        pivot = flat[:, j, j] - (low[:, j, :j] ** 2).sum(axis=-1)
        info = xp.where((info == 0) & ~(pivot > 0), j + 1, info).astype(xp.int32)
        live = (info == 0)[:, None]  # columns of a failed matrix stay zero from its failing one on
        root = xp.sqrt(xp.where(pivot > 0, pivot, 1.0))
        low[:, j, j] = xp.where(live[:, 0], root, 0.0)
        if j + 1 < n:
            below = (flat[:, j + 1:, j] - xp.matmul(low[:, j + 1:, :j], low[:, j, :j, None])[..., 0]) / root[:, None]
            low[:, j + 1:, j] = xp.where(live, below, 0.0)
    return info.reshape(a.shape[:-2]), low.reshape(a.shape)

"""``autograd_core.linalg``: PyTorch's ``torch.linalg`` names for the dense linear algebra of
ops/linalg_dense.py (det, inverse, solve, ...), ops/linalg_decomp.py (the decompositions), ops/linalg_pinv.py
(pinv, matrix_rank), ops/linalg_lu.py (LU) and ops/linalg_matrix.py (matrix_exp, lstsq, multi_dot, ...).

    import autograd_core as ag
    ag.linalg.det(A), ag.linalg.inv(A), ag.linalg.slogdet(A), ag.linalg.solve(A, B),
    ag.linalg.matrix_power(A, n), ag.linalg.norm(x), ag.linalg.matrix_norm(A, 2), ag.linalg.vector_norm(x)
    ag.linalg.cholesky(A), ag.linalg.solve_triangular(L, B, upper=False), ag.linalg.qr(A),
    ag.linalg.eigh(A), ag.linalg.eigvalsh(A), ag.linalg.svd(A), ag.linalg.svdvals(A),
    ag.linalg.pinv(A), ag.linalg.matrix_rank(A), ag.linalg.cond(A), ag.linalg.lstsq(A, B),
    ag.linalg.matrix_exp(A), ag.linalg.multi_dot([A, B, C]), ag.linalg.cholesky_ex(A), ag.linalg.lu(A),
    ag.linalg.lu_factor(A), ag.linalg.lu_solve(LU, pivots, B), ag.linalg.solve_ex(A, B), ...

(The products ``matmul``, ``einsum`` ... live in the internal module ``autograd_core.ops.linalg``.)
"""

from .ops.arrange import diagonal as _diagonal
from .ops.linalg import matmul
from .ops.linalg_decomp import (
    EighResult,
    QRResult,
    SVDResult,
    cholesky,
    eigh,
    eigvalsh,
    qr,
    solve_triangular,
    svd,
    svdvals,
)
from .ops.linalg_dense import LinAlgError, SlogdetResult, det, matrix_power, slogdet, solve
from .ops.linalg_dense import inverse as inv
from .ops.linalg_lu import (
    InvExResult,
    LUFactorExResult,
    LUFactorResult,
    LUResult,
    SolveExResult,
    inv_ex,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    solve_ex,
)
from .ops.linalg_matrix import (
    CholeskyExResult,
    LstsqResult,
    cholesky_ex,
    lstsq,
    matrix_exp,
    multi_dot,
    tensorinv,
    tensorsolve,
    vander,
)
from .ops.linalg_pinv import matrix_rank, pinv
from .ops.misc import cross as _cross
from .ops.reduce import amax, amin
from .ops.reduce import norm as _norm
from .ops.reduce import sum as _sum
from .ops.unary import abs as _abs

__all__ = ["CholeskyExResult", "EighResult", "InvExResult", "LUFactorExResult", "LUFactorResult", "LUResult",
           "LinAlgError", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult", "SolveExResult", "cholesky",
           "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq", "lu",
           "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd",
           "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]

_SPECTRAL = (2, -2, "nuc")


def _spectral(A, ord, r, c, keepdim):
    """The 2-norm (largest singular value), -2 (smallest) or nuclear norm (their sum) over dims (r, c)."""
    moved = A.movedim((r, c), (-2, -1))
    s = svdvals(moved)
    out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    if keepdim:
        for d in sorted((r, c)):
            out = out.unsqueeze(d)
    return out


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
    """torch.linalg.matrix_norm: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf over the two dims ``dim``."""
    if ord not in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {ord!r}")
    return norm(A, ord, tuple(dim), keepdim)


def vector_norm(x, ord=2, dim=None, keepdim=False):
    """torch.linalg.vector_norm: the ord-norm (any number, inf, -inf; 0 counts non-zeros) of x flattened, or
    over ``dim`` (an int or a tuple of ints)."""
    if isinstance(ord, str):
        raise ValueError(f"vector_norm: ord must be a number, inf or -inf, got {ord!r}")
    return _norm(x, ord, dim, keepdim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: the diagonal of each matrix in A (over the last two dims by default)."""
    return _diagonal(A, offset, dim1, dim2)


def vecdot(x, y, *, dim=-1):
    """torch.linalg.vecdot: sum(x * y) over ``dim`` (the inputs broadcast)."""
    return _sum(x * y, dim=dim)


def cross(input, other, *, dim=-1):
    """torch.linalg.cross: the cross product of 3-vectors along ``dim`` (default the last), inputs broadcast."""
    return _cross(input, other, dim=dim)


def cond(A, p=None):
    """torch.linalg.cond: the condition number of each matrix in A, ||A||_p ||A^-1||_p; p = None or 2 gives
    S_max / S_min (any shape), -2 S_min / S_max, and 'fro', 'nuc', 1, -1, inf, -inf use the inverse (square A)."""
    if p is None or p in (2, -2):
        s = svdvals(A)
        big, small = s.amax(-1), s.amin(-1)
        return big / small if p != -2 else small / big
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def norm(A, ord=None, dim=None, keepdim=False):
    """torch.linalg.norm: with ``ord=None`` the 2-norm of the flattened input (or over ``dim``); a vector norm
    (any number, inf, -inf) when ``dim`` is an int or A is 1-D; a matrix norm ('fro', 1, -1, inf, -inf) when
    ``dim`` is a pair or A is 2-D ('fro', 'nuc', 1, -1, 2, -2, inf, -inf; the spectral and nuclear norms from
    the singular values)."""
    ndim = A.ndim
    if ord is None:
        return _norm(A, 2, dim, keepdim)
    if isinstance(dim, int) or (dim is None and ndim == 1):
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm; a vector norm (dim={dim!r}, input shape "
                             f"{tuple(A.shape)}) takes a number, inf or -inf")
        return _norm(A, ord, dim, keepdim)
    if dim is None:
        if ndim != 2:
            raise ValueError(f"linalg.norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape "
                             f"{tuple(A.shape)}; give dim")
        dim = (-2, -1)
    if not (isinstance(dim, (tuple, list)) and len(dim) == 2):
        raise ValueError(f"linalg.norm: dim must be an int or a pair of ints, got {dim!r}")
    r, c = (d % ndim for d in dim)
    if r == c:
        raise ValueError(f"linalg.norm: dim {tuple(dim)} names the same dimension twice")
    if ord == "fro":
        return _norm(A, "fro", (r, c), keepdim)
    if ord in (1, -1, float("inf"), float("-inf")):
        # 1: the largest column sum of |A|; inf: the largest row sum (and the smallest for -1, -inf)
        summed, over = (r, c) if ord in (1, -1) else (c, r)
        s = _sum(_abs(A), dim=summed, keepdim=True)
        out = (amax if ord > 0 else amin)(s, dim=over, keepdim=True)
        return out if keepdim else out.squeeze(max(r, c)).squeeze(min(r, c))
    if ord in _SPECTRAL:
        return _spectral(A, ord, r, c, keepdim)
    raise ValueError(f"linalg.norm: ord={ord!r} is not a matrix norm (use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)")

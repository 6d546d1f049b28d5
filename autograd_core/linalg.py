"""``autograd_core.linalg``: PyTorch's ``torch.linalg`` names for the dense linear algebra of ops/linalg_dense.py.

    import autograd_core as ag
    ag.linalg.det(A), ag.linalg.inv(A), ag.linalg.slogdet(A), ag.linalg.solve(A, B),
    ag.linalg.matrix_power(A, n), ag.linalg.norm(x)

(The products ``matmul``, ``einsum`` ... live in the internal module ``autograd_core.ops.linalg``.)
"""

from .ops.linalg import matmul
from .ops.linalg_dense import LinAlgError, SlogdetResult, det, matrix_power, slogdet, solve
from .ops.linalg_dense import inverse as inv
from .ops.reduce import amax, amin
from .ops.reduce import norm as _norm
from .ops.reduce import sum as _sum
from .ops.unary import abs as _abs

__all__ = ["LinAlgError", "SlogdetResult", "det", "inv", "matmul", "matrix_power", "norm", "slogdet", "solve"]


def norm(A, ord=None, dim=None, keepdim=False):
    """torch.linalg.norm: with ``ord=None`` the 2-norm of the flattened input (or over ``dim``); a vector norm
    (any number, inf, -inf) when ``dim`` is an int or A is 1-D; a matrix norm ('fro', 1, -1, inf, -inf) when
    ``dim`` is a pair or A is 2-D. The spectral and nuclear norms (2, -2, 'nuc') are not supported."""
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
    raise NotImplementedError(f"linalg.norm: the matrix norm ord={ord!r} is not supported (only 'fro', 1, -1, inf "
                              f"and -inf; 2, -2 and 'nuc' need an SVD)")

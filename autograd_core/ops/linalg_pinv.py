"""The pseudo-inverse and the rank (from the SVD), and PyTorch's older top-level forms of the decompositions
(torch.svd, torch.qr, torch.cholesky, torch.pinverse).

    pinv     P = A^+ = V diag(S^+) U^T (singular values at or below the cutoff dropped)
             G_A = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)   (constant rank)
"""

import numbers

import numpy

from ..function import Function
from ..tensor import make_tensor
from .linalg import matmul
from .linalg_decomp import SVD, _eye, _matrix, cholesky, qr, svdvals
from .shape import mT


# --- pseudo-inverse, rank, matrix norms -------------------------------------------------------------------------
def _cutoff(S, atol, rtol, shape, what):
    """max(atol, rtol * S_max) per matrix, as a (..., 1) tensor; rtol defaults to eps * max(m, n) when neither
    is given (PyTorch's default), else to 0."""
    for name, v in (("atol", atol), ("rtol", rtol)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real) or v < 0):
            raise ValueError(f"{what}: {name} must be a non-negative number or None, got {v!r}")
    if rtol is None:
        rtol = float(numpy.finfo(S._data.dtype).eps) * max(shape[-2], shape[-1]) if atol is None else 0.0
    smax = S.detach().amax(-1, keepdim=True) if S._data.shape[-1] else S.detach().sum(-1, keepdim=True)
    tol = smax * float(rtol)
    if atol is not None:
        tol = tol.clamp(min=float(atol))
    return tol


class PInv(Function):
    """P = A^+ (via the SVD, singular values at or below the cutoff dropped);
    G_A = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A) (constant rank)."""

    saves_inputs = True

    def forward(self, a, *, tol):
        xp = self.backend.xp
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        keep = s > tol
        s_inv = xp.where(keep, 1.0 / xp.where(keep, s, 1.0), 0.0).astype(a.dtype)
        self.p = xp.matmul(xp.swapaxes(vh, -1, -2) * s_inv[..., None, :], xp.swapaxes(u, -1, -2))
        return self.p

    def backward(self, g):
        (A,) = self.inputs
        P = self.output(self.p)
        pt = mT(P)
        gt = mT(g)
        xp = self.backend.xp
        m, n = A._data.shape[-2], A._data.shape[-1]
        left = _eye(xp, m, self.p.dtype) - matmul(A, P)  # I - A P (m x m)
        right = _eye(xp, n, self.p.dtype) - matmul(P, A)  # I - P A (n x n)
        return (-matmul(matmul(pt, g), pt) + matmul(matmul(left, gt), matmul(P, pt))
                + matmul(matmul(pt, P), matmul(gt, right)))


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The Moore-Penrose pseudo-inverse of each matrix in A, as torch.linalg.pinv: singular values at or below
    max(atol, rtol * the largest) are treated as zero (rtol defaults to eps * max(m, n) when neither is given).
    ``hermitian`` is accepted (A is then taken as symmetric; the SVD is used either way)."""
    A = _matrix(A, "pinv")
    if hermitian:
        if A._data.shape[-1] != A._data.shape[-2]:
            raise ValueError(f"pinv: hermitian=True needs square matrices, got shape {tuple(A._data.shape)}")
    S = svdvals(A.detach())
    tol = _cutoff(S, atol, rtol, tuple(A._data.shape), "pinv")
    return PInv.apply(A, tol=tol._data)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """The number of singular values of each matrix in A above max(atol, rtol * the largest), as
    torch.linalg.matrix_rank (int64; not differentiable)."""
    A = _matrix(A, "matrix_rank")
    if hermitian and A._data.shape[-1] != A._data.shape[-2]:
        raise ValueError(f"matrix_rank: hermitian=True needs square matrices, got shape {tuple(A._data.shape)}")
    S = svdvals(A.detach())
    tol = _cutoff(S, atol, rtol, tuple(A._data.shape), "matrix_rank")
    return (S > tol).sum(-1)


# --- PyTorch's older top-level forms (torch.svd, torch.qr, torch.pinverse) --------------------------------------
def legacy_svd(A, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with A = U diag(S) V^T (V, not its transpose); ``some`` gives the reduced
    factors; with ``compute_uv=False`` U and V are zero-filled (m x m and n x n) and only S is computed."""
    A = _matrix(A, "svd")
    if not compute_uv:
        S = svdvals(A)
        xp = A._backend.xp
        shape, (m, n) = tuple(A._data.shape[:-2]), A._data.shape[-2:]
        zeros = [make_tensor(xp.zeros(shape + (k, k), dtype=A._data.dtype), A._backend) for k in (m, n)]
        return zeros[0], S, zeros[1]
    U, S, Vh = SVD.apply(A, full_matrices=not some)
    return U, S, mT(Vh)


def legacy_qr(A, some=True):
    """torch.qr: (Q, R), reduced with ``some`` (the default), else complete."""
    return qr(A, "reduced" if some else "complete")


def pinverse(A, rcond=1e-15):
    """torch.pinverse: the pseudo-inverse, singular values at or below rcond * the largest treated as zero."""
    return pinv(A, rtol=rcond)


def legacy_cholesky(A, upper=False):
    """torch.cholesky: as ``cholesky``, ``upper`` also positional."""
    return cholesky(A, upper=bool(upper))

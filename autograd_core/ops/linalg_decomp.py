"""Matrix decompositions: solve_triangular, cholesky (and cholesky_solve), qr, eigh, svd (pinv, matrix_rank and
PyTorch's older top-level forms are in linalg_pinv.py).

Each is a Function whose forward is the backend's ``xp.linalg`` routine (NumPy on the CPU, CuPy on a GPU)
and whose backward is written with Tensor ops (matmul, solve_triangular, ...), so gradients of every order
follow. Leading dims are batch dims; ^T is the transpose of the last two dims; * and / are elementwise.

    solve_triangular  X = A^-1 B, A triangular   G_B = A^-T G,  G_A = -tri(G_B X^T)  (tri: A's triangle)
    cholesky          A = L L^T                  G_A = sym(L^-T Phi(L^T G_L) L^-1)
                      (Phi: the lower triangle, its diagonal halved; sym(M) = (M + M^T) / 2)
    qr (m >= n)       A = Q R, Q^T Q = I         G_A = [G_Q + Q (M - Q^T G_Q)] R^-T,
                      M = G_R R^T + tril(N - N^T, -1),  N = Q^T G_Q - G_R R^T
    eigh              A = V diag(w) V^T          G_A = V (diag(G_w) + skew(V^T G_V) / E) V^T,
                      E_ij = w_j - w_i (1 on the diagonal), skew(M) = (M - M^T) / 2
    svd               A = U diag(S) V^T (k = min(m, n) columns)
                      G_A = U (diag(G_S) + (J S + S K)) V^T + (I - U U^T) G_U S^-1 V^T + U S^-1 G_V^T (I - V V^T),
                      J = (U^T G_U - G_U^T U) / E,  K = (V^T G_V - G_V^T V) / E,  E_ij = S_j^2 - S_i^2

cholesky and eigh read one triangle of A (the lower, or the upper with UPLO='U') and their gradients are
the symmetric ones PyTorch gives (a perturbation of A is taken as a symmetric one). Where only the values
are used (eigvalsh, svdvals, a norm), the backward takes the vectors' gradient as absent rather than zero,
so repeated eigenvalues or singular values give no 0/0 (their vectors are not unique; their values are).
A vector gradient at repeated values divides by zero, as in PyTorch.

On a GPU these are CuPy's routines, which report a failed factorization as NaN rather than raising (a
check would need a device -> host synchronisation): ``cholesky`` of a matrix that is not positive-definite
raises ``LinAlgError`` on the CPU only.
"""

import collections

import numpy

from ..function import Function
from ..tensor import make_tensor
from ._util import as_tensor, promote
from .arrange import tril, triu
from .linalg import matmul
from .linalg_dense import _FLOATS, LinAlgError, _batch_shape, _matrix
from .shape import mT, sum_to, unsqueeze

QRResult = collections.namedtuple("QRResult", ["Q", "R"])
EighResult = collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = collections.namedtuple("SVDResult", ["U", "S", "Vh"])



def _eye(xp, n, dtype):
    return xp.eye(n, dtype=dtype)


def _symmetric_from(xp, a, upper):
    """The symmetric matrices whose lower (or upper) triangle is a's: what cholesky and eigh read."""
    t = xp.triu(a) if upper else xp.tril(a)
    strict = xp.triu(a, 1) if upper else xp.tril(a, -1)
    return t + xp.swapaxes(strict, -1, -2)


def _sym(M):
    return (M + mT(M)) * 0.5


# --- triangular solve -----------------------------------------------------------------------------------
class SolveTriangular(Function):
    """X = A^-1 B with A (..., n, n) triangular (only its ``upper`` or lower triangle read; with
    ``unitriangular`` its diagonal taken as ones) and B (..., n, k), batch dims broadcast;
    G_B = A^-T G,  G_A = -tri(G_B X^T) (tri: A's triangle, strict when unitriangular)."""

    saves_inputs = True

    def forward(self, a, b, *, upper, unitriangular):
        xp = self.backend.xp
        self.upper, self.unit = upper, unitriangular
        batch = _batch_shape(a.shape[:-2], b.shape[:-2], "solve_triangular", (a.shape, b.shape))
        t = xp.triu(a, 1 if unitriangular else 0) if upper else xp.tril(a, -1 if unitriangular else 0)
        if unitriangular:
            t = t + _eye(xp, a.shape[-1], a.dtype)
        t = xp.broadcast_to(t, batch + a.shape[-2:])
        b = xp.broadcast_to(b, batch + b.shape[-2:])
        try:
            self.x = xp.linalg.solve(t, b)
        except numpy.linalg.LinAlgError:  # CuPy's LinAlgError is NumPy's
            raise LinAlgError(f"solve_triangular: the triangular matrix of shape {tuple(a.shape)} has a zero on "
                              f"its diagonal (or a matrix in the batch has); it is singular") from None
        return self.x

    def backward(self, gy):
        A, B = self.inputs
        gb = SolveTriangular.apply(mT(A), gy, upper=not self.upper, unitriangular=self.unit)
        ga = None
        if self._next[0] is not None:
            outer = -matmul(gb, mT(self.output(self.x)))
            offset = (1 if self.upper else -1) if self.unit else 0
            ga = sum_to(triu(outer, offset) if self.upper else tril(outer, offset), A._data.shape)
        return ga, (sum_to(gb, B._data.shape) if self._next[1] is not None else None)


def _solve_left(A, B, upper, unitriangular=False):
    return SolveTriangular.apply(A, B, upper=upper, unitriangular=unitriangular)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with A X = B (``left``) or X A = B, for A (..., n, n) upper (``upper=True``) or lower triangular, as
    torch.linalg.solve_triangular: only that triangle of A is read, and with ``unitriangular`` its diagonal is
    taken as ones. B is (..., n, k) (or (..., k, n) with left=False); batch dims broadcast."""
    if not isinstance(upper, bool):
        raise TypeError(f"solve_triangular: upper must be True or False (a keyword argument), got {upper!r}")
    A = _matrix(A, "solve_triangular", square=True)
    B = as_tensor(B, A)
    if B._data.dtype.name not in _FLOATS:
        raise TypeError(f"solve_triangular: expected B of dtype float32 or float64, got dtype {B._data.dtype.name}")
    A, B = promote(A, B, "solve_triangular")
    sa, sb = tuple(A._data.shape), tuple(B._data.shape)
    if len(sb) < 2:
        raise ValueError(f"solve_triangular: B must have at least 2 dimensions, got shape {sb} (A has shape {sa})")
    n, rows = sa[-1], (sb[-2] if left else sb[-1])
    if rows != n:
        where = "rows" if left else "columns"
        raise ValueError(f"solve_triangular: A of shape {sa} needs B with {n} {where} (left={left}), got B of "
                         f"shape {sb}")
    if left:
        return _solve_left(A, B, upper, unitriangular)
    # X A = B  <=>  A^T X^T = B^T, and A^T is triangular the other way
    return mT(_solve_left(mT(A), mT(B), not upper, unitriangular))


# --- Cholesky ---------------------------------------------------------------------------------------------
class Cholesky(Function):
    """L with A = L L^T, L lower triangular (A's lower triangle read);
    G_A = sym(L^-T Phi(L^T G_L) L^-1), Phi(M) = the lower triangle of M with its diagonal halved."""

    def forward(self, a):
        xp = self.backend.xp
        try:
            self.l = xp.linalg.cholesky(_symmetric_from(xp, a, False))
        except numpy.linalg.LinAlgError:
            raise LinAlgError(f"cholesky: the input matrix of shape {tuple(a.shape)} is not positive-definite (or "
                              f"a matrix in the batch is not); the factorization could not be completed") from None
        return self.l

    def backward(self, gl):
        L = self.output(self.l)
        xp = self.backend.xp
        n = self.l.shape[-1]
        half_diag = xp.tril(xp.ones((n, n), dtype=self.l.dtype)) - 0.5 * _eye(xp, n, self.l.dtype)
        phi = matmul(mT(L), gl) * half_diag  # (tril, diagonal halved)
        lt = mT(L)
        s = mT(_solve_left(lt, mT(_solve_left(lt, phi, True)), True))  # L^-T Phi L^-1
        return _sym(s)


def cholesky(A, *, upper=False):
    """L (lower triangular) with A = L L^T for each symmetric positive-definite matrix in A (only its lower
    triangle is read), as torch.linalg.cholesky; ``upper=True`` gives U = L^T (A = U^T U). A matrix that is
    not positive-definite raises ``LinAlgError`` (on the CPU; see the module docstring for the GPU)."""
    A = _matrix(A, "cholesky", square=True)
    L = Cholesky.apply(A)
    return mT(L) if upper else L


def cholesky_solve(B, L, upper=False):
    """X with A X = B given A's Cholesky factor L (lower, or upper U with ``upper=True``), as
    torch.cholesky_solve: two triangular solves, L Y = B then L^T X = Y."""
    L = _matrix(L, "cholesky_solve", square=True)
    if upper:
        return solve_triangular(L, solve_triangular(mT(L), B, upper=False), upper=True)
    return solve_triangular(mT(L), solve_triangular(L, B, upper=False), upper=True)


# --- QR ---------------------------------------------------------------------------------------------------
class QR(Function):
    """(Q, R) with A = Q R (``mode``: 'reduced', 'complete' or 'r'); the gradient of the module docstring for
    m >= n, and for m < n through A = Q [R1 | R2]: R2 = Q^T A2, so G_A2 = Q G_R2 and the square part takes
    G_Q + A2 G_R2^T as Q's gradient."""

    materialize_grads = False

    def forward(self, a, *, mode):
        xp = self.backend.xp
        self.mode = mode
        q, r = xp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        self.q, self.r = q, r
        if mode == "r":
            q = xp.zeros((0,), dtype=a.dtype)
        return q, r

    def backward(self, gq, gr):
        m, n = self.q.shape[-2], self.r.shape[-1]
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Use "
                               "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError(f"The QR decomposition is not differentiable when mode='complete' and nrows > ncols "
                               f"(here {m} x {n} matrices)")
        Q = self.output(self.q, 0)
        R = self.output(self.r, 1)
        if m >= n:
            return _qr_square_or_tall(Q, R, gq, gr)
        # m < n: A = [A1 | A2] with A1 m x m; Q, R1 come from A1 alone and R2 = Q^T A2
        from .join import cat

        R1, R2 = R[..., :, :m], R[..., :, m:]
        A2 = matmul(Q, R2)
        gr1 = gr2 = None
        if gr is not None:
            gr1, gr2 = gr[..., :, :m], gr[..., :, m:]
        if gr2 is not None:
            extra = matmul(A2, mT(gr2))
            gq = extra if gq is None else gq + extra
            ga2 = matmul(Q, gr2)
        else:
            ga2 = make_tensor(self.backend.xp.zeros(tuple(R2._data.shape), dtype=self.r.dtype), self.backend)
        return cat([_qr_square_or_tall(Q, R1, gq, gr1), ga2], -1)


def _qr_square_or_tall(Q, R, gq, gr):
    """G_A of A = Q R for m >= n: [G_Q + Q (M - Q^T G_Q)] R^-T (see the module docstring); None gradients absent."""
    qtgq = matmul(mT(Q), gq) if gq is not None else None
    grrt = matmul(gr, mT(R)) if gr is not None else None
    if qtgq is None:
        nmat = -grrt
    elif grrt is None:
        nmat = qtgq
    else:
        nmat = qtgq - grrt
    inner = tril(nmat - mT(nmat), -1)
    if grrt is not None:
        inner = inner + grrt
    if qtgq is not None:
        inner = inner - qtgq
    z = matmul(Q, inner)
    if gq is not None:
        z = z + gq
    # Z R^-T = (R^-1 Z^T)^T
    return mT(_solve_left(R, mT(z), True))


def qr(A, mode="reduced"):
    """(Q, R) with A = Q R, Q with orthonormal columns and R upper triangular, as torch.linalg.qr: ``mode``
    'reduced' (Q m x k, R k x n, k = min(m, n)), 'complete' (Q m x m, R m x n) or 'r' (R only; Q is an empty
    tensor). Differentiable except with mode='r', and mode='complete' when m > n (as PyTorch)."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    A = _matrix(A, "qr")
    q, r = QR.apply(A, mode=mode)
    if mode == "r":
        q = q.detach()
    return QRResult(q, r)


# --- symmetric eigendecomposition ---------------------------------------------------------------------------
class Eigh(Function):
    """(w, V) with A = V diag(w) V^T, w ascending (A's lower triangle read, or its upper with UPLO='U');
    G_A = V (diag(G_w) + skew(V^T G_V) / E) V^T, E_ij = w_j - w_i."""

    materialize_grads = False

    def forward(self, a, *, upper):
        xp = self.backend.xp
        self.w, self.v = xp.linalg.eigh(_symmetric_from(xp, a, upper))
        return self.w, self.v

    def backward(self, gw, gv):
        V = self.output(self.v, 1)
        inner = None
        if gv is not None:
            w = self.output(self.w, 0)
            xp = self.backend.xp
            vtgv = matmul(mT(V), gv)
            gaps = unsqueeze(w, -2) - unsqueeze(w, -1) + _eye(xp, self.w.shape[-1], self.w.dtype)  # 1 on the diagonal
            inner = (vtgv - mT(vtgv)) * 0.5 / gaps  # (its diagonal is 0)
        if gw is not None:
            scaled = mT(V) * unsqueeze(gw, -1)  # diag(G_w) V^T
            first = matmul(V, scaled)
            if inner is None:
                return first
            return first + matmul(matmul(V, inner), mT(V))
        return matmul(matmul(V, inner), mT(V))


def _uplo(UPLO, what):
    if UPLO not in ("L", "U"):
        raise ValueError(f"{what}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO == "U"


def eigh(A, UPLO="L"):
    """(eigenvalues, eigenvectors) of each symmetric matrix in A, eigenvalues in ascending order, as
    torch.linalg.eigh: A = V diag(w) V^T. Only the lower triangle of A is read (the upper with UPLO='U').
    Each eigenvector's sign is the backend's choice (as in PyTorch), so a loss should not depend on it."""
    A = _matrix(A, "eigh", square=True)
    w, v = Eigh.apply(A, upper=_uplo(UPLO, "eigh"))
    return EighResult(w, v)


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of each symmetric matrix in A, ascending, as torch.linalg.eigvalsh."""
    A = _matrix(A, "eigvalsh", square=True)
    return Eigh.apply(A, upper=_uplo(UPLO, "eigvalsh"))[0]


# --- singular value decomposition -----------------------------------------------------------------------------
class SVD(Function):
    """(U, S, Vh) with A = U diag(S) Vh, S descending; the gradient of the module docstring. With
    full_matrices and m != n only the first k = min(m, n) columns of U (rows of Vh) carry a gradient, as in
    PyTorch: the others are any orthonormal completion."""

    materialize_grads = False

    def forward(self, a, *, full_matrices):
        xp = self.backend.xp
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        self.u, self.s, self.vh = u, s, vh
        return u, s, vh

    def backward(self, gu, gs, gvh):
        m, n = self.u.shape[-2], self.vh.shape[-1]
        k = min(m, n)
        U, S, Vh = self.output(self.u, 0), self.output(self.s, 1), self.output(self.vh, 2)
        if U._data.shape[-1] != k:
            U = U[..., :, :k]
            gu = gu[..., :, :k] if gu is not None else None
        if Vh._data.shape[-2] != k:
            Vh = Vh[..., :k, :]
            gvh = gvh[..., :k, :] if gvh is not None else None
        if gu is None and gvh is None:
            return matmul(U * unsqueeze(gs, -2), Vh)  # U diag(G_S) Vh
        xp = self.backend.xp
        s2 = S * S
        gaps = unsqueeze(s2, -2) - unsqueeze(s2, -1) + _eye(xp, k, self.s.dtype)  # S_j^2 - S_i^2; 1 on the diagonal
        inner = None
        if gu is not None:
            utgu = matmul(mT(U), gu)
            inner = (utgu - mT(utgu)) / gaps * unsqueeze(S, -2)  # J S
        V = mT(Vh)
        gv = mT(gvh) if gvh is not None else None
        if gv is not None:
            vtgv = matmul(mT(V), gv)
            term = unsqueeze(S, -1) * ((vtgv - mT(vtgv)) / gaps)  # S K
            inner = term if inner is None else inner + term
        if gs is not None:
            inner = inner + _diag(gs)
        ga = matmul(matmul(U, inner), Vh)
        if gu is not None and m > k:
            gu_sinv = gu / unsqueeze(S, -2)
            ga = ga + matmul(gu_sinv - matmul(U, matmul(mT(U), gu_sinv)), Vh)
        if gv is not None and n > k:
            gv_sinv = gv / unsqueeze(S, -2)
            ga = ga + matmul(U, mT(gv_sinv - matmul(V, matmul(Vh, gv_sinv))))
        return ga


def _diag(v):
    from .extra import diag_embed

    return diag_embed(v)


def svd(A, full_matrices=True):
    """(U, S, Vh) with A = U diag(S) Vh, singular values S descending, as torch.linalg.svd: U m x m and Vh
    n x n with ``full_matrices`` (the default), else U m x k and Vh k x n (k = min(m, n)). Each singular
    vector pair's sign is the backend's choice (as in PyTorch), so a loss should not depend on it."""
    A = _matrix(A, "svd")
    return SVDResult(*SVD.apply(A, full_matrices=bool(full_matrices)))


def svdvals(A):
    """The singular values of each matrix in A, descending, as torch.linalg.svdvals."""
    A = _matrix(A, "svdvals")
    return SVD.apply(A, full_matrices=False)[1]

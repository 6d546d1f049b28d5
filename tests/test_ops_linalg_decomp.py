"""Decompositions (cholesky, solve_triangular, qr, eigh, svd) and what is built on them (pinv, matrix_rank,
matrix norms 2 / -2 / 'nuc', cond, cholesky_solve, PyTorch's older torch.svd / torch.qr / torch.cholesky /
torch.pinverse): values and gradients against PyTorch, gradcheck + gradgradcheck in float64, the edge cases
(repeated eigenvalues and singular values, non-differentiable modes), errors, and the strict stand-in for a GPU."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

F32 = {"float32": dict(rtol=2e-4, atol=2e-5)}


def spd(shape, seed=0):
    """Symmetric positive definite (..., n, n) matrices, condition number of order 10."""
    m = rand_array(shape, seed=seed, low=-1.0, high=1.0)
    return m @ numpy.swapaxes(m, -1, -2) + shape[-1] * numpy.eye(shape[-1])


def lower(shape, seed=0):
    """Well-conditioned lower triangular matrices (entries above the diagonal are random, to check they are
    not read)."""
    n = shape[-1]
    return rand_array(shape, seed=seed, low=-1.0, high=1.0) + 2 * numpy.eye(n)


def pack(*ts):
    """Several outputs as one flat tensor (ours or torch's), for a single-output comparison."""
    if isinstance(ts[0], ag.Tensor):
        return ag.cat([t.reshape(-1) for t in ts])
    import torch

    return torch.cat([t.reshape(-1) for t in ts])


def sq(t):
    """t * t: a function of a singular or eigen vector that does not depend on its sign."""
    return t * t


def sym(a):
    return (a + a.mT) * 0.5


def spd_of(a):
    """a a^T + n I, on either framework's tensors: a symmetric positive-definite function of any square a."""
    n = a.shape[-1]
    if isinstance(a, ag.Tensor):
        return a @ a.mT + n * ag.eye(n, dtype=a.dtype, device=a.device)
    import torch

    return a @ a.mT + n * torch.eye(n, dtype=a.dtype)


def linalg(name):
    """(ours, torch's) of torch.linalg.<name>."""
    return getattr(ag.linalg, name), getattr(torch_or_skip().linalg, name)


# --- against PyTorch ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_torch(shape, upper, device):
    ours, theirs = linalg("cholesky")
    compare_with_torch(lambda a: ours(a, upper=upper), lambda a: theirs(a, upper=upper), spd(shape), device=device,
                       tol=F32)


def test_cholesky_reads_the_lower_triangle_only(device):
    a = spd((3, 3))
    junk = numpy.tril(a) + numpy.triu(numpy.full((3, 3), 7.0), 1)  # a's lower triangle, nonsense above it
    numpy.testing.assert_allclose(host(ag.linalg.cholesky(ag.tensor(junk, device=device))), numpy.linalg.cholesky(a),
                                  rtol=1e-12)


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("sa, sb", [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 4)), ((2, 1, 3, 3), (4, 3, 3)),
                                    ((3, 3), (5, 3, 1))])
def test_solve_triangular_matches_torch(sa, sb, unit, left, upper, device):
    ours, theirs = linalg("solve_triangular")
    a = lower(sa)
    a = numpy.swapaxes(a, -1, -2) if upper else a
    b = rand_array(sb if left else sb[:-2] + sb[-2:][::-1], seed=4)
    kw = dict(upper=upper, left=left, unitriangular=unit)
    compare_with_torch(lambda x, y: ours(x, y, **kw), lambda x, y: theirs(x, y, **kw), a, b, device=device, tol=F32)


QR_SHAPES = [(5, 3), (4, 4), (3, 5), (2, 5, 3), (2, 3, 5), (1, 1)]


@pytest.mark.parametrize("shape, mode", [(s, "reduced") for s in QR_SHAPES] +
                         [(s, "complete") for s in QR_SHAPES if s[-2] <= s[-1]])  # (complete, m > n: see below)
def test_qr_matches_torch(shape, mode, device):
    ours, theirs = linalg("qr")
    compare_with_torch(lambda a: pack(*ours(a, mode)), lambda a: pack(*theirs(a, mode)), rand_array(shape),
                       device=device, tol=F32)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_torch(shape, uplo, device):
    ours, theirs = linalg("eigh")
    compare_with_torch(lambda a: pack(ours(a, uplo)[0], sq(ours(a, uplo)[1])),
                       lambda a: pack(theirs(a, uplo)[0], sq(theirs(a, uplo)[1])), rand_array(shape),
                       device=device, tol={"float32": dict(rtol=1e-3, atol=1e-4)})


@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigvalsh_matches_torch(uplo, device):
    ours, theirs = linalg("eigvalsh")
    compare_with_torch(lambda a: ours(a, uplo), lambda a: theirs(a, uplo), rand_array((2, 4, 4)), device=device,
                       tol=F32)


SVD_SHAPES = [(5, 3), (4, 4), (3, 5), (2, 5, 3), (2, 3, 5), (1, 1), (1, 4)]


@pytest.mark.parametrize("shape", SVD_SHAPES)
@pytest.mark.parametrize("full", [False, True])
def test_svd_matches_torch(shape, full, device):
    ours, theirs = linalg("svd")
    m, n = shape[-2:]
    k = min(m, n)

    def values(svd):  # the completion columns of a full U (rows of Vh) are any orthonormal basis: not compared
        def fn(a):
            u, s, vh = svd(a, full_matrices=full)
            return pack(sq(u[..., :, :k]), s, sq(vh[..., :k, :]), sq(u).sum(), sq(vh).sum())
        return fn

    compare_with_torch(values(ours), values(theirs), rand_array(shape), device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-4)})


@pytest.mark.parametrize("shape", SVD_SHAPES)
def test_svdvals_pinv_and_spectral_norms_match_torch(shape, device):
    torch = torch_or_skip()
    a = rand_array(shape)
    compare_with_torch(ag.linalg.svdvals, torch.linalg.svdvals, a, device=device, tol=F32)
    compare_with_torch(ag.linalg.pinv, torch.linalg.pinv, a, device=device, tol={"float32": dict(rtol=1e-3, atol=1e-4)})
    for ord in (2, -2, "nuc"):
        compare_with_torch(lambda x: ag.linalg.matrix_norm(x, ord), lambda x: torch.linalg.matrix_norm(x, ord), a,
                           device=device, tol=F32)


@pytest.mark.parametrize("ord, dim, keepdim", [(2, None, False), ("nuc", (0, 2), True), (-2, (2, 1), False),
                                               ("nuc", (-1, -2), False)])
def test_linalg_norm_spectral_and_nuclear(ord, dim, keepdim, device):
    torch = torch_or_skip()
    a = rand_array((3, 2, 4)) if dim is not None else rand_array((3, 4))
    compare_with_torch(lambda x: ag.linalg.norm(x, ord, dim, keepdim),
                       lambda x: torch.linalg.norm(x, ord, dim, keepdim), a, device=device, tol=F32)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, float("inf")])
def test_cond_matches_torch(p, device):
    """Values and (for the singular-value forms; torch 2.13's backward through inv fails for the others)
    gradients against torch; gradcheck for all."""
    torch = torch_or_skip()
    a = rand_array((2, 3, 3))
    if p in (None, 2, -2):
        compare_with_torch(lambda x: ag.linalg.cond(x, p), lambda x: torch.linalg.cond(x, p), a, device=device,
                           tol={"float32": dict(rtol=1e-3, atol=1e-4)})
    else:
        numpy.testing.assert_allclose(host(ag.linalg.cond(ag.tensor(a, device=device), p)),
                                      torch.linalg.cond(torch.tensor(a), p).numpy(), rtol=1e-10)
    check_grads(lambda x: ag.linalg.cond(x, p), a, device=device, second=False)


def test_matrix_rank_matches_torch(device):
    torch = torch_or_skip()
    a = rand_array((4, 3, 5))
    a[1] = numpy.outer(a[1, :, 0], a[1, 0])  # rank 1
    a[2, 2] = a[2, 0] + a[2, 1]  # rank 2
    a[3] = 0.0  # rank 0
    for kw in ({}, dict(atol=0.5), dict(rtol=0.3), dict(atol=0.1, rtol=0.2)):
        ours = ag.linalg.matrix_rank(ag.tensor(a, device=device), **kw)
        assert ours.dtype == ag.int64
        numpy.testing.assert_array_equal(host(ours), torch.linalg.matrix_rank(torch.tensor(a), **kw).numpy())


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_torch(upper, device):
    """B's gradient is torch's; L's is torch's within L's triangle, and 0 outside it (only that triangle is
    read; torch's gradient there is that of A = L L^T over a full L)."""
    torch = torch_or_skip()
    a = spd((2, 4, 4))
    fac = numpy.linalg.cholesky(a)
    fac = numpy.swapaxes(fac, -1, -2) if upper else fac
    b = rand_array((2, 4, 3), seed=2)
    L, B = ag.tensor(fac, requires_grad=True, device=device), ag.tensor(b, requires_grad=True, device=device)
    tL, tB = torch.tensor(fac, requires_grad=True), torch.tensor(b, requires_grad=True)
    x, tx = ag.cholesky_solve(B, L, upper), torch.cholesky_solve(tB, tL, upper)
    numpy.testing.assert_allclose(host(x), tx.detach().numpy(), rtol=1e-10)
    numpy.testing.assert_allclose(host(x), numpy.linalg.solve(a, b), rtol=1e-10)
    g = rand_array((2, 4, 3), seed=3)
    x.backward(ag.tensor(g, device=device))
    tx.backward(torch.tensor(g))
    mask = numpy.triu(numpy.ones((4, 4))) if upper else numpy.tril(numpy.ones((4, 4)))
    numpy.testing.assert_allclose(host(B.grad), tB.grad.numpy(), rtol=1e-10)
    numpy.testing.assert_allclose(host(L.grad), tL.grad.numpy() * mask, rtol=1e-10, atol=1e-14)


@pytest.mark.filterwarnings("ignore:torch.(svd|qr|cholesky) is deprecated")
def test_older_top_level_forms_match_torch(device):
    torch = torch_or_skip()
    a = rand_array((5, 3))
    compare_with_torch(lambda x: pack(*[sq(t) for t in ag.svd(x)]), lambda x: pack(*[sq(t) for t in torch.svd(x)]),
                       a, device=device, tol=F32)
    compare_with_torch(lambda x: pack(*ag.qr(x)), lambda x: pack(*torch.qr(x)), a, device=device, tol=F32)
    compare_with_torch(lambda x: ag.cholesky(x, True), lambda x: torch.cholesky(x, True), spd((3, 3)),
                       device=device, tol=F32)
    compare_with_torch(ag.pinverse, torch.pinverse, a, device=device, tol=F32)
    u, s, v = ag.svd(ag.tensor(a, device=device), compute_uv=False)
    assert tuple(u.shape) == (5, 5) and tuple(v.shape) == (3, 3) and not host(u).any() and not host(v).any()
    numpy.testing.assert_allclose(host(s), numpy.linalg.svd(a, compute_uv=False), rtol=1e-12)
    q, r = ag.tensor(a, device=device).qr(some=False)
    assert tuple(q.shape) == (5, 5) and tuple(r.shape) == (5, 3)


# --- gradcheck and gradgradcheck in float64 ------------------------------------------------------------------
GRAD_CASES = {
    "cholesky": (lambda a: ag.linalg.cholesky(spd_of(a)), [(2, 3, 3)]),
    "cholesky_upper": (lambda a: ag.linalg.cholesky(spd_of(a), upper=True), [(3, 3)]),
    "solve_triangular": (lambda a, b: ag.linalg.solve_triangular(a, b, upper=False), [(2, 3, 3), (2, 3, 2)]),
    "solve_triangular_unit_right": (
        lambda a, b: ag.linalg.solve_triangular(a, b, upper=True, left=False, unitriangular=True), [(3, 3), (2, 3)]),
    "qr_tall": (lambda a: pack(*ag.linalg.qr(a)), [(4, 3)]),
    "qr_square": (lambda a: pack(*ag.linalg.qr(a)), [(2, 3, 3)]),
    "qr_wide": (lambda a: pack(*ag.linalg.qr(a)), [(3, 5)]),
    "qr_wide_Q_only": (lambda a: ag.linalg.qr(a).Q, [(3, 5)]),
    "eigh": (lambda a: pack(ag.linalg.eigh(sym(a))[0], sq(ag.linalg.eigh(sym(a))[1])), [(2, 3, 3)]),
    "eigvalsh": (lambda a: ag.linalg.eigvalsh(sym(a)), [(3, 3)]),
    "svd_tall": (lambda a: pack(*[sq(t) for t in ag.linalg.svd(a, full_matrices=False)]), [(4, 3)]),
    "svd_wide": (lambda a: pack(*[sq(t) for t in ag.linalg.svd(a, full_matrices=False)]), [(2, 3, 4)]),
    "svd_full_values": (lambda a: ag.linalg.svd(a)[1], [(4, 3)]),
    "svdvals": (ag.linalg.svdvals, [(3, 4)]),
    "pinv_tall": (ag.linalg.pinv, [(4, 3)]),
    "pinv_wide": (ag.linalg.pinv, [(2, 3, 4)]),
    "nuclear_norm": (lambda a: ag.linalg.matrix_norm(a, "nuc"), [(3, 4)]),
    "spectral_norm": (lambda a: ag.linalg.matrix_norm(a, 2), [(3, 4)]),
    "cond": (ag.linalg.cond, [(3, 3)]),
    "cholesky_solve": (lambda b, l: ag.cholesky_solve(b, ag.tril(l) + 3 * ag.eye(3, dtype=l.dtype, device=l.device)),
                       [(3, 2), (3, 3)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads(name, device):
    fn, shapes = GRAD_CASES[name]
    arrays = [rand_array(s, seed=i + 10) for i, s in enumerate(shapes)]
    if name.startswith("solve_triangular"):
        arrays[0] = arrays[0] + 3 * numpy.eye(3)
    check_grads(fn, *arrays, device=device)


# --- edge cases ----------------------------------------------------------------------------------------------
def test_values_only_gradients_at_repeated_values_are_finite(device):
    """eigvalsh, svdvals and a norm at repeated eigenvalues / singular values: the vectors' gradient is absent,
    not zero, so there is no 0/0 (d sum(eigenvalues) / dA = I; d ||A||_* / dA = U V^T = I at A = I)."""
    for fn, want in ((lambda a: ag.linalg.eigvalsh(a).sum(), numpy.eye(3)),
                     (lambda a: ag.linalg.eigh(a).eigenvalues.sum(), numpy.eye(3)),
                     (lambda a: ag.linalg.svdvals(a).sum(), numpy.eye(3)),
                     (lambda a: ag.linalg.svd(a).S.sum(), numpy.eye(3)),
                     (lambda a: ag.linalg.matrix_norm(a, "nuc"), numpy.eye(3))):
        A = ag.eye(3, dtype=ag.float64, device=device).requires_grad_()
        fn(A).backward()
        numpy.testing.assert_allclose(host(A.grad), want, atol=1e-12)


def test_eigh_gradient_is_symmetric_and_values_ascend(device):
    a = rand_array((4, 4))
    A = ag.tensor(a, requires_grad=True, device=device)
    w, v = ag.linalg.eigh(A)
    assert (numpy.diff(host(w)) > 0).all()
    numpy.testing.assert_allclose(host(v @ ag.diag_embed(w) @ v.mT), numpy.tril(a) + numpy.tril(a, -1).T, atol=1e-12)
    (w.sum() + sq(v).sum()).backward()
    numpy.testing.assert_allclose(host(A.grad), host(A.grad).T, atol=1e-12)


def test_svd_reconstructs_and_is_ordered(device):
    a = rand_array((2, 5, 3))
    u, s, vh = ag.linalg.svd(ag.tensor(a, device=device), full_matrices=False)
    assert tuple(u.shape) == (2, 5, 3) and tuple(s.shape) == (2, 3) and tuple(vh.shape) == (2, 3, 3)
    numpy.testing.assert_allclose(host(u @ ag.diag_embed(s) @ vh), a, atol=1e-12)
    assert (numpy.diff(host(s), axis=-1) <= 0).all()
    u, s, vh = ag.linalg.svd(ag.tensor(a, device=device))
    assert tuple(u.shape) == (2, 5, 5) and tuple(vh.shape) == (2, 3, 3)


def test_qr_mode_r_and_complete_tall_are_not_differentiable(device):
    A = ag.tensor(rand_array((4, 3)), requires_grad=True, device=device)
    q, r = ag.linalg.qr(A, mode="r")
    assert tuple(q.shape) == (0,) and tuple(r.shape) == (3, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()
    q, r = ag.linalg.qr(A, mode="complete")
    assert tuple(q.shape) == (4, 4) and tuple(r.shape) == (4, 3)
    numpy.testing.assert_allclose(host(q @ r), host(A), atol=1e-12)
    with pytest.raises(RuntimeError, match=r"mode='complete'.*4 x 3"):
        q.sum().backward()


def test_pinv_of_a_rank_deficient_matrix(device):
    torch = torch_or_skip()
    a = numpy.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1
    numpy.testing.assert_allclose(host(ag.linalg.pinv(ag.tensor(a, device=device))), numpy.linalg.pinv(a),
                                  rtol=1e-12)
    A, tA = ag.tensor(a, requires_grad=True, device=device), torch.tensor(a, requires_grad=True)
    ag.linalg.pinv(A).sum().backward()
    torch.linalg.pinv(tA).sum().backward()
    numpy.testing.assert_allclose(host(A.grad), tA.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_custom_function_without_materialized_grads():
    """ctx.set_materialize_grads(False): the gradient of an output no gradient reached comes as None."""
    seen = []

    class Two(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            seen.append((g2 is None, g3 is None))
            return (g2 * 2 if g2 is not None else 0) + (g3 * 3 if g3 is not None else 0)

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    b.sum().backward()
    assert seen == [(True, False)]
    numpy.testing.assert_array_equal(host(x.grad), [3.0, 3.0])


# --- errors ------------------------------------------------------------------------------------------------
def test_cholesky_of_a_matrix_that_is_not_positive_definite_raises():
    a = numpy.stack([spd((3, 3)), -numpy.eye(3)])
    with pytest.raises(ag.linalg.LinAlgError, match=r"not positive-definite.*\(2, 3, 3\)|\(2, 3, 3\).*not positive"):
        ag.linalg.cholesky(ag.tensor(a))


def test_solve_triangular_zero_on_the_diagonal_raises():
    with pytest.raises(ag.linalg.LinAlgError, match=r"zero on its diagonal.*\(3, 3\)|\(3, 3\).*zero on its diagonal"):
        ag.linalg.solve_triangular(ag.tensor(numpy.diag([1.0, 0.0, 2.0])), ag.ones(3, 1, dtype=ag.float64),
                                   upper=True)


@pytest.mark.parametrize("fn", [ag.linalg.cholesky, ag.linalg.eigh, ag.linalg.eigvalsh],
                         ids=["cholesky", "eigh", "eigvalsh"])
def test_square_decompositions_need_square_matrices(fn):
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        fn(ag.ones(2, 3))


@pytest.mark.parametrize("fn", [ag.linalg.cholesky, ag.linalg.qr, ag.linalg.eigh, ag.linalg.svd, ag.linalg.svdvals,
                                ag.linalg.pinv, ag.linalg.matrix_rank],
                         ids=["cholesky", "qr", "eigh", "svd", "svdvals", "pinv", "matrix_rank"])
def test_dims_and_dtype_errors(fn):
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(3,\)"):
        fn(ag.ones(3))
    with pytest.raises(TypeError, match="int64"):
        fn(ag.tensor([[1, 2], [3, 4]]))


def test_argument_errors():
    A = ag.tensor(lower((3, 3)))
    with pytest.raises(ValueError, match="mode.*'full'"):
        ag.linalg.qr(A, mode="full")
    with pytest.raises(ValueError, match="UPLO.*'X'"):
        ag.linalg.eigh(A, "X")
    with pytest.raises(TypeError, match="upper.*None"):
        ag.linalg.solve_triangular(A, A, upper=None)
    with pytest.raises(ValueError, match=r"\(3, 3\).*3 rows.*\(4, 2\)"):
        ag.linalg.solve_triangular(A, ag.ones(4, 2, dtype=ag.float64), upper=False)
    with pytest.raises(ValueError, match=r"3 columns.*\(2, 4\)"):
        ag.linalg.solve_triangular(A, ag.ones(2, 4, dtype=ag.float64), upper=False, left=False)
    with pytest.raises(ValueError, match="rtol.*-1"):
        ag.linalg.pinv(A, rtol=-1)
    with pytest.raises(ValueError, match="ord.*'bad'"):
        ag.linalg.matrix_norm(A, "bad")
    with pytest.raises(ValueError, match="ord.*'fro'"):
        ag.linalg.vector_norm(A, "fro")


# --- the strict stand-in for a GPU ------------------------------------------------------------------------------
STRICT_CASES = {
    "cholesky": (lambda a: ag.linalg.cholesky(spd_of(a)), [(2, 3, 3)]),
    "solve_triangular": (lambda a, b: ag.linalg.solve_triangular(a, b, upper=False), [(2, 3, 3), (2, 3, 2)]),
    "qr": (lambda a: pack(*ag.linalg.qr(a)), [(4, 3)]),
    "qr_wide": (lambda a: pack(*ag.linalg.qr(a)), [(3, 4)]),
    "eigh": (lambda a: pack(ag.linalg.eigh(sym(a))[0], sq(ag.linalg.eigh(sym(a))[1])), [(2, 3, 3)]),
    "svd": (lambda a: pack(*[sq(t) for t in ag.linalg.svd(a, full_matrices=False)]), [(2, 4, 3)]),
    "pinv": (ag.linalg.pinv, [(4, 3)]),
    "nuclear_norm": (lambda a: ag.linalg.matrix_norm(a, "nuc"), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(STRICT_CASES))
def test_strict_device(name):
    fn, shapes = STRICT_CASES[name]
    arrays = [rand_array(s, seed=i + 20) for i, s in enumerate(shapes)]
    if name == "solve_triangular":
        arrays[0] = arrays[0] + 3 * numpy.eye(3)
    check_on_strict_device(fn, arrays, [True] * len(arrays))


def test_strict_device_matrix_rank():
    check_on_strict_device(ag.linalg.matrix_rank, [rand_array((2, 3, 4))], [False])

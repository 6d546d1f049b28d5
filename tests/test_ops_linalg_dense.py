"""det / inverse / slogdet / logdet / solve / matrix_power and the ag.linalg namespace: values and gradients
against PyTorch, gradcheck + gradgradcheck, errors, and the strict stand-in for a GPU."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip


def well_conditioned(shape, seed=0, flip=True):
    """Random (..., n, n) matrices rand + 2n I (far from singular); with ``flip`` every other matrix has its
    first row negated, so determinants of both signs occur."""
    n = shape[-1]
    a = rand_array(shape, seed=seed, low=-1.0, high=1.0) + 2 * n * numpy.eye(n)
    if flip and len(shape) > 2:
        flat = a.reshape(-1, n, n)
        flat[::2, 0, :] *= -1
        a = flat.reshape(shape)
    return a


def spd(shape, seed=0):
    """Symmetric positive definite (..., n, n) matrices (positive determinants)."""
    m = rand_array(shape, seed=seed, low=-1.0, high=1.0)
    return m @ numpy.swapaxes(m, -1, -2) + shape[-1] * numpy.eye(shape[-1])


SQUARE_SHAPES = [(1, 1), (3, 3), (4, 4), (2, 3, 3), (2, 3, 4, 4)]


# --- values and gradients against PyTorch (float32 and float64) -----------------------------------
@pytest.mark.parametrize("shape", SQUARE_SHAPES)
@pytest.mark.parametrize("name", ["det", "inverse", "slogdet", "logdet"])
def test_square_ops_match_torch(name, shape, device):
    torch = torch_or_skip()
    ours = {"det": ag.det, "inverse": ag.inverse, "slogdet": lambda a: ag.slogdet(a).logabsdet,
            "logdet": ag.logdet}[name]
    theirs = {"det": torch.det, "inverse": torch.inverse, "slogdet": lambda a: torch.linalg.slogdet(a).logabsdet,
              "logdet": torch.logdet}[name]
    a = spd(shape) if name == "logdet" else well_conditioned(shape)
    compare_with_torch(ours, theirs, a, device=device)


@pytest.mark.parametrize("n", [-3, -2, -1, 1, 2, 3, 4, 7])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_matrix_power_matches_torch(shape, n, device):
    torch = torch_or_skip()
    a = well_conditioned(shape) / (2 * shape[-1])  # entries near 1: powers stay of moderate size
    compare_with_torch(lambda x: ag.matrix_power(x, n), lambda x: torch.linalg.matrix_power(x, n), a, device=device,
                       tol={"float32": dict(rtol=2e-4, atol=1e-4)})


SOLVE_SHAPES = [
    ((3, 3), (3,)),              # one vector
    ((3, 3), (3, 2)),            # one matrix
    ((2, 3, 3), (2, 3)),         # a batch of vectors (B.shape == A.shape[:-1])
    ((2, 3, 3), (3,)),           # one vector for every matrix
    ((2, 3, 3), (2, 3, 4)),      # batched matrices
    ((2, 3, 3), (3, 4)),         # B broadcast over the batch
    ((3, 3), (5, 3, 2)),         # A broadcast over B's batch
    ((2, 1, 3, 3), (4, 3, 1)),   # both broadcast
]


@pytest.mark.parametrize("sa, sb", SOLVE_SHAPES)
def test_solve_matches_torch(sa, sb, device):
    torch = torch_or_skip()
    compare_with_torch(ag.linalg.solve, torch.linalg.solve, well_conditioned(sa), rand_array(sb, seed=5),
                       device=device)


def test_slogdet_sign_matches_torch(device):
    torch = torch_or_skip()
    a = well_conditioned((4, 3, 3))
    a[1] = numpy.ones((3, 3))  # singular: sign 0, logabsdet -inf
    sign, logabs = ag.slogdet(ag.tensor(a, device=device))
    ts, tl = torch.linalg.slogdet(torch.tensor(a))
    numpy.testing.assert_array_equal(host(sign), ts.numpy())
    numpy.testing.assert_allclose(host(logabs), tl.numpy(), rtol=1e-12)


# --- gradcheck + gradgradcheck in float64 ----------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
@pytest.mark.parametrize("fn", [ag.det, ag.inverse, lambda a: ag.slogdet(a).logabsdet, ag.linalg.inv,
                                lambda a: ag.matrix_power(a, 3), lambda a: ag.matrix_power(a, -2),
                                lambda a: ag.matrix_power(a, 1)],
                         ids=["det", "inverse", "slogdet", "linalg.inv", "power3", "power-2", "power1"])
def test_grads(fn, shape, device):
    check_grads(fn, well_conditioned(shape) / shape[-1], device=device)


def test_logdet_grads(device):
    check_grads(ag.logdet, spd((2, 3, 3)), device=device)


@pytest.mark.parametrize("sa, sb", [((3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3, 2)),
                                    ((2, 1, 3, 3), (4, 3, 1))])
def test_solve_grads(sa, sb, device):
    check_grads(ag.linalg.solve, well_conditioned(sa) / sa[-1], rand_array(sb, seed=7), device=device)


def test_det_grad_with_respect_to_a_determinant_of_either_sign():
    """d det / dA = det(A) inv(A)^T (Jacobi's formula), for det < 0 too."""
    a = well_conditioned((2, 3, 3))
    A = ag.tensor(a, requires_grad=True)
    ag.det(A).sum().backward()
    want = numpy.linalg.det(a)[:, None, None] * numpy.swapaxes(numpy.linalg.inv(a), -1, -2)
    numpy.testing.assert_allclose(host(A.grad), want, rtol=1e-12)
    assert (numpy.linalg.det(a) < 0).any() and (numpy.linalg.det(a) > 0).any()


# --- special values ----------------------------------------------------------------------------
def test_logdet_negative_is_nan_and_singular_is_minus_inf():
    a = numpy.stack([numpy.diag([1.0, 2.0]), numpy.diag([-1.0, 2.0]), numpy.ones((2, 2))])
    out = host(ag.logdet(ag.tensor(a)))
    assert out[0] == pytest.approx(numpy.log(2.0))
    assert numpy.isnan(out[1])
    assert out[2] == -numpy.inf


def test_det_of_singular_is_zero_but_its_gradient_raises():
    A = ag.tensor(numpy.ones((3, 3)), requires_grad=True)
    d = ag.det(A)
    assert host(d) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ag.linalg.LinAlgError, match="singular"):
        d.backward()


def test_slogdet_sign_has_no_gradient_and_fields():
    A = ag.tensor(well_conditioned((3, 3)), requires_grad=True)
    res = A.slogdet()
    assert res.sign is res[0] and res.logabsdet is res[1]
    assert not res.sign.requires_grad and res.logabsdet.requires_grad


def test_matrix_power_zero_is_identity_with_zero_gradient():
    A = ag.tensor(well_conditioned((2, 3, 3)), requires_grad=True)
    P = ag.matrix_power(A, 0)
    numpy.testing.assert_array_equal(host(P), numpy.broadcast_to(numpy.eye(3), (2, 3, 3)))
    assert P.requires_grad and P.dtype == A.dtype
    P.sum().backward()
    numpy.testing.assert_array_equal(host(A.grad), numpy.zeros((2, 3, 3)))


def test_matrix_power_of_integers_and_one_is_a_copy():
    M = ag.tensor([[1, 1], [0, 1]])
    numpy.testing.assert_array_equal(host(ag.matrix_power(M, 5)), [[1, 5], [0, 1]])
    numpy.testing.assert_array_equal(host(ag.matrix_power(M, 0)), numpy.eye(2))
    A = ag.tensor(well_conditioned((3, 3)))
    P = ag.matrix_power(A, 1)
    assert P is not A
    numpy.testing.assert_array_equal(host(P), host(A))


def test_methods_and_namespace():
    a = well_conditioned((2, 3, 3))
    A = ag.tensor(a)
    numpy.testing.assert_allclose(host(A.det()), numpy.linalg.det(a), rtol=1e-12)
    numpy.testing.assert_allclose(host(A.inverse()), numpy.linalg.inv(a), rtol=1e-12)
    numpy.testing.assert_allclose(host(A.logdet()), host(ag.logdet(A)), rtol=0, equal_nan=True)
    numpy.testing.assert_allclose(host(A.matrix_power(2)), a @ a, rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.linalg.det(A)), numpy.linalg.det(a), rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.linalg.slogdet(A).logabsdet), numpy.linalg.slogdet(a)[1], rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.linalg.matrix_power(A, -1)), numpy.linalg.inv(a), rtol=1e-12)
    # the internal module keeps its name and contents
    import autograd_core.ops.linalg as internal

    assert ag.ops.linalg is internal and internal.matmul is ag.matmul
    assert ag.linalg is not internal and issubclass(ag.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("ord, dim, shape", [
    (None, None, (2, 3, 4)), (None, 1, (2, 3, 4)), (None, (0, 2), (2, 3, 4)), (3, None, (5,)), (1, -1, (2, 5)),
    (float("inf"), 0, (3, 4)), ("fro", None, (3, 4)), ("fro", (1, 2), (2, 3, 4)), (1, None, (3, 4)),
    (-1, None, (3, 4)), (float("inf"), (2, 0), (3, 2, 4)), (float("-inf"), None, (3, 4)),
])
@pytest.mark.parametrize("keepdim", [False, True])
def test_linalg_norm_matches_torch(ord, dim, shape, keepdim):
    torch = torch_or_skip()
    compare_with_torch(lambda x: ag.linalg.norm(x, ord, dim, keepdim),
                       lambda x: torch.linalg.norm(x, ord, dim, keepdim), rand_array(shape))


def test_linalg_norm_unknown_ord():
    with pytest.raises(ValueError, match="'bad' is not a matrix norm"):
        ag.linalg.norm(ag.ones(3, 3), "bad")


# --- errors --------------------------------------------------------------------------------------
SQUARE_FNS = [ag.det, ag.inverse, ag.slogdet, ag.logdet, lambda a: ag.matrix_power(a, 2),
              lambda a: ag.linalg.solve(a, ag.ones(3, 1))]
SQUARE_IDS = ["det", "inverse", "slogdet", "logdet", "matrix_power", "solve"]


@pytest.mark.parametrize("fn", SQUARE_FNS, ids=SQUARE_IDS)
def test_non_square_raises(fn):
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)|\(2, 3\).*square"):
        fn(ag.ones(2, 3))


@pytest.mark.parametrize("fn", SQUARE_FNS, ids=SQUARE_IDS)
def test_fewer_than_two_dims_raises(fn):
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(3,\)"):
        fn(ag.ones(3))


@pytest.mark.parametrize("fn", SQUARE_FNS[:4] + [lambda a: ag.matrix_power(a, -1), SQUARE_FNS[5]],
                         ids=SQUARE_IDS)
def test_integer_dtype_raises(fn):
    with pytest.raises(TypeError, match="int64"):
        fn(ag.tensor([[1, 2], [3, 4]]))


def test_solve_shape_errors():
    A = ag.tensor(well_conditioned((2, 3, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3, 3\).*\(4,\)"):
        ag.linalg.solve(A, ag.ones(4))
    with pytest.raises(ValueError, match=r"\(2, 3, 3\).*\(2, 4, 2\)"):
        ag.linalg.solve(A, ag.ones(2, 4, 2))
    with pytest.raises(ValueError, match=r"broadcast.*\(2, 3, 3\).*\(5, 3, 2\)"):
        ag.linalg.solve(A, ag.ones(5, 3, 2))
    with pytest.raises(TypeError, match="int64"):
        ag.linalg.solve(A, ag.tensor([1, 2, 3]))


@pytest.mark.parametrize("fn", [ag.inverse, ag.linalg.inv, lambda a: ag.linalg.solve(a, ag.ones(2, 3, 1)),
                                lambda a: ag.matrix_power(a, -2)], ids=["inverse", "inv", "solve", "power"])
def test_singular_raises(fn):
    a = well_conditioned((2, 3, 3))
    a[1] = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]]
    with pytest.raises(RuntimeError, match=r"singular.*\(2, 3, 3\)|\(2, 3, 3\).*singular"):
        fn(ag.tensor(a))


def test_matrix_power_n_must_be_an_int():
    with pytest.raises(TypeError, match="float"):
        ag.matrix_power(ag.eye(2), 1.5)


@pytest.mark.parametrize("sa, sb", [((3, 3), (2, 3)), ((2, 3, 3), (2, 4, 3)), ((2, 1, 3, 3), (4, 2, 3))])
def test_solve_left_false_matches_torch(sa, sb, device):
    torch = torch_or_skip()
    compare_with_torch(lambda a, b: ag.linalg.solve(a, b, left=False),
                       lambda a, b: torch.linalg.solve(a, b, left=False), well_conditioned(sa), rand_array(sb, seed=5),
                       device=device)


@pytest.mark.parametrize("sa, sb", [((3, 3), (2, 3)), ((3, 3), (3,)), ((2, 3, 3), (2, 3))])
def test_solve_left_false_values_and_grads(sa, sb, device):
    """X A = B, and for vectors x A = b (which PyTorch refuses): x = b inv(A)."""
    a, b = well_conditioned(sa) / sa[-1], rand_array(sb, seed=5)
    x = ag.linalg.solve(ag.tensor(a, device=device), ag.tensor(b, device=device), left=False)
    want = numpy.einsum("...i,...ij->...j", b, numpy.linalg.inv(a)) if len(sb) < len(sa) else b @ numpy.linalg.inv(a)
    numpy.testing.assert_allclose(host(x), want, rtol=1e-12)
    check_grads(lambda p, q: ag.linalg.solve(p, q, left=False), a, b, device=device)


def test_solve_left_false_shape_error():
    with pytest.raises(ValueError, match=r"3 columns.*\(3, 2\)"):
        ag.linalg.solve(ag.eye(3), ag.ones(3, 2), left=False)


# --- the strict stand-in for a GPU ------------------------------------------------------------------
@pytest.mark.parametrize("fn", [ag.det, ag.inverse, lambda a: ag.slogdet(a).logabsdet,
                                lambda a: ag.matrix_power(a, -2), lambda a: ag.matrix_power(a, 0)],
                         ids=["det", "inverse", "slogdet", "power-2", "power0"])
def test_strict_device_square(fn):
    check_on_strict_device(fn, [well_conditioned((2, 3, 3)) / 3], [True])


@pytest.mark.parametrize("sb, mask", [((2, 3, 2), [True, True]), ((3,), [True, True]), ((3, 1), [False, True]),
                                      ((2, 3), [True, False])])
def test_strict_device_solve(sb, mask):
    check_on_strict_device(ag.linalg.solve, [well_conditioned((2, 3, 3)) / 3, rand_array(sb, seed=3)], mask)

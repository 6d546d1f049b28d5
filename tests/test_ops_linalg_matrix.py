"""matrix_exp, multi_dot, lstsq, vander, tensorinv, tensorsolve, cholesky_ex and the small torch.linalg names
(diagonal, vecdot, cross, vector_norm): values and gradients against PyTorch, gradcheck + gradgradcheck in
float64, errors, and the strict stand-in for a GPU."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

F32 = {"float32": dict(rtol=2e-4, atol=2e-5)}


def spd(shape, seed=0):
    m = rand_array(shape, seed=seed, low=-1.0, high=1.0)
    return m @ numpy.swapaxes(m, -1, -2) + shape[-1] * numpy.eye(shape[-1])


# --- matrix_exp ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [0.01, 0.5, 3.0, 20.0])  # no squaring, a few, many
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
def test_matrix_exp_matches_torch(shape, scale, device):
    torch = torch_or_skip()
    a = rand_array(shape, seed=3) * scale / shape[-1]
    compare_with_torch(ag.linalg.matrix_exp, torch.linalg.matrix_exp, a, device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-4), "float64": dict(rtol=1e-10, atol=1e-10)})


def test_matrix_exp_known_values(device):
    """exp of a rotation generator is the rotation; of a nilpotent matrix, the finite series; of a diagonal,
    the diagonal of exps; exp(A) exp(-A) = I."""
    t = 0.7
    rot = ag.linalg.matrix_exp(ag.tensor([[0.0, -t], [t, 0.0]], dtype=ag.float64, device=device))
    numpy.testing.assert_allclose(host(rot), [[numpy.cos(t), -numpy.sin(t)], [numpy.sin(t), numpy.cos(t)]],
                                  rtol=1e-15, atol=1e-16)
    n = numpy.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    numpy.testing.assert_allclose(host(ag.matrix_exp(ag.tensor(n, device=device))), numpy.eye(3) + n + n @ n / 2,
                                  rtol=1e-15)
    d = numpy.array([-30.0, 0.5, 12.0])
    numpy.testing.assert_allclose(numpy.diag(host(ag.tensor(numpy.diag(d), device=device).matrix_exp())), numpy.exp(d),
                                  rtol=1e-13)  # (exp(12) after two squarings)
    a = rand_array((4, 4), seed=5)
    prod = ag.linalg.matrix_exp(ag.tensor(a, device=device)) @ ag.linalg.matrix_exp(ag.tensor(-a, device=device))
    numpy.testing.assert_allclose(host(prod), numpy.eye(4), atol=1e-13)


@pytest.mark.parametrize("scale", [0.3, 8.0])
def test_matrix_exp_grads(scale, device):
    check_grads(ag.linalg.matrix_exp, rand_array((2, 3, 3), seed=7) * scale / 3, device=device)


def test_matrix_exp_gradient_with_a_large_upstream_gradient(device):
    """The Frechet derivative is linear in G, and G is scaled to A's size before the block exponential: a huge
    G gives the same gradient, scaled."""
    a = rand_array((3, 3), seed=8)
    g = rand_array((3, 3), seed=9)
    grads = []
    for s in (1.0, 1e12):
        A = ag.tensor(a, requires_grad=True, device=device)
        ag.linalg.matrix_exp(A).backward(ag.tensor(g * s, device=device))
        grads.append(host(A.grad) / s)
    numpy.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


# --- multi_dot -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(2, 9), (9, 3), (3, 40), (40, 2)], [(6,), (6, 5), (5, 4)],
                                    [(3, 6), (6, 5), (5,)], [(6,), (6, 5), (5, 2), (2,)], [(7,), (7,)]])
def test_multi_dot_matches_torch(shapes, device):
    torch = torch_or_skip()
    arrays = [rand_array(s, seed=i) for i, s in enumerate(shapes)]

    def ours(*ts):
        return ag.linalg.multi_dot(list(ts)).reshape(-1)

    def theirs(*ts):
        return torch.linalg.multi_dot(list(ts)).reshape(-1)

    compare_with_torch(ours, theirs, *arrays, device=device, tol=F32)
    check_grads(lambda *ts: ag.linalg.multi_dot(ts), *arrays, device=device, second=False)


def test_multi_dot_takes_the_cheap_order():
    """(10 x 1000) (1000 x 5) (5 x 1000): (A B) C is 100,000 multiply-adds, A (B C) 15,000,000. The last
    product's first operand must be the product A B, its second C itself."""
    a, b, c = (ag.ones(*s).requires_grad_() for s in ((10, 1000), (1000, 5), (5, 1000)))
    out = ag.linalg.multi_dot([a, b, c])
    (first, _), (second, _) = out.grad_fn.next_functions
    assert not isinstance(first, ag.Tensor) and second is c
    numpy.testing.assert_allclose(host(out), numpy.full((10, 1000), 5000.0))
    d = ag.ones(1000, 5).requires_grad_()
    x, y = ag.linalg.multi_dot([d, ag.ones(5, 1000), ag.ones(1000, 10)]).grad_fn.next_functions
    assert x[0] is d and not isinstance(y[0], ag.Tensor)  # here D (E F) is the cheap one: 100,000 against 15,000,000


def test_multi_dot_errors():
    with pytest.raises(ValueError, match="at least 2"):
        ag.linalg.multi_dot([ag.ones(2, 2)])
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(2, 2, 2\)"):
        ag.linalg.multi_dot([ag.ones(2, 2), ag.ones(2, 2, 2), ag.ones(2, 2)])
    with pytest.raises(ValueError, match=r"tensors 0 and 1.*\(2, 3\).*\(4, 2\)"):
        ag.linalg.multi_dot([ag.ones(2, 3), ag.ones(4, 2)])


# --- lstsq -----------------------------------------------------------------------------------------------
LSTSQ_SHAPES = [((6, 3), (6, 2)), ((6, 3), (6,)), ((2, 5, 3), (2, 5, 4)), ((3, 5), (3, 2)), ((4, 4), (4, 1))]


@pytest.mark.parametrize("sa, sb, driver", [(sa, sb, d) for sa, sb in LSTSQ_SHAPES
                                            for d in (None, "gelsy", "gelsd", "gelss", "gels")
                                            if d != "gels" or sa[-2] >= sa[-1]])  # (torch's gels needs m >= n)
def test_lstsq_matches_torch(sa, sb, driver, device):
    torch = torch_or_skip()
    a, b = rand_array(sa, seed=1), rand_array(sb, seed=2)
    compare_with_torch(lambda x, y: ag.linalg.lstsq(x, y, driver=driver).solution,
                       lambda x, y: torch.linalg.lstsq(x, y, driver=driver).solution, a, b, device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-4)})
    ours = ag.linalg.lstsq(ag.tensor(a, device=device), ag.tensor(b, device=device), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for field in ("residuals", "rank", "singular_values"):
        o, t = getattr(ours, field), getattr(theirs, field)
        assert tuple(o.shape) == tuple(t.shape), field
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], field
        numpy.testing.assert_allclose(host(o), t.numpy(), rtol=1e-10, atol=1e-12, err_msg=field)


def test_lstsq_rank_deficient_gives_the_minimum_norm_solution(device):
    a = numpy.outer([1.0, 2.0, 3.0, 4.0], [1.0, 1.0])  # rank 1
    b = rand_array((4, 1), seed=3)
    res = ag.linalg.lstsq(ag.tensor(a, device=device), ag.tensor(b, device=device), driver="gelsd")
    numpy.testing.assert_allclose(host(res.solution), numpy.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-12)
    assert int(host(res.rank)) == 1 and tuple(res.residuals.shape) == (0,)  # not full rank: no residuals


def test_lstsq_grads(device):
    check_grads(lambda x, y: ag.linalg.lstsq(x, y).solution, rand_array((5, 3), seed=4), rand_array((5, 2), seed=5),
                device=device)
    check_grads(lambda x, y: ag.linalg.lstsq(x, y, driver="gelsd").residuals, rand_array((5, 3), seed=4),
                rand_array((5, 2), seed=5), device=device, second=False)


def test_lstsq_errors():
    A = ag.ones(4, 3, dtype=ag.float64)
    with pytest.raises(ValueError, match="driver.*'lapack'"):
        ag.linalg.lstsq(A, ag.ones(4, 1, dtype=ag.float64), driver="lapack")
    with pytest.raises(ValueError, match=r"\(4, 3\).*4 rows.*\(5, 1\)"):
        ag.linalg.lstsq(A, ag.ones(5, 1, dtype=ag.float64))
    with pytest.raises(TypeError, match="int64"):
        ag.linalg.lstsq(A, ag.tensor([[1], [2], [3], [4]]))


# --- vander, tensorinv, tensorsolve, small names ------------------------------------------------------------
def test_vander_tensorinv_tensorsolve_match_torch(device):
    torch = torch_or_skip()
    compare_with_torch(lambda x: ag.linalg.vander(x), lambda x: torch.linalg.vander(x), rand_array((2, 4)),
                       device=device, tol=F32)
    compare_with_torch(lambda x: ag.linalg.vander(x, N=6), lambda x: torch.linalg.vander(x, N=6), rand_array((3,)),
                       device=device, tol=F32)
    t = rand_array((2, 3, 6), seed=1) + 3 * numpy.eye(6).reshape(2, 3, 6)  # well-conditioned as a 6 x 6 matrix
    compare_with_torch(lambda x: ag.linalg.tensorinv(x, 2), lambda x: torch.linalg.tensorinv(x, 2), t, device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-4)})
    compare_with_torch(ag.linalg.tensorsolve, torch.linalg.tensorsolve, t, rand_array((2, 3), seed=2), device=device,
                       tol={"float32": dict(rtol=1e-3, atol=1e-4)})
    t4 = rand_array((6, 2, 3), seed=3) + 3 * numpy.eye(6).reshape(6, 2, 3)
    compare_with_torch(lambda x, y: ag.linalg.tensorsolve(x, y, dims=(0,)),
                       lambda x, y: torch.linalg.tensorsolve(x, y, dims=(0,)), t4, rand_array((2, 3), seed=4),
                       device=device, tol={"float32": dict(rtol=1e-3, atol=1e-4)})


def test_small_names_match_torch(device):
    torch = torch_or_skip()
    a, b = rand_array((2, 3, 4)), rand_array((1, 3, 4), seed=1)
    compare_with_torch(lambda x: ag.linalg.diagonal(x, offset=1), lambda x: torch.linalg.diagonal(x, offset=1), a,
                       device=device)
    compare_with_torch(lambda x, y: ag.linalg.vecdot(x, y, dim=1), lambda x, y: torch.linalg.vecdot(x, y, dim=1), a, b,
                       device=device)
    compare_with_torch(lambda x, y: ag.linalg.cross(x, y, dim=1), lambda x, y: torch.linalg.cross(x, y, dim=1), a, b,
                       device=device)
    for ord in (2, 1, 0.5, float("inf"), 0):
        compare_with_torch(lambda x: ag.linalg.vector_norm(x, ord, dim=(0, 2)),
                           lambda x: torch.linalg.vector_norm(x, ord, dim=(0, 2)), a, device=device)


def test_tensorinv_tensorsolve_errors():
    with pytest.raises(ValueError, match=r"\(2, 3, 5\).*6.*5"):
        ag.linalg.tensorinv(ag.ones(2, 3, 5), 2)
    with pytest.raises(ValueError, match="ind"):
        ag.linalg.tensorinv(ag.ones(2, 2), 0)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        ag.linalg.tensorsolve(ag.ones(2, 3, 6), ag.ones(3, 2))
    with pytest.raises(ValueError, match="N"):
        ag.linalg.vander(ag.ones(3), N=-1)


# --- cholesky_ex -------------------------------------------------------------------------------------------
def test_cholesky_ex_info_matches_torch(device):
    torch = torch_or_skip()
    a = numpy.stack([spd((4, 4), seed=i) for i in range(4)])
    a[1, 2, 2] = -5.0  # fails at the third leading minor
    a[2, 0, 0] = -1.0  # at the first
    a[3, 3, 3] = float("nan")
    L, info = ag.linalg.cholesky_ex(ag.tensor(a, device=device))
    tL, tinfo = torch.linalg.cholesky_ex(torch.tensor(a))
    assert info.dtype == ag.int32
    numpy.testing.assert_array_equal(host(info), tinfo.numpy())
    numpy.testing.assert_allclose(host(L)[0], tL.numpy()[0], rtol=1e-12)
    numpy.testing.assert_allclose(host(L)[1][:, :2], tL.numpy()[1][:, :2], rtol=1e-12)  # the columns before the failure
    ok = ag.linalg.cholesky_ex(ag.tensor(a[:1], device=device), upper=True)
    numpy.testing.assert_allclose(host(ok.L), numpy.swapaxes(numpy.linalg.cholesky(a[:1]), -1, -2), rtol=1e-12)
    assert host(ok.info).tolist() == [0]
    with pytest.raises(ag.linalg.LinAlgError, match="not positive-definite"):
        ag.linalg.cholesky_ex(ag.tensor(a), check_errors=True)


def test_cholesky_ex_gradient_of_the_matrices_that_succeed(device):
    a = numpy.stack([spd((3, 3)), -numpy.eye(3), spd((3, 3), seed=2)])
    A = ag.tensor(a, requires_grad=True, device=device)
    L, info = ag.linalg.cholesky_ex(A)
    (L[0].sum() + L[2].sum()).backward()
    B = ag.tensor(a[[0, 2]], requires_grad=True, device=device)
    ag.linalg.cholesky(B).sum().backward()
    numpy.testing.assert_allclose(host(A.grad)[[0, 2]], host(B.grad), rtol=1e-12)
    assert not host(A.grad)[1].any()


# --- the strict stand-in for a GPU --------------------------------------------------------------------------
STRICT_CASES = {
    "matrix_exp": (ag.linalg.matrix_exp, [(2, 3, 3)], [True]),
    "lstsq": (lambda a, b: ag.linalg.lstsq(a, b, driver="gelsd").solution, [(5, 3), (5, 2)], [True, True]),
    "multi_dot": (lambda a, b, c: ag.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)], [True, True, True]),
    "vander": (lambda x: ag.linalg.vander(x), [(2, 3)], [True]),
}


@pytest.mark.parametrize("name", sorted(STRICT_CASES))
def test_strict_device(name):
    fn, shapes, mask = STRICT_CASES[name]
    check_on_strict_device(fn, [rand_array(s, seed=i) for i, s in enumerate(shapes)], mask)


def test_strict_device_cholesky_ex_failure_path():
    a = numpy.stack([spd((3, 3)), -numpy.eye(3)])
    check_on_strict_device(lambda x: ag.linalg.cholesky_ex(x).L, [a], [True])

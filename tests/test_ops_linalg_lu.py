"""LU with partial pivoting: lu_factor(_ex), lu, lu_unpack, lu_solve, solve_ex, inv_ex. Factors, pivots and
gradients against PyTorch (LAPACK's getrf), gradcheck + gradgradcheck, singular matrices, errors, and the
strict stand-in for a GPU."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

SHAPES = [(1, 1), (4, 4), (2, 5, 5), (6, 3), (3, 6), (2, 1, 7, 4), (40, 40), (70, 45)]  # (two panels past 32)
LOOSE = {"float32": dict(rtol=1e-3, atol=1e-4), "float64": dict(rtol=1e-9, atol=1e-10)}


def _pack(*ts):
    if isinstance(ts[0], ag.Tensor):
        return ag.cat([t.reshape(-1) for t in ts])
    import torch

    return torch.cat([t.reshape(-1) for t in ts])


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_matches_torch(shape, device):
    torch = torch_or_skip()
    a = rand_array(shape, seed=len(shape))
    LU, piv = ag.linalg.lu_factor(ag.tensor(a, device=device))
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    assert piv.dtype == ag.int32
    numpy.testing.assert_array_equal(host(piv), tpiv.numpy())  # the same row interchanges as LAPACK
    numpy.testing.assert_allclose(host(LU), tLU.numpy(), rtol=1e-10, atol=1e-12)
    compare_with_torch(lambda x: ag.linalg.lu_factor(x).LU, lambda x: torch.linalg.lu_factor(x).LU, a, device=device,
                       tol=LOOSE)


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_matches_torch(shape, device):
    torch = torch_or_skip()
    a = rand_array(shape, seed=3)
    P, L, U = ag.linalg.lu(ag.tensor(a, device=device))
    tP, tL, tU = torch.linalg.lu(torch.tensor(a))
    numpy.testing.assert_array_equal(host(P), tP.numpy())
    numpy.testing.assert_allclose(host(P @ L @ U), a, atol=1e-12)
    compare_with_torch(lambda x: _pack(*ag.linalg.lu(x)[1:]), lambda x: _pack(*torch.linalg.lu(x)[1:]), a,
                       device=device, tol=LOOSE)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("sa, sb", [((4, 4), (4, 2)), ((2, 3, 3), (2, 3, 5)), ((2, 3, 3), (3, 1)), ((3, 3), (2, 3, 2))])
def test_lu_solve_matches_torch(sa, sb, left, adjoint, device):
    torch = torch_or_skip()
    a = rand_array(sa, seed=1) + 2 * numpy.eye(sa[-1])
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    b = rand_array(sb if left else sb[:-2] + sb[-2:][::-1], seed=2)
    piv = ag.tensor(tpiv.numpy(), device=device)
    compare_with_torch(lambda lu, y: ag.linalg.lu_solve(lu, piv, y, left=left, adjoint=adjoint),
                       lambda lu, y: torch.linalg.lu_solve(lu, tpiv, y, left=left, adjoint=adjoint),
                       tLU.numpy(), b, device=device, tol=LOOSE)


def test_lu_solve_of_our_factors_solves(device):
    a = rand_array((2, 6, 6), seed=4)
    b = rand_array((2, 6, 3), seed=5)
    LU, piv = ag.linalg.lu_factor(ag.tensor(a, device=device))
    numpy.testing.assert_allclose(host(ag.linalg.lu_solve(LU, piv, ag.tensor(b, device=device))),
                                  numpy.linalg.solve(a, b), rtol=1e-10)


GRAD_CASES = {
    "lu_square": (lambda a: _pack(*ag.linalg.lu(a)[1:]), (3, 3)),
    "lu_tall": (lambda a: _pack(*ag.linalg.lu(a)[1:]), (4, 3)),
    "lu_wide": (lambda a: _pack(*ag.linalg.lu(a)[1:]), (2, 3, 4)),
    "lu_factor": (lambda a: ag.linalg.lu_factor(a).LU, (2, 3, 3)),
    "lu_solve": (lambda a: ag.linalg.lu_solve(*ag.linalg.lu_factor(a), a.mT), (3, 3)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads(name, device):
    fn, shape = GRAD_CASES[name]
    check_grads(fn, rand_array(shape, seed=6) + (2 * numpy.eye(*shape[-2:]) if name == "lu_solve" else 0),
                device=device)


def test_singular_matrices_info_and_ex_functions(device):
    torch = torch_or_skip()
    a = numpy.stack([rand_array((3, 3), seed=1) + 3 * numpy.eye(3), numpy.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]]),
                     numpy.zeros((3, 3))])
    A = ag.tensor(a, device=device)
    LU, piv, info = ag.linalg.lu_factor_ex(A)
    tLU, tpiv, tinfo = torch.linalg.lu_factor_ex(torch.tensor(a))
    assert info.dtype == ag.int32
    numpy.testing.assert_array_equal(host(info), tinfo.numpy())
    numpy.testing.assert_array_equal(host(piv), tpiv.numpy())
    numpy.testing.assert_allclose(host(LU), tLU.numpy(), atol=1e-12)
    with pytest.raises(ag.linalg.LinAlgError, match=r"\(3, 3, 3\) is singular"):
        ag.linalg.lu_factor_ex(A, check_errors=True)
    inv, info = ag.linalg.inv_ex(A)
    numpy.testing.assert_array_equal(host(info), torch.linalg.inv_ex(torch.tensor(a)).info.numpy())
    numpy.testing.assert_allclose(host(inv)[0], numpy.linalg.inv(a[0]), rtol=1e-12)
    assert numpy.isnan(host(inv)[1:]).all()
    b = rand_array((3, 3, 2), seed=2)
    x, info = ag.linalg.solve_ex(A, ag.tensor(b, device=device))
    numpy.testing.assert_array_equal(host(info), torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b)).info.numpy())
    numpy.testing.assert_allclose(host(x)[0], numpy.linalg.solve(a[0], b[0]), rtol=1e-12)
    assert numpy.isnan(host(x)[1:]).all()
    with pytest.raises(RuntimeError, match="singular"):
        ag.linalg.inv_ex(A, check_errors=True)
    with pytest.raises(RuntimeError, match="singular"):
        ag.linalg.solve_ex(A, ag.tensor(b, device=device), check_errors=True)


def test_ex_functions_on_invertible_matrices_and_their_gradients(device):
    a = rand_array((2, 3, 3), seed=3) + 3 * numpy.eye(3)
    A = ag.tensor(a, device=device, requires_grad=True)
    inv, info = ag.linalg.inv_ex(A)
    assert host(info).tolist() == [0, 0]
    numpy.testing.assert_allclose(host(inv), numpy.linalg.inv(a), rtol=1e-12)
    x, info = ag.linalg.solve_ex(A, ag.ones(3, dtype=ag.float64, device=device))
    numpy.testing.assert_allclose(host(x), numpy.linalg.solve(a, numpy.ones(3)), rtol=1e-12)
    singular = numpy.stack([a[0], numpy.zeros((3, 3))])
    S = ag.tensor(singular, device=device, requires_grad=True)
    ag.linalg.inv_ex(S).inverse[0].sum().backward()
    B = ag.tensor(a[:1], device=device, requires_grad=True)
    ag.linalg.inv(B).sum().backward()
    numpy.testing.assert_allclose(host(S.grad)[0], host(B.grad)[0], rtol=1e-12)
    assert not host(S.grad)[1].any()


def test_lu_unpack_parts():
    a = rand_array((5, 3), seed=8)
    LU, piv = ag.linalg.lu_factor(ag.tensor(a))
    P, L, U = ag.lu_unpack(LU, piv)
    numpy.testing.assert_allclose(host(P @ L @ U), a, atol=1e-12)
    P2, L2, U2 = ag.lu_unpack(LU, piv, unpack_data=False)
    assert tuple(L2.shape) == (0,) and tuple(U2.shape) == (0,)
    numpy.testing.assert_array_equal(host(P2), host(P))
    _, L3, _ = ag.lu_unpack(LU, piv, unpack_pivots=False)
    numpy.testing.assert_array_equal(host(L3), host(L))


def test_errors():
    with pytest.raises(NotImplementedError, match="pivot=False"):
        ag.linalg.lu_factor(ag.eye(3), pivot=False)
    with pytest.raises(TypeError, match="int64"):
        ag.linalg.lu_factor(ag.tensor([[1, 2], [3, 4]]))
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(3,\)"):
        ag.linalg.lu(ag.ones(3))
    LU, piv = ag.linalg.lu_factor(ag.eye(3, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"\(3, 3\).*3 rows.*\(4, 1\)"):
        ag.linalg.lu_solve(LU, piv, ag.ones(4, 1, dtype=ag.float64))
    singular, piv = ag.linalg.lu_factor(ag.zeros(3, 3, dtype=ag.float64))
    with pytest.raises(ag.linalg.LinAlgError, match="zero on its diagonal"):
        ag.linalg.lu_solve(singular, piv, ag.ones(3, 1, dtype=ag.float64))


@pytest.mark.parametrize("name", ["lu_square", "lu_tall", "lu_solve"])
def test_strict_device(name):
    fn, shape = GRAD_CASES[name]
    check_on_strict_device(fn, [rand_array(shape, seed=9) + (2 * numpy.eye(*shape[-2:]) if name == "lu_solve" else 0)],
                           [True])

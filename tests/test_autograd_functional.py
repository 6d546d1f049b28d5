"""autograd.functional: jacobian, hessian, vjp, jvp, vhp and hvp against closed forms (a linear map's Jacobian
is its matrix, a quadratic form's Hessian A + A^T), against each other (J v and v^T J from the Jacobian), with
create_graph (the Hessian as the Jacobian of a differentiable Jacobian), with tuples of inputs and outputs, the
errors a user can cause, and against torch.autograd.functional where installed."""

import numpy
import pytest

import autograd_core as ag
from checks import host, torch_or_skip

AF = ag.autograd.functional


def t64(a, device, requires_grad=False):
    return ag.tensor(numpy.asarray(a, dtype=numpy.float64), dtype=ag.float64, device=device,
                     requires_grad=requires_grad)


RNG = numpy.random.default_rng(0)
A = RNG.standard_normal((3, 4))
Q = RNG.standard_normal((4, 4))
X = RNG.standard_normal(4)


def test_jacobian_of_a_linear_map_is_its_matrix(device):
    a = t64(A, device)
    jac = AF.jacobian(lambda x: a @ x, t64(X, device))
    assert tuple(jac.shape) == (3, 4) and not jac.requires_grad
    numpy.testing.assert_allclose(host(jac), A, rtol=1e-15, atol=1e-15)


def test_hessian_of_a_quadratic_form_and_mixed_blocks(device):
    q = t64(Q, device)
    h = AF.hessian(lambda x: x @ (q @ x), t64(X, device))
    numpy.testing.assert_allclose(host(h), Q + Q.T, rtol=1e-14, atol=1e-14)
    # two inputs: f = sum(x * y^2) has H_xy = diag(2 y), H_yy = diag(2 x), H_xx = 0
    x, y = RNG.standard_normal(3), RNG.standard_normal(3)
    hh = AF.hessian(lambda p, r: (p * r * r).sum(), (t64(x, device), t64(y, device)))
    numpy.testing.assert_allclose(host(hh[0][0]), numpy.zeros((3, 3)), atol=0)
    numpy.testing.assert_allclose(host(hh[0][1]), numpy.diag(2 * y), rtol=1e-15)
    numpy.testing.assert_allclose(host(hh[1][0]), numpy.diag(2 * y), rtol=1e-15)
    numpy.testing.assert_allclose(host(hh[1][1]), numpy.diag(2 * x), rtol=1e-15)


def f_nonlinear(x):
    return ag.exp(x[:3]) * x.sum() + ag.sin(x[1:])


def test_vjp_jvp_vhp_hvp_agree_with_the_jacobian_and_hessian(device):
    x = t64(X, device)
    jac = host(AF.jacobian(f_nonlinear, x))
    u, w = RNG.standard_normal(3), RNG.standard_normal(4)
    out, vj = AF.vjp(f_nonlinear, x, t64(u, device))
    numpy.testing.assert_allclose(host(out), host(f_nonlinear(x)), rtol=1e-15)
    numpy.testing.assert_allclose(host(vj), u @ jac, rtol=1e-13)
    _, jv = AF.jvp(f_nonlinear, x, t64(w, device))
    numpy.testing.assert_allclose(host(jv), jac @ w, rtol=1e-13)

    def scalar(z):
        return (f_nonlinear(z) ** 2).sum()

    hess = host(AF.hessian(scalar, x))
    numpy.testing.assert_allclose(hess, hess.T, rtol=1e-12)
    for fn in (AF.vhp, AF.hvp):
        val, hv = fn(scalar, x, t64(w, device))
        assert val.numel() == 1
        numpy.testing.assert_allclose(host(hv), hess @ w, rtol=1e-12)


def test_create_graph_makes_results_differentiable(device):
    x = t64(X, device, requires_grad=True)
    jac = AF.jacobian(lambda z: ag.tanh(z) * z.sum(), x, create_graph=True)
    assert jac.requires_grad
    (g,) = ag.grad(jac.sum(), x)  # d/dx of sum_ij J_ij, by the engine; against finite differences:
    eps = 1e-6
    fd = []
    for k in range(4):
        e = numpy.zeros(4)
        e[k] = eps
        hi = host(AF.jacobian(lambda z: ag.tanh(z) * z.sum(), t64(X + e, device))).sum()
        lo = host(AF.jacobian(lambda z: ag.tanh(z) * z.sum(), t64(X - e, device))).sum()
        fd.append((hi - lo) / (2 * eps))
    numpy.testing.assert_allclose(host(g), fd, rtol=1e-6, atol=1e-8)


def test_tuple_structure_unused_inputs_and_strict(device):
    a, b = t64([1.0, 2.0], device), t64([3.0], device)
    jac = AF.jacobian(lambda p, q: (p * 2, p.sum() * q), (a, b))
    assert isinstance(jac, tuple) and len(jac) == 2 and all(len(j) == 2 for j in jac)
    assert [tuple(j.shape) for j in jac[0]] == [(2, 2), (2, 1)] and [tuple(j.shape) for j in jac[1]] == [(1, 2), (1, 1)]
    assert not host(jac[0][1]).any()  # p * 2 does not depend on q: zeros
    with pytest.raises(RuntimeError, match="output 0 of the function does not depend on input 1"):
        AF.jacobian(lambda p, q: p * 2, (a, b), strict=True)


def test_errors(device):
    x = t64([1.0, 2.0], device)
    with pytest.raises(ValueError, match=r"output has shape \(2,\); give v"):
        AF.vjp(lambda z: z * 2, x)
    with pytest.raises(ValueError, match=r"v\[0\] has shape \(3,\), but it must have shape \(2,\)"):
        AF.jvp(lambda z: z * 2, x, t64([1.0, 2.0, 3.0], device))
    with pytest.raises(ValueError, match="single entry"):
        AF.hessian(lambda z: z * 2, x)
    with pytest.raises(TypeError, match="inputs must be a Tensor or a tuple of Tensors, got list"):
        AF.jacobian(lambda z: z, [[1.0]])
    with pytest.raises(ValueError, match="strategy"):
        AF.jacobian(lambda z: z, x, strategy="forward-mode")


def test_matches_torch_functional():
    torch = torch_or_skip()
    TF = torch.autograd.functional
    x, y = RNG.standard_normal(3), RNG.standard_normal((2, 2))

    def make(mod):
        return lambda a, b: (mod.exp(a) * a.sum(), (b @ b).sum() * a[0])

    ours = AF.jacobian(make(ag), (t64(x, "cpu"), t64(y, "cpu")))
    theirs = TF.jacobian(make(torch), (torch.tensor(x), torch.tensor(y)))
    for i in range(2):
        for j in range(2):
            numpy.testing.assert_allclose(host(ours[i][j]), theirs[i][j].numpy(), rtol=1e-13, atol=1e-15)

    def g(a, b):
        return (a.exp() * a).sum() + (b * b * a[1]).sum()

    ours_h = AF.hessian(g, (t64(x, "cpu"), t64(y, "cpu")))
    theirs_h = TF.hessian(g, (torch.tensor(x), torch.tensor(y)))
    for i in range(2):
        for j in range(2):
            numpy.testing.assert_allclose(host(ours_h[i][j]), theirs_h[i][j].numpy(), rtol=1e-13, atol=1e-15)

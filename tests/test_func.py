"""autograd_core.func (torch.func's grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap): values
against torch.func and closed forms, composition (grad of grad, per-sample gradients with vmap of grad,
hessian), pytrees, has_aux, randomness modes, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
from autograd_core import func
from checks import host, rand_array, torch_or_skip

pytestmark = pytest.mark.filterwarnings("ignore:.torch.jit.script. is deprecated")


def t(a, device="cpu"):
    return ag.tensor(numpy.asarray(a), device=device)


def f_sin(x):
    return (x.sin() * x).sum()


def g_outer(x, y):
    return (x[:, None] * y[None, :]).sin()


def test_grad_matches_closed_form_and_torch(device):
    x = rand_array((4,))
    gx = func.grad(f_sin)(t(x, device))
    numpy.testing.assert_allclose(host(gx), numpy.cos(x) * x + numpy.sin(x), rtol=1e-14)
    assert not gx.requires_grad
    torch = torch_or_skip()
    numpy.testing.assert_allclose(host(gx), torch.func.grad(lambda v: (v.sin() * v).sum())(torch.tensor(x)).numpy(),
                                  rtol=1e-14)


def test_grad_argnums_has_aux_and_value(device):
    x, y = rand_array((3,)), rand_array((3,), seed=1)

    def f(a, b):
        return (a * a * b).sum(), {"mean": a.mean()}

    (ga, gb), aux = func.grad(f, argnums=(0, 1), has_aux=True)(t(x, device), t(y, device))
    numpy.testing.assert_allclose(host(ga), 2 * x * y, rtol=1e-14)
    numpy.testing.assert_allclose(host(gb), x * x, rtol=1e-14)
    assert set(aux) == {"mean"} and not aux["mean"].requires_grad
    g, (value, aux) = func.grad_and_value(f, argnums=1, has_aux=True)(t(x, device), t(y, device))
    numpy.testing.assert_allclose(host(g), x * x, rtol=1e-14)
    assert float(host(value)) == pytest.approx(float((x * x * y).sum()))
    gneg = func.grad(lambda a, b: (a * b).sum(), argnums=-1)(t(x, device), t(y, device))
    numpy.testing.assert_allclose(host(gneg), x)


def test_grad_of_pytrees_and_unused_inputs(device):
    x = rand_array((3,))
    params = {"w": t(x, device), "b": (t(x * 2, device), t(x * 0 + 1, device))}
    g = func.grad(lambda p: (p["w"] * p["b"][0]).sum())(params)
    assert set(g) == {"w", "b"} and isinstance(g["b"], tuple)
    numpy.testing.assert_allclose(host(g["w"]), 2 * x)
    numpy.testing.assert_allclose(host(g["b"][0]), x)
    numpy.testing.assert_array_equal(host(g["b"][1]), numpy.zeros(3))  # not used: zeros


def test_grad_of_grad_and_hessian(device):
    x = rand_array((4,))
    second = func.grad(lambda v: func.grad(lambda u: (u ** 3).sum())(v).sum())(t(x, device))
    numpy.testing.assert_allclose(host(second), 6 * x, rtol=1e-14)
    h = func.hessian(f_sin)(t(x, device))
    want = numpy.diag(2 * numpy.cos(x) - x * numpy.sin(x))
    numpy.testing.assert_allclose(host(h), want, atol=1e-14)
    torch = torch_or_skip()
    th = torch.func.hessian(lambda v: (v.sin() * v).sum())(torch.tensor(x))
    numpy.testing.assert_allclose(host(h), th.numpy(), atol=1e-14)


def test_grad_result_stays_differentiable_when_the_input_requires_grad(device):
    x = ag.tensor(rand_array((3,)), device=device, requires_grad=True)
    g = func.grad(lambda v: (v ** 3).sum())(x)  # 3 x^2, connected to x
    assert g.requires_grad
    g.sum().backward()
    numpy.testing.assert_allclose(host(x.grad), 6 * host(x), rtol=1e-14)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd"])
def test_jacobians_match_torch(name, device):
    torch = torch_or_skip()
    x, y = rand_array((4,)), rand_array((3,), seed=1)
    ours = getattr(func, name)(g_outer, argnums=(0, 1))(t(x, device), t(y, device))
    theirs = getattr(torch.func, name)(lambda a, b: (a[:, None] * b[None, :]).sin(), argnums=(0, 1))(
        torch.tensor(x), torch.tensor(y))
    for o, th in zip(ours, theirs):
        assert tuple(o.shape) == tuple(th.shape) == (4, 3) + tuple(o.shape[2:])
        numpy.testing.assert_allclose(host(o), th.numpy(), atol=1e-15)
    outs = func.jacrev(lambda a: (a.sum(), a * 2))(t(x, device))  # a tuple of outputs: a tuple of Jacobians
    assert tuple(outs[0].shape) == (4,) and tuple(outs[1].shape) == (4, 4)
    numpy.testing.assert_allclose(host(outs[1]), 2 * numpy.eye(4))


def test_vjp_and_jvp_match_torch(device):
    torch = torch_or_skip()
    x, y = rand_array((4,)), rand_array((3,), seed=1)
    v = rand_array((4, 3), seed=2)
    out, fn = func.vjp(g_outer, t(x, device), t(y, device))
    tout, tfn = torch.func.vjp(lambda a, b: (a[:, None] * b[None, :]).sin(), torch.tensor(x), torch.tensor(y))
    numpy.testing.assert_allclose(host(out), tout.detach().numpy())
    for _ in range(2):  # vjp_fn may be called again
        for o, th in zip(fn(t(v, device)), tfn(torch.tensor(v))):
            numpy.testing.assert_allclose(host(o), th.numpy(), atol=1e-15)
    tx, ty = rand_array((4,), seed=3), rand_array((3,), seed=4)
    out, jv = func.jvp(g_outer, (t(x, device), t(y, device)), (t(tx, device), t(ty, device)))
    tout, tjv = torch.func.jvp(lambda a, b: (a[:, None] * b[None, :]).sin(), (torch.tensor(x), torch.tensor(y)),
                               (torch.tensor(tx), torch.tensor(ty)))
    numpy.testing.assert_allclose(host(jv), tjv.numpy(), atol=1e-15)
    numpy.testing.assert_allclose(host(out), tout.numpy())


def test_per_sample_gradients_with_vmap_of_grad(device):
    w, xs, ys = rand_array((3, 4)), rand_array((5, 4), seed=1), rand_array((5, 3), seed=2)

    def loss(weight, x, y):
        return ((x @ weight.mT - y) ** 2).sum()

    per = func.vmap(func.grad(loss), in_dims=(None, 0, 0))(t(w, device), t(xs, device), t(ys, device))
    assert tuple(per.shape) == (5, 3, 4) and not per.requires_grad
    want = numpy.stack([2 * numpy.outer(x @ w.T - y, x) for x, y in zip(xs, ys)])
    numpy.testing.assert_allclose(host(per), want, rtol=1e-13)
    torch = torch_or_skip()
    theirs = torch.func.vmap(torch.func.grad(lambda a, b, c: ((b @ a.mT - c) ** 2).sum()), in_dims=(None, 0, 0))(
        torch.tensor(w), torch.tensor(xs), torch.tensor(ys))
    numpy.testing.assert_allclose(host(per), theirs.numpy(), rtol=1e-13)


def test_vmap_dims_nesting_and_pytrees(device):
    a = rand_array((2, 3))
    out = func.vmap(lambda r: r * 2, in_dims=1, out_dims=1)(t(a, device))
    numpy.testing.assert_allclose(host(out), 2 * a)
    outer = func.vmap(func.vmap(lambda u, v: u * v))(t(a, device), t(a, device))
    numpy.testing.assert_allclose(host(outer), a * a)
    res = func.vmap(lambda d: {"s": d["x"].sum(), "p": (d["x"] * 2,)})({"x": t(a, device)})
    numpy.testing.assert_allclose(host(res["s"]), a.sum(1))
    numpy.testing.assert_allclose(host(res["p"][0]), 2 * a)
    kept = func.vmap(lambda r: (r.sum(), r), out_dims=(0, None))(t(a, device))
    numpy.testing.assert_allclose(host(kept[1]), a[0])  # out_dims None: the first slice's value


def test_vmap_randomness(device):
    x = ag.ones(4, 3, device=device)
    ag.manual_seed(0)
    with pytest.raises(RuntimeError, match="random operation.*randomness='error'"):
        func.vmap(lambda r: r + ag.randn(3, device=device))(x)
    same = host(func.vmap(lambda r: r + ag.randn(3, device=device), randomness="same")(x))
    assert numpy.allclose(same, same[:1])
    different = host(func.vmap(lambda r: r + ag.randn(3, device=device), randomness="different")(x))
    assert not numpy.allclose(different[0], different[1])


def test_errors():
    x = ag.ones(3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match=r"scalar Tensor, got a tensor of shape \(3,\)"):
        func.grad(lambda v: v * 2)(x)
    with pytest.raises(ValueError, match="argnums 2 is out of range.*1 positional"):
        func.grad(lambda v: v.sum(), argnums=2)(x)
    with pytest.raises(TypeError, match="argnums must be an int"):
        func.grad(lambda v: v.sum(), argnums=[0])(x)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        func.grad(lambda v: v.sum())(ag.tensor([1, 2]))
    with pytest.raises(TypeError, match="found a str"):
        func.grad(lambda v: 0)("x")
    with pytest.raises(ValueError, match="same size in the mapped dim, got sizes 3 and 4"):
        func.vmap(lambda a, b: a + b)(ag.ones(3), ag.ones(4))
    with pytest.raises(ValueError, match="in_dims is a tuple of 1 entries.*2 positional"):
        func.vmap(lambda a, b: a, in_dims=(0,))(ag.ones(3), ag.ones(3))
    with pytest.raises(ValueError, match="randomness must be"):
        func.vmap(lambda a: a, randomness="maybe")
    with pytest.raises(ValueError, match="at least one argument"):
        func.vmap(lambda a: a, in_dims=None)(ag.ones(3))
    with pytest.raises(RuntimeError, match="tangents must have the structure"):
        func.jvp(lambda a: a, (ag.ones(3),), (ag.ones(4),))

"""nn.utils.parametrize and parametrizations (weight_norm, spectral_norm), the older hook-based weight_norm /
spectral_norm, BatchNorm fusion and stateless.functional_call: values, gradients and state_dict keys against
PyTorch, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from checks import host, rand_array, torch_or_skip
from nn.utils import parametrizations, parametrize


def twin_linear(torch=None, seed=0, n_in=4, n_out=3):
    """nn.Linear in float64 with fixed weights, and torch's with the same (when torch is given)."""
    w, b = rand_array((n_out, n_in), seed=seed), rand_array((n_out,), seed=seed + 1)
    ours = nn.Linear(n_in, n_out).double()
    with ag.no_grad():
        ours.weight.copy_(ag.tensor(w))
        ours.bias.copy_(ag.tensor(b))
    if torch is None:
        return ours, None
    theirs = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
        theirs.bias.copy_(torch.tensor(b))
    return ours, theirs


def grads_of(module):
    return {k: host(p.grad) for k, p in module.named_parameters() if p.grad is not None}


# --- parametrize ---------------------------------------------------------------------------------------
class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class Scale(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c

    def forward(self, X):
        return X * self.c

    def right_inverse(self, X):
        return X / self.c


def test_a_custom_parametrization_is_recomputed_on_every_read():
    layer, _ = twin_linear(n_in=3, n_out=3)
    parametrize.register_parametrization(layer, "weight", Symmetric())
    w = host(layer.weight)
    numpy.testing.assert_array_equal(w, w.T)
    assert type(layer).__name__ == "ParametrizedLinear" and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias")
    assert parametrize.type_before_parametrizations(layer) is nn.Linear
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    with ag.no_grad():
        layer.parametrizations.weight.original.add_(1.0)
    numpy.testing.assert_allclose(host(layer.weight), w + 1.0)  # (a new value on the next read)
    x = ag.tensor(rand_array((2, 3), seed=3), requires_grad=True)
    layer(x).sum().backward()
    g = host(layer.parametrizations.weight.original.grad)
    assert numpy.allclose(numpy.tril(g, -1), 0)  # only the upper triangle is read


def test_right_inverse_on_assignment_chains_and_the_same_parameter_object():
    layer, _ = twin_linear()
    original = layer.weight
    opt = optim.SGD(layer.parameters(), lr=0.1)
    parametrize.register_parametrization(layer, "weight", Scale(2.0))
    assert layer.parametrizations.weight.original is original  # an optimizer holding it keeps working
    numpy.testing.assert_allclose(host(layer.weight), host(original) * 2.0)
    layer(ag.ones(1, 4, dtype=ag.float64)).sum().backward()
    opt.step()
    assert original.grad is not None
    target = rand_array((3, 4), seed=9)
    layer.weight = ag.tensor(target)  # Scale.right_inverse: original = target / 2
    numpy.testing.assert_allclose(host(layer.parametrizations.weight.original), target / 2.0)
    parametrize.register_parametrization(layer, "weight", Scale(3.0))  # applied after the first
    numpy.testing.assert_allclose(host(layer.weight), target * 3.0)
    with parametrize.cached():
        assert layer.weight is layer.weight
    assert layer.weight is not layer.weight


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    layer, _ = twin_linear()
    raw = host(layer.weight)
    parametrize.register_parametrization(layer, "weight", Scale(2.0))
    parametrize.remove_parametrizations(layer, "weight", leave_parametrized=leave)
    assert type(layer) is nn.Linear and not parametrize.is_parametrized(layer)
    assert isinstance(layer.weight, nn.Parameter) and list(layer.state_dict()) == ["bias", "weight"]  # (as torch)
    numpy.testing.assert_allclose(host(layer.weight), raw * 2.0 if leave else raw)


def test_parametrize_errors():
    layer, _ = twin_linear()
    with pytest.raises(ValueError, match="no parameter or buffer 'kernel'"):
        parametrize.register_parametrization(layer, "kernel", Symmetric())
    with pytest.raises(TypeError, match="must be a Module"):
        parametrize.register_parametrization(layer, "weight", lambda x: x)
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(3, 4\)|\(3, 4\).*\(3,\)"):
        parametrize.register_parametrization(layer, "weight", _Flatten())
    with pytest.raises(ValueError, match="no parametrization on 'weight'"):
        parametrize.remove_parametrizations(layer, "weight")


class _Flatten(nn.Module):
    def forward(self, X):
        return X.sum(1)


# --- parametrizations.weight_norm / spectral_norm -------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch = torch_or_skip()
    ours, theirs = twin_linear(torch)
    parametrizations.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    x = rand_array((5, 4), seed=4)
    y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    theirs_grads = {k: p.grad.numpy() for k, p in theirs.named_parameters()}
    for k, g in grads_of(ours).items():
        numpy.testing.assert_allclose(g, theirs_grads[k], rtol=1e-10, err_msg=k)


def test_spectral_norm_matches_torch_and_normalises():
    torch = torch_or_skip()
    ours, theirs = twin_linear(torch, n_in=5, n_out=4)
    parametrizations.spectral_norm(ours)
    torch.nn.utils.parametrizations.spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with ag.no_grad():  # the same starting vectors, then the same power iterations
        ours.parametrizations.weight[0]._u.copy_(ag.tensor(theirs.parametrizations.weight[0]._u.numpy()))
        ours.parametrizations.weight[0]._v.copy_(ag.tensor(theirs.parametrizations.weight[0]._v.numpy()))
    x = rand_array((3, 5), seed=4)
    for _ in range(3):  # training mode: each call runs one power iteration
        y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
        numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    numpy.testing.assert_allclose(host(ours.parametrizations.weight.original.grad),
                                  theirs.parametrizations.weight.original.grad.numpy(), rtol=1e-8, atol=1e-12)
    many = nn.Linear(6, 4).double()
    parametrizations.spectral_norm(many, n_power_iterations=30)
    many.weight  # noqa: B018  (one training-mode read: 30 more steps)
    assert numpy.linalg.svd(host(many.weight), compute_uv=False)[0] == pytest.approx(1.0, rel=1e-6)
    many.eval()
    u = host(many.parametrizations.weight[0]._u).copy()
    many.weight  # noqa: B018
    numpy.testing.assert_array_equal(host(many.parametrizations.weight[0]._u), u)  # eval: no update


def test_spectral_norm_conv_transpose_uses_dim_1_and_errors():
    m = nn.ConvTranspose2d(3, 5, 3)
    parametrizations.spectral_norm(m)
    assert m.parametrizations.weight[0].dim == 1
    assert tuple(m.parametrizations.weight[0]._u.shape) == (5,)
    with pytest.raises(ValueError, match="n_power_iterations must be positive, got 0"):
        parametrizations.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match=r"dim=2 is out of range.*\(3, 2\)"):
        parametrizations.weight_norm(nn.Linear(2, 3), dim=2)


# --- the older hook-based forms ------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*torch.nn.utils.weight_norm. is deprecated")
def test_old_weight_norm_matches_torch_and_removes():
    torch = torch_or_skip()
    ours, theirs = twin_linear(torch)
    nn.utils.weight_norm(ours)
    torch.nn.utils.weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    x = rand_array((5, 4), seed=4)
    y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    numpy.testing.assert_allclose(host(ours.weight_g.grad), theirs.weight_g.grad.numpy(), rtol=1e-10)
    numpy.testing.assert_allclose(host(ours.weight_v.grad), theirs.weight_v.grad.numpy(), rtol=1e-10)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        nn.utils.weight_norm(ours)
    nn.utils.remove_weight_norm(ours)
    assert list(ours.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(ours)


def test_old_spectral_norm_matches_torch_and_removes():
    torch = torch_or_skip()
    ours, theirs = twin_linear(torch, n_in=5, n_out=4)
    nn.utils.spectral_norm(ours)
    torch.nn.utils.spectral_norm(theirs)
    assert list(ours.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    with ag.no_grad():
        ours.weight_u.copy_(ag.tensor(theirs.weight_u.numpy()))
        ours.weight_v.copy_(ag.tensor(theirs.weight_v.numpy()))
    x = rand_array((3, 5), seed=4)
    for _ in range(3):
        y, ty = ours(ag.tensor(x)), theirs(torch.tensor(x))
        numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    numpy.testing.assert_allclose(host(ours.weight_orig.grad), theirs.weight_orig.grad.numpy(), rtol=1e-8, atol=1e-12)
    nn.utils.remove_spectral_norm(ours)
    assert list(ours.state_dict()) == ["bias", "weight"]


# --- fusion ----------------------------------------------------------------------------------------------
def _trained_bn(bn, shape):
    bn.train()
    for seed in range(3):
        bn(ag.tensor(rand_array(shape, seed=seed) * 2 + 1))
    with ag.no_grad():
        bn.weight.copy_(ag.tensor(rand_array(bn.weight.shape, seed=7)))
        bn.bias.copy_(ag.tensor(rand_array(bn.bias.shape, seed=8)))
    return bn.eval()


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_bn_eval_equals_conv_then_bn(bias):
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=bias).double().eval()
    bn = _trained_bn(nn.BatchNorm2d(4).double(), (8, 4, 5, 5))
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    x = ag.tensor(rand_array((2, 3, 5, 5), seed=5))
    numpy.testing.assert_allclose(host(fused(x)), host(bn(conv(x))), rtol=1e-12, atol=1e-12)
    assert fused is not conv and fused.bias is not None
    convt = nn.ConvTranspose2d(3, 4, 3).double().eval()
    fused_t = nn.utils.fuse_conv_bn_eval(convt, bn, transpose=True)
    numpy.testing.assert_allclose(host(fused_t(x)), host(bn(convt(x))), rtol=1e-12, atol=1e-12)


def test_fuse_linear_bn_eval_and_errors():
    linear, _ = twin_linear()
    bn = _trained_bn(nn.BatchNorm1d(3).double(), (8, 3))
    linear.eval()
    x = ag.tensor(rand_array((5, 4), seed=5))
    numpy.testing.assert_allclose(host(nn.utils.fuse_linear_bn_eval(linear, bn)(x)), host(bn(linear(x))), rtol=1e-12)
    with pytest.raises(ValueError, match=r"out_features \(3\).*num_features \(5\)"):
        nn.utils.fuse_linear_bn_eval(linear, nn.BatchNorm1d(5).eval())
    with pytest.raises(RuntimeError, match="eval mode"):
        nn.utils.fuse_linear_bn_eval(linear.train(), bn)


# --- functional_call ---------------------------------------------------------------------------------------
def test_functional_call_swaps_for_one_call_and_gradients_reach_the_given_tensors():
    torch = torch_or_skip()
    ours, theirs = twin_linear(torch)
    w = rand_array((3, 4), seed=11)
    W = ag.tensor(w, requires_grad=True)
    tW = torch.tensor(w, requires_grad=True)
    x = rand_array((2, 4), seed=12)
    y = nn.utils.stateless.functional_call(ours, {"weight": W}, (ag.tensor(x),))
    ty = torch.func.functional_call(theirs, {"weight": tW}, (torch.tensor(x),))
    numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    numpy.testing.assert_allclose(host(W.grad), tW.grad.numpy(), rtol=1e-12)
    assert ours.weight.grad is None and isinstance(ours.weight, nn.Parameter)
    numpy.testing.assert_allclose(host(ours(ag.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_functional_call_tied_weights_strict_and_errors():
    shared = nn.Linear(2, 2).double()
    model = nn.Sequential(shared, nn.ReLU(), shared)
    w = ag.tensor(numpy.eye(2) * 2)
    y = nn.utils.stateless.functional_call(model, {"0.weight": w}, ag.ones(1, 2, dtype=ag.float64))
    b = host(shared.bias)
    want = numpy.maximum(numpy.ones(2) * 2 + b, 0) * 2 + b
    numpy.testing.assert_allclose(host(y)[0], want)  # "2.weight" follows "0.weight" (tied)
    with pytest.raises(RuntimeError, match=r"strict=True.*missing keys \['0.bias'"):
        nn.utils.stateless.functional_call(model, {"0.weight": w}, ag.ones(1, 2, dtype=ag.float64), strict=True)
    with pytest.raises(AttributeError, match="no submodule 'x'"):
        nn.utils.stateless.functional_call(model, {"x.weight": w}, ag.ones(1, 2, dtype=ag.float64))
    with pytest.raises(ValueError, match="more than one"):
        nn.utils.stateless.functional_call(model, ({"0.weight": w}, {"0.weight": w}), ag.ones(1, 2))
    F.relu(ag.ones(1))  # (the module is usable after the errors)
    assert isinstance(shared.weight, nn.Parameter)

"""Gradient clipping: clip_grad_norm_ / clip_grad_value_ equal torch.nn.utils', inf norms, non-finite norms."""

import math
import re

import numpy
import pytest

import autograd_core as ag
import optim
from checks import host, rand_array, torch_or_skip

SHAPES = [(4, 3), (7,), (2, 2, 2)]
TOL = {"float64": dict(rtol=1e-12, atol=1e-14), "float32": dict(rtol=2e-6, atol=1e-7)}


def with_grads(grads, device, dtype="float64", framework=None):
    """Parameters (ours, or torch's when ``framework`` is torch) whose .grad are the given arrays."""
    params = []
    for g in grads:
        if framework is None:
            p = ag.zeros(*g.shape, dtype=dtype, device=device, requires_grad=True)
            p.grad = ag.tensor(g, dtype=dtype, device=device)
        else:
            p = framework.zeros(*g.shape, dtype=getattr(framework, dtype), requires_grad=True)
            p.grad = framework.tensor(g, dtype=getattr(framework, dtype))
        params.append(p)
    return params


def grads(scale=1.0):
    return [rand_array(s, seed=i) * scale for i, s in enumerate(SHAPES)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm, device):
    torch = torch_or_skip()
    gs = grads()
    ours = with_grads(gs, device, dtype)
    theirs = with_grads(gs, device, dtype, torch)
    nt = float(norm_type)
    total = optim.clip_grad_norm_(ours, max_norm, norm_type=nt)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=nt)
    assert isinstance(total, ag.Tensor) and total.shape == () and total.dtype == ours[0].dtype
    numpy.testing.assert_allclose(host(total), ttotal.numpy(), **TOL[dtype])
    for p, tp, g in zip(ours, theirs, gs):
        numpy.testing.assert_allclose(host(p.grad), tp.grad.numpy(), **TOL[dtype])
        if max_norm == 1e4:  # below the threshold: the gradients are unchanged
            numpy.testing.assert_array_equal(host(p.grad), g.astype(dtype))
    if max_norm == 0.5:
        after = optim.get_total_norm([p.grad for p in ours], nt)
        assert float(after) == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_formula_by_hand(device):
    gs = [numpy.array([3.0, 0.0]), numpy.array([[4.0]])]
    ps = with_grads(gs, device)
    total = optim.clip_grad_norm_(ps, max_norm=1.0)
    assert float(total) == 5.0
    coef = 1.0 / (5.0 + 1e-6)
    numpy.testing.assert_allclose(host(ps[0].grad), [3.0 * coef, 0.0], rtol=1e-15)
    numpy.testing.assert_allclose(host(ps[1].grad), [[4.0 * coef]], rtol=1e-15)
    ps = with_grads(gs, device)
    assert float(optim.clip_grad_norm_(ps, 2.0, norm_type="inf")) == 4.0
    numpy.testing.assert_allclose(host(ps[1].grad), [[4.0 * 2.0 / (4.0 + 1e-6)]], rtol=1e-15)


def test_params_without_grad_single_tensor_and_generators(device):
    p = ag.zeros(3, dtype=ag.float64, device=device, requires_grad=True)
    p.grad = ag.tensor([0.0, 6.0, 8.0], dtype=ag.float64, device=device)
    q = ag.zeros(2, requires_grad=True, device=device)  # no grad: skipped
    total = optim.clip_grad_norm_(p, 5.0)
    assert float(total) == 10.0 and q.grad is None
    total = optim.clip_grad_norm_((t for t in [p, q]), 100.0)
    assert float(total) == pytest.approx(5.0, rel=1e-6)
    empty = optim.clip_grad_norm_([q], 1.0)
    assert float(empty) == 0.0 and empty.dtype == ag.float32


def test_nonfinite_norm(device):
    torch = torch_or_skip()
    gs = grads()
    gs[1][2] = numpy.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_(with_grads(gs, device), 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(with_grads(gs, device, framework=torch), 1.0, error_if_nonfinite=True)
    ours, theirs = with_grads(gs, device), with_grads(gs, device, framework=torch)
    total = optim.clip_grad_norm_(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert math.isinf(float(total)) and math.isinf(ttotal.item())
    for p, tp in zip(ours, theirs):
        numpy.testing.assert_array_equal(host(p.grad), tp.grad.numpy())  # inf * 0 = nan, the rest 0
    gs[0][0, 0] = numpy.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_(with_grads(gs, device), 1.0, norm_type=1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("clip", [0.0, 0.3, 1.0, 5.0])
def test_clip_grad_value_matches_torch(dtype, clip, device):
    torch = torch_or_skip()
    gs = grads(scale=2.0)
    ours, theirs = with_grads(gs, device, dtype), with_grads(gs, device, dtype, torch)
    assert optim.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(theirs, clip)
    for p, tp in zip(ours, theirs):
        numpy.testing.assert_array_equal(host(p.grad), tp.grad.numpy())
        assert host(p.grad).dtype == numpy.dtype(dtype)
        assert numpy.abs(host(p.grad)).max() <= clip


def test_clip_grad_value_by_hand_and_in_place(device):
    p = ag.zeros(4, dtype=ag.float64, device=device, requires_grad=True)
    p.grad = ag.tensor([-3.0, -0.5, 0.2, 9.0], dtype=ag.float64, device=device)
    g = p.grad
    optim.clip_grad_value_([p], 1.0)
    assert p.grad is g
    numpy.testing.assert_array_equal(host(p.grad), [-1.0, -0.5, 0.2, 1.0])


def test_clipping_inside_a_training_step(device):
    import nn

    model = nn.Linear(5, 2).to(device)
    x = ag.tensor(rand_array((16, 5), seed=2) * 100, dtype=ag.float32, device=device)
    ((model(x) ** 2).mean()).backward()
    total = optim.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert float(total) > 1.0
    after = optim.get_total_norm([p.grad for p in model.parameters()])
    assert float(after) == pytest.approx(1.0, rel=1e-4)


@pytest.mark.parametrize("call,message", [
    (lambda ps: optim.clip_grad_norm_(ps, -1.0), "max_norm must be >= 0, got -1.0"),
    (lambda ps: optim.clip_grad_norm_(ps, float("nan")), "max_norm must not be NaN"),
    (lambda ps: optim.clip_grad_value_(ps, -0.5), "clip_value must be >= 0, got -0.5"),
])
def test_bad_arguments(call, message, device):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(with_grads(grads(), device))


def test_bad_parameters():
    with pytest.raises(TypeError, match="parameter 1 is a ndarray, not a Tensor"):
        optim.clip_grad_norm_([ag.zeros(2), numpy.zeros(2)], 1.0)
    with pytest.raises(TypeError, match="max_norm must be a real number, got str"):
        optim.clip_grad_norm_([ag.zeros(2)], "1")
    with pytest.raises(TypeError, match="parameters must be a Tensor or an iterable of Tensors, got int"):
        optim.clip_grad_value_(3, 1.0)

"""Activation gradients at the edges: slopes far left that a naive formula cancels to 0 (expm1, elu, selu,
celu), and cut-off gradients (relu, relu6, hardtanh, clamp, hardsigmoid, hardswish, maximum, minimum) that
stay exactly 0 where the incoming gradient is infinite or NaN, and PyTorch's conventions at a NaN input.
PyTorch is the oracle where installed; the documented values are checked without it."""

import math

import numpy
import pytest

import autograd_core as ag
import nn.functional as F
from checks import host, torch_or_skip


def t64(values, device, requires_grad=True):
    return ag.tensor(numpy.asarray(values, dtype=numpy.float64), dtype=ag.float64, device=device,
                     requires_grad=requires_grad)


def grad_of(fn, values, upstream, device, create_graph=False):
    """d(sum(upstream * fn(x)))/dx at x = values, by backward (first order) or by ag.grad with create_graph."""
    x = t64(values, device)
    with numpy.errstate(invalid="ignore"):  # (hardswish(-inf) = -inf * 0 is NaN, as PyTorch's)
        y = fn(x)
    g = t64(numpy.broadcast_to(numpy.asarray(upstream, dtype=numpy.float64), y.shape), device, requires_grad=False)
    if create_graph:
        (gx,) = ag.grad(y, x, g, create_graph=True)
        return host(gx)
    y.backward(g)
    return host(x.grad)


SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
FAR_LEFT = [-50.0, -300.0, -700.0]
# the slope for x <= 0 as its exact expression: these are all positive and far from 0, 1 ulp of rounding apart
SLOPES = [
    ("expm1", ag.expm1, lambda x: math.exp(x)),
    ("elu", F.elu, lambda x: math.exp(x)),
    ("elu(alpha=0.3)", lambda x: F.elu(x, alpha=0.3), lambda x: 0.3 * math.exp(x)),
    ("selu", F.selu, lambda x: SELU_SCALE * SELU_ALPHA * math.exp(x)),
    ("celu(alpha=2)", lambda x: F.celu(x, alpha=2.0), lambda x: math.exp(x / 2.0)),
]


@pytest.mark.parametrize("create_graph", [False, True], ids=["first-order", "create_graph"])
@pytest.mark.parametrize("name, fn, slope", SLOPES, ids=[s[0] for s in SLOPES])
def test_far_left_slopes_keep_their_relative_precision(name, fn, slope, create_graph, device):
    """exp(x) - 1 rounds to -1 far left, so a slope taken as y + 1 (or y + alpha) came out 0 there: at x = -50
    elu'(x) = exp(-50) = 1.9e-22 gave 0."""
    got = grad_of(fn, FAR_LEFT, 1.0, device, create_graph)
    want = numpy.array([slope(v) for v in FAR_LEFT])
    assert (want > 0).all()
    numpy.testing.assert_allclose(got, want, rtol=4e-15, atol=0)


def test_expm1_second_derivative_far_left(device):
    x = t64([-50.0, -3.0, 2.0], device)
    (g,) = ag.grad(ag.expm1(x).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)
    numpy.testing.assert_allclose(host(gg), numpy.exp([-50.0, -3.0, 2.0]), rtol=4e-15, atol=0)


INF, NAN = math.inf, math.nan
# (name, fn, points where the gradient is cut off to 0, points where it passes with slope 1)
CUT = [
    ("relu", F.relu, [-3.0, -0.0, 0.0, -INF], [2.0, INF, NAN]),
    ("relu6", F.relu6, [-1.0, 0.0, 6.0, 7.0, INF, -INF], [3.0, NAN]),
    ("hardtanh", F.hardtanh, [-1.0, 1.0, -2.0, 2.0], [0.5, NAN]),
    ("clamp", lambda x: ag.clamp(x, -1.0, 1.0), [-2.0, 2.0, NAN, INF], [-1.0, 1.0, 0.5]),
    ("clamp(min=0)", lambda x: ag.clamp(x, min=0.0), [-2.0, -INF, NAN], [0.0, 3.0, INF]),
    ("maximum(x, 0)", lambda x: ag.maximum(x, ag.zeros_like(x)), [-2.0, -INF], [3.0, INF, NAN]),
    ("minimum(x, 0)", lambda x: ag.minimum(x, ag.zeros_like(x)), [2.0, INF], [-3.0, -INF, NAN]),
    ("hardswish", F.hardswish, [-3.0, -4.0, -INF], [3.0, 4.0, NAN]),
]


@pytest.mark.parametrize("create_graph", [False, True], ids=["first-order", "create_graph"])
@pytest.mark.parametrize("name, fn, cut, passes", CUT, ids=[c[0] for c in CUT])
@pytest.mark.parametrize("upstream", [INF, -INF, NAN], ids=["inf", "-inf", "nan"])
def test_cut_off_gradients_drop_a_non_finite_upstream(name, fn, cut, passes, upstream, create_graph, device):
    """g * [mask] is inf * 0 = NaN where the mask is off; PyTorch's gradients are 0 there, and so are ours.
    Where the gradient passes with slope 1, the upstream value comes through unchanged."""
    got = grad_of(fn, cut + passes, upstream, device, create_graph)
    assert numpy.array_equal(got[:len(cut)], numpy.zeros(len(cut))), got
    numpy.testing.assert_array_equal(got[len(cut):], numpy.full(len(passes), upstream))


def test_hardsigmoid_cut_off_and_nan_input(device):
    got = grad_of(F.hardsigmoid, [-3.0, 3.0, -5.0, NAN, 0.0], INF, device)
    numpy.testing.assert_array_equal(got, [0.0, 0.0, 0.0, 0.0, INF])
    numpy.testing.assert_allclose(grad_of(F.hardsigmoid, [0.0, 2.5], 1.0, device), [1 / 6, 1 / 6], rtol=1e-15)


def test_maximum_and_minimum_ties_and_nan(device):
    """A tie shares the gradient evenly; where either input is NaN both get all of it (PyTorch's rule)."""
    for op in (ag.maximum, ag.minimum):
        a, b = t64([1.0, NAN, 2.0, -1.0], device), t64([1.0, 0.0, NAN, 5.0], device)
        op(a, b).backward(t64([4.0, 4.0, 4.0, INF], device, requires_grad=False))
        ga, gb = host(a.grad), host(b.grad)
        loser_a = op is ag.maximum  # -1 < 5: a loses the maximum, b the minimum
        numpy.testing.assert_array_equal(ga, [2.0, 4.0, 4.0, 0.0 if loser_a else INF])
        numpy.testing.assert_array_equal(gb, [2.0, 4.0, 4.0, INF if loser_a else 0.0])


def test_smooth_activations_keep_an_infinite_upstream(device):
    """gelu and mish are one node each: as products, gy went down both factors and inf - inf gave NaN."""
    x = [-3.0, -1.0, -0.5, 0.0, 2.0]
    for fn in (F.gelu, F.mish):
        with numpy.errstate(invalid="ignore"):
            slope = grad_of(fn, x, 1.0, device)
            for create_graph in (False, True):
                got = grad_of(fn, x, INF, device, create_graph)
                numpy.testing.assert_array_equal(got, numpy.where(slope > 0, INF, -INF))


VALUES = [-50.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 50.0, INF, -INF, NAN]
TORCH_OPS = ["relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "elu", "selu", "celu", "gelu", "mish",
             "clamp", "clamp_min", "maximum", "minimum", "leaky_relu", "softplus", "silu", "threshold"]


def _pair(name, torch):
    TF = torch.nn.functional
    if name == "clamp":
        return (lambda x: ag.clamp(x, -1.0, 1.0)), (lambda x: torch.clamp(x, -1.0, 1.0))
    if name == "clamp_min":
        return (lambda x: ag.clamp(x, min=0.0)), (lambda x: torch.clamp(x, min=0.0))
    if name in ("maximum", "minimum"):
        return (lambda x: getattr(ag, name)(x, ag.zeros_like(x))), \
            (lambda x: getattr(torch, name)(x, torch.zeros_like(x)))
    if name == "threshold":
        return (lambda x: F.threshold(x, 0.5, 2.0)), (lambda x: TF.threshold(x, 0.5, 2.0))
    return getattr(F, name), getattr(TF, name)


@pytest.mark.parametrize("name", TORCH_OPS)
def test_gradients_at_non_finite_points_match_torch(name, device):
    """Over inputs with +-inf and NaN and upstream gradients of +-inf, NaN and 1: the same values as PyTorch
    (NaN where it has NaN), first-order and with create_graph."""
    torch = torch_or_skip()
    ours, theirs = _pair(name, torch)
    for g in (INF, -INF, NAN, 1.0):
        tx = torch.tensor(VALUES, dtype=torch.float64, requires_grad=True)
        with numpy.errstate(all="ignore"):
            theirs(tx).backward(torch.full_like(tx, g))
            want = tx.grad.numpy()
            for create_graph in (False, True):
                got = grad_of(ours, VALUES, g, device, create_graph)
                same = (got == want) | (numpy.isnan(got) & numpy.isnan(want))
                close = numpy.isclose(got, want, rtol=1e-7, atol=0)  # (torch's hardsigmoid slope is float32's 1/6)
                bad = ~(same | close)
                assert not bad.any(), (f"{name}, upstream {g}, create_graph={create_graph}: at x = "
                                       f"{numpy.asarray(VALUES)[bad]} ours {got[bad]}, torch {want[bad]}")

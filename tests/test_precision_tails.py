"""Values and gradients that a textbook formula loses in float64 and ours keep, each against a 60-digit
reference (decimal, from the float inputs exactly): hypot and atan2 where a^2 + b^2 overflows or underflows,
the inverse trigonometric and hyperbolic functions near their singular points (1 - x^2 cancels) and far out,
softsign far out (its quotient rule cancelled), and binary_cross_entropy at tiny probabilities (1 - x rounds)."""

import decimal
import math
from decimal import Decimal as D

import numpy
import pytest

import autograd_core as ag
import nn.functional as F
from checks import host

decimal.getcontext().prec = 60


PI = D("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863")


def _dsin(t, terms=30):
    """sin(t) by its Taylor series in Decimal (for the small |t| used here)."""
    return sum((-1) ** k * t ** (2 * k + 1) / math.factorial(2 * k + 1) for k in range(terms))


def _dcos(t, terms=30):
    return sum((-1) ** k * t ** (2 * k) / math.factorial(2 * k) for k in range(terms))


def grad1(fn, value, device, create_graph=False):
    """(fn(x), dfn/dx) at the float64 scalar x = value, first-order or through create_graph."""
    x = ag.tensor([value], dtype=ag.float64, device=device, requires_grad=True)
    y = fn(x)
    (g,) = ag.grad(y.sum(), x, create_graph=create_graph)
    return float(host(y.detach())[0]), float(host(g.detach())[0])


def close(got, want, rel=4e-16 * 8):
    want = float(want)
    assert want != 0 and abs(got - want) <= rel * abs(want), (got, want)


CASES = [
    # (name, fn, x, value, derivative) with the reference as Decimal functions of D(x)
    ("asin near 1", ag.asin, 1 - 1e-10, None, lambda x: 1 / (1 - x * x).sqrt()),
    ("acos near -1", ag.acos, -1 + 1e-10, None, lambda x: -1 / (1 - x * x).sqrt()),
    ("atanh near 1", ag.atanh, 1 - 1e-10, None, lambda x: 1 / (1 - x * x)),
    ("acosh near 1", ag.acosh, 1 + 1e-10, None, lambda x: 1 / (x * x - 1).sqrt()),
    ("acosh far out", ag.acosh, 1e200, None, lambda x: 1 / (x * x - 1).sqrt()),
    ("asinh far out", ag.asinh, -1e200, None, lambda x: 1 / (x * x + 1).sqrt()),
    ("softsign far out", F.softsign, 1e100, lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    ("softsign", F.softsign, -3.0, lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    ("hypot(x, 1) far out", lambda t: ag.hypot(t, 1.0), 1e155, lambda x: (x * x + 1).sqrt(),
     lambda x: x / (x * x + 1).sqrt()),
    ("hypot(1, x) far out", lambda t: ag.hypot(1.0, t), 1e155, lambda x: (x * x + 1).sqrt(),
     lambda x: x / (x * x + 1).sqrt()),
    ("hypot(x, x) tiny", lambda t: ag.hypot(t, t), 1e-300, lambda x: (2 * x * x).sqrt(), lambda x: D(2).sqrt()),
    ("atan2(x, 1e200)", lambda t: ag.atan2(t, ag.full_like(t, 1e200)), 3e199, None,
     lambda x: D(1e200) / (x * x + D(1e200) ** 2)),
    ("atan2(1e-300, x)", lambda t: ag.atan2(ag.full_like(t, 1e-300), t), 2e-300, None,
     lambda x: -D(1e-300) / (x * x + D(1e-300) ** 2)),
    ("sinc near 0", ag.sinc, 1e-8, lambda x: _dsin(PI * x) / (PI * x),
     lambda x: (_dcos(PI * x) - _dsin(PI * x) / (PI * x)) / x),
    ("sinc near 1", ag.sinc, 1 + 1e-8, lambda x: -_dsin(PI * (x - 1)) / (PI * x),
     lambda x: (-_dcos(PI * (x - 1)) + _dsin(PI * (x - 1)) / (PI * x)) / x),
    ("sinc past 2^53", ag.sinc, 2.0 ** 60, lambda x: D(0), lambda x: 1 / x),
    ("bce(x, 0) tiny", lambda t: F.binary_cross_entropy(t, ag.zeros_like(t), reduction="none"), 1e-16,
     lambda x: -(1 - x).ln(), lambda x: x / max(x * (1 - x), D(1e-12))),  # (PyTorch's clamped slope)
]


@pytest.mark.parametrize("create_graph", [False, True], ids=["first-order", "create_graph"])
@pytest.mark.parametrize("name, fn, x, value, slope", CASES, ids=[c[0] for c in CASES])
def test_tails_keep_their_precision(name, fn, x, value, slope, create_graph, device):
    y, g = grad1(fn, x, device, create_graph)
    if value is not None:
        want = value(D(x))
        assert y == 0 if want == 0 else True
        if want != 0:
            close(y, want)
    close(g, slope(D(x)))


def test_sinc_is_differentiable_twice_across_its_series_boundary(device):
    from checks import check_grads

    check_grads(ag.sinc, numpy.array([-2.7, -0.55, -0.45, -1e-3, 0.0, 0.2, 0.49, 0.51, 1.0, 3.5]), device=device)


def test_hypot_is_differentiable_twice_and_broadcasts(device):
    from checks import check_grads

    a = numpy.array([[3.0, -1.5, 0.2], [2.0, 0.5, -4.0]])
    check_grads(lambda t: ag.hypot(t, ag.tensor([1.0, -2.0, 0.5], dtype=ag.float64, device=device)), a, device=device)
    check_grads(lambda t: ag.hypot(t[:1], t), a, device=device)
    assert float(host(ag.hypot(ag.tensor([3]), ag.tensor([4])))[0]) == 5.0  # integers: float32, as PyTorch
    with pytest.raises(ValueError, match="hypot"):
        ag.hypot(ag.ones(2, 3), ag.ones(4))

"""nn.RMSNorm / F.rms_norm (against torch, gradients of two orders, keys, errors, the strict stand-in for a
GPU) and nn.init.trunc_normal_ (its bounds, mean and spread against the truncated normal's closed forms,
seeds, errors)."""

import math

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, host, rand_array, torch_or_skip


@pytest.mark.parametrize("shape, normalized", [((3, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_rms_norm_gradients(shape, normalized, device):
    x = rand_array(shape, 1)
    w = rand_array(normalized, 2)
    check_grads(lambda t, g: F.rms_norm(t, normalized, g, eps=1e-6), x, w, device=device)
    check_grads(lambda t: F.rms_norm(t, normalized), x, device=device)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(dtype, eps, device):
    torch = torch_or_skip()
    x = rand_array((4, 3, 6), 3)
    w = rand_array((6,), 4)
    ours = F.rms_norm(ag.tensor(x, dtype=getattr(ag, dtype), device=device), (6,),
                      ag.tensor(w, dtype=getattr(ag, dtype), device=device), eps=eps)
    theirs = torch.nn.functional.rms_norm(torch.tensor(x, dtype=getattr(torch, dtype)), (6,),
                                          torch.tensor(w, dtype=getattr(torch, dtype)), eps=eps)
    tol = 1e-6 if dtype == "float32" else 1e-13
    numpy.testing.assert_allclose(host(ours), theirs.numpy(), rtol=tol, atol=tol)
    m, tm = nn.RMSNorm(6, eps=eps), torch.nn.RMSNorm(6, eps=eps)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]
    assert repr(m) == repr(tm)
    assert list(nn.RMSNorm(6, elementwise_affine=False).state_dict()) == []


def test_rms_norm_errors_and_strict_device():
    with pytest.raises(ValueError, match=r"normalized_shape=\(4,\) expects an input of shape \(\*, 4\), got input"):
        F.rms_norm(ag.ones(2, 3), (4,))
    with pytest.raises(ValueError, match=r"weight has shape \(3,\)"):
        F.rms_norm(ag.ones(2, 4), (4,), ag.ones(3))
    with pytest.raises(TypeError, match="floating-point"):
        F.rms_norm(ag.ones(2, 4, dtype=ag.int64), (4,))
    check_on_strict_device(lambda t, g: F.rms_norm(t, (4,), g), [rand_array((3, 4), 5), rand_array((4,), 6)],
                           [True, True])


def _truncated_moments(mean, std, a, b):
    """The mean and standard deviation of N(mean, std^2) truncated to [a, b], in closed form."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = [math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in (alpha, beta)]
    z = 0.5 * (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2)))
    m = mean + std * (phi[0] - phi[1]) / z
    var = std ** 2 * (1 + (alpha * phi[0] - beta * phi[1]) / z - ((phi[0] - phi[1]) / z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 4.0), (0.0, 0.02, -0.04, 0.04)])
def test_trunc_normal_distribution(mean, std, a, b, device):
    ag.manual_seed(0)
    n = 200000
    t = nn.init.trunc_normal_(ag.empty(n, dtype=ag.float64, device=device), mean, std, a, b)
    x = host(t)
    assert x.min() >= a and x.max() <= b
    want_mean, want_std = _truncated_moments(mean, std, a, b)
    assert abs(x.mean() - want_mean) <= 5 * want_std / math.sqrt(n)
    assert abs(x.std() - want_std) <= 0.01 * want_std


def test_trunc_normal_seed_generator_and_errors():
    g = ag.Generator().manual_seed(4)
    first = host(nn.init.trunc_normal_(ag.empty(5), generator=g))
    g.manual_seed(4)
    assert host(nn.init.trunc_normal_(ag.empty(5), generator=g)).tolist() == first.tolist()
    with pytest.raises(ValueError, match="std must be positive"):
        nn.init.trunc_normal_(ag.empty(3), std=0.0)
    with pytest.raises(ValueError, match=r"a \(1.0\) must be less than b \(0.0\)"):
        nn.init.trunc_normal_(ag.empty(3), a=1.0, b=0.0)

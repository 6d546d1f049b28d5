"""Dropout and Dropout2d: masks, scaling, train/eval, seeding, gradients (a fixed mask), PyTorch by hand."""

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


def _seeded(fn, seed=5):
    """fn with the generator re-seeded before every call, so every call draws the same mask."""

    def call(*args):
        ag.manual_seed(seed)
        return fn(*args)

    return call


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_gradients_with_a_fixed_mask(p, device):
    check_grads(_seeded(lambda x: F.dropout(x, p)), rand_array((4, 5), 1), device=device)


@pytest.mark.parametrize("shape", [(3, 4, 2, 2), (4, 2, 3)])
def test_dropout2d_gradients_with_a_fixed_mask(shape, device):
    check_grads(_seeded(lambda x: F.dropout2d(x, 0.4)), rand_array(shape, 2), device=device)


def _masks(fn, shape, device):
    """The keep-mask fn draws (seed 5) for each dtype: the mask depends on the dtype of the draw."""
    out = {}
    for dt in ("float32", "float64"):
        ag.manual_seed(5)
        out[dt] = host(fn(ag.ones(*shape, dtype=dt, device=device))) != 0
    return out


@pytest.mark.parametrize("which, shape", [("dropout", (6, 7)), ("dropout2d", (3, 4, 2, 3)), ("dropout2d", (5, 2, 2))])
def test_matches_torch_with_the_same_mask(which, shape, device):
    torch = torch_or_skip()
    p = 0.3
    fn = getattr(F, which)
    masks = _masks(lambda x: fn(x, p), shape, device)
    assert any(not m.all() for m in masks.values())  # something was dropped

    def theirs(x):
        mask = torch.tensor(masks[str(x.dtype).replace("torch.", "")], dtype=x.dtype)
        return x * mask / (1 - p)

    compare_with_torch(_seeded(lambda x: fn(x, p)), theirs, rand_array(shape, 3), device=device)


def test_train_and_eval(device):
    x = ag.randn(20, 30, device=device)
    layer = nn.Dropout(0.5).to(device)
    y = layer(x)
    assert (host(y) == 0).any()
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout2d(ag.randn(2, 3, 4, 4, device=device), 0.5, training=False).shape == (2, 3, 4, 4)
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout2d(0.3)).eval()
    assert not model[1].training


def test_p_zero_is_identity_and_p_one_gives_zeros(device):
    x = ag.randn(5, 6, device=device, requires_grad=True)
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    assert not host(y).any() and y.dtype == x.dtype
    y.sum().backward()
    assert not host(x.grad).any() and numpy.isfinite(host(x.grad)).all()
    z = F.dropout2d(ag.randn(2, 3, 2, 2, device=device), 1.0)
    assert not host(z).any()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_and_scaling(p, device):
    x = ag.tensor(rand_array((200, 500), 4, low=0.5, high=1.5), device=device)
    y = host(F.dropout(x, p))
    zeros = y == 0
    assert abs(zeros.mean() - p) < 0.01
    numpy.testing.assert_allclose(y[~zeros], host(x)[~zeros] / (1 - p), rtol=1e-12)


def test_dropout2d_zeroes_whole_channels(device):
    p = 0.5
    x = ag.tensor(rand_array((40, 50, 3, 3), 5, low=0.5, high=1.5), device=device)
    y = host(F.dropout2d(x, p))
    dropped = (y == 0).all(axis=(2, 3))
    kept = (y != 0).all(axis=(2, 3))
    assert (dropped | kept).all()  # every channel is all-zero or all-kept
    assert abs(dropped.mean() - p) < 0.05
    numpy.testing.assert_allclose(y[kept], host(x)[kept] / (1 - p), rtol=1e-12)
    y3 = host(F.dropout2d(ag.ones(30, 4, 4, device=device), p))  # (C, H, W): whole channels too
    assert ((y3 == 0).all(axis=(1, 2)) | (y3 == 2).all(axis=(1, 2))).all()
    with pytest.raises(ValueError, match=r"3D \(C, H, W\) or 4D.*\(2, 3\)"):
        F.dropout2d(ag.ones(2, 3, device=device))


def test_reproducible_under_manual_seed(device):
    x = ag.ones(10, 10, device=device)
    ag.manual_seed(123)
    a = host(F.dropout(x, 0.5))
    ag.manual_seed(123)
    b = host(F.dropout(x, 0.5))
    c = host(F.dropout(x, 0.5))
    numpy.testing.assert_array_equal(a, b)
    assert (a != c).any()
    ag.manual_seed(7)
    m1 = host(nn.Dropout2d(0.5)(ag.ones(4, 6, 2, 2, device=device)))
    ag.manual_seed(7)
    m2 = host(nn.Dropout2d(0.5)(ag.ones(4, 6, 2, 2, device=device)))
    numpy.testing.assert_array_equal(m1, m2)


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", None])
def test_invalid_p_raises(p, device):
    x = ag.ones(2, 3, 2, 2, device=device)
    with pytest.raises(ValueError, match=f"between 0 and 1, but got {p!r}"):
        F.dropout(x, p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout2d(x, p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(p)


def test_float32_and_modules(device):
    x = ag.randn(4, 3, 2, 2, device=device, requires_grad=True)
    for layer in (nn.Dropout(0.3), nn.Dropout2d(0.3)):
        y = layer(x)
        assert y.dtype == ag.float32
        x.grad = None
        (y * y).sum().backward()
        assert x.grad.dtype == ag.float32
        # the gradient is the same mask, scaled: dL/dx = 2 y * m / (1 - p) = 2 y / (1 - p) where kept
        numpy.testing.assert_allclose(host(x.grad), 2 * host(y) / 0.7, rtol=1e-5)
    assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.Dropout2d(0.25, inplace=True)) == "Dropout2d(p=0.25, inplace=True)"
    with pytest.raises(TypeError, match="floating-point"):
        F.dropout(ag.ones(3, dtype=ag.int64, device=device))

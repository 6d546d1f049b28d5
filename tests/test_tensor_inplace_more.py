"""Tensor.unfold, Tensor.type, fill_diagonal_, the in-place shape changes (squeeze_, unsqueeze_, t_, transpose_)
and the random in-place fills (exponential_, cauchy_, log_normal_, geometric_, bernoulli_, random_): values and
gradients against PyTorch, statistics, seeding, and the in-place rules."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


@pytest.mark.parametrize("shape, dim, size, step", [((10,), 0, 3, 2), ((2, 7), 1, 2, 2), ((4, 5, 3), 0, 2, 1),
                                                    ((4, 5, 3), -2, 5, 3), ((3, 4), 1, 0, 1), ((6,), 0, 6, 4)])
def test_unfold_matches_torch(shape, dim, size, step, device):
    compare_with_torch(lambda x: x.unfold(dim, size, step), lambda x: x.unfold(dim, size, step), rand_array(shape),
                       device=device)


def test_unfold_of_a_scalar_grads_and_errors(device):
    s = ag.tensor(3.0, device=device)
    assert tuple(s.unfold(0, 1, 1).shape) == (1,)
    check_grads(lambda x: x.unfold(1, 3, 2), rand_array((2, 7)), device=device)
    x = ag.ones(2, 5)
    with pytest.raises(ValueError, match="maximum size for tensor at dimension 1 is 5 but size is 6"):
        x.unfold(1, 6, 1)
    with pytest.raises(ValueError, match="step is 0 but must be > 0"):
        x.unfold(1, 2, 0)


def test_type_names_and_casts(device):
    x = ag.ones(2, device=device)
    prefix = "autograd_core.cuda." if x.device.type == "cuda" else "autograd_core."
    assert x.type() == prefix + "FloatTensor"
    assert ag.ones(2, dtype=ag.int64, device=device).type() == prefix + "LongTensor"
    assert x.type(ag.DoubleTensor).dtype == ag.float64
    assert x.type("autograd_core.LongTensor").dtype == ag.int64
    assert x.type(ag.float16).dtype == ag.float16
    with pytest.raises(ValueError, match="invalid type 'torch.Nonsense'"):
        x.type("torch.Nonsense")


@pytest.mark.parametrize("shape, wrap", [((3, 4), False), ((7, 3), False), ((7, 3), True), ((3, 7), True),
                                         ((3, 3, 3), False)])
def test_fill_diagonal_matches_torch(shape, wrap, device):
    torch = torch_or_skip()
    ours = ag.zeros(*shape, device=device)
    theirs = torch.zeros(*shape)
    assert ours.fill_diagonal_(2.5, wrap=wrap) is ours
    theirs.fill_diagonal_(2.5, wrap=wrap)
    numpy.testing.assert_array_equal(host(ours), theirs.numpy())


def test_fill_diagonal_errors():
    with pytest.raises(ValueError, match=r"dimensions must be larger than 1.*\(3,\)"):
        ag.zeros(3).fill_diagonal_(1)
    with pytest.raises(ValueError, match=r"equal length, got shape \(2, 3, 3\)"):
        ag.zeros(2, 3, 3).fill_diagonal_(1)


def test_in_place_shape_changes(device):
    a = ag.ones(1, 3, 1, device=device)
    assert a.squeeze_() is a and tuple(a.shape) == (3,)
    a.unsqueeze_(0)
    assert tuple(a.shape) == (1, 3)
    b = ag.tensor(rand_array((2, 3)), device=device)
    before = host(b).copy()
    b.t_()
    numpy.testing.assert_array_equal(host(b), before.T)
    b.transpose_(0, 1).swapaxes_(0, 1)
    assert tuple(b.shape) == (3, 2)
    c = ag.ones(1, 2, 1)
    c.squeeze_(0)
    assert tuple(c.shape) == (2, 1)
    with pytest.raises(ValueError, match="t_: expects a tensor with <= 2 dimensions, but self is 3D"):
        ag.ones(1, 2, 3).t_()
    leaf = ag.ones(2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        leaf.t_()
    with pytest.raises(RuntimeError, match="produced by an op"):
        (leaf * 2).unsqueeze_(0)


@pytest.mark.parametrize("name, args, mean, var", [
    ("exponential_", (2.0,), 0.5, 0.25),
    ("geometric_", (0.25,), 4.0, 12.0),
    ("log_normal_", (0.0, 0.5), numpy.exp(0.125), (numpy.exp(0.25) - 1) * numpy.exp(0.25)),
    ("bernoulli_", (0.3,), 0.3, 0.21),
    ("random_", (3, 7), 4.5, 1.25),
])
def test_random_fills_statistics_and_seeding(name, args, mean, var, device):
    n = 200_000
    ag.manual_seed(3)
    x = getattr(ag.empty(n, device=device), name)(*args)
    v = host(x).astype(numpy.float64)
    assert abs(v.mean() - mean) < 6 * numpy.sqrt(var / n)
    assert abs(v.var() - var) < 0.05 * var
    ag.manual_seed(3)
    numpy.testing.assert_array_equal(host(getattr(ag.empty(n, device=device), name)(*args)), host(x))


def test_random_fills_ranges_and_errors(device):
    r = host(ag.empty(1000, dtype=ag.int64, device=device).random_(5))
    assert r.min() >= 0 and r.max() <= 4
    c = host(ag.empty(1000, device=device).cauchy_(1.0, 2.0))
    assert numpy.median(c) == pytest.approx(1.0, abs=0.4)
    b = host(ag.empty(100, device=device).bernoulli_(ag.ones(100, device=device)))
    assert (b == 1).all()
    with pytest.raises(ValueError, match="lambd > 0, but found lambd=0"):
        ag.empty(3).exponential_(0)
    with pytest.raises(ValueError, match=r"p in \(0, 1\), but found p=1"):
        ag.empty(3).geometric_(1)
    with pytest.raises(ValueError, match="'from' < 'to', but got from=3, to=3"):
        ag.empty(3).random_(3, 3)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        ag.ones(3, requires_grad=True).exponential_()


@pytest.mark.parametrize("name, args", [("tril_", ()), ("triu_", (1,)), ("eq_", ("y",)), ("lt_", ("y",)),
                                        ("ge_", ("y",)), ("not_equal_", ("y",)), ("logical_and_", ("y",)),
                                        ("heaviside_", ("y",)), ("arcsin_", ()), ("arctan2_", ("y",)),
                                        ("floor_divide_", ("y",)), ("fix_", ()), ("addmm_", ("y", "y"))])
def test_more_in_place_methods_match_torch(name, args, device):
    torch = torch_or_skip()
    a, b = rand_array((3, 3), seed=1, low=-0.9, high=0.9), rand_array((3, 3), seed=2, low=-0.9, high=0.9)
    ours = ag.tensor(a, device=device)
    theirs = torch.tensor(a)
    out = getattr(ours, name)(*[ag.tensor(b, device=device) if v == "y" else v for v in args])
    getattr(theirs, name)(*[torch.tensor(b) if v == "y" else v for v in args])
    assert out is ours
    numpy.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-15)


def test_bitwise_in_place_on_integers(device):
    i = ag.tensor([6, 3], device=device)
    i.bitwise_xor_(ag.tensor([3, 1], device=device))
    assert host(i).tolist() == [5, 2]

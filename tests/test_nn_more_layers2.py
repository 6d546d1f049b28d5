"""softshrink, hardshrink, rrelu, Softmax2d; alpha_dropout, feature_alpha_dropout, dropout1d; local_response_norm,
lp_pool1d/2d, channel_shuffle, bilinear, gumbel_softmax, pdist; max_unpool1d/2d and the max_pool*_with_indices
aliases; the in-place names and the deprecated upsample*: PyTorch as the oracle (forward and backward, float32 and
float64), gradcheck/gradgradcheck, statistics of the random ones (seeded), reprs, state_dict keys, errors, and a
run on the strict stand-in for a GPU (tests/strict_device.py)."""

import math
import re
import warnings

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

F64 = ("float64",)
SELU_NEG = 1.7580993408473766


def TF():
    return torch_or_skip().nn.functional


def _seeded(fn, seed=5):
    """fn with the generator re-seeded before every call, so every call draws the same noise."""

    def call(*args):
        ag.manual_seed(seed)
        return fn(*args)

    return call


def quiet(fn):
    def wrapped(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)
    return wrapped


def _alpha_constants(p):
    """PyTorch's alpha-dropout affine map: y = a x + a alpha p where kept, -a alpha (1 - p) where dropped."""
    a = 1.0 / math.sqrt((SELU_NEG ** 2 * p + 1) * (1 - p))
    return a, a * SELU_NEG * p, -a * SELU_NEG * (1 - p)


# --- softshrink, hardshrink ----------------------------------------------------------------------------------
# lambd exact in float32: PyTorch's vectorized float64 softshrink rounds lambd to float32 (x - 1.2 is off by 5e-8)
SHRINK = [("softshrink", 0.5), ("softshrink", 1.25), ("softshrink", 0.0), ("hardshrink", 0.5), ("hardshrink", 1.25)]


@pytest.mark.parametrize("name, lambd", SHRINK)
@pytest.mark.parametrize("shape", [(7,), (3, 4, 2)])
def test_shrink_functions(name, lambd, shape, device):
    x = rand_array(shape, 1, low=-3.0, high=3.0, away=0.05, kinks=(-lambd, lambd))
    fn = getattr(F, name)
    check_grads(lambda t: fn(t, lambd), x, device=device)
    compare_with_torch(lambda t: fn(t, lambd), lambda t: getattr(TF(), name)(t, lambd), x, device=device)


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_shrink_kinks_nan_and_inf(name, device):
    """0 gradient at h = +-lambd (the kinks belong to the flat part), NaN and +-inf passed on with slope 1 (PyTorch's
    scalar kernel does so for NaN; its float64 vectorized one gives 0 there, so NaN is left out of the comparison)."""
    torch = torch_or_skip()
    vals = [float("nan"), 0.5, -0.5, 0.7, -0.7, 0.2, float("inf"), -float("inf")]
    x = ag.tensor(vals, dtype=ag.float64, device=device, requires_grad=True)
    y = getattr(F, name)(x)
    y.backward(ag.ones_like(y))
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    ty = getattr(TF(), name)(tx)
    ty.backward(torch.ones_like(ty))
    numpy.testing.assert_array_equal(host(y), host(ty))
    numpy.testing.assert_array_equal(host(x.grad)[1:], host(tx.grad)[1:])
    numpy.testing.assert_array_equal(host(x.grad), [1, 0, 0, 1, 1, 0, 1, 1])


@pytest.mark.parametrize("cls, kwargs", [("Softshrink", {}), ("Softshrink", {"lambd": 0.25}), ("Hardshrink", {}),
                                         ("Hardshrink", {"lambd": 1.5})])
def test_shrink_modules(cls, kwargs, device):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    assert repr(ours) == repr(theirs)
    x = rand_array((3, 5), 2, low=-3, high=3, kinks=(-0.25, 0.25, -0.5, 0.5, -1.5, 1.5))
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device)


# --- rrelu ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lower, upper", [(1.0 / 8, 1.0 / 3), (0.0, 0.5), (0.2, 0.2)])
def test_rrelu_eval_is_leaky_relu_with_the_mean_slope(lower, upper, device):
    x = rand_array((4, 5), 3)
    check_grads(lambda t: F.rrelu(t, lower, upper), x, device=device)
    compare_with_torch(lambda t: F.rrelu(t, lower, upper, training=False),
                       lambda t: TF().rrelu(t, lower, upper, training=False), x, device=device)
    compare_with_torch(lambda t: F.rrelu(t, lower, upper),
                       lambda t: TF().leaky_relu(t, (lower + upper) / 2), x, device=device)


def test_rrelu_at_zero_matches_torch(device):
    compare_with_torch(lambda t: F.rrelu(t), lambda t: TF().rrelu(t), numpy.array([0.0, -1.0, 2.0]), device=device)


@pytest.mark.parametrize("lower, upper", [(1.0 / 8, 1.0 / 3), (0.05, 0.9)])
def test_rrelu_training_slopes(lower, upper, device):
    """Each h <= 0 gets its own slope a ~ U(lower, upper); h > 0 passes; dL/dh is the slope; a seed fixes them."""
    x = ag.tensor(rand_array((200, 100), 4, low=-2.0, high=1.0), dtype=ag.float64, device=device, requires_grad=True)
    ag.manual_seed(11)
    y = F.rrelu(x, lower, upper, training=True)
    y.backward(ag.ones_like(y))
    xv, yv, g = host(x), host(y), host(x.grad)
    neg = xv <= 0
    slopes = yv[neg] / xv[neg]
    assert (slopes >= lower).all() and (slopes <= upper).all()
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.01 * (upper - lower) + 1e-12
    assert abs(slopes.var() - (upper - lower) ** 2 / 12) < 0.05 * (upper - lower) ** 2 / 12
    assert len(numpy.unique(slopes)) > 0.9 * slopes.size  # one draw per element
    numpy.testing.assert_array_equal(yv[~neg], xv[~neg])
    numpy.testing.assert_allclose(g[neg], slopes, rtol=1e-12)
    assert (g[~neg] == 1).all()
    ag.manual_seed(11)
    numpy.testing.assert_array_equal(host(F.rrelu(x, lower, upper, training=True)), yv)
    assert (host(F.rrelu(x, lower, upper, training=True)) != yv).any()  # the next draw differs


def test_rrelu_training_gradients_with_fixed_slopes(device):
    check_grads(_seeded(lambda t: F.rrelu(t, 0.1, 0.4, training=True)), rand_array((4, 5), 5), device=device)
    x = ag.tensor([float("nan"), -1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.backward(ag.ones_like(y))
    g = host(x.grad)  # a NaN input passes with slope 1, as PyTorch's
    assert numpy.isnan(host(y)[0]) and g[0] == 1 and 0.1 <= g[1] <= 0.3 and g[2] == 1


def test_rrelu_torch_training_slopes_lie_in_the_same_range():
    """PyTorch's training draws (its own generator) obey the same law: h <= 0 scaled by a in [lower, upper]."""
    torch = torch_or_skip()
    x = torch.tensor(rand_array((50, 40), 6, low=-2.0, high=1.0))
    y = TF().rrelu(x, 0.1, 0.3, training=True)
    neg = x <= 0
    s = (y[neg] / x[neg]).numpy()
    assert s.min() >= 0.1 and s.max() <= 0.3 and (y[~neg] == x[~neg]).all()


@pytest.mark.parametrize("kwargs", [{}, {"lower": 0.1, "upper": 0.3}, {"inplace": True}])
def test_rrelu_module(kwargs, device):
    torch = torch_or_skip()
    ours, theirs = nn.RReLU(**kwargs), torch.nn.RReLU(**kwargs)
    assert repr(ours) == repr(theirs)
    ours.eval()
    theirs.eval()
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t.clone()), rand_array((3, 4), 7), device=device)
    ours.train()
    x = ag.tensor(-numpy.ones((50, 50)), device=device)
    s = -host(ours(x))
    assert s.min() >= ours.lower - 1e-7 and s.max() <= ours.upper + 1e-7 and s.std() > 0


# --- Softmax2d ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 4, 3, 5), (4, 3, 2)])
def test_softmax2d(shape, device):
    ours = nn.Softmax2d()
    x = rand_array(shape, 8)
    check_grads(lambda t: ours(t), x, device=device)
    numpy.testing.assert_allclose(host(ours(ag.tensor(x, device=device))).sum(axis=-3), 1.0, rtol=1e-6)
    torch = torch_or_skip()
    theirs = torch.nn.Softmax2d()
    assert repr(ours) == repr(theirs) == "Softmax2d()"
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), x, device=device)


# --- alpha dropout --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_alpha_dropout_keeps_selu_statistics(p, device):
    """On SELU activations of a standard normal (mean 0, variance 1) the output keeps mean 0 and std 1."""
    ag.manual_seed(3)
    x = F.selu(ag.randn(400_000, dtype=ag.float64, device=device))
    xv = host(x)
    assert abs(xv.mean()) < 0.01 and abs(xv.std() - 1) < 0.01
    y = host(F.alpha_dropout(x, p, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01
    a, b, dropped_value = _alpha_constants(p)
    dropped = numpy.isclose(y, dropped_value, rtol=0, atol=1e-12)
    assert abs(dropped.mean() - p) < 0.005
    numpy.testing.assert_allclose(y[~dropped], a * xv[~dropped] + b, rtol=1e-12, atol=1e-12)


def test_feature_alpha_dropout_drops_whole_channels(device):
    p = 0.4
    ag.manual_seed(4)
    x = F.selu(ag.randn(200, 100, 4, 5, dtype=ag.float64, device=device))
    y = host(F.feature_alpha_dropout(x, p, training=True))
    a, b, dropped_value = _alpha_constants(p)
    dropped = numpy.isclose(y, dropped_value, rtol=0, atol=1e-12).all(axis=(2, 3))
    kept = numpy.isclose(y, a * host(x) + b, rtol=1e-12, atol=1e-12).all(axis=(2, 3))
    assert (dropped ^ kept).all()  # each (n, c) is dropped or kept as a whole
    assert abs(dropped.mean() - p) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    y2 = host(F.feature_alpha_dropout(ag.ones(300, 2, dtype=ag.float64, device=device), p, training=True))
    assert ((y2 == y2[:, :1]) | (y2 == y2[:, 1:])).all()  # a 2-D input: one draw per entry of (N, C)


@pytest.mark.parametrize("which, shape", [("alpha_dropout", (40, 50)), ("feature_alpha_dropout", (30, 20, 3))])
def test_alpha_dropout_constants_match_torch(which, shape):
    """Each output of PyTorch's alpha dropout (its own draws) is one of our two values at that element, and its
    gradient is a where kept, 0 where dropped: the same affine map."""
    torch = torch_or_skip()
    p = 0.3
    x = torch.tensor(rand_array(shape, 9), requires_grad=True)
    y = getattr(TF(), which)(x, p, training=True)
    y.backward(torch.ones_like(y))
    a, b, dropped_value = _alpha_constants(p)
    xv, yv = x.detach().numpy(), y.detach().numpy()
    kept = numpy.isclose(yv, a * xv + b, rtol=1e-12, atol=1e-12)
    dropped = numpy.isclose(yv, dropped_value, rtol=1e-12, atol=1e-12)
    assert (kept ^ dropped).all() and kept.any() and dropped.any()
    numpy.testing.assert_allclose(x.grad.numpy(), numpy.where(kept, a, 0.0), rtol=1e-12)


@pytest.mark.parametrize("which, shape", [("alpha_dropout", (4, 5)), ("feature_alpha_dropout", (3, 4, 2))])
@pytest.mark.parametrize("p", [0.2, 0.7])
def test_alpha_dropout_gradients_with_a_fixed_mask(which, shape, p, device):
    fn = getattr(F, which)
    check_grads(_seeded(lambda t: fn(t, p, training=True)), rand_array(shape, 10), device=device)
    x = ag.tensor(rand_array(shape, 10), dtype=ag.float32, device=device, requires_grad=True)
    ag.manual_seed(2)
    y = fn(x, p, True)
    y.backward(ag.ones_like(y))
    assert y.dtype == x.grad.dtype == ag.float32
    a, b, dropped_value = _alpha_constants(p)
    dropped = numpy.isclose(host(y), dropped_value, rtol=1e-6)
    numpy.testing.assert_allclose(host(x.grad), numpy.where(dropped, 0.0, a), rtol=1e-6)


def test_alpha_dropout_eval_p0_p1_and_seed(device):
    x = ag.randn(6, 5, 4, device=device, requires_grad=True)
    for fn in (F.alpha_dropout, F.feature_alpha_dropout):
        assert fn(x) is x  # training=False by default, as PyTorch
        assert fn(x, 0.5, False) is x and fn(x, 0.0, True) is x
        y = fn(x, 1.0, True)
        assert not host(y).any()
        ag.manual_seed(8)
        a = host(fn(x, 0.5, True))
        ag.manual_seed(8)
        numpy.testing.assert_array_equal(host(fn(x, 0.5, True)), a)
    one_d = ag.ones(5, device=device)
    assert F.feature_alpha_dropout(one_d, 0.5) is one_d  # 1-D is fine when not training, as PyTorch


@pytest.mark.parametrize("cls", ["AlphaDropout", "FeatureAlphaDropout", "Dropout1d"])
@pytest.mark.parametrize("kwargs", [{}, {"p": 0.2}, {"p": 0.1, "inplace": True}])
def test_dropout_variant_modules(cls, kwargs, device):
    torch = torch_or_skip()
    assert repr(getattr(nn, cls)(**kwargs)) == repr(getattr(torch.nn, cls)(**kwargs))
    layer = getattr(nn, cls)(**kwargs)
    x = ag.randn(8, 6, 5, device=device)
    assert host(layer(x)).tolist() != host(x).tolist()
    layer.eval()
    assert layer(x) is x


# --- dropout1d -----------------------------------------------------------------------------------------------
def test_dropout1d_zeroes_whole_channels(device):
    p = 0.5
    x = ag.tensor(rand_array((60, 50, 4), 11, low=0.5, high=1.5), device=device)
    y = host(F.dropout1d(x, p))
    dropped, kept = (y == 0).all(axis=2), (y != 0).all(axis=2)
    assert (dropped | kept).all()
    assert abs(dropped.mean() - p) < 0.03
    numpy.testing.assert_allclose(y[kept], host(x)[kept] / (1 - p), rtol=1e-6)
    y2 = host(F.dropout1d(ag.ones(40, 3, device=device), p))  # (C, L): whole channels too
    assert ((y2 == 0).all(axis=1) | (y2 == 2).all(axis=1)).all()
    assert F.dropout1d(x, p, training=False) is x and F.dropout1d(x, 0.0) is x
    assert not host(F.dropout1d(x, 1.0)).any()


@pytest.mark.parametrize("shape", [(3, 4, 5), (4, 5)])
def test_dropout1d_matches_torch_with_the_same_mask(shape, device):
    torch = torch_or_skip()
    p = 0.4
    masks = {}
    for dt in ("float32", "float64"):
        ag.manual_seed(5)
        masks[dt] = host(F.dropout1d(ag.ones(*shape, dtype=dt, device=device), p)) != 0

    def theirs(x):
        mask = torch.tensor(masks[str(x.dtype).replace("torch.", "")], dtype=x.dtype)
        return x * mask / (1 - p)

    compare_with_torch(_seeded(lambda t: F.dropout1d(t, p)), theirs, rand_array(shape, 12), device=device)
    check_grads(_seeded(lambda t: F.dropout1d(t, p)), rand_array(shape, 12), device=device)


# --- local_response_norm ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 6, 3, 2), (1, 4, 2, 2, 2)])
@pytest.mark.parametrize("size, alpha, beta, k", [(1, 1e-4, 0.75, 1.0), (2, 0.5, 0.75, 1.0), (3, 0.2, 0.5, 2.0),
                                                  (5, 1.0, 1.25, 0.5), (8, 0.3, 0.75, 1.0)])
def test_local_response_norm(shape, size, alpha, beta, k, device):
    x = rand_array(shape, 13)

    def ours(t):
        return F.local_response_norm(t, size, alpha, beta, k)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, lambda t: TF().local_response_norm(t, size, alpha, beta, k), x, device=device)


@pytest.mark.parametrize("args", [(3,), (2, 0.1, 0.5, 2.0)])
def test_local_response_norm_module(args, device):
    torch = torch_or_skip()
    ours, theirs = nn.LocalResponseNorm(*args), torch.nn.LocalResponseNorm(*args)
    assert repr(ours) == repr(theirs)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), rand_array((2, 4, 3, 3), 14), device=device)


# --- lp_pool ---------------------------------------------------------------------------------------------------
LP_CASES = [(2, 2, None, False), (1, 3, 1, False), (3, 2, 1, False), (1.5, (2, 1), None, False),
            (2, 3, 2, True), (-2, 2, None, False), (float("inf"), 2, 1, False), (-float("inf"), 2, None, False)]


@pytest.mark.parametrize("p, kernel, stride, ceil_mode", LP_CASES)
@pytest.mark.parametrize("nd", [1, 2])
def test_lp_pool(p, kernel, stride, ceil_mode, nd, device):
    if nd == 1 and isinstance(kernel, tuple):
        kernel = kernel[0]
    shape = (2, 3, 7) if nd == 1 else (2, 3, 5, 6)
    x = rand_array(shape, 15, low=0.2, high=2.0)  # positive: x^p is real for every p

    def ours(t):
        return getattr(F, f"lp_pool{nd}d")(t, p, kernel, stride, ceil_mode)

    def theirs(t):
        return getattr(TF(), f"lp_pool{nd}d")(t, p, kernel, stride, ceil_mode)

    check_grads(ours, x, device=device)
    compare_with_torch(ours, theirs, x, device=device)


def test_lp_pool_signed_inputs_unbatched_and_zero_windows(device):
    x = rand_array((3, 8), 16)  # (C, L): unbatched; negative entries
    for p in (1, 2, 4):
        compare_with_torch(lambda t: F.lp_pool1d(t, p, 2), lambda t: TF().lp_pool1d(t, p, 2), x, device=device)
    compare_with_torch(lambda t: F.lp_pool2d(t, 2, 2), lambda t: TF().lp_pool2d(t, 2, 2), rand_array((3, 4, 4), 17),
                       device=device)
    z = ag.zeros(1, 1, 4, dtype=ag.float64, device=device, requires_grad=True)
    y = F.lp_pool1d(z, 2, 2)  # a window of zeros: 0, with a zero (not NaN) gradient, as PyTorch
    y.backward(ag.ones_like(y))
    assert not host(y).any() and not host(z.grad).any() and numpy.isfinite(host(z.grad)).all()


@pytest.mark.parametrize("cls, args", [("LPPool1d", (2, 3)), ("LPPool1d", (1.5, 2, 1, True)),
                                       ("LPPool2d", (2.0, (2, 3), 1)), ("LPPool2d", (3, 2))])
def test_lp_pool_modules(cls, args, device):
    torch = torch_or_skip()
    ours, theirs = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(ours) == repr(theirs)
    shape = (2, 3, 8) if cls == "LPPool1d" else (2, 3, 6, 7)
    compare_with_torch(lambda t: ours(t), lambda t: theirs(t), rand_array(shape, 18, low=0.1, high=2), device=device)


# --- channel_shuffle ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, groups", [((2, 6, 3), 3), ((2, 6, 2, 2), 2), ((1, 8, 2, 1, 2), 4), ((2, 4, 3), 1),
                                           ((2, 4, 3), 4)])
def test_channel_shuffle(shape, groups, device):
    x = rand_array(shape, 19)
    check_grads(lambda t: F.channel_shuffle(t, groups), x, device=device)
    compare_with_torch(lambda t: F.channel_shuffle(t, groups), lambda t: TF().channel_shuffle(t, groups), x,
                       device=device)
    torch = torch_or_skip()
    ours, theirs = nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
    assert repr(ours) == repr(theirs)
    ints = numpy.arange(math.prod(shape)).reshape(shape)
    numpy.testing.assert_array_equal(host(ours(ag.tensor(ints, device=device))),
                                     theirs(torch.tensor(ints)).numpy())  # any dtype


# --- bilinear ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lead", [(5,), (2, 3), ()])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear(lead, with_bias, device):
    x1, x2 = rand_array(lead + (3,), 20), rand_array(lead + (4,), 21)
    w, b = rand_array((2, 3, 4), 22), rand_array((2,), 23)
    arrays = (x1, x2, w, b) if with_bias else (x1, x2, w)
    check_grads(F.bilinear, *arrays, device=device)
    compare_with_torch(F.bilinear, TF().bilinear, *arrays, device=device)


def test_bilinear_module(device):
    torch = torch_or_skip()
    for kwargs in ({}, {"bias": False}):
        ours, theirs = nn.Bilinear(3, 4, 5, **kwargs), torch.nn.Bilinear(3, 4, 5, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [tuple(v.shape) for v in ours.state_dict().values()] == \
            [tuple(v.shape) for v in theirs.state_dict().values()]
    ours = nn.Bilinear(3, 4, 5).to(dtype=ag.float64)
    theirs = torch.nn.Bilinear(3, 4, 5).double()
    with torch.no_grad():
        for i, (p, q) in enumerate(zip(ours.parameters(), theirs.parameters())):
            v = rand_array(tuple(q.shape), 30 + i)
            with ag.no_grad():
                p.copy_(ag.tensor(v, dtype=ag.float64, device=device))
            q.copy_(torch.tensor(v))
    compare_with_torch(lambda a, b: ours(a, b), lambda a, b: theirs(a, b), rand_array((6, 3), 24),
                       rand_array((6, 4), 25), device=device, dtypes=F64)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        numpy.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_bilinear_default_init():
    """PyTorch's init: weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
    layer = nn.Bilinear(16, 5, 40)
    bound = 1 / math.sqrt(16)
    w, b = host(layer.weight), host(layer.bias)
    assert layer.weight.dtype == ag.float32 and w.shape == (40, 16, 5) and b.shape == (40,)
    assert abs(w).max() <= bound and abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None


# --- gumbel_softmax ---------------------------------------------------------------------------------------------
def test_gumbel_softmax_is_a_softmax_of_perturbed_logits(device):
    """y = softmax((logits + g) / tau): for one seed, tau log y - logits is the same g (up to a constant per row)
    whatever tau; across samples g_i - g_j is logistic (variance pi^2 / 3); a seed fixes the draw."""
    logits = ag.tensor(rand_array((4000, 3), 26), dtype=ag.float64, device=device)
    logs = {}
    for tau in (1.0, 0.5, 3.0):
        ag.manual_seed(9)
        y = host(F.gumbel_softmax(logits, tau=tau))
        numpy.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-12)
        logs[tau] = tau * numpy.log(y) - host(logits)
    for tau in (0.5, 3.0):
        d = logs[tau] - logs[1.0]
        numpy.testing.assert_allclose(d - d[:, :1], 0.0, atol=1e-8)
    diff = logs[1.0][:, 0] - logs[1.0][:, 1]
    assert abs(diff.mean()) < 0.1 and abs(diff.var() - math.pi ** 2 / 3) < 0.25
    ag.manual_seed(9)
    numpy.testing.assert_allclose(host(F.gumbel_softmax(logits)), numpy.exp(logs[1.0] + host(logits)), rtol=1e-12)


def test_gumbel_softmax_hard_samples_the_categorical(device):
    """hard: a one-hot of argmax (the Gumbel-max trick samples softmax(logits)); the gradient is the soft one's."""
    probs = numpy.array([0.1, 0.2, 0.3, 0.4])
    logits = ag.tensor(numpy.tile(numpy.log(probs), (20000, 1)), dtype=ag.float64, device=device)
    ag.manual_seed(1)
    y = host(F.gumbel_softmax(logits, tau=0.7, hard=True))
    assert set(numpy.unique(y)) <= {0.0, 1.0} and (y.sum(-1) == 1).all()
    numpy.testing.assert_allclose(y.mean(0), probs, atol=0.012)
    x = rand_array((3, 5), 27)
    w = rand_array((3, 5), 28)
    grads = []
    for hard in (False, True):
        t = ag.tensor(x, device=device, dtype=ag.float64, requires_grad=True)
        ag.manual_seed(4)
        out = F.gumbel_softmax(t, tau=0.5, hard=hard, dim=0)
        (out * ag.tensor(w, device=device)).sum().backward()
        grads.append(host(t.grad))
        if hard:
            assert (host(out).round() == host(out)).all() or numpy.allclose(host(out).sum(0), 1)
            numpy.testing.assert_allclose(host(out), numpy.eye(3)[numpy.argmax(host(out), 0)].T, atol=1e-12)
    numpy.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


def test_gumbel_softmax_gradients_with_fixed_noise(device):
    """(hard=True's straight-through gradient is not the derivative of its piecewise-constant forward pass; it is
    checked above to equal the soft sample's.)"""
    check_grads(_seeded(lambda t: F.gumbel_softmax(t, tau=0.8)), rand_array((3, 4), 29), device=device)
    check_grads(_seeded(lambda t: F.gumbel_softmax(t, tau=2.0, dim=0)), rand_array((3, 4), 30), device=device)


def test_gumbel_softmax_eps_warns_and_dtypes(device):
    x = ag.randn(2, 3, device=device)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(x, eps=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.gumbel_softmax(x).dtype == ag.float32


# --- pdist -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, float("inf")])
def test_pdist(p, device):
    x = rand_array((5, 3), 31)
    compare_with_torch(lambda t: F.pdist(t, p), lambda t: TF().pdist(t, p), x, device=device)
    if p != 0:
        check_grads(lambda t: F.pdist(t, p), x, device=device)


def test_pdist_small_and_repeated_rows(device):
    torch = torch_or_skip()
    one = ag.tensor(rand_array((1, 3), 32), device=device, requires_grad=True)
    y = F.pdist(one)
    assert y.shape == (0,) and y.shape == tuple(TF().pdist(torch.ones(1, 3)).shape)
    x = numpy.array([[1.0, 2.0], [1.0, 2.0], [0.0, 3.0]])  # a zero distance: zero gradient, as PyTorch
    compare_with_torch(lambda t: F.pdist(t), lambda t: TF().pdist(t), x, device=device)


# --- max_unpool and the with_indices aliases --------------------------------------------------------------------
def _distinct(idx, nd):
    """No (n, c) plane has a repeated index (overlapping windows can pick the same maximum twice)."""
    flat = host(idx).reshape(-1, math.prod(idx.shape[-nd:]))
    return all(len(set(row)) == len(row) for row in flat)


UNPOOL2D = [((2, 3, 4, 6), 2, None, 0, None), ((2, 2, 5, 5), 2, 2, 0, (5, 5)), ((1, 2, 6, 5), 3, 2, 1, (6, 5)),
            ((3, 5, 4), (2, 1), None, 0, None), ((2, 3, 5, 7), 2, None, 0, (2, 3, 5, 7))]


@pytest.mark.parametrize("shape, kernel, stride, padding, output_size", UNPOOL2D)
def test_max_unpool2d(shape, kernel, stride, padding, output_size, device):
    x = rand_array(shape, 33)
    y, idx = F.max_pool2d(ag.tensor(x, device=device), kernel, stride, padding, return_indices=True)
    if _distinct(idx, 2):  # (a repeated index keeps one value, so finite differences see only that one)
        check_grads(lambda t: F.max_unpool2d(t, idx, kernel, stride, padding, output_size), host(y), device=device)
    torch = torch_or_skip()
    ty, tidx = TF().max_pool2d(torch.tensor(x), kernel, stride, padding, return_indices=True)
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())  # the same index form as PyTorch
    compare_with_torch(lambda t: F.max_unpool2d(t, idx, kernel, stride, padding, output_size),
                       lambda t: TF().max_unpool2d(t, tidx, kernel, stride, padding, output_size), host(y),
                       device=device)
    ours, theirs = nn.MaxUnpool2d(kernel, stride, padding), torch.nn.MaxUnpool2d(kernel, stride, padding)
    assert repr(ours) == repr(theirs)
    compare_with_torch(lambda t: ours(t, idx, output_size), lambda t: theirs(t, tidx, output_size), host(y),
                       device=device)


UNPOOL1D = [((2, 3, 8), 2, None, 0, None), ((2, 3, 9), 3, 2, 1, None), ((3, 7), 2, None, 0, (7,)),
            ((2, 2, 7), 2, None, 0, [2, 2, 7])]


@pytest.mark.parametrize("shape, kernel, stride, padding, output_size", UNPOOL1D)
def test_max_unpool1d(shape, kernel, stride, padding, output_size, device):
    x = rand_array(shape, 34)
    y, idx = F.max_pool1d(ag.tensor(x, device=device), kernel, stride, padding, return_indices=True)
    if _distinct(idx, 1):
        check_grads(lambda t: F.max_unpool1d(t, idx, kernel, stride, padding, output_size), host(y), device=device)
    torch = torch_or_skip()
    tidx = torch.tensor(host(idx))
    compare_with_torch(lambda t: F.max_unpool1d(t, idx, kernel, stride, padding, output_size),
                       lambda t: TF().max_unpool1d(t, tidx, kernel, stride, padding, output_size), host(y),
                       device=device)
    ours, theirs = nn.MaxUnpool1d(kernel, stride, padding), torch.nn.MaxUnpool1d(kernel, stride, padding)
    assert repr(ours) == repr(theirs)
    compare_with_torch(lambda t: ours(t, idx, output_size), lambda t: theirs(t, tidx, output_size), host(y),
                       device=device)


def test_max_unpool_inverts_max_pool_at_the_maxima(device):
    x = ag.tensor(rand_array((2, 3, 4, 4), 35), device=device)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    u = host(F.max_unpool2d(y, idx, 2))
    xv = host(x)
    numpy.testing.assert_array_equal(u[u != 0], xv[u != 0])
    assert (u != 0).sum() == y.numel()
    assert repr(nn.MaxUnpool2d((2, 3))) == "MaxUnpool2d(kernel_size=(2, 3), stride=(2, 3), padding=(0, 0))"


@pytest.mark.parametrize("nd", [1, 2])
def test_max_pool_with_indices_aliases(nd, device):
    torch = torch_or_skip()
    shape = (2, 3, 7) if nd == 1 else (2, 3, 5, 6)
    x = rand_array(shape, 36)
    ours = getattr(F, f"max_pool{nd}d_with_indices")
    theirs = getattr(TF(), f"max_pool{nd}d_with_indices")
    for kwargs in ({}, {"stride": 1, "padding": 1}, {"ceil_mode": True, "return_indices": False}):
        y, idx = ours(ag.tensor(x, device=device), 3, **kwargs)
        ty, tidx = theirs(torch.tensor(x), 3, **kwargs)
        numpy.testing.assert_array_equal(host(y), ty.numpy())
        numpy.testing.assert_array_equal(host(idx), tidx.numpy())
    compare_with_torch(lambda t: ours(t, 2)[0], lambda t: theirs(t, 2)[0], x, device=device)


# --- in-place names and deprecated aliases ---------------------------------------------------------------------
INPLACE = [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 1.5)), ("selu_", ()),
           ("celu_", (1.5,)), ("threshold_", (0.3, -2.0)), ("rrelu_", (0.1, 0.3))]


@pytest.mark.parametrize("name, args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_names_return_a_new_tensor(name, args, device):
    x = rand_array((3, 4), 37, kinks=(0.0, -0.5, 1.5, 0.3))
    fn = getattr(F, name)
    t = ag.tensor(x, device=device)
    y = fn(t, *args)
    assert y is not t
    numpy.testing.assert_array_equal(host(t), x)  # the input is left as it was
    numpy.testing.assert_array_equal(host(y), host(getattr(F, name[:-1])(t, *args)))
    assert "new tensor" in fn.__doc__
    check_grads(lambda u: fn(u, *args), x, device=device)
    torch = torch_or_skip()
    tfn = getattr(torch.nn.functional, name)
    compare_with_torch(lambda u: fn(u, *args), lambda u: tfn(u.clone(), *args), x, device=device)


@pytest.mark.parametrize("name, kwargs, expected", [
    ("upsample", {"scale_factor": 2, "mode": "bilinear", "align_corners": False},
     {"scale_factor": 2, "mode": "bilinear", "align_corners": False}),
    ("upsample", {"size": (5, 7)}, {"size": (5, 7), "mode": "nearest"}),
    ("upsample_nearest", {"scale_factor": 3}, {"scale_factor": 3, "mode": "nearest"}),
    ("upsample_bilinear", {"size": (6, 5)}, {"size": (6, 5), "mode": "bilinear", "align_corners": True}),
    ("upsample_bilinear", {"scale_factor": 2}, {"scale_factor": 2, "mode": "bilinear", "align_corners": True})])
def test_deprecated_upsample_aliases(name, kwargs, expected, device):
    x = rand_array((2, 3, 3, 4), 38)
    t = ag.tensor(x, device=device)
    with pytest.warns(UserWarning, match=re.escape(f"`nn.functional.{name}` is deprecated. Use "
                                                   "`nn.functional.interpolate` instead.")):
        y = getattr(F, name)(t, **kwargs)
    numpy.testing.assert_array_equal(host(y), host(F.interpolate(t, **expected)))
    check_grads(quiet(lambda u: getattr(F, name)(u, **kwargs)), x, device=device)
    torch = torch_or_skip()
    compare_with_torch(quiet(lambda u: getattr(F, name)(u, **kwargs)),
                       quiet(lambda u: getattr(torch.nn.functional, name)(u, **kwargs)), x, device=device)


# --- errors -------------------------------------------------------------------------------------------------------
def test_activation_errors(device):
    x = ag.randn(3, 4, device=device)
    with pytest.raises(ValueError, match=re.escape("softshrink: lambd must be non-negative, got lambd=-0.1")):
        F.softshrink(x, -0.1)
    numpy.testing.assert_array_equal(host(F.hardshrink(x, -2)), host(x))  # (the identity, as PyTorch)
    with pytest.raises(ValueError, match="Softshrink: lambd must be non-negative, got lambd=-1"):
        nn.Softshrink(-1)
    with pytest.raises(TypeError, match="lambd must be a number, got str"):
        F.hardshrink(x, "0.5")
    with pytest.raises(TypeError, match="int64"):
        F.softshrink(ag.tensor([1, 2], device=device))
    with pytest.raises(ValueError, match=re.escape("rrelu: the lower bound must be less than or equal to the upper "
                                                   "bound, got lower=0.5, upper=0.1")):
        F.rrelu(x, 0.5, 0.1, training=True)
    with pytest.raises(ValueError, match="lower=0.4, upper=0.2"):
        nn.RReLU(0.4, 0.2)
    with pytest.raises(ValueError, match="lower=0.5, upper=0.1"):
        F.rrelu_(x, 0.5, 0.1)
    with pytest.raises(ValueError, match=re.escape("Softmax2d: expected a 3D or 4D input, got a 2D input of shape "
                                                   "(3, 4)")):
        nn.Softmax2d()(x)


def test_dropout_variant_errors(device):
    x = ag.randn(2, 3, 4, device=device)
    for fn in (F.alpha_dropout, F.feature_alpha_dropout, F.dropout1d):
        with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
            fn(x, 1.5, True)
    for cls in (nn.AlphaDropout, nn.FeatureAlphaDropout, nn.Dropout1d):
        with pytest.raises(ValueError, match="between 0 and 1, but got -0.2"):
            cls(-0.2)
    with pytest.raises(ValueError, match=re.escape("dropout1d: expected a 2D (C, L) or 3D (N, C, L) input, got "
                                                   "shape (2, 3, 4, 5)")):
        F.dropout1d(ag.ones(2, 3, 4, 5, device=device))
    with pytest.raises(ValueError, match=re.escape("feature dropout requires at least 2 dimensions in the input, "
                                                   "got shape (5,)")):
        F.feature_alpha_dropout(ag.ones(5, device=device), 0.5, training=True)
    with pytest.raises(TypeError, match="int64"):
        F.alpha_dropout(ag.tensor([1, 2], device=device), 0.5, True)


def test_layer_errors(device):
    x = ag.randn(2, 6, 3, device=device)
    with pytest.raises(ValueError, match=re.escape("local_response_norm: expected a 3D or higher dimensional input, "
                                                   "got shape (2, 3)")):
        F.local_response_norm(ag.ones(2, 3, device=device), 2)
    with pytest.raises(ValueError, match="size must be a positive int, got 0"):
        F.local_response_norm(x, 0)
    with pytest.raises(ValueError, match="lp_pool1d: norm_type must be a nonzero number.*got 0"):
        F.lp_pool1d(x, 0, 2)
    with pytest.raises(ValueError, match="LPPool2d: norm_type must be a nonzero number.*got nan"):
        nn.LPPool2d(float("nan"), 2)
    with pytest.raises(ValueError, match=re.escape("channel_shuffle: the number of channels must be divisible by "
                                                   "groups, got 6 channels and groups=4")):
        F.channel_shuffle(x, 4)
    with pytest.raises(ValueError, match="groups must be a positive int, got 0"):
        nn.ChannelShuffle(0)(x)
    with pytest.raises(ValueError, match=re.escape("at least 3 dimensions (N, C, *), got shape (2, 6)")):
        F.channel_shuffle(ag.ones(2, 6, device=device), 2)
    with pytest.raises(ValueError, match=re.escape("pdist: expected a 2D input (N, M), got shape (3,)")):
        F.pdist(ag.ones(3, device=device))
    with pytest.raises(ValueError, match="pdist: p must be non-negative, got p=-1"):
        F.pdist(ag.ones(3, 2, device=device), -1)
    with pytest.raises(ValueError, match="gumbel_softmax: tau must be positive, got tau=0"):
        F.gumbel_softmax(x, tau=0)


def test_bilinear_errors(device):
    a, b, w = ag.ones(2, 3, device=device), ag.ones(2, 4, device=device), ag.ones(5, 3, 4, device=device)
    with pytest.raises(ValueError, match=re.escape("input1 (shape (2, 3)) and input2 (shape (3, 4)) must have the "
                                                   "same leading")):
        F.bilinear(a, ag.ones(3, 4, device=device), w)
    with pytest.raises(ValueError, match=re.escape("last sizes 3 and 4 do not match the weight of shape (5, 3, 3)")):
        F.bilinear(a, b, ag.ones(5, 3, 3, device=device))
    with pytest.raises(ValueError, match=re.escape("bias has shape (4,) but the weight has 5 output features")):
        F.bilinear(a, b, w, ag.ones(4, device=device))
    with pytest.raises(ValueError, match=re.escape("weight must be 3-D (out_features, in1_features, in2_features), "
                                                   "got shape (3, 4)")):
        F.bilinear(a, b, ag.ones(3, 4, device=device))
    with pytest.raises(TypeError, match="input2 has dtype float64 but input1 has dtype float32"):
        F.bilinear(a, ag.ones(2, 4, dtype=ag.float64, device=device), w)
    with pytest.raises(ValueError, match="in2_features must be a non-negative int, got -4"):
        nn.Bilinear(3, -4, 5)


def test_unpool_errors(device):
    y, idx = F.max_pool2d(ag.randn(2, 3, 4, 4, device=device), 2, return_indices=True)
    with pytest.raises(ValueError, match=re.escape("indices must have the input's shape (2, 3, 2, 2), got shape "
                                                   "(2, 3, 1, 2)")):
        F.max_unpool2d(y, idx[:, :, :1], 2)
    with pytest.raises(TypeError, match="indices must have dtype int64, got int32"):
        F.max_unpool2d(y, idx.to(dtype=ag.int32), 2)
    with pytest.raises(ValueError, match=re.escape("found an invalid max index 115 (the output planes are 4x4")):
        F.max_unpool2d(y, idx + 100, 2)
    with pytest.raises(ValueError, match="found an invalid max index -7"):
        F.max_unpool2d(y, idx * 0 - 7, 2)
    with pytest.raises(ValueError, match=re.escape("max_unpool2d: expected a 3-D (unbatched) or 4-D (batched) input, "
                                                   "got shape (2, 2)")):
        F.max_unpool2d(y[0, 0], idx[0, 0], 2)
    with pytest.raises(ValueError, match=re.escape("invalid output_size (6, 5) (dim 0 must be between 2 and 6")):
        F.max_unpool2d(y, idx, 2, output_size=(6, 5))
    with pytest.raises(ValueError, match=re.escape("output_size should be a sequence of 2 or 4 ints, got (5,)")):
        F.max_unpool2d(y, idx, 2, output_size=(5,))
    with pytest.raises(ValueError, match=re.escape("output_size must contain non-negative spatial dimensions, but "
                                                   "got output_size[0]=-2")):
        F.max_unpool2d(y, idx, 2, padding=3)
    with pytest.raises(ValueError, match="MaxUnpool1d: kernel_size must be positive, got 0"):
        nn.MaxUnpool1d(0)
    with pytest.raises(ValueError, match=re.escape("max_unpool2d: stride must be positive, got (1, 0)")):
        F.max_unpool2d(y, idx, 2, stride=(1, 0))
    with pytest.raises(TypeError, match="indices must be a Tensor, got list"):
        F.max_unpool1d(y[0], [0, 1], 2)


# --- device-generic code: the strict stand-in for a GPU ---------------------------------------------------------
_IDX2 = numpy.array([[[[0, 3], [9, 14]], [[5, 2], [8, 15]]]])  # (1, 2, 2, 2) indices into 4x4 planes
_IDX1 = numpy.array([[[1, 2, 5], [0, 3, 4]]])  # (1, 2, 3) into length 6

STRICT_CASES = [
    ("softshrink", lambda x: F.softshrink(x, 0.3), [rand_array((3, 4), 40, kinks=(-0.3, 0.3))]),
    ("hardshrink", lambda x: F.hardshrink(x, 0.3), [rand_array((3, 4), 41, kinks=(-0.3, 0.3))]),
    ("rrelu_eval", lambda x: F.rrelu(x), [rand_array((3, 4), 42)]),
    ("rrelu_train", _seeded(lambda x: F.rrelu(x, training=True)), [rand_array((3, 4), 43)]),
    ("softmax2d", lambda x: nn.Softmax2d()(x), [rand_array((2, 3, 2, 2), 44)]),
    ("alpha_dropout", _seeded(lambda x: F.alpha_dropout(x, 0.3, True)), [rand_array((4, 5), 45)]),
    ("feature_alpha_dropout", _seeded(lambda x: F.feature_alpha_dropout(x, 0.3, True)), [rand_array((4, 5, 2), 46)]),
    ("dropout1d", _seeded(lambda x: F.dropout1d(x, 0.3)), [rand_array((4, 5, 2), 47)]),
    ("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.2), [rand_array((2, 4, 3), 48)]),
    ("lp_pool2d", lambda x: F.lp_pool2d(x, 3, 2), [rand_array((1, 2, 4, 4), 49, low=0.1)]),
    ("lp_pool1d_inf", lambda x: F.lp_pool1d(x, float("inf"), 2), [rand_array((1, 2, 6), 50)]),
    ("channel_shuffle", lambda x: F.channel_shuffle(x, 2), [rand_array((2, 4, 3), 51)]),
    ("bilinear", F.bilinear, [rand_array((3, 2), 52), rand_array((3, 4), 53), rand_array((2, 2, 4), 54),
                              rand_array((2,), 55)]),
    ("gumbel_softmax", _seeded(lambda x: F.gumbel_softmax(x, 0.5)), [rand_array((3, 4), 56)]),
    ("gumbel_softmax_hard", _seeded(lambda x: F.gumbel_softmax(x, hard=True, dim=0)), [rand_array((3, 4), 57)]),
    ("pdist", lambda x: F.pdist(x), [rand_array((4, 3), 58)]),
    ("pdist_p1", lambda x: F.pdist(x, 1.5), [rand_array((4, 3), 59)]),
    ("max_unpool2d", lambda x, i: F.max_unpool2d(x, i, 2), [rand_array((1, 2, 2, 2), 60), _IDX2]),
    ("max_unpool1d", lambda x, i: F.max_unpool1d(x, i, 2), [rand_array((1, 2, 3), 61), _IDX1]),
    ("upsample_bilinear", quiet(lambda x: F.upsample_bilinear(x, scale_factor=2)), [rand_array((1, 2, 3, 3), 62)]),
]


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values and first and second derivatives on the strict device (a NumPy-only call or a hidden
    copy to the host fails there) as on the CPU."""
    grads = check_on_strict_device(fn, arrays, [a.dtype.kind == "f" for a in arrays])
    assert grads, "no gradient was checked"

"""3-D pooling: max_pool3d (indices in PyTorch's flat per-plane convention), avg_pool3d, adaptive_avg_pool3d,
adaptive_max_pool3d, max_unpool3d and their modules: PyTorch as an oracle (float32 and float64), gradcheck and
gradgradcheck in float64, the strict stand-in for a GPU, reprs, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
import checks
import nn
import nn.functional as F
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip


def distinct(shape, seed=0):
    """Values with no ties (a max pool's gradient is then smooth)."""
    rng = numpy.random.default_rng(seed)
    return rng.permutation(int(numpy.prod(shape))).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


# (kernel, stride, padding, dilation, ceil_mode, (D, H, W)): D != H != W, windows that do not divide evenly
MAX_CASES = [
    (2, None, 0, 1, False, (4, 5, 6)),
    (3, 2, 1, 1, False, (7, 6, 5)),
    (3, 2, 1, 1, True, (6, 7, 5)),
    ((3, 2, 2), (1, 2, 3), (1, 1, 0), (1, 2, 1), True, (5, 6, 7)),
    (3, 1, 1, 2, False, (7, 6, 5)),
    (2, 2, 1, 1, True, (4, 5, 3)),
]


def _max_fns(k, s, p, d, ceil):
    torch = checks.torch
    ours = lambda x: F.max_pool3d(x, k, s, p, d, ceil)  # noqa: E731
    return ours, (lambda x: torch.nn.functional.max_pool3d(x, k, s, p, d, ceil)) if torch else None


@pytest.mark.parametrize("k,s,p,d,ceil,size", MAX_CASES)
def test_max_pool3d_matches_torch(k, s, p, d, ceil, size, device):
    torch = torch_or_skip()
    x = distinct((2, 3) + size, seed=len(size) + k if isinstance(k, int) else 7)
    compare_with_torch(*_max_fns(k, s, p, d, ceil), x, device=device)
    y, idx = F.max_pool3d(ag.tensor(x, device=device), k, s, p, d, ceil, return_indices=True)
    _, tidx = torch.nn.functional.max_pool3d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    assert idx.dtype == ag.int64
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())


@pytest.mark.parametrize("k,s,p,d,ceil,size", MAX_CASES)
def test_max_pool3d_grads(k, s, p, d, ceil, size, device):
    check_grads(_max_fns(k, s, p, d, ceil)[0], distinct((1, 2) + size, seed=3), device=device)


def test_max_pool3d_ties_nan_and_all_padding_match_torch(device):
    """A tie sends the index (and the gradient) to the first maximum; NaN wins; a window whose entries in the
    input are all -inf takes its first entry inside the input, as PyTorch."""
    torch = torch_or_skip()
    tied = numpy.round(distinct((1, 2, 4, 5, 3)) * 0.05, 0)
    nan = distinct((1, 2, 4, 5, 3))
    nan[0, 0, 1, 1, 1] = nan[0, 1, 2, 3, 0] = numpy.nan
    ninf = numpy.full((1, 1, 3, 2, 3), -numpy.inf)
    for x in (tied, nan, ninf):
        for k, s, p in ((2, 1, 0), (3, 1, 1), (3, 2, 1), (2, 1, 1)):
            xt = torch.tensor(x, requires_grad=True)
            ty, tidx = torch.nn.functional.max_pool3d(xt, k, s, p, return_indices=True)
            ty.sum().backward()
            ours = ag.tensor(x, device=device, requires_grad=True)
            y, idx = F.max_pool3d(ours, k, s, p, return_indices=True)
            y.sum().backward()
            numpy.testing.assert_array_equal(host(idx), tidx.numpy())
            numpy.testing.assert_array_equal(host(y), ty.detach().numpy())
            numpy.testing.assert_array_equal(host(ours.grad), xt.grad.numpy())


def test_max_pool3d_double_backward_is_a_gather(device):
    x = ag.tensor(distinct((1, 1, 4, 4, 4)), device=device, requires_grad=True)
    y, idx = F.max_pool3d(x, 3, 1, return_indices=True)  # overlapping windows: the gradient accumulates
    gy = ag.ones(*y.shape, dtype=ag.float64, device=device, requires_grad=True)
    (gx,) = ag.grad(y, x, gy, create_graph=True)
    v = ag.arange(64.0, dtype=ag.float64, device=device).reshape(1, 1, 4, 4, 4)
    (ggy,) = ag.grad((gx * v).sum(), gy)
    numpy.testing.assert_array_equal(host(ggy).ravel(), host(idx).ravel().astype(float))


# (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, (D, H, W))
AVG_CASES = [
    (2, None, 0, False, True, None, (4, 5, 6)),
    (3, 2, 1, False, True, None, (7, 6, 5)),
    (3, 2, 1, True, False, None, (6, 7, 5)),
    ((2, 3, 2), (1, 2, 3), (1, 1, 0), True, True, None, (5, 6, 7)),
    (3, 2, 1, True, True, 5, (5, 4, 6)),
]


@pytest.mark.parametrize("k,s,p,ceil,cip,div,size", AVG_CASES)
def test_avg_pool3d_matches_torch_and_grads(k, s, p, ceil, cip, div, size, device):
    fn = lambda x: F.avg_pool3d(x, k, s, p, ceil, cip, div)  # noqa: E731
    check_grads(fn, rand_array((1, 2) + size, seed=4), device=device)
    if checks.torch is not None:
        tf = checks.torch.nn.functional.avg_pool3d
        compare_with_torch(fn, lambda x: tf(x, k, s, p, ceil, cip, div), rand_array((2, 3) + size), device=device)


ADAPTIVE_CASES = [((5, 6, 7), (3, 4, 2)), ((5, 6, 7), (2, None, 3)), ((4, 6, 3), 2), ((5, 6, 7), 1),
                  ((3, 4, 2), (5, 7, 3))]


@pytest.mark.parametrize("size,out", ADAPTIVE_CASES)
def test_adaptive_pool3d_matches_torch_and_grads(size, out, device):
    check_grads(lambda x: F.adaptive_avg_pool3d(x, out), rand_array((1, 2) + size, seed=6), device=device)
    check_grads(lambda x: F.adaptive_max_pool3d(x, out), distinct((1, 2) + size, seed=6), device=device)
    if checks.torch is None:
        return
    tf = checks.torch.nn.functional
    compare_with_torch(lambda x: F.adaptive_avg_pool3d(x, out), lambda x: tf.adaptive_avg_pool3d(x, out),
                       rand_array((2, 3) + size), device=device)
    x = distinct((2, 3) + size, seed=2)
    compare_with_torch(lambda x: F.adaptive_max_pool3d(x, out), lambda x: tf.adaptive_max_pool3d(x, out), x,
                       device=device)
    _, idx = F.adaptive_max_pool3d(ag.tensor(x, device=device), out, return_indices=True)
    _, tidx = tf.adaptive_max_pool3d(checks.torch.tensor(x), out, return_indices=True)
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())


def test_unbatched_pooling_matches_torch(device):
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = distinct((3, 5, 4, 6), seed=8)
    pairs = [(lambda a: F.max_pool3d(a, 2, 1, 1), lambda a: tf.max_pool3d(a, 2, 1, 1)),
             (lambda a: F.avg_pool3d(a, 3, 2, 1, True), lambda a: tf.avg_pool3d(a, 3, 2, 1, True)),
             (lambda a: F.adaptive_avg_pool3d(a, (2, 3, 4)), lambda a: tf.adaptive_avg_pool3d(a, (2, 3, 4))),
             (lambda a: F.adaptive_max_pool3d(a, (2, 3, 4)), lambda a: tf.adaptive_max_pool3d(a, (2, 3, 4)))]
    for ours, theirs in pairs:
        compare_with_torch(ours, theirs, x, device=device)
    _, idx = F.max_pool3d(ag.tensor(x, device=device), 2, return_indices=True)
    _, tidx = tf.max_pool3d(torch.tensor(x), 2, return_indices=True)
    assert idx.shape == (3, 2, 2, 3)
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())


# --- max unpooling --------------------------------------------------------------------------------------
def test_max_unpool3d_matches_torch_and_grads(device):
    x = distinct((2, 3, 5, 4, 7), seed=9)
    y, idx = F.max_pool3d(ag.tensor(x, device=device), 2, return_indices=True)
    check_grads(lambda v: F.max_unpool3d(v, idx, 2, output_size=(5, 4, 7)), host(y), device=device)
    assert F.max_unpool3d(y, idx, 2, output_size=(5, 4, 7)).shape == (2, 3, 5, 4, 7)
    if checks.torch is None:
        return
    tf = checks.torch.nn.functional
    ty, tidx = tf.max_pool3d(checks.torch.tensor(x), 2, return_indices=True)
    numpy.testing.assert_array_equal(host(F.max_unpool3d(y, idx, 2, output_size=(2, 3, 5, 4, 7))),
                                     tf.max_unpool3d(ty, tidx, 2, output_size=(5, 4, 7)).numpy())
    m, tm = nn.MaxUnpool3d(2), checks.torch.nn.MaxUnpool3d(2)
    assert repr(m) == repr(tm) == "MaxUnpool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, 0))"
    numpy.testing.assert_array_equal(host(m(y[0], idx[0], (5, 4, 7))), tm(ty[0], tidx[0], (5, 4, 7)).numpy())


# --- the strict stand-in for a GPU ---------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, (3, 2, 2), (2, 1, 2), 1, (1, 2, 1), True),
    lambda x: F.max_pool3d(x, 2),
    lambda x: F.avg_pool3d(x, 3, 2, 1, True, False),
    lambda x: F.avg_pool3d(x, 2, divisor_override=3),
    lambda x: F.adaptive_avg_pool3d(x, (2, 3, 4)),
    lambda x: F.adaptive_max_pool3d(x, (2, 3, 4)),
    lambda x: F.adaptive_max_pool3d(x, (5, 2, 2)),
])
def test_pooling_on_strict_device(fn):
    check_on_strict_device(fn, [distinct((2, 3, 5, 4, 6), seed=10)], [True])


# --- modules ------------------------------------------------------------------------------------------
MODULES = [
    ("MaxPool3d", (3,), {}, "MaxPool3d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"),
    ("MaxPool3d", ((2, 3, 2),), dict(stride=1, padding=1, dilation=2, ceil_mode=True),
     "MaxPool3d(kernel_size=(2, 3, 2), stride=1, padding=1, dilation=2, ceil_mode=True)"),
    ("AvgPool3d", (3,), {}, "AvgPool3d(kernel_size=3, stride=3, padding=0)"),
    ("AvgPool3d", (2, 1, 1, True, False, 3), {}, "AvgPool3d(kernel_size=2, stride=1, padding=1)"),
    ("AdaptiveAvgPool3d", ((2, None, 3),), {}, "AdaptiveAvgPool3d(output_size=(2, None, 3))"),
    ("AdaptiveMaxPool3d", (2,), {}, "AdaptiveMaxPool3d(output_size=2)"),
]


@pytest.mark.parametrize("name,args,kwargs,text", MODULES)
def test_pooling_modules_repr_and_match_torch(name, args, kwargs, text, device):
    m = getattr(nn, name)(*args, **kwargs)
    assert repr(m) == text and list(m.state_dict()) == []
    if checks.torch is None:
        return
    tm = getattr(checks.torch.nn, name)(*args, **kwargs)
    assert repr(tm) == text
    compare_with_torch(m, tm, distinct((2, 3, 5, 6, 4), seed=11), device=device)


def test_pooling_modules_return_indices(device):
    x = ag.tensor(distinct((1, 2, 4, 4, 4)), device=device)
    y, idx = nn.MaxPool3d(2, return_indices=True)(x)
    assert y.shape == idx.shape == (1, 2, 2, 2, 2) and idx.dtype == ag.int64
    y2, idx2 = nn.AdaptiveMaxPool3d(2, return_indices=True)(x)
    numpy.testing.assert_array_equal(host(y2), host(y))
    numpy.testing.assert_array_equal(host(idx2), host(idx))
    numpy.testing.assert_array_equal(host(nn.MaxUnpool3d(2)(y, idx)), numpy.where(
        host(nn.MaxUnpool3d(2)(y, idx)) != 0, host(x), 0))
    y3, _ = F.max_pool3d_with_indices(x, 2)
    numpy.testing.assert_array_equal(host(y3), host(y))


def test_pooling_float32_stays_float32(device):
    x = ag.randn(2, 3, 4, 5, 6, device=device, requires_grad=True)
    for fn in (lambda a: F.max_pool3d(a, 2), lambda a: F.avg_pool3d(a, 3, 1, 1, count_include_pad=False),
               lambda a: F.adaptive_avg_pool3d(a, 3), lambda a: F.adaptive_max_pool3d(a, 3)):
        y = fn(x)
        assert y.dtype == ag.float32
        (g,) = ag.grad(y.sum(), x)
        assert g.dtype == ag.float32


@pytest.mark.parametrize("shape", [(0, 3, 4, 5, 6), (2, 0, 4, 5, 6)])
def test_pooling_of_an_empty_batch(shape, device):
    x = ag.zeros(*shape, device=device, requires_grad=True)
    y = F.max_pool3d(x, 2, 1)
    assert y.shape == shape[:2] + (3, 4, 5)
    y.sum().backward()
    assert x.grad.shape == shape
    assert F.avg_pool3d(x, 2).shape == shape[:2] + (2, 2, 3)
    assert F.adaptive_max_pool3d(x, (3, 2, 4)).shape == shape[:2] + (3, 2, 4)


# --- errors ---------------------------------------------------------------------------------------------------
def test_pooling3d_errors(device):
    x = ag.zeros(1, 2, 4, 6, 8, device=device)
    with pytest.raises(ValueError, match=r"max_pool3d: expected a 4-D \(unbatched\) or 5-D \(batched\) input, got "
                                         r"shape \(2, 6, 8\)"):
        F.max_pool3d(x[0, :, 0], 2)
    with pytest.raises(ValueError, match=r"max_pool3d: padding should be at most half of the kernel size, got "
                                         r"padding=2 and kernel_size=3"):
        F.max_pool3d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"max_pool3d: the pooling window covers 5x5x5 but the padded input is only "
                                         r"4x6x8"):
        F.max_pool3d(x, 5)
    with pytest.raises(ValueError, match=r"avg_pool3d: the pooling window covers 3x9x3 but the padded input is only "
                                         r"6x8x10"):
        F.avg_pool3d(x, (3, 9, 3), padding=1)
    with pytest.raises(TypeError, match=r"max_pool3d: kernel_size must be an int or a tuple of 3 ints, got \(2, 2\)"):
        F.max_pool3d(x, (2, 2))
    with pytest.raises(ValueError, match=r"avg_pool3d: stride must be positive, got 0"):
        F.avg_pool3d(x, 2, stride=0)
    with pytest.raises(ValueError, match=r"avg_pool3d: divisor_override must be a non-zero int, got 0"):
        F.avg_pool3d(x, 2, divisor_override=0)
    with pytest.raises(TypeError, match=r"max_pool3d: expected a floating-point input, got dtype int64"):
        F.max_pool3d(ag.zeros(1, 1, 2, 2, 2, dtype=ag.int64, device=device), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: output_size must be an int or a triple, got \(1, 2\)"):
        F.adaptive_avg_pool3d(x, (1, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: output_size must be positive ints \(or None\), got "
                                         r"\(0, 2, 2\)"):
        F.adaptive_max_pool3d(x, (0, 2, 2))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: expected a 4-D \(unbatched\) or 5-D"):
        F.adaptive_avg_pool3d(x[0, 0], 2)
    y, idx = F.max_pool3d(x, 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool3d: found an invalid max index \d+ \(the output planes are 4x6x8, "
                                         r"so indices must lie in \[0, 192\)\)"):
        F.max_unpool3d(y, idx + 192, 2)
    with pytest.raises(ValueError, match=r"max_unpool3d: invalid output_size \(9, 6, 8\)"):
        F.max_unpool3d(y, idx, 2, output_size=(9, 6, 8))
    with pytest.raises(ValueError, match=r"max_unpool3d: indices must have the input's shape"):
        F.max_unpool3d(y, idx[:, :1], 2)

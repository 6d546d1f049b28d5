"""max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool2d and their modules: gradients of first and second
order, PyTorch as an oracle (values, indices, gradients) over a grid of kernel / stride / padding /
dilation / ceil_mode, ties, dtypes, reprs and the errors a user can cause."""

import itertools

import numpy
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from checks import check_grads, compare_with_torch, host, torch_or_skip


def distinct(shape, seed=0):
    """float64 values that are pairwise at least 0.01 apart (no near-ties, so max pooling is smooth
    at the point a finite-difference check perturbs by 1e-6)."""
    rng = numpy.random.default_rng(seed)
    n = int(numpy.prod(shape))
    return (rng.permutation(n) * 0.01 - n * 0.005 + rng.uniform(0, 0.002, n)).reshape(shape)


def _ok(k, s, p, d, size, ceil_mode=False):
    return p <= k // 2 and d * (k - 1) + 1 <= min(size) + 2 * p


# --- gradcheck / gradgradcheck --------------------------------------------------------------------------
# (kernel, stride, padding, dilation, ceil_mode, (H, W)): kernel {1, 3, 5}, stride {1, 2, 3}, padding
# {0, 1, 2}, dilation {1, 2}, both ceil modes, H != W, windows that do not tile the input.
MAX_CASES = [
    (1, 1, 0, 1, False, (4, 5)),
    (3, 1, 1, 1, False, (5, 4)),
    (3, 2, 1, 2, True, (7, 6)),
    (3, 3, 0, 1, True, (8, 7)),
    (5, 2, 2, 1, False, (7, 6)),
    (5, 3, 2, 2, True, (9, 10)),
    ((2, 3), (1, 2), (1, 1), (2, 1), True, (5, 7)),
    (2, None, 0, 1, False, (6, 5)),
]


@pytest.mark.parametrize("k,s,p,d,ceil,size", MAX_CASES)
def test_max_pool2d_grads(k, s, p, d, ceil, size, device):
    check_grads(lambda x: F.max_pool2d(x, k, s, p, d, ceil), distinct((2, 2) + size), device=device)


@pytest.mark.parametrize("k,s,p,d,ceil,size", MAX_CASES[:6])
def test_max_pool1d_grads(k, s, p, d, ceil, size, device):
    check_grads(lambda x: F.max_pool1d(x, k, s, p, d, ceil), distinct((2, 2, size[0] + size[1])), device=device)


AVG_CASES = [  # (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, (H, W))
    (1, 1, 0, False, True, None, (4, 5)),
    (3, 1, 1, False, False, None, (5, 4)),
    (3, 2, 1, True, True, None, (6, 7)),
    (3, 3, 0, True, False, None, (8, 7)),
    (5, 2, 2, False, True, 3, (7, 6)),
    (5, 3, 2, True, False, None, (9, 10)),
    ((2, 3), (1, 2), (1, 1), True, False, 4, (5, 7)),
    (2, None, 0, False, True, None, (6, 5)),
]


@pytest.mark.parametrize("k,s,p,ceil,cip,div,size", AVG_CASES)
def test_avg_pool2d_grads(k, s, p, ceil, cip, div, size, device):
    check_grads(lambda x: F.avg_pool2d(x, k, s, p, ceil, cip, div), distinct((2, 2) + size), device=device)


@pytest.mark.parametrize("k,s,p,ceil,cip,div,size", AVG_CASES[:6])
def test_avg_pool1d_grads(k, s, p, ceil, cip, div, size, device):
    check_grads(lambda x: F.avg_pool1d(x, k, s, p, ceil, cip), distinct((2, 2, size[0] + size[1])), device=device)


@pytest.mark.parametrize("size,out", [((7, 9), (3, 4)), ((5, 5), 2), ((6, 4), (None, 3)), ((4, 6), (6, 7)),
                                      ((5, 6), 1)])
def test_adaptive_avg_pool2d_grads(size, out, device):
    check_grads(lambda x: F.adaptive_avg_pool2d(x, out), distinct((2, 2) + size), device=device)


def test_pooling_unbatched_grads(device):
    check_grads(lambda x: F.max_pool2d(x, 3, 2, 1), distinct((2, 5, 6)), device=device)
    check_grads(lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), distinct((2, 5, 6)), device=device)
    check_grads(lambda x: F.max_pool1d(x, 2), distinct((2, 5)), device=device)
    check_grads(lambda x: F.avg_pool1d(x, 3, 2, 1, True), distinct((2, 6)), device=device)
    check_grads(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), distinct((2, 5, 7)), device=device)


def test_max_pool_grads_large_fast_mode(device):
    x = ag.tensor(distinct((4, 3, 16, 15), seed=2), device=device, requires_grad=True)
    fn = lambda x: F.max_pool2d(x, 3, 1, 1)  # noqa: E731  overlapping windows: the gradient accumulates
    assert ag.gradcheck(fn, (x,), fast_mode=True)
    assert ag.gradgradcheck(fn, (x,), fast_mode=True)


def test_max_pool_double_backward_is_a_gather(device):
    """d/d(gy) of (dL/dx . v) is v read at each window's argmax."""
    x = ag.tensor(distinct((1, 1, 4, 4)), device=device, requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    gy = ag.ones(1, 1, 2, 2, dtype=ag.float64, device=device, requires_grad=True)
    (gx,) = ag.grad(y, x, gy, create_graph=True)
    v = ag.arange(16.0, dtype=ag.float64, device=device).reshape(1, 1, 4, 4)
    (ggy,) = ag.grad((gx * v).sum(), gy)
    numpy.testing.assert_array_equal(host(ggy).ravel(), host(idx).ravel().astype(float))


# --- PyTorch as the oracle ----------------------------------------------------------------------------------
MAX_GRID = [c for c in itertools.product((1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2), (False, True))
            if _ok(*c[:4], (9, 8))]


def _max_both(k, s, p, d, ceil):
    torch = torch_or_skip()
    return (lambda x: F.max_pool2d(x, k, s, p, d, ceil),
            lambda x: torch.nn.functional.max_pool2d(x, k, s, p, d, ceil))


@pytest.mark.parametrize("k,s,p,d,ceil", MAX_GRID)
def test_max_pool2d_matches_torch(k, s, p, d, ceil, device):
    torch = torch_or_skip()
    x = distinct((2, 3, 9, 8), seed=k + s)
    compare_with_torch(*_max_both(k, s, p, d, ceil), x, device=device)
    y, idx = F.max_pool2d(ag.tensor(x, device=device), k, s, p, d, ceil, return_indices=True)
    ty, tidx = torch.nn.functional.max_pool2d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    assert idx.dtype == ag.int64
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())
    # 1-D: the same windows along a single axis
    compare_with_torch(lambda x: F.max_pool1d(x, k, s, p, d, ceil),
                       lambda x: torch.nn.functional.max_pool1d(x, k, s, p, d, ceil), x[:, :, 0], device=device)
    y1, idx1 = F.max_pool1d(ag.tensor(x[:, :, 0], device=device), k, s, p, d, ceil, return_indices=True)
    _, tidx1 = torch.nn.functional.max_pool1d(torch.tensor(x[:, :, 0]), k, s, p, d, ceil, return_indices=True)
    numpy.testing.assert_array_equal(host(idx1), tidx1.numpy())


def test_max_pool_ties_and_nan_match_torch(device):
    """A tie sends the value's index (and the gradient) to the first maximum; NaN wins, as in PyTorch."""
    torch = torch_or_skip()
    tied = numpy.ones((1, 2, 5, 6))
    tied[0, 1] = numpy.round(distinct((5, 6)) * 0.5, 1)  # many ties at different values
    nan = distinct((1, 2, 5, 6))
    nan[0, 0, 1, 1] = nan[0, 1, 3, 4] = numpy.nan
    for x in (tied, nan):
        for k, s, p in ((2, 1, 0), (3, 1, 1), (3, 2, 1)):
            xt = torch.tensor(x, requires_grad=True)
            ty, tidx = torch.nn.functional.max_pool2d(xt, k, s, p, return_indices=True)
            ty.sum().backward()
            ours = ag.tensor(x, device=device, requires_grad=True)
            y, idx = F.max_pool2d(ours, k, s, p, return_indices=True)
            y.sum().backward()
            numpy.testing.assert_array_equal(host(idx), tidx.numpy())
            numpy.testing.assert_array_equal(host(y), ty.detach().numpy())
            numpy.testing.assert_array_equal(host(ours.grad), xt.grad.numpy())


def _channels_last(x):
    """The same values laid out (H, W, N, C) in memory, as the CPU's wide convolutions leave them."""
    return numpy.ascontiguousarray(x.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)


@pytest.mark.parametrize("k,s,p,d,ceil,size", MAX_CASES)
def test_max_pool2d_channels_last_input(k, s, p, d, ceil, size):
    """A channels-last input (the CPU's own path for it) gives the values, indices and gradients of
    a contiguous one, ties, NaN and all-padding windows included, and keeps its layout."""
    from autograd_core.tensor import make_tensor

    x = numpy.round(distinct((3, 4) + size, seed=3) * 0.5, 1)  # ties
    x[0, 0, 0, 0] = numpy.nan
    x[1, 2, :3, :3] = -numpy.inf
    cpu = ag.tensor(0.0)._backend
    results = []
    for arr in (x, _channels_last(x)):
        t = make_tensor(arr, cpu, requires_grad=True)
        y, idx = F.max_pool2d(t, k, s, p, d, ceil, return_indices=True)
        y.backward(ag.tensor(distinct(tuple(y.shape), seed=4)))
        results.append((y._data, idx._data, t.grad._data))
    (y0, i0, g0), (y1, i1, g1) = results
    assert y1.strides[1] == y1.itemsize  # still channels innermost
    numpy.testing.assert_array_equal(y1, y0)
    numpy.testing.assert_array_equal(i1, i0)
    numpy.testing.assert_array_equal(g1, g0)


AVG_GRID = [c for c in itertools.product((1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (False, True), (False, True))
            if _ok(c[0], c[1], c[2], 1, (9, 8))]


@pytest.mark.parametrize("k,s,p,ceil,cip", AVG_GRID)
def test_avg_pool_matches_torch(k, s, p, ceil, cip, device):
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = distinct((2, 3, 9, 8), seed=k)
    compare_with_torch(lambda x: F.avg_pool2d(x, k, s, p, ceil, cip), lambda x: tf.avg_pool2d(x, k, s, p, ceil, cip), x,
                       device=device)
    compare_with_torch(lambda x: F.avg_pool1d(x, k, s, p, ceil, cip), lambda x: tf.avg_pool1d(x, k, s, p, ceil, cip),
                       x[:, :, 0], device=device)
    if k > 1:
        compare_with_torch(lambda x: F.avg_pool2d(x, k, s, p, ceil, cip, 2),
                           lambda x: tf.avg_pool2d(x, k, s, p, ceil, cip, 2), x, device=device)


@pytest.mark.parametrize("size,out", [((7, 9), (3, 4)), ((10, 10), (3, None)), ((5, 5), 1), ((4, 6), (6, 7)),
                                      ((13, 11), (5, 4)), ((8, 8), (4, 4)), ((6, 7), (None, None))])
def test_adaptive_avg_pool2d_matches_torch(size, out, device):
    torch = torch_or_skip()
    ours = lambda x: F.adaptive_avg_pool2d(x, out)  # noqa: E731
    theirs = lambda x: torch.nn.functional.adaptive_avg_pool2d(x, out)  # noqa: E731
    compare_with_torch(ours, theirs, distinct((2, 3) + size), device=device)
    compare_with_torch(ours, theirs, distinct((3,) + size), device=device)


def test_unbatched_pooling_matches_torch(device):
    torch = torch_or_skip()
    tf = torch.nn.functional
    x = distinct((3, 7, 6))
    compare_with_torch(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
                       lambda x: tf.max_pool2d(x, 3, 2, 1, ceil_mode=True), x, device=device)
    compare_with_torch(lambda x: F.avg_pool2d(x, 3, 2, 1, True, False),
                       lambda x: tf.avg_pool2d(x, 3, 2, 1, True, False), x, device=device)
    compare_with_torch(lambda x: F.max_pool1d(x, 2), lambda x: tf.max_pool1d(x, 2), x[:, 0], device=device)
    compare_with_torch(lambda x: F.avg_pool1d(x, 3, 1, 1), lambda x: tf.avg_pool1d(x, 3, 1, 1), x[:, 0], device=device)
    y, idx = F.max_pool2d(ag.tensor(x, device=device), 2, return_indices=True)
    _, tidx = tf.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert idx.shape == (3, 3, 3)
    numpy.testing.assert_array_equal(host(idx), tidx.numpy())


# --- values, dtypes, modules --------------------------------------------------------------------------------
def test_pooling_known_values(device):
    x = ag.arange(16.0, device=device).reshape(1, 1, 4, 4)
    assert host(F.max_pool2d(x, 2)).tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert host(F.avg_pool2d(x, 2)).tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]
    assert host(F.adaptive_avg_pool2d(x, 1)).tolist() == [[[[7.5]]]]
    y, idx = F.max_pool2d(x, 3, 1, 1, return_indices=True)
    assert host(idx)[0, 0, 0].tolist() == [5, 6, 7, 7]
    x.requires_grad_()
    F.max_pool2d(x, 3, 1, 1).sum().backward()  # overlapping windows: the gradient accumulates
    assert host(x.grad)[0, 0].tolist() == [[0, 0, 0, 0], [0, 1, 1, 2], [0, 1, 1, 2], [0, 2, 2, 4]]


@pytest.mark.parametrize("fn", [lambda x: F.max_pool2d(x, 2), lambda x: F.max_pool1d(x[:, :, 0], 3, 1, 1),
                                lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), lambda x: F.avg_pool1d(x[:, :, 0], 2),
                                lambda x: F.adaptive_avg_pool2d(x, (3, 2))])
def test_pooling_float32_stays_float32(fn, device):
    x = ag.randn(2, 3, 6, 7, device=device, requires_grad=True)
    y = fn(x)
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.shape == x.shape


MODULES = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, ceil_mode=True)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1, True, False, 4), {}),
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1, True, False), {}),
    ("AdaptiveAvgPool2d", ((5, 7),), {}),
    ("AdaptiveAvgPool2d", (3,), {}),
    ("AdaptiveAvgPool2d", ((None, 2),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_pooling_modules_match_torch(name, args, kwargs, device):
    torch = torch_or_skip()
    m, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(tm)
    assert list(m.state_dict().keys()) == [] and list(m.parameters()) == []
    x = distinct((2, 3, 9, 8) if "1d" not in name else (2, 3, 9))
    numpy.testing.assert_allclose(host(m(ag.tensor(x, device=device))), tm(torch.tensor(x)).numpy(), rtol=1e-12)


def test_pooling_module_reprs():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(3, 2, 1)) == "AvgPool2d(kernel_size=3, stride=2, padding=1)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AdaptiveAvgPool2d((None, 7))) == "AdaptiveAvgPool2d(output_size=(None, 7))"


def test_max_pool_module_return_indices(device):
    m = nn.MaxPool2d(2, return_indices=True)
    y, idx = m(ag.arange(16.0, device=device).reshape(1, 1, 4, 4))
    assert host(idx).tolist() == [[[[5, 7], [13, 15]]]]
    assert m.stride == 2 and nn.MaxPool1d(3).stride == 3 and nn.AvgPool1d(3).stride == (3,)


# --- errors ---------------------------------------------------------------------------------------------------
def test_pooling_errors(device):
    x = ag.zeros(1, 3, 8, 8, device=device)
    with pytest.raises(ValueError, match=r"max_pool2d: padding should be at most half of the kernel size, "
                                         r"got padding=2 and kernel_size=3"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(ValueError, match=r"max_pool1d: padding should be at most half of the kernel size, "
                                         r"got padding=2 and kernel_size=2"):
        F.max_pool1d(x[0], 2, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: padding should be at most half"):
        F.avg_pool2d(x, (3, 4), padding=(1, 3))
    with pytest.raises(ValueError, match=r"max_pool2d: stride must be positive, got 0"):
        F.max_pool2d(x, 3, stride=0)
    with pytest.raises(ValueError, match=r"avg_pool1d: stride must be positive, got 0"):
        F.avg_pool1d(x[0], 3, stride=0)
    with pytest.raises(ValueError, match=r"max_pool2d: the pooling window covers 9x9 but the padded input is only 8x8"):
        F.max_pool2d(x, 9)
    with pytest.raises(ValueError, match=r"max_pool2d: the pooling window covers 7x7 but the padded input is only 6x6"):
        F.max_pool2d(ag.zeros(1, 1, 4, 4, device=device), 4, padding=1, dilation=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: the pooling window covers 5x5 but the padded input is "
                                         r"only 4x10"):
        F.avg_pool2d(ag.zeros(1, 1, 4, 10, device=device), 5)
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, "
                                         r"got shape \(8, 8\)"):
        F.max_pool2d(x[0, 0], 2)
    with pytest.raises(ValueError, match=r"avg_pool1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input"):
        F.avg_pool1d(x, 2)
    with pytest.raises(TypeError, match=r"max_pool2d: expected a floating-point input, got dtype int64"):
        F.max_pool2d(ag.zeros(1, 1, 4, 4, dtype=ag.int64, device=device), 2)
    with pytest.raises(ValueError, match=r"kernel_size must be positive"):
        F.avg_pool2d(x, 0)
    with pytest.raises(ValueError, match=r"divisor_override must be a non-zero int"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be positive"):
        F.adaptive_avg_pool2d(x, (0, 2))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: expected a 3-D \(unbatched\) or 4-D"):
        F.adaptive_avg_pool2d(x[0, 0], 2)
    with pytest.raises(ValueError, match=r"output_size must be an int or a pair"):
        F.adaptive_avg_pool2d(x, (1, 2, 3))


@pytest.mark.parametrize("shape", [(0, 3, 6, 5), (2, 0, 6, 5)])
@pytest.mark.parametrize("kernel,stride,padding", [(2, 2, 0), (3, 1, 1)])
def test_max_pool_of_an_empty_batch(shape, kernel, stride, padding, device):
    """No samples or no channels: empty values, indices and gradients (disjoint and overlapping windows)."""
    x = ag.tensor(numpy.zeros(shape), device=device, requires_grad=True)
    y, idx = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    assert y.shape[:2] == shape[:2] and idx.shape == y.shape
    y.sum().backward()
    assert tuple(x.grad.shape) == shape

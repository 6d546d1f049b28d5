"""Ops that reorder, select or round entries: flip, roll, cumsum, sort, argsort, topk, tril, triu,
diagonal, diag, narrow, nonzero, count_nonzero, round/floor/ceil/trunc/frac, nan_to_num, contiguous,
meshgrid, masked_fill_, inference_mode. Values against NumPy, gradients (gradcheck + gradgradcheck in
float64), PyTorch as an oracle, and the errors a user can cause."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def _diag_ref(a, k):
    n = a.size + abs(k)
    out = numpy.zeros((n, n))
    out[numpy.arange(a.size) + max(0, -k), numpy.arange(a.size) + max(0, k)] = a
    return out


# (name, fn (the same call works on our tensors and PyTorch's), input shape, NumPy reference)
CASES = [
    ("flip_one", lambda x: x.flip(1), (2, 3, 4), lambda a: a[:, ::-1]),
    ("flip_many", lambda x: x.flip((0, -1)), (2, 3, 4), lambda a: a[::-1, :, ::-1]),
    ("fliplr", lambda x: x.fliplr(), (3, 4), lambda a: a[:, ::-1]),
    ("flipud", lambda x: x.flipud(), (3, 4), lambda a: a[::-1]),
    ("roll_dim", lambda x: x.roll(1, 2), (2, 3, 4), lambda a: numpy.roll(a, 1, 2)),
    ("roll_neg", lambda x: x.roll(-2, -1), (2, 3, 4), lambda a: numpy.roll(a, -2, -1)),
    ("roll_many", lambda x: x.roll((1, 5), (0, 1)), (2, 3, 4), lambda a: numpy.roll(a, (1, 5), (0, 1))),
    ("roll_flat", lambda x: x.roll(5), (2, 3, 4), lambda a: numpy.roll(a, 5)),
    ("cumsum", lambda x: x.cumsum(1), (2, 3, 4), lambda a: numpy.cumsum(a, 1)),
    ("cumsum_neg", lambda x: x.cumsum(-1), (2, 3, 4), lambda a: numpy.cumsum(a, -1)),
    ("cumsum_1d", lambda x: x.cumsum(0), (7,), lambda a: numpy.cumsum(a)),
    ("sort", lambda x: x.sort(1)[0], (2, 5, 3), lambda a: numpy.sort(a, 1)),
    ("sort_desc", lambda x: x.sort(-1, descending=True).values, (2, 5, 3), lambda a: -numpy.sort(-a, -1)),
    ("topk", lambda x: x.topk(2, dim=1).values, (2, 5, 3), lambda a: -numpy.sort(-a, 1)[:, :2]),
    ("topk_small", lambda x: x.topk(3, largest=False).values, (2, 5), lambda a: numpy.sort(a, -1)[:, :3]),
    ("tril", lambda x: x.tril(), (2, 3, 4), lambda a: numpy.tril(a)),
    ("tril_k", lambda x: x.tril(-1), (3, 4), lambda a: numpy.tril(a, -1)),
    ("triu", lambda x: x.triu(), (2, 3, 4), lambda a: numpy.triu(a)),
    ("triu_k", lambda x: x.triu(2), (3, 4), lambda a: numpy.triu(a, 2)),
    ("diagonal", lambda x: x.diagonal(), (3, 4), lambda a: numpy.diagonal(a).copy()),
    ("diagonal_offset", lambda x: x.diagonal(1), (3, 4), lambda a: numpy.diagonal(a, 1).copy()),
    ("diagonal_below", lambda x: x.diagonal(-1), (3, 4), lambda a: numpy.diagonal(a, -1).copy()),
    ("diagonal_dims", lambda x: x.diagonal(0, 2, 0), (3, 2, 4), lambda a: numpy.diagonal(a, 0, 2, 0).copy()),
    ("diag_2d", lambda x: x.diag(1), (3, 4), lambda a: numpy.diag(a, 1)),
    ("diag_1d", lambda x: x.diag(), (3,), lambda a: numpy.diag(a)),
    ("diag_1d_above", lambda x: x.diag(2), (3,), lambda a: _diag_ref(a, 2)),
    ("diag_1d_below", lambda x: x.diag(-1), (3,), lambda a: _diag_ref(a, -1)),
    ("narrow", lambda x: x.narrow(1, 1, 2), (2, 3, 4), lambda a: a[:, 1:3]),
    ("narrow_neg_start", lambda x: x.narrow(-1, -3, 2), (2, 3, 4), lambda a: a[..., 1:3]),
    ("swapaxes", lambda x: x.swapaxes(0, 2), (2, 3, 4), lambda a: a.swapaxes(0, 2)),
    ("swapdims", lambda x: x.swapdims(1, 2), (2, 3, 4), lambda a: a.swapaxes(1, 2)),
    ("contiguous", lambda x: x.transpose(0, 2).contiguous(), (2, 3, 4), lambda a: a.transpose(2, 1, 0)),
    ("frac", lambda x: (x * 3).frac(), (2, 3), lambda a: numpy.modf(a * 3)[0]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_shape_and_values(device, name, fn, shape, ref):
    a = rand_array(shape, seed=4)
    y = fn(T(a, device))
    want = ref(a)
    assert y.shape == want.shape
    numpy.testing.assert_allclose(host(y), want, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_grads(device, name, fn, shape, ref):
    kinks = (0.0, 1 / 3, -1 / 3, 2 / 3, -2 / 3, 1.0, -1.0, 4 / 3, -4 / 3, 5 / 3, -5 / 3) if name == "frac" else ()
    check_grads(fn, rand_array(shape, seed=1, kinks=kinks), device=device)


@pytest.mark.parametrize("name, fn, shape, ref", CASES, ids=IDS)
def test_matches_torch(device, name, fn, shape, ref):
    compare_with_torch(fn, fn, rand_array(shape, seed=2), device=device)


def test_contiguous_is_self_when_already_contiguous(device):
    x = T(numpy.arange(6.0).reshape(2, 3), device, requires_grad=True)
    assert x.is_contiguous() and x.contiguous() is x
    xt = x.T
    assert not xt.is_contiguous()
    y = xt.contiguous()
    assert y.is_contiguous() and y.grad_fn is not None
    numpy.testing.assert_array_equal(host(y), numpy.arange(6.0).reshape(2, 3).T)
    y.view(6).sum().backward()  # the classic permute().contiguous().view() chain
    numpy.testing.assert_array_equal(host(x.grad), numpy.ones((2, 3)))


def test_sort_is_stable_with_ties_and_nan_as_torch(device):
    torch = torch_or_skip()
    a = numpy.array([[2.0, 1.0, 2.0, numpy.nan, 1.0, 0.0, 2.0], [0.0, 0.0, -1.0, 3.0, numpy.inf, -numpy.inf, 0.0]])
    for descending in (False, True):
        ours = T(a, device).sort(1, descending=descending, stable=True)
        theirs = torch.tensor(a).sort(dim=1, descending=descending, stable=True)
        numpy.testing.assert_array_equal(host(ours.indices), theirs.indices.numpy())
        numpy.testing.assert_array_equal(host(ours.values), theirs.values.numpy())
        numpy.testing.assert_array_equal(host(T(a, device).argsort(1, descending=descending)),
                                         theirs.indices.numpy())
        assert ours.indices.dtype == ag.int64


def test_sort_gradient_goes_back_to_the_sorted_entries(device):
    x = T([3.0, 1.0, 2.0], device, requires_grad=True)
    values, indices = ag.sort(x, descending=True)
    (values * T([1.0, 10.0, 100.0], device)).sum().backward()
    numpy.testing.assert_array_equal(host(indices), [0, 2, 1])
    numpy.testing.assert_array_equal(host(x.grad), [1.0, 100.0, 10.0])


def test_topk_indices_and_edge_sizes(device):
    x = T([[1.0, 5.0, 3.0, 5.0], [0.0, -1.0, 2.0, 1.0]], device)
    vals, idx = x.topk(2)
    numpy.testing.assert_array_equal(host(idx), [[1, 3], [2, 3]])
    numpy.testing.assert_array_equal(host(vals), [[5.0, 5.0], [2.0, 1.0]])
    assert x.topk(0).values.shape == (2, 0)
    assert x.topk(4, largest=False).indices.shape == (2, 4)
    with pytest.raises(ValueError, match=r"topk: k must be an int in \[0, 4\].*got 5"):
        x.topk(5)


def test_cumsum_dtypes(device):
    i = ag.tensor([[1, 2], [3, 4]], device=device)
    assert i.cumsum(0).dtype == ag.int64
    numpy.testing.assert_array_equal(host(i.cumsum(1)), [[1, 3], [3, 7]])
    assert ag.tensor([True, True, False], device=device).cumsum(0).dtype == ag.int64
    f = ag.tensor([1.5, 2.5], dtype=ag.float32, device=device)
    assert f.cumsum(0).dtype == ag.float32
    assert f.cumsum(0, dtype=ag.float64).dtype == ag.float64
    assert host(ag.tensor(2.0, device=device).cumsum(0)) == 2.0


def test_cumsum_second_order(device):
    check_grads(lambda x: (x.cumsum(0) ** 2).cumsum(0), rand_array((5,), seed=7), device=device)


def test_rounding(device):
    a = numpy.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.2345, -3.7])
    x = T(a, device, requires_grad=True)
    numpy.testing.assert_array_equal(host(x.round()), numpy.round(a))  # halves to even
    numpy.testing.assert_array_equal(host(ag.round(x, decimals=2)), numpy.round(a, 2))
    numpy.testing.assert_array_equal(host(x.floor()), numpy.floor(a))
    numpy.testing.assert_array_equal(host(x.ceil()), numpy.ceil(a))
    numpy.testing.assert_array_equal(host(x.trunc()), numpy.trunc(a))
    numpy.testing.assert_array_equal(host(ag.fix(x)), numpy.trunc(a))
    (x.round() + x.floor() + x.ceil() + x.trunc()).sum().backward()
    numpy.testing.assert_array_equal(host(x.grad), numpy.zeros(8))  # piecewise constant: zero gradient
    i = ag.tensor([1, -2, 3], device=device)
    for f in (ag.round, ag.floor, ag.ceil, ag.trunc):
        assert f(i).dtype == ag.int64 and host(f(i)).tolist() == [1, -2, 3]
    numpy.testing.assert_array_equal(host(ag.round(ag.tensor([1234, -1250], device=device), decimals=-2)),
                                     [1200, -1200])


def test_rounding_matches_torch(device):
    torch = torch_or_skip()
    a = numpy.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.2345, -3.75])
    for name in ("round", "floor", "ceil", "trunc", "frac"):
        numpy.testing.assert_array_equal(host(getattr(T(a, device), name)()), getattr(torch.tensor(a), name)().numpy())
    numpy.testing.assert_array_equal(host(T(a, device).round(decimals=1)), torch.tensor(a).round(decimals=1).numpy())


def test_nan_to_num(device):
    a = numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.5])
    x = T(a, device, requires_grad=True)
    y = x.nan_to_num()
    info = numpy.finfo(numpy.float64)
    numpy.testing.assert_array_equal(host(y), [0.0, info.max, info.min, 1.5])
    numpy.testing.assert_array_equal(host(ag.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0)), [1.0, 2.0, -2.0, 1.5])
    (y * 0.5).sum().backward()
    numpy.testing.assert_array_equal(host(x.grad), [0.0, 0.0, 0.0, 0.5])  # no gradient to replaced entries
    i = ag.tensor([1, 2], device=device)
    assert ag.nan_to_num(i) is i
    t = ag.tensor([numpy.inf], dtype=ag.float32, device=device).nan_to_num()
    assert t.dtype == ag.float32 and host(t)[0] == numpy.finfo(numpy.float32).max


def test_nan_to_num_matches_torch(device):
    torch = torch_or_skip()
    a = numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.5, -0.0])
    for kw in ({}, dict(nan=2.0), dict(nan=-1.0, posinf=7.0, neginf=-7.0)):
        numpy.testing.assert_array_equal(host(T(a, device).nan_to_num(**kw)), torch.tensor(a).nan_to_num(**kw).numpy())


def test_nonzero_and_count(device):
    a = numpy.array([[0.0, 1.0, 0.0], [2.0, 0.0, -3.0]])
    x = T(a, device)
    numpy.testing.assert_array_equal(host(x.nonzero()), numpy.argwhere(a))
    assert x.nonzero().dtype == ag.int64
    rows, cols = x.nonzero(as_tuple=True)
    numpy.testing.assert_array_equal(host(rows), [0, 1, 1])
    numpy.testing.assert_array_equal(host(cols), [1, 0, 2])
    assert host(x.count_nonzero()) == 3
    numpy.testing.assert_array_equal(host(x.count_nonzero(dim=1)), [1, 2])
    numpy.testing.assert_array_equal(host(ag.count_nonzero(x, dim=(0, 1))), 3)
    assert T(numpy.zeros((2, 2)), device).nonzero().shape == (0, 2)
    assert T(5.0, device).nonzero().shape == (1, 0) and T(0.0, device).nonzero().shape == (0, 0)


def test_nonzero_matches_torch(device):
    torch = torch_or_skip()
    a = numpy.array([[0.0, 1.0, 0.0], [2.0, 0.0, -3.0]])
    numpy.testing.assert_array_equal(host(T(a, device).nonzero()), torch.tensor(a).nonzero().numpy())
    for d in (None, 0, 1):
        numpy.testing.assert_array_equal(host(T(a, device).count_nonzero(d)), torch.tensor(a).count_nonzero(d).numpy())


def test_meshgrid(device):
    a, b = T([1.0, 2.0, 3.0], device, requires_grad=True), T([10.0, 20.0], device, requires_grad=True)
    gi, gj = ag.meshgrid(a, b)  # "ij": PyTorch's default
    assert gi.shape == (3, 2) and gj.shape == (3, 2)
    want_i, want_j = numpy.meshgrid([1.0, 2.0, 3.0], [10.0, 20.0], indexing="ij")
    numpy.testing.assert_array_equal(host(gi), want_i)
    numpy.testing.assert_array_equal(host(gj), want_j)
    xi, xj = ag.meshgrid([a, b], indexing="xy")
    want_i, want_j = numpy.meshgrid([1.0, 2.0, 3.0], [10.0, 20.0], indexing="xy")
    numpy.testing.assert_array_equal(host(xi), want_i)
    numpy.testing.assert_array_equal(host(xj), want_j)
    (gi * gj).sum().backward()  # d/da_i = sum_j b_j, d/db_j = sum_i a_i
    numpy.testing.assert_array_equal(host(a.grad), [30.0, 30.0, 30.0])
    numpy.testing.assert_array_equal(host(b.grad), [6.0, 6.0])
    with pytest.raises(ValueError, match="indexing must be 'ij' or 'xy', got 'ji'"):
        ag.meshgrid(a, b, indexing="ji")
    with pytest.raises(ValueError, match=r"0-d or 1-d tensors, got shape \(2, 2\) at position 1"):
        ag.meshgrid(a, ag.ones(2, 2, device=device))


def test_meshgrid_matches_torch(device):
    compare_with_torch(lambda a, b: ag.meshgrid(a, b, indexing="xy")[1] * 2.0,
                       lambda a, b: __import__("torch").meshgrid(a, b, indexing="xy")[1] * 2.0,
                       rand_array((3,), seed=1), rand_array((4,), seed=2), device=device)


def test_masked_fill_in_place(device):
    x = T(numpy.arange(6.0).reshape(2, 3), device)
    out = x.masked_fill_(x > 2, -1.0)
    assert out is x
    numpy.testing.assert_array_equal(host(x), [[0.0, 1.0, 2.0], [-1.0, -1.0, -1.0]])
    x.masked_fill_(ag.tensor([True, False, True], device=device), 9.0)  # broadcast over rows
    numpy.testing.assert_array_equal(host(x), [[9.0, 1.0, 9.0], [9.0, -1.0, 9.0]])
    with pytest.raises(TypeError, match="mask must be a bool tensor, got float64"):
        x.masked_fill_(x, 0.0)
    with pytest.raises(ValueError, match=r"mask of shape \(2,\) can't be broadcast to the tensor's shape \(2, 3\)"):
        x.masked_fill_(ag.tensor([True, False], device=device), 0.0)
    w = T([1.0, 2.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.masked_fill_(w > 1, 0.0)


def test_view_as_reshape_as_type_as_nelement(device):
    x = T(numpy.arange(6.0), device)
    other = ag.zeros(2, 3, dtype=ag.float32, device=device)
    assert x.view_as(other).shape == (2, 3) and x.reshape_as(other).shape == (2, 3)
    assert x.type_as(other).dtype == ag.float32 and x.nelement() == 6


def test_inference_mode(device):
    x = T([1.0], device, requires_grad=True)
    with ag.inference_mode():
        assert not (x * 2).requires_grad
        with ag.inference_mode(False):  # leaves the mode as it is
            assert not (x * 2).requires_grad
    with ag.inference_mode(False):
        assert (x * 2).requires_grad

    @ag.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and (x * 2).requires_grad
    with pytest.raises(TypeError, match="inference_mode expects a bool, got str 'yes'"):
        ag.inference_mode("yes")


def test_functional_forms(device):
    x = T(numpy.arange(12.0).reshape(3, 4), device)
    assert ag.flip(x, 0).shape == (3, 4) and ag.roll(x, 1, 0).shape == (3, 4)
    assert ag.cumsum(x, dim=1).shape == (3, 4) and ag.argsort(x).shape == (3, 4)
    assert ag.tril(x).shape == ag.triu(x, 1).shape == (3, 4)
    assert ag.diagonal(x).shape == (3,) and ag.diag(x).shape == (3,)
    assert ag.narrow(x, 0, 1, 1).shape == (1, 4) and ag.swapaxes(x, 0, 1).shape == (4, 3)
    assert ag.swapdims(x, 0, 1).shape == (4, 3) and ag.contiguous(x) is x


def test_errors_name_what_was_passed(device):
    x = T(numpy.zeros((2, 3)), device)
    with pytest.raises(IndexError, match="flip: dim 2 is out of range"):
        x.flip(2)
    with pytest.raises(ValueError, match=r"flip: dims \(1, -1\) name a dimension more than once"):
        x.flip((1, -1))
    with pytest.raises(ValueError, match=r"roll: shifts \(1, 2\) and dims \(0,\) must have the same length"):
        x.roll((1, 2), (0,))
    with pytest.raises(ValueError, match=r"tril: the input must have at least 2 dimensions, got shape \(3,\)"):
        ag.zeros(3, device=device).tril()
    with pytest.raises(ValueError, match="diagonal: dim1 and dim2 must differ, got 1 and -1"):
        x.diagonal(0, 1, -1)
    with pytest.raises(ValueError, match=r"diag: the input must be 1-d or 2-d, got shape \(1, 2, 3\)"):
        ag.zeros(1, 2, 3, device=device).diag()
    with pytest.raises(IndexError, match=r"narrow: start \(2\) \+ length \(2\) exceeds dimension 1 of size 3"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match="narrow: start 4 is out of range for dimension 1 of size 3"):
        x.narrow(1, 4, 0)
    with pytest.raises(IndexError, match="cumsum: dim 3 is out of range"):
        x.cumsum(3)


# --- more elementwise math: inverse and hyperbolic trigonometry, log2/log10/exp2, atan2, lerp ---
def _in(low, high):
    return lambda shape, seed: rand_array(shape, seed=seed, low=low, high=high, kinks=())


MATH = [  # (name, our function, torch's name, input sampler, NumPy reference)
    ("asin", ag.asin, "asin", _in(-0.9, 0.9), numpy.arcsin),
    ("acos", ag.acos, "acos", _in(-0.9, 0.9), numpy.arccos),
    ("atan", ag.atan, "atan", _in(-3, 3), numpy.arctan),
    ("sinh", ag.sinh, "sinh", _in(-2, 2), numpy.sinh),
    ("cosh", ag.cosh, "cosh", _in(-2, 2), numpy.cosh),
    ("asinh", ag.asinh, "asinh", _in(-3, 3), numpy.arcsinh),
    ("acosh", ag.acosh, "acosh", _in(1.2, 3), numpy.arccosh),
    ("atanh", ag.atanh, "atanh", _in(-0.9, 0.9), numpy.arctanh),
    ("log2", ag.log2, "log2", _in(0.2, 3), numpy.log2),
    ("log10", ag.log10, "log10", _in(0.2, 3), numpy.log10),
    ("exp2", ag.exp2, "exp2", _in(-2, 2), numpy.exp2),
]
MATH_IDS = [m[0] for m in MATH]


@pytest.mark.parametrize("name, fn, tname, sample, ref", MATH, ids=MATH_IDS)
def test_math_values_grads_and_torch(device, name, fn, tname, sample, ref):
    a = sample((3, 4), 1)
    numpy.testing.assert_allclose(host(fn(T(a, device))), ref(a), rtol=1e-14, atol=1e-15)
    numpy.testing.assert_allclose(host(getattr(T(a, device), name)()), ref(a), rtol=1e-14, atol=1e-15)
    check_grads(fn, a, device=device)
    compare_with_torch(fn, lambda t: getattr(t, tname)(), sample((2, 3), 2), device=device)


def test_math_integer_input_is_float32(device):
    assert ag.asin(ag.tensor([0, 1], device=device)).dtype == ag.float32
    assert ag.log2(ag.tensor([1, 8], device=device)).dtype == ag.float32
    numpy.testing.assert_allclose(host(ag.log2(ag.tensor([1, 8], device=device))), [0.0, 3.0])


def test_atan2(device):
    a, b = rand_array((3, 4), seed=1), rand_array((1, 4), seed=2)
    numpy.testing.assert_allclose(host(ag.atan2(T(a, device), T(b, device))), numpy.arctan2(a, b), rtol=1e-14)
    check_grads(ag.atan2, a, b, device=device)
    compare_with_torch(lambda y, x: y.atan2(x), lambda y, x: y.atan2(x), a, b, device=device)
    assert ag.atan2(T(a, device), 0.5).shape == (3, 4)
    numpy.testing.assert_allclose(host(ag.atan2(T([1.0, -1.0], device), T([-1.0, -1.0], device))),
                                  [3 * numpy.pi / 4, -3 * numpy.pi / 4])
    with pytest.raises(ValueError, match=r"atan2: shapes \(3, 4\) and \(2, 4\) cannot be broadcast"):
        ag.atan2(T(a, device), T(numpy.zeros((2, 4)), device))


def test_lerp(device):
    s, e, w = rand_array((3, 4), seed=1), rand_array((3, 4), seed=2), rand_array((4,), seed=3)
    numpy.testing.assert_allclose(host(ag.lerp(T(s, device), T(e, device), 0.25)), s + 0.25 * (e - s), rtol=1e-14)
    check_grads(ag.lerp, s, e, w, device=device)
    compare_with_torch(lambda a, b, c: a.lerp(b, c), lambda a, b, c: a.lerp(b, c), s, e, w, device=device)
    compare_with_torch(lambda a, b: a.lerp(b, 0.3), lambda a, b: a.lerp(b, 0.3), s, e, device=device)


def test_addmm(device):
    i, m1, m2 = rand_array((3, 2), seed=1), rand_array((3, 4), seed=2), rand_array((4, 2), seed=3)
    numpy.testing.assert_allclose(host(ag.addmm(T(i, device), T(m1, device), T(m2, device), beta=0.5, alpha=2.0)),
                                  0.5 * i + 2.0 * m1 @ m2, rtol=1e-14)
    check_grads(lambda a, b, c: ag.addmm(a, b, c, beta=0.5, alpha=2.0), i, m1, m2, device=device)
    compare_with_torch(lambda a, b, c: a.addmm(b, c, beta=0.5, alpha=2.0),
                       lambda a, b, c: a.addmm(b, c, beta=0.5, alpha=2.0), i, m1, m2, device=device)
    compare_with_torch(lambda a, b, c: ag.addmm(a, b, c), lambda a, b, c: __import__("torch").addmm(a, b, c),
                       rand_array((2,), seed=4), m1, m2, device=device)
    nan = T(numpy.full((3, 2), numpy.nan), device)  # beta=0: input is ignored, as PyTorch
    assert numpy.isfinite(host(ag.addmm(nan, T(m1, device), T(m2, device), beta=0))).all()
    with pytest.raises(ValueError, match=r"addmm: mat1 and mat2 must be 2-D, got shapes \(4,\) and \(4, 2\)"):
        ag.addmm(T(i, device), T(m1[0], device), T(m2, device))


# --- scatter, scatter_add, repeat_interleave, unique ---------------------------------------------
SIDX = numpy.array([[0, 1, 2, 0], [2, 0, 0, 1]])  # no position written twice within a column


def test_scatter_values_and_grads(device):
    x, src = rand_array((3, 4), seed=1), rand_array((2, 5), seed=2)
    idx = ag.tensor(SIDX, device=device)
    want = x.copy()
    for i in range(2):
        for j in range(4):
            want[SIDX[i, j], j] = src[i, j]
    numpy.testing.assert_array_equal(host(T(x, device).scatter(0, idx, T(src, device))), want)
    check_grads(lambda a, b: a.scatter(0, idx, b), x, src, device=device)
    check_grads(lambda a: a.scatter(1, idx[:, :2] + 1, 0.5), x, device=device)
    compare_with_torch(lambda a, b: a.scatter(0, idx, b),
                       lambda a, b: a.scatter(0, __import__("torch").tensor(SIDX), b), x, src[:, :4], device=device)


def test_scatter_add_values_and_grads(device):
    x, src = rand_array((3, 4), seed=1), rand_array((2, 4), seed=2)
    idx = numpy.array([[0, 0, 2, 0], [0, 0, 2, 1]])  # repeated positions accumulate
    want = x.copy()
    numpy.add.at(want, (idx, numpy.broadcast_to(numpy.arange(4), idx.shape)), src)
    numpy.testing.assert_allclose(host(T(x, device).scatter_add(0, ag.tensor(idx, device=device), T(src, device))),
                                  want, rtol=1e-15)
    check_grads(lambda a, b: ag.scatter_add(a, 0, ag.tensor(idx, device=device), b), x, src, device=device)
    compare_with_torch(lambda a, b: a.scatter_add(0, ag.tensor(idx, device=device), b),
                       lambda a, b: a.scatter_add(0, __import__("torch").tensor(idx), b), x, src, device=device)
    compare_with_torch(lambda a, b: a.scatter(1, ag.tensor(idx.T[:3], device=device), b, reduce="add"),
                       lambda a, b: a.scatter_add(1, __import__("torch").tensor(idx.T[:3]), b),
                       x, rand_array((3, 2), seed=3), device=device)


def test_scatter_in_place(device):
    one_hot = ag.zeros(3, 4, device=device).scatter_(1, ag.tensor([[1], [3], [0]], device=device), 1.0)
    numpy.testing.assert_array_equal(host(one_hot), numpy.eye(4)[[1, 3, 0]])
    counts = ag.zeros(3, dtype=ag.int64, device=device)
    counts.scatter_add_(0, ag.tensor([0, 2, 2, 2], device=device), ag.ones(4, dtype=ag.int64, device=device))
    numpy.testing.assert_array_equal(host(counts), [1, 0, 3])
    w = T([1.0, 2.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.scatter_(0, ag.tensor([0], device=device), 0.0)


def test_scatter_errors(device):
    x = T(numpy.zeros((3, 4)), device)
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter(0, ag.tensor([[3, 0, 0, 0]], device=device), 1.0)
    with pytest.raises(ValueError, match=r"scatter_add: index \(shape \(4,\)\) must have as many dimensions"):
        x.scatter_add(0, ag.tensor([0, 1, 2, 0], device=device), x)
    with pytest.raises(ValueError, match=r"index has shape \(2, 4\), larger than src \(1, 4\)"):
        x.scatter(0, ag.tensor(SIDX, device=device), T(numpy.zeros((1, 4)), device))
    with pytest.raises(TypeError, match="scatter: tensors used as indices must be integer or bool, got dtype float64"):
        x.scatter(0, x, 1.0)
    with pytest.raises(ValueError, match="scatter: reduce must be None or 'add', got 'multiply'"):
        x.scatter(0, ag.tensor(SIDX, device=device), 1.0, reduce="multiply")


def test_repeat_interleave(device):
    torch = torch_or_skip()
    a = rand_array((2, 3), seed=1)
    for args in ((2,), (2, 0), (3, -1)):
        numpy.testing.assert_array_equal(host(T(a, device).repeat_interleave(*args)),
                                         torch.tensor(a).repeat_interleave(*args).numpy())
    counts = [1, 0, 2]
    numpy.testing.assert_array_equal(host(T(a, device).repeat_interleave(ag.tensor(counts, device=device), dim=1)),
                                     torch.tensor(a).repeat_interleave(torch.tensor(counts), dim=1).numpy())
    check_grads(lambda x: x.repeat_interleave(ag.tensor(counts, device=device), dim=1), a, device=device)
    compare_with_torch(lambda x: x.repeat_interleave(2, dim=0), lambda x: x.repeat_interleave(2, dim=0), a,
                       device=device)
    with pytest.raises(ValueError, match="repeats has 2 counts but dimension 1 has 3 entries"):
        T(a, device).repeat_interleave(ag.tensor([1, 2], device=device), dim=1)
    with pytest.raises(ValueError, match="repeats must be non-negative, got -1"):
        T(a, device).repeat_interleave(-1)


def test_unique(device):
    torch = torch_or_skip()
    a = numpy.array([[3, 1, 3], [2, 1, 5]])
    ours = ag.unique(ag.tensor(a, device=device), return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor(a), return_inverse=True, return_counts=True)
    for o, t in zip(ours, theirs):
        numpy.testing.assert_array_equal(host(o), t.numpy())
    numpy.testing.assert_array_equal(host(ag.tensor([2.5, -1.0, 2.5], device=device).unique()), [-1.0, 2.5])
    with pytest.raises(NotImplementedError, match="unique: dim=0"):
        ag.unique(ag.tensor(a, device=device), dim=0)

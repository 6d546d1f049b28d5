"""Reductions: sum, mean, var, std, max/min, amax/amin, argmax/argmin, prod, logsumexp, softmax,
log_softmax, norm. Values, dim/keepdim handling, gradients (gradcheck + gradgradcheck in float64),
PyTorch as an oracle in float32 and float64, tie rules and numerical stability."""

import math

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch, torch_or_skip

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import array_shapes
except ImportError:  # hypothesis is in the test extra; the generated test skips without it
    given = None

DIMS = [None, 0, -1, (0, 2), (-1, 0), ()]
DIM_IDS = ["all", "0", "-1", "0,2", "-1,0", "empty"]


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def _np_axes(dim):
    return None if dim is None or dim == () else dim


def _call(name, dim, keepdim, **kw):
    """x.name(dim=..., keepdim=...) for both our tensors and torch's (dim None: full reduction)."""
    def fn(x):
        if dim is None:
            return getattr(x, name)(**kw)
        return getattr(x, name)(dim=dim, keepdim=keepdim, **kw)

    return fn


# --- sum, mean, var, std ---------------------------------------------------------------------------
SMOOTH_REDUCTIONS = [
    ("sum", {}, numpy.sum),
    ("mean", {}, numpy.mean),
    ("var", {}, lambda a, axis, keepdims: numpy.var(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("var", {"unbiased": False}, lambda a, axis, keepdims: numpy.var(a, axis=axis, keepdims=keepdims)),
    ("var", {"correction": 2}, lambda a, axis, keepdims: numpy.var(a, axis=axis, keepdims=keepdims, ddof=2)),
    ("std", {}, lambda a, axis, keepdims: numpy.std(a, axis=axis, keepdims=keepdims, ddof=1)),
    ("std", {"unbiased": False}, lambda a, axis, keepdims: numpy.std(a, axis=axis, keepdims=keepdims)),
    ("std", {"correction": 0}, lambda a, axis, keepdims: numpy.std(a, axis=axis, keepdims=keepdims)),
]
SMOOTH_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw, _ in SMOOTH_REDUCTIONS]


@pytest.mark.parametrize("name, kw, np_fn", SMOOTH_REDUCTIONS, ids=SMOOTH_IDS)
@pytest.mark.parametrize("dim", DIMS, ids=DIM_IDS)
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_smooth_reductions(device, name, kw, np_fn, dim, keepdim):
    a = rand_array((3, 2, 4), seed=1)
    fn = _call(name, dim, keepdim, **kw)
    y = fn(T(a, device))
    want = np_fn(a, axis=_np_axes(dim), keepdims=keepdim if dim is not None else False)
    assert y.shape == numpy.shape(want)
    numpy.testing.assert_allclose(host(y), want, rtol=1e-12)
    check_grads(fn, a, device=device)
    if not (name in ("var", "std") and dim == ()):  # PyTorch's var/std backward mishandles dim=() (inf)
        compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("name, kw, np_fn", SMOOTH_REDUCTIONS, ids=SMOOTH_IDS)
@pytest.mark.parametrize("dim", [None, 0, -1, (0,)], ids=str)
def test_smooth_reductions_0d(device, name, kw, np_fn, dim):
    a = numpy.asarray(1.25)
    fn = _call(name, dim, False, **kw)
    if name in ("var", "std") and kw.get("correction", int(kw.get("unbiased", True))) >= 1:
        return  # n - correction <= 0 for one element (see test_var_of_too_few_elements)
    y = fn(T(a, device))
    assert y.shape == ()
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


GENERATED = {  # name: (our/torch call, NumPy reference)
    "sum": (lambda x, d, k: x.sum(dim=d, keepdim=k), lambda a, ax, k: a.sum(axis=ax, keepdims=k)),
    "mean": (lambda x, d, k: x.mean(dim=d, keepdim=k), lambda a, ax, k: a.mean(axis=ax, keepdims=k)),
    "var": (lambda x, d, k: x.var(dim=d, unbiased=False, keepdim=k), lambda a, ax, k: a.var(axis=ax, keepdims=k)),
    "std": (lambda x, d, k: x.std(dim=d, correction=0, keepdim=k), lambda a, ax, k: a.std(axis=ax, keepdims=k)),
    "amax": (lambda x, d, k: x.amax(dim=d, keepdim=k), lambda a, ax, k: a.max(axis=ax, keepdims=k)),
    "amin": (lambda x, d, k: x.amin(dim=d, keepdim=k), lambda a, ax, k: a.min(axis=ax, keepdims=k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(dim=d, keepdim=k),
                  lambda a, ax, k: numpy.log(numpy.exp(a).sum(axis=ax, keepdims=k))),
    "norm": (lambda x, d, k: x.norm(2, d, k), lambda a, ax, k: numpy.sqrt((a * a).sum(axis=ax, keepdims=k))),
}

if given is not None:
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data(), name=st.sampled_from(sorted(GENERATED)), keepdim=st.booleans())
    def test_reductions_generated(device, data, name, keepdim):
        shape = data.draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), label="shape")
        nd = len(shape)
        if nd:
            dims = tuple(data.draw(st.lists(st.integers(-nd, nd - 1), unique_by=lambda d: d % nd, max_size=nd),
                                   label="dims"))
        else:
            dims = data.draw(st.sampled_from([(), (0,), (-1,)]), label="dims")
        axes = tuple(d % nd for d in dims) if nd and dims else None  # an empty dim list reduces everything
        a = rand_array(shape, seed=nd, kinks=())
        fn, ref = GENERATED[name]
        ours = lambda x: fn(x, dims, keepdim)  # noqa: E731
        y = ours(T(a, device))
        want = ref(a, axes, keepdim)
        assert y.shape == want.shape
        numpy.testing.assert_allclose(host(y), want, rtol=1e-12, atol=1e-12)
        check_grads(ours, a, device=device, second=False)
        # PyTorch's var/std backward and its logsumexp mishandle an empty dim list
        if torch is not None and not (dims == () and name in ("var", "std", "logsumexp")):
            compare_with_torch(ours, ours, a, device=device)
else:  # pragma: no cover
    def test_reductions_generated():
        pytest.skip("hypothesis is not installed")


def test_positional_arguments_and_functions(device):
    a = rand_array((3, 4), seed=2)
    x = T(a, device)
    numpy.testing.assert_allclose(host(ag.sum(x, 1, True)), a.sum(1, keepdims=True), rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.mean(x, [0, 1])), a.mean(), rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.var(x, 1, False)), a.var(1), rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.std(x, 0, True, True)), a.std(0, ddof=1, keepdims=True), rtol=1e-12)
    numpy.testing.assert_allclose(host(x.sum((0, 1), keepdim=True)), a.sum(keepdims=True), rtol=1e-12)
    assert x.sum(dim=(), keepdim=True).shape == (1, 1)


def test_var_of_too_few_elements(device):
    x = T([2.0], device)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        assert not numpy.isfinite(host(ag.var(x)))  # nan, as in PyTorch (with a warning there)
    assert host(ag.var(x, unbiased=False)) == 0.0


def test_std_gradient_is_zero_where_std_is_zero(device):
    x = T([[1.5, 1.5, 1.5], [1.0, 2.0, 3.0]], device, requires_grad=True)
    ag.std(x, dim=1).sum().backward()
    g = host(x.grad)
    assert g[0].tolist() == [0.0, 0.0, 0.0]
    numpy.testing.assert_allclose(g[1], [-0.5, 0.0, 0.5])
    y = T([0.7], device, requires_grad=True)
    ag.std(y, correction=0).backward()
    assert host(y.grad).tolist() == [0.0]


def test_sum_mean_dtypes(device):
    i = ag.tensor([[1, 2], [3, 4]], dtype=ag.int32, device=device)
    assert ag.sum(i).dtype == ag.int64 and ag.sum(i).item() == 10
    assert ag.sum(ag.tensor([True, True, False], device=device)).item() == 2
    assert ag.sum(i, dtype=ag.float64).dtype == ag.float64
    with pytest.raises(TypeError, match="int32"):
        ag.mean(i)
    assert ag.mean(i, dtype=ag.float32).item() == 2.5
    x = ag.ones(2, 3, device=device)
    for fn in (ag.sum, ag.mean, ag.var, ag.std, ag.amax, ag.logsumexp, ag.norm, ag.prod):
        y = fn(x, 1) if fn is not ag.logsumexp else fn(x, dim=1)
        assert y.dtype == ag.float32, fn


@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp", "norm", "max", "min",
                                  "argmax", "argmin", "prod", "softmax", "log_softmax"])
def test_dim_out_of_range_names_the_dim(device, name):
    x = ag.ones(2, 3, device=device)
    fn = getattr(ag, name)
    with pytest.raises(IndexError, match=r"dim(ension)? 2\b"):
        fn(x, dim=2)
    with pytest.raises(IndexError, match=r"-3"):
        fn(x, dim=-3)


@pytest.mark.parametrize("name", ["sum", "mean", "var", "amax", "logsumexp", "norm"])
def test_repeated_dim_is_an_error(device, name):
    with pytest.raises(ValueError, match=r"\(1, -1\)"):
        getattr(ag, name)(ag.ones(2, 3, device=device), dim=(1, -1))


# --- max, min, amax, amin, argmax, argmin -----------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_full_reduction(device, name):
    a = rand_array((3, 4), seed=3)
    x = T(a, device)
    y = getattr(x, name)()
    assert isinstance(y, ag.Tensor) and y.shape == ()
    assert host(y) == getattr(numpy, name)(a)
    fn = lambda x: getattr(x, name)()  # noqa: E731
    check_grads(fn, a, device=device)
    check_grads(fn, numpy.asarray(0.5), device=device)
    compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1], ids=str)
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_max_min_with_dim(device, name, dim, keepdim):
    a = rand_array((3, 4), seed=4)
    x = T(a, device)
    out = getattr(ag, name)(x, dim, keepdim)
    values, indices = out
    assert out.values is values and out.indices is indices and out[0] is values
    want_i = getattr(numpy, f"arg{name}")(a, axis=dim)
    want_v = getattr(numpy, name)(a, axis=dim)
    if keepdim:
        want_i, want_v = numpy.expand_dims(want_i, dim), numpy.expand_dims(want_v, dim)
    assert indices.dtype == ag.int64 and not indices.requires_grad
    numpy.testing.assert_array_equal(host(indices), want_i)
    numpy.testing.assert_array_equal(host(values), want_v)
    fn = lambda x: getattr(x, name)(dim=dim, keepdim=keepdim).values  # noqa: E731
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)
    if torch is not None:
        t = getattr(torch.tensor(a), name)(dim=dim, keepdim=keepdim)
        numpy.testing.assert_array_equal(host(indices), host(t.indices))


def test_max_with_dim_on_0d_and_elementwise_form(device):
    x = T(2.5, device, requires_grad=True)
    v, i = ag.max(x, 0)
    assert v.shape == () and i.shape == () and i.item() == 0 and v.item() == 2.5
    v.backward()
    assert x.grad.item() == 1.0
    a, b = T([1.0, 5.0], device), T([3.0, 2.0], device)
    assert ag.max(a, b).tolist() == [3.0, 5.0] and ag.min(a, b).tolist() == [1.0, 2.0]
    assert ag.max(a, dim=numpy.int64(0)).indices.item() == 1
    with pytest.raises(ValueError, match=r"non-empty.*\(0, 3\)"):
        ag.max(ag.zeros(0, 3, device=device))
    with pytest.raises(TypeError, match="amax"):
        ag.max(ag.ones(2, 3, device=device), dim=(0, 1))


def test_tie_rules(device):
    a = numpy.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    g = numpy.array([10.0, 100.0])

    def grad_of(f):
        x = T(a, device, requires_grad=True)
        y = f(x)
        y.backward(T(g, device) if y.shape == (2,) else None)
        return host(x.grad)

    # max/min along a dim: the gradient goes to the first extremum (the index they return)
    numpy.testing.assert_array_equal(grad_of(lambda x: x.max(dim=1).values),
                                     [[0, 10, 0, 0], [100, 0, 0, 0]])
    numpy.testing.assert_array_equal(grad_of(lambda x: x.min(dim=1).values),
                                     [[0, 0, 0, 10], [100, 0, 0, 0]])
    assert ag.max(T(a, device), 1).indices.tolist() == [1, 0]
    assert ag.argmax(T(a, device), 1).tolist() == [1, 0]
    assert ag.argmin(T(a, device), 1).tolist() == [3, 0]
    # amax/amin and a full max/min: ties share the gradient evenly, as in PyTorch
    numpy.testing.assert_array_equal(grad_of(lambda x: x.amax(dim=1)), [[0, 5, 5, 0], [25, 25, 25, 25]])
    numpy.testing.assert_array_equal(grad_of(lambda x: x.amin(dim=1)), [[0, 0, 0, 10], [25, 25, 25, 25]])
    numpy.testing.assert_array_equal(grad_of(lambda x: x.max()), [[0, 0.5, 0.5, 0], [0, 0, 0, 0]])
    numpy.testing.assert_array_equal(grad_of(lambda x: x.min()), [[0, 0, 0, 1.0], [0, 0, 0, 0]])
    numpy.testing.assert_array_equal(grad_of(lambda x: x.amax(dim=(0, 1))), [[0, 0.5, 0.5, 0], [0, 0, 0, 0]])
    if torch is not None:
        for f in (lambda x: x.max(dim=1).values, lambda x: x.min(dim=1).values, lambda x: x.amax(dim=1),
                  lambda x: x.amin(dim=1)):
            t = torch.tensor(a, requires_grad=True)
            f(t).backward(torch.tensor(g))
            numpy.testing.assert_array_equal(grad_of(f), host(t.grad))
        for f in (lambda x: x.max(), lambda x: x.min()):
            t = torch.tensor(a, requires_grad=True)
            f(t).backward()
            numpy.testing.assert_array_equal(grad_of(f), host(t.grad))


def test_max_dim_double_backward(device):
    a = rand_array((3, 4), seed=5)
    x = T(a, device, requires_grad=True)
    y = x.max(dim=1).values
    (g,) = ag.grad((y * y).sum(), x, create_graph=True)
    (h,) = ag.grad((g * T(numpy.arange(12.0).reshape(3, 4), device)).sum(), x)
    want = numpy.zeros((3, 4))
    idx = a.argmax(1)
    want[numpy.arange(3), idx] = 2 * numpy.arange(12.0).reshape(3, 4)[numpy.arange(3), idx]
    numpy.testing.assert_allclose(host(h), want)


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), ()], ids=["all", "0", "-1", "0,2", "empty"])
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_amax_amin(device, name, dim, keepdim):
    a = rand_array((3, 2, 4), seed=6)
    fn = _call(name, dim, keepdim)
    y = fn(T(a, device))
    numpy.testing.assert_array_equal(host(y), getattr(numpy, name)(a, axis=_np_axes(dim),
                                                                      keepdims=keepdim and dim is not None))
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


def test_amax_0d(device):
    check_grads(lambda x: x.amax(dim=0), numpy.asarray(0.7), device=device)
    assert ag.amax(T(0.7, device), dim=-1, keepdim=True).shape == ()


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(device, name):
    a = rand_array((3, 4, 2), seed=7)
    x = T(a, device, requires_grad=True)
    np_fn = getattr(numpy, name)
    r = getattr(x, name)()
    assert r.dtype == ag.int64 and r.shape == () and r.item() == np_fn(a)
    assert not r.requires_grad
    for dim in (0, 1, -1):
        numpy.testing.assert_array_equal(host(getattr(ag, name)(x, dim)), np_fn(a, axis=dim))
        numpy.testing.assert_array_equal(host(getattr(x, name)(dim=dim, keepdim=True)),
                                         np_fn(a, axis=dim, keepdims=True))
    assert getattr(x, name)(keepdim=True).shape == (1, 1, 1)
    assert getattr(ag, name)(T(3.0, device), 0).item() == 0
    if torch is not None:
        t = torch.tensor(a)
        for dim in (None, 0, -1):
            numpy.testing.assert_array_equal(host(getattr(x, name)(dim=dim)), host(getattr(t, name)(dim=dim)))


# --- prod ------------------------------------------------------------------------------------------
def _with_zeros(n_zeros):
    """n_zeros zeros in all, all of them in row 1 (each column has at most one)."""
    a = rand_array((3, 4), seed=8, low=0.5, high=1.5) * numpy.array([1.0, -1.0, 1.0, -1.0])
    a[1, [2, 0, 3][:n_zeros]] = 0.0
    return a


@pytest.mark.parametrize("zeros", [0, 1, 2, 3], ids=["no_zero", "one_zero", "two_zeros", "three_zeros"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1], ids=str)
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_prod(device, zeros, dim, keepdim):
    a = _with_zeros(zeros)
    fn = _call("prod", dim, keepdim)
    y = fn(T(a, device))
    numpy.testing.assert_allclose(host(y), a.prod(axis=dim, keepdims=keepdim and dim is not None), rtol=1e-12)
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("zeros", [0, 1, 2, 3], ids=["no_zero", "one_zero", "two_zeros", "three_zeros"])
@pytest.mark.parametrize("dim", [None, 1], ids=str)
def test_prod_double_gradient_matches_torch(device, zeros, dim):
    torch_or_skip()
    a = _with_zeros(zeros)
    v = rand_array((3, 4), seed=9)
    x = T(a, device, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = (x.prod() if dim is None else x.prod(dim=dim)), (t.prod() if dim is None else t.prod(dim=dim))
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(ty.sum(), t, create_graph=True)
    numpy.testing.assert_allclose(host(g), host(tg), rtol=1e-12, atol=1e-14)
    (h,) = ag.grad((g * T(v, device)).sum(), x)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    numpy.testing.assert_allclose(host(h), host(th), rtol=1e-12, atol=1e-14)
    if zeros == 2:
        assert numpy.abs(host(h)).max() > 0  # the second derivative through two zeros is not all zero


def test_prod_known_gradients(device):
    x = T([2.0, 0.0, 3.0, 4.0], device, requires_grad=True)
    x.prod().backward()
    assert host(x.grad).tolist() == [0.0, 24.0, 0.0, 0.0]
    x = T([2.0, 0.0, 0.0, 4.0], device, requires_grad=True)
    (g,) = ag.grad(x.prod(), x, create_graph=True)
    assert host(g).tolist() == [0.0, 0.0, 0.0, 0.0]
    (h,) = ag.grad((g * T([0.0, 1.0, 0.0, 0.0], device)).sum(), x)
    assert host(h).tolist() == [0.0, 0.0, 8.0, 0.0]  # d2/dx1 dx2 of x0 x1 x2 x3 = x0 x3


def test_prod_long_slices_with_zeros(device):
    # the gradient with zeros is computed in O(n), so long slices are fine
    a = rand_array((3, 5000), seed=3, low=0.99, high=1.01, kinks=())
    a[0, 7] = 0.0
    a[1, [3, 9]] = 0.0
    x = T(a, device, requires_grad=True)
    x.prod(dim=1).sum().backward()
    g = host(x.grad)
    b = a.copy()
    b[0, 7] = 1.0
    assert g[0, 7] == pytest.approx(b[0].prod(), rel=1e-9)
    assert numpy.count_nonzero(g[0]) == 1 and numpy.count_nonzero(g[1]) == 0
    numpy.testing.assert_allclose(g[2], a[2].prod() / a[2], rtol=1e-9)


def test_prod_0d_and_dtype(device):
    check_grads(lambda x: x.prod(), numpy.asarray(1.5), device=device)
    check_grads(lambda x: x.prod(dim=0), numpy.asarray(0.0), device=device)
    check_grads(lambda x: x.prod(dim=0), rand_array((1, 3), seed=2), device=device)
    x = ag.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    y = x.prod()
    assert y.dtype == ag.float32 and y.item() == 6.0
    y.backward()
    assert x.grad.dtype == ag.float32
    assert ag.prod(ag.tensor([2, 3], device=device)).item() == 6


# --- logsumexp, softmax, log_softmax ----------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (1,)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_logsumexp(device, dim, keepdim):
    a = rand_array((3, 2, 4), seed=10, low=-3.0, high=3.0, kinks=())
    fn = lambda x: x.logsumexp(dim=dim, keepdim=keepdim)  # noqa: E731
    want = numpy.log(numpy.exp(a).sum(axis=dim, keepdims=keepdim))
    numpy.testing.assert_allclose(host(fn(T(a, device))), want, rtol=1e-12)
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1], ids=str)
def test_softmax_log_softmax(device, name, dim):
    a = rand_array((3, 2, 4), seed=11, low=-3.0, high=3.0, kinks=())
    fn = lambda x: getattr(x, name)(dim)  # noqa: E731
    e = numpy.exp(a - a.max(axis=dim, keepdims=True))
    sm = e / e.sum(axis=dim, keepdims=True)
    numpy.testing.assert_allclose(host(fn(T(a, device))), sm if name == "softmax" else numpy.log(sm), rtol=1e-12)
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_family_0d_and_small(device, name):
    fn = lambda x: getattr(x, name)(0)  # noqa: E731
    check_grads(fn, numpy.asarray(0.3), device=device)
    check_grads(fn, rand_array((1,), seed=1), device=device)
    compare_with_torch(fn, fn, numpy.asarray(0.3), device=device)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("logits", [[1e4, -1e4, 0.0], [1e8, 0.0, -1e8], [1e8, 1e8, 1e8], [-1e8, -1e8, 0.0],
                                    [88.0, 89.0, 90.0]], ids=["1e4", "1e8", "equal_1e8", "-1e8", "exp_overflow"])
def test_softmax_family_is_stable_in_float32(device, name, logits):
    fn = lambda x: getattr(x, name)(-1)  # noqa: E731
    x = ag.tensor([logits, [0.0, 1.0, 2.0]], dtype=ag.float32, device=device, requires_grad=True)
    with numpy.errstate(over="raise", invalid="raise", divide="raise"):
        y = fn(x)
        assert y.dtype == ag.float32 and numpy.isfinite(host(y)).all()
        y.backward(ag.ones_like(y))
    assert numpy.isfinite(host(x.grad)).all()
    compare_with_torch(fn, fn, numpy.array([logits, [0.0, 1.0, 2.0]]), device=device, dtypes=("float32",))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0) for an all -inf logsumexp
def test_softmax_values_at_extremes(device):
    x = ag.tensor([1e4, -1e4, 0.0], device=device)
    assert host(ag.softmax(x, 0)).tolist() == [1.0, 0.0, 0.0]
    numpy.testing.assert_allclose(host(ag.log_softmax(x, 0)), [0.0, -2e4, -1e4])
    assert ag.logsumexp(x, 0).item() == 1e4
    assert ag.logsumexp(ag.tensor([1e8, 1e8], device=device), 0).item() == pytest.approx(1e8)
    # all -inf: logsumexp is -inf (no nan from -inf - -inf)
    assert ag.logsumexp(ag.tensor([-numpy.inf, -numpy.inf], device=device), 0).item() == -numpy.inf
    s = ag.softmax(ag.tensor([[0.0, -numpy.inf]], device=device), 1)
    assert host(s).tolist() == [[1.0, 0.0]]


def _log1p_exp(v):
    return math.log1p(math.exp(v))


CONFIDENT = [[0.0, -40.0, -45.0], [-40.0, 0.0, 0.0], [3.0, -37.0, -60.0]]  # rows with a clear (or tied) maximum


def _confident_reference():
    """log_softmax and logsumexp of CONFIDENT's rows in float64 from log1p of the others' exponentials
    (the values the maximum's own 1 rounds away: log(1 + 4.2e-18) is 0)."""
    lsm, lse = [], []
    for row in CONFIDENT:
        m = max(row)
        rest = sum(math.exp(v - m) for v in row if v != m) + (row.count(m) - 1)
        lse.append(m + math.log1p(rest))
        lsm.append([(v - m) - math.log1p(rest) for v in row])
    return numpy.array(lsm), numpy.array(lse)


@pytest.mark.parametrize("layout", ["last", "dim1", "transposed"])
def test_log_softmax_and_logsumexp_keep_confident_rows(device, layout):
    """A confident row keeps the small values at its maximum: logsumexp([0, -40, -45]) = 4.28e-18 and
    log_softmax there -4.28e-18 (PyTorch's and the textbook form give 0), to float64 precision, over the
    last axis, another axis, and a transposed (column-major) input; ties at the maximum count each."""
    a = numpy.array(CONFIDENT)
    lsm, lse = _confident_reference()
    if layout == "last":
        x, dim = T(a, device), 1
    elif layout == "dim1":  # the class axis in the middle, as (N, C, H, W) logits
        x, dim = T(numpy.stack([a.T, a.T[:, ::-1]]), device), 1  # x[n, :, k]: row k (n = 0), row 2 - k (n = 1)
        lsm, lse = numpy.stack([lsm.T, lsm.T[:, ::-1]]), numpy.stack([lse, lse[::-1]])
    else:
        x, dim = T(numpy.ascontiguousarray(a.T), device).transpose(0, 1), 1
    got = host(ag.log_softmax(x, dim))  # to a few ulp (the old form: 0 at the maximum, 100% off)
    assert got == pytest.approx(lsm, rel=2e-15, abs=0)
    assert host(ag.logsumexp(x, dim)) == pytest.approx(lse, rel=2e-15, abs=0)
    if layout == "last":  # several axes at once: logsumexp over (0, 1) of one confident row
        whole = T(numpy.array([[0.0, -40.0], [-45.0, -50.0]]), device)
        assert ag.logsumexp(whole, (0, 1)).item() == pytest.approx(
            math.log1p(math.exp(-40) + math.exp(-45) + math.exp(-50)), rel=2e-15, abs=0)


@pytest.mark.parametrize("spatial", [False, True], ids=["rows", "spatial"])
@pytest.mark.parametrize("create_graph", [False, True], ids=["first_order", "create_graph"])
def test_cross_entropy_gradient_keeps_confident_rows(device, create_graph, spatial):
    """dL/dx_t = p_t - 1 at a confident right answer is -(r / (1 + r)), r = sum of the others'
    exp(x_j - x_t): -4.28e-18 for [0, -40, -45], where p_t - 1 cancels to 0; the same in the array
    backward and in the differentiable one (create_graph), for (N, C) logits and for (N, C, L) ones
    (the class axis not last)."""
    import nn.functional as F

    a = numpy.array([[0.0, -40.0, -45.0], [2.0, 1.0, 0.5]])
    x = T(a.T[None] if spatial else a, device, requires_grad=True)  # spatial: x[0, :, i] is row i
    target = ag.tensor([[0, 0]] if spatial else [0, 0], device=device)
    loss = F.cross_entropy(x, target, reduction="sum")
    r = math.exp(-40) + math.exp(-45)
    assert loss.item() == pytest.approx(math.log1p(r) + math.log1p(math.exp(-1) + math.exp(-1.5)), rel=1e-15)
    (g,) = ag.grad(loss, x, create_graph=create_graph)
    got = host(g.detach())
    got = got[0].T if spatial else got
    assert got[0] == pytest.approx([-r / (1 + r), math.exp(-40) / (1 + r), math.exp(-45) / (1 + r)], rel=2e-15, abs=0)
    p = numpy.exp([2.0, 1.0, 0.5]) / numpy.exp([2.0, 1.0, 0.5]).sum()
    assert got[1] == pytest.approx(p - [1, 0, 0], rel=1e-14)
    if create_graph:  # and its own gradient: d/dx of sum(g * v) is the softmax Hessian times v
        b = numpy.array([[0.0, -4.0, -4.5], [2.0, 1.0, 0.5]])
        check_grads(lambda t: ag.grad(F.cross_entropy(t, target, reduction="sum"), t, create_graph=True)[0],
                    b.T[None] if spatial else b, device=device)


def _softmax_jacobian_reference(row, v):
    """J^T v for y = softmax(row) in float64, from dy_i/dx_k = y_i ([i = k] - y_k) with each row's 1 - y_max
    taken as the others' sum (what 1 - y_max rounds away at a confident row)."""
    e = [math.exp(t - max(row)) for t in row]
    d = sum(e)
    y = [t / d for t in e]
    out = []
    for k in range(len(row)):  # sum_i v_i y_i ([i = k] - y_k) = y_k (v_k - sum_i v_i y_i) = y_k sum_i y_i (v_k - v_i)
        out.append(y[k] * sum(y[i] * (v[k] - v[i]) for i in range(len(row)) if i != k))
    return out


@pytest.mark.parametrize("layout", ["last", "dim1", "transposed"])
@pytest.mark.parametrize("create_graph", [False, True], ids=["first_order", "create_graph"])
def test_softmax_gradient_keeps_confident_rows(device, layout, create_graph):
    """At a confident row y_max = 1 / (1 + r) rounds to 1, and y_max (g_max - sum_j g_j y_j) cancelled to 0:
    dy_0/dx_0 = y_0 (1 - y_0) = 4.28e-18 for [0, -40, -45] came out 0 (PyTorch's too). Ours is within a few ulp,
    over the last axis, a middle axis and a transposed input, first-order and with create_graph."""
    a = numpy.array(CONFIDENT + [[2.0, 1.0, 0.5]])
    v = numpy.array([[1.0, 0.0, 0.0], [0.5, 1.0, -2.0], [1.0, 3.0, -1.0], [1.0, -1.0, 2.0]])
    want = numpy.array([_softmax_jacobian_reference(list(r), list(w)) for r, w in zip(a, v)])
    if layout == "last":
        x, g, dim = T(a, device, requires_grad=True), T(v, device), 1
    elif layout == "dim1":  # x[0, :, k] is row k
        x, g, dim = T(a.T[None], device, requires_grad=True), T(v.T[None], device), 1
    else:
        x, g, dim = T(numpy.ascontiguousarray(a.T), device, requires_grad=True), T(v, device), 1
    xx = x.transpose(0, 1) if layout == "transposed" else x
    y = ag.softmax(xx, dim)
    assert host(y.detach()).sum(axis=dim) == pytest.approx(1.0, rel=1e-15)
    (gx,) = ag.grad(y, x, g, create_graph=create_graph)
    got = host(gx.detach())
    got = got[0].T if layout == "dim1" else got.T if layout == "transposed" else got
    assert got == pytest.approx(want, rel=4e-15, abs=0)
    if create_graph:  # and the gradient's own gradient (the softmax Hessian) by finite differences
        b = numpy.array([[0.0, -4.0, -4.5], [2.0, 1.0, 0.5]])
        check_grads(lambda t: ag.grad((ag.softmax(t, 1) * T(v[:2], device)).sum(), t, create_graph=True)[0],
                    b, device=device)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_log_softmax_family_at_non_finite_rows(device):
    """Rows with inf or NaN give what the max-shifted form gives (and PyTorch): an infinite maximum has
    logsumexp inf and log_softmax NaN, -inf entries give -inf, NaN spreads over its row."""
    inf, nan = numpy.inf, numpy.nan
    rows = [[inf, 0.0, 1.0], [-inf, 0.0, -40.0], [nan, 1.0, 2.0], [-inf, -inf, -inf], [inf, -inf, 0.0]]
    x = T(rows, device)
    lse = host(ag.logsumexp(x, 1))
    assert numpy.array_equal(lse, [inf, _log1p_exp(-40.0), nan, -inf, inf], equal_nan=True)
    lsm = host(ag.log_softmax(x, 1))
    assert numpy.isnan(lsm[[0, 2, 3, 4]]).all()
    assert lsm[1][0] == -inf and lsm[1][1:] == pytest.approx([-_log1p_exp(-40.0), -40.0 - _log1p_exp(-40.0)],
                                                             rel=2e-15, abs=0)
    lsm_t = host(ag.log_softmax(T(numpy.array(rows).T, device), 0))  # the same over a leading axis
    assert numpy.array_equal(lsm_t, lsm.T, equal_nan=True)


@pytest.mark.parametrize("shape", [(5, 0), (0, 5)])
def test_log_softmax_family_of_empty_tensors(device, shape):
    """Empty rows sum to 0, as in PyTorch: logsumexp over an empty axis is -inf; log_softmax keeps the
    empty shape; both have (empty) gradients."""
    x = ag.zeros(*shape, dtype=ag.float64, device=device, requires_grad=True)
    lse = ag.logsumexp(x, 1)
    assert tuple(lse.shape) == shape[:1] and (host(lse) == -numpy.inf).all()
    lsm = ag.log_softmax(x, 1)
    assert tuple(lsm.shape) == shape
    (lsm.sum() + ag.where(lse > 0, lse, 0.0).sum()).backward()
    assert tuple(x.grad.shape) == shape


def test_softmax_dtype_argument_and_errors(device):
    x = ag.tensor([[1, 2, 3]], device=device)
    y = ag.softmax(x, 1, dtype=ag.float64)
    assert y.dtype == ag.float64
    numpy.testing.assert_allclose(host(y).sum(), 1.0)
    with pytest.raises(TypeError, match="int64"):
        ag.softmax(x, 1)
    with pytest.raises(TypeError, match="int64"):
        ag.logsumexp(x, 1)


# --- norm ------------------------------------------------------------------------------------------
PS = ["fro", 2, 1, float("inf"), float("-inf"), 3, 0.5]
P_IDS = ["fro", "2", "1", "inf", "-inf", "3", "0.5"]


def _np_norm(a, p, axis=None, keepdims=False):
    b = numpy.abs(a)
    if p in ("fro", 2):
        return numpy.sqrt((b * b).sum(axis=axis, keepdims=keepdims))
    if p == float("inf"):
        return b.max(axis=axis, keepdims=keepdims)
    if p == float("-inf"):
        return b.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (b != 0).sum(axis=axis, keepdims=keepdims).astype(float)
    return (b ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


@pytest.mark.parametrize("p", PS, ids=P_IDS)
@pytest.mark.parametrize("dim", [None, 1, -1, (0, 2)], ids=["all", "1", "-1", "0,2"])
@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
def test_norm(device, p, dim, keepdim):
    a = rand_array((3, 2, 4), seed=12)
    fn = lambda x: x.norm(p, dim, keepdim)  # noqa: E731
    want = _np_norm(a, p, axis=dim, keepdims=keepdim and dim is not None)
    numpy.testing.assert_allclose(host(fn(T(a, device))), want, rtol=1e-12)
    check_grads(fn, a, device=device)
    compare_with_torch(fn, fn, a, device=device)


@pytest.mark.parametrize("p", PS + [0], ids=P_IDS + ["0"])
def test_norm_gradient_zero_at_zero_vector(device, p):
    for a in (numpy.zeros(3), numpy.zeros((2, 3))):
        x = T(a, device, requires_grad=True)
        y = ag.norm(x, p)
        assert y.item() == 0.0
        y.backward()
        assert host(x.grad).tolist() == numpy.zeros_like(a).tolist(), p
    # one row all zeros, the other not: only that row's gradient is 0
    a = numpy.array([[0.0, 0.0, 0.0], [3.0, -4.0, 1.0]])
    x = T(a, device, requires_grad=True)
    ag.norm(x, p, dim=1).sum().backward()
    g = host(x.grad)
    assert g[0].tolist() == [0.0, 0.0, 0.0] and numpy.isfinite(g).all()
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        torch.norm(t, p, dim=1).sum().backward()
        want = numpy.zeros_like(a) if t.grad is None else host(t.grad)  # p = 0: torch leaves grad None
        numpy.testing.assert_allclose(g, want, rtol=1e-12)


@pytest.mark.parametrize("p", [0.5, 1, 3, float("inf")], ids=["0.5", "1", "3", "inf"])
def test_norm_with_some_zero_entries(device, p):
    a = numpy.array([0.0, 2.0, -1.0])
    x = T(a, device, requires_grad=True)
    ag.norm(x, p).backward()
    assert numpy.isfinite(host(x.grad)).all() and host(x.grad)[0] == 0.0
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        torch.norm(t, p).backward()
        numpy.testing.assert_allclose(host(x.grad), host(t.grad), rtol=1e-12)


def test_norm_p0_counts_nonzeros(device):
    a = numpy.array([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]])
    x = T(a, device, requires_grad=True)
    y = ag.norm(x, 0, dim=1)
    assert host(y).tolist() == [2.0, 1.0]
    y.sum().backward()  # like PyTorch: it takes part in the graph, with a zero gradient
    assert host(x.grad).tolist() == numpy.zeros((2, 3)).tolist()
    assert ag.norm(T(a, device), 0).item() == 3.0


def test_norm_0d_float32_and_errors(device):
    check_grads(lambda x: x.norm(), numpy.asarray(-1.5), device=device)
    check_grads(lambda x: x.norm(3, 0), numpy.asarray(-1.5), device=device)
    x = ag.tensor([3.0, 4.0], device=device, requires_grad=True)
    y = x.norm()
    assert y.dtype == ag.float32 and y.item() == 5.0
    y.backward()
    assert x.grad.dtype == ag.float32
    with pytest.raises(ValueError, match="nuc"):
        ag.norm(x, "nuc")
    with pytest.raises(TypeError, match="int64"):
        ag.norm(ag.tensor([1, 2], device=device))


# --- per-channel sums of a channels-last batch (the CPU's wide conv layers' layout) ------------------
@pytest.mark.parametrize("shape", [(3, 64, 5, 7), (2, 48, 3, 3), (5, 7, 2, 1), (1, 2048, 1, 1)])
def test_channel_sums_of_channels_last_arrays(shape):
    """backends.base.channel_sums (blocked partial sums; 1024 // C rows per block, a remainder when that
    does not divide H W N) equals the float64 sum, and Sum over (0, 2, 3) takes it for such arrays."""
    from autograd_core.tensor import make_tensor
    from backends.base import channel_sums, channels_innermost

    n, c, h, w = shape
    a = numpy.ascontiguousarray(rand_array((h, w, n, c), seed=3)).transpose(2, 3, 0, 1)
    assert channels_innermost(a)
    ref = a.sum(axis=(0, 2, 3))
    numpy.testing.assert_allclose(channel_sums(a), ref, rtol=1e-13, atol=1e-13)
    a32 = a.astype(numpy.float32)
    numpy.testing.assert_allclose(channel_sums(a32), ref, rtol=1e-5, atol=1e-5)
    t = make_tensor(a, ag.tensor(0.0)._backend)
    for keepdim in (False, True):
        got = host(ag.sum(t, dim=(0, 2, 3), keepdim=keepdim))
        numpy.testing.assert_allclose(got, a.sum(axis=(0, 2, 3), keepdims=keepdim), rtol=1e-13, atol=1e-13)

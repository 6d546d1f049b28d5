"""ops/scatter_family.py and statistics.py: scatter_reduce (sum, prod, mean, amax, amin; include_self), index_put,
masked_scatter, diagonal_scatter, select_scatter, slice_scatter; cov, corrcoef, histogram, mode, isin. Values,
gradients and dtypes against PyTorch (float32, float64, integers), gradcheck and gradgradcheck in float64 away
from ties, errors that name what was passed, and runs on the strict stand-in for a GPU."""

import numpy
import pytest

import autograd_core as ag
from autograd_core.tensor import make_tensor
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def IX(m, like, values, dtype=None):
    """An index (int64) or mask (bool) tensor of library ``m`` (autograd_core or torch), on ``like``'s device."""
    arr = numpy.asarray(values)
    if m is ag:
        return ag.tensor(arr if dtype is None else arr.astype(dtype), device=like.device)
    return m.from_numpy(arr.copy())


A = rand_array((3, 4), seed=1)
X5 = rand_array((3, 5), seed=2)
A3 = rand_array((2, 3, 4), seed=3)
SRC = rand_array((4, 4), seed=4)
SRC_ZEROS = SRC.copy()
SRC_ZEROS[1, 2] = 0.0  # one zero at its position: PyTorch's single-zero rule for prod
A_ZEROS = A.copy()
A_ZEROS[0, 1] = 0.0
IDX0 = [[0, 1, 2, 0], [1, 1, 0, 2], [2, 0, 0, 0], [1, 1, 1, 1]]  # along dim 0 of A (3, 4), src (4, 4)
IDX1 = [[3, 3, 0], [1, 0, 1], [2, 2, 2]]  # along dim 1, src (3, 3): positions left untouched too
MASK = numpy.array([[True, False, True, False], [False, False, True, True], [True, True, True, False]])
FW = [1, 2, 0, 3, 1]
AW = numpy.array([0.5, 1.0, 2.0, 0.1, 0.3])
MODE_DATA = numpy.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0], [1.0, 3.0, 3.0], [0.0, 3.0, 1.0], [2.5, 3.0, 1.0]])


def _sr(reduce, include_self, dim=0, idx=IDX0):
    return lambda m, x, s: m.scatter_reduce(x, dim, IX(m, x, idx), s, reduce, include_self=include_self)


# (name, fn(m, *tensors) for m = autograd_core or torch, inputs): gradcheck + gradgradcheck, and values and
# gradients against torch in float32 and float64
CASES = [
    *[(f"scatter_reduce_{r}_{inc}", _sr(r, inc), (A, SRC)) for r in ("sum", "prod", "mean", "amax", "amin")
      for inc in (True, False)],
    *[(f"scatter_reduce_dim1_{r}", _sr(r, r != "mean", 1, IDX1), (A, SRC[:3, :3]))
      for r in ("sum", "prod", "mean", "amax", "amin")],
    ("scatter_reduce_prod_zeros", _sr("prod", True), (A_ZEROS, SRC_ZEROS)),
    ("scatter_reduce_prod_zeros_noself", _sr("prod", False), (A_ZEROS, SRC_ZEROS)),
    ("scatter_reduce_method", lambda m, x, s: x.scatter_reduce(-1, IX(m, x, IDX1), s, "sum"), (A, SRC[:3, :3])),
    ("index_put", lambda m, x, v: m.index_put(x, (IX(m, x, [0, 2, 1]), IX(m, x, [1, 3, 1])), v), (A, SRC[0, :3])),
    ("index_put_broadcast", lambda m, x, v: x.index_put((IX(m, x, [2, 0]),), v), (A, SRC[0])),
    ("index_put_accumulate", lambda m, x, v: m.index_put(x, (IX(m, x, [0, 2, 0]),), v, accumulate=True),
     (A, SRC[:3])),
    ("index_put_accumulate_pairs", lambda m, x, v: x.index_put((IX(m, x, [0, 0, 2]), IX(m, x, [1, 1, 3])), v, True),
     (A, SRC[0, :3])),
    ("index_put_mask", lambda m, x, v: m.index_put(x, (IX(m, x, MASK),), v), (A, numpy.array(2.5))),
    ("masked_scatter", lambda m, x, s: m.masked_scatter(x, IX(m, x, MASK), s), (A, SRC.reshape(-1)[:9])),
    ("masked_scatter_broadcast", lambda m, x, s: x.masked_scatter(IX(m, x, MASK[1]), s), (A, SRC)),
    ("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s), (A, SRC[0, :3])),
    ("diagonal_scatter_offset", lambda m, x, s: x.diagonal_scatter(s, 1), (A, SRC[0, :3])),
    ("diagonal_scatter_dims", lambda m, x, s: m.diagonal_scatter(x, s, -1, 2, 0), (A3, SRC[:3, :2])),
    ("select_scatter", lambda m, x, s: m.select_scatter(x, s, 1, -1), (A, SRC[0, :3])),
    ("select_scatter_3d", lambda m, x, s: x.select_scatter(s, 0, 1), (A3, A)),
    ("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 1, None, 2), (A, SRC[:3, :2])),
    ("slice_scatter_default", lambda m, x, s: x.slice_scatter(s, start=1), (A, SRC[:2])),
    ("cov", lambda m, x: m.cov(x), (X5,)),
    ("cov_1d", lambda m, x: m.cov(x) * 1.0, (X5[0],)),
    ("cov_correction0", lambda m, x: x.cov(correction=0), (X5,)),
    ("cov_fweights", lambda m, x: m.cov(x, fweights=IX(m, x, FW)), (X5,)),
    ("cov_weights", lambda m, x, a: m.cov(x, correction=2, fweights=IX(m, x, FW), aweights=a), (X5, AW)),
    ("cov_aweights", lambda m, x, a: m.cov(x, aweights=a), (X5, AW)),
    ("corrcoef", lambda m, x: m.corrcoef(x), (X5,)),
    ("corrcoef_method", lambda m, x: x.corrcoef(), (rand_array((4, 6), seed=9),)),
    ("mode_values", lambda m, x: m.mode(x, 0).values, (MODE_DATA,)),
    ("mode_keepdim", lambda m, x: x.mode(1, keepdim=True)[0], (MODE_DATA,)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_grads(device, name, fn, arrays):
    if name.startswith("mode"):
        pytest.skip("the mode is a set of equal values: any finite difference breaks the tie; compared with torch")
    check_grads(lambda *xs: fn(ag, *xs), *arrays, device=device)


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_matches_torch(device, name, fn, arrays):
    torch = torch_or_skip()
    tol = {"float32": dict(rtol=2e-4, atol=2e-5)}
    compare_with_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays, device=device, tol=tol)


@pytest.mark.parametrize("reduce", ["amax", "amin", "prod", "mean", "sum"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_split_evenly_as_torch(device, reduce, include_self):
    """Ties among src and with self share the gradient evenly; two zeros at one position give prod a zero
    gradient; every value, gradient and dtype as PyTorch's."""
    x = numpy.array([[1.0, 2.0, 3.0, 0.0], [0.0, 5.0, 1.0, 2.0]])
    s = numpy.array([[1.0, 5.0, 3.0, 0.0], [1.0, 2.0, 3.0, 0.0], [1.0, 5.0, -3.0, 2.0]])
    idx = [[0, 1, 0, 1], [0, 1, 0, 1], [1, 0, 1, 1]]
    fn = _sr(reduce, include_self, 0, idx)
    torch = torch_or_skip()
    compare_with_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), x, s, device=device)


@pytest.mark.parametrize("dt", ["int64", "int32", "float32", "float64"])
def test_scatter_reduce_dtypes_against_torch(device, dt):
    torch = torch_or_skip()
    rng = numpy.random.default_rng(0)
    x = rng.integers(-9, 10, size=(4, 5)).astype(dt)
    s = rng.integers(-9, 10, size=(6, 5)).astype(dt)
    idx = rng.integers(0, 4, size=(6, 5))
    xs, ss = ag.tensor(x, device=device), ag.tensor(s, device=device)
    for r in ("sum", "prod", "mean", "amax", "amin"):
        for inc in (True, False):
            ours = ag.scatter_reduce(xs, 0, IX(ag, xs, idx), ss, r, include_self=inc)
            theirs = torch.scatter_reduce(torch.from_numpy(x), 0, torch.from_numpy(idx), torch.from_numpy(s), r,
                                          include_self=inc)
            assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (r, inc)
            numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6, err_msg=f"{r} {inc} {dt}")
    # 0-d input and an empty index leave the input as it is
    z = ag.scatter_reduce(T(2.0, device), 0, IX(ag, T(0, device), 0), T(5.0, device), "amax")
    assert z.shape == () and float(z) == 5.0
    e = ag.scatter_reduce(T(A, device), 1, IX(ag, T(0, device), numpy.zeros((3, 0), numpy.int64)),
                          T(numpy.zeros((3, 0)), device), "prod")
    numpy.testing.assert_array_equal(host(e), A)


def test_scatter_reduce_large_segments_match_a_loop(device):
    """Many entries sent to few positions (the segmented scan's long runs), checked against a plain loop."""
    rng = numpy.random.default_rng(1)
    x = rng.uniform(0.5, 1.5, size=(3, 7))
    s = rng.uniform(0.5, 1.5, size=(200, 7))
    idx = rng.integers(0, 3, size=(200, 7))
    for r, op in (("sum", numpy.add), ("prod", numpy.multiply), ("amax", numpy.maximum), ("amin", numpy.minimum)):
        want = x.copy()
        for i in range(200):
            for j in range(7):
                want[idx[i, j], j] = op(want[idx[i, j], j], s[i, j])
        got = ag.scatter_reduce(T(x, device), 0, IX(ag, T(0, device), idx), T(s, device), r)
        numpy.testing.assert_allclose(host(got), want, rtol=1e-12, err_msg=r)


def test_index_put_integers_and_duplicates(device):
    torch = torch_or_skip()
    x = numpy.arange(12).reshape(3, 4)
    i = numpy.array([0, 2, 0, 0])
    v = numpy.array([5, 6, 7, 8])
    for acc in (True, False):
        ours = ag.index_put(ag.tensor(x, device=device), (IX(ag, T(0, device), i),), ag.tensor(v[:, None] + 0 * x[0],
                                                                                               device=device), acc)
        theirs = torch.index_put(torch.from_numpy(x), (torch.from_numpy(i),), torch.from_numpy(v[:, None] + 0 * x[0]),
                                 acc)
        assert ours.dtype == ag.int64
        if acc:
            numpy.testing.assert_array_equal(host(ours), host(theirs))
        else:  # which repeated write wins is unspecified; the other rows are the same
            numpy.testing.assert_array_equal(host(ours)[1:], host(theirs)[1:])
    # the gradient of a repeated index: every copy of v reads the same output gradient, as PyTorch's
    xt = T(A, device, requires_grad=True)
    vt = T(SRC[:3], device, requires_grad=True)
    ag.index_put(xt, (IX(ag, xt, [1, 1, 2]),), vt).sum().backward()
    numpy.testing.assert_array_equal(host(vt.grad), numpy.ones((3, 4)))
    numpy.testing.assert_array_equal(host(xt.grad), [[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]])


def test_cov_corrcoef_against_numpy_and_dtypes(device):
    torch = torch_or_skip()
    numpy.testing.assert_allclose(host(ag.cov(T(X5, device))), numpy.cov(X5), rtol=1e-12)
    weighted = ag.cov(T(X5, device), fweights=IX(ag, T(0, device), FW), aweights=T(AW, device))
    numpy.testing.assert_allclose(host(weighted), numpy.cov(X5, fweights=FW, aweights=AW), rtol=1e-12)
    numpy.testing.assert_allclose(host(ag.corrcoef(T(X5, device))), numpy.corrcoef(X5), rtol=1e-12)
    ints = numpy.array([[1, 2, 4], [3, 1, 0]])
    for fn in ("cov", "corrcoef"):
        ours = getattr(ag, fn)(ag.tensor(ints, device=device))
        theirs = getattr(torch, fn)(torch.from_numpy(ints))
        assert ours.dtype == ag.float32 and theirs.dtype == torch.float32
        numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6)
    # a single variable: a 0-d covariance, and corrcoef C / C
    c = ag.corrcoef(T([[1.0, 2.0, 4.0]], device))
    assert c.shape == () and float(c) == 1.0
    assert numpy.isnan(float(ag.corrcoef(T([[2.0, 2.0]], device))))
    with pytest.warns(UserWarning, match="cov: degrees of freedom is <= 0"):
        d = ag.cov(T([[1.0, 2.0, 4.0]], device), correction=3)
    assert float(d) == float("inf")


def test_histogram_against_torch(device):
    torch = torch_or_skip()
    rng = numpy.random.default_rng(2)
    data = numpy.concatenate([rng.normal(size=500), [numpy.nan, 1.0, -1.0]])
    for dt in ("float32", "float64"):
        a = data.astype(dt)
        x, t = T(a, device, dtype=getattr(ag, dt)), torch.from_numpy(a[~numpy.isnan(a)])
        w = numpy.abs(a[: a.size]).astype(dt)
        for kwargs, tkwargs in (({}, {}), (dict(range=(-1.0, 1.0)), dict(range=(-1.0, 1.0))),
                                (dict(density=True, range=(-2.0, 3.0)), dict(density=True, range=(-2.0, 3.0)))):
            h, e = ag.histogram(T(a[~numpy.isnan(a)], device, dtype=getattr(ag, dt)), 7, **kwargs)
            th, te = torch.histogram(t, 7, **tkwargs)
            assert h.dtype == getattr(ag, dt) and e.dtype == getattr(ag, dt)
            numpy.testing.assert_allclose(host(e), host(te), rtol=1e-6 if dt == "float32" else 1e-14)
            numpy.testing.assert_allclose(host(h), host(th), rtol=1e-6)
        edges = numpy.array([-3.0, -1.0, 0.0, 0.5, 1.0, 2.5]).astype(dt)
        h, e = x.histogram(T(edges, device, dtype=getattr(ag, dt)), weight=T(w, device, dtype=getattr(ag, dt)))
        th, _ = torch.histogram(torch.from_numpy(a), torch.from_numpy(edges), weight=torch.from_numpy(w))
        numpy.testing.assert_allclose(host(h), host(th), rtol=1e-5)
        ref, _ = numpy.histogram(a[~numpy.isnan(a)], edges, weights=w[~numpy.isnan(a)])
        numpy.testing.assert_allclose(host(h), ref, rtol=1e-5)
    # a single value: the range widened by 0.5 each side; an empty input: range [0, 1]
    h, e = ag.histogram(T([1.0, 1.0], device), 2)
    assert host(h).tolist() == [0.0, 2.0] and host(e).tolist() == [0.5, 1.0, 1.5]
    h, e = ag.histogram(T(numpy.zeros(0), device), 2)
    assert host(h).tolist() == [0.0, 0.0] and host(e).tolist() == [0.0, 0.5, 1.0]
    assert not ag.histogram(T(A, device, requires_grad=True), 3).hist.requires_grad


def test_mode_indices_against_torch(device):
    torch = torch_or_skip()
    rng = numpy.random.default_rng(3)
    for dt in ("float32", "float64", "int64", "int32"):
        data = rng.integers(0, 4, size=(5, 9, 3)).astype(dt)
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                ours = ag.mode(ag.tensor(data, device=device), dim, keepdim)
                theirs = torch.mode(torch.from_numpy(data), dim, keepdim)
                numpy.testing.assert_array_equal(host(ours.values), host(theirs.values))
                numpy.testing.assert_array_equal(host(ours.indices), host(theirs.indices))
                assert ours.indices.dtype == ag.int64 and ours.values.dtype == getattr(ag, dt)
    v, i = ag.tensor([1.0, 2.0, 2.0, 1.0, 3.0, 3.0, 0.0], device=device).mode()
    assert float(v) == 1.0 and int(i) == 3  # the smallest of the most frequent, at its last occurrence
    v, i = ag.mode(T(3.0, device))
    assert float(v) == 3.0 and int(i) == 0


def test_isin_against_torch(device):
    torch = torch_or_skip()
    e = numpy.array([[1, 5, 2], [7, 2, 0]])
    t = numpy.array([2, 7, 9])
    for kwargs in ({}, dict(invert=True), dict(assume_unique=True)):
        ours = ag.isin(ag.tensor(e, device=device), ag.tensor(t, device=device), **kwargs)
        theirs = torch.isin(torch.from_numpy(e), torch.from_numpy(t), **kwargs)
        assert ours.dtype == ag.bool and ours.shape == tuple(theirs.shape)
        numpy.testing.assert_array_equal(host(ours), host(theirs))
    assert host(ag.isin(ag.tensor(e, device=device), 2)).tolist() == [[False, False, True], [False, True, False]]
    assert bool(ag.isin(2, ag.tensor(t, device=device)))
    f = ag.isin(T([1.0, 2.5, float("nan")], device), ag.tensor([2, 1], device=device))
    assert host(f).tolist() == [True, False, False]


def test_methods_and_exports():
    for name in ("scatter_reduce", "index_put", "masked_scatter", "diagonal_scatter", "select_scatter",
                 "slice_scatter", "cov", "corrcoef", "histogram", "mode"):
        assert callable(getattr(ag, name)) and callable(getattr(ag.Tensor, name)), name
    assert callable(ag.isin) and not hasattr(ag.Tensor, "isin_")


def test_errors_name_what_was_passed(device):
    x = T(A, device)
    i = IX(ag, x, IDX0)
    with pytest.raises(ValueError, match="scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', 'amax' or "
                                         "'amin', got 'max'"):
        ag.scatter_reduce(x, 0, i, T(SRC, device), "max")
    with pytest.raises(TypeError, match="scatter_reduce: src has dtype float32 but the input has dtype float64"):
        ag.scatter_reduce(x, 0, i, ag.ones(4, 4, device=device), "sum")
    with pytest.raises(TypeError, match="scatter_reduce: src must be a Tensor, got float"):
        ag.scatter_reduce(x, 0, i, 1.0, "sum")
    with pytest.raises(IndexError, match="scatter_reduce: index 3 is out of bounds for dimension 0 with size 3"):
        ag.scatter_reduce(x, 0, IX(ag, x, [[3, 0, 0, 0]]), T(SRC, device), "sum")
    with pytest.raises(IndexError, match="scatter_reduce: dim 2 is out of range"):
        ag.scatter_reduce(x, 2, i, T(SRC, device), "sum")
    with pytest.raises(TypeError, match="index_put: indices must be a tuple of tensors, got Tensor"):
        ag.index_put(x, IX(ag, x, [0]), T(1.0, device))
    with pytest.raises(TypeError, match="index_put: the values have dtype float32 but the tensor has dtype float64"):
        ag.index_put(x, (IX(ag, x, [0]),), ag.ones(4, device=device))
    with pytest.raises(ValueError, match=r"index_put: values of shape \(3,\) can't be broadcast to the indexed shape "
                                         r"\(2, 4\)"):
        ag.index_put(x, (IX(ag, x, [0, 1]),), T([1.0, 2.0, 3.0], device))
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        ag.index_put(x, (IX(ag, x, [5]),), T(1.0, device))
    with pytest.raises(TypeError, match="masked_scatter: mask must be a bool tensor, got dtype int64"):
        ag.masked_scatter(x, IX(ag, x, [1, 0, 1, 0]), T(SRC, device))
    with pytest.raises(ValueError, match="masked_scatter: source has 2 elements but the mask selects 7"):
        ag.masked_scatter(x, IX(ag, x, MASK), T([1.0, 2.0], device))
    with pytest.raises(ValueError, match=r"masked_scatter: the mask of shape \(2,\) can't be broadcast against the "
                                         r"tensor of shape \(3, 4\)"):
        ag.masked_scatter(x, IX(ag, x, [True, False]), T(SRC, device))
    with pytest.raises(ValueError, match=r"diagonal_scatter: expected src to have the shape of the slice it replaces, "
                                         r"\(3,\), got \(2,\)"):
        ag.diagonal_scatter(x, T([1.0, 2.0], device))
    with pytest.raises(ValueError, match="diagonal_scatter: dim1 and dim2 must differ"):
        ag.diagonal_scatter(x, T([1.0, 2.0], device), 0, 1, -1)
    with pytest.raises(IndexError, match=r"select_scatter: index 4 is out of range for dimension 1 with size 4"):
        ag.select_scatter(x, T(SRC[0, :3], device), 1, 4)
    with pytest.raises(ValueError, match=r"select_scatter: expected src to have the shape of the slice it replaces, "
                                         r"\(3,\), got \(4,\)"):
        ag.select_scatter(x, T(SRC[0], device), 1, 0)
    with pytest.raises(ValueError, match="slice_scatter: slice step must be positive, got -1"):
        ag.slice_scatter(x, T(SRC[:2], device), 0, None, None, -1)
    with pytest.raises(ValueError, match=r"cov: expected input to have two or fewer dimensions, got shape \(2, 3, 4\)"):
        ag.cov(T(A3, device))
    with pytest.raises(TypeError, match="cov: expected fweights to have an integer dtype, got float64"):
        ag.cov(T(X5, device), fweights=T(AW, device))
    with pytest.raises(ValueError, match=r"cov: expected aweights to have one entry per observation \(5\), got 2"):
        ag.cov(T(X5, device), aweights=T([1.0, 2.0], device))
    with pytest.raises(ValueError, match="cov: aweights cannot be negative"):
        ag.cov(T(X5, device), aweights=T(-AW, device))
    with pytest.raises(TypeError, match="histogram: expected a floating-point tensor, got dtype int64"):
        ag.histogram(ag.tensor([1, 2], device=device), 3)
    with pytest.raises(ValueError, match="histogram: bins must be > 0, got 0"):
        ag.histogram(x, 0)
    with pytest.raises(ValueError, match=r"histogram: min should not exceed max, got range \(2.0, 1.0\)"):
        ag.histogram(x, 3, range=(2.0, 1.0))
    with pytest.raises(ValueError, match=r"histogram: the range \[1.0, inf\] is not finite"):
        ag.histogram(T([1.0, float("inf")], device), 3)
    with pytest.raises(ValueError, match="histogram: bin edges must be increasing"):
        ag.histogram(x, T([0.0, 3.0, 1.0], device))
    with pytest.raises(IndexError, match=r"mode: expected reduction dim 1 to have a non-zero size"):
        ag.mode(T(numpy.zeros((2, 0)), device), 1)
    with pytest.raises(TypeError, match="isin: expected at least one tensor, got int and list"):
        ag.isin(1, [1, 2])


# --- the strict stand-in for a GPU --------------------------------------------------------------------
def _on(x, values):
    """An index or mask tensor on x's device."""
    return make_tensor(x._backend.from_host(numpy.asarray(values)), x._backend)


STRICT_CASES = [
    *[(f"scatter_reduce_{r}", lambda x, s, r=r: ag.scatter_reduce(x, 0, _on(x, IDX0), s, r, include_self=r != "mean"),
       [A, SRC_ZEROS]) for r in ("sum", "prod", "mean", "amax", "amin")],
    ("index_put", lambda x, v: ag.index_put(x, (_on(x, [0, 2, 0]), _on(x, [1, 3, 1])), v, True),
     [A, SRC[0, :3]]),
    ("index_put_mask", lambda x, v: ag.index_put(x, (_on(x, MASK),), v), [A, numpy.array(2.0)]),
    ("masked_scatter", lambda x, s: ag.masked_scatter(x, _on(x, MASK), s), [A, SRC.reshape(-1)]),
    ("diagonal_scatter", lambda x, s: ag.diagonal_scatter(x, s, 1), [A, SRC[0, :3]]),
    ("select_scatter", lambda x, s: ag.select_scatter(x, s, 0, 1), [A, SRC[0]]),
    ("slice_scatter", lambda x, s: ag.slice_scatter(x, s, 1, 0, 4, 2), [A, SRC[:3, :2]]),
    ("cov", lambda x: ag.cov(x), [X5]),
    ("cov_weights", lambda x, a: ag.cov(x, fweights=_on(x, FW), aweights=a), [X5, AW]),
    ("corrcoef", lambda x: ag.corrcoef(x), [X5]),
    ("mode", lambda x: ag.mode(x, 0).values, [MODE_DATA]),
    ("histogram", lambda x: ag.histogram(x, 4, weight=x * x).hist, [A]),
    ("histogram_edges", lambda x: ag.histogram(x, _on(x, [-1.0, 0.0, 2.0])).hist, [A]),
    ("isin", lambda x: ag.isin(x, x[0]), [A]),
]


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values and first and second derivatives on the strict device as on the CPU."""
    mask = [not name.startswith(("histogram", "isin")) for _ in arrays]
    grads = check_on_strict_device(fn, arrays, mask)
    if any(mask):
        assert grads, "no gradient was checked"

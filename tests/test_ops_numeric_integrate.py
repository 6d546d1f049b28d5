"""ops/numeric.py, integrate.py and assorted.py: gcd, lcm, frexp, ldexp, nextafter, i0, rsub, unravel_index, mvlgamma;
logspace and the hann, hamming, blackman, bartlett and kaiser windows; trapezoid, trapz, cumulative_trapezoid,
gradient; combinations, randint_like, poisson, binomial, renorm, chain_matmul, addbmm, adjoint, split_with_sizes,
scalar_tensor, fill. Values, gradients and dtypes against PyTorch, gradcheck and gradgradcheck in float64, seeded
statistics of the random draws, errors that name what was passed, and runs on the strict stand-in for a GPU."""

import math
import warnings

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def _sum_weighted(parts):
    """The pieces of a tuple result scaled by 1, 2, 3, ... and added (so each piece's gradient is told apart)."""
    return sum(p * (i + 1) for i, p in enumerate(parts))


def _chain(m, *ms):
    with warnings.catch_warnings():  # torch.chain_matmul is deprecated
        warnings.simplefilter("ignore")
        return m.chain_matmul(*ms)


A = rand_array((3, 4), seed=1)
B = rand_array((3, 4), seed=2)
A3 = rand_array((2, 3, 4), seed=3)
POS = rand_array((3, 4), seed=4, low=0.3, high=3.0)
V4 = rand_array((4,), seed=5)
X_SORTED = numpy.array([0.0, 0.7, 1.5, 3.0])
COORDS = numpy.array([-1.0, 0.5, 1.0, 3.0])
B1 = rand_array((2, 3, 5), seed=6)
B2 = rand_array((2, 5, 4), seed=7)

# (name, fn(m, *tensors) for m = autograd_core or torch, inputs)
CASES = [
    ("frexp_mantissa", lambda m, x: m.frexp(x * 37.0).mantissa, (A,)),
    ("frexp_method", lambda m, x: x.frexp()[0] * 3.0, (POS,)),
    ("ldexp", lambda m, x, e: m.ldexp(x, e), (A, B * 3)),
    ("ldexp_method", lambda m, x, e: x.ldexp(e), (A, V4)),
    ("i0", lambda m, x: m.i0(x * 8.0), (A,)),
    ("i0_large", lambda m, x: x.i0() * 1e-20, (POS * 20.0,)),
    ("rsub", lambda m, x, y: m.rsub(x, y, alpha=2), (A, B)),
    ("rsub_number", lambda m, x: m.rsub(x, 3.5), (A,)),
    ("mvlgamma", lambda m, x: m.mvlgamma(x + 1.5, 3), (POS,)),
    ("mvlgamma_method", lambda m, x: x.mvlgamma(1), (POS,)),
    ("trapezoid", lambda m, y: m.trapezoid(y), (A,)),
    ("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5, dim=0), (A,)),
    ("trapezoid_x", lambda m, y, x: m.trapezoid(y, x), (A, X_SORTED)),
    ("trapezoid_x_full", lambda m, y, x: m.trapezoid(y, x, dim=0), (A, B)),
    ("trapezoid_x_bcast", lambda m, y, x: m.trapezoid(y, x, dim=-1), (A3, B)),
    ("trapz", lambda m, y, x: m.trapz(y, x), (A, X_SORTED)),
    ("trapz_dx", lambda m, y: m.trapz(y, dx=2.0), (A3,)),
    ("cumulative_trapezoid", lambda m, y: m.cumulative_trapezoid(y), (A,)),
    ("cumulative_trapezoid_dx", lambda m, y: m.cumulative_trapezoid(y, dx=0.3, dim=0), (A,)),
    ("cumulative_trapezoid_x", lambda m, y, x: m.cumulative_trapezoid(y, x), (A, X_SORTED)),
    ("gradient", lambda m, f: _sum_weighted(m.gradient(f)), (A,)),
    ("gradient_spacing", lambda m, f: _sum_weighted(m.gradient(f, spacing=[2.0, 0.5], edge_order=2)), (A,)),
    ("gradient_scalar_dim", lambda m, f: _sum_weighted(m.gradient(f, spacing=0.25, dim=1)), (A3,)),
    ("gradient_dims", lambda m, f: _sum_weighted(m.gradient(f, dim=[2, 1], edge_order=2)), (A3,)),
    ("gradient_coordinates", lambda m, f, c: _sum_weighted(m.gradient(f, spacing=[c], dim=1)), (A, COORDS)),
    ("gradient_coordinates_2", lambda m, f, c: _sum_weighted(m.gradient(f, spacing=(c,), dim=-1, edge_order=2)),
     (A, COORDS)),
    ("combinations", lambda m, x: m.combinations(x, 3), (V4,)),
    ("combinations_replacement", lambda m, x: m.combinations(x, with_replacement=True), (V4,)),
    ("renorm", lambda m, x: m.renorm(x, 2, 0, 1.5), (A,)),
    ("renorm_p3", lambda m, x: x.renorm(3, 1, 1.0), (A,)),
    ("renorm_p1", lambda m, x: m.renorm(x, 1, -1, 2.0), (A3,)),
    ("renorm_inf", lambda m, x: x.renorm(float("inf"), 1, 1.0), (A,)),
    ("chain_matmul", lambda m, a, b, c: _chain(m, a, b, c), (A, B.T, A)),
    ("chain_matmul_one", lambda m, a: _chain(m, a), (A,)),
    ("addbmm", lambda m, x, a, b: m.addbmm(x, a, b, beta=0.5, alpha=2.0), (A, B1, B2)),
    ("addbmm_method", lambda m, x, a, b: x.addbmm(a, b), (V4, B1, B2)),
    ("adjoint", lambda m, x: m.adjoint(x) * 1.0, (A3,)),
    ("adjoint_method", lambda m, x: x.adjoint() * 1.0, (A,)),
    ("split_with_sizes", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(m.split_with_sizes(x, [1, 3], 1))], 1),
     (A,)),
    ("split_with_sizes_method", lambda m, x: m.cat([p * (i + 1) for i, p in enumerate(x.split_with_sizes([2, 0, 1]))]),
     (A,)),
    ("fill", lambda m, x, v: m.fill(x, v) * x, (A, numpy.array(2.5))),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_grads(device, name, fn, arrays):
    check_grads(lambda *xs: fn(ag, *xs), *arrays, device=device)


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_matches_torch(device, name, fn, arrays):
    torch = torch_or_skip()
    tol = {"float32": dict(rtol=2e-4, atol=2e-5)}
    compare_with_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays, device=device, tol=tol)


# --- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", ["int8", "int16", "int32", "int64", "uint8"])
def test_gcd_lcm_against_torch(device, dt):
    torch = torch_or_skip()
    rng = numpy.random.default_rng(0)
    lo = 0 if dt == "uint8" else -12
    a = rng.integers(lo, 13, size=(4, 5)).astype(dt)
    b = rng.integers(lo, 13, size=(5,)).astype(dt)
    for name in ("gcd", "lcm"):
        ours = getattr(ag, name)(ag.tensor(a, device=device), ag.tensor(b, device=device))
        theirs = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] == dt
        numpy.testing.assert_array_equal(host(ours), host(theirs), err_msg=name)
        numpy.testing.assert_array_equal(host(getattr(ag.tensor(a, device=device), name)(ag.tensor(b, device=device))),
                                         host(theirs))
    mixed = ag.gcd(ag.tensor([12, 18], dtype=ag.int8, device=device), ag.tensor([8, 27], device=device))
    assert mixed.dtype == ag.int64 and mixed.tolist() == [4, 9]


def test_frexp_nextafter_ldexp_against_torch(device):
    torch = torch_or_skip()
    for dt in ("float32", "float64"):
        info = numpy.finfo(dt)
        a = numpy.array([0.0, -0.0, 1.5, -8.0, info.tiny / 4, info.max / 3, float("inf"), -float("inf"), float("nan")],
                        dtype=dt)
        m, e = ag.frexp(T(a, device, dtype=getattr(ag, dt)))
        tm, te = torch.frexp(torch.from_numpy(a))
        assert m.dtype == getattr(ag, dt) and e.dtype == ag.int32 and te.dtype == torch.int32
        numpy.testing.assert_array_equal(host(m), host(tm))
        numpy.testing.assert_array_equal(host(e), host(te))
        nxt = ag.nextafter(T(a, device, dtype=getattr(ag, dt)), T(numpy.ones_like(a), device, dtype=getattr(ag, dt)))
        numpy.testing.assert_array_equal(host(nxt), host(torch.nextafter(torch.from_numpy(a),
                                                                           torch.ones(a.shape, dtype=tm.dtype))))
    x = T([3.0, 0.1], device, requires_grad=True)
    ag.frexp(x).mantissa.sum().backward()
    numpy.testing.assert_array_equal(host(x.grad), [1 / 4, 8.0])  # 3 = 0.75 * 2^2, 0.1 = 0.8 * 2^-3: 1 / 2^e
    ints = ag.ldexp(ag.tensor([1, 2], device=device), ag.tensor([3, 1], device=device))
    assert ints.dtype == ag.float32 and ints.tolist() == [8.0, 4.0]
    mixed = ag.nextafter(ag.tensor([1.0], device=device), T([2.0], device))
    assert mixed.dtype == ag.float64 and float(mixed) == numpy.nextafter(1.0, 2.0)


def test_i0_against_torch_and_scipy(device):
    torch = torch_or_skip()
    x = numpy.concatenate([numpy.linspace(-30.0, 30.0, 601), [0.0, 19.9999, 20.0, 20.0001, 85.0, 300.0, 700.0]])
    for dt, rtol in (("float32", 2e-6), ("float64", 5e-15)):
        a = x.astype(dt)
        if dt == "float32":
            a = a[numpy.abs(a) < 88]
        ours = ag.i0(T(a, device, dtype=getattr(ag, dt)))
        assert ours.dtype == getattr(ag, dt)
        numpy.testing.assert_allclose(host(ours), host(torch.i0(torch.from_numpy(a))), rtol=rtol)
    special = pytest.importorskip("scipy.special")
    numpy.testing.assert_allclose(host(ag.i0(T(x, device))), special.i0(x), rtol=5e-15)
    assert ag.i0(ag.tensor([1, 2], device=device)).dtype == ag.float32
    assert float(ag.i0(T(800.0, device))) == float("inf")
    # derivatives: I0' = I1, I1' = I0 - I1 / x (1/2 at 0), against torch to third order
    pts = numpy.array([0.0, -2.5, 0.7, 12.0, 25.0])
    xt = T(pts, device, requires_grad=True)
    tt = torch.tensor(pts, requires_grad=True)
    ours, theirs = [ag.i0(xt)], [torch.i0(tt)]
    for _ in range(3):
        ours.append(ag.grad(ours[-1].sum(), xt, create_graph=True)[0])
        theirs.append(torch.autograd.grad(theirs[-1].sum(), tt, create_graph=True)[0])
    for o, t in zip(ours, theirs):
        numpy.testing.assert_allclose(host(o), host(t), rtol=1e-12, atol=1e-14)
    numpy.testing.assert_allclose(host(ours[1]), special.i1(pts), rtol=5e-15)


def test_rsub_unravel_index_mvlgamma_against_torch(device):
    torch = torch_or_skip()
    r = ag.rsub(ag.tensor([1, 2], device=device), 5, alpha=2)
    assert r.dtype == ag.int64 and r.tolist() == torch.rsub(torch.tensor([1, 2]), 5, alpha=2).tolist()
    idx = numpy.array([[5, 7], [9, -1]])
    for dt in ("int64", "int32"):
        for shape in ((2, 4), (3, 1, 2), 6):
            ours = ag.unravel_index(ag.tensor(idx.astype(dt), device=device), shape)
            theirs = torch.unravel_index(torch.from_numpy(idx.astype(dt)), shape)
            assert len(ours) == len(theirs)
            for o, t in zip(ours, theirs):
                assert o.dtype == ag.int64 and o.shape == tuple(t.shape)
                numpy.testing.assert_array_equal(host(o), host(t))
    zero_d = ag.unravel_index(ag.tensor(3, device=device), (2, 4))
    assert [int(t) for t in zero_d] == [0, 3]
    ints = ag.mvlgamma(ag.tensor([3, 4], device=device), 2)
    assert ints.dtype == ag.float32
    numpy.testing.assert_allclose(host(ints), host(torch.mvlgamma(torch.tensor([3, 4]), 2)), rtol=1e-6)
    special = pytest.importorskip("scipy.special")
    numpy.testing.assert_allclose(host(ag.mvlgamma(T(POS + 2, device), 4)), special.multigammaln(POS + 2, 4),
                                  rtol=1e-13)


# --- ranges and windows ------------------------------------------------------------------------------
def test_logspace_against_torch(device):
    torch = torch_or_skip()
    for dt in ("float32", "float64", "int64", "int32"):
        for args in ((0, 3, 4), (-1.5, 2.25, 7), (2, 2, 1), (0, 1, 0), (3, -2, 6), (0, 10, 11, 2.0), (1, 2, 5, 0.5)):
            if dt.startswith("int") and (args[0] > args[1] or (len(args) == 4 and args[3] < 1)):
                continue
            ours = ag.logspace(*args, dtype=getattr(ag, dt), device=device)
            theirs = torch.logspace(*args, dtype=getattr(torch, dt))
            assert ours.dtype == getattr(ag, dt) and ours.shape == tuple(theirs.shape)
            numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6 if dt == "float32" else 1e-14,
                                          err_msg=f"{args} {dt}")
    d = ag.logspace(0, 2, 3, device=device, requires_grad=True)
    assert d.dtype == ag.float32 and d.requires_grad and d.is_leaf


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "kaiser"])
def test_windows_against_torch(device, name):
    torch = torch_or_skip()
    ours_fn, theirs_fn = getattr(ag, name + "_window"), getattr(torch, name + "_window")
    extra = {"hamming": ((0.5, 0.3),), "kaiser": ((3.5,), (0.0,))}.get(name, ())
    for n in (0, 1, 2, 3, 8, 31):
        for periodic in (True, False):
            for dt in ("float32", "float64"):
                for args in ((),) + extra:
                    ours = ours_fn(n, periodic, *args, dtype=getattr(ag, dt), device=device)
                    theirs = theirs_fn(n, periodic, *args, dtype=getattr(torch, dt))
                    assert ours.dtype == getattr(ag, dt) and ours.shape == tuple(theirs.shape)
                    numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6 if dt == "float32" else 1e-13,
                                                  atol=1e-7 if dt == "float32" else 1e-15, err_msg=f"{n} {periodic}")
    w = ours_fn(5, device=device)
    assert w.dtype == ag.get_default_dtype() and w.shape == (5,)
    assert ours_fn(4, requires_grad=True, device=device).requires_grad


def test_scalar_tensor(device):
    torch = torch_or_skip()
    for s, kw in ((3, {}), (True, {}), (2.5, dict(dtype=ag.float64)), (2, dict(dtype=ag.int32))):
        ours = ag.scalar_tensor(s, device=device, **kw)
        theirs = torch.scalar_tensor(s, **{k: getattr(torch, str(v).split(".")[-1]) for k, v in kw.items()})
        assert ours.shape == () and str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.item() == theirs.item()
    assert ag.scalar_tensor(1.5, requires_grad=True).requires_grad


# --- integration and differences -----------------------------------------------------------------------
def test_integration_and_gradient_dtypes_against_torch(device):
    torch = torch_or_skip()
    y = numpy.array([[1, 2, 4, 7], [0, -3, 5, 5], [2, 2, 1, 0]])
    x = numpy.array([0, 1, 3, 4])
    for fn, kw in (("trapezoid", {}), ("trapezoid", dict(dx=2)), ("cumulative_trapezoid", {}),
                   ("cumulative_trapezoid", dict(dim=0))):
        ours = getattr(ag, fn)(ag.tensor(y, device=device), **kw)
        theirs = getattr(torch, fn)(torch.from_numpy(y), **kw)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (fn, kw)
        numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6)
    ours = ag.trapezoid(ag.tensor(y, device=device), ag.tensor(x, device=device))
    theirs = torch.trapezoid(torch.from_numpy(y), torch.from_numpy(x))
    assert ours.dtype == ag.float32 and host(ours).tolist() == host(theirs).tolist()
    numpy.testing.assert_allclose(host(ag.trapezoid(T(A, device), T(X_SORTED, device))), numpy.trapezoid(A, X_SORTED),
                                  rtol=1e-13)
    empty = ag.trapezoid(T(numpy.zeros((2, 0)), device))
    assert empty.shape == (2,) and host(empty).tolist() == [0.0, 0.0]
    assert ag.cumulative_trapezoid(T(numpy.zeros((2, 1)), device)).shape == (2, 0)
    for kw in ({}, dict(edge_order=2), dict(spacing=2), dict(spacing=[ag.tensor(x, device=device)], dim=1)):
        tkw = dict(kw, spacing=[torch.from_numpy(x)]) if "dim" in kw else kw
        ours = ag.gradient(ag.tensor(y, device=device), **kw)
        theirs = torch.gradient(torch.from_numpy(y), **tkw)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert o.dtype == ag.float32 and t.dtype == torch.float32
            numpy.testing.assert_allclose(host(o), host(t), rtol=1e-6, err_msg=str(kw))
    f = numpy.sin(numpy.linspace(0, 3, 13))
    for edge in (1, 2):
        numpy.testing.assert_allclose(host(ag.gradient(T(f, device), spacing=0.25, edge_order=edge)[0]),
                                      numpy.gradient(f, 0.25, edge_order=edge), rtol=1e-13)


# --- random draws ------------------------------------------------------------------------------------------
def test_randint_like(device):
    torch = torch_or_skip()
    x = ag.zeros(2000, device=device)
    r = ag.randint_like(x, 5)
    assert r.dtype == ag.float32 and r.shape == (2000,) and torch.randint_like(torch.zeros(3), 5).dtype == torch.float32
    assert set(host(r).tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0}
    r = ag.randint_like(ag.zeros(2000, dtype=ag.int32, device=device), -3, 2)
    assert r.dtype == ag.int32 and set(host(r).tolist()) == {-3, -2, -1, 0, 1}
    assert ag.randint_like(x, 0, 10, dtype=ag.int64).dtype == ag.int64
    ag.manual_seed(7)
    a = ag.randint_like(x, 100)
    ag.manual_seed(7)
    numpy.testing.assert_array_equal(host(a), host(ag.randint_like(x, 100)))
    g1, g2 = ag.Generator().manual_seed(3), ag.Generator().manual_seed(3)
    x_cpu = ag.zeros(50)
    numpy.testing.assert_array_equal(host(ag.randint_like(x_cpu, 9, generator=g1)),
                                     host(ag.randint_like(x_cpu, 9, generator=g2)))


def test_poisson_statistics_and_seeding(device):
    n = 40000
    rates = numpy.array([0.0, 0.4, 3.0, 9.5, 10.0, 42.0, 1000.0])
    ag.manual_seed(0)
    lam = T(rates, device).reshape(-1, 1).expand(len(rates), n)
    draw = ag.poisson(lam)
    assert draw.dtype == ag.float64 and draw.shape == (len(rates), n) and not draw.requires_grad
    d = host(draw)
    assert (d == numpy.round(d)).all() and (d >= 0).all() and (d[0] == 0).all()
    se = numpy.sqrt(numpy.maximum(rates, 1e-12) / n)
    assert (numpy.abs(d.mean(1) - rates) <= 5 * se + 1e-12).all(), d.mean(1)
    assert (numpy.abs(d.var(1) - rates) <= 5 * rates * math.sqrt(2 / n) + 0.05).all(), d.var(1)
    ag.manual_seed(0)
    numpy.testing.assert_array_equal(host(ag.poisson(lam)), d)  # same seed, same draw
    f32 = ag.poisson(ag.full((3,), 2.0, device=device))
    assert f32.dtype == ag.float32
    g1, g2 = ag.Generator().manual_seed(5), ag.Generator().manual_seed(5)
    numpy.testing.assert_array_equal(host(ag.poisson(ag.full((20,), 30.0), g1)),
                                     host(ag.poisson(ag.full((20,), 30.0), generator=g2)))
    assert not ag.poisson(T(rates, device, requires_grad=True)).requires_grad


def test_binomial_statistics_and_seeding(device):
    n = 40000
    counts = numpy.array([0.0, 5.0, 20.0, 100.0, 1000.0, 7.0, 12.0, 3000.0])
    probs = numpy.array([0.3, 0.5, 0.05, 0.5, 0.9, 1.0, 0.0, 0.002])
    ag.manual_seed(1)
    c = T(counts, device).reshape(-1, 1).expand(len(counts), n)
    p = T(probs, device).reshape(-1, 1)
    draw = ag.binomial(c, p.expand(len(counts), n))
    assert draw.dtype == ag.float64 and draw.shape == (len(counts), n)
    d = host(draw)
    assert (d == numpy.round(d)).all() and (d >= 0).all() and (d <= counts[:, None]).all()
    mean, var = counts * probs, counts * probs * (1 - probs)
    assert (numpy.abs(d.mean(1) - mean) <= 5 * numpy.sqrt(var / n) + 1e-12).all(), d.mean(1)
    assert (numpy.abs(d.var(1) - var) <= 5 * var * math.sqrt(2 / n) + 0.05).all(), d.var(1)
    assert (d[5] == 7).all() and (d[6] == 0).all() and (d[0] == 0).all()
    ag.manual_seed(1)
    numpy.testing.assert_array_equal(host(ag.binomial(c, p.expand(len(counts), n))), d)
    bcast = ag.binomial(T([[10.0], [50.0]], device, dtype=ag.float32), T([0.2, 0.5, 0.7], device, dtype=ag.float32))
    assert bcast.shape == (2, 3) and bcast.dtype == ag.float32


def test_combinations_shapes_against_torch(device):
    torch = torch_or_skip()
    v = numpy.array([3, 1, 2])
    for r in (0, 1, 2, 3, 4):
        for rep in (False, True):
            ours = ag.combinations(ag.tensor(v, device=device), r, rep)
            theirs = torch.combinations(torch.from_numpy(v), r, rep)
            assert ours.shape == tuple(theirs.shape) and ours.dtype == ag.int64, (r, rep)
            numpy.testing.assert_array_equal(host(ours), host(theirs))
    assert ag.combinations(T(numpy.zeros(0), device)).shape == (0, 2)


def test_fill_and_adjoint(device):
    torch = torch_or_skip()
    x = ag.tensor([1, 2, 3], device=device)
    y = ag.fill(x, 2.7)
    assert y.dtype == ag.int64 and y.tolist() == torch.fill(torch.tensor([1, 2, 3]), 2.7).tolist()
    xf = T(A, device, requires_grad=True)
    ag.fill(xf, 1.5).sum().backward()
    assert host(xf.grad).tolist() == numpy.zeros((3, 4)).tolist()
    assert ag.fill(T([True, False], device, dtype=ag.bool), 1).tolist() == [True, True]
    adj = ag.adjoint(T(A3, device))
    assert adj.shape == (2, 4, 3)


def test_methods_and_exports():
    for name in ("frexp", "ldexp", "gcd", "lcm", "nextafter", "i0", "mvlgamma", "renorm", "addbmm", "adjoint",
                 "split_with_sizes"):
        assert callable(getattr(ag.Tensor, name)), name
    for name in ("rsub", "unravel_index", "logspace", "hann_window", "hamming_window", "blackman_window",
                 "bartlett_window", "kaiser_window", "trapezoid", "trapz", "cumulative_trapezoid", "gradient",
                 "combinations", "randint_like", "poisson", "binomial", "chain_matmul", "scalar_tensor", "fill"):
        assert callable(getattr(ag, name)), name


def test_errors_name_what_was_passed(device):
    x = T(A, device)
    with pytest.raises(TypeError, match="gcd: expected integer tensors, got dtype float64"):
        ag.gcd(x, x)
    with pytest.raises(ValueError, match=r"lcm: shapes \(2,\) and \(3,\) cannot be broadcast together"):
        ag.lcm(ag.tensor([1, 2], device=device), ag.tensor([1, 2, 3], device=device))
    with pytest.raises(TypeError, match="frexp: only floating-point tensors are supported, got dtype int64"):
        ag.frexp(ag.tensor([1], device=device))
    with pytest.raises(TypeError, match="nextafter: expected floating-point tensors, got dtype int64"):
        ag.nextafter(ag.tensor([1], device=device), x)
    with pytest.raises(TypeError, match="rsub: input must be a Tensor, got int"):
        ag.rsub(2, x)
    with pytest.raises(TypeError, match="unravel_index: expected indices to be an integer tensor, got dtype float64"):
        ag.unravel_index(x, (3, 4))
    with pytest.raises(ValueError, match=r"unravel_index: shape cannot have negative values, got \(2, -1\)"):
        ag.unravel_index(ag.tensor([1], device=device), (2, -1))
    with pytest.raises(ValueError, match=r"mvlgamma: all elements must be greater than \(p - 1\) / 2 = 0.5"):
        ag.mvlgamma(T([0.2], device), 2)
    with pytest.raises(ValueError, match="mvlgamma: p has to be greater than or equal to 1, got 0"):
        ag.mvlgamma(x, 0)
    with pytest.raises(ValueError, match="logspace: number of steps must be non-negative, got -1"):
        ag.logspace(0, 1, -1)
    with pytest.raises(TypeError, match="hann_window: expects a floating-point dtype, got int64"):
        ag.hann_window(4, dtype=ag.int64)
    with pytest.raises(ValueError, match="kaiser_window: requires a non-negative window_length, got -2"):
        ag.kaiser_window(-2)
    with pytest.raises(TypeError, match="trapezoid: received both x and dx; give one of them"):
        ag.trapezoid(x, T(X_SORTED, device), dx=2.0)
    with pytest.raises(ValueError, match=r"trapezoid: there must be one x value for each sample point: x has 3, y has "
                                         r"4 along dim 1"):
        ag.trapezoid(x, T([0.0, 1.0, 2.0], device))
    with pytest.raises(ValueError, match="cumulative_trapezoid: expected y to have at least one dimension"):
        ag.cumulative_trapezoid(T(1.0, device))
    with pytest.raises(ValueError, match="gradient: only edge_order=1 and edge_order=2 are supported, got 3"):
        ag.gradient(x, edge_order=3)
    with pytest.raises(ValueError, match=r"gradient: expected each dimension size to be at least edge_order \+ 1 = 3, "
                                         r"got size 2 in dim 0"):
        ag.gradient(T(numpy.ones((2, 5)), device), edge_order=2)
    with pytest.raises(ValueError, match="gradient: expected spacing to be a number or a list of length 2"):
        ag.gradient(x, spacing=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="gradient: spacing must be a number, a list of numbers, or a list of 1-d "
                                        "tensors"):
        ag.gradient(x, spacing=[2, T(X_SORTED, device)])
    with pytest.raises(ValueError, match=r"gradient: spacing\[0\] must be a 1-d tensor of one coordinate per entry "
                                         r"along dim 1 \(4\), got shape \(3,\)"):
        ag.gradient(x, spacing=[T([0.0, 1.0, 2.0], device)], dim=1)
    with pytest.raises(ValueError, match=r"combinations: expected a 1-d tensor, got shape \(3, 4\)"):
        ag.combinations(x)
    with pytest.raises(ValueError, match="combinations: r must be non-negative, got -1"):
        ag.combinations(T(V4, device), -1)
    with pytest.raises(ValueError, match="poisson: invalid Poisson rate"):
        ag.poisson(T([-1.0], device))
    with pytest.raises(TypeError, match="poisson: the rates must be a floating-point tensor, got dtype int64"):
        ag.poisson(ag.tensor([1], device=device))
    with pytest.raises(ValueError, match=r"binomial: prob must be in \[0, 1\]"):
        ag.binomial(T([10.0], device), T([1.5], device))
    with pytest.raises(TypeError, match="binomial: count must be a floating-point tensor, got dtype int64"):
        ag.binomial(ag.tensor([10], device=device), T([0.5], device))
    with pytest.raises(TypeError, match="binomial: count and prob must have the same dtype, got float64 and float32"):
        ag.binomial(T([10.0], device), ag.tensor([0.5], device=device))
    with pytest.raises(ValueError, match="renorm: p must be a positive number"):
        ag.renorm(x, 0, 0, 1.0)
    with pytest.raises(ValueError, match="renorm: expected maxnorm to be a number >= 0, got -1"):
        ag.renorm(x, 2, 0, -1)
    with pytest.raises(ValueError, match=r"renorm: input needs at least 2 dimensions, got shape \(4,\)"):
        ag.renorm(T(V4, device), 2, 0, 1.0)
    with pytest.raises(ValueError, match="chain_matmul: expected one or more matrices"):
        ag.chain_matmul()
    with pytest.raises(ValueError, match=r"chain_matmul: expected 2-d matrices, got shape \(4,\) for argument 1"):
        ag.chain_matmul(x, T(V4, device))
    with pytest.raises(ValueError, match=r"addbmm: batch1 must be a 3-d tensor, got shape \(3, 4\)"):
        ag.addbmm(x, x, T(B2, device))
    with pytest.raises(ValueError, match=r"addbmm: input of shape \(3,\) can't be broadcast to the product's shape"):
        ag.addbmm(T([1.0, 2.0, 3.0], device), T(B1, device), T(B2, device))
    with pytest.raises(ValueError, match=r"adjoint: only matrices or batches of matrices are supported, got shape "
                                         r"\(4,\)"):
        ag.adjoint(T(V4, device))
    with pytest.raises(ValueError, match=r"split_with_sizes: split sizes \[1, 2\] sum to 3, but dim 1"):
        ag.split_with_sizes(x, [1, 2], 1)
    with pytest.raises(ValueError, match=r"fill: only a 0-dimensional value tensor is supported, got shape \(2,\)"):
        ag.fill(x, T([1.0, 2.0], device))
    with pytest.raises(TypeError, match="scalar_tensor: expected a number, got str"):
        ag.scalar_tensor("1")


# --- the strict stand-in for a GPU --------------------------------------------------------------------
STRICT_CASES = [
    ("trapezoid", lambda y: ag.trapezoid(y), [A]),
    ("trapezoid_x", lambda y, x: ag.trapezoid(y, x, dim=0), [A, numpy.array([0.0, 1.0, 3.0])]),
    ("cumulative_trapezoid", lambda y, x: ag.cumulative_trapezoid(y, x), [A, X_SORTED]),
    ("gradient", lambda f: _sum_weighted(ag.gradient(f, spacing=2.0, edge_order=2)), [A]),
    ("gradient_coordinates", lambda f, c: ag.gradient(f, spacing=[c], dim=1, edge_order=2)[0], [A, COORDS]),
    ("i0", lambda x: ag.i0(x * 15.0), [A]),
    ("frexp", lambda x: ag.frexp(x).mantissa, [A]),
    ("ldexp", lambda x, e: ag.ldexp(x, e), [A, B]),
    ("mvlgamma", lambda x: ag.mvlgamma(x + 2.0, 2), [POS]),
    ("renorm", lambda x: ag.renorm(x, 2, 0, 1.0), [A]),
    ("addbmm", lambda x, a, b: ag.addbmm(x, a, b), [A, B1, B2]),
    ("combinations", lambda x: ag.combinations(x, 2), [V4]),
    ("fill", lambda x, v: ag.fill(x, v) * x, [A, numpy.array(2.0)]),
    ("split_with_sizes", lambda x: ag.split_with_sizes(x, [1, 3], 1)[1], [A]),
    ("gcd", lambda a: ag.gcd(a, a.flip(0)), [numpy.arange(12)]),
    ("unravel_index", lambda a: ag.unravel_index(a, (3, 4))[1], [numpy.arange(12)]),
    ("nextafter", lambda x: ag.nextafter(x, x * 0.0), [A]),
]


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values and first and second derivatives on the strict device as on the CPU."""
    mask = [a.dtype.kind == "f" and name != "nextafter" for a in arrays]
    grads = check_on_strict_device(fn, arrays, mask)
    if any(mask):
        assert grads, "no gradient was checked"


def test_factories_and_draws_on_the_strict_device():
    """Windows and logspace are made on the strict device; the draws there equal the CPU's for one seed."""
    with sd.registered():
        for name in ("hann", "hamming", "blackman", "bartlett", "kaiser"):
            w = getattr(ag, name + "_window")(6, device="strict")
            numpy.testing.assert_allclose(sd.STRICT.to_host(w._data), host(getattr(ag, name + "_window")(6)))
        assert ag.logspace(0, 2, 5, device="strict").device.type == "strict"
        assert ag.scalar_tensor(2.0, device="strict").device.type == "strict"
        draws = {}
        for dev in ("cpu", "strict"):
            ag.manual_seed(5)
            lam = ag.tensor(numpy.array([0.5, 3.0, 20.0, 400.0]), device=dev)
            prob = ag.tensor(numpy.array([0.2, 0.5, 0.9, 0.3]), device=dev)
            out = (ag.poisson(lam), ag.binomial(lam, prob), ag.randint_like(lam, 3, 9))
            assert all(t.device.type == dev for t in out)
            draws[dev] = [t.cpu().numpy() for t in out]
        for c, s in zip(draws["cpu"], draws["strict"]):
            numpy.testing.assert_array_equal(c, s)

"""More of PyTorch's functions: broadcasting and stacking (broadcast_tensors/shapes, atleast_nd, h/v/d/column_stack,
block_diag, cartesian_prod, rot90, tril/triu_indices), cross and dist, cumprod (with zeros), cummax/cummin,
logcumsumexp, bincount/histc/searchsorted/bucketize, nansum/nanmean, quantile/nanquantile (every interpolation),
nanmedian, sinc/deg2rad/rad2deg/erfc, is_tensor/numel/is_nonzero. Values against NumPy, gradcheck and
gradgradcheck in float64, PyTorch as the oracle for values, gradients and dtypes, errors that name the input."""

import math

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip

NAN = float("nan")


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def I(x, device):  # noqa: E743 - an int64 tensor
    return ag.tensor(numpy.asarray(x, dtype=numpy.int64), device=device)


def _torch():
    return torch_or_skip()


A = rand_array((3, 4), seed=1)
B = rand_array((3, 4), seed=2)
V3 = rand_array((4, 3), seed=3)
W3 = rand_array((4, 3), seed=4)
ZEROS = numpy.array([[2.0, 0.0, 3.0, -1.5, 0.5], [0.0, 1.5, 0.0, 2.0, -1.0], [1.2, -0.7, 0.9, 1.1, 0.0],
                     [0.0, 0.0, 0.0, 1.3, 2.0]])

# (name, fn for our tensors and torch's alike, inputs, NumPy reference): checked for values, gradcheck +
# gradgradcheck, and forward/backward against torch in float32 and float64
CASES = [
    ("cumprod", lambda x: x.cumprod(1), (A,), lambda x: numpy.cumprod(x, 1)),
    ("cumprod_dim0", lambda x: x.cumprod(0), (A,), lambda x: numpy.cumprod(x, 0)),
    ("cumprod_zeros", lambda x: x.cumprod(1), (ZEROS,), lambda x: numpy.cumprod(x, 1)),
    ("cumprod_zeros_dim0", lambda x: x.cumprod(0), (ZEROS,), lambda x: numpy.cumprod(x, 0)),
    ("cummax", lambda x: x.cummax(1).values, (A,), lambda x: numpy.maximum.accumulate(x, 1)),
    ("cummin", lambda x: x.cummin(0).values, (A,), lambda x: numpy.minimum.accumulate(x, 0)),
    ("logcumsumexp", lambda x: x.logcumsumexp(1), (A * 3,), lambda x: numpy.logaddexp.accumulate(x, 1)),
    ("logcumsumexp_range", lambda x: x.logcumsumexp(0), (A * 300,), lambda x: numpy.logaddexp.accumulate(x, 0)),
    ("sinc", lambda x: x.sinc(), (A,), numpy.sinc),
    ("deg2rad", lambda x: x.deg2rad(), (A * 90,), numpy.deg2rad),
    ("rad2deg", lambda x: x.rad2deg(), (A,), numpy.rad2deg),
    ("erfc", lambda x: x.erfc(), (A * 2,), None),
    ("cross", lambda a, b: a.cross(b, dim=1), (V3, W3), lambda a, b: numpy.cross(a, b, axis=1)),
    ("cross_dim0", lambda a, b: a.cross(b, dim=0), (V3.T, W3.T), lambda a, b: numpy.cross(a, b, axis=0)),
    ("dist", lambda a, b: a.dist(b), (A, B), lambda a, b: numpy.linalg.norm((a - b).ravel())),
    ("dist_p3", lambda a, b: a.dist(b, p=3), (A, B), lambda a, b: numpy.sum(numpy.abs(a - b) ** 3) ** (1 / 3)),
    ("dist_p1_5", lambda a, b: a.dist(b, 1.5), (A, B), lambda a, b: numpy.sum(numpy.abs(a - b) ** 1.5) ** (1 / 1.5)),
    ("dist_inf", lambda a, b: a.dist(b, float("inf")), (A, B), lambda a, b: numpy.abs(a - b).max()),
    ("nansum", lambda x: x.nansum(1), (A,), lambda x: numpy.nansum(x, 1)),
    ("nanmean", lambda x: x.nanmean(0, keepdim=True), (A,), lambda x: numpy.nanmean(x, 0, keepdims=True)),
    ("quantile_linear", lambda x: x.quantile(0.3, dim=1), (A,), lambda x: numpy.quantile(x, 0.3, axis=1)),
    ("quantile_all", lambda x: x.quantile(0.65), (A,), lambda x: numpy.quantile(x, 0.65)),
    ("nanquantile", lambda x: x.nanquantile(0.8, dim=0, keepdim=True), (A,),
     lambda x: numpy.nanquantile(x, 0.8, axis=0, keepdims=True)),
    ("nanmedian_all", lambda x: x.nanmedian(), (A,), lambda x: numpy.sort(x, axis=None)[(x.size - 1) // 2]),
    ("rot90", lambda x: x.rot90(1, [0, 1]), (A,), lambda x: numpy.rot90(x, 1, (0, 1))),
    ("rot90_k3", lambda x: x.rot90(3, [1, 0]), (A,), lambda x: numpy.rot90(x, 3, (1, 0))),
    ("rot90_k2", lambda x: x.rot90(-2, [0, 1]), (A,), lambda x: numpy.rot90(x, -2, (0, 1))),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_values(device, name, fn, arrays, ref):
    if ref is None:
        pytest.skip("compared with SciPy / torch below")
    y = fn(*[T(a, device) for a in arrays])
    numpy.testing.assert_allclose(host(y), ref(*arrays), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_grads(device, name, fn, arrays, ref):
    check_grads(fn, *arrays, device=device)


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_matches_torch(device, name, fn, arrays, ref):
    tol = {"float32": dict(rtol=2e-4, atol=1e-4)} if "range" in name or "deg" in name else None
    compare_with_torch(fn, fn, *arrays, device=device, tol=tol)


# --- broadcasting and stacking -------------------------------------------------------------------
def test_broadcast_tensors_and_shapes(device):
    torch = _torch()
    assert ag.broadcast_shapes((2, 1), (3,), (1, 1, 1)) == tuple(torch.broadcast_shapes((2, 1), (3,), (1, 1, 1)))
    assert ag.broadcast_shapes(5, (2, 1)) == (2, 5) and ag.broadcast_shapes() == ()
    with pytest.raises(ValueError, match=r"broadcast_shapes: shapes \(2, 3\), \(4,\) cannot be broadcast"):
        ag.broadcast_shapes((2, 3), (4,))
    a, b = rand_array((3, 1), seed=1), rand_array((2, 1, 4), seed=2)
    ya, yb = ag.broadcast_tensors(T(a, device), T(b, device))
    assert ya.shape == yb.shape == (2, 3, 4)
    numpy.testing.assert_array_equal(host(ya), numpy.broadcast_to(a, (2, 3, 4)))
    check_grads(lambda p, q: [t * t for t in ag.broadcast_tensors(p, q)][0] * ag.broadcast_tensors(p, q)[1], a, b,
                device=device)
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \(3, 1\), \(2, 4\) cannot be broadcast"):
        ag.broadcast_tensors(T(a, device), T(numpy.zeros((2, 4)), device))


def test_atleast_and_stacks_match_numpy(device):
    torch = _torch()
    s, v, m = numpy.array(1.5), numpy.arange(3.0), numpy.arange(6.0).reshape(2, 3)
    c = numpy.arange(24.0).reshape(2, 3, 4)
    for ours, np_fn in ((ag.atleast_1d, numpy.atleast_1d), (ag.atleast_2d, numpy.atleast_2d),
                        (ag.atleast_3d, numpy.atleast_3d)):
        for a in (s, v, m, c):
            out = ours(T(a, device))
            assert isinstance(out, ag.Tensor)
            numpy.testing.assert_array_equal(host(out), np_fn(a))
        several = ours(T(s, device), T(m, device))
        assert isinstance(several, tuple) and [x.shape for x in several] == [np_fn(s).shape, np_fn(m).shape]
        assert isinstance(ours([T(v, device)]), tuple)
    vs, ms = [v, v + 1], [m, m + 1]
    for ours, np_fn in ((ag.hstack, numpy.hstack), (ag.vstack, numpy.vstack), (ag.dstack, numpy.dstack),
                        (ag.column_stack, numpy.column_stack), (ag.row_stack, numpy.vstack)):
        for arrays in (vs, ms, [s, s]):
            got = ours([T(a, device) for a in arrays])
            numpy.testing.assert_array_equal(host(got), np_fn(arrays))
            assert tuple(got.shape) == tuple(getattr(torch, ours.__name__)([torch.tensor(a) for a in arrays]).shape)
    numpy.testing.assert_array_equal(host(ag.column_stack([T(v, device), T(m.T, device)])),
                                     numpy.column_stack([v, m.T]))
    check_grads(lambda a, b: ag.hstack([a, b]) * ag.vstack([a, b]).sum() + ag.dstack([a, b]).sum(), m, m + 1,
                device=device)
    check_grads(lambda a, b: ag.column_stack([a, b]) ** 2, v, v * 2, device=device)
    with pytest.raises(ValueError, match="hstack: expected a non-empty list of tensors"):
        ag.hstack([])
    with pytest.raises(TypeError, match="vstack: expected a list or tuple of tensors, got Tensor"):
        ag.vstack(T(v, device))


def test_block_diag_and_cartesian_prod(device):
    torch = _torch()
    blocks = [numpy.array(2.0), numpy.array([1.0, 3.0]), rand_array((2, 3), seed=5)]
    out = ag.block_diag(*[T(b, device) for b in blocks])
    ref = torch.block_diag(*[torch.tensor(b) for b in blocks])
    numpy.testing.assert_array_equal(host(out), ref.numpy())
    mixed = ag.block_diag(I([[1, 2]], device), T([[0.5]], device, dtype=ag.float32))
    assert mixed.dtype == ag.float32 and mixed.shape == (2, 3)
    check_grads(lambda a, b, c: ag.block_diag(a, b, c) * 1.5, *blocks, device=device)
    compare_with_torch(lambda a, b: ag.block_diag(a, b), lambda a, b: torch.block_diag(a, b), blocks[1], blocks[2],
                       device=device)
    with pytest.raises(ValueError, match=r"block_diag: .*tensor 1 has shape \(1, 2, 2\)"):
        ag.block_diag(T(blocks[2], device), T(numpy.zeros((1, 2, 2)), device))
    a, b, c = numpy.array([1.0, 2.0]), numpy.array([3.0, 4.0, 5.0]), numpy.array([6.0, 7.0])
    got = ag.cartesian_prod(T(a, device), T(b, device), T(c, device))
    numpy.testing.assert_array_equal(host(got), torch.cartesian_prod(*map(torch.tensor, (a, b, c))).numpy())
    assert ag.cartesian_prod(T(a, device)).shape == (2,)
    check_grads(lambda p, q: ag.cartesian_prod(p, q) ** 2, a, b, device=device)
    compare_with_torch(lambda p, q: ag.cartesian_prod(p, q), lambda p, q: torch.cartesian_prod(p, q), a, b,
                       device=device)
    with pytest.raises(ValueError, match=r"cartesian_prod: expected 1-d tensors, but tensor 1 has shape \(2, 3\)"):
        ag.cartesian_prod(T(a, device), T(blocks[2], device))


def test_rot90_every_k_and_errors(device):
    torch = _torch()
    x = rand_array((2, 3, 4), seed=6)
    for k in range(-5, 6):
        for dims in ((0, 1), (2, 0), (-1, 1)):
            numpy.testing.assert_array_equal(host(T(x, device).rot90(k, dims)), torch.tensor(x).rot90(k, dims).numpy())
    with pytest.raises(ValueError, match=r"rot90: dims must name exactly 2 dimensions, got \(0, 1, 2\)"):
        T(x, device).rot90(1, (0, 1, 2))
    with pytest.raises(ValueError, match=r"rot90: the rotation dims must differ, got dims=\(1, -2\)"):
        T(x, device).rot90(1, (1, -2))
    with pytest.raises(ValueError, match=r"rot90: expected a tensor with at least 2 dimensions, got shape \(3,\)"):
        T(x[0, 0, :3], device).rot90()


def test_tril_triu_indices(device):
    torch = _torch()
    for row, col, off in ((3, 4, 0), (4, 3, 1), (3, 3, -1), (5, 2, -3), (0, 3, 0), (3, 4, 9)):
        lo = ag.tril_indices(row, col, off, device=device)
        up = ag.triu_indices(row, col, off, device=device)
        assert lo.dtype == ag.int64 and up.dtype == ag.int64 and str(lo.device) == str(ag.device(device))
        numpy.testing.assert_array_equal(host(lo), torch.tril_indices(row, col, off).numpy())
        numpy.testing.assert_array_equal(host(up), torch.triu_indices(row, col, off).numpy())
        numpy.testing.assert_array_equal(host(lo), numpy.stack(numpy.tril_indices(row, off, col)).reshape(2, -1))
    assert ag.tril_indices(3, 3, dtype=ag.int32).dtype == ag.int32
    with pytest.raises(ValueError, match=r"tril_indices: row and col must be non-negative, got row=-1, col=3"):
        ag.tril_indices(-1, 3)


# --- cross and dist ------------------------------------------------------------------------------
def test_cross_default_dim_broadcast_and_errors(device):
    torch = _torch()
    a, b = rand_array((3, 5), seed=7), rand_array((3, 5), seed=8)
    got = ag.cross(T(a, device), T(b, device))  # the first dim of size 3
    numpy.testing.assert_allclose(host(got), numpy.cross(a, b, axis=0), rtol=1e-13)
    u, w = rand_array((2, 1, 3), seed=9), rand_array((1, 4, 3), seed=10)
    got = ag.cross(T(u, device), T(w, device), dim=-1)
    numpy.testing.assert_allclose(host(got), torch.linalg.cross(torch.tensor(u), torch.tensor(w)).numpy(), rtol=1e-13)
    check_grads(lambda p, q: ag.cross(p, q, dim=2), u, w, device=device)
    with pytest.raises(ValueError, match=r"cross: dimension 1 must have size 3 in both inputs, got shapes "
                                         r"\(3, 2\) and \(3, 2\)"):
        ag.cross(T(a[:, :2], device), T(b[:, :2], device), dim=1)
    with pytest.raises(ValueError, match=r"cross: no dimension of size 3 in input of shape \(2, 2\)"):
        ag.cross(T(a[:2, :2], device), T(b[:2, :2], device))
    with pytest.raises(ValueError, match=r"cross: the inputs must have the same number of dimensions, got shapes "
                                         r"\(4, 3\) and \(3,\)"):
        ag.cross(T(V3, device), T(V3[0], device), dim=-1)


def test_dist_p0_and_errors(device):
    torch = _torch()
    a, b = numpy.array([[1.0, 2.0, 3.0]]), numpy.array([[1.0, 0.0, 3.5], [0.0, 2.0, 3.0]])
    for p in (0, 1, 2, 3.5, float("inf"), float("-inf")):
        numpy.testing.assert_allclose(host(ag.dist(T(a, device), T(b, device), p)),
                                      torch.dist(torch.tensor(a), torch.tensor(b), p).numpy(), rtol=1e-13)
    with pytest.raises(ValueError, match=r"dist: p must be non-negative \(or -inf\), got -1"):
        ag.dist(T(a, device), T(b, device), -1)
    with pytest.raises(TypeError, match="dist: expected floating-point tensors, got dtypes int64 and float64"):
        ag.dist(I([1, 2], device), T([1.0, 2.0], device))


# --- cumulative ----------------------------------------------------------------------------------
def test_cumprod_zeros_gradient_against_torch_and_dtypes(device):
    torch = _torch()
    x = numpy.array([[0.0, 2.0, 3.0, 0.0, 4.0], [1.5, 0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 1.0, 1.0, 1.0]])
    for dim in (0, 1, -1):
        compare_with_torch(lambda t: t.cumprod(dim), lambda t: t.cumprod(dim), x, device=device)
    # the second derivative against torch too (torch's double backward is exact at zeros as well)
    g = rand_array(x.shape, seed=11)
    ours = T(x, device, requires_grad=True)
    (gx,) = ag.grad((ours.cumprod(1) * T(g, device)).sum(), [ours], create_graph=True)
    (ggx,) = ag.grad((gx * gx).sum(), [ours])
    theirs = torch.tensor(x, requires_grad=True)
    (tgx,) = torch.autograd.grad((theirs.cumprod(1) * torch.tensor(g)).sum(), theirs, create_graph=True)
    (tggx,) = torch.autograd.grad((tgx * tgx).sum(), theirs)
    numpy.testing.assert_allclose(host(gx), tgx.detach().numpy(), rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(host(ggx), tggx.numpy(), rtol=1e-12, atol=1e-12)
    i = I([1, 2, 3, 4], device)
    assert i.cumprod(0).dtype == ag.int64 and host(i.cumprod(0)).tolist() == [1, 2, 6, 24]
    assert (i > 1).cumprod(0).dtype == ag.int64
    assert T(A, device).cumprod(0, dtype=ag.float32).dtype == ag.float32
    assert float(ag.cumprod(T(2.5, device), 0)) == 2.5
    with pytest.raises(IndexError, match=r"cumprod: dim 2 is out of range for a tensor with 2 dimension"):
        T(A, device).cumprod(2)


def test_cumprod_long_dim_gradient(device):
    x = rand_array((2, 37), seed=12, low=0.6, high=1.4)
    x[0, 5] = 0.0
    x[1, [3, 30]] = 0.0
    check_grads(lambda t: t.cumprod(1), x, device=device, fast_mode=True)


def test_cummax_cummin_ties_nan_against_torch(device):
    torch = _torch()
    x = numpy.array([[1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0], [2.0, 2.0, 0.0, 2.0, 4.0, 4.0, -1.0, 4.0]])
    for fn in ("cummax", "cummin"):
        for dim in (0, 1):
            ours, theirs = getattr(T(x, device), fn)(dim), getattr(torch.tensor(x), fn)(dim)
            numpy.testing.assert_array_equal(host(ours.values), theirs.values.numpy())
            numpy.testing.assert_array_equal(host(ours.indices), theirs.indices.numpy())
            assert ours.indices.dtype == ag.int64
    ties = x[1:]
    for fn in ("cummax", "cummin"):  # the gradient goes to the latest tied entry, as torch's
        compare_with_torch(lambda t: getattr(t, fn)(1).values, lambda t: getattr(t, fn)(1).values, ties, device=device)
    i = I([[3, 1, 3, 5]], device)
    ours = i.cummax(1)
    assert ours.values.dtype == ag.int64 and host(ours.indices).tolist() == [[0, 0, 2, 3]]
    v = ag.cummin(T(4.0, device), 0)
    assert v.values.shape == () and int(v.indices) == 0


def test_cummax_gradients_with_repeated_maxima(device):
    # distinct values, but the running max stays on one entry for many steps: its gradient accumulates there
    x = numpy.array([[0.5, 3.0, 1.0, 2.0, 4.0, -1.0], [2.0, -1.0, -2.0, 1.5, 0.3, 2.5]])
    check_grads(lambda t: t.cummax(1).values * t, x, device=device)
    check_grads(lambda t: t.cummin(0).values ** 2 + t.cummin(1).values, x, device=device)


def test_logcumsumexp_stable_and_float32(device):
    x = numpy.array([-1000.0, 0.0, 1000.0, 999.0, -1e4])
    y = host(T(x, device).logcumsumexp(0))
    numpy.testing.assert_allclose(y, numpy.logaddexp.accumulate(x), rtol=1e-14)
    check_grads(lambda t: t.logcumsumexp(0), x, device=device, fast_mode=True)
    compare_with_torch(lambda t: t.logcumsumexp(0), lambda t: t.logcumsumexp(0), x, device=device,
                       dtypes=("float64",))
    x32 = rand_array((3, 17), seed=13) * 40
    compare_with_torch(lambda t: t.logcumsumexp(1), lambda t: t.logcumsumexp(1), x32, device=device,
                       tol={"float32": dict(rtol=1e-4, atol=1e-4)})
    with pytest.raises(TypeError, match="logcumsumexp: expected a floating-point tensor, got dtype int64"):
        I([1, 2], device).logcumsumexp(0)


@pytest.mark.parametrize("op", ["logcumsumexp", "cumprod"])
def test_third_order_gradients(device, op):
    # gradcheck + gradgradcheck of the first derivative: the second and third derivatives, which run the
    # backward of the backward's own Functions (logcumsumexp's T and N, cumprod's scan)
    w = rand_array((2, 6), seed=17)
    x = rand_array((2, 6), seed=18) * (3.0 if op == "logcumsumexp" else 1.0)
    if op == "cumprod":
        x[0, 2] = x[1, 0] = x[1, 4] = 0.0

    def first(t):
        (g,) = ag.grad((getattr(t, op)(1) * T(w, device)).sum(), [t], create_graph=True)
        return g

    check_grads(first, x, device=device)


# --- counting ------------------------------------------------------------------------------------
def test_bincount_against_numpy_and_torch(device):
    torch = _torch()
    x = numpy.array([0, 3, 3, 1, 7, 3])
    w = numpy.array([0.5, 1.0, 2.0, -1.0, 0.25, 3.0])
    got = ag.bincount(I(x, device))
    assert got.dtype == ag.int64
    numpy.testing.assert_array_equal(host(got), numpy.bincount(x))
    numpy.testing.assert_array_equal(host(I(x, device).bincount(minlength=10)), numpy.bincount(x, minlength=10))
    for wd in (ag.float32, ag.float64):
        got = ag.bincount(I(x, device), T(w, device, dtype=wd))
        ref = torch.bincount(torch.tensor(x), torch.tensor(w, dtype=getattr(torch, wd.name)))
        assert got.dtype == wd and str(ref.dtype) == f"torch.{wd.name}"
        numpy.testing.assert_allclose(host(got), ref.numpy(), rtol=1e-6)
    assert ag.bincount(I(x, device), I(x, device)).dtype == ag.float64
    assert host(ag.bincount(I(numpy.zeros(0, numpy.int64), device), minlength=3)).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match=r"bincount: input must be 1-d, got shape \(2, 3\)"):
        ag.bincount(I(x.reshape(2, 3), device))
    with pytest.raises(ValueError, match="bincount: input must be non-negative, got a smallest value of -2"):
        ag.bincount(I([1, -2, 0], device))
    with pytest.raises(TypeError, match="bincount: input must be an integer tensor, got dtype float64"):
        ag.bincount(T(w, device))
    with pytest.raises(ValueError, match=r"bincount: weights must have the shape of input, got weights \(2,\)"):
        ag.bincount(I(x, device), T(w[:2], device))


def test_histc_against_torch(device):
    torch = _torch()
    x = numpy.array([1.0, 2.0, 1.0, 4.0, -0.5, 3.0, 0.0, 0.75, 2.25, NAN])
    for kw in (dict(bins=4, min=0, max=3), dict(bins=4), dict(bins=7, min=-1, max=5), dict(bins=3, min=1, max=1)):
        for dt in ("float32", "float64"):
            src = x[:-1] if kw.get("min", 0) == kw.get("max", 0) else x  # the data's own range needs finite data
            ours = T(src, device, dtype=dt).histc(**kw)
            ref = torch.tensor(src, dtype=getattr(torch, dt)).histc(**kw)
            assert ours.dtype == ag.tensor(0.0, dtype=dt).dtype
            numpy.testing.assert_array_equal(host(ours), ref.numpy(), err_msg=str(kw))
    numpy.testing.assert_array_equal(host(T([2.0, 2.0], device).histc(4)), [0.0, 0.0, 2.0, 0.0])
    with pytest.raises(ValueError, match=r"histc: range of \[nan, nan\] is not finite"):
        T(x, device).histc(4)
    with pytest.raises(ValueError, match=r"histc: max must be larger than min, got min=3 and max=1"):
        T(x, device).histc(4, 3, 1)
    with pytest.raises(ValueError, match="histc: bins must be a positive int, got 0"):
        T(x, device).histc(0)


def test_searchsorted_and_bucketize_against_torch(device):
    torch = _torch()
    seq = numpy.array([1.0, 3.0, 3.0, 5.0, 7.0])
    vals = numpy.array([[3.0, 6.0, 9.0, 0.0], [1.0, 7.0, 3.0, 4.9]])
    rows = numpy.array([[1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 10.0]])
    for right, side in ((False, None), (True, None), (False, "right"), (False, "left")):
        got = ag.searchsorted(T(seq, device), T(vals, device), right=right, side=side)
        ref = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right, side=side)
        assert got.dtype == ag.int64
        numpy.testing.assert_array_equal(host(got), ref.numpy())
        got = ag.searchsorted(T(rows, device), T(vals, device), right=right, side=side)
        numpy.testing.assert_array_equal(host(got), torch.searchsorted(torch.tensor(rows), torch.tensor(vals),
                                                                       right=right, side=side).numpy())
        numpy.testing.assert_array_equal(host(ag.bucketize(T(vals, device), T(seq, device), right=right)),
                                         torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right).numpy())
    numpy.testing.assert_array_equal(host(ag.searchsorted(T(seq, device), T(vals, device))),
                                     numpy.searchsorted(seq, vals))
    nan_seq = numpy.array([1.0, 3.0, NAN])
    nan_vals = numpy.array([NAN, 2.0, 5.0])
    for right in (False, True):
        numpy.testing.assert_array_equal(
            host(ag.searchsorted(T(nan_seq, device), T(nan_vals, device), right=right)),
            torch.searchsorted(torch.tensor(nan_seq), torch.tensor(nan_vals), right=right).numpy())
    shuffled = numpy.array([5.0, 1.0, 7.0, 3.0])
    order = numpy.argsort(shuffled)
    got = ag.searchsorted(T(shuffled, device), T(vals, device), sorter=I(order, device))
    numpy.testing.assert_array_equal(host(got), numpy.searchsorted(shuffled, vals, sorter=order))
    scalar = ag.searchsorted(T(seq, device), 4.0)
    assert scalar.shape == () and int(scalar) == 3
    assert ag.searchsorted(T(seq, device), T(vals, device), out_int32=True).dtype == ag.int32
    assert host(ag.searchsorted(I([1, 3, 5], device), I([[0, 3, 6]], device))).tolist() == [[0, 1, 3]]
    with pytest.raises(ValueError, match="searchsorted: side='left' and right=True contradict each other"):
        ag.searchsorted(T(seq, device), T(vals, device), right=True, side="left")
    with pytest.raises(ValueError, match=r"searchsorted: an N-d sorted_sequence of shape \(2, 5\) needs values with "
                                         r"the same leading dims \(2,\), got values of shape \(3, 4\)"):
        ag.searchsorted(T(rows, device), T(numpy.zeros((3, 4)), device))
    with pytest.raises(ValueError, match=r"bucketize: boundaries must be 1-d, got shape \(2, 5\)"):
        ag.bucketize(T(vals, device), T(rows, device))


# --- NaN-skipping statistics and quantiles -------------------------------------------------------
XN = numpy.array([[1.0, NAN, 3.0, -2.0], [NAN, NAN, NAN, NAN], [0.5, 2.0, NAN, 4.0]])


def test_nansum_nanmean_gradient_zero_at_nan(device):
    torch = _torch()
    for fn, kw in (("nansum", {}), ("nansum", dict(dim=1)), ("nanmean", dict(dim=1, keepdim=True)),
                   ("nanmean", {}), ("nanmean", dict(dim=0))):
        ours = T(XN, device, requires_grad=True)
        theirs = torch.tensor(XN, requires_grad=True)
        y, ty = getattr(ours, fn)(**kw), getattr(theirs, fn)(**kw)
        numpy.testing.assert_allclose(host(y), ty.detach().numpy(), rtol=1e-14)
        g = rand_array(tuple(ty.shape), seed=14)
        y.backward(T(g, device))
        ty.backward(torch.tensor(g))
        # torch's gradient in the all-NaN row is 0 / 0 = NaN for nanmean; ours is 0 there (documented)
        numpy.testing.assert_allclose(host(ours.grad)[[0, 2]], theirs.grad.numpy()[[0, 2]], rtol=1e-14)
        assert not host(ours.grad)[numpy.isnan(XN)].any()
    assert ag.nansum(I([1, 2], device)).dtype == ag.int64
    assert ag.nansum(T(XN, device), dtype=ag.float32).dtype == ag.float32
    with pytest.raises(TypeError, match="nanmean: expected a floating-point tensor, got dtype int64"):
        ag.nanmean(I([1, 2], device))


MODES = ("linear", "lower", "higher", "midpoint", "nearest")


@pytest.mark.parametrize("mode", MODES)
def test_quantile_every_interpolation(device, mode):
    torch = _torch()
    x = rand_array((3, 6), seed=15)
    q = numpy.array([0.0, 0.1, 0.25, 0.5, 0.7, 1.0])
    for qq, kw in ((0.3, dict(dim=1)), (q, dict(dim=0, keepdim=True)), (0.45, {}), (q, {}),
                   (0.6, dict(dim=-1, keepdim=True)), (q, dict(keepdim=True))):
        def ours(t):
            return t.quantile(T(qq, device) if isinstance(qq, numpy.ndarray) else qq, interpolation=mode, **kw)

        def theirs(t):
            return t.quantile(torch.tensor(qq, dtype=t.dtype) if isinstance(qq, numpy.ndarray) else qq,
                              interpolation=mode, **kw)

        compare_with_torch(ours, theirs, x, device=device, dtypes=("float64",))
        if mode != "nearest":
            ref = numpy.quantile(x, qq, axis=kw.get("dim"), keepdims=kw.get("keepdim", False), method=mode)
            numpy.testing.assert_allclose(host(ours(T(x, device))), ref, rtol=1e-13)
    check_grads(lambda t: t.quantile(T(q[1:-1], device), dim=1, interpolation=mode), x, device=device)
    check_grads(lambda t: t.nanquantile(0.35, interpolation=mode), x, device=device)
    compare_with_torch(lambda t: t.quantile(0.4, dim=0, interpolation=mode),
                       lambda t: t.quantile(0.4, dim=0, interpolation=mode), x, device=device, dtypes=("float32",))


@pytest.mark.parametrize("mode", MODES)
def test_nanquantile_and_nan_slices(device, mode):
    torch = _torch()
    x = XN
    for fn in ("quantile", "nanquantile"):
        for qq, kw in ((0.3, dict(dim=1)), (0.5, dict(dim=0)), (0.75, {}), (numpy.array([0.2, 0.9]), dict(dim=1))):
            ours = getattr(T(x, device), fn)(T(qq, device) if isinstance(qq, numpy.ndarray) else qq,
                                              interpolation=mode, **kw)
            theirs = getattr(torch.tensor(x), fn)(torch.tensor(qq) if isinstance(qq, numpy.ndarray) else qq,
                                                  interpolation=mode, **kw)
            numpy.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-14, err_msg=f"{fn} {qq} {kw}")
    # the gradient of nanquantile at the non-NaN entries, against torch
    ours = T(XN[[0, 2]], device, requires_grad=True)
    theirs = torch.tensor(XN[[0, 2]], requires_grad=True)
    ours.nanquantile(0.4, dim=1, interpolation=mode).sum().backward()
    theirs.nanquantile(0.4, dim=1, interpolation=mode).sum().backward()
    numpy.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-14)


def test_quantile_errors(device):
    x = T(A, device)
    with pytest.raises(ValueError, match=r"quantile: q must be in \[0, 1\], got 1.5"):
        x.quantile(1.5)
    with pytest.raises(ValueError, match=r"nanquantile: q values must be in \[0, 1\], got -0.25 "
                                         r"\(q=\[0.5, -0.25\]\)"):
        x.nanquantile(T([0.5, -0.25], device))
    with pytest.raises(ValueError, match="quantile: interpolation must be one of linear, lower, higher, midpoint, "
                                         "nearest, got 'cubic'"):
        x.quantile(0.5, interpolation="cubic")
    with pytest.raises(TypeError, match="quantile: expected a floating-point tensor, got dtype int64"):
        I([1, 2], device).quantile(0.5)
    with pytest.raises(ValueError, match=r"quantile: q must be a number or a 0-d or 1-d tensor, got shape \(1, 2\)"):
        x.quantile(T([[0.5, 0.2]], device))
    with pytest.raises(ValueError, match=r"quantile: expected a non-empty tensor, got shape \(0,\)"):
        T(numpy.zeros(0), device).quantile(0.5)


def test_nanmedian_against_torch(device):
    torch = _torch()
    x = numpy.array([[3.0, NAN, 1.0, 2.0], [NAN, NAN, NAN, NAN], [5.0, -1.0, 0.5, NAN], [4.0, 3.0, 2.0, 1.0]])
    for dim, keep in ((0, False), (1, False), (1, True), (-1, False)):
        ours, theirs = T(x, device).nanmedian(dim, keep), torch.tensor(x).nanmedian(dim, keep)
        numpy.testing.assert_array_equal(host(ours.values), theirs.values.numpy())
        idx, tidx = host(ours.indices).reshape(-1), theirs.indices.numpy().reshape(-1)
        some = numpy.array([not numpy.isnan(v) for v in theirs.values.numpy().reshape(-1)])
        numpy.testing.assert_array_equal(idx[some], tidx[some])  # torch's index in an all-NaN slice is unspecified
        assert ours.indices.dtype == ag.int64 and ours.indices.shape == theirs.indices.shape
    assert host(T(x, device).nanmedian()) == torch.tensor(x).nanmedian().item()
    assert numpy.isnan(host(T(x[1], device).nanmedian()))
    compare_with_torch(lambda t: t.nanmedian(1).values, lambda t: t.nanmedian(1).values, x[[0, 2, 3]], device=device)
    check_grads(lambda t: t.nanmedian(0).values, rand_array((5, 3), seed=16), device=device)


# --- specials ------------------------------------------------------------------------------------
def test_erfc_tail_precision_and_dtypes(device):
    torch = _torch()
    special = pytest.importorskip("scipy.special")
    x = numpy.concatenate([numpy.linspace(-6, 2, 50), numpy.linspace(2, 26, 60)])
    numpy.testing.assert_allclose(host(T(x, device).erfc()), special.erfc(x), rtol=1e-14, atol=0)
    x32 = numpy.linspace(-3, 9, 40)
    numpy.testing.assert_allclose(host(T(x32, device, dtype=ag.float32).erfc()),
                                  torch.tensor(x32, dtype=torch.float32).erfc().numpy(), rtol=1e-5, atol=1e-30)
    check_grads(lambda t: t.erfc(), numpy.array([-1.0, 0.3, 2.5, 4.0]), device=device)
    for fn in ("erfc", "sinc", "deg2rad", "rad2deg"):  # integer inputs compute in float32, as torch
        assert getattr(I([0, 1, 2], device), fn)().dtype == ag.float32
        # (at whole numbers sinc is exactly 0; torch's sin(pi x) of the rounded pi x gives 2.8e-8 there)
        numpy.testing.assert_allclose(host(getattr(I([0, 1, 2], device), fn)()),
                                      getattr(torch.tensor([0, 1, 2]), fn)().numpy(), rtol=1e-6,
                                      atol=3e-8 if fn == "sinc" else 0)


def test_sinc_at_zero(device):
    torch = _torch()
    x = T([0.0, 1.0, -2.5], device, requires_grad=True)
    (g,) = ag.grad(x.sinc().sum(), [x], create_graph=True)
    tx = torch.tensor([0.0, 1.0, -2.5], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(tx.sinc().sum(), tx)
    numpy.testing.assert_allclose(host(g), tg.numpy(), rtol=1e-13)
    assert host(x.sinc())[0] == 1.0 and host(g)[0] == 0.0
    (gg,) = ag.grad(g.sum(), [x])
    assert math.isclose(host(gg)[0], -math.pi ** 2 / 3, rel_tol=1e-12)  # sinc''(0), exact
    check_grads(lambda t: t.sinc(), numpy.array([1e-3, -0.2, 0.5, 1.5]), device=device)


def test_queries(device):
    x = T(A, device)
    assert ag.is_tensor(x) and not ag.is_tensor(A) and not ag.is_tensor([1.0])
    assert ag.numel(x) == 12 and isinstance(ag.numel(x), int)
    assert ag.is_nonzero(T([0.5], device)) is True and ag.is_nonzero(I([[0]], device)) is False
    assert T(-1.0, device).is_nonzero() is True
    with pytest.raises(RuntimeError, match=r"is_nonzero: expected a tensor with exactly one entry, got shape \(3, 4\)"):
        ag.is_nonzero(x)
    with pytest.raises(RuntimeError, match=r"got shape \(0,\) \(0 entries\)"):
        ag.is_nonzero(T(numpy.zeros(0), device))
    with pytest.raises(TypeError, match="numel: expected a tensor, got list"):
        ag.numel([1, 2])


def test_methods_follow_torch():
    torch = _torch()
    for name in ("cumprod", "cummax", "cummin", "logcumsumexp", "bincount", "histc", "nansum", "nanmean",
                 "quantile", "nanquantile", "nanmedian", "sinc", "deg2rad", "rad2deg", "erfc", "cross", "dist",
                 "rot90", "is_nonzero", "numel"):
        assert hasattr(torch.Tensor, name) and hasattr(ag.Tensor, name), name
    for name in ("broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d", "hstack",
                 "vstack", "dstack", "column_stack", "row_stack", "block_diag", "cartesian_prod", "tril_indices",
                 "triu_indices", "searchsorted", "bucketize", "is_tensor"):
        assert callable(getattr(ag, name)) and hasattr(torch, name), name


def test_inplace_forms_of_the_new_functions(device):
    torch = torch_or_skip()
    a = numpy.array([0.5, 1.5, -2.0, 0.25])
    for name, args in (("cumprod_", (0,)), ("cumsum_", (0,)), ("sinc_", ()), ("deg2rad_", ()), ("rad2deg_", ()),
                       ("erfc_", ()), ("exp2_", ())):
        x, t = ag.tensor(a, device=device), torch.tensor(a)
        assert getattr(x, name)(*args) is x
        getattr(t, name)(*args)
        numpy.testing.assert_allclose(host(x), t.numpy(), rtol=1e-13, atol=4e-17 if name == "sinc_" else 0,
                                      err_msg=name)  # (sinc(-2) is exactly 0; torch's is -3.9e-17)

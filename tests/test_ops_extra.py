"""ops/extra.py: select, tile, index_fill/index_copy (and their in-place forms), take_along_dim, tensor_split,
h/v/dsplit, msort, positive, sgn, the comparison and in-place aliases, mv, inner, vdot, addmv, addr, ger, fmax,
fmin, copysign, signbit, heaviside, isposinf/isneginf/isreal, logaddexp2, float_power, aminmax, argwhere,
diag_embed, diagflat, sum_to_size, the queries (is_same_size, is_signed, is_cpu, get_device, data_ptr,
storage_offset), short/char/byte, unique_consecutive, lgamma, digamma, polygamma, erfinv (and the backends' generic
kernels for them). Gradcheck and gradgradcheck in float64, PyTorch as the oracle for values, gradients and dtypes,
errors that name what was passed, and a run on the strict stand-in for a GPU."""

import math

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import backends
from autograd_core.tensor import make_tensor
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

NAN, INF = float("nan"), float("inf")


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def IDX(m, values):
    """An int64 index tensor of library ``m`` (autograd_core or torch)."""
    if m is ag:
        return ag.tensor(numpy.asarray(values, dtype=numpy.int64))
    return m.tensor(values, dtype=m.int64)


def IDXD(m, values, device):
    if m is ag:
        return ag.tensor(numpy.asarray(values, dtype=numpy.int64), device=device)
    return m.tensor(values, dtype=m.int64)


A = rand_array((3, 4), seed=1)
B = rand_array((3, 4), seed=2)
A3 = rand_array((2, 3, 4), seed=3)
V4 = rand_array((4,), seed=4)
V3 = rand_array((3,), seed=5)
M34 = rand_array((3, 4), seed=6)
S32 = rand_array((3, 2), seed=7)
POS = rand_array((3, 4), seed=8, low=0.3, high=4.0)
NEG = rand_array((3, 4), seed=9, low=-3.9, high=-0.1, away=0.1, kinks=(-1.0, -2.0, -3.0))
U = rand_array((3, 4), seed=10, low=-0.9, high=0.9)
TIES = numpy.array([[1.0, 2.0, 2.0, -1.0], [0.5, 0.5, 3.0, 1.0], [4.0, -2.0, 1.0, 1.5]])
SCALAR = numpy.array(2.5)


def _weighted(m, parts, dim):
    """The pieces scaled by 1, 2, 3, ... and joined again (so each piece's gradient is told apart)."""
    return m.cat([p * (i + 1) for i, p in enumerate(parts)], dim)


# (name, fn(m, *tensors) for m = autograd_core or torch, inputs, dtypes compared with torch)
CASES = [
    ("select", lambda m, x: x.select(1, -2) + m.select(x, 0, 1)[:3, None].sum(), (A,)),
    ("tile", lambda m, x: x.tile((2, 1, 3)), (A,)),
    ("tile_short", lambda m, x: m.tile(x, (2,)), (A,)),
    ("index_fill", lambda m, x: x.index_fill(1, IDX(m, [0, 2]), -1.5), (A,)),
    ("index_fill_neg", lambda m, x: m.index_fill(x, 0, IDX(m, [-1]), 2.0), (A,)),
    ("index_fill_tensor_value", lambda m, x, v: x.index_fill(0, IDX(m, [2, 0]), v), (A, SCALAR)),
    ("index_copy", lambda m, x, s: x.index_copy(1, IDX(m, [3, 0]), s), (A, S32)),
    ("index_copy_dim0", lambda m, x, s: m.index_copy(x, 0, IDX(m, [1]), s), (A, rand_array((1, 4), 11))),
    ("take_along_dim", lambda m, x: m.take_along_dim(x, IDX(m, [[0, 3], [2, 2], [1, 0]]), dim=1), (A,)),
    ("take_along_dim_bcast", lambda m, x: x.take_along_dim(IDX(m, [[[2, 0, 1, 1]]]), 1), (A3,)),
    ("take_along_dim_flat", lambda m, x: m.take_along_dim(x, IDX(m, [11, 0, 5, 5])), (A,)),
    ("tensor_split_sections", lambda m, x: _weighted(m, m.tensor_split(x, 3, dim=1), 1), (A,)),
    ("tensor_split_indices", lambda m, x: _weighted(m, x.tensor_split([1, -1, 5], 1), 1), (A,)),
    ("hsplit", lambda m, x: _weighted(m, m.hsplit(x, 2), 1), (A,)),
    ("vsplit", lambda m, x: _weighted(m, x.vsplit([1]), 0), (A,)),
    ("dsplit", lambda m, x: _weighted(m, m.dsplit(x, [1, 3]), 2), (A3,)),
    ("moveaxis", lambda m, x: x.moveaxis(0, -1) * m.moveaxis(x, (0, 1), (2, 0)), (A3,)),
    ("swapdims", lambda m, x: m.swapdims(x, 0, 2) + x.swapdims(2, 0), (A3,)),
    ("msort", lambda m, x: x.msort() + m.msort(x), (A,)),
    ("positive", lambda m, x: m.positive(x) * 2.0 + x.positive(), (A,)),
    ("sgn", lambda m, x: x.sgn() * x + m.sgn(x), (A,)),
    ("mv", lambda m, a, v: m.mv(a, v) + a.mv(v), (M34, V4)),
    ("inner", lambda m, a, b: m.inner(a, b), (A3, M34)),
    ("inner_1d", lambda m, a, b: a.inner(b), (V4, V4 * 2)),
    ("vdot", lambda m, a, b: m.vdot(a, b), (V4, rand_array((4,), 12))),
    ("addmv", lambda m, x, a, v: m.addmv(x, a, v, beta=0.5, alpha=-2.0), (V3, M34, V4)),
    ("addmv_bcast", lambda m, x, a, v: x.addmv(a, v), (numpy.array([1.5]), M34, V4)),
    ("addr", lambda m, x, a, b: m.addr(x, a, b, beta=2.0, alpha=0.5), (M34, V3, V4)),
    ("ger", lambda m, a, b: m.ger(a, b) + a.ger(b), (V3, V4)),
    ("fmax", lambda m, a, b: m.fmax(a, b), (A, B)),
    ("fmin", lambda m, a, b: a.fmin(b), (A, B)),
    ("fmax_ties", lambda m, a, b: m.fmax(a, b) + m.fmin(a, b) * 2, (TIES, TIES.T.reshape(3, 4))),
    ("copysign", lambda m, a, b: m.copysign(a, b), (A, B)),
    ("copysign_bcast", lambda m, a, b: a.copysign(b), (A, V4)),
    ("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), (A * 20, B * 20)),
    ("aminmax", lambda m, x: (lambda r: r.min * 2 + r.max)(m.aminmax(x, dim=1)), (A,)),
    ("aminmax_all", lambda m, x: (lambda r: r[0] - r[1] * 3)(x.aminmax()), (A,)),
    ("aminmax_keepdim", lambda m, x: (lambda r: r.max * r.min)(x.aminmax(dim=0, keepdim=True)), (A,)),
    ("diag_embed", lambda m, x: m.diag_embed(x), (A,)),
    ("diag_embed_offset_dims", lambda m, x: x.diag_embed(1, 0, 2), (A,)),
    ("diag_embed_neg", lambda m, x: m.diag_embed(x, -2, -1, 1), (A3,)),
    ("diagflat", lambda m, x: m.diagflat(x, -1) + 0, (A,)),
    ("diagflat_method", lambda m, x: x.diagflat(2), (V3,)),
    ("sum_to_size", lambda m, x: x.sum_to_size(1, 4) * 2 + x.sum_to_size((3, 1)).sum(), (A,)),
    ("lgamma", lambda m, x: m.lgamma(x), (POS,)),
    ("lgamma_negative", lambda m, x: x.lgamma(), (NEG,)),
    ("digamma", lambda m, x: m.digamma(x), (POS,)),
    ("digamma_negative", lambda m, x: x.digamma(), (NEG,)),
    ("polygamma1", lambda m, x: m.polygamma(1, x), (POS,)),
    ("polygamma2", lambda m, x: x.polygamma(2), (POS,)),
    ("erfinv", lambda m, x: m.erfinv(x), (U,)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_grads(device, name, fn, arrays):
    if name == "fmax_ties":
        pytest.skip("not differentiable at ties (finite differences see the kink); compared with torch below")
    check_grads(lambda *xs: fn(ag, *xs), *arrays, device=device)


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=IDS)
def test_matches_torch(device, name, fn, arrays):
    torch = torch_or_skip()
    tol = {"float32": dict(rtol=2e-4, atol=2e-5)}
    if name.startswith(("digamma", "polygamma")):  # torch's CPU trigamma is off by 5e-10 (at 1); SciPy's is exact
        tol["float64"] = dict(rtol=1e-8, atol=1e-10)
    compare_with_torch(lambda *xs: fn(ag, *xs), lambda *xs: fn(torch, *xs), *arrays, device=device, tol=tol)


def test_float_power_is_float64_against_torch(device):
    torch = torch_or_skip()
    x32 = ag.tensor(POS, dtype=ag.float32, device=device, requires_grad=True)
    t32 = torch.tensor(POS, dtype=torch.float32, requires_grad=True)
    e = ag.tensor(A, device=device, dtype=ag.float64, requires_grad=True)
    te = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    y, ty = ag.float_power(x32, e), torch.float_power(t32, te)
    assert y.dtype == ag.float64
    numpy.testing.assert_allclose(host(y), host(ty), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    assert x32.grad.dtype == ag.float32
    numpy.testing.assert_allclose(host(x32.grad), host(t32.grad), rtol=1e-6)
    numpy.testing.assert_allclose(host(e.grad), host(te.grad), rtol=1e-12)
    for ours, theirs in ((x32.float_power(2), t32.float_power(2)), (ag.float_power(2.0, e), torch.float_power(2.0, te)),
                         (ag.float_power(ag.tensor([2, 3], device=device), -1),
                          torch.float_power(torch.tensor([2, 3]), -1))):
        assert ours.dtype == ag.float64 and ours.shape == tuple(theirs.shape)
        numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6)
    check_grads(lambda a, b: ag.float_power(a, b), POS, A, device=device)
    with pytest.raises(TypeError, match="float_power: expected at least one tensor, got float and int"):
        ag.float_power(2.0, 3)


def test_fmax_fmin_nan_against_torch(device):
    a = numpy.array([1.0, NAN, 3.0, NAN, -1.0, 2.0])
    b = numpy.array([NAN, 2.0, 1.0, NAN, -1.0, 5.0])
    compare_with_torch(lambda x, y: ag.fmax(x, y), lambda x, y: torch_or_skip().fmax(x, y), a, b, device=device)
    compare_with_torch(lambda x, y: ag.fmin(x, y), lambda x, y: torch_or_skip().fmin(x, y), a, b, device=device)
    y = ag.fmax(T(a, device), T(b, device))
    numpy.testing.assert_array_equal(host(y), numpy.fmax(a, b))
    ints = ag.fmin(ag.tensor([1, 5, 3], device=device), ag.tensor([2, 2, 2], device=device))
    assert ints.dtype == ag.int64 and ints.tolist() == [1, 2, 2]
    with pytest.raises(ValueError, match=r"fmax: shapes \(3,\) and \(2,\) cannot be broadcast together"):
        ag.fmax(T([1.0, 2.0, 3.0], device), T([1.0, 2.0], device))


def test_copysign_signed_zeros_and_integers(device):
    torch = torch_or_skip()
    a = numpy.array([1.5, -2.0, 0.0, -0.0, 3.0, 0.0])
    b = numpy.array([-0.0, 0.0, -1.0, 2.0, NAN, -INF])
    y = ag.copysign(T(a, device), T(b, device))
    ty = torch.copysign(torch.tensor(a), torch.tensor(b))
    numpy.testing.assert_array_equal(numpy.signbit(host(y)), numpy.signbit(host(ty)))
    numpy.testing.assert_array_equal(host(y), host(ty))
    compare_with_torch(lambda x, z: ag.copysign(x, z), lambda x, z: torch.copysign(x, z), a, b[[0, 1, 2, 3, 5, 5]],
                       device=device)
    yi = ag.copysign(ag.tensor([1, -2, 3], device=device), -1)
    ti = torch.copysign(torch.tensor([1, -2, 3]), -1)
    assert yi.dtype == ag.float32 and ti.dtype == torch.float32
    numpy.testing.assert_array_equal(host(yi), host(ti))


def test_predicates_against_torch(device):
    torch = torch_or_skip()
    a = numpy.array([[1.5, -0.0, 0.0, -INF], [INF, NAN, -2.0, 3.0]])
    x, t = T(a, device), torch.tensor(a)
    for name in ("signbit", "isposinf", "isneginf", "isreal"):
        ours, theirs = getattr(ag, name)(x), getattr(torch, name)(t)
        assert ours.dtype == ag.bool and not ours.requires_grad
        numpy.testing.assert_array_equal(host(ours), host(theirs), err_msg=name)
        numpy.testing.assert_array_equal(host(getattr(x, name)()), host(theirs), err_msg=name)
    i = ag.tensor([[-1, 0, 2]], device=device)
    ti = torch.tensor([[-1, 0, 2]])
    for name in ("signbit", "isposinf", "isneginf", "isreal"):
        numpy.testing.assert_array_equal(host(getattr(ag, name)(i)), host(getattr(torch, name)(ti)), err_msg=name)
    for name, op in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"), ("less_equal", "le"),
                     ("not_equal", "ne")):
        y = T(numpy.array([[1.5, 0.0, 1.0, 1.0], [0.0, 0.0, -2.0, 4.0]]), device)
        ty = torch.tensor(host(y))
        for ours in (getattr(ag, name)(x, y), getattr(x, name)(y), getattr(x, name)(1.0)):
            assert ours.dtype == ag.bool
        numpy.testing.assert_array_equal(host(getattr(ag, name)(x, y)), host(getattr(torch, name)(t, ty)))
        numpy.testing.assert_array_equal(host(getattr(x, name)(1.0)), host(getattr(t, op)(1.0)))


def test_heaviside_against_torch(device):
    torch = torch_or_skip()
    a = numpy.array([-1.5, 0.0, 2.0, -0.0, NAN])
    for v in (numpy.array([0.5]), numpy.array([0.1, 0.2, 0.3, 0.4, 0.5])):
        ours = ag.heaviside(T(a, device), T(v, device))
        theirs = torch.heaviside(torch.tensor(a), torch.tensor(v))
        numpy.testing.assert_array_equal(host(ours), host(theirs))
    i = ag.tensor([-2, 0, 3], device=device).heaviside(ag.tensor([7], device=device))
    assert i.dtype == ag.int64 and i.tolist() == [0, 7, 1]
    with pytest.raises(TypeError, match="heaviside: input and values must have the same dtype, got float64 and int64"):
        ag.heaviside(T(a, device), ag.tensor([1], device=device))
    with pytest.raises(ValueError, match=r"heaviside: shapes \(5,\) and \(2,\) cannot be broadcast"):
        ag.heaviside(T(a, device), T([1.0, 2.0], device))


def test_argwhere_and_unique_consecutive_against_torch(device):
    torch = torch_or_skip()
    a = numpy.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    numpy.testing.assert_array_equal(host(ag.argwhere(T(a, device))), host(torch.argwhere(torch.tensor(a))))
    assert T(a, device).argwhere().dtype == ag.int64
    v = numpy.array([1, 1, 2, 2, 3, 1, 1, 2, 2, 2])
    x, t = ag.tensor(v, device=device), torch.tensor(v)
    for kw in ({}, dict(return_inverse=True), dict(return_counts=True), dict(return_inverse=True, return_counts=True)):
        ours, theirs = ag.unique_consecutive(x, **kw), torch.unique_consecutive(t, **kw)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        assert len(ours) == len(theirs)
        for o, h in zip(ours, theirs):
            assert o.dtype == ag.int64 and tuple(o.shape) == tuple(h.shape)
            numpy.testing.assert_array_equal(host(o), host(h))
    m = numpy.array([[1.0, 1.0, 2.0, 2.0, 1.0], [0.0, 0.0, 0.0, 5.0, 0.0], [1.0, 1.0, 2.0, 2.0, 1.0]])
    for dim in (0, 1, -1):
        ours = T(m, device).unique_consecutive(return_inverse=True, return_counts=True, dim=dim)
        theirs = torch.tensor(m).unique_consecutive(return_inverse=True, return_counts=True, dim=dim)
        for o, h in zip(ours, theirs):
            assert tuple(o.shape) == tuple(h.shape), dim
            numpy.testing.assert_array_equal(host(o), host(h))
    f = numpy.array([[NAN, NAN, 1.0], [1.0, 2.0, 2.0]])
    numpy.testing.assert_array_equal(host(ag.unique_consecutive(T(f, device), return_counts=True)[1]),
                                     host(torch.unique_consecutive(torch.tensor(f), return_counts=True)[1]))
    empty = ag.unique_consecutive(T(numpy.zeros((0,)), device), return_inverse=True, return_counts=True)
    assert [tuple(e.shape) for e in empty] == [(0,), (0,), (0,)]
    with pytest.raises(IndexError, match=r"unique_consecutive: dim 2 is out of range for a tensor with 2 dimension"):
        T(m, device).unique_consecutive(dim=2)


def test_queries_and_conversions(device):
    torch = torch_or_skip()
    x = T(A, device)
    assert ag.is_same_size(x, T(B, device)) and not x.is_same_size(T(V4, device))
    for dt, signed in ((ag.float32, True), (ag.int8, True), (ag.int64, True), (ag.uint8, False), (ag.bool, False)):
        assert ag.ones(2, dtype=dt).is_signed() is signed and ag.is_signed(ag.ones(2, dtype=dt)) is signed
        assert torch.ones(2, dtype=getattr(torch, str(dt).split(".")[-1])).is_signed() is signed
    assert x.is_cpu is (device == "cpu")
    assert x.get_device() == (-1 if device == "cpu" else ag.device(device).index or 0)
    for name, want in (("short", ag.int16), ("char", ag.int8), ("byte", ag.uint8)):
        y = T([[1.7, -2.2]], device).__getattribute__(name)() if name != "byte" else T([[1.7, 2.2]], device).byte()
        assert y.dtype == want and y.device == x.device
        ty = getattr(torch.tensor([[1.7, -2.2]] if name != "byte" else [[1.7, 2.2]]), name)()
        assert y.tolist() == ty.tolist()
    # storage offsets and addresses of views, as PyTorch's
    base = ag.arange(24.0, device=device).reshape(4, 6)
    tbase = torch.arange(24.0).reshape(4, 6)
    for view in (lambda v: v, lambda v: v[1:], lambda v: v[1:, 2:], lambda v: v[2], lambda v: v[:, 3],
                 lambda v: v.t()[1:], lambda v: v.select(1, 4), lambda v: v.narrow(0, 2, 1)):
        assert view(base).storage_offset() == view(tbase).storage_offset()
        assert view(base).data_ptr() - base.data_ptr() == view(tbase).data_ptr() - tbase.data_ptr()
    assert ag.tensor([1.0, 2.0], device=device).storage_offset() == 0
    if device == "cpu":
        assert base.data_ptr() == base.numpy().__array_interface__["data"][0]


def test_inplace_forms_and_aliases(device):
    torch = torch_or_skip()
    for name, arg in (("multiply_", 2.0), ("divide_", 4.0), ("true_divide_", 2.0), ("subtract_", 1.5)):
        x, t = T(A, device), torch.tensor(A)
        assert getattr(x, name)(arg) is x
        getattr(t, name)(arg)
        numpy.testing.assert_allclose(host(x), host(t), rtol=1e-15)
    x, t = T(A, device), torch.tensor(A)
    x.subtract_(T(B, device), alpha=2)
    t.subtract_(torch.tensor(B), alpha=2)
    numpy.testing.assert_allclose(host(x), host(t), rtol=1e-15)
    cases = [("index_fill_", lambda m: (1, IDXD(m, [0, 3], device), -2.0)),
             ("index_copy_", lambda m: (0, IDXD(m, [2], device), (T if m is ag else torch.tensor)(
                 numpy.ones((1, 4)), *((device,) if m is ag else ())))),
             ("lgamma_", lambda m: ()), ("digamma_", lambda m: ()), ("sgn_", lambda m: ()),
             ("copysign_", lambda m: (-1.0,))]
    for name, args in cases:
        src = POS if name in ("lgamma_", "digamma_") else A
        x, t = T(src, device), torch.tensor(src)
        assert getattr(x, name)(*args(ag)) is x
        getattr(t, name)(*args(torch))
        numpy.testing.assert_allclose(host(x), host(t), rtol=1e-12, err_msg=name)
    u = T(U, device)
    u.erfinv_()
    numpy.testing.assert_allclose(host(u), host(torch.tensor(U).erfinv_()), rtol=1e-12)
    leaf = T(A, device, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_fill_: a leaf tensor that requires grad"):
        leaf.index_fill_(0, IDXD(ag, [0], device), 1.0)


def test_special_functions_edges_against_torch(device):
    torch = torch_or_skip()
    a = numpy.array([0.5, 1.0, 2.0, 1e-8, 30.0, 171.5, -0.5, -2.5, 1e5])
    for name in ("lgamma", "digamma"):
        for dt in ("float32", "float64"):
            ours = getattr(ag, name)(ag.tensor(a, dtype=dt, device=device))
            theirs = getattr(torch, name)(torch.tensor(a, dtype=getattr(torch, dt)))
            assert ours.dtype == ag.tensor(0.0, dtype=dt).dtype
            numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-5 if dt == "float32" else 1e-12,
                                          err_msg=f"{name} {dt}")
    poles = numpy.array([0.0, -1.0, -3.0])
    numpy.testing.assert_array_equal(host(ag.lgamma(T(poles, device))), host(torch.lgamma(torch.tensor(poles))))
    assert host(ag.digamma(T([0.0], device)))[0] == -INF
    e = numpy.array([-1.0, -0.999999, 0.0, 0.3, 0.999, 1.0, 1.5])
    numpy.testing.assert_allclose(host(ag.erfinv(T(e, device))), host(torch.erfinv(torch.tensor(e))), rtol=1e-12)
    for n in (0, 1, 2, 3):
        ours = ag.polygamma(n, T(a[:6], device))
        numpy.testing.assert_allclose(host(ours), host(torch.polygamma(n, torch.tensor(a[:6]))), rtol=1e-8)
    numpy.testing.assert_allclose(host(ag.polygamma(1, T([1.0, 2.0], device))),
                                  [math.pi ** 2 / 6, math.pi ** 2 / 6 - 1], rtol=1e-15)
    ints = ag.lgamma(ag.tensor([1, 2, 5], device=device))
    assert ints.dtype == ag.float32
    # third-order gradients: lgamma -> digamma -> trigamma -> polygamma(2)
    x = T([1.7, 3.2], device, requires_grad=True)
    (g1,) = ag.grad(ag.lgamma(x).sum(), x, create_graph=True)
    (g2,) = ag.grad(g1.sum(), x, create_graph=True)
    (g3,) = ag.grad(g2.sum(), x)
    tx = torch.tensor([1.7, 3.2], dtype=torch.float64)
    numpy.testing.assert_allclose(host(g1), host(torch.digamma(tx)), rtol=1e-12)
    numpy.testing.assert_allclose(host(g2), host(torch.polygamma(1, tx)), rtol=1e-8)
    numpy.testing.assert_allclose(host(g3), host(torch.polygamma(2, tx)), rtol=1e-8)
    with pytest.raises(ValueError, match="polygamma: n must be non-negative, got -1"):
        ag.polygamma(-1, T([1.0], device))
    with pytest.raises(TypeError, match="polygamma: n must be an int, got float 1.5"):
        ag.polygamma(1.5, T([1.0], device))


class _GenericOnly(backends.NumpyBackend):
    """The CPU backend with the generic (SciPy-free) special-function kernels of backends.base."""

    lgamma = backends.Backend.lgamma
    digamma = backends.Backend.digamma
    polygamma = backends.Backend.polygamma
    erfinv = backends.Backend.erfinv


def test_generic_special_kernels_match_scipy():
    special = pytest.importorskip("scipy.special")
    b = _GenericOnly()
    x = numpy.concatenate([numpy.linspace(-7.7, 30.0, 1501), [0.5, 1.0, 2.0, 1e-3, -1e-3, 100.0, 1e5]])
    x = x[numpy.abs(x - numpy.round(x)) > 1e-6]  # away from the poles at the non-positive integers

    def close(ours, ref, tol):
        numpy.testing.assert_allclose(ours, ref, rtol=tol, atol=tol)

    close(b.lgamma(x), special.gammaln(x), 1e-13)
    close(b.digamma(x), special.psi(x), 1e-12)
    for n in (1, 2, 3):
        ref = special.polygamma(n, x)
        numpy.testing.assert_allclose(b.polygamma(n, x) / numpy.maximum(1.0, numpy.abs(ref)),
                                      ref / numpy.maximum(1.0, numpy.abs(ref)), atol=1e-12)
    u = numpy.linspace(-0.9999, 0.9999, 2001)
    close(b.erfinv(u), special.erfinv(u), 1e-12)
    numpy.testing.assert_array_equal(b.erfinv(numpy.array([-1.0, 1.0, 1.5])), [-INF, INF, NAN])
    numpy.testing.assert_array_equal(b.lgamma(numpy.array([0.0, -2.0, INF])), [INF, INF, INF])
    assert b.digamma(numpy.array([0.0]))[0] == -INF and numpy.isnan(b.digamma(numpy.array([-2.0]))[0])
    assert b.lgamma(numpy.float32([3.5])).dtype == numpy.float32
    assert b.storage_offset(numpy.arange(10.0)[3:]) == 3 and b.storage_offset(numpy.arange(4.0)) == 0


def test_errors_name_what_was_passed(device):
    x = T(A, device)
    with pytest.raises(IndexError, match=r"select: index 4 is out of range for dimension 0 with size 3 "
                                         r"\(a tensor of shape \(3, 4\)\)"):
        x.select(0, 4)
    with pytest.raises(IndexError, match=r"select: dim 2 is out of range"):
        x.select(2, 0)
    with pytest.raises(TypeError, match="tile: dims must be a tuple of ints, got str"):
        ag.tile(x, "2")
    with pytest.raises(ValueError, match=r"index_fill: index must be 0-d or 1-d, got shape \(1, 2\)"):
        x.index_fill(0, IDXD(ag, [[0, 1]], device), 1.0)
    with pytest.raises(IndexError, match=r"index_fill: index 5 is out of bounds for dimension 1 with size 4"):
        x.index_fill(1, IDXD(ag, [5], device), 1.0)
    with pytest.raises(ValueError, match=r"index_fill: value must be a number or a 0-d tensor, got a tensor of shape "
                                         r"\(2,\)"):
        x.index_fill(0, IDXD(ag, [0], device), T([1.0, 2.0], device))
    with pytest.raises(TypeError, match="index_fill: tensors used as indices must be integer or bool, got dtype "
                                        "float64"):
        x.index_fill(0, T([0.0], device), 1.0)
    with pytest.raises(ValueError, match=r"index_copy: source has shape \(3, 3\) but copying 2 slices along dim 1 of a "
                                         r"tensor of shape \(3, 4\) needs shape \(3, 2\)"):
        x.index_copy(1, IDXD(ag, [0, 1], device), T(numpy.ones((3, 3)), device))
    with pytest.raises(TypeError, match="index_copy: source has dtype float32 but the tensor has dtype float64"):
        x.index_copy(1, IDXD(ag, [0], device), ag.ones(3, 1, device=device))
    with pytest.raises(ValueError, match=r"take_along_dim: input \(shape \(3, 4\)\) and indices \(shape \(2,\)\) must "
                                         r"have the same number of dimensions"):
        ag.take_along_dim(x, IDXD(ag, [0, 1], device), dim=0)
    with pytest.raises(TypeError, match="take_along_dim: indices must be an integer tensor, got dtype float64"):
        ag.take_along_dim(x, T([[0.0]], device), dim=0)
    with pytest.raises(ValueError, match=r"take_along_dim: input of shape \(3, 4\) and indices of shape \(2, 1\)"):
        ag.take_along_dim(x, IDXD(ag, [[0], [1]], device), dim=1)
    with pytest.raises(ValueError, match="tensor_split: the number of sections must be greater than 0, got 0"):
        x.tensor_split(0)
    with pytest.raises(ValueError, match=r"hsplit: dimension 1 of size 4 \(a tensor of shape \(3, 4\)\) can't be "
                                         r"split into 3 equal sections"):
        x.hsplit(3)
    with pytest.raises(ValueError, match=r"vsplit: expected a tensor with at least 2 dimension\(s\), got shape \(4,\)"):
        ag.vsplit(T(V4, device), 2)
    with pytest.raises(ValueError, match=r"dsplit: expected a tensor with at least 3 dimension\(s\), got shape "
                                         r"\(3, 4\)"):
        ag.dsplit(x, 2)
    with pytest.raises(ValueError, match=r"mv: expected a matrix \(n, m\) and a vector \(m,\), got shapes \(3, 4\) and "
                                         r"\(3,\)"):
        ag.mv(x, T(V3, device))
    with pytest.raises(ValueError, match=r"inner: the last dimensions must match, got shapes \(3, 4\) and \(3,\)"):
        ag.inner(x, T(V3, device))
    with pytest.raises(ValueError, match=r"vdot: expected two 1-D tensors of the same length, got shapes \(3, 4\)"):
        ag.vdot(x, T(V4, device))
    with pytest.raises(TypeError, match="vdot: expected both tensors to have the same dtype, got float64 and float32"):
        ag.vdot(T(V4, device), ag.ones(4, device=device))
    with pytest.raises(ValueError, match=r"addr: expected two 1-D vectors, got shapes \(3, 4\) and \(4,\)"):
        ag.addr(x, x, T(V4, device))
    with pytest.raises(ValueError, match=r"addmv: input of shape \(2,\) can't be broadcast to the product's shape "
                                         r"\(3,\)"):
        ag.addmv(T([1.0, 2.0], device), x, T(V4, device), beta=0.5)
    with pytest.raises(ValueError, match=r"addr: input of shape \(2, 3, 4\) can't be broadcast to the product's"):
        ag.addr(T(A3, device), T(V3, device), T(V4, device))
    with pytest.raises(ValueError, match=r"diag_embed: dim1 and dim2 must differ, got dim1=0 and dim2=-3"):
        ag.diag_embed(x, 0, 0, -3)
    with pytest.raises(ValueError, match=r"sum_to_size: size \(2, 4\) is not expandable to the tensor's shape "
                                         r"\(3, 4\)"):
        x.sum_to_size(2, 4)
    with pytest.raises(ValueError, match=r"aminmax: expected a non-empty tensor, got shape \(0, 3\)"):
        ag.aminmax(T(numpy.zeros((0, 3)), device))
    with pytest.raises(TypeError, match="positive: the \\+ operator \\(positive\\) does not support bool tensors"):
        ag.positive(ag.tensor([True], device=device))


# --- the strict stand-in for a GPU --------------------------------------------------------------------
def _on(x, values):
    """An int64 index tensor on x's device."""
    return make_tensor(x._backend.from_host(numpy.asarray(values, dtype=numpy.int64)), x._backend)


STRICT_CASES = [
    ("index_fill", lambda x: x.index_fill(1, _on(x, [0, 2]), -1.5), [A]),
    ("index_copy", lambda x, s: x.index_copy(1, _on(x, [3, 0]), s), [A, S32]),
    ("take_along_dim", lambda x: x.take_along_dim(_on(x, [[[2, 0, 1, 1]]]), 1), [A3]),
    ("tensor_split", lambda x: _weighted(ag, x.tensor_split([1, -1], 1), 1), [A]),
    ("inner", lambda a, b: ag.inner(a, b), [A3, M34]),
    ("addr", lambda x, a, b: ag.addr(x, a, b, beta=2.0), [M34, V3, V4]),
    ("fmax", lambda a, b: ag.fmax(a, b), [A, B]),
    ("copysign", lambda a, b: ag.copysign(a, b), [A, B]),
    ("logaddexp2", lambda a, b: ag.logaddexp2(a, b), [A, B]),
    ("diag_embed", lambda x: ag.diag_embed(x, 1, 0, 2), [A]),
    ("lgamma", lambda x: ag.lgamma(x), [POS]),
    ("digamma", lambda x: ag.digamma(x), [NEG]),
    ("erfinv", lambda x: ag.erfinv(x), [U]),
    ("unique_consecutive", lambda x: ag.unique_consecutive(x, return_inverse=True)[1],
     [numpy.array([1, 1, 2, 2, 3, 1])]),
    ("heaviside", lambda a, b: ag.heaviside(a, b), [A, B]),
]


@pytest.mark.parametrize("name, fn, arrays", STRICT_CASES, ids=[c[0] for c in STRICT_CASES])
def test_runs_on_the_strict_device(name, fn, arrays):
    """The same values and first and second derivatives on the strict device as on the CPU."""
    mask = [a.dtype.kind == "f" and name != "heaviside" for a in arrays]
    grads = check_on_strict_device(fn, arrays, mask)
    if any(mask):
        assert grads, "no gradient was checked"


def test_storage_offset_on_the_strict_device():
    with sd.registered():
        x = sd.strict_tensor(numpy.arange(12.0).reshape(3, 4))
        assert x[1:, 1:].storage_offset() == 5 and x.get_device() == 0 and not x.is_cpu
        assert math.isclose(x[1].data_ptr() - x.data_ptr(), 4 * 8)

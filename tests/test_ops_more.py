"""More tensor functions: addcmul/addcdiv/baddbmm, logit, xlogy, hypot, logaddexp, fmod, clamp_min/max,
var_mean/std_mean, kthvalue/median, diff, trace/tensordot/kron, index_add/masked_select/take, isclose,
bitwise and/or/xor (the & | ^ operators), in-place forms (exp_, addcmul_, ...), stride and friends.
Values against NumPy, gradients (gradcheck + gradgradcheck in float64), PyTorch as an oracle, errors."""

import numpy
import pytest

import autograd_core as ag
from checks import check_grads, compare_with_torch, host, rand_array, torch_or_skip


def T(x, device, dtype=ag.float64, requires_grad=False):
    return ag.tensor(numpy.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def _torch():
    return torch_or_skip()


def _index_like(t, values):
    """An int64 index on ``t``'s side (ours or torch's) and device."""
    if isinstance(t, ag.Tensor):
        return ag.tensor(values, device=t.device)
    return _torch().tensor(values)


def _logit(p):
    return numpy.log(p / (1 - p))


A = rand_array((3, 4), seed=1)
B = rand_array((3, 4), seed=2)
P = rand_array((3, 4), seed=3, low=0.1, high=0.9)
POS = rand_array((3, 4), seed=4, low=0.5, high=2.0)

# (name, fn taking our tensors or torch's alike, inputs, NumPy reference)
CASES = [
    ("addcmul", lambda x, a, b: x.addcmul(a, b, value=0.5), (A, B, POS), lambda x, a, b: x + 0.5 * a * b),
    ("addcdiv", lambda x, a, b: x.addcdiv(a, b, value=-2.0), (A, B, POS), lambda x, a, b: x - 2.0 * a / b),
    ("logit", lambda p: p.logit(), (P,), lambda p: numpy.log(p / (1 - p))),
    ("logit_eps", lambda p: p.logit(eps=0.2), (P,), lambda p: _logit(numpy.clip(p, 0.2, 0.8))),
    ("xlogy", lambda a, b: a.xlogy(b), (A, POS), lambda a, b: a * numpy.log(b)),
    ("hypot", lambda a, b: a.hypot(b), (A, B), numpy.hypot),
    ("logaddexp", lambda a, b: a.logaddexp(b), (A * 20, B), numpy.logaddexp),
    ("fmod", lambda a, b: a.fmod(b), (A * 3, POS), numpy.fmod),
    ("clamp_min", lambda a: a.clamp_min(0.3), (A,), lambda a: numpy.maximum(a, 0.3)),
    ("clamp_max", lambda a: a.clamp_max(-0.3), (A,), lambda a: numpy.minimum(a, -0.3)),
    ("diff", lambda a: a.diff(), (A,), lambda a: numpy.diff(a)),
    ("diff_n2_dim0", lambda a: a.diff(n=2, dim=0), (A,), lambda a: numpy.diff(a, n=2, axis=0)),
    ("trace", lambda a: a.trace(), (A,), numpy.trace),
    ("kron", lambda a, b: a.kron(b), (A[:2, :3], B[:3, :2]), numpy.kron),
    ("median_all", lambda a: a.median(), (A,), lambda a: numpy.sort(a, axis=None)[(a.size - 1) // 2]),
    ("median_dim", lambda a: a.median(1).values, (A,), lambda a: numpy.sort(a, 1)[:, (a.shape[1] - 1) // 2]),
    ("kthvalue", lambda a: a.kthvalue(2, 0).values, (A,), lambda a: numpy.sort(a, 0)[1]),
    ("take", lambda a: a.take(_index_like(a, [[0, 5], [11, 5]])), (A,), lambda a: a.reshape(-1)[[[0, 5], [11, 5]]]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_values(device, name, fn, arrays, ref):
    y = fn(*[T(a, device) for a in arrays])
    numpy.testing.assert_allclose(host(y), ref(*arrays), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_grads(device, name, fn, arrays, ref):
    check_grads(fn, *arrays, device=device)


@pytest.mark.parametrize("name, fn, arrays, ref", CASES, ids=IDS)
def test_matches_torch(device, name, fn, arrays, ref):
    compare_with_torch(fn, fn, *arrays, device=device)


def test_baddbmm_and_tensordot(device):
    x, b1, b2 = rand_array((2, 3, 2), seed=1), rand_array((2, 3, 4), seed=2), rand_array((2, 4, 2), seed=3)
    def f(x, a, b):
        return x.baddbmm(a, b, beta=0.5, alpha=2.0)

    numpy.testing.assert_allclose(host(f(T(x, device), T(b1, device), T(b2, device))), 0.5 * x + 2.0 * b1 @ b2,
                                  rtol=1e-14)
    check_grads(f, x, b1, b2, device=device)
    compare_with_torch(f, f, x, b1, b2, device=device)
    a, b = rand_array((2, 3, 4), seed=4), rand_array((4, 3, 5), seed=5)
    numpy.testing.assert_allclose(host(ag.tensordot(T(a, device), T(b, device), dims=([1, 2], [1, 0]))),
                                  numpy.tensordot(a, b, axes=([1, 2], [1, 0])), rtol=1e-13)
    numpy.testing.assert_allclose(host(ag.tensordot(T(a, device), T(b[:, :, :].transpose(0, 1, 2), device)[:4], 1)),
                                  numpy.tensordot(a, b, axes=1), rtol=1e-13)
    check_grads(lambda p, q: ag.tensordot(p, q, dims=([1, 2], [1, 0])), a, b, device=device)
    with pytest.raises(ValueError, match=r"tensordot: dim 2 of a \(size 4\) and dim 0 of b \(size 3\) must match"):
        ag.tensordot(T(a, device), T(numpy.zeros((3, 2)), device), 1)


def test_var_mean_std_mean(device):
    torch = _torch()
    x = T(A, device)
    for fn in ("var_mean", "std_mean"):
        ours = getattr(ag, fn)(x, dim=1, keepdim=True)
        theirs = getattr(torch, fn)(torch.tensor(A), dim=1, keepdim=True)
        for o, t in zip(ours, theirs):
            numpy.testing.assert_allclose(host(o), t.numpy(), rtol=1e-13)
    check_grads(lambda a: ag.var_mean(a, 0)[0] * ag.std_mean(a, 0)[1], A, device=device)


def test_median_and_kthvalue_indices_and_nan(device):
    torch = _torch()
    a = numpy.array([[3.0, 1.0, 2.0, 1.0], [numpy.nan, 0.0, 5.0, -1.0], [2.0, 2.0, 2.0, 0.5]])
    ours, theirs = T(a, device).median(1), torch.tensor(a).median(1)
    numpy.testing.assert_array_equal(host(ours.values), theirs.values.numpy())
    numpy.testing.assert_array_equal(host(ours.indices)[[0, 1]], theirs.indices.numpy()[[0, 1]])
    row = host(ours.indices)[2]
    assert a[2, row] == 2.0  # ties: any index of the median value (PyTorch does not fix which)
    assert numpy.isnan(host(T(a, device).median()))
    assert host(T(a[[0, 2]], device).median()) == torch.tensor(a[[0, 2]]).median().item()
    kv = T(a[[0, 2]], device).kthvalue(3, dim=1, keepdim=True)
    tk = torch.tensor(a[[0, 2]]).kthvalue(3, dim=1, keepdim=True)
    assert kv.values.shape == (2, 1)
    numpy.testing.assert_array_equal(host(kv.values), tk.values.numpy())
    with pytest.raises(ValueError, match=r"kthvalue: k must be an int in \[1, 4\].*got 5"):
        T(a, device).kthvalue(5, 1)
    with pytest.raises(ValueError, match=r"median: expected a non-empty tensor, got shape \(0,\)"):
        ag.zeros(0, device=device).median()


def test_xlogy_at_zero_as_torch(device):
    torch = _torch()
    a, b = numpy.array([0.0, 0.0, 2.0, 0.0, 0.0]), numpy.array([0.0, 3.0, 3.0, numpy.nan, -1.0])
    x, y = T(a, device, requires_grad=True), T(b, device, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = ag.xlogy(x, y), torch.xlogy(tx, ty)
    numpy.testing.assert_array_equal(host(out), tout.detach().numpy())
    g = numpy.array([1.0, 1.0, 1.0, 0.0, 1.0])
    with numpy.errstate(invalid="ignore"):  # dL/dy = g x / y is 0/0 at (0, 0): NaN, as PyTorch's
        out.backward(T(g, device))
    tout.backward(torch.tensor(g))
    numpy.testing.assert_array_equal(host(x.grad), tx.grad.numpy())
    numpy.testing.assert_array_equal(host(y.grad), ty.grad.numpy())


def test_logaddexp_does_not_overflow(device):
    out = ag.logaddexp(T([1000.0, -1000.0], device), T([1000.0, -1000.0], device))
    numpy.testing.assert_allclose(host(out), [1000.0 + numpy.log(2), -1000.0 + numpy.log(2)])


def test_fmod_and_remainder_signs(device):
    torch = _torch()
    a, b = numpy.array([-7.0, 7.0, -7.5, 5.5]), numpy.array([3.0, -3.0, 2.0, -2.0])
    numpy.testing.assert_array_equal(host(T(a, device).fmod(T(b, device))),
                                     torch.tensor(a).fmod(torch.tensor(b)).numpy())
    i = ag.tensor([-7, 7], device=device)
    numpy.testing.assert_array_equal(host(i.fmod(ag.tensor([3, -3], device=device))), [-1, 1])


def test_index_add_masked_select(device):
    torch = _torch()
    x, src = rand_array((4, 3), seed=1), rand_array((3, 3), seed=2)
    idx = [0, 2, 0]
    ours = T(x, device).index_add(0, ag.tensor(idx, device=device), T(src, device), alpha=2.0)
    theirs = torch.tensor(x).index_add(0, torch.tensor(idx), torch.tensor(src), alpha=2.0)
    numpy.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-14)
    check_grads(lambda a, s: a.index_add(1, ag.tensor([2, 2, 0], device=device), s), x, rand_array((4, 3), seed=3),
                device=device)
    m = x > 0
    numpy.testing.assert_array_equal(host(T(x, device).masked_select(T(m, device, dtype=ag.bool))), x[m])
    numpy.testing.assert_array_equal(host(T(x, device).masked_select(T(m[0], device, dtype=ag.bool))),
                                     torch.tensor(x).masked_select(torch.tensor(m[0])).numpy())
    check_grads(lambda a: a.masked_select(T(m, device, dtype=ag.bool)) * 2.0, x, device=device)
    with pytest.raises(ValueError, match=r"index_add: source has shape \(2, 3\).*needs shape \(3, 3\)"):
        T(x, device).index_add(0, ag.tensor(idx, device=device), T(src[:2], device))
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor, got dtype float64"):
        T(x, device).masked_select(T(x, device))


def test_isclose(device):
    torch = _torch()
    a = numpy.array([1.0, 1.0 + 1e-6, numpy.inf, -numpy.inf, numpy.nan, 0.0])
    b = numpy.array([1.0, 1.0, numpy.inf, numpy.inf, numpy.nan, 1e-9])
    for kw in ({}, dict(equal_nan=True), dict(rtol=0.0, atol=1e-12)):
        numpy.testing.assert_array_equal(host(ag.isclose(T(a, device), T(b, device), **kw)),
                                         torch.isclose(torch.tensor(a), torch.tensor(b), **kw).numpy())


def test_bitwise_operators(device):
    torch = _torch()
    a, b = numpy.array([6, 5, -3]), numpy.array([3, 1, 7])
    x, y = ag.tensor(a, device=device), ag.tensor(b, device=device)
    ta, tb = torch.tensor(a), torch.tensor(b)
    for ours, theirs in ((x & y, ta & tb), (x | y, ta | tb), (x ^ y, ta ^ tb), (x & 3, ta & 3), (3 | x, 3 | ta),
                         (5 ^ x, 5 ^ ta)):
        assert ours.dtype == ag.int64
        numpy.testing.assert_array_equal(host(ours), theirs.numpy())
    m, n = x > 0, y > 2
    numpy.testing.assert_array_equal(host(m & n), [True, False, False])
    numpy.testing.assert_array_equal(host(m | n), [True, True, True])
    assert (m ^ n).dtype == ag.bool
    f = T([1.0], device)
    with pytest.raises(TypeError, match=r"& \(bitwise_and\) is only defined for bool and integer tensors, got float64"):
        f & f
    with pytest.raises(TypeError, match=r"\| \(bitwise_or\) .* got the number 1.5"):
        x | 1.5


def test_inplace_forms(device):
    torch = _torch()
    a = rand_array((3, 4), seed=5, low=0.2, high=0.9)
    checks = [("exp_", ()), ("log_", ()), ("sqrt_", ()), ("sigmoid_", ()), ("tanh_", ()), ("relu_", ()), ("neg_", ()),
              ("abs_", ()), ("pow_", (2.0,)), ("clamp_min_", (0.5,)), ("clamp_max_", (0.5,)), ("clip_", (0.3, 0.6)),
              ("floor_", ()), ("round_", ()), ("frac_", ()), ("reciprocal_", ()), ("square_", ()), ("sin_", ())]
    for name, args in checks:
        x, t = T(a, device), torch.tensor(a)
        out = getattr(x, name)(*args)
        getattr(t, name)(*args)
        assert out is x, name
        numpy.testing.assert_allclose(host(x), t.numpy(), rtol=1e-14, err_msg=name)
    x, t = T(a, device), torch.tensor(a)
    x.addcmul_(T(a, device), T(a, device), value=0.5).addcdiv_(T(a, device), T(a + 1, device), value=2.0)
    t.addcmul_(torch.tensor(a), torch.tensor(a), value=0.5).addcdiv_(torch.tensor(a), torch.tensor(a + 1), value=2.0)
    numpy.testing.assert_allclose(host(x), t.numpy(), rtol=1e-14)
    x.lerp_(T(numpy.zeros((3, 4)), device), 0.25)
    t.lerp_(torch.zeros(3, 4, dtype=torch.float64), 0.25)
    numpy.testing.assert_allclose(host(x), t.numpy(), rtol=1e-14)
    i = ag.tensor([1, 4], device=device)
    with pytest.raises(TypeError, match="sqrt_: the result has dtype float32, which can't be stored in place in the "
                                        "int64 tensor"):
        i.sqrt_()
    w = T([1.0, 2.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.exp_()
    with ag.no_grad():
        w.mul_(2.0).exp_()
    numpy.testing.assert_allclose(host(w), numpy.exp([2.0, 4.0]))
    z = T([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="addcmul_: an operand requires grad, and in-place updates record no graph"):
        z.addcmul_(w, w)


def test_stride_and_small_queries(device):
    torch = _torch()
    a = numpy.arange(24.0).reshape(2, 3, 4)
    x, t = T(a, device), torch.tensor(a)
    for f in (lambda v: v.stride(), lambda v: v.permute(2, 0, 1).stride(), lambda v: v.stride(-1),
              lambda v: v[:, ::2].stride()):
        assert f(x) == f(t)
    assert x.is_floating_point() and not ag.tensor([1], device=device).is_floating_point() and not x.is_complex()
    assert x.ravel().shape == (24,) and x.ndimension() == 3

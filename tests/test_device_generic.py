"""Device-generic code on a strict non-default device (tests/strict_device.py).

Every op family, the engine, gradcheck, nn, optim and data run on the strict device and must give
the CPU's values and gradients (first and second order). The strict device rejects what a GPU run
would reject: a NumPy-only call on device data, a keyword CuPy lacks, a hidden copy between host and
device. With ``pytest --device cuda`` the same comparisons run against the real GPU instead.
"""

import copy
import math

import numpy
import pytest
import strict_device as sd
from strict_device import STRICT, StrictArray, StrictDeviceError, record_syncs

import autograd_core as ag
import backends
import nn
import nn.functional as F
import optim
from autograd_core.data import ConcatDataset, DataLoader, Subset, TensorDataset, random_split, transforms
from autograd_core.tensor import make_tensor
from checks import rand_array
from nn.models import MLP, LeNet5, RandomFeatures, resnet18

CPU = backends.CPU


@pytest.fixture(scope="module", autouse=True)
def _strict_registered():
    with sd.registered():
        yield


@pytest.fixture
def dut(device):
    """The device under test: the strict device by default, the real one with ``--device cuda``."""
    return STRICT if device == "cpu" else backends.get_backend(device)


def shares_cpu_generator(dut):
    """Skip a comparison of random draws unless ``dut`` draws the CPU's numbers (the strict device does;
    a GPU has its own generator)."""
    if dut is not STRICT:
        pytest.skip(f"compares random draws with the CPU's; {dut.device} has its own generator")


def r(*shape, seed=0, low=-2.0, high=2.0, away=0.05, kinks=(0.0,)):
    return rand_array(shape, seed, low, high, away, kinks)


def pos(*shape, seed=0):
    return rand_array(shape, seed, 0.5, 2.0)


def ints(high, *shape, seed=0):
    return numpy.random.default_rng(seed).integers(0, high, size=shape).astype(numpy.int64)


def on(backend, arr, dtype=None, requires_grad=False):
    """A tensor on ``backend`` holding a copy of the host array ``arr``."""
    arr = numpy.array(arr, dtype=dtype, copy=True)
    t = make_tensor(backend.from_host(arr), backend)
    if requires_grad:
        t.requires_grad = True
    return t


def host(t):
    return t._backend.to_host(t._data)


def _tensors(out):
    if isinstance(out, ag.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return []


def _same(c, s, dut, what, rtol, atol):
    if dut is not STRICT:  # a real GPU sums in other orders (cuBLAS, its reductions)
        loose = 1e-6 if c.dtype == ag.float32 else 1e-9
        rtol, atol = max(rtol, loose), max(atol, loose)
    assert s._backend is dut, f"{what}: result on {s.device}, expected {dut.device}"
    assert type(s._data) is dut.array_type, f"{what}: the result holds a {type(s._data).__name__}"
    assert tuple(c.shape) == tuple(s.shape), f"{what}: shape {tuple(s.shape)} != CPU {tuple(c.shape)}"
    assert c.dtype == s.dtype, f"{what}: dtype {s.dtype} != CPU {c.dtype}"
    numpy.testing.assert_allclose(host(s), host(c), rtol=rtol, atol=atol, err_msg=what)


# Where op code may wait for the device (a small, deliberate synchronisation: a Python bool or int from a
# reduction, or a result whose size depends on the data); anywhere else a sync, or any copy to the host, fails.
SYNC_SITES = {
    "autograd_core/ops/index.py (_check_range)": "index bounds check: the min and max of an index array",
    "autograd_core/ops/index.py (GetItem.forward)": "a boolean mask: the result's size depends on the data",
    "autograd_core/ops/reduce.py (Prod.backward)": "whether x has zeros picks the exact formula",
    "autograd_core/ops/compare.py (allclose)": "returns a Python bool, as PyTorch",
    "autograd_core/ops/compare.py (equal)": "returns a Python bool, as PyTorch",
    "nn/functional/loss.py (_class_targets)": "class indices must be in range (the min and max of the targets)",
    "nn/functional/loss.py (binary_cross_entropy)": "probabilities must be in [0, 1]",
    "nn/normalization.py (_BatchNorm.forward)": "momentum=None: 1 / num_batches_tracked as a Python float, as PyTorch",
    "autograd_core/ops/arrange.py (nonzero)": "the result's size depends on the data",
    "autograd_core/ops/arrange.py (repeat_interleave)": "tensor counts: >= 0, their sum the size",
    "autograd_core/ops/arrange.py (unique)": "the result's size depends on the data",
    "autograd_core/ops/counting.py (_host_pair)": "bincount's size (max + 1, min >= 0); histc's range from the data",
    "autograd_core/ops/nanstats.py (_q_array)": "a tensor q must lie in [0, 1] (checked on the host, as PyTorch)",
    "autograd_core/ops/misc.py (is_nonzero)": "returns a Python bool, as PyTorch",
}
# syncs that read a whole array, whose data sizes the result
DATA_SIZED = ("boolean mask indexing", "xp.nonzero", "xp.unique", "to_host")


def check_syncs(events):
    for kind, size, where in events:
        site = where.split(":")[0] + " " + where.split(" ", 1)[1]
        assert site in SYNC_SITES, f"an unexpected device synchronisation ({kind}) at {where}"
        assert size == 1 or kind in DATA_SIZED, f"a hidden copy to the host ({kind} of {size} " \
                                                               f"elements) at {where}"


def mirror(fn, *arrays, dut, grad=True, double=True, rtol=1e-12, atol=1e-12, requires_grad=None):
    """Run ``fn`` on tensors made from ``arrays`` on the CPU and on ``dut``: equal outputs, equal gradients
    (with one random upstream gradient per output), equal second derivatives (create_graph=True).

    Floating arrays require grad unless ``requires_grad`` (a list of bools) says otherwise. Returns the
    device's output."""
    res = []
    for b in (CPU, dut):
        ag.manual_seed(0)  # random ops (dropout) draw the same numbers on both devices
        rng = numpy.random.default_rng(7)
        ins = [on(b, a, requires_grad=(a.dtype.kind == "f") if requires_grad is None else requires_grad[i])
               for i, a in enumerate(numpy.asarray(x) for x in arrays)]
        with record_syncs() as syncs:
            out = fn(*ins)
            outs = _tensors(out)
            diff = [t for t in ins if t.requires_grad]
            fouts = [o for o in outs if o.requires_grad]
            grads = second = None
            if grad and diff and fouts:
                loss = None
                for o in fouts:
                    term = (o * on(b, rng.standard_normal(o.shape), o.dtype)).sum()
                    loss = term if loss is None else loss + term
                grads = ag.grad(loss, diff, create_graph=double, allow_unused=True)
                if double:
                    terms = [(g * on(b, rng.standard_normal(g.shape), g.dtype)).sum()
                             for g in grads if g is not None and g.requires_grad]
                    if terms:
                        second = ag.grad(sum(terms[1:], terms[0]), diff, allow_unused=True)
        check_syncs(syncs)
        res.append((out, outs, grads, second))
    (out_c, outs_c, g_c, s_c), (out_d, outs_d, g_d, s_d) = res
    assert len(outs_c) == len(outs_d)
    if not outs_c:
        assert out_c == out_d
    for i, (c, d) in enumerate(zip(outs_c, outs_d)):
        _same(c, d, dut, f"output {i}", rtol, atol)
    for name, gc, gd in (("gradient", g_c, g_d), ("second derivative", s_c, s_d)):
        assert (gc is None) == (gd is None), f"{name}: computed on one device only"
        for i, (c, d) in enumerate(zip(gc or (), gd or ())):
            assert (c is None) == (d is None), f"{name} {i}: None on one device only"
            if c is not None:
                _same(c, d, dut, f"{name} of input {i}", rtol, atol)
    return out_d


# --- the harness itself bites ---------------------------------------------------------------------
def test_harness_rejects_what_a_gpu_rejects():
    x = STRICT.from_host(numpy.arange(6.0).reshape(2, 3))
    xp = STRICT.xp
    with pytest.raises(StrictDeviceError, match="hidden copy to the host"):
        numpy.asarray(x)
    with pytest.raises(StrictDeviceError, match="numpy.exp"):
        numpy.exp(x)
    with pytest.raises(StrictDeviceError, match="concatenate"):
        numpy.concatenate([x, x])
    with pytest.raises(StrictDeviceError, match="host numpy.ndarray"):
        x + numpy.ones(3)
    with pytest.raises(StrictDeviceError, match="host numpy.ndarray"):
        x[numpy.array([0, 1])]
    with pytest.raises(StrictDeviceError, match="host numpy.ndarray"):
        xp.where(numpy.ones(3, bool), x, 0.0)
    with pytest.raises(StrictDeviceError, match="from_host"):
        xp.asarray(numpy.ones(3))
    if sd.HAVE_CUPY:  # keywords are checked against CuPy's signatures
        with pytest.raises(StrictDeviceError, match="writeable"):
            xp.lib.stride_tricks.as_strided(x, (2,), (8,), writeable=False)
        with pytest.raises(StrictDeviceError, match="initial"):
            x.sum(axis=0, initial=0.0)
    with pytest.raises(AttributeError, match="backend's generator"):
        xp.random.rand
    with pytest.raises(AttributeError, match="no CuPy equivalent"):
        xp.errstate
    with pytest.raises(AttributeError, match="to_host"):
        x.get()
    with pytest.raises(TypeError):  # CuPy's ndarray has no __index__
        range(x[0, 1])
    t = make_tensor(x, STRICT)
    with pytest.raises(TypeError, match="cpu"):
        t.numpy()
    with pytest.raises(TypeError):
        numpy.asarray(t)


def test_harness_allows_what_cupy_allows():
    x = STRICT.from_host(numpy.arange(6.0).reshape(2, 3))
    xp = STRICT.xp
    assert type(x.sum()) is StrictArray and x.sum().ndim == 0  # reductions stay on the device
    assert type(numpy.float32(2) * x) is StrictArray  # numpy scalar (op) device array: CuPy computes it
    assert callable(xp.put_along_axis) and type(xp.einsum("ij->j", x)) is StrictArray
    y = x.astype(x.dtype, copy=False)
    assert y is x  # as CuPy: no new array object
    with record_syncs() as syncs:
        assert float(x[1, 2]) == 5.0 and bool((x > 4).any())
        assert x[x > 3].shape == (2,)
        assert STRICT.to_host(x).sum() == 15.0
    assert [k for k, _, _ in syncs] == ["float", "bool", "boolean mask indexing", "to_host"]
    assert all("test_device_generic.py" in where for _, _, where in syncs)


# --- tensors, factories, conversions ----------------------------------------------------------------
def test_factories_and_conversions(dut):
    dev = dut.device
    for t in (ag.zeros(2, 3, device=dev), ag.ones(2, device=dev), ag.full((2,), 1.5, device=dev),
              ag.arange(5, device=dev), ag.linspace(0, 1, 5, device=dev), ag.eye(3, device=dev),
              ag.rand(3, device=dev), ag.randn(3, device=dev), ag.randint(0, 5, (4,), device=dev),
              ag.randperm(5, device=dev), ag.tensor([1.0, 2.0], device=dev), ag.zeros_like(ag.ones(2), device=dev),
              ag.tensor(numpy.ones((2, 2)), device=dev), ag.empty(2, device=dev)):
        assert t._backend is dut and type(t._data) is dut.array_type
    if dut is STRICT:
        ag.manual_seed(3)
        a = ag.randn(4, device="cpu")
        ag.manual_seed(3)
        b = ag.randn(4, device=dev)
        numpy.testing.assert_array_equal(host(a), host(b))  # one manual_seed seeds every device alike
    x = ag.tensor([[1.5, -2.0], [3.0, 4.0]], device=dev)
    assert x.tolist() == [[1.5, -2.0], [3.0, 4.0]] and x[0, 0].item() == 1.5 and float(x[1, 1]) == 4.0
    assert int(x[1, 0]) == 3 and bool(x[0, 0] > 0) and str(dut.device) in repr(x)
    assert x.cpu()._backend is CPU and x.cpu().to(dev)._backend is dut
    assert x.to(ag.float64).dtype == ag.float64 and x.clone()._backend is dut and x.detach()._backend is dut
    assert x.new_zeros(2)._backend is dut and x.new_tensor([1.0])._backend is dut
    assert ag.allclose(x, x.clone()) and ag.equal(x, x.clone())
    with pytest.raises(RuntimeError, match="same device"):
        x + ag.ones(2, 2)


def test_inplace_updates_and_rng_state(dut):
    res = []
    for b in (CPU, dut):
        ag.manual_seed(4)
        x = on(b, r(3, 4))
        x.add_(on(b, r(3, 4, seed=1)), alpha=0.5).sub_(1.0).mul_(on(b, r(4, seed=2))).div_(2.0)
        x += 1.0
        x -= on(b, r(1, 4, seed=3))
        x *= 2.0
        x /= 3.0
        x.clamp_(-1.0, 1.0)
        x[0] = on(b, r(4, seed=5))
        x[1, 1:] = 0.25
        y = x.clone().zero_().fill_(2.0).copy_(x * 2.0)
        u = ag.empty(3, 4, dtype=ag.float64, device=b.device).uniform_(-1, 2)
        n = ag.empty(5, dtype=ag.float64, device=b.device).normal_(1.0, 3.0)
        state = ag.get_rng_state(b.device)
        first = ag.rand(4, dtype=ag.float64, device=b.device)
        ag.set_rng_state(state, b.device)
        again = ag.rand(4, dtype=ag.float64, device=b.device)
        numpy.testing.assert_array_equal(host(first), host(again))
        res.append([x, y, u, n] if dut is STRICT else [x, y])
    for c, d in zip(*res):
        _same(c, d, dut, "in-place update", 1e-12, 1e-12)
    i = on(dut, numpy.array(3))
    assert list(range(i)) == [0, 1, 2] and len(res[1][0]) == 3 and all(t._backend is dut for t in res[1][0])
    with pytest.raises(RuntimeError, match="expected a tensor on"):
        res[1][0].add_(ag.ones(4, dtype=ag.float64))


def test_init_functions(dut):
    shares_cpu_generator(dut)
    inits = [lambda t: nn.init.uniform_(t, -1, 2), lambda t: nn.init.normal_(t, 1.0, 2.0),
             lambda t: nn.init.constant_(t, 0.3), nn.init.zeros_, nn.init.ones_, nn.init.xavier_uniform_,
             lambda t: nn.init.xavier_normal_(t, 2.0), lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
             lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), nn.init.orthogonal_,
             lambda t: nn.init.orthogonal_(t.T, 0.5)]
    for k, init in enumerate(inits):
        res = []
        for b in (CPU, dut):
            ag.manual_seed(k)
            t = ag.empty(4, 6, dtype=ag.float64, device=b.device)
            init(t)
            res.append(t)
        _same(res[0], res[1], dut, f"init {k}", 1e-12, 1e-12)


def test_to_device_is_differentiable(dut):
    def f(x):
        y = (x * 2.0).to(dut.device)
        return (y.sin() * y).to("cpu")

    x = ag.tensor(r(3, 4), dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(f, (x,)) and ag.gradgradcheck(f, (x,))


# --- the op families ------------------------------------------------------------------------------
A34, B14, C234 = r(3, 4), r(1, 4, seed=1), r(2, 3, 4, seed=2)
ARITH = {
    "add_broadcast": (lambda a, b: a + b, [C234, B14]),
    "sub_mul_div": (lambda a, b: (a - b) * a / (b + 3.0), [A34, B14]),
    "scalars": (lambda a: 2.5 * a - 1 + a / 4 - 3 / (a + 5.0), [A34]),
    "rsub_neg_pos": (lambda a: -(1.0 - a) + (+a), [A34]),
    "pow_scalar": (lambda a: a ** 2 + a ** 3 + a.abs() ** 0.5 + a ** 1, [A34]),
    "pow_tensor": (lambda a, b: a ** b, [pos(3, 4), r(3, 4, seed=3)]),
    "rpow": (lambda a: 2.0 ** a + 0.0 ** a.abs(), [A34]),
    "floordiv_remainder": (lambda a, b: a // b + a % b + (a % 0.7), [A34, pos(1, 4, seed=1)]),
    "numpy_scalar": (lambda a: a * numpy.float64(2.0) + numpy.float32(1.0), [A34]),
    "int_promotion": (lambda a, i: a * i + i, [A34, ints(5, 3, 4)]),
    "mixed_float": (lambda a, b: a + b.float(), [A34, B14]),
    "inplace_on_graph": (lambda a: _iadd(a), [A34]),
}


def _iadd(a):
    y = a * 1.0
    y += a
    y *= a
    return y


UNARY = {name: (fn, [x]) for name, fn, x in [
    ("exp", ag.exp, A34), ("expm1", ag.expm1, A34), ("log", ag.log, pos(3, 4)), ("log1p", ag.log1p, pos(3, 4)),
    ("sqrt", ag.sqrt, pos(3, 4)), ("rsqrt", ag.rsqrt, pos(3, 4)), ("sin", ag.sin, A34), ("cos", ag.cos, A34),
    ("tan", ag.tan, r(3, 4, low=-1, high=1)), ("tanh", ag.tanh, A34), ("sigmoid", ag.sigmoid, A34 * 20),
    ("relu", ag.relu, A34), ("leaky_relu", lambda x: ag.leaky_relu(x, 0.1), A34),
    ("softplus", lambda x: ag.softplus(x, 2.0, 3.0), A34), ("abs", ag.abs, A34), ("sign", ag.sign, A34),
    ("erf", ag.erf, A34), ("square", ag.square, A34), ("reciprocal", ag.reciprocal, pos(3, 4)),
    ("clamp", lambda x: x.clamp(-1.0, 0.5) + x.clamp(min=0.2) + x.clamp(max=-0.3), A34),
]}
UNARY.update({
    "clamp_tensor_bounds": (lambda x, lo: ag.clamp(x, lo, lo + 1.0), [A34, r(1, 4, seed=5)]),
    "where": (lambda x, y: ag.where(x > 0, x, y) + ag.where(x < 0, 1.0, x) + x.where(x > 1, 0.5), [A34, B14]),
    "maximum_minimum_ties": (lambda x, y: ag.maximum(x, y) + ag.minimum(x, y) * 2.0,
                             [numpy.array([[1.0, 2.0, 3.0]]), numpy.array([[1.0], [5.0], [2.0]])]),
    "maximum_scalar": (lambda x: ag.maximum(x, 0.5) + ag.minimum(0.1, x), [A34]),
    "max_of_two": (lambda x, y: x.max(y), [A34, B14]),
})
COMPARE = {
    "compare_tensors": (lambda a, b: [a < b, a <= b, a > b, a >= b, a == b, a != b], [A34, B14]),
    "compare_scalars": (lambda a: [a < 0.5, 0.5 < a, a == 1.0, a.eq(2), a.ne(0.0)], [A34]),
    "logical": (lambda a, b: [(a > 0) & (b > 0), (a > 0) | (b > 0), (a > 0) ^ (b > 0), ~(a > 0),
                             ag.logical_not(a > 1), (a > 0).all(), (a > 0).any(dim=1)], [A34, B14]),
    "isnan_isinf": (lambda a: [ag.isnan(a), ag.isinf(a), ag.isfinite(a)],
                    [numpy.array([1.0, numpy.nan, -numpy.inf, numpy.inf])]),
    "int_bitwise_not": (lambda i: ~i, [ints(5, 4)]),
}
Z = numpy.array([[1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 1.5, 2.0], [1.0, 2.0, 3.0, -1.0]])
REDUCE = {
    "sum": (lambda x: [x.sum(), x.sum(1), x.sum((0, 2), keepdim=True), x.sum(dim=-1, keepdim=True)], [C234]),
    "mean": (lambda x: [x.mean(), x.mean(1), x.mean((0, 2), keepdim=True)], [C234]),
    "var_std": (lambda x: [x.var(), x.var(1), x.std(0, keepdim=True), x.var(dim=2, unbiased=False),
                           ag.std(x, correction=0)], [C234]),
    "max_min_all": (lambda x: [x.max(), x.min(), ag.amax(x, (0, 2)), ag.amin(x, 1, keepdim=True)], [C234]),
    "max_min_ties": (lambda x: [x.max(), x.amax(1), x.min(dim=0)], [numpy.array([[1.0, 3.0, 3.0], [3.0, 0.0, 0.0]])]),
    "max_dim": (lambda x: [x.max(dim=1), x.min(dim=-1, keepdim=True), x.max(0).values], [C234]),
    "argmax": (lambda x: [x.argmax(), x.argmin(dim=1), x.argmax(dim=2, keepdim=True)], [C234]),
    "prod": (lambda x: [x.prod(), x.prod(1), x.prod(0, keepdim=True)], [r(3, 4, low=0.5, high=1.5)]),
    "prod_zeros": (lambda x: [x.prod(dim=1), x.prod(dim=0), x.prod()], [Z]),
    "logsumexp": (lambda x: [ag.logsumexp(x, 1), x.logsumexp((0, 2), keepdim=True)], [C234 * 10]),
    "softmax": (lambda x: [x.softmax(1), x.log_softmax(-1), ag.softmax(x, 0)], [C234 * 5]),
    "norm": (lambda x: [x.norm(), x.norm(1, dim=1), x.norm(float("inf")), x.norm(3, dim=0, keepdim=True),
                        x.norm(0.5), x.norm(float("-inf"), dim=1), x.norm(0)], [A34]),
    "norm_zero_grad": (lambda x: [x.norm(), x.norm(3)], [numpy.zeros((2, 2))]),
}
SHAPE = {
    "reshape_view": (lambda x: [x.reshape(4, 6), x.view(-1), x.reshape((2, -1)), x.flatten(1), x.unflatten(2, (2, 2))],
                     [C234]),
    "permute_transpose": (lambda x: [x.permute(2, 0, 1), x.transpose(0, 2), x.T, x.mT, x[0].t(), ag.movedim(x, 0, -1)],
                          [C234]),
    "squeeze_unsqueeze": (lambda x: [x.unsqueeze(1).squeeze(1), x.unsqueeze(-1), x[:, :1].squeeze(), x.squeeze(0)],
                          [C234]),
    "expand_broadcast": (lambda x: [x.expand(2, 3, 4), x.expand(-1, 4), ag.broadcast_to(x, (5, 3, 4)),
                                    x.expand_as(ag.zeros(2, 3, 4, device=x.device, dtype=x.dtype))], [r(3, 1)]),
}
JOIN = {
    "cat": (lambda a, b: [ag.cat([a, b], 1), ag.cat([a, a, b], dim=-1), ag.cat([a.float(), b[:, :3]], 0)],
            [r(2, 3), r(2, 5, seed=1)]),
    "cat_empty": (lambda a: ag.cat([a, ag.zeros(0, device=a.device, dtype=a.dtype)]), [r(2, 3)]),
    "stack_unbind": (lambda a, b: [ag.stack([a, b], 1), ag.stack([a, b]).unbind(2), a.unbind()],
                     [r(2, 3), r(2, 3, seed=1)]),
    "split_chunk": (lambda x: [x.split(2, 1), ag.split(x, [1, 3, 2], dim=1), x.chunk(3, 2), x.chunk(4, 1)],
                    [r(2, 6, 5)]),
    "pad_constant": (lambda x: [ag.pad(x, (1, 2)), ag.pad(x, (1, 0, 2, 1), value=0.5), ag.pad(x, (-1, 2, 0, -1)),
                                F.pad(x, (0, 0, 0, 0, 1, 1))], [r(2, 3, 4, 5)]),
    "pad_modes": (lambda x: [ag.pad(x, (2, 1, 1, 3), mode=m) for m in ("reflect", "replicate", "circular")]
                  + [ag.pad(x, (1, -1), mode="reflect")], [r(2, 3, 4, 5)]),
    "repeat": (lambda x: [x.repeat(2, 3), x.repeat(2, 1, 2), x.repeat((1, 1))], [r(2, 3)]),
}
IDX = r(4, 5)
INDEX = {
    "basic": (lambda x: [x[1], x[-1, 2], x[1:3], x[::2, ::-2], x[..., 1], x[None, :, 2:], x[1, ..., None]], [C234]),
    "int_arrays_duplicates": (lambda x: [x[[0, 0, 2]], x[[1, 1], [2, 2]], x[:, [3, 0, 3]], x[[-1, 0]]], [IDX]),
    "tensor_index": (lambda x, i: [x[i], x[:, i], x[i, i]], [IDX, numpy.array([0, 3, 3, 1])]),
    "bool_mask": (lambda x, m: [x[m], x[m[:, 0]], x[:, m[0]], x[m[:, 0], 1:]], [IDX, IDX > 0]),
    "bool_list": (lambda x: x[[True, False, True, True]], [IDX]),
    "gather": (lambda x, i: [x.gather(1, i), ag.gather(x, 0, i[:, :3] % 4)], [IDX, ints(5, 4, 4)]),
    "index_select": (lambda x, i: [x.index_select(0, i), ag.index_select(x, 1, i)], [IDX, numpy.array([3, 0, 3])]),
    "masked_fill": (lambda x, m: [x.masked_fill(m, 0.5), x.masked_fill(m[:1], -1.0)], [IDX, IDX > 0.3]),
    "masked_fill_tensor_value": (lambda x, m, v: x.masked_fill(m, v), [IDX, IDX > 0.3, numpy.array(1.5)]),
    "setitem": (lambda x, v: _setitem(x, v), [IDX, r(3, seed=4)]),
    "setitem_tensor_index": (lambda x, i, v: _setitem_index(x, i, v), [IDX, numpy.array([2, 0]), r(2, 5, seed=4)]),
}


def _setitem(x, v):
    y = x.detach().clone()
    y[1:, 0] = 0.5
    y[0, 1:4] = v.detach()
    y[y > 1.5] = -1.0
    y[[0, 2], [1, 1]] = 7.0
    return y * x + (x[0, :3] * v).sum()


def _setitem_index(x, i, v):
    y = x.detach().clone()
    y[i] = v.detach()
    y[i[:1], i] = 0.0
    return y * x


MATMUL = {
    f"{sa}@{sb}": (lambda a, b: a @ b, [r(*sa), r(*sb, seed=1)])
    for sa, sb in [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                   ((2, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((2, 3), (5, 3, 2))]
}
MATMUL.update({
    "mm_bmm_dot_outer": (lambda a, b, v: [ag.mm(a[0], b[0]), ag.bmm(a, b), ag.dot(v, v), ag.outer(v, v[:2]),
                                          a.matmul(b)], [r(2, 3, 4), r(2, 4, 2, seed=1), r(5, seed=2)]),
    "einsum": (lambda a, b, s: [ag.einsum("bij,bjk->bik", a, b), ag.einsum("ii->i", s), ag.einsum("ij->", s),
                                ag.einsum("...ij->...ji", a), ag.einsum("bij,bjk", [a, b]),
                                ag.einsum("i,i->", s[0], s[1]),
                                ag.einsum("ij,kj->ik", s, s)], [r(2, 3, 4), r(2, 4, 2, seed=1), r(3, 3, seed=2)]),
})
ARRANGE = {
    "flip_roll": (lambda x: [x.flip(1), x.flip((0, 2)), x.roll(1, 2), x.roll((1, -1), (0, 1)), x.roll(3)], [C234]),
    "cumsum": (lambda x: [x.cumsum(1), ag.cumsum(x, -1), (x.cumsum(0) ** 2).cumsum(0)], [C234]),
    "sort_topk": (lambda x: [x.sort(1), x.sort(-1, descending=True).values, x.argsort(0), x.topk(2, dim=2),
                             x.topk(1, largest=False).values], [C234]),
    "tril_triu_diag": (lambda x, v: [x.tril(), x.triu(1), x.diagonal(), x.diagonal(1, 2, 0), v.diag(1), x[0].diag(-1)],
                       [C234, r(3, seed=1)]),
    "narrow_contiguous": (lambda x: [x.narrow(2, 1, 2), x.transpose(0, 2).contiguous(), x.swapaxes(0, 1)], [C234]),
    "rounding_nan_to_num": (lambda x, y: [x.round(), x.floor(), (x * 3.0).frac(), x.ceil(), x.trunc(),
                                          y.nan_to_num(posinf=5.0, neginf=-5.0), y.nan_to_num(1.0, 2.0, -2.0)],
                            [C234, numpy.array([1.0, numpy.nan, numpy.inf, -numpy.inf])]),
    "nonzero": (lambda z: [z.nonzero(), z.count_nonzero(1), z.count_nonzero()], [Z]),
    "meshgrid": (lambda a, b: list(ag.meshgrid(a, b)) + list(ag.meshgrid(a, b, indexing="xy")), [r(3), r(4, seed=1)]),
    "trig_hyperbolic_logs": (lambda u, p: [u.asin(), u.acos(), u.atan(), u.sinh(), u.cosh(), u.asinh(), u.atanh(),
                                           (p + 1.0).acosh(), p.log2(), p.log10(), u.exp2()],
                             [r(3, 4, low=-0.9, high=0.9), pos(3, 4)]),
    "atan2_lerp_addmm": (lambda a, b, w: [ag.atan2(a, b), a.atan2(0.5), a.lerp(b, w), a.lerp(b, 0.25),
                                          ag.addmm(b, a, a.T[:, :1].expand(4, 1), beta=0.5, alpha=2.0)],
                         [A34, B14, r(4, seed=3)]),
    "scatter": (lambda x, s, i: [x.scatter(0, i, s), x.scatter(1, i[:, :2], 0.5), x.scatter_add(0, i, s),
                                 ag.scatter(x, 0, i, s, reduce="add")],
                [A34, r(2, 4, seed=2), numpy.array([[0, 1, 2, 0], [2, 0, 0, 1]])]),
    "repeat_interleave_unique": (lambda x, c: [x.repeat_interleave(2, 0), x.repeat_interleave(c, dim=1),
                                               x.repeat_interleave(3), ag.unique(c, return_inverse=True,
                                                                                 return_counts=True)],
                                 [A34, numpy.array([1, 0, 2, 1])]),
}
MORE = {
    "pointwise_more": (lambda a, b, p: [a.addcmul(a, b, value=0.5), a.addcdiv(b, p), p.logit(), p.logit(eps=0.2),
                                         a.xlogy(p), a.hypot(b), a.logaddexp(b), a.fmod(p), a.clamp_min(0.1),
                                         a.clamp_max(-0.1)], [A34, B14, pos(3, 4) / 3.0]),
    "stats_order": (lambda x: [ag.var_mean(x, 1), ag.std_mean(x, (0, 2)), x.median(), x.median(1), x.kthvalue(2, 0),
                               x.diff(), x.diff(n=2, dim=1)], [C234]),
    "linalg_more": (lambda a, b, c, d, e: [a[0].trace(), ag.tensordot(a, b, dims=([1, 2], [0, 1])), a[0].kron(c),
                                           ag.baddbmm(e, a, d, beta=0.5, alpha=2.0)],
                    [C234, r(3, 4, 2, seed=1), r(2, 2, seed=2), r(2, 4, 2, seed=3), r(2, 3, 2, seed=4)]),
    "index_more": (lambda x, m: [x.index_add(0, ag.tensor([0, 2, 0], device=x.device), x[:3]), x.masked_select(m),
                                 x.take(ag.tensor([[0, 5], [11, 5]], device=x.device))], [IDX, IDX > 0]),
    "isclose_bitwise": (lambda a, i: [ag.isclose(a, a + 1e-9), i & 3, i | i, 5 ^ i, (a > 0) & (a < 1)],
                        [A34, ints(9, 3, 4)]),
}
ZN = numpy.array([[2.0, 0.0, 3.0, -1.5, 0.5], [0.0, 1.5, 0.0, 2.0, -1.0], [1.2, numpy.nan, 0.9, 1.1, 0.0]])
MORE2 = {
    "stack_broadcast_grids": (lambda a, b, v: [*ag.broadcast_tensors(a, b), ag.atleast_3d(v), *ag.atleast_2d(v, a),
                                               ag.hstack([a, a]), ag.vstack([v, v]), ag.dstack([a, a]),
                                               ag.column_stack([v, a[:, :2]]), ag.block_diag(a, v, v[0]),
                                               ag.cartesian_prod(v, v[:2]), a.rot90(), a.rot90(3, (1, 0)),
                                               a.rot90(2), ag.tril_indices(3, 4, 1, device=a.device),
                                               ag.triu_indices(4, 3, -1, device=a.device)],
                              [r(3, 4), r(2, 1, 4, seed=1), r(3, seed=2)]),
    "cross_dist": (lambda a, b: [a.cross(b, dim=1), ag.cross(a.T, b.T), a.dist(b), a.dist(b, 3.0),
                                 a.dist(b, float("inf")), a.dist(b, 0)], [r(4, 3), r(4, 3, seed=1)]),
    "cumulative": (lambda x, z: [x.cumprod(1), z.cumprod(0), z.cumprod(1), x.cummax(1), x.cummin(0), z.cummax(0),
                                 (x * 100.0).logcumsumexp(1), x.logcumsumexp(0)], [A34, Z]),
    "counting": (lambda i, w, x, s: [ag.bincount(i), i.bincount(w, minlength=9), x.histc(5, -1.0, 1.0), x.histc(7),
                                     ag.searchsorted(s, x), ag.searchsorted(s, x, right=True),
                                     ag.searchsorted(x.sort(1).values, x[:, :2], side="right"),
                                     ag.bucketize(x, s, right=True), ag.searchsorted(s, 0.5)],
                 [ints(6, 10), r(10, seed=1), A34, numpy.sort(r(6, seed=2))]),
    "nan_stats_quantiles": (lambda x, z: [z.nansum(), z.nansum(1), z.nanmean(0), z.nanmean(1, keepdim=True),
                                          x.quantile(0.3, 1), x.quantile(ag.tensor([0.2, 0.9], dtype=x.dtype,
                                                                                    device=x.device), 0),
                                          x.quantile(0.4, interpolation="lower"),
                                          x.nanquantile(0.6, 1, True, interpolation="higher"),
                                          x.quantile(0.5, 0, interpolation="midpoint"),
                                          z.nanquantile(0.7, 1, interpolation="nearest"), z.quantile(0.5, 1),
                                          z.nanmedian(), z.nanmedian(1), x.nanmedian(0, keepdim=True)], [A34, ZN]),
    "specials": (lambda x, i: [x.sinc(), (x * 0.0).sinc(), x.deg2rad(), x.rad2deg(), (x * 3.0).erfc(), i.erfc(),
                               i.sinc(), ag.is_nonzero(x[0, 0]) and x.sum()], [A34, ints(4, 5)]),
}
FAMILIES = {**ARITH, **UNARY, **COMPARE, **REDUCE, **SHAPE, **JOIN, **INDEX, **MATMUL, **ARRANGE, **MORE, **MORE2}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_op_families(name, dut):
    fn, arrays = FAMILIES[name]
    mirror(fn, *arrays, dut=dut)


def test_float32_keeps_dtype(dut):
    def f(a, b):
        return [(a @ b).softmax(1), (a * 2.0).sum(0), a.norm(), ag.cat([a, a]), a[[0, 1]]]

    arrays = [r(3, 4).astype(numpy.float32), r(4, 2, seed=1).astype(numpy.float32)]
    out = mirror(f, *arrays, dut=dut, rtol=1e-6, atol=1e-6)
    assert all(t.dtype == ag.float32 for t in out)


# --- the engine --------------------------------------------------------------------------------------
def test_engine_features(dut):
    dev = dut.device
    seen = []
    x = ag.tensor(r(3), dtype=ag.float64, device=dev, requires_grad=True)
    hx = x.register_hook(lambda g: seen.append(g._backend) or g * 2.0)
    y = x * x
    y.retain_grad()
    y.register_hook(lambda g: g + 1.0)
    y.sum().backward(retain_graph=True)
    assert seen == [dut] and y.grad._backend is dut
    numpy.testing.assert_allclose(host(y.grad), numpy.ones(3) + 1.0)
    numpy.testing.assert_allclose(host(x.grad), 2 * 2 * host(x) * 2.0)
    hx.remove()
    x.grad = None
    y.sum().backward(inputs=[x])  # the retained graph again, now without the leaf hook
    numpy.testing.assert_allclose(host(x.grad), 2 * host(x) * 2.0)
    z = ag.tensor(r(3), dtype=ag.float64, device=dev, requires_grad=True)
    gx, gz = ag.grad((x * 3.0).sum(), [x, z], allow_unused=True)
    assert gz is None and gx._backend is dut
    w = x * 2.0
    w.backward(ag.ones(3, dtype=ag.float64, device=dev))
    w2 = x * 2.0
    w2.backward(numpy.ones(3))  # a host gradient is copied to the device explicitly
    assert x.grad._backend is dut
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()
        y.sum().backward()


def test_detect_anomaly(dut):
    x = ag.tensor([0.0, 1.0], dtype=ag.float64, device=dut.device, requires_grad=True)
    with ag.detect_anomaly():
        (x * 2.0 + 1.0).sqrt().sum().backward()  # finite
        with pytest.raises(RuntimeError, match="nan or inf"), numpy.errstate(divide="ignore"):
            x.sqrt().sum().backward()


def test_gradcheck_on_device(dut):
    def f(a, b):
        return (a @ b).tanh().sum(1) * a[:, 0]

    a = ag.tensor(r(3, 4), dtype=ag.float64, device=dut.device, requires_grad=True)
    b = ag.tensor(r(4, 2, seed=1), dtype=ag.float64, device=dut.device, requires_grad=True)
    assert ag.gradcheck(f, (a, b)) and ag.gradgradcheck(f, (a, b))
    assert ag.gradcheck(f, (a, b), fast_mode=True) and ag.gradgradcheck(f, (a, b), fast_mode=True)
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(_WrongGrad.apply, (a,))


class _WrongGrad(ag.Function):
    def forward(self, x):
        return x * 2.0

    def backward(self, gy):
        return gy * 3.0


# --- nn -----------------------------------------------------------------------------------------------
def mirror_module(module, *arrays, dut, train=True, rtol=1e-10, atol=1e-10, int_inputs=()):
    """``module`` on the CPU and a deep copy moved to ``dut`` with ``Module.to``: equal outputs, input
    gradients, parameter gradients and buffers after one forward and backward."""
    res = []
    dt = next((numpy.asarray(a).dtype for a in arrays if numpy.asarray(a).dtype.kind == "f"), None)
    for b in (CPU, dut):
        m = copy.deepcopy(module).to(b.device, dt)
        m.train(train)
        for t in list(m.parameters()) + list(m.buffers()):
            assert t._backend is b
        ag.manual_seed(0)
        ins = [on(b, a, requires_grad=i not in int_inputs and numpy.asarray(a).dtype.kind == "f")
               for i, a in enumerate(arrays)]
        with record_syncs() as syncs:
            out = m(*ins)
            g = on(b, numpy.random.default_rng(1).standard_normal(out.shape), out.dtype)
            (out * g).sum().backward()
        check_syncs(syncs)
        res.append((out, [t.grad for t in ins if t.requires_grad], dict(m.named_parameters()), dict(m.named_buffers())))
    (oc, gc, pc, bc), (od, gd, pd, bd) = res
    _same(oc, od, dut, "output", rtol, atol)
    for i, (c, d) in enumerate(zip(gc, gd)):
        _same(c, d, dut, f"input gradient {i}", rtol, atol)
    for name in pc:
        assert (pc[name].grad is None) == (pd[name].grad is None), name
        if pc[name].grad is not None:
            _same(pc[name].grad, pd[name].grad, dut, f"gradient of {name}", rtol, atol)
    for name in bc:
        _same(bc[name], bd[name], dut, f"buffer {name}", rtol, atol)
    return od


X4 = r(2, 3, 8, 8)
X3 = r(2, 3, 9)
LAYERS = {
    "linear": (lambda: nn.Linear(5, 4), [r(3, 5)]),
    "linear_no_bias_batched": (lambda: nn.Linear(5, 4, bias=False), [r(2, 3, 5)]),
    "sequential_flatten": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(12, 3), nn.ReLU(), nn.Unflatten(1, (3, 1))),
                           [r(2, 3, 4)]),
    "batchnorm1d_train": (lambda: nn.BatchNorm1d(4), [r(6, 4)]),
    "batchnorm1d_3d_no_affine": (lambda: nn.BatchNorm1d(3, affine=False), [r(4, 3, 5)]),
    "batchnorm2d_train": (lambda: nn.BatchNorm2d(3), [X4]),
    "batchnorm2d_cumulative": (lambda: nn.BatchNorm2d(3, momentum=None), [X4]),
    "dropout": (lambda: nn.Dropout(0.3), [r(4, 5)]),
    "dropout2d": (lambda: nn.Dropout2d(0.5), [X4]),
}
ACTIVATIONS = {
    "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    "softplus": lambda: nn.Softplus(2.0, 5.0), "gelu": nn.GELU, "gelu_tanh": lambda: nn.GELU("tanh"), "cos": nn.Cos,
    "softmax": lambda: nn.Softmax(1), "log_softmax": lambda: nn.LogSoftmax(dim=-1),
}
CONV_POOL = {
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [X3]),
    "conv2d": (lambda: nn.Conv2d(3, 4, 3, padding=1), [X4]),
    "conv2d_strided": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), [X4]),
    "conv2d_dilated_groups": (lambda: nn.Conv2d(3, 6, 3, dilation=2, groups=3), [X4]),
    "conv2d_padding_modes": (lambda: nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"), [X4]),
    "conv2d_wide_in": (lambda: nn.Conv2d(1, 6, 5, padding=2), [r(2, 1, 8, 8)]),
    "maxpool2d": (lambda: nn.MaxPool2d(2), [X4]),
    "maxpool2d_overlap": (lambda: nn.MaxPool2d(3, stride=2, padding=1), [X4]),
    "maxpool1d": (lambda: nn.MaxPool1d(3, 2), [X3]),
    "avgpool2d": (lambda: nn.AvgPool2d(2), [X4]),
    "avgpool2d_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1), [X4]),
    "avgpool1d": (lambda: nn.AvgPool1d(2), [X3]),
    "adaptive_avgpool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), [X4]),
    "adaptive_avgpool2d_1": (lambda: nn.AdaptiveAvgPool2d(1), [X4]),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers(name, dut):
    make, arrays = LAYERS[name]
    if name.startswith("dropout"):
        shares_cpu_generator(dut)
    ag.manual_seed(0)
    mirror_module(make(), *arrays, dut=dut)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_modules(name, dut):
    mirror_module(ACTIVATIONS[name](), r(3, 5), dut=dut)


def test_functional_activations(dut):
    mirror(lambda x: [F.relu(x), F.leaky_relu(x, 0.3), F.sigmoid(x), F.tanh(x), F.softplus(x), F.gelu(x),
                      F.gelu(x, approximate="tanh"), F.cos(x), F.softmax(x, 1), F.log_softmax(x, 0)], r(3, 5), dut=dut)


@pytest.mark.parametrize("name", list(CONV_POOL))
def test_conv_and_pooling(name, dut):
    make, arrays = CONV_POOL[name]
    ag.manual_seed(0)
    mirror_module(make(), *arrays, dut=dut)


GEOMETRY = dict(kernel=(3, 2), stride=(2, 1), padding=((1, 0), (1, 1)), dilation=(1, 2))


def _kernel_args(name, xs):
    """Arguments of the CPU backend's module-level kernel algorithm ``name`` for the host arrays ``xs``."""
    g = GEOMETRY
    geom = (g["kernel"], g["stride"], g["padding"], g["dilation"])
    if name == "im2col_strided":
        return (xs["x"],) + geom + (0.5,)
    if name == "col2im_sliced":
        return (xs["cols"], xs["x"].shape[2:], g["stride"], g["padding"], g["dilation"])
    if name == "max_pool2d_windows":
        return (xs["x"],) + geom
    return (xs["gy"], xs["idx"], xs["x"].shape) + geom


@pytest.mark.parametrize("name", ["im2col_strided", "col2im_sliced", "max_pool2d_windows",
                                  "max_pool2d_backward_scatter"])
def test_cpu_kernel_algorithms_are_device_generic(name):
    """The CPU backend's kernel algorithms are written against ``xp`` because the GPU backend runs them as
    its fallbacks (other dtypes, planes too large for its kernels): they must run on the strict device."""
    import backends.numpy_backend as nb

    fn = getattr(nb, name, None)
    if fn is None:
        pytest.skip(f"backends.numpy_backend has no {name}")
    x = r(2, 3, 7, 6)
    cols = nb.NumpyBackend().im2col(x, *(GEOMETRY[k] for k in ("kernel", "stride", "padding", "dilation")))
    y, idx = CPU.max_pool2d(x, *(GEOMETRY[k] for k in ("kernel", "stride", "padding", "dilation")))
    xs = {"x": x, "cols": r(*cols.shape, seed=1), "gy": r(*y.shape, seed=2), "idx": idx}
    first = CPU if name == "max_pool2d_backward_scatter" else numpy
    expected = fn(first, *_kernel_args(name, xs))
    strict_xs = {k: STRICT.from_host(v) for k, v in xs.items()}
    first = STRICT if name == "max_pool2d_backward_scatter" else STRICT.xp
    got = fn(first, *_kernel_args(name, strict_xs))
    pairs = zip(expected, got) if isinstance(expected, tuple) else [(expected, got)]
    for e, gt in pairs:
        assert type(gt) is StrictArray
        numpy.testing.assert_array_equal(STRICT.to_host(gt), e)


def test_conv_pool_functional_double_backward(dut):
    w = r(4, 3, 3, 3, seed=1)
    mirror(lambda x, w: [F.conv2d(x, w, stride=2, padding=1), F.max_pool2d(x, 2), F.avg_pool2d(x, 2, 2),
                         F.adaptive_avg_pool2d(x, 2), F.conv1d(x[:, :, 0], w[:, :, 0], padding=1)],
           r(2, 3, 6, 6), w, dut=dut, rtol=1e-10, atol=1e-10)


def test_batchnorm_eval_and_running_stats(dut):
    for bn in (nn.BatchNorm2d(3), nn.BatchNorm1d(3, affine=False)):
        x = X4 if isinstance(bn, nn.BatchNorm2d) else r(5, 3)
        bn.train()
        bn(ag.tensor(x, dtype=ag.float64).float())
        mirror_module(bn, x.astype(numpy.float32), dut=dut, train=False, rtol=1e-5, atol=1e-6)
    mirror(lambda x, m, v: F.batch_norm(x, m.detach(), v.detach(), training=False), X4, r(3), pos(3), dut=dut)
    mirror(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), X4, pos(3), r(3), dut=dut, rtol=1e-10,
           atol=1e-10)


N, C = 6, 4
LOGITS, TARGET, PROBS = r(N, C), ints(C, N), numpy.random.default_rng(3).dirichlet(numpy.ones(C), N)
LOSSES = {
    "cross_entropy": (lambda x, t: [F.cross_entropy(x, t), F.cross_entropy(x, t, reduction="sum"),
                                    F.cross_entropy(x, t, reduction="none")], [LOGITS, TARGET]),
    "cross_entropy_weight_ignore_smooth": (
        lambda x, t, w: [F.cross_entropy(x, t, weight=w.detach(), ignore_index=1),
                         F.cross_entropy(x, t, label_smoothing=0.2, ignore_index=2),
                         F.cross_entropy(x, t, weight=w.detach(), label_smoothing=0.1)], [LOGITS, TARGET, pos(C)]),
    "cross_entropy_probs": (lambda x, p: [F.cross_entropy(x, p), F.cross_entropy(x, p, label_smoothing=0.1,
                                                                                  reduction="none")], [LOGITS, PROBS]),
    "cross_entropy_spatial": (lambda x, t: F.cross_entropy(x, t), [r(2, C, 3, 2), ints(C, 2, 3, 2)]),
    "nll": (lambda x, t, w: [F.nll_loss(x.log_softmax(1), t), F.nll_loss(x, t, weight=w.detach(), reduction="sum"),
                             F.nll_loss(x[0], t[0])], [LOGITS, TARGET, pos(C)]),
    "mse_l1": (lambda x, y: [F.mse_loss(x, y), F.l1_loss(x, y, reduction="sum"), F.mse_loss(x, y, reduction="none")],
               [LOGITS, r(N, C, seed=4)]),
    "bce": (lambda p, t, w: [F.binary_cross_entropy(p, t), F.binary_cross_entropy(p, t, weight=w.detach())],
            [numpy.random.default_rng(5).uniform(0.05, 0.95, (N, C)), PROBS, pos(C)]),
    "bce_with_logits": (lambda x, t, w: [F.binary_cross_entropy_with_logits(x, t),
                                         F.binary_cross_entropy_with_logits(x, t, weight=w.detach(),
                                                                            pos_weight=w.detach())],
                        [LOGITS, PROBS, pos(C)]),
    "soft_margin": (lambda x, y: F.soft_margin_loss(x, y), [LOGITS, numpy.sign(r(N, C, seed=6))]),
    "hinge_embedding": (lambda x, y: [F.hinge_embedding_loss(x, y), F.hinge_embedding_loss(x, y, margin=0.5,
                                                                                         reduction="none")],
                        [LOGITS, numpy.sign(r(N, C, seed=6))]),
    "multi_margin": (lambda x, t, w: [F.multi_margin_loss(x, t), F.multi_margin_loss(x, t, p=2, margin=0.7,
                                                                                     weight=w.detach()),
                                      F.multi_margin_loss(x[0], t[0])], [LOGITS, TARGET, pos(C)]),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses(name, dut):
    fn, arrays = LOSSES[name]
    mirror(fn, *arrays, dut=dut)


def test_loss_modules_and_errors(dut):
    x, t = LOGITS, TARGET
    for m, target in ((nn.CrossEntropyLoss(), t), (nn.NLLLoss(), t), (nn.MSELoss(), PROBS), (nn.L1Loss(), PROBS),
                      (nn.BCEWithLogitsLoss(), PROBS), (nn.SoftMarginLoss(), numpy.sign(x)),
                      (nn.MultiMarginLoss(), t), (nn.HingeEmbeddingLoss(), numpy.sign(x))):
        mirror(lambda x, y: m(x, y), x, target, dut=dut)
    mirror(lambda p, y: nn.BCELoss()(p, y), numpy.full((2, 2), 0.3), numpy.eye(2), dut=dut)
    bad = on(dut, numpy.array([0, 9]))
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(on(dut, r(2, 3)), bad)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(on(dut, numpy.array([1.5])), on(dut, numpy.array([1.0])))


def test_models_forward_backward(dut):
    ag.manual_seed(0)
    mirror_module(LeNet5(), r(2, 1, 28, 28), dut=dut, rtol=1e-9, atol=1e-9)
    ag.manual_seed(0)
    model = resnet18(num_classes=5, stem="cifar").double()  # float64: a tight comparison
    mirror_module(model, r(2, 3, 16, 16), dut=dut, rtol=1e-8, atol=1e-8)


# --- optim ---------------------------------------------------------------------------------------------
OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1),
    "sgd_momentum_nesterov_wd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_dampening_maximize": lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.3, maximize=True),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.2),
    "adadelta": lambda p: optim.Adadelta(p, lr=1.0, weight_decay=0.1),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01),
    "rmsprop_centered_momentum": lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam_amsgrad_wd_maximize": lambda p: optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    "adamw": lambda p: optim.AdamW(p, lr=0.01),
    "nadam": lambda p: optim.NAdam(p, lr=0.01, weight_decay=0.1),
    "nadam_decoupled": lambda p: optim.NAdam(p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optimizers(name, dut):
    values = [r(3, 4), r(4, seed=1)]
    grads = [[r(3, 4, seed=10 + k), r(4, seed=20 + k)] for k in range(3)]
    result = []
    for b in (CPU, dut):
        params = [on(b, v, requires_grad=True) for v in values]
        opt = OPTIMIZERS[name](params)
        for gs in grads:
            opt.zero_grad()
            for p, g in zip(params, gs):
                p.grad = on(b, g)
            opt.step()
        for state in opt.state.values():
            for k, v in state.items():
                if isinstance(v, ag.Tensor) and v.ndim:
                    assert v._backend is b, f"state {k!r} on {v.device}"
        result.append(params)
    for c, d in zip(*result):
        _same(c, d, dut, f"{name} parameter", 1e-12, 1e-12)


def test_closure_schedulers_and_early_stopping(dut):
    p = on(dut, r(3), requires_grad=True)
    opt = optim.SGD([p], lr=1.0, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    scheds = [optim.StepLR(opt, 2, 0.5), optim.MultiStepLR(opt, [1, 3]), optim.ExponentialLR(opt, 0.9),
              optim.CosineAnnealingLR(opt, 5), optim.LinearLR(opt, total_iters=3),
              optim.LambdaLR(opt, lambda e: 1.0 / (e + 1))]
    plateau = optim.ReduceLROnPlateau(opt, patience=0)
    stopper = optim.EarlyStopping(patience=1)
    for _ in range(4):
        loss = opt.step(closure)
        assert loss._backend is dut
        for s in scheds:
            s.step()
        plateau.step(loss)  # a device scalar: one small synchronisation
        stopper.step(loss)
    assert p._backend is dut and opt.param_groups[0]["lr"] < 1.0


def test_clip_grad(dut):
    for norm_type in (2.0, float("inf"), 1.0, 3.0, 0.0):
        res = []
        for b in (CPU, dut):
            ps = [on(b, r(3, 4), requires_grad=True), on(b, r(5, seed=1), requires_grad=True)]
            for p, s in zip(ps, (2, 3)):
                p.grad = on(b, r(*p.shape, seed=s) * 3)
            total = optim.clip_grad_norm_(ps, 1.0, norm_type=norm_type)
            optim.clip_grad_value_(ps, 0.4)
            res.append([total, optim.get_total_norm([p.grad for p in ps], norm_type)] + [p.grad for p in ps])
        for c, d in zip(*res):
            _same(c, d, dut, f"clip_grad norm_type={norm_type}", 1e-12, 1e-12)
    p = on(dut, r(3), requires_grad=True)
    p.grad = on(dut, numpy.array([1.0, float("nan"), 0.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


# --- data ----------------------------------------------------------------------------------------------
def test_dataloader(dut):
    x, y = r(10, 3), ints(4, 10)
    batches = []
    for b in (CPU, dut):
        ds = TensorDataset(on(b, x), on(b, y))
        loader = DataLoader(ds, batch_size=4, shuffle=True, generator=ag.Generator().manual_seed(5))
        got = list(loader)
        assert all(t._backend is b for xb, yb in got for t in (xb, yb))
        batches.append(got)
    for (xc, yc), (xd, yd) in zip(*batches):
        _same(xc, xd, dut, "x batch", 0, 0)
        _same(yc, yd, dut, "y batch", 0, 0)
    moved = list(DataLoader(TensorDataset(ag.tensor(x), ag.tensor(y)), batch_size=3, device=dut.device))
    assert len(moved) == 4 and all(t._backend is dut for xb, yb in moved for t in (xb, yb))
    per_sample = list(DataLoader(TensorDataset(on(dut, x)), batch_size=4,
                                 collate_fn=lambda s: ag.stack([t[0] for t in s])))
    assert per_sample[0]._backend is dut and per_sample[0].shape == (4, 3)


def test_dataset_utilities(dut):
    x, y = on(dut, r(8, 2)), on(dut, ints(3, 8))
    ds = TensorDataset(x, y)
    train, test = random_split(ds, [0.75, 0.25], generator=ag.Generator().manual_seed(0))
    xb, yb = next(iter(DataLoader(train, batch_size=6)))
    assert xb._backend is dut and xb.shape == (6, 2) and yb.shape == (6,)
    sub = Subset(ds, [7, 1, 1])
    numpy.testing.assert_array_equal(host(sub[[0, 1]][0]), host(x)[[7, 1]])
    both = ConcatDataset([ds, sub])
    assert len(both) == 11 and both[9][0]._backend is dut
    batch = next(iter(DataLoader(both, batch_size=11)))
    assert batch[0]._backend is dut and batch[0].shape == (11, 2)


TRANSFORMS = {
    "normalize": lambda g: transforms.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4]),
    "hflip": lambda g: transforms.RandomHorizontalFlip(0.5, generator=g),
    "crop": lambda g: transforms.RandomCrop(6, padding=2, generator=g),
    "crop_fill": lambda g: transforms.RandomCrop((5, 7), padding=(1, 2), fill=0.5, generator=g),
    "rotation": lambda g: transforms.RandomRotation(30, generator=g),
    "resize": lambda g: transforms.Resize((5, 11)),
    "resized_crop": lambda g: transforms.RandomResizedCrop(6, generator=g),
    "color_jitter": lambda g: transforms.ColorJitter(0.4, 0.4, generator=g),
    "color_jitter_grey": lambda g: transforms.ColorJitter(0.0, 0.5, generator=g),
    "compose": lambda g: transforms.Compose([transforms.RandomHorizontalFlip(generator=g),
                                             transforms.Normalize(0.5, 0.25)]),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transforms(name, dut):
    if name in ("rotation", "resize", "resized_crop"):
        pytest.importorskip("scipy")
    images = numpy.random.default_rng(0).uniform(0, 1, (4, 1 if name == "color_jitter_grey" else 3, 8, 8))
    out = []
    for b in (CPU, dut):
        t = TRANSFORMS[name](ag.Generator().manual_seed(2))
        out.append([t(on(b, images, numpy.float32)), t(on(b, images[0], numpy.float32))])
    for c, d in zip(*out):
        _same(c, d, dut, name, 1e-6, 1e-6)


# --- serialization and moving modules -------------------------------------------------------------------
def test_save_load_device_tensors(dut, tmp_path):
    t = on(dut, r(3, 4), requires_grad=True)
    path = tmp_path / "t.safetensors"
    ag.save({"t": t, "cpu": ag.ones(2), "nested": [on(dut, ints(3, 4))]}, path)
    back = ag.load(path)
    assert back["t"]._backend is dut and back["t"].requires_grad and back["cpu"]._backend is CPU
    numpy.testing.assert_array_equal(host(back["t"]), host(t))
    assert back["nested"][0]._backend is dut
    on_cpu = ag.load(path, map_location="cpu")
    assert on_cpu["t"]._backend is CPU
    numpy.testing.assert_array_equal(on_cpu["t"].detach().numpy(), host(t))


def test_module_to_state_dict_and_checkpoint(dut, tmp_path):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = r(6, 4), ints(3, 6)

    def step(dev):
        opt.zero_grad()
        loss = F.cross_entropy(model(ag.tensor(x, dtype=ag.float32, device=dev)), ag.tensor(y, device=dev))
        loss.backward()
        opt.step()
        return loss

    step("cpu")
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    model.to(dut.device)  # parameters move in place; the optimizer state follows on the next step
    assert all(t._backend is dut for t in list(model.parameters()) + list(model.buffers()))
    assert all(numpy.array_equal(host(v), before[k]) for k, v in model.state_dict().items())
    step(dut.device)
    assert all(v._backend is dut for s in opt.state.values() for k, v in s.items() if k != "step")
    path = tmp_path / "ckpt.safetensors"
    ag.save_checkpoint(path, epoch=1, model=model, optimizer=opt)
    clone = copy.deepcopy(model)
    step(dut.device)
    assert not all(numpy.array_equal(host(a), host(b)) for a, b in zip(model.parameters(), clone.parameters()))
    info = ag.load_checkpoint(path, model=model, optimizer=opt)
    assert info["epoch"] == 1
    for a, b in zip(model.parameters(), clone.parameters()):
        assert a._backend is dut
        numpy.testing.assert_array_equal(host(a), host(b))
    cpu_model = copy.deepcopy(model).to("cpu")
    cpu_model.load_state_dict(model.state_dict())
    assert all(p._backend is CPU for p in cpu_model.parameters())
    assert math.isfinite(step(dut.device).item())


def test_early_stopping_and_optimizer_state_dict(dut):
    ag.manual_seed(0)
    model = MLP(3, [4], 2).to(dut.device)
    stopper = optim.EarlyStopping(patience=1, restore_best_weights=True)
    best = {k: host(v).copy() for k, v in model.state_dict().items()}
    stopper.step(on(dut, numpy.array(1.0)), model)
    with ag.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    assert stopper.step(on(dut, numpy.array(2.0)), model)  # worse: stops and restores the best weights
    for k, v in model.state_dict().items():
        assert v._backend is dut
        numpy.testing.assert_array_equal(host(v), best[k])
    opt = optim.Adam(model.parameters(), lr=0.1)
    F.mse_loss(model(on(dut, r(5, 3), numpy.float32)), on(dut, r(5, 2), numpy.float32)).backward()
    opt.step()
    sd_ = opt.state_dict()
    cpu_model = copy.deepcopy(model).to("cpu")
    cpu_opt = optim.Adam(cpu_model.parameters(), lr=0.1)
    cpu_opt.load_state_dict(sd_)  # state moves to the parameters' device
    assert all(v._backend is CPU for s in cpu_opt.state.values() for v in s.values() if isinstance(v, ag.Tensor))
    opt.load_state_dict(cpu_opt.state_dict())
    assert all(v._backend is dut for s in opt.state.values() for k, v in s.items() if k != "step")


def test_random_features_and_mlp(dut):
    ag.manual_seed(0)
    mirror_module(RandomFeatures(3, 8, 2), r(5, 3), dut=dut)
    ag.manual_seed(0)
    mirror_module(MLP(3, [6, 5], 2, dropout=0.2 if dut is STRICT else 0.0), r(5, 3), dut=dut)


def test_clip_grad_across_devices(dut):
    a, b = on(CPU, r(3), requires_grad=True), on(dut, r(4, seed=1), requires_grad=True)
    a.grad, b.grad = on(CPU, r(3, seed=2)), on(dut, r(4, seed=3))
    expected = numpy.sqrt((host(a.grad) ** 2).sum() + (host(b.grad) ** 2).sum())
    total = optim.clip_grad_norm_([a, b], 0.5)
    assert total._backend is CPU and abs(total.item() - expected) < 1e-12
    assert abs(numpy.sqrt((host(a.grad) ** 2).sum() + (host(b.grad) ** 2).sum()) - 0.5) < 1e-6


# --- synchronisations in a training step ----------------------------------------------------------------


def _train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


@pytest.mark.parametrize("model_name", ["mlp", "lenet"])
def test_training_step_has_no_hidden_syncs(model_name):
    ag.manual_seed(0)
    if model_name == "mlp":
        model, shape = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 10)), (8, 12)
    else:
        model, shape = LeNet5(), (4, 1, 28, 28)
    model.to(STRICT.device)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x = on(STRICT, r(*shape), numpy.float32)
    y = on(STRICT, ints(10, shape[0]))
    _train_step(model, opt, x, y)  # the first step creates the optimizer state
    with record_syncs() as syncs:
        _train_step(model, opt, x, y)
    check_syncs(syncs)
    assert [where.split(" ", 1)[1] for _, _, where in syncs] == ["(_class_targets)"] * 2  # min and max of y

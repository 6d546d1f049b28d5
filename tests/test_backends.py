"""backends: device parsing, the registry, CUDA detection without a GPU, the CPU generator."""

import sys
import types

import numpy
import pytest

import backends
from backends import Device, parse_device
from backends.registry import cuda_unavailable_reason


def test_parse_device():
    assert parse_device("cpu") == Device("cpu") and str(parse_device("cpu")) == "cpu"
    assert parse_device("cuda") == Device("cuda", 0)
    assert parse_device("cuda:1").index == 1 and parse_device("CUDA:1").type == "cuda"
    assert parse_device(2) == Device("cuda", 2)
    assert parse_device("cpu:0") == Device("cpu")
    assert Device("cuda", 1) == "cuda:1" and Device("cpu") != "cuda"
    assert hash(parse_device("cuda:0")) == hash(parse_device("cuda"))


@pytest.mark.parametrize("bad, kind, words", [
    ("tpu", ValueError, "unknown device 'tpu'"), ("cuda:x", ValueError, "whole number"),
    ("cpu:1", ValueError, "no index"), (3.5, TypeError, "float"), (-1, ValueError, ">= 0"),
])
def test_bad_device_names(bad, kind, words):
    with pytest.raises(kind, match=words):
        parse_device(bad)


def test_available_devices_starts_with_cpu():
    devices = backends.available_devices()
    assert devices[0] == "cpu"
    assert all(d.startswith("cuda:") for d in devices[1:])


def test_cpu_backend_is_cached():
    assert backends.get_backend("cpu") is backends.get_backend(Device("cpu")) is backends.CPU


@pytest.mark.skipif(backends.is_cuda_available(), reason="a GPU is visible here")
def test_cuda_request_without_gpu_says_why():
    with pytest.raises(backends.DeviceUnavailableError) as info:
        backends.get_backend("cuda")
    message = str(info.value)
    assert "'cuda:0' is not available" in message and "device='cpu'" in message
    assert backends.cuda_unavailable_reason() in message


def test_detection_messages(monkeypatch):
    detect = cuda_unavailable_reason.__wrapped__  # the uncached check
    monkeypatch.setitem(sys.modules, "cupy", None)  # import fails: CuPy not installed
    assert "not installed" in detect()
    fake = types.ModuleType("cupy")
    fake.is_available = lambda: False
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert "no GPU is visible" in detect()
    fake.is_available = lambda: True
    assert detect() is None


def test_cpu_rng_state_roundtrip():
    cpu = backends.CPU
    cpu.manual_seed(11)
    state = cpu.get_rng_state()
    assert state.dtype == numpy.uint8 and state.shape == (37,)
    a = cpu.normal((4,), numpy.float32)
    cpu.set_rng_state(state)
    b = cpu.normal((4,), numpy.float32)
    numpy.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="37 bytes"):
        cpu.set_rng_state(numpy.zeros(3, numpy.uint8))


def test_scatter_add_accumulates_duplicates():
    target = numpy.zeros(3)
    backends.CPU.scatter_add(target, numpy.array([0, 0, 2]), numpy.array([1.0, 2.0, 5.0]))
    assert target.tolist() == [3.0, 0.0, 5.0]


def test_backend_layer_knows_nothing_of_tensor():
    import ast
    import pathlib

    root = pathlib.Path(backends.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in ("autograd_core", "nn", "optim"), f"{path.name} imports {name}"


def _layouts(a):
    """a, its transpose, a Fortran-ordered copy, permuted memory orders and a strided (non-dense) view."""
    yield a
    yield a.T
    yield numpy.asfortranarray(a)
    if a.ndim == 4:
        yield numpy.ascontiguousarray(a.transpose(2, 3, 0, 1)).transpose(2, 3, 0, 1)
    if a.ndim >= 3:  # memory order (1, 2, 0, ...): a permutation that is not its own inverse
        order = (1, 2, 0) + tuple(range(3, a.ndim))
        yield numpy.ascontiguousarray(a.transpose(order)).transpose(numpy.argsort(order))
    yield a[..., ::2]


@pytest.mark.parametrize("shape", [(3,), (128, 512), (4, 6, 28, 28), (1 << 16,), (5, (1 << 16) + 3), (2, 3, 0)])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_cpu_relu_is_numpy_maximum_with_zero(shape, dtype):
    """The CPU's max(x, 0) (against a row of zeros, in blocks) gives numpy.maximum(x, 0) exactly: values,
    NaN, -inf, the sign of -0.0, dtype and memory layout, whatever x's layout."""
    from backends.numpy_backend import maximum_zero

    a = numpy.random.default_rng(3).standard_normal(shape).astype(dtype)
    a.reshape(-1)[:4] = [numpy.nan, -numpy.inf, -0.0, numpy.inf][:a.size]
    for x in _layouts(a):
        got, want = maximum_zero(x), numpy.maximum(x, 0)
        assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
        numpy.testing.assert_array_equal(got, want)
        numpy.testing.assert_array_equal(numpy.signbit(got), numpy.signbit(want))
        assert backends.get_backend("cpu").relu(x).strides == want.strides


@pytest.mark.parametrize("value", [-1.5, 0.5, 87.0])
def test_cpu_minimum_with_a_scalar_is_numpys(value):
    from backends.numpy_backend import with_scalar

    a = numpy.random.default_rng(4).standard_normal((5, 6, 7, 11)).astype("float32") * 3
    a.reshape(-1)[:3] = [numpy.nan, numpy.inf, -numpy.inf]
    for x in _layouts(a):
        got, want = with_scalar(numpy.minimum, x, value), numpy.minimum(x, value)
        assert got.dtype == want.dtype and got.strides == want.strides
        numpy.testing.assert_array_equal(got, want)


def _select_sigmoid(x):
    """The backends' generic sigmoid: 1 / (1 + e) where x >= 0, e / (1 + e) where x < 0, e = exp(-|x|)."""
    with numpy.errstate(all="ignore"):
        return backends.base.Backend.sigmoid(types.SimpleNamespace(xp=numpy), x)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_cpu_sigmoid_agrees_with_the_select_formula(dtype):
    """The CPU's E / (1 + E), E = exp(min(x, c)): exactly the select formula for x < 0, within 2 ulp of
    it for x >= 0; 0.5 at +-0, 1 at +inf and at large x, 0 at -inf, NaN at NaN; no warnings; x's layout."""
    import warnings

    from backends.numpy_backend import sigmoid

    a = (numpy.random.default_rng(5).standard_normal((6, 7, 8, 9)) * 20).astype(dtype)
    a.reshape(-1)[:7] = [numpy.nan, numpy.inf, -numpy.inf, 0.0, -0.0, 1e4, -1e4]
    for x in _layouts(a):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = sigmoid(x)
        want = _select_sigmoid(x)
        assert got.dtype == x.dtype and got.strides == numpy.maximum(x, 0).strides
        neg = x < 0
        numpy.testing.assert_array_equal(got[neg], want[neg])
        rest = ~neg & ~numpy.isnan(x)
        numpy.testing.assert_array_max_ulp(got[rest], want[rest], maxulp=2)
        assert numpy.isnan(got[numpy.isnan(x)]).all()
    flat = sigmoid(a).reshape(-1)
    assert flat[1] == 1 and flat[2] == 0 and flat[3] == flat[4] == 0.5 and flat[5] == 1 and flat[6] == 0


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("a, b", [(1, 0.01), (0.01, 1), (-2.5, numpy.inf), (numpy.nan, -0.0), (3, 3)])
def test_cpu_where_between_two_scalars_is_numpy_where_bit_for_bit(dtype, a, b):
    """LeakyReLU's slopes: where between two 0-d arrays, over a mask of mixed values and any layout."""
    from backends.numpy_backend import where

    cond = numpy.random.default_rng(6).random((4, 5, 6)) > 0.5
    sa, sb = numpy.asarray(a, dtype=dtype), numpy.asarray(b, dtype=dtype)
    for c in (cond, cond.transpose(2, 0, 1), cond[:, ::2]):
        got, want = where(c, sa, sb), numpy.where(c, sa, sb)
        assert got.dtype == want.dtype and got.shape == want.shape
        numpy.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))


def _bits(x):
    x = numpy.ascontiguousarray(x)
    return x.view(f"u{x.itemsize}")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_cpu_where_is_numpy_where_bit_for_bit(dtype):
    """The CPU's branch-free select gives numpy.where's result bit for bit (NaN, signed zeros, infinities),
    under broadcasting and any layout; other operands (mixed dtypes, integers, a non-bool condition, all
    0-d) go to numpy.where itself."""
    from backends.numpy_backend import where

    rng = numpy.random.default_rng(8)
    a = rng.standard_normal((4, 5, 6)).astype(dtype)
    b = rng.standard_normal((4, 5, 6)).astype(dtype)
    a.reshape(-1)[:4] = [numpy.nan, -0.0, numpy.inf, -numpy.inf]
    b.reshape(-1)[:4] = [0.0, numpy.nan, -numpy.inf, -0.0]
    c = rng.random((4, 5, 6)) > 0.5
    one = numpy.asarray(2.0, dtype=dtype)
    cases = [(c, a, b), (c, a, b[0]), (c, a[:, :1], one), (c[0], a, b), (c.T, a.T, b.T),
             (c[..., ::2], a[..., ::2], b[..., ::2]), (numpy.bool_(True), a, b), (numpy.asarray(False), one, one * 3),
             (c, a, b.astype("float64")), (c, (a > 0).astype("int32"), 7), (c.astype("uint8"), a, b),
             (numpy.zeros_like(c), a, b[0]), (numpy.ones((5, 6), bool), a[0, :1], b)]
    for args in cases:
        got, want = where(*args), numpy.where(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
        numpy.testing.assert_array_equal(_bits(got), _bits(want))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("invert", [False, True])
def test_cpu_keep_is_the_generic_select_bit_for_bit(dtype, invert):
    """The CPU's keep (the gradient's bits AND-ed with an int8 mask of -1 and 0) gives the generic backend's
    where(mask, g, +0) bit for bit: infinities and NaN dropped where the mask is off, +0 there (not the -0 of
    g * False for a negative g), under broadcasting, any layout and 0-d operands."""
    from backends.base import Backend
    from backends.numpy_backend import keep, keep_mask

    class Generic(Backend):
        xp = numpy

    generic = Generic()
    rng = numpy.random.default_rng(9)
    g = rng.standard_normal((4, 5, 6)).astype(dtype)
    g.reshape(-1)[:5] = [numpy.nan, -0.0, numpy.inf, -numpy.inf, -2.0]
    x = rng.standard_normal((4, 5, 6))
    x.reshape(-1)[:5] = [-1.0, 1.0, -1.0, -1.0, -1.0]
    for cond, grad in [(x > 0, g), (x.T > 0, g.T), (x[..., ::2] > 0, g[..., ::2]), (x[0] > 0, g),
                       (x > 0, g[0, :1]), (numpy.asarray(x[0, 0, 0] > 0), g[0, 0, 0].copy().reshape(())),
                       (x[0, 0, 1] > 0, g), (numpy.zeros((4, 5, 6), bool), g)]:
        want = generic.keep(grad, generic.keep_mask(numpy.array(cond), invert))
        mask = keep_mask(cond, invert)
        assert mask.dtype == numpy.int8 and set(numpy.unique(mask)) <= {-1, 0}
        got = keep(grad, mask)
        assert got.__class__ is numpy.ndarray and got.dtype == want.dtype and got.shape == want.shape
        numpy.testing.assert_array_equal(_bits(got), _bits(want))
    assert keep(g.T, keep_mask(x.T > 0)).flags.f_contiguous  # g's memory order is kept (no strided copy)
    assert not _bits(keep(g, keep_mask(x < -5))).any()  # all off: +0 everywhere, whatever g held


@pytest.mark.parametrize("lo, hi", [(-0.5, 0.5), (0.0, 6.0), (None, 1.5), (-1.0, None), (2.0, 2.0)])
def test_cpu_clamp_is_numpy_clip_bit_for_bit(lo, hi):
    from backends.numpy_backend import clamp

    a = numpy.random.default_rng(9).standard_normal((5, 6, 7, 8)).astype("float32") * 3
    a.reshape(-1)[:5] = [numpy.nan, numpy.inf, -numpy.inf, -0.0, 0.0]
    for x in _layouts(a):
        got, want = clamp(x, lo, hi), numpy.clip(x, lo, hi)
        assert got.dtype == want.dtype and got.shape == want.shape
        numpy.testing.assert_array_equal(_bits(got), _bits(want))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows, n_in, n_out", [(128, 784, 512), (5, 7, 5), (64, 400, 120), (128, 512, 10), (9, 3, 4)])
def test_cpu_linear_layout_rule_and_products(dtype, rows, n_in, n_out):
    """The CPU computes x @ w.T as (w @ x.T).T, a column-major result, exactly when out >= rows; its
    input gradient g @ w as (w.T @ g.T).T exactly when x is column-major. Either way the values are
    x @ w.T's (to the rounding of a differently blocked GEMM), whatever x's layout."""
    from backends.numpy_backend import linear_input_grad_transposed, linear_transposed

    rng = numpy.random.default_rng(5)
    w = rng.standard_normal((n_out, n_in)).astype(dtype)
    g = rng.standard_normal((rows, n_out)).astype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-13
    a = rng.standard_normal((rows, n_in)).astype(dtype)
    for x in (a, numpy.asfortranarray(a)):
        transposed = linear_transposed(x, w)
        assert transposed == (n_out >= rows)
        y = numpy.matmul(w, x.T).T if transposed else numpy.matmul(x, w.T)
        numpy.testing.assert_allclose(y, x.astype("float64") @ w.T.astype("float64"), rtol=tol, atol=tol * n_in)
        assert y.flags.f_contiguous if transposed else y.flags.c_contiguous
        column_major = x.flags.f_contiguous and not x.flags.c_contiguous
        assert linear_input_grad_transposed(g, w, x) == column_major
        assert backends.get_backend("cpu").linear_input_grad_transposed(g, w, x) == column_major
    # other ranks, non-BLAS dtypes and mixed dtypes keep the row-major product
    x = rng.standard_normal((2, rows, n_in)).astype(dtype)
    assert not linear_transposed(x, w)
    assert not linear_transposed(x[0].astype("int64"), w.astype("int64"))
    assert not linear_transposed(x[0].astype("float32"), w.astype("float64"))
    assert not linear_input_grad_transposed(g.astype("float16"), w.astype("float16"), numpy.asfortranarray(x[0]))
    assert not backends.base.Backend.linear_transposed(None, x[0], w)


@pytest.mark.parametrize("shape", [(16, 64, 32, 32), (8, 512, 4, 4), (3000, 64), (4, 6, 28, 28), (2, 3, 4, 5),
                                   (5, 1, 3, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cpu_channel_op_is_numpys_broadcast_bit_for_bit(shape, dtype):
    """The CPU's per-channel add / subtract / multiply (rows of the tiled vector where the channels are
    innermost in memory) gives NumPy's broadcast result exactly: values, dtype, memory layout, out=,
    whatever x's layout, with NaN and inf in x and in v."""
    from backends.numpy_backend import channel_op

    rng = numpy.random.default_rng(6)
    a = rng.standard_normal(shape).astype(dtype)
    a.reshape(-1)[:3] = [numpy.nan, numpy.inf, -numpy.inf]
    v = rng.standard_normal(shape[1]).astype(dtype)
    v[0] = numpy.inf
    kv = v.reshape((1, -1) + (1,) * (len(shape) - 2))
    last = numpy.ascontiguousarray(numpy.moveaxis(a, 1, -1))
    channels_last = numpy.moveaxis(last, -1, 1)  # the channels innermost in memory
    cpu = backends.get_backend("cpu")
    for x in (a, channels_last, numpy.asfortranarray(a)):
        for name in ("add", "subtract", "multiply"):
            ufunc = getattr(numpy, name)
            with numpy.errstate(invalid="ignore"):
                want = ufunc(x, kv)
                got = channel_op(ufunc, x, v)
                out = numpy.empty_like(x)
                into = cpu.channel_op(name, x, v, out=out)
            assert got.dtype == want.dtype and got.strides == want.strides and into is out
            numpy.testing.assert_array_equal(got, want)
            numpy.testing.assert_array_equal(out, want)
    with numpy.errstate(invalid="ignore"):  # a float64 vector on float32 x promotes as the broadcast does
        got = channel_op(numpy.multiply, channels_last.astype("float32"), v.astype("float64"))
    assert got.dtype == numpy.result_type(numpy.float32, numpy.float64)

"""The CuPy backend. Without a GPU: the module imports and builds its kernel objects once, asking for
``cuda`` says why it can't, and no other module imports CuPy at its top. With a GPU visible (run
anywhere; ``pytest --device cuda`` is not needed): every named kernel against NumPy, the generator
against the Philox reference, state round trips, synchronize, memory statistics, DLPack, cuda:1.
"""

import ast
import gc
import importlib
import pathlib

import numpy
import pytest

import backends
from backends import cuda_kernels as ck

try:
    import cupy
except ImportError:
    cupy = None
except Exception:  # a broken install counts as missing here; test_backends covers the message
    cupy = None

needs_cupy = pytest.mark.skipif(cupy is None, reason="CuPy is not installed: the GPU backend is not importable here")
GPU = backends.is_cuda_available()
needs_gpu = pytest.mark.skipif(not GPU, reason=f"no GPU: {backends.cuda_unavailable_reason()}")
ROOT = pathlib.Path(backends.__file__).resolve().parent.parent


def _import_time_imports(node):
    """Modules imported when ``node`` runs: everything outside function bodies (module-level ``try``,
    ``if`` and class bodies included)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(child, ast.Import):
            yield from (a.name for a in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0:
            yield child.module or ""
        else:
            yield from _import_time_imports(child)


def test_only_the_gpu_backend_imports_cupy_at_module_level():
    """Everything else imports with CuPy missing: a module-level ``import cupy`` anywhere but
    backends/cupy_backend.py would break the CPU-only install."""
    allowed = {ROOT / "backends" / "cupy_backend.py"}
    for folder in ("backends", "autograd_core", "nn", "optim", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in allowed:
                continue
            for name in _import_time_imports(ast.parse(path.read_text())):
                assert name.split(".")[0] not in ("cupy", "cupyx"), f"{path.relative_to(ROOT)} imports {name}"


@needs_cupy
def test_import_builds_every_kernel_object_once():
    module = importlib.import_module("backends.cupy_backend")
    kernels = module.KERNELS
    assert set(kernels) == set(ck.KERNEL_SOURCE)
    for name, kernel in kernels.items():
        assert isinstance(kernel, cupy.RawKernel)
        assert kernel.name == name and kernel.code == ck.SOURCES[ck.KERNEL_SOURCE[name]]
        assert kernel.options == ck.COMPILE_OPTIONS
    again = importlib.import_module("backends.cupy_backend")
    assert again is module and again.KERNELS is kernels  # module-level, cached: not rebuilt
    from backends.cupy_backend import KERNELS

    assert all(KERNELS[n] is kernels[n] for n in kernels)
    assert module.CupyBackend.native_col2im and not backends.CPU.native_col2im


@needs_cupy
def test_backend_object_needs_no_gpu_until_used():
    from backends.cupy_backend import CupyBackend

    b = CupyBackend(2)
    assert b.name == "cuda" and b.device == "cuda:2" and b.xp is cupy and b.array_type is cupy.ndarray
    assert repr(b) == "<CupyBackend cuda:2>"
    b.manual_seed(-1)
    assert b.initial_seed() == (1 << 64) - 1
    state = b.get_rng_state()
    assert state.dtype == numpy.uint8 and state.tolist() == [255] * 8 + [0] * 8
    b.set_rng_state(numpy.arange(16, dtype=numpy.uint8))
    assert b.initial_seed() == int.from_bytes(bytes(range(8)), "little")
    assert b.get_rng_state().tolist() == list(range(16))


@needs_cupy
@pytest.mark.skipif(GPU, reason="a GPU is visible here")
def test_cuda_request_without_gpu_raises_device_unavailable():
    with pytest.raises(backends.DeviceUnavailableError, match="no GPU is visible") as info:
        backends.get_backend("cuda")
    assert "'cuda:0' is not available" in str(info.value)
    with pytest.raises(backends.DeviceUnavailableError, match="no GPU is visible"):
        backends.get_backend("cuda:1")
    assert backends.available_devices() == ["cpu"]


# --- on a GPU --------------------------------------------------------------------------------------------
@pytest.fixture
def gpu():
    return backends.get_backend("cuda")


def _h(a):
    return cupy.asnumpy(a)


WINDOWS = [  # (kernel, stride, padding, dilation, size)
    ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (9, 8)),
    ((3, 2), (2, 3), ((1, 2), (0, 1)), (2, 1), (11, 13)),
    ((5, 5), (2, 2), ((2, 2), (2, 2)), (1, 1), (16, 15)),
    ((2, 3), (1, 1), ((-1, 0), (0, -2)), (1, 2), (8, 9)),
]


@needs_gpu
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_gpu_window_kernels_match_numpy(gpu, dtype):
    rng = numpy.random.default_rng(0)
    for kernel, stride, padding, dilation, size in WINDOWS:
        x = rng.normal(size=(3, 4) + size).astype(dtype)
        for value in (0.0, -numpy.inf):
            cols = gpu.im2col(gpu.from_host(x), kernel, stride, padding, dilation, value=value)
            assert isinstance(cols, cupy.ndarray) and cols.dtype == dtype
            numpy.testing.assert_array_equal(_h(cols), backends.CPU.im2col(x, kernel, stride, padding, dilation, value))
        c = rng.normal(size=cols.shape).astype(dtype)
        numpy.testing.assert_allclose(_h(gpu.col2im(gpu.from_host(c), size, stride, padding, dilation)),
                                      backends.CPU.col2im(c, size, stride, padding, dilation), rtol=1e-5, atol=1e-5)
    xi = rng.integers(-9, 9, size=(2, 3, 7, 6))
    numpy.testing.assert_array_equal(_h(gpu.im2col(gpu.from_host(xi), (2, 2), (1, 2), ((1, 0), (1, 1)), (1, 1))),
                                     backends.CPU.im2col(xi, (2, 2), (1, 2), ((1, 0), (1, 1)), (1, 1)))


@needs_gpu
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_gpu_max_pool_matches_numpy(gpu, dtype):
    rng = numpy.random.default_rng(1)
    for kernel, stride, padding, dilation in [((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
                                              ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
                                              ((3, 3), (2, 2), ((1, 2), (1, 1)), (2, 2))]:
        x = rng.integers(-3, 4, size=(2, 3, 9, 8)).astype(dtype)  # ties
        x[0, 0, 2, 2] = numpy.nan
        y0, idx0 = backends.CPU.max_pool2d(x, kernel, stride, padding, dilation)
        y, idx = gpu.max_pool2d(gpu.from_host(x), kernel, stride, padding, dilation)
        numpy.testing.assert_array_equal(_h(y), y0)
        numpy.testing.assert_array_equal(_h(idx), idx0)
        gy = rng.normal(size=y0.shape).astype(dtype)
        numpy.testing.assert_allclose(
            _h(gpu.max_pool2d_backward(gpu.from_host(gy), idx, x.shape, kernel, stride, padding, dilation)),
            backends.CPU.max_pool2d_backward(gy, idx0, x.shape, kernel, stride, padding, dilation), rtol=1e-6)


@needs_gpu
def test_gpu_conv_and_pool_layers_match_the_cpu():
    """Through the Tensor API: conv2d (GEMM + col2im input gradient) and max_pool2d, float32 and float64."""
    import autograd_core as ag
    import nn.functional as F

    rng = numpy.random.default_rng(2)
    for dt, tol in ((ag.float32, 1e-4), (ag.float64, 1e-10)):
        x, w, b = rng.normal(size=(4, 6, 13, 12)), rng.normal(size=(8, 3, 3, 3)), rng.normal(size=8)
        grads = {}
        for device in ("cpu", "cuda"):
            ts = [ag.tensor(a, dtype=dt, device=device, requires_grad=True) for a in (x, w, b)]
            y = F.max_pool2d(F.conv2d(ts[0], ts[1], ts[2], stride=2, padding=1, groups=2), 2, 1, 1)
            (y * y).sum().backward()
            grads[device] = [y.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in ts]
        for a, c in zip(grads["cpu"], grads["cuda"]):
            numpy.testing.assert_allclose(c, a, rtol=tol, atol=tol)


@needs_gpu
def test_gpu_generator_matches_the_philox_reference(gpu):
    from test_cuda_kernels import _stream_words

    gpu.manual_seed(2024)
    u = _h(gpu.random((10,), numpy.float32))
    words = _stream_words(2024, 0, 3).reshape(-1)[:10]
    numpy.testing.assert_array_equal(u, ((words >> 8) * 2.0 ** -24).astype(numpy.float32))
    assert gpu.get_rng_state()[8:].tolist() == [3] + [0] * 7
    pairs = _stream_words(2024, 3, 4).reshape(-1, 2)[:7]
    numpy.testing.assert_array_equal(_h(gpu.random((7,), numpy.float64)),
                                     ((pairs[:, 0] >> 5) * 67108864.0 + (pairs[:, 1] >> 6)) * 2.0 ** -53)
    ints = _h(gpu.integers(-5, 995, (8,), numpy.int64))
    numpy.testing.assert_array_equal(ints, _stream_words(2024, 7, 2).reshape(-1).astype(numpy.int64) % 1000 - 5)
    z = _h(gpu.normal((200_000,), numpy.float32))
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01 and numpy.isfinite(z).all()


@needs_gpu
def test_gpu_generator_reproducible_and_state_round_trip(gpu):
    gpu.manual_seed(7)
    first = [_h(gpu.random((5, 3), numpy.float32)), _h(gpu.normal((9,), numpy.float64)),
             _h(gpu.integers(0, 10, (4,), numpy.int32)), _h(gpu.permutation(33))]
    assert sorted(first[3].tolist()) == list(range(33))
    gpu.manual_seed(7)
    again = [_h(gpu.random((5, 3), numpy.float32)), _h(gpu.normal((9,), numpy.float64)),
             _h(gpu.integers(0, 10, (4,), numpy.int32)), _h(gpu.permutation(33))]
    for a, b in zip(first, again):
        assert a.dtype == b.dtype
        numpy.testing.assert_array_equal(a, b)
    state = gpu.get_rng_state()
    x = _h(gpu.normal((100,), numpy.float32))
    gpu.random((7,), numpy.float64)
    gpu.set_rng_state(state)
    numpy.testing.assert_array_equal(_h(gpu.normal((100,), numpy.float32)), x)


@needs_gpu
def test_gpu_arrays_scatter_add_erf_map_coordinates(gpu):
    a = numpy.arange(6.0).reshape(2, 3)
    g = gpu.from_host(a)
    assert isinstance(g, cupy.ndarray) and g.device.id == 0
    numpy.testing.assert_array_equal(gpu.to_host(g), a)
    assert gpu.asarray([1, 2], dtype=numpy.float32).dtype == numpy.float32
    for dt in (numpy.float32, numpy.float64, numpy.int64):
        t = cupy.zeros(4, dtype=dt)
        gpu.scatter_add(t, cupy.asarray([0, 0, 3, 0]), cupy.asarray([1, 2, 5, -7], dtype=dt))
        assert _h(t).tolist() == [-4, 0, 0, 5]
    x = numpy.linspace(-3, 3, 101)
    from math import erf

    for dt in (numpy.float32, numpy.float64):
        e = gpu.erf(gpu.from_host(x.astype(dt)))
        assert e.dtype == dt
        numpy.testing.assert_allclose(_h(e), [erf(v) for v in x], rtol=1e-6, atol=1e-6)
    img = numpy.random.default_rng(3).normal(size=(5, 6)).astype(numpy.float32)
    coords = numpy.stack(numpy.meshgrid(numpy.linspace(0, 4, 7), numpy.linspace(0.5, 5, 4), indexing="ij"))
    got = gpu.map_coordinates(gpu.from_host(img), gpu.from_host(coords.astype(numpy.float32)), cval=0.5)
    assert got.dtype == numpy.float32
    try:
        from scipy import ndimage
    except ImportError:
        return
    numpy.testing.assert_allclose(_h(got), ndimage.map_coordinates(img, coords, order=1, cval=0.5), atol=1e-5)


@needs_gpu
def test_gpu_synchronize_memory_stats_dlpack(gpu):
    gc.collect()  # nothing from earlier tests is freed while we measure
    gpu.synchronize()
    gpu.reset_peak_memory_stats()
    before = gpu.memory_stats()
    assert set(before) == {"allocated_bytes", "reserved_bytes", "peak_bytes"}
    big = gpu.random((1 << 22,), numpy.float32)  # 16 MiB
    gpu.synchronize()
    during = gpu.memory_stats()
    assert during["allocated_bytes"] >= before["allocated_bytes"] + big.nbytes
    assert during["peak_bytes"] >= during["allocated_bytes"] and during["reserved_bytes"] >= during["allocated_bytes"]
    del big
    after = gpu.memory_stats()
    assert after["allocated_bytes"] < during["allocated_bytes"] and after["peak_bytes"] == during["peak_bytes"]
    src = cupy.arange(10, dtype=cupy.float32)
    shared = gpu.from_dlpack(src)
    assert shared.data.ptr == src.data.ptr  # zero-copy
    back = cupy.from_dlpack(shared)
    back[0] = 42
    assert float(src[0]) == 42


@needs_gpu
@pytest.mark.skipif(backends.cuda_device_count() < 2, reason="needs two GPUs")
def test_second_gpu_gets_its_own_arrays_and_kernels():
    b1 = backends.get_backend("cuda:1")
    with cupy.cuda.Device(0):  # whatever the current device, cuda:1's arrays live on GPU 1
        x = b1.random((2, 3, 8, 8), numpy.float32)
        cols = b1.im2col(x, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
        back = b1.col2im(cols, (8, 8), (1, 1), ((1, 1), (1, 1)), (1, 1))
        y, idx = b1.max_pool2d(x, (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1))
        arrays = [x, cols, back, y, idx, b1.from_host(numpy.ones(3)), b1.asarray(cupy.ones(2)), b1.permutation(5)]
        assert all(a.device.id == 1 for a in arrays)
        b1.synchronize()
        assert b1.memory_stats()["allocated_bytes"] > 0
    numpy.testing.assert_array_equal(_h(cols), backends.CPU.im2col(_h(x), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)))

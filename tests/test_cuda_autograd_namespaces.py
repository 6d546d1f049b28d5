"""``autograd_core.cuda`` and ``autograd_core.autograd``: PyTorch's ``torch.cuda``/``torch.autograd`` names.

Without a GPU (the default run) the cuda functions must behave as PyTorch's do on a CPU-only machine;
with ``pytest --device cuda`` they are exercised on the GPU.
"""

import numpy
import pytest

import autograd_core as ag
import backends
from checks import host


def test_autograd_namespace_is_the_engine():
    assert ag.autograd.grad is ag.grad and ag.autograd.backward is ag.backward
    assert ag.autograd.Function is ag.Function and ag.autograd.gradcheck is ag.gradcheck
    assert ag.autograd.no_grad is ag.no_grad and ag.autograd.inference_mode is ag.inference_mode
    x = ag.tensor([2.0, 3.0], dtype=ag.float64, requires_grad=True)
    (g,) = ag.autograd.grad((x ** 3).sum(), x, create_graph=True)
    numpy.testing.assert_allclose(host(g), [12.0, 27.0])
    (h,) = ag.autograd.grad(g.sum(), x)
    numpy.testing.assert_allclose(host(h), [12.0, 18.0])
    assert ag.autograd.gradcheck(lambda t: (t * t).sum(), (x,))


def test_cuda_queries_agree_with_the_backends():
    assert ag.cuda.is_available() == backends.is_cuda_available()
    assert ag.cuda.device_count() == len(backends.available_devices()) - 1
    device = "cuda" if ag.cuda.is_available() else "cpu"  # the usual PyTorch line runs either way
    assert ag.zeros(2, device=device).device.type == device


def test_cuda_without_a_gpu_behaves_as_pytorch(device):
    if ag.cuda.is_available():
        pytest.skip("a GPU is visible")
    ag.cuda.manual_seed(1)  # ignored, as in PyTorch
    ag.cuda.manual_seed_all(1)
    ag.cuda.empty_cache()  # nothing to free
    for call in (ag.cuda.synchronize, ag.cuda.memory_allocated, ag.cuda.max_memory_allocated, ag.cuda.current_device,
                 ag.cuda.get_device_name):
        with pytest.raises(backends.DeviceUnavailableError, match="'cuda:0' is not available"):
            call()
    with pytest.raises(TypeError, match="manual_seed expects an int, got str 'x'"):
        ag.cuda.manual_seed("x")


def test_cuda_on_a_gpu(device):
    if not device.startswith("cuda"):
        pytest.skip("needs --device cuda")
    ag.cuda.manual_seed(7)
    a = ag.randn(4, device="cuda:0")
    ag.cuda.manual_seed(7)
    b = ag.randn(4, device="cuda:0")
    numpy.testing.assert_array_equal(host(a), host(b))
    ag.cuda.synchronize()
    before = ag.cuda.memory_allocated()
    big = ag.zeros(1 << 20, device="cuda:0")
    ag.cuda.synchronize()
    assert ag.cuda.memory_allocated() >= before + (1 << 22) - 1024
    assert ag.cuda.max_memory_allocated() >= ag.cuda.memory_allocated()
    assert ag.cuda.memory_reserved() >= ag.cuda.memory_allocated()
    del big
    ag.cuda.empty_cache()
    ag.cuda.reset_peak_memory_stats()
    assert isinstance(ag.cuda.get_device_name(), str) and ag.cuda.get_device_name()
    assert ag.cuda.current_device() == 0
    state = ag.cuda.get_rng_state()
    c = ag.rand(3, device="cuda")
    ag.cuda.set_rng_state(state)
    numpy.testing.assert_array_equal(host(ag.rand(3, device="cuda")), host(c))
    with pytest.raises(ValueError, match="expected a CUDA device, got 'cpu'"):
        ag.cuda.synchronize("cpu")

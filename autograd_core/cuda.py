"""``autograd_core.cuda``, as ``torch.cuda``: is a GPU usable, how many, and per-GPU control.

    device = "cuda" if ag.cuda.is_available() else "cpu"
    ...
    ag.cuda.synchronize()                 # before reading a clock
    ag.cuda.max_memory_allocated()        # bytes

Without a usable GPU, ``is_available()`` is False and ``device_count()`` 0; the seeding functions are then
silently ignored (as in PyTorch, so scripts run unchanged on a CPU), and the rest raise the error that
says why there is no GPU. ``device`` arguments take None (GPU 0), an index, "cuda:N" or a Device.
"""

import numbers

import backends
from backends.registry import cuda_device_count

from . import random as _random


def is_available():
    """True when CuPy can run kernels on a visible GPU (detected once, then cached)."""
    return backends.is_cuda_available()


def device_count():
    """The number of visible GPUs (0 without CuPy or a GPU)."""
    return cuda_device_count()


def current_device():
    """The GPU used when a device is named "cuda" without an index: always 0 here."""
    _backend(None)
    return 0


def _backend(device):
    if device is None:
        device = "cuda:0"
    elif isinstance(device, numbers.Integral) and not isinstance(device, bool):
        device = f"cuda:{int(device)}"
    backend = backends.get_backend(device)  # raises DeviceUnavailableError saying why, without a GPU
    if backend.device.type != "cuda":
        raise ValueError(f"autograd_core.cuda: expected a CUDA device, got {str(backend.device)!r}")
    return backend


def synchronize(device=None):
    """Wait until all work queued on the GPU has finished."""
    _backend(device).synchronize()


def manual_seed(seed):
    """Seed GPU 0's generator (ignored without a GPU, as in PyTorch). ``autograd_core.manual_seed`` seeds
    every device at once."""
    seed = _checked_seed(seed)
    if is_available():
        _backend(None).manual_seed(seed)


def manual_seed_all(seed):
    """Seed every GPU's generator (ignored without a GPU)."""
    seed = _checked_seed(seed)
    for i in range(device_count()):
        _backend(i).manual_seed(seed)


def _checked_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__} {seed!r}")
    return int(seed) & ((1 << 64) - 1)


def memory_allocated(device=None):
    """Bytes in live arrays on the GPU (CuPy's memory pool)."""
    return _backend(device).memory_stats()["allocated_bytes"]


def memory_reserved(device=None):
    """Bytes the memory pool holds on the GPU (live arrays and freed blocks kept for reuse)."""
    return _backend(device).memory_stats()["reserved_bytes"]


def max_memory_allocated(device=None):
    """The largest ``memory_allocated`` seen at a synchronize or a memory query since the start or the
    last ``reset_peak_memory_stats``."""
    return _backend(device).memory_stats()["peak_bytes"]


def reset_peak_memory_stats(device=None):
    _backend(device).reset_peak_memory_stats()


def empty_cache():
    """Return the pool's freed blocks on every initialised GPU to the driver."""
    for backend in backends.initialized_backends():
        if backend.device.type == "cuda":
            backend.empty_cache()


def get_device_name(device=None):
    """The GPU's name, e.g. "NVIDIA H100 80GB HBM3"."""
    return _backend(device).device_name()


def get_rng_state(device="cuda"):
    """The GPU generator's state (a uint8 tensor on the CPU)."""
    return _random.get_rng_state(device)


def set_rng_state(state, device="cuda"):
    _random.set_rng_state(state, device)

"""The device registry: one Backend per device, created on first use and cached.

CUDA detection runs once: CuPy missing, or CuPy present with no GPU visible, leaves the CPU
backend as the only one, and asking for ``"cuda"`` then raises an error that says why.
"""

import functools

from .base import DEFAULT_SEED
from .device import parse_device
from .numpy_backend import NumpyBackend

_BACKENDS = {}
_SEED = [DEFAULT_SEED]
CPU = NumpyBackend()
_BACKENDS[CPU.device] = CPU


class DeviceUnavailableError(RuntimeError):
    """Raised when a device is named that this machine cannot provide."""


@functools.lru_cache(maxsize=None)
def cuda_unavailable_reason():
    """``None`` when CuPy can run kernels here, otherwise a sentence saying why not and what to do."""
    try:
        import cupy
    except ImportError:
        return ("CuPy is not installed. Install the GPU extra (pip install -e \".[gpu]\", or the "
                "cupy-cudaXXx wheel matching your CUDA driver) on a machine with an NVIDIA GPU.")
    except Exception as exc:  # a broken CuPy install (missing CUDA libraries, ...)
        return f"CuPy failed to import ({type(exc).__name__}: {exc}); check that it matches your CUDA driver."
    try:
        available = cupy.is_available()
    except Exception as exc:
        return f"CuPy could not query the GPU ({type(exc).__name__}: {exc})."
    if not available:
        return "CuPy is installed but no GPU is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)."
    return None


def is_cuda_available():
    return cuda_unavailable_reason() is None


@functools.lru_cache(maxsize=None)
def cuda_device_count():
    if not is_cuda_available():
        return 0
    import cupy

    return cupy.cuda.runtime.getDeviceCount()


def available_devices():
    """Every device this machine can run on: ``["cpu"]`` plus ``"cuda:N"`` for each visible GPU."""
    return ["cpu"] + [f"cuda:{i}" for i in range(cuda_device_count())]


def get_backend(device):
    """The cached Backend for ``device`` (a string, an int GPU ordinal, or a Device)."""
    dev = parse_device(device)
    backend = _BACKENDS.get(dev)
    if backend is not None:
        return backend
    # only CUDA devices reach this point
    reason = cuda_unavailable_reason()
    if reason is not None:
        raise DeviceUnavailableError(f"device {str(dev)!r} is not available: {reason} "
                                     f"Use device='cpu' instead (available: {available_devices()}).")
    count = cuda_device_count()
    if dev.index >= count:
        raise DeviceUnavailableError(f"device {str(dev)!r} is not available: this machine has {count} GPU(s) "
                                     f"(available: {available_devices()}).")
    from .cupy_backend import CupyBackend

    backend = _BACKENDS[dev] = CupyBackend(dev.index)
    backend.manual_seed(_SEED[0])  # a device first used after manual_seed(s) is seeded with s too
    return backend


def set_default_seed(seed):
    """The seed given to backends created from now on (``manual_seed`` seeds existing ones itself)."""
    _SEED[0] = seed


def initialized_backends():
    """The backends created so far (the CPU one always), for seeding every device at once."""
    return list(_BACKENDS.values())

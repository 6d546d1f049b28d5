"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs, behind one Backend interface.

This layer knows nothing of Tensor; autograd_core builds on it.
"""

from .base import DEFAULT_SEED, Backend
from .device import Device, parse_device
from .numpy_backend import NumpyBackend
from .registry import (
    CPU,
    DeviceUnavailableError,
    available_devices,
    cuda_device_count,
    cuda_unavailable_reason,
    get_backend,
    initialized_backends,
    is_cuda_available,
    set_default_seed,
)

__all__ = [
    "Backend", "NumpyBackend", "Device", "parse_device", "CPU", "DEFAULT_SEED", "DeviceUnavailableError",
    "available_devices", "cuda_device_count", "cuda_unavailable_reason", "get_backend",
    "initialized_backends", "is_cuda_available", "set_default_seed",
]

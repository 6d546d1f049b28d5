"""DLPack: zero-copy exchange of tensors with other libraries (PyTorch, CuPy, NumPy, JAX, ...).

    t = ag.from_dlpack(torch_tensor)        # shares torch's memory, on its device
    u = torch.from_dlpack(t)                # shares ours

Only the data is shared, not the graph: the result is a leaf that does not require grad.
"""

import backends

from .tensor import Tensor, make_tensor

_DLPACK_CPU, _DLPACK_CUDA = 1, 2


def from_dlpack(obj):
    """A tensor sharing memory with ``obj`` (anything with ``__dlpack__`` and ``__dlpack_device__``)."""
    if isinstance(obj, Tensor):
        return obj.detach()
    if not hasattr(obj, "__dlpack_device__"):
        raise TypeError(f"from_dlpack: a {type(obj).__name__} does not support DLPack (no __dlpack_device__)")
    kind, index = obj.__dlpack_device__()
    if kind == _DLPACK_CPU:
        backend = backends.CPU
    elif kind == _DLPACK_CUDA:
        backend = backends.get_backend(f"cuda:{index}")
    else:
        raise TypeError(f"from_dlpack: DLPack device type {kind} is not supported (only CPU and CUDA)")
    array = backend.from_dlpack(obj)
    from .dtypes import to_dtype

    to_dtype(array.dtype)  # unsupported dtypes (complex, bfloat16 ...) raise with their name
    return make_tensor(array, backend)


def tensor_dlpack(self, *, stream=None, **kwargs):
    """``Tensor.__dlpack__``: the array's capsule (requires_grad tensors export their data, as torch's
    ``detach()`` would)."""
    if stream is None and not kwargs:
        return self._data.__dlpack__()
    return self._data.__dlpack__(stream=stream, **kwargs)


def tensor_dlpack_device(self):
    """``Tensor.__dlpack_device__``: (1, 0) on the CPU, (2, N) on cuda:N."""
    return self._data.__dlpack_device__()

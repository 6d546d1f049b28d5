"""Moving between devices and dtypes, differentiably: ``x.to(device, dtype)``, ``clone``."""

from backends import get_backend

from .. import dtypes
from ..function import Function


class Cast(Function):
    """y = x as dtype d;  dL/dx = dL/dy as x's dtype (no gradient through a non-float target)"""

    def forward(self, x, dtype):
        self.in_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, gy):
        return Cast.apply(gy, dtype=self.in_dtype)


class ToDevice(Function):
    """y = x copied to another device;  dL/dx = dL/dy copied back"""

    def forward(self, x, target):
        self.source = self.backend
        self.backend = target  # the output lives on the target device
        return target.from_host(self.source.to_host(x))

    def backward(self, gy):
        return ToDevice.apply(gy, target=self.source)


class Clone(Function):
    """y = copy of x;  dL/dx = gy"""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x):
    """A copy of ``x`` with its own memory, still connected to the graph."""
    return Clone.apply(x)


def to_device_dtype(x, device=None, dtype=None, copy=False):
    """``x`` on ``device`` with ``dtype`` (either may be None: unchanged)."""
    y = x
    if device is not None:
        backend = get_backend(device)
        if backend is not x._backend:
            y = ToDevice.apply(y, target=backend)
    if dtype is not None:
        dt = dtypes.to_dtype(dtype)
        if dt != y._data.dtype:
            y = _cast(y, dt)
    if y is x and copy:
        y = clone(x)
    return y


def _cast(x, dt):
    if dt.kind != "f" and x._rg:
        from ..grad_mode import no_grad

        with no_grad():  # casting to an integer or bool type ends the graph, as in PyTorch
            return Cast.apply(x, dtype=dt)
    return Cast.apply(x, dtype=dt)

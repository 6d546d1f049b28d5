"""Parameter: a Tensor that a Module registers as learnable when it is assigned as an attribute; and the lazy
modules' UninitializedParameter / UninitializedBuffer (no shape until materialised)."""

import weakref

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import convert


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered by ``Module.__setattr__``.

    ``Parameter(t)`` shares ``t``'s memory, as in PyTorch.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor([])
        if isinstance(data, Tensor):
            self._init_leaf(data._data, data._backend, requires_grad)
        else:
            self._init_leaf(*convert(data, None, None, copy=False), requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


# --- the lazy modules' parameters and buffers (nn/lazy.py) ---------------------------------------------------
_PERSISTENT = {}  # id(UninitializedBuffer) -> persistent, dropped with the buffer


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share: no shape until ``materialize(shape)``."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor an (uninitialised) array of ``shape``, on its device and in its dtype (or the ones
        given), and turn it into a ``cls_to_become`` (Parameter or Tensor): in place, the same object."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        new = ag.empty(shape, device=self.device if device is None else device,
                       dtype=self._data.dtype if dtype is None else dtype)
        self._data, self._backend = new._data, new._backend
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before accessing their attributes.")

    def detach(self):
        # state_dict() lists an uninitialized tensor itself, as PyTorch's does
        return self

    def __repr__(self):
        return f"<{type(self).__name__}>"


def is_lazy(param):
    """Whether ``param`` is an UninitializedParameter or UninitializedBuffer (not materialised yet)."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet: ``materialize(shape)`` makes it a Parameter of that shape, in
    place. Until then only its device, dtype and requires_grad mean anything; ``shape`` raises."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        data = ag.empty(0, device=device, dtype=dtype)
        self._init_leaf(data._data, data._backend, requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet: ``materialize(shape)`` makes it a Tensor of that shape, in place."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        data = ag.empty(0, device=device, dtype=dtype)
        self._init_leaf(data._data, data._backend, requires_grad)
        _PERSISTENT[id(self)] = bool(persistent)
        weakref.finalize(self, _PERSISTENT.pop, id(self), None)

    @property
    def persistent(self):
        """PyTorch's flag for a buffer assigned as an attribute: whether it goes into the state_dict (here
        ``register_buffer(name, buffer, persistent)`` decides that)."""
        return _PERSISTENT.get(id(self), True)

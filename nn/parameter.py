"""Parameter: a Tensor that a Module registers as learnable when it is assigned as an attribute."""

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
            self._data, self._backend = data._data, data._backend
        else:
            self._data, self._backend = convert(data, None, None, copy=False)
        self._rg = False
        self.grad_fn = None
        self._idx = 0
        self._grad = None
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

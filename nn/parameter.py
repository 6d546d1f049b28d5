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
            self._init_leaf(data._data, data._backend, requires_grad)
        else:
            self._init_leaf(*convert(data, None, None, copy=False), requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

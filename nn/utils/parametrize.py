"""nn.utils.parametrize, as ``torch.nn.utils.parametrize``: a tensor of a module (a parameter or buffer) is
replaced by a function of other, unconstrained tensors, recomputed each time it is read.

    parametrize.register_parametrization(layer, "weight", Symmetric())
    layer.weight            # Symmetric()(layer.parametrizations.weight.original), a fresh Tensor each read

``register_parametrization(module, name, p)`` moves the tensor to ``module.parametrizations[name].original``
(or, where ``p`` has a ``right_inverse`` returning several tensors, ``original0``, ``original1``, ...; the
right inverse also turns the current value into the originals), and gives the module's class, once, a
subclass with a property ``name`` that computes ``p(original)`` (the parametrizations of one tensor applied
in the order they were registered). Assigning to ``module.name`` calls the right inverses. The state_dict
keys are PyTorch's: ``parametrizations.weight.original`` (``original0``, ``original1``, ...).
``cached()`` computes each parametrized tensor once inside its block. ``remove_parametrizations`` puts a
plain parameter back (the current value, with ``leave_parametrized=True``).
"""

import contextlib

from autograd_core import Tensor, no_grad

from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

_cache = {"enabled": 0, "values": {}}


@contextlib.contextmanager
def cached():
    """Inside the block each parametrized tensor is computed once, on its first read, and reused."""
    _cache["enabled"] += 1
    try:
        yield
    finally:
        _cache["enabled"] -= 1
        if not _cache["enabled"]:
            _cache["values"].clear()


def _like(original, value):
    """``value`` as the kind of tensor ``original`` is: a Parameter (keeping requires_grad) or a plain Tensor."""
    if isinstance(original, Parameter):
        return Parameter(value.detach(), requires_grad=original.requires_grad)
    return value.detach()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and its unconstrained originals (``original``, or
    ``original0``, ``original1``, ... where the first right_inverse returns several tensors)."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        value = original
        with no_grad():
            for m in reversed(list(modules)):  # originals = right_inverse of the first of the chain
                if hasattr(m, "right_inverse"):
                    value = m.right_inverse(value)
        if isinstance(value, Tensor):
            if not unsafe and (tuple(value.shape) != tuple(original.shape) or value.dtype != original.dtype):
                raise ValueError(f"register_parametrization: the right_inverse of {type(first).__name__} changes the "
                                 f"tensor from shape {tuple(original.shape)} and dtype {original.dtype} to shape "
                                 f"{tuple(value.shape)} and dtype {value.dtype}; pass unsafe=True to allow it")
            self.is_tensor = True
            self.ntensors = 1
            if isinstance(original, Parameter) and tuple(value.shape) == tuple(original.shape) \
                    and value.dtype == original.dtype:
                if value is not original:  # the same Parameter object stays (an optimizer holding it still works)
                    with no_grad():
                        original.copy_(value)
                self._register_original("original", original, original)
            else:
                self._register_original("original", _like(original, value), original)
        else:
            values = tuple(value)
            self.is_tensor = False
            self.ntensors = len(values)
            for i, v in enumerate(values):
                if not isinstance(v, Tensor):
                    raise TypeError(f"register_parametrization: right_inverse must return a Tensor or a sequence of "
                                    f"Tensors, got a {type(v).__name__} at position {i}")
                self._register_original(f"original{i}", _like(original, v), original)
        if not unsafe:
            with no_grad():
                out = self()
            if tuple(out.shape) != tuple(original.shape) or out.dtype != original.dtype:
                raise ValueError(f"register_parametrization: the parametrization gives shape {tuple(out.shape)} and "
                                 f"dtype {out.dtype}, but the tensor has shape {tuple(original.shape)} and dtype "
                                 f"{original.dtype}; pass unsafe=True to allow it")

    def _register_original(self, name, value, original):
        if isinstance(original, Parameter):
            self.register_parameter(name, value)
        else:
            self.register_buffer(name, value)

    def originals(self):
        if self.is_tensor:
            return (self.original,)
        return tuple(getattr(self, f"original{i}") for i in range(self.ntensors))

    def right_inverse(self, value):
        """Set the originals so that the parametrized tensor becomes ``value``."""
        with no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    value = m.right_inverse(value)
                elif not self.unsafe and m is not self[0]:
                    raise RuntimeError(f"parametrization {type(m).__name__} has no right_inverse; the tensor cannot "
                                       f"be assigned")
            values = (value,) if self.is_tensor else tuple(value)
            if len(values) != self.ntensors:
                raise ValueError(f"right_inverse returned {len(values)} tensor(s), but the parametrization has "
                                 f"{self.ntensors} original(s)")
            for orig, v in zip(self.originals(), values):
                if tuple(orig.shape) != tuple(v.shape):
                    raise ValueError(f"right_inverse returned a tensor of shape {tuple(v.shape)} for an original of "
                                     f"shape {tuple(orig.shape)}")
                orig.copy_(v)

    def forward(self):
        first, rest = self[0], list(self)[1:]
        x = first(self.original) if self.is_tensor else first(*self.originals())
        for m in rest:
            x = m(x)
        return x


def _property(name):
    def get(module):
        plist = module.parametrizations[name]
        if _cache["enabled"]:
            key = (id(module), name)
            if key not in _cache["values"]:
                _cache["values"][key] = plist()
            return _cache["values"][key]
        return plist()

    def put(module, value):
        module.parametrizations[name].right_inverse(value)

    return property(get, put)


def _inject_class(module):
    cls = module.__class__
    new = type(f"Parametrized{cls.__name__}", (cls,), {"_original_class": cls})
    module.__class__ = new


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given)."""
    plists = module.__dict__.get("_modules", {}).get("parametrizations")
    if plists is None or not isinstance(plists, ModuleDict):
        return False
    return tensor_name is None or tensor_name in plists


def type_before_parametrizations(module):
    """The module's class before any parametrization was registered."""
    return module.__class__._original_class if is_parametrized(module) else type(module)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied to its original
    (see the module docstring). A second parametrization of the same tensor is applied after the first."""
    if not isinstance(parametrization, Module):
        raise TypeError(f"register_parametrization: the parametrization must be a Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            with no_grad():
                current = getattr(module, tensor_name)
                out = parametrization(current)
            if tuple(out.shape) != tuple(current.shape) or out.dtype != current.dtype:
                raise ValueError(f"register_parametrization: {type(parametrization).__name__} changes the tensor "
                                 f"'{tensor_name}' from shape {tuple(current.shape)} to {tuple(out.shape)}; pass "
                                 f"unsafe=True to allow it")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    if tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
    else:
        raise ValueError(f"register_parametrization: module {type(module).__name__} has no parameter or buffer "
                         f"'{tensor_name}'")
    if original is None:
        raise ValueError(f"register_parametrization: '{tensor_name}' of {type(module).__name__} is None")
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    setattr(module.__class__, tensor_name, _property(tensor_name))
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Remove the parametrizations of ``tensor_name``: it becomes a plain parameter (or buffer) again holding
    its current parametrized value (``leave_parametrized=True``) or its original (which needs a single one)."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} has no parametrization on "
                         f"'{tensor_name}'")
    plist = module.parametrizations[tensor_name]
    first = plist.originals()[0]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        new = _like(first, value)
    else:
        if not plist.is_tensor:
            raise ValueError("remove_parametrizations: leave_parametrized=False needs a parametrization with a single "
                             "original tensor")
        new = first
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(first, Parameter):
        module.register_parameter(tensor_name, new)
    else:
        module.register_buffer(tensor_name, new)
    if not len(module.parametrizations):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._original_class
    return module

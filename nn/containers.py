"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (PyTorch's semantics and
state_dict keys)."""

import collections
import operator

from autograd_core import Tensor

from .module import Module
from .parameter import Parameter


class _Indexed(Module):
    """Integer positions over the children, for Sequential and ModuleList."""

    def _index(self, idx):
        n = len(self._modules)
        idx = operator.index(idx)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for a {type(self).__name__} of {n} modules")
        return idx % n

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class Sequential(_Indexed):
    """Modules applied in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 1))``; children are
    named ``0``, ``1``, ... (or by the keys of an ordered dict)."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], dict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(dict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        key = list(self._modules.keys())[self._index(idx)]
        self.add_module(key, module)

    def __delitem__(self, idx):
        keys = list(self._modules.keys())
        for key in (keys[idx] if isinstance(idx, slice) else [keys[self._index(idx)]]):
            del self._modules[key]


class ModuleList(_Indexed):
    """A list of modules, registered as children ``0``, ``1``, ... (it has no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)


    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(self._index(idx))]

    def __setitem__(self, idx, module):
        self.add_module(str(self._index(idx)), module)

    def __delitem__(self, idx):
        modules = list(self._modules.values())
        del modules[idx if isinstance(idx, slice) else self._index(idx)]
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)


class ModuleDict(Module):
    """A dict of modules, registered as children under their keys (insertion order kept)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self[key] = module

    def pop(self, key):
        module = self._modules[key]
        del self[key]
        return module


# --- parameter containers ----------------------------------------------------------------------------------
def _store(owner, name, value):
    """Put ``value`` under ``name`` as PyTorch's containers do: a plain Tensor becomes a Parameter; a
    Parameter is registered (so parameters() and state_dict() see it), a Module becomes a child, anything
    else is kept as a plain attribute."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        value = Parameter(value)
    owner._forget(name)
    if isinstance(value, Parameter):
        owner._parameters[name] = value
    elif isinstance(value, Module):
        owner._modules[name] = value
    else:
        owner.__dict__[name] = value


def _fetch(owner, name):
    for table in (owner._parameters, owner._modules):
        if name in table:
            return table[name]
    return owner.__dict__[name]


def _entry_repr(key, value):
    """One line of a parameter container's repr: ``(key): Parameter containing: [float32 of size 2x3]``."""
    if isinstance(value, Tensor):
        size = "x".join(str(n) for n in value.shape)
        where = "" if value.device.type == "cpu" else f" ({value.device})"
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{value.dtype.name} of size {size}{where}]"
    return f"  ({key}): Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters, registered under ``0``, ``1``, ... so ``parameters()`` and ``state_dict()``
    see them with PyTorch's keys. A plain Tensor becomes a Parameter (requiring grad); other objects are
    kept as they are (and are not state). Supports indexing (negative and slices), assignment, ``len``,
    iteration, ``append``, ``extend``, ``insert`` and ``+=``. It cannot be called.
    """

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _index(self, idx):
        if isinstance(idx, bool) or not hasattr(idx, "__index__"):
            raise TypeError(f"ParameterList indices must be integers or slices, got {type(idx).__name__}")
        n = self._size
        idx = operator.index(idx)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for a ParameterList of {n} entries")
        return idx % n

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(*idx.indices(self._size))])
        return _fetch(self, str(self._index(idx)))

    def __setitem__(self, idx, value):
        _store(self, str(self._index(idx)), value)

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[i] for i in range(self._size))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        """Add ``value`` at the end (under the next index); returns self."""
        self._size += 1
        _store(self, str(self._size - 1), value)
        return self

    def extend(self, values):
        """Append every item of the iterable ``values``; returns self."""
        if isinstance(values, Tensor) or not isinstance(values, collections.abc.Iterable):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def insert(self, index, value):
        """Insert ``value`` before position ``index`` (as ``list.insert``); later entries move up one key."""
        items = list(self)
        items.insert(operator.index(index), value)
        for i in range(self._size):
            self._forget(str(i))
        self._size = 0
        self.extend(items)

    def forward(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")

    def extra_repr(self):
        return "\n".join(_entry_repr(i, p) for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of parameters, registered under their (string) keys so ``parameters()`` and
    ``state_dict()`` see them. A plain Tensor becomes a Parameter; other objects are kept as they are.
    Has the dict methods (``keys``, ``items``, ``values``, ``get``, ``pop``, ``popitem``, ``setdefault``,
    ``update``, ``clear``, ``copy``, ``fromkeys``, ``in``, ``|``). As PyTorch, ``update`` (and the
    constructor) keeps the order of an OrderedDict, a ParameterDict or a sequence of pairs, but sorts the
    keys of any other mapping (a plain dict). It cannot be called.
    """

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def _key(self, key):
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__} ({key!r})")
        if not key or "." in key:
            raise KeyError(f"ParameterDict key can't be empty or contain '.', got {key!r}")
        if key not in self._keys and key in self.__dict__:
            raise KeyError(f"ParameterDict key {key!r} clashes with the attribute '{key}' of the module")
        return key

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return _fetch(self, key)

    def __setitem__(self, key, value):
        key = self._key(key)
        self._keys[key] = None
        _store(self, key, value)

    def __delitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        self._forget(key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def values(self):
        return (self[k] for k in self._keys)

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Remove and return the last inserted (key, value) pair."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        """A new ParameterDict holding the same parameters (a shallow copy), in the same order."""
        return ParameterDict(list(self.items()))

    def fromkeys(self, keys, default=None):
        """A new ParameterDict with every key of ``keys`` mapped to ``default``."""
        return ParameterDict([(k, default) for k in keys])

    def update(self, values):
        """Add (or replace) entries from a mapping or an iterable of (key, value) pairs (see the class
        docstring for the order)."""
        if isinstance(values, (collections.OrderedDict, ParameterDict)):
            pairs = list(values.items())
        elif isinstance(values, collections.abc.Mapping):
            pairs = sorted(values.items(), key=lambda kv: kv[0])
        elif isinstance(values, collections.abc.Iterable) and not isinstance(values, (str, Tensor)):
            pairs = []
            for i, pair in enumerate(values):
                if not isinstance(pair, collections.abc.Iterable) or isinstance(pair, (str, Tensor)):
                    raise TypeError(f"ParameterDict.update: element #{i} of the sequence is a "
                                    f"{type(pair).__name__}, expected a (key, value) pair")
                pair = tuple(pair)
                if len(pair) != 2:
                    raise ValueError(f"ParameterDict.update: element #{i} of the sequence has length {len(pair)}; "
                                     f"2 is required")
                pairs.append(pair)
        else:
            raise TypeError(f"ParameterDict.update should be called with a mapping or an iterable of (key, value) "
                            f"pairs, but got {type(values).__name__}")
        for key, value in pairs:
            self[key] = value

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = ParameterDict(other)
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def forward(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")

    def extra_repr(self):
        return "\n".join(_entry_repr(k, p) for k, p in self.items())

"""Tensor: an array on a device, plus what autograd needs to differentiate through it.

This file holds the data model (attributes, conversions, grad bookkeeping, in-place updates);
the operations are Functions in ``autograd_core.ops`` and are attached as methods and operators
in ``autograd_core._methods``.
"""

import numbers
import weakref

import numpy

from backends import CPU, get_backend, parse_device

from . import dtypes

_new = object.__new__


def make_tensor(data, backend, requires_grad=False, grad_fn=None, idx=0):
    """Wrap a backend array without copying or checking (the fast path every op result takes)."""
    t = _new(Tensor)
    t._data = data
    t._backend = backend
    t._rg = requires_grad
    t.grad_fn = grad_fn
    t._idx = idx
    t._grad = None
    t._hooks = None
    return t


def _is_python_data(obj):
    if isinstance(obj, (numbers.Number, bool)):
        return not isinstance(obj, numpy.generic)
    if isinstance(obj, (list, tuple)):
        return all(_is_python_data(o) for o in obj)
    return False


def convert(data, dtype=None, device=None, copy=True):
    """(array, backend) for ``tensor(data, dtype, device)``, with PyTorch's dtype inference.

    Python floats become float32, Python ints int64, bools bool; NumPy arrays and scalars keep
    their dtype. A Tensor's array is copied (unless ``copy=False`` and nothing changes).
    """
    backend = None if device is None else get_backend(device)
    dt = None if dtype is None else dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        src_backend = data._backend
        arr = data._data
        if backend is not None and backend is not src_backend:
            arr = backend.from_host(src_backend.to_host(arr))
            copy = False
        backend = backend or src_backend
        if dt is not None and arr.dtype != dt:
            return arr.astype(dt), backend
        return (arr.copy() if copy else arr), backend
    backend = backend or CPU
    if isinstance(data, backend.array_type):
        arr = data
    elif backend is not CPU and isinstance(data, numpy.ndarray):
        arr = backend.from_host(data)
    elif _is_python_data(data):
        try:
            arr = numpy.array(data)
        except ValueError:
            raise ValueError(f"cannot make a tensor from ragged nested sequences (every list at one depth must "
                             f"have the same length): {data!r:.100}") from None
        if dt is None:
            if arr.dtype.kind == "f":
                dt = dtypes.DEFAULT_FLOAT
            elif arr.dtype.kind in "iu":
                dt = dtypes.DEFAULT_INT
        if backend is not CPU:
            arr = backend.from_host(arr)
    else:
        if hasattr(data, "__cuda_array_interface__") and backend is CPU:
            raise TypeError(f"cannot make a CPU tensor from a GPU array of type {type(data).__name__}; "
                            f"pass device='cuda' or copy it to the host first")
        try:
            arr = numpy.asarray(data)
        except Exception as exc:
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: {exc}") from None
        if arr.dtype == object:
            raise TypeError(f"cannot make a tensor from {type(data).__name__} {data!r:.80}: "
                            f"its elements are not numbers of one shape")
        if backend is not CPU:
            arr = backend.from_host(arr)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
        copy = False
    if dt is None:
        dt = dtypes.to_dtype(arr.dtype)  # raises for complex, strings, objects
    if arr.dtype != dt:
        arr = arr.astype(dt)
        copy = False
    if copy and arr is data:
        arr = arr.copy()
    return arr, backend


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Create one with :func:`autograd_core.tensor`. The constructor is PyTorch's legacy one:
    ``Tensor(data)`` is data in the default floating dtype (``dtype=`` overrides it), ``Tensor(2, 3)`` a
    (2, 3) tensor of that dtype (zero-filled here), ``Tensor()`` an empty one. ``requires_grad=True``
    makes it a leaf of the graph: after ``loss.backward()`` its ``.grad`` holds dL/dx.
    """

    __slots__ = ("_data", "_backend", "_rg", "grad_fn", "_idx", "_grad", "_hooks", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # NumPy defers to our reflected operators: ndarray * Tensor -> Tensor

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        if dtype is None:
            dtype = dtypes.DEFAULT_FLOAT
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):  # Tensor(2, 3), Tensor()
            if any(a < 0 for a in args):
                raise ValueError(f"Tensor: sizes must be non-negative, got {args}")
            backend = get_backend("cpu" if device is None else device)
            self._init_leaf(backend.xp.zeros(args if args else (0,), dtype=dtypes.to_dtype(dtype)), backend,
                            requires_grad)
            return
        if len(args) != 1:
            raise TypeError(f"Tensor: expected data (a number, nested lists, an array, a Tensor) or sizes as ints, "
                            f"got {len(args)} arguments of types {[type(a).__name__ for a in args]}")
        self._init_leaf(*convert(args[0], dtype, device), requires_grad)

    def _init_leaf(self, array, backend, requires_grad):
        """Fill in a new leaf (shared by subclasses such as nn.Parameter); the setter checks the dtype."""
        self._data, self._backend = array, backend
        self._rg = False
        self.grad_fn = None
        self._idx = 0
        self._grad = None
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    # --- attributes -------------------------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return self._backend.device

    @property
    def is_cuda(self):
        return self._backend.name == "cuda"

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._data.dtype.kind not in "f":
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype.name}")
        if not value and self.grad_fn is not None:
            raise RuntimeError("requires_grad can only be changed on leaf tensors; use .detach() for a "
                               "tensor that does not require grad")
        self._rg = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        """dL/dself after backward (leaves, and tensors that called ``retain_grad()``), else None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape or value.dtype != self.dtype or value._backend is not self._backend:
                raise ValueError(f"assigned grad has shape {tuple(value.shape)}, dtype {value.dtype.name}, "
                                 f"device {value.device}; the tensor has shape {tuple(self.shape)}, dtype "
                                 f"{self.dtype.name}, device {self.device}")
        self._grad = value

    @property
    def data(self):
        """A tensor sharing this one's memory, detached from the graph (as PyTorch's ``.data``)."""
        return make_tensor(self._data, self._backend)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data, self._backend = value._data, value._backend

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def size(self, dim=None):
        if dim is None:
            return self._data.shape
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    __hash__ = object.__hash__  # comparisons return tensors, so hash by identity as PyTorch does

    def __deepcopy__(self, memo):
        """A copy with its own memory, on the same device (leaf tensors only, as in PyTorch)."""
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors (created by the user, not by an op) support deepcopy; "
                               "use .detach().clone()")
        import copy

        new = _new(type(self))
        memo[id(self)] = new
        new._data = self._data.copy()
        new._backend = self._backend
        new._rg = self._rg
        new.grad_fn = None
        new._idx = 0
        new._grad = None if self._grad is None else copy.deepcopy(self._grad, memo)
        new._hooks = None
        return new

    # --- conversions ------------------------------------------------------------------------
    def numpy(self):
        """The data as a NumPy array, sharing memory on the CPU. Raises for GPU tensors and for
        tensors that require grad (call ``.detach()`` first), as PyTorch does."""
        if self._rg:
            raise RuntimeError("can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()")
        if self._backend is not CPU:
            raise TypeError(f"can't convert a {self.device} tensor to NumPy; use tensor.cpu() first")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._backend is not CPU:
            raise TypeError(f"can't convert a {self.device} tensor to NumPy; use tensor.cpu() first")
        arr = self._data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {tuple(self.shape)}")
        return self._backend.to_host(self._data).reshape(()).item()

    def tolist(self):
        return self._backend.to_host(self._data).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                               f"use .any() or .all()")
        return bool(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def detach(self):
        """A new tensor sharing the data, cut from the graph (requires_grad False)."""
        return make_tensor(self._data, self._backend)

    def detach_(self):
        """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
        self.grad_fn = None
        self._rg = False
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """A copy on the GPU (``cuda``, or ``cuda:N`` for ``device`` N); ``non_blocking`` is accepted for
        PyTorch's signature (host-to-device copies here are synchronous)."""
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def pin_memory(self):
        """``self``: there is no page-locked host memory here (accepted so that PyTorch loading code runs)."""
        return self

    def is_pinned(self):
        return False

    def float(self):
        return self.to(dtype=dtypes.float32)

    def double(self):
        return self.to(dtype=dtypes.float64)

    def half(self):
        return self.to(dtype=dtypes.float16)

    def long(self):
        return self.to(dtype=dtypes.int64)

    def int(self):
        return self.to(dtype=dtypes.int32)

    def bool(self):
        return self.to(dtype=dtypes.bool_)

    def type_as(self, other):
        return self.to(dtype=other.dtype)

    def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``.

        Differentiable: gradients flow back across devices and between floating dtypes. Returns
        ``self`` when nothing changes (unless ``copy=True``). ``non_blocking`` is accepted for PyTorch's
        signature: copies between devices here are synchronous.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif _looks_like_device(arg):
                device = arg
            else:
                dtype = arg
        from .ops.convert import to_device_dtype

        return to_device_dtype(self, device, dtype, copy)

    # --- autograd -----------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (``gradient`` weights a non-scalar)."""
        from .engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when the gradient w.r.t. this tensor is computed; a Tensor returned
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            table = self._hooks
        else:
            fn = self.grad_fn
            if fn._pre_hooks is None:
                fn._pre_hooks = {}
            table = fn._pre_hooks.setdefault(self._idx, {})
        return RemovableHandle(table, hook)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (a no-op on leaves)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")
        if self.grad_fn is not None:
            fn = self.grad_fn
            if fn._retain is None:
                fn._retain = {}
            fn._retain[self._idx] = weakref.ref(self)

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and fn._retain is not None and self._idx in fn._retain

    # --- printing -------------------------------------------------------------------------------
    def __format__(self, spec):
        """A 0-d tensor formats as its number (``f"{loss:.3f}"``), as in PyTorch; others as their repr."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self):
        host = self._backend.to_host(self._data)
        body = numpy.array2string(host, separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self._backend is not CPU:
            extras.append(f"device='{self.device}'")
        if host.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_):
            extras.append(f"dtype={host.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._rg:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` takes the hook out again."""

    _next_id = 0

    def __init__(self, table, hook):
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self._table = table
        table[self.id] = hook

    def remove(self):
        self._table.pop(self.id, None)


def _looks_like_device(arg):
    if isinstance(arg, str):
        try:
            parse_device(arg)
            return True
        except ValueError:
            return False
    return arg.__class__.__name__ == "Device"


def _wrap_dim(dim, ndim, what):
    """A dim in [-ndim, ndim) as a non-negative index, or an IndexError naming it."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{what}: dimension {dim} is out of range for a tensor of {ndim} dimension(s)")
    return dim + n if dim < 0 else dim

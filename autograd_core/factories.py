"""Tensor factories, each taking ``dtype``, ``device`` and ``requires_grad`` as in PyTorch."""

import operator

import numpy

from backends import get_backend

from . import dtypes
from .tensor import Tensor, convert, make_tensor


def _finish(array, backend, requires_grad):
    t = make_tensor(array, backend)
    if requires_grad:
        t.requires_grad = True  # checks the dtype
    return t


def _size(size, what):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        size = tuple(operator.index(s) for s in size)
    except TypeError:
        raise TypeError(f"{what}: sizes must be integers, got {size!r}") from None
    if any(s < 0 for s in size):
        raise ValueError(f"{what}: sizes must be non-negative, got {size}")
    return size


def _size_kw(size, kw, what):
    """Sizes given as ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``."""
    if kw:
        if set(kw) != {"size"} or size:
            raise TypeError(f"{what}: unexpected arguments {sorted(kw)}; give sizes as {what}(2, 3) or size=(2, 3)")
        return (kw["size"],)
    return size


def _float_dtype(dtype, what):
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{what}: dtype must be a floating-point type, got {dt.name}")
    return dt


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, a NumPy array, a Tensor).

    Python floats give float32, Python ints int64; NumPy arrays keep their dtype.
    """
    arr, backend = convert(data, dtype, device, copy=True)
    return _finish(arr, backend, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with ``data`` when it already has the dtype and device."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    arr, backend = convert(data, dtype, device, copy=False)
    return make_tensor(arr, backend)


def from_numpy(array):
    """A CPU tensor sharing memory with the NumPy array ``array`` (its dtype kept)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    if not array.dtype.isnative:
        raise TypeError(f"from_numpy: the array has non-native byte order (dtype {array.dtype.str!r}); "
                        f"convert it with array.astype(array.dtype.newbyteorder('='))")
    dtypes.to_dtype(array.dtype)
    return make_tensor(array, get_backend("cpu"))


def _source(backend, generator, what):
    """What a random factory draws from: ``generator``'s stream (a CPU ``Generator``) or else the device's
    own seeded one."""
    if generator is None:
        return backend
    from .random import Generator

    if not isinstance(generator, Generator):
        raise TypeError(f"{what}: generator must be an autograd_core.Generator, got {type(generator).__name__}")
    if backend.name != "cpu":
        raise ValueError(f"{what}: a Generator draws on the CPU, but the tensor is to be on {backend.device}; "
                         f"leave generator out (the device's own generator is seeded by manual_seed), or draw "
                         f"on the CPU and move the result with .to()")
    return generator._rng


def _filled(what, fill, size, dtype, device, requires_grad, default=None):
    size = _size(size, what)
    dt = (default or dtypes.DEFAULT_FLOAT) if dtype is None else dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    return _finish(fill(backend, size, dt), backend, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "zeros")
    return _filled("zeros", lambda b, s, d: b.xp.zeros(s, dtype=d), size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "ones")
    return _filled("ones", lambda b, s, d: b.xp.ones(s, dtype=d), size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _size_kw(size, kw, "empty")
    return _filled("empty", lambda b, s, d: b.xp.empty(s, dtype=d), size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value`` (its dtype inferred from the value if not given)."""
    default = dtypes.bool_ if isinstance(fill_value, bool) else (
        dtypes.DEFAULT_INT if isinstance(fill_value, int) else dtypes.DEFAULT_FLOAT)
    return _filled("full", lambda b, s, d: b.xp.full(s, fill_value, dtype=d), (size,), dtype, device,
                   requires_grad, default)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform samples in [0, 1) from the device's seeded generator (or from ``generator``)."""
    size = _size_kw(size, kw, "rand")
    dt = _float_dtype(dtype, "rand")
    return _filled("rand", lambda b, s, d: _source(b, generator, "rand").random(s, d), size, dt, device,
                   requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal samples from the device's seeded generator (or from ``generator``)."""
    size = _size_kw(size, kw, "randn")
    dt = _float_dtype(dtype, "randn")
    return _filled("randn", lambda b, s, d: _source(b, generator, "randn").normal(s, d), size, dt, device,
                   requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform in [low, high) (``randint(high, size)`` starts at 0), int64 by default."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    dt = dtypes.DEFAULT_INT if dtype is None else dtypes.to_dtype(dtype)
    return _filled("randint", lambda b, s, d: _source(b, generator, "randint").integers(low, high, s, d), (size,),
                   dt, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64), from the device's generator (or from ``generator``)."""
    backend = get_backend("cpu" if device is None else device)
    dt = dtypes.DEFAULT_INT if dtype is None else dtypes.to_dtype(dtype)
    perm = _source(backend, generator, "randperm").permutation(operator.index(n))
    return _finish(perm.astype(dt, copy=False), backend, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 when all are ints, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        dt = dtypes.DEFAULT_INT if all(isinstance(v, int) for v in (start, end, step)) else dtypes.DEFAULT_FLOAT
    else:
        dt = dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    return _finish(backend.xp.arange(start, end, step).astype(dt, copy=False), backend, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    steps = operator.index(steps)
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    values = backend.xp.linspace(start, end, steps)
    if dt.kind in "iu":
        values = backend.xp.trunc(values)  # as PyTorch: computed in floating point, then truncated
    return _finish(values.astype(dt, copy=False), backend, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix."""
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)
    backend = get_backend("cpu" if device is None else device)
    return _finish(backend.xp.eye(n, n if m is None else m, dtype=dt), backend, requires_grad)


def _like(x, dtype, device):
    return (x.dtype if dtype is None else dtype), (x.device if device is None else device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return zeros(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return ones(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return empty(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return rand(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return randn(x.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def _legacy(name, dt):
    def make(*args, device=None, requires_grad=False):
        return Tensor(*args, dtype=dt, device=device, requires_grad=requires_grad)

    make.__name__ = make.__qualname__ = name
    make.legacy_dtype = dt  # (x.type(FloatTensor) casts to it)
    make.__doc__ = f"PyTorch's legacy ``torch.{name}(data)`` / ``{name}(*sizes)``: a ``Tensor`` of dtype {dt.name}."
    return make


FloatTensor = _legacy("FloatTensor", dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", dtypes.float64)
LongTensor = _legacy("LongTensor", dtypes.int64)
IntTensor = _legacy("IntTensor", dtypes.int32)
BoolTensor = _legacy("BoolTensor", dtypes.bool_)

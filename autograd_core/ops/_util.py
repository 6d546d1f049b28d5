"""Helpers shared by the op modules: operand conversion, dtype promotion, dim checks."""

import numbers

import numpy

from .. import dtypes
from ..tensor import Tensor, convert, make_tensor

SCALARS = (int, float, bool)


def is_scalar(x):
    return x.__class__ in SCALARS or (isinstance(x, numbers.Number) and not isinstance(x, numpy.ndarray)
                                       and not isinstance(x, complex))


def as_tensor(x, like=None):
    """``x`` as a Tensor on ``like``'s device: Tensors pass through, arrays and lists are wrapped."""
    if isinstance(x, Tensor):
        return x
    arr, backend = convert(x, None, None if like is None else like.device, copy=False)
    return make_tensor(arr, backend)


def promote(a, b, what):
    """Cast two tensors to their common dtype (PyTorch's rules), differentiably."""
    da, db = a._data.dtype, b._data.dtype
    if da is db or da == db:
        return a, b
    dt = dtypes.result_type(da, a._data.ndim, db, b._data.ndim)
    if da != dt:
        a = a.to(dtype=dt)
    if db != dt:
        b = b.to(dtype=dt)
    return a, b


def float_pair(a, b, what):
    """Two operands as Tensors made floating (integers become float32, as in PyTorch) and of one dtype; a
    number joins the other operand's device."""
    a = as_tensor(a)
    b = as_tensor(b, like=a)
    if a._data.dtype.kind != "f":
        a = a.to(dtype=dtypes.DEFAULT_FLOAT)
    if b._data.dtype.kind != "f":
        b = b.to(dtype=dtypes.DEFAULT_FLOAT)
    return promote(a, b, what)


def apply_float_binary(cls, a, b, what):
    """``cls.apply(a, b)`` for two operands made floating (``float_pair``); a broadcast error names both
    shapes."""
    a, b = float_pair(a, b, what)
    try:
        return cls.apply(a, b)
    except ValueError:
        raise broadcast_error(what, a.shape, b.shape) from None


def broadcast_error(what, *shapes):
    listed = " and ".join(str(tuple(s)) for s in shapes)
    return ValueError(f"{what}: shapes {listed} cannot be broadcast together")


def wrap_dim(dim, ndim, what):
    """``dim`` in [-ndim, ndim) as a non-negative int, or an IndexError naming it."""
    n = ndim if ndim > 0 else 1
    if not isinstance(dim, (int, numpy.integer)) or isinstance(dim, bool):
        raise TypeError(f"{what}: dim must be an int, got {type(dim).__name__} {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{what}: dim {dim} is out of range for a tensor with {ndim} dimension(s) "
                         f"(expected a value in [{-n}, {n - 1}])")
    return int(dim) + n if dim < 0 else int(dim)


def wrap_dims(dim, ndim, what):
    """A dim argument (None, int, or a sequence) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted(wrap_dim(d, ndim, what) for d in dim))
        if len(set(axes)) != len(axes):
            raise ValueError(f"{what}: dim {tuple(dim)} names a dimension more than once")
        return axes
    return (wrap_dim(dim, ndim, what),)


def need_float(x, what):
    if x._data.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point tensor, got dtype {x.dtype.name}")


def zero_grad_of(gy):
    """The gradient of a function that is flat (sign, rounding, x ** 0): exact zeros of gy's shape and dtype,
    also where gy is infinite or NaN (gy * 0 would give NaN there), as PyTorch."""
    return make_tensor(gy._backend.xp.zeros(gy.shape, dtype=gy.dtype), gy._backend)

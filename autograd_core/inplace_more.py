"""More of PyTorch's in-place Tensor methods (the rules of ``inplace``: no graph is recorded, a leaf that
requires grad changes only under no_grad) and two view methods:

* random fills, from the tensor's device generator (or ``generator=``), u ~ U[0, 1):
  ``exponential_(lambd)`` -log(1 - u) / lambd;  ``cauchy_(median, sigma)`` median + sigma tan(pi (u - 1/2));
  ``log_normal_(mean, std)`` exp(mean + std z);  ``geometric_(p)`` ceil(log(1 - u) / log(1 - p));
  ``bernoulli_(p)`` [u < p];  ``random_(from, to)`` integers uniform in [from, to);
* ``fill_diagonal_(value, wrap=False)``;
* shape changes in place: ``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_`` / ``swapaxes_`` / ``swapdims_``;
* ``unfold(dimension, size, step)``: the windows of ``size`` entries every ``step`` along ``dimension``, as a new
  last dim (differentiable: one index_select);
* ``type(dtype=None)`` (``type_`` here): the tensor's type name (``autograd_core.FloatTensor``,
  ``autograd_core.cuda.FloatTensor``) without an argument, else the tensor cast to a dtype or a legacy tensor type.
"""

import math
import numbers

import numpy

from . import dtypes
from .tensor import Tensor, make_tensor


def _fill(self, name, generator, make):
    """Write ``make(u)`` (u: uniform draws in self's shape, float) into self, with the in-place rules."""
    from .factories import _source

    self._check_inplace(name)
    dt = self.dtype if self.dtype.kind == "f" else dtypes.DEFAULT_FLOAT
    u = self._backend.asarray(_source(self._backend, generator, name).random(tuple(self.shape), dt))
    self._data[...] = make(self._backend.xp, u)
    return self


def _positive(name, label, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name}: expects {label} > 0, but found {label}={value!r}")


def exponential_(self, lambd=1.0, *, generator=None):
    _positive("exponential_", "lambd", lambd)
    return _fill(self, "exponential_", generator, lambda xp, u: -xp.log1p(-u) / lambd)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _positive("cauchy_", "sigma", sigma)
    return _fill(self, "cauchy_", generator, lambda xp, u: median + sigma * xp.tan(math.pi * (u - 0.5)))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    from .factories import _source

    _positive("log_normal_", "std", std)
    self._check_inplace("log_normal_")
    z = self._backend.asarray(_source(self._backend, generator, "log_normal_").normal(tuple(self.shape), self.dtype))
    self._data[...] = self._backend.xp.exp(z * std + mean)
    return self


def geometric_(self, p, *, generator=None):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 < p < 1:
        raise ValueError(f"geometric_: expects p in (0, 1), but found p={p!r}")
    return _fill(self, "geometric_", generator, lambda xp, u: xp.ceil(xp.log1p(-u) / math.log1p(-p)))


def bernoulli_(self, p=0.5, *, generator=None):
    if isinstance(p, Tensor):
        prob = p._data
    elif isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"bernoulli_: expects p in [0, 1], but found p={p!r}")
    else:
        prob = p
    return _fill(self, "bernoulli_", generator, lambda xp, u: u < prob)


def random_(self, from_=0, to=None, *, generator=None):
    """Integers uniform in [from, to) (``random_(to)``: [0, to); ``random_()``: [0, 2^mantissa bits] for a float
    tensor, [0, the dtype's max] for an integer one), written into the tensor."""
    if to is None:
        if from_ == 0:
            to = 2 ** (numpy.finfo(self._data.dtype).nmant + 1) + 1 if self.dtype.kind == "f" else \
                int(numpy.iinfo(self._data.dtype).max) + (self.dtype.kind != "b")
        else:
            from_, to = 0, from_
    if not to > from_:
        raise ValueError(f"random_: expects 'from' < 'to', but got from={from_}, to={to}")
    lo, span = int(from_), int(to) - int(from_)
    return _fill(self, "random_", generator, lambda xp, u: xp.floor(u.astype(numpy.float64) * span) + lo)


def fill_diagonal_(self, fill_value, wrap=False):
    """Write ``fill_value`` on the main diagonal (every dim of one size, or a matrix; with ``wrap`` a tall
    matrix's diagonal starts again N + 1 rows below, as PyTorch's and NumPy's fill_diagonal)."""
    self._check_inplace("fill_diagonal_")
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise ValueError(f"fill_diagonal_: dimensions must be larger than 1, got a tensor of shape {shape}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError(f"fill_diagonal_: all dimensions of input must be of equal length, got shape {shape}")
    xp = self._backend.xp
    if len(shape) == 2:
        rows, cols = shape
        end = rows * cols if wrap and rows > cols else min(rows, cols) * cols
        flat = xp.arange(0, end, cols + 1)
        index = (flat // cols, flat % cols)
    else:
        index = (xp.arange(shape[0]),) * len(shape)
    self._data[index] = fill_value
    return self


def _reshaped(self, name, array):
    self._check_inplace(name)
    self._data = array
    return self


def squeeze_(self, dim=None):
    from .ops.shape import squeeze

    out = squeeze(self.detach(), dim) if dim is not None else squeeze(self.detach())
    return _reshaped(self, "squeeze_", out._data)


def unsqueeze_(self, dim):
    from .ops.shape import unsqueeze

    return _reshaped(self, "unsqueeze_", unsqueeze(self.detach(), dim)._data)


def transpose_(self, dim0, dim1):
    from .ops.shape import transpose

    return _reshaped(self, "transpose_", transpose(self.detach(), dim0, dim1)._data)


def t_(self):
    if self.ndim > 2:
        raise ValueError(f"t_: expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return transpose_(self, 0, -1) if self.ndim == 2 else self


def unfold(self, dimension, size, step):
    """The windows of ``size`` consecutive entries every ``step`` along ``dimension``, as a new last dim:
    shape[dimension] becomes (shape[dimension] - size) // step + 1, and a dim of ``size`` is appended."""
    from .ops._util import wrap_dim
    from .ops.index import index_select
    from .ops.shape import movedim, reshape

    nd = max(self.ndim, 1)
    dim = wrap_dim(dimension, nd, "unfold")
    length = self.shape[dim] if self.ndim else 1
    for name, v in (("size", size), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"unfold: {name} must be an int, got {v!r}")
    if size < 0 or size > length:
        raise ValueError(f"unfold: maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise ValueError(f"unfold: step is {step} but must be > 0")
    x = self if self.ndim else reshape(self, (1,))
    xp = self._backend.xp
    count = (length - size) // step + 1
    idx = (xp.arange(count, dtype=dtypes.int64)[:, None] * step + xp.arange(size, dtype=dtypes.int64)).reshape(-1)
    picked = index_select(x, dim, make_tensor(idx, self._backend))
    shape = tuple(x.shape[:dim]) + (count, size) + tuple(x.shape[dim + 1:])
    out = movedim(reshape(picked, shape), dim + 1, -1)
    return out if self.ndim else reshape(out, (size,))


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor"}


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """Without ``dtype``: the type name, ``autograd_core.FloatTensor`` (``autograd_core.cuda.FloatTensor`` on a
    GPU). With one (a dtype, a legacy tensor type such as ``ag.DoubleTensor``, or its name as a string): the
    tensor cast to it (itself when it already has that dtype)."""
    if dtype is None:
        where = "autograd_core.cuda." if self.device.type == "cuda" else "autograd_core."
        return where + _TYPE_NAMES.get(self.dtype.name, self.dtype.name)
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        matches = [k for k, v in _TYPE_NAMES.items() if v == name]
        if not matches:
            raise ValueError(f"type: invalid type {dtype!r} (expected a name such as 'autograd_core.FloatTensor')")
        target = matches[0]
    elif getattr(dtype, "legacy_dtype", None) is not None:
        target = dtype.legacy_dtype
    else:
        target = dtype
    return self.to(dtypes.to_dtype(target) if not isinstance(target, str) else target)


METHODS = {"exponential_": exponential_, "cauchy_": cauchy_, "log_normal_": log_normal_, "geometric_": geometric_,
           "bernoulli_": bernoulli_, "random_": random_, "fill_diagonal_": fill_diagonal_, "squeeze_": squeeze_,
           "unsqueeze_": unsqueeze_, "transpose_": transpose_, "swapaxes_": transpose_, "swapdims_": transpose_,
           "t_": t_, "unfold": unfold, "type": type_}

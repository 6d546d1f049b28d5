"""In-place updates of tensors that carry no graph: ``x[i] = v``, ``copy_``, ``add_``, ``x -= lr * g``.

The rules: a tensor produced by an op that recorded a graph can't be changed in place (its value is
saved for backward); a leaf that requires grad can be changed only under ``no_grad`` (an optimizer
step, an initialisation). ``x += y`` on a tensor that is part of a graph (``out += identity`` in a
residual block) computes ``x + y`` and rebinds the name, which is what autograd needs. Attached to
Tensor as methods by ``autograd_core._methods``.
"""

from .grad_mode import STATE
from .ops.index import normalize_index
from .tensor import Tensor, make_tensor


def _scaled(other, alpha):
    return make_tensor(other._data * alpha, other._backend) if isinstance(other, Tensor) else other * alpha


def _check_inplace(self, what):
    if self.grad_fn is not None:
        raise RuntimeError(f"{what}: in-place changes to a tensor produced by an op that records a graph "
                           f"are not supported; use the out-of-place form (or .detach() first)")
    if self._rg and STATE.grad_enabled:
        raise RuntimeError(f"{what}: a leaf tensor that requires grad can't be changed in place while grad "
                           f"mode is on; wrap the update in `with autograd_core.no_grad():`")


def _operand(self, value, what):
    if isinstance(value, Tensor):
        if value._backend is not self._backend:
            raise RuntimeError(f"{what}: expected a tensor on {self.device}, got one on {value.device}")
        return value._data
    return value


def __setitem__(self, index, value):
    self._check_inplace("__setitem__")
    self._data[normalize_index(index, self)] = self._operand(value, "__setitem__")


def copy_(self, src):
    self._check_inplace("copy_")
    if isinstance(src, Tensor) and src._backend is not self._backend:
        src = src.to(self.device)
    arr = self._operand(src, "copy_")
    try:
        self._data[...] = arr
    except ValueError:
        raise ValueError(f"copy_: source of shape {tuple(getattr(arr, 'shape', ()))} can't be broadcast "
                         f"to shape {tuple(self.shape)}") from None
    return self


def zero_(self):
    self._check_inplace("zero_")
    self._data[...] = 0
    return self


def fill_(self, value):
    self._check_inplace("fill_")
    self._data[...] = self._operand(value, "fill_")
    return self


def _update(self, what, ufunc, other):
    """``self = ufunc(self, other)`` in place, with the in-place rules and clear errors."""
    self._check_inplace(what)
    other = self._operand(other, what)
    try:
        getattr(self._backend.xp, ufunc)(self._data, other, out=self._data)
    except TypeError:
        kind = getattr(other, "dtype", type(other).__name__)
        raise TypeError(f"{what}: the result of a {self.dtype.name} tensor and {kind} can't be stored in place "
                        f"in the {self.dtype.name} tensor; use the out-of-place form") from None
    except ValueError:
        raise ValueError(f"{what}: an operand of shape {tuple(getattr(other, 'shape', ()))} can't be broadcast "
                         f"to the tensor's shape {tuple(self.shape)} in place") from None
    return self


def add_(self, other, alpha=1):
    return self._update("add_", "add", other if alpha == 1 else _scaled(other, alpha))


def sub_(self, other, alpha=1):
    return self._update("sub_", "subtract", other if alpha == 1 else _scaled(other, alpha))


def mul_(self, other):
    return self._update("mul_", "multiply", other)


def div_(self, other):
    return self._update("div_", "true_divide", other)


# ``x += y``: in place on tensors without a graph (an optimizer step under no_grad); on a tensor
# that is part of a graph (``out += identity`` in a residual block) it computes ``x + y`` and
# rebinds the name, which is what autograd needs; on a leaf that requires grad it raises.
def __iadd__(self, other):
    return self + other if self.grad_fn is not None else self._update("+=", "add", other)


def __isub__(self, other):
    return self - other if self.grad_fn is not None else self._update("-=", "subtract", other)


def __imul__(self, other):
    return self * other if self.grad_fn is not None else self._update("*=", "multiply", other)


def __itruediv__(self, other):
    return self / other if self.grad_fn is not None else self._update("/=", "true_divide", other)


def clamp_(self, min=None, max=None):
    self._check_inplace("clamp_")
    self._backend.xp.clip(self._data, min, max, out=self._data)
    return self


def masked_fill_(self, mask, value):
    """Write ``value`` where ``mask`` (a bool tensor broadcastable to self) is True, in place."""
    self._check_inplace("masked_fill_")
    m = self._operand(mask, "masked_fill_")
    if getattr(m, "dtype", None) is None or m.dtype.kind != "b":
        raise TypeError(f"masked_fill_: mask must be a bool tensor, got {getattr(m, 'dtype', type(m).__name__)}")
    v = self._operand(value, "masked_fill_")
    if getattr(v, "ndim", 0) != 0:
        raise ValueError(f"masked_fill_: value must be a number or a 0-d tensor, got shape {tuple(v.shape)}")
    try:
        m = self._backend.xp.broadcast_to(m, self._data.shape)
    except ValueError:
        raise ValueError(f"masked_fill_: a mask of shape {tuple(m.shape)} can't be broadcast to the tensor's "
                         f"shape {tuple(self.shape)}") from None
    self._data[m] = v
    return self


def scatter_(self, dim, index, src=None, value=None, reduce=None):
    """``scatter`` in place: src (a tensor or a number) written at index along dim (added, with
    ``reduce="add"``)."""
    from .ops.index import _scatter_index

    self._check_inplace("scatter_")
    if reduce not in (None, "add"):
        raise ValueError(f"scatter_: reduce must be None or 'add', got {reduce!r}")
    ix, src = _scatter_index(self, dim, index, value if src is None else src, "scatter_")
    if reduce == "add":
        self._backend.scatter_add(self._data, ix, src._data)
    else:
        self._data[ix] = src._data
    return self


def scatter_add_(self, dim, index, src):
    """``scatter_add`` in place: src added at index along dim, repeated positions accumulating."""
    return scatter_(self, dim, index, src, reduce="add")


def uniform_(self, a=0.0, b=1.0, generator=None):
    from .factories import _source

    self._check_inplace("uniform_")
    self._data[...] = _source(self._backend, generator, "uniform_").random(self.shape, self.dtype) * (b - a) + a
    return self


def normal_(self, mean=0.0, std=1.0, generator=None):
    from .factories import _source

    self._check_inplace("normal_")
    self._data[...] = _source(self._backend, generator, "normal_").normal(self.shape, self.dtype) * std + mean
    return self


def _inplace_version(name, fn):
    """``x.name(*args)``: ``fn(x, *args)`` written into x, with the in-place rules. An operand that needs a
    gradient raises (an in-place update records no graph here; use the out-of-place form)."""

    def method(self, *args, **kwargs):
        self._check_inplace(name)
        if STATE.grad_enabled:
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, Tensor) and a.requires_grad:
                    raise RuntimeError(f"{name}: an operand requires grad, and in-place updates record no graph; "
                                       f"use the out-of-place {name[:-1]} (or update under no_grad)")
        from .grad_mode import no_grad

        with no_grad():
            out = fn(self, *args, **kwargs)
        data = out._data
        if data.dtype.kind == "f" and self._data.dtype.kind != "f":
            raise TypeError(f"{name}: the result has dtype {data.dtype.name}, which can't be stored in place in the "
                            f"{self.dtype.name} tensor; use the out-of-place {name[:-1]}")
        if tuple(data.shape) != tuple(self._data.shape):
            raise ValueError(f"{name}: the result has shape {tuple(data.shape)}, which can't be stored in place in "
                             f"the tensor of shape {tuple(self.shape)}; use the out-of-place {name[:-1]}")
        self._data[...] = data
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"The in-place form of ``{name[:-1]}``: the result is written into this tensor, which is returned."
    return method


def inplace_versions(ops):
    """The in-place methods (``exp_``, ``clamp_min_``, ``addcmul_``, ...) made from the ops of ``ops``."""
    names = ("relu", "sigmoid", "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "abs",
             "neg", "pow", "sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "reciprocal", "square",
             "sign", "floor", "ceil", "round", "trunc", "frac", "remainder", "fmod", "lerp", "addcmul", "addcdiv",
             "clamp_min", "clamp_max", "nan_to_num", "index_add", "cumsum", "cumprod", "sinc", "deg2rad", "rad2deg",
             "erf", "erfc", "logit", "hypot", "xlogy", "atan2", "asinh", "acosh", "atanh", "exp2")
    out = {n + "_": _inplace_version(n + "_", getattr(ops, n)) for n in names}
    out["clip_"] = clamp_
    out["negative_"] = out["neg_"]
    out["absolute_"] = out["abs_"]
    return out


METHODS = {fn.__name__: fn for fn in (
    _check_inplace, _operand, _update, __setitem__, copy_, zero_, fill_, add_, sub_, mul_, div_, clamp_, uniform_,
    masked_fill_, scatter_, scatter_add_,
    normal_, __iadd__, __isub__, __imul__, __itruediv__)}

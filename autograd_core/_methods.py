"""Attach the operations to Tensor as methods and operators (``x.exp()``, ``x + y``, ``x[i]``).

Kept apart from tensor.py so the data model reads on its own and the op modules can import
Tensor without a cycle.
"""

from . import dlpack, factories, inplace, inplace_more, ops
from .ops import extra
from .ops._util import wrap_dim
from .tensor import Tensor


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    return method


def _operator(fn):
    """An operator that returns NotImplemented for operands it can't take (``x == None`` is False)."""

    def method(self, other):
        if other is None:
            return NotImplemented
        return fn(self, other)

    method.__name__ = fn.__name__
    return method


def _shape_method(fn):
    def method(self, *args):
        return fn(self, *args)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


METHODS = {
    # arithmetic
    "add": ops.add, "sub": ops.sub, "mul": ops.mul, "div": ops.div, "pow": ops.pow, "neg": ops.neg,
    "floor_divide": ops.floor_divide, "remainder": ops.remainder, "true_divide": ops.div,
    "multiply": ops.mul, "subtract": ops.sub, "divide": ops.div, "negative": ops.neg,
    # comparisons and logic
    "eq": ops.eq, "ne": ops.ne, "lt": ops.lt, "le": ops.le, "gt": ops.gt, "ge": ops.ge,
    "logical_and": ops.logical_and, "logical_or": ops.logical_or, "logical_xor": ops.logical_xor,
    "logical_not": ops.logical_not, "isnan": ops.isnan, "isinf": ops.isinf, "isfinite": ops.isfinite,
    "all": ops.all, "any": ops.any, "allclose": ops.allclose, "equal": ops.equal,
    # elementwise
    "exp": ops.exp, "expm1": ops.expm1, "log": ops.log, "log1p": ops.log1p, "sqrt": ops.sqrt, "rsqrt": ops.rsqrt,
    "sin": ops.sin, "erf": ops.erf, "cos": ops.cos, "tan": ops.tan, "tanh": ops.tanh, "sigmoid": ops.sigmoid,
    "relu": ops.relu,
    "leaky_relu": ops.leaky_relu, "softplus": ops.softplus, "clamp": ops.clamp, "clip": ops.clip,
    "maximum": ops.maximum, "minimum": ops.minimum, "sign": ops.sign, "abs": ops.abs, "absolute": ops.abs,
    "square": ops.square, "reciprocal": ops.reciprocal,
    "asin": ops.asin, "acos": ops.acos, "atan": ops.atan, "arcsin": ops.asin, "arccos": ops.acos,
    "arctan": ops.atan, "sinh": ops.sinh, "cosh": ops.cosh, "asinh": ops.asinh, "acosh": ops.acosh,
    "atanh": ops.atanh, "arcsinh": ops.asinh, "arccosh": ops.acosh, "arctanh": ops.atanh, "log2": ops.log2,
    "log10": ops.log10, "exp2": ops.exp2, "atan2": ops.atan2, "arctan2": ops.atan2, "lerp": ops.lerp,
    # reductions
    "sum": ops.sum, "mean": ops.mean, "var": ops.var, "std": ops.std, "max": ops.max, "min": ops.min,
    "amax": ops.amax, "amin": ops.amin, "argmax": ops.argmax, "argmin": ops.argmin, "prod": ops.prod,
    "logsumexp": ops.logsumexp, "softmax": ops.softmax, "log_softmax": ops.log_softmax, "norm": ops.norm,
    # shape
    "squeeze": ops.squeeze, "unsqueeze": ops.unsqueeze, "flatten": ops.flatten, "unflatten": ops.unflatten,
    "transpose": ops.transpose, "t": ops.t, "expand_as": ops.expand_as, "broadcast_to": ops.broadcast_to,
    "movedim": ops.movedim, "split": ops.split, "chunk": ops.chunk, "unbind": ops.unbind,
    "clone": ops.clone, "sum_to": ops.sum_to,
    # indexing
    "index_select": ops.index_select, "gather": ops.gather, "masked_fill": ops.masked_fill,
    "scatter": ops.scatter, "scatter_add": ops.scatter_add,
    # linear algebra
    "matmul": ops.matmul, "mm": ops.mm, "addmm": ops.addmm, "bmm": ops.bmm, "dot": ops.dot, "outer": ops.outer,
    "det": ops.det, "inverse": ops.inverse, "slogdet": ops.slogdet, "logdet": ops.logdet,
    "matrix_power": ops.matrix_power, "cholesky": ops.cholesky, "cholesky_solve": ops.cholesky_solve,
    "pinverse": ops.pinverse, "svd": ops.svd, "qr": ops.qr, "matrix_exp": ops.matrix_exp,
    # reorder, select, round
    "fliplr": ops.fliplr, "flipud": ops.flipud, "roll": ops.roll, "cumsum": ops.cumsum,
    "sort": ops.sort, "argsort": ops.argsort, "topk": ops.topk, "tril": ops.tril, "triu": ops.triu,
    "diagonal": ops.diagonal, "diag": ops.diag, "narrow": ops.narrow, "nonzero": ops.nonzero,
    "count_nonzero": ops.count_nonzero, "round": ops.round, "floor": ops.floor, "ceil": ops.ceil,
    "trunc": ops.trunc, "fix": ops.fix, "frac": ops.frac, "nan_to_num": ops.nan_to_num,
    "swapaxes": ops.transpose, "swapdims": ops.transpose, "repeat_interleave": ops.repeat_interleave,
    "unique": ops.unique,
    # more functions
    "addcmul": ops.addcmul, "addcdiv": ops.addcdiv, "baddbmm": ops.baddbmm, "logit": ops.logit,
    "xlogy": ops.xlogy, "hypot": ops.hypot, "logaddexp": ops.logaddexp, "fmod": ops.fmod,
    "clamp_min": ops.clamp_min, "clamp_max": ops.clamp_max, "var_mean": ops.var_mean, "std_mean": ops.std_mean,
    "kthvalue": ops.kthvalue, "median": ops.median, "diff": ops.diff, "trace": ops.trace, "kron": ops.kron,
    "index_add": ops.index_add, "masked_select": ops.masked_select, "take": ops.take, "isclose": ops.isclose,
    "bitwise_and": ops.bitwise_and, "bitwise_or": ops.bitwise_or, "bitwise_xor": ops.bitwise_xor,
    # cumulative, counting, NaN-skipping statistics, specials
    "cumprod": ops.cumprod, "cummax": ops.cummax, "cummin": ops.cummin, "logcumsumexp": ops.logcumsumexp,
    "bincount": ops.bincount, "histc": ops.histc, "nansum": ops.nansum, "nanmean": ops.nanmean,
    "quantile": ops.quantile, "nanquantile": ops.nanquantile, "nanmedian": ops.nanmedian, "sinc": ops.sinc,
    "deg2rad": ops.deg2rad, "rad2deg": ops.rad2deg, "erfc": ops.erfc, "cross": ops.cross, "dist": ops.dist,
    "rot90": ops.rot90, "is_nonzero": ops.is_nonzero,
    # layout
    "contiguous": ops.contiguous, "is_contiguous": ops.is_contiguous,
    # ops/extra.py: selection, splitting, aliases, products, NaN-ignoring and sign ops, specials, queries
    "select": ops.select, "index_fill": ops.index_fill, "index_copy": ops.index_copy,
    "take_along_dim": ops.take_along_dim, "tensor_split": ops.tensor_split, "hsplit": ops.hsplit,
    "vsplit": ops.vsplit, "dsplit": ops.dsplit, "moveaxis": ops.movedim, "msort": ops.msort,
    "positive": ops.positive, "sgn": ops.sgn, "greater": ops.gt, "greater_equal": ops.ge, "less": ops.lt,
    "less_equal": ops.le, "not_equal": ops.ne, "mv": ops.mv, "inner": ops.inner, "vdot": ops.vdot,
    "addmv": ops.addmv, "addr": ops.addr, "ger": ops.outer, "fmax": ops.fmax, "fmin": ops.fmin,
    "copysign": ops.copysign, "signbit": ops.signbit, "heaviside": ops.heaviside, "isposinf": ops.isposinf,
    "isneginf": ops.isneginf, "isreal": ops.isreal, "logaddexp2": ops.logaddexp2, "float_power": ops.float_power,
    "aminmax": ops.aminmax, "argwhere": ops.argwhere, "diag_embed": ops.diag_embed, "diagflat": ops.diagflat,
    "is_same_size": ops.is_same_size, "is_signed": ops.is_signed, "bitwise_not": ops.bitwise_not,
    "unique_consecutive": ops.unique_consecutive, "lgamma": ops.lgamma, "digamma": ops.digamma,
    "erfinv": ops.erfinv,
    # ops/scatter_family.py, statistics.py, numeric.py, assorted.py
    "scatter_reduce": ops.scatter_reduce, "index_put": ops.index_put, "masked_scatter": ops.masked_scatter,
    "diagonal_scatter": ops.diagonal_scatter, "select_scatter": ops.select_scatter,
    "slice_scatter": ops.slice_scatter, "cov": ops.cov, "corrcoef": ops.corrcoef, "histogram": ops.histogram,
    "mode": ops.mode, "frexp": ops.frexp, "ldexp": ops.ldexp, "gcd": ops.gcd, "lcm": ops.lcm,
    "nextafter": ops.nextafter, "i0": ops.i0, "mvlgamma": ops.mvlgamma, "renorm": ops.renorm,
    "addbmm": ops.addbmm, "adjoint": ops.adjoint, "split_with_sizes": ops.split_with_sizes,
}

# methods whose size arguments may be given as *sizes or as one tuple, as in PyTorch
SHAPE_METHODS = {"reshape": ops.reshape, "view": ops.view, "permute": ops.permute, "expand": ops.expand,
                 "repeat": ops.repeat}

OPERATORS = {
    "__add__": ops.add, "__radd__": _reflected(ops.add), "__sub__": ops.sub, "__rsub__": _reflected(ops.sub),
    "__mul__": ops.mul, "__rmul__": _reflected(ops.mul), "__truediv__": ops.div,
    "__rtruediv__": _reflected(ops.div), "__floordiv__": ops.floor_divide,
    "__rfloordiv__": _reflected(ops.floor_divide), "__mod__": ops.remainder,
    "__rmod__": _reflected(ops.remainder), "__pow__": ops.pow, "__rpow__": _reflected(ops.pow),
    "__matmul__": ops.matmul, "__rmatmul__": _reflected(ops.matmul), "__neg__": ops.neg,
    "__pos__": lambda x: x, "__abs__": ops.abs, "__invert__": ops.bitwise_not,
    "__eq__": _operator(ops.eq), "__ne__": _operator(ops.ne),
    "__lt__": ops.lt, "__le__": ops.le, "__gt__": ops.gt, "__ge__": ops.ge,
    "__and__": ops.bitwise_and, "__or__": ops.bitwise_or, "__xor__": ops.bitwise_xor,
    "__rand__": _reflected(ops.bitwise_and), "__ror__": _reflected(ops.bitwise_or),
    "__rxor__": _reflected(ops.bitwise_xor),
    "__getitem__": ops.getitem,
}

PROPERTIES = {"T": ops.T, "mT": ops.mT, **extra.PROPERTIES}


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    from .sampling import multinomial

    return multinomial(self, num_samples, replacement, generator=generator)


def _bernoulli(self, p=None, *, generator=None):
    from .sampling import bernoulli

    return bernoulli(self, p, generator=generator)


def _flip(self, *dims):
    """``x.flip(0, 2)`` or ``x.flip((0, 2))``, as PyTorch's method."""
    return ops.flip(self, dims[0] if len(dims) == 1 else dims)


def _where(self, condition, other):
    """``x.where(condition, y)``: x where condition holds, else y (PyTorch's method form)."""
    return ops.where(condition, self, other)


def _new(factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=self.dtype if dtype is None else dtype,
                       device=self.device if device is None else device, requires_grad=requires_grad)

    method.__name__ = f"new_{factory.__name__}"
    method.__doc__ = f"A new {factory.__name__} tensor with this tensor's dtype and device (unless given)."
    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return factories.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                          device=self.device if device is None else device, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return factories.tensor(data, dtype=self.dtype if dtype is None else dtype,
                            device=self.device if device is None else device, requires_grad=requires_grad)


def _view_as(self, other):
    """``self.view(other.shape)``."""
    return ops.view(self, other.shape)


def _reshape_as(self, other):
    """``self.reshape(other.shape)``."""
    return ops.reshape(self, other.shape)


def _type_as(self, other):
    """``self`` in ``other``'s dtype."""
    return self.to(dtype=other.dtype)


def _stride(self, dim=None):
    """The step in elements between neighbours along each dim (or along ``dim``), as PyTorch's stride()."""
    item = self._data.itemsize
    steps = tuple(s // item for s in self._data.strides)
    if dim is None:
        return steps
    return steps[wrap_dim(dim, self._data.ndim, "stride")] if self._data.ndim else steps[dim]


def _is_floating_point(self):
    """True for float16/32/64 tensors."""
    return self._data.dtype.kind == "f"


def _is_complex(self):
    """False: complex tensors are not supported."""
    return self._data.dtype.kind == "c"


def _ndimension(self):
    """The number of dims (``ndim``)."""
    return self._data.ndim


def _ravel(self):
    """The tensor flattened to 1-d (``reshape(-1)``)."""
    return ops.reshape(self, (-1,))


def _nelement(self):
    """The number of elements (``numel``)."""
    return self.numel()


def _tile(self, *dims):
    """``x.tile(2, 3)`` or ``x.tile((2, 3))``: x repeated along each dim (dims padded with leading 1s)."""
    return ops.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)


def _polygamma(self, n):
    """``x.polygamma(n)``: psi^(n)(x), as ``polygamma(n, x)``."""
    return ops.polygamma(n, self)


def _extra_inplace():
    """The in-place forms of the ops in ops/extra.py, and PyTorch's in-place aliases (``multiply_`` ...)."""
    out = {n + "_": inplace._inplace_version(n + "_", getattr(ops, n))
           for n in ("index_fill", "index_copy", "lgamma", "digamma", "erfinv", "copysign", "sgn", "tril", "triu",
                     "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
                     "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
                     "bitwise_xor", "bitwise_not", "floor_divide", "heaviside", "float_power", "fix", "arcsin",
                     "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2", "addmm", "addmv", "addr",
                     "baddbmm")}
    out.update(multiply_=inplace.mul_, divide_=inplace.div_, true_divide_=inplace.div_, subtract_=inplace.sub_)
    return out


EXTRA = {"__dlpack__": dlpack.tensor_dlpack, "__dlpack_device__": dlpack.tensor_dlpack_device, "where": _where,
         "flip": _flip, "multinomial": _multinomial, "bernoulli": _bernoulli,
         "new_zeros": _new(factories.zeros), "new_ones": _new(factories.ones), "new_empty": _new(factories.empty),
         "new_full": _new_full, "new_tensor": _new_tensor, "view_as": _view_as, "reshape_as": _reshape_as,
         "type_as": _type_as, "nelement": _nelement, "stride": _stride, "is_floating_point": _is_floating_point,
         "is_complex": _is_complex, "ravel": _ravel, "ndimension": _ndimension, "tile": _tile,
         "polygamma": _polygamma, **extra.METHODS_ONLY}


def attach():
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in SHAPE_METHODS.items():
        setattr(Tensor, name, _shape_method(fn))
    for name, fn in OPERATORS.items():
        setattr(Tensor, name, fn)
    for name, fn in EXTRA.items():
        setattr(Tensor, name, fn)
    for name, fn in inplace.METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in inplace.inplace_versions(ops).items():
        if name not in inplace.METHODS:
            setattr(Tensor, name, fn)
    for name, fn in _extra_inplace().items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    for name, fn in inplace_more.METHODS.items():
        if not hasattr(Tensor, name):
            setattr(Tensor, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Tensor, name, property(fn, doc=fn.__doc__))

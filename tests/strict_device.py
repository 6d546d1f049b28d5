"""A strict stand-in for a GPU, for checking device-generic code on a machine without one.

The op code runs on ``backend.xp`` (NumPy on the CPU, CuPy on a GPU) and the backend's named
kernels. Two kinds of mistake pass every CPU test and fail only on a GPU: a call that only NumPy
has (``numpy.foo(x)`` on a device array, an ``xp.foo`` CuPy lacks, a keyword CuPy does not accept)
and a hidden copy between device and host (``numpy.asarray(x)``, a host array mixed into device
arithmetic). This module makes both fail on the CPU:

``StrictArray``      wraps a NumPy array that "lives on another device". It offers the ndarray
                     attributes and methods CuPy's ndarray offers (keywords checked against
                     CuPy's signatures when CuPy is importable), every result again a StrictArray
                     (reductions and scalar indexing give 0-d arrays, as in CuPy). ``__array__``
                     raises (a hidden copy to the host), ``__array_function__`` raises naming the
                     NumPy function, ``__array_ufunc__`` raises except for an operator between a
                     strict array and a scalar (which CuPy supports); a host ``numpy.ndarray``
                     mixed into arithmetic, indexing or an ``xp`` call raises. ``float()``,
                     ``int()``, ``bool()``, ``item()`` and ``tolist()`` work (CuPy allows them: a
                     small explicit synchronisation) and are recorded by ``record_syncs()``.
``StrictNamespace``  the ``xp`` of the strict device: only names CuPy also has (an allowlist built
                     from CuPy's namespace, or a fixed list without CuPy), each unwrapping its
                     arguments, calling NumPy and wrapping the result. ``xp.random`` is refused
                     (random numbers come from the backend's generator) and so is ``xp.asarray``
                     of a host ndarray (host -> device copies go through ``backend.from_host``).
``StrictBackend``    a ``backends.Backend`` on ``Device("strict", 0)`` whose named kernels unwrap,
                     run the CPU backend's implementation (its own generator, seeded by
                     ``manual_seed`` like any device once registered) and wrap; ``to_host`` (the
                     only way to the host) returns a copy. Its capability flags
                     (``native_col2im``) are the GPU backend's, so op code takes its GPU paths.

Use ``registered()`` (a context manager) to make the device known: inside it ``"strict"`` works as a
device name everywhere (factories, ``.to("strict")``, ``Module.to``, ``save``/``load``, seeding);
``strict_tensor(array)`` builds a tensor directly. ``record_syncs()`` lists every device -> host
synchronisation with the code that asked for it, so a test can pin down where op code may wait.
This is test infrastructure; it does not change ``backends``.

Not covered (a real GPU run still matters): CuPy's own numerics and type promotion, what its
functions accept beyond their signatures (``**kwargs``, unsupported modes), and the CUDA kernels.
"""

import ast
import contextlib
import inspect
import numbers
import os
import re
import sys

import numpy

from autograd_core.tensor import make_tensor
from backends import Backend, Device, NumpyBackend

try:  # CuPy imports without a GPU; its namespace and signatures are what the strict device allows
    import cupy as _cupy
except Exception:  # not installed, or a broken install: fall back to a fixed allowlist
    _cupy = None
HAVE_CUPY = _cupy is not None  # CuPy's namespace and signatures are checked only then

HERE = os.path.abspath(__file__)
_STRICT_DEVICE = Device("strict", 0)


class StrictDeviceError(TypeError):
    """Device-generic code did something a GPU run would reject (or silently copy through the host)."""


# --- synchronisation records ---------------------------------------------------------------------
_RECORDERS = []


_TENSOR_PY = os.path.join(os.path.dirname(os.path.dirname(HERE)), "autograd_core", "tensor.py")


def _caller():
    """``file:line (function)`` of the first frame outside this module and Tensor's own conversions
    (``item``, ``float()``, ``tolist``...): the code that asked for the sync."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename) in (HERE, _TENSOR_PY):
        f = f.f_back
    if f is None:
        return "?"
    path = f.f_code.co_filename
    root = os.path.dirname(os.path.dirname(HERE))
    if path.startswith(root):
        path = os.path.relpath(path, root)
    return f"{path}:{f.f_lineno} ({getattr(f.f_code, 'co_qualname', f.f_code.co_name)})"


def _sync(kind, size):
    if _RECORDERS:
        event = (kind, int(size), _caller())
        for r in _RECORDERS:
            r.append(event)


@contextlib.contextmanager
def record_syncs():
    """Collect every device -> host synchronisation inside the block as ``(kind, size, where)``."""
    events = []
    _RECORDERS.append(events)
    try:
        yield events
    finally:
        del _RECORDERS[next(i for i, r in enumerate(_RECORDERS) if r is events)]  # by identity, not ==


# --- CuPy signatures ----------------------------------------------------------------------------
_CTYPES = re.compile(r"\b(?:Py_ssize_t|bint|int|bool|str|object|double|float|tuple|list|dict|_ndarray_base|ndarray)"
                     r"\s+(?=[A-Za-z_])")
_DOC_SIG = re.compile(r"^[\w.]*?\w+\((.*)\)\s*(?:->.*)?$")


class _Source(str):
    """A default value shown as its source text in a signature."""

    def __repr__(self):
        return str(self)


def _doc_signature(obj, drop_self):
    """The signature in the first docstring line of a Cython function or ufunc, or None."""
    doc = (getattr(obj, "__doc__", None) or "").strip()
    m = _DOC_SIG.match(doc.split("\n", 1)[0].strip())
    if m is None:
        return None
    params = _CTYPES.sub("", m.group(1).replace("\\*", "*"))
    try:
        a = ast.parse(f"def f({params}): pass").body[0].args
    except SyntaxError:
        return None
    P = inspect.Parameter
    out = []

    def default(node):
        return _Source(ast.unparse(node))

    pos = [(p, P.POSITIONAL_ONLY) for p in a.posonlyargs] + [(p, P.POSITIONAL_OR_KEYWORD) for p in a.args]
    n_default = len(a.defaults)
    for i, (p, kind) in enumerate(pos):
        has_default = i >= len(pos) - n_default
        out.append(P(p.arg, kind, default=default(a.defaults[i - len(pos) + n_default]) if has_default else P.empty))
    if a.vararg:
        out.append(P(a.vararg.arg, P.VAR_POSITIONAL))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(P(p.arg, P.KEYWORD_ONLY, default=P.empty if d is None else default(d)))
    if a.kwarg:
        out.append(P(a.kwarg.arg, P.VAR_KEYWORD))
    if drop_self and out and out[0].name == "self":
        out = out[1:]
    try:
        return inspect.Signature(out)
    except ValueError:
        return None


def _cupy_signature(obj, drop_self=False):
    """CuPy's signature of ``obj`` (Python introspection, else its docstring), or None if unknown."""
    if obj is None:
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        sig = None
    if sig is None or any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        doc = _doc_signature(obj, drop_self)
        if doc is not None and (sig is None or not any(p.kind is p.VAR_KEYWORD for p in doc.parameters.values())):
            sig = doc
    elif drop_self:
        params = list(sig.parameters.values())
        if params and params[0].name == "self":
            sig = sig.replace(parameters=params[1:])
    return sig


def _check_call(sig, label, args, kwargs):
    if sig is None:
        return
    try:
        sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise StrictDeviceError(f"{label}: CuPy's signature is {label.rsplit('.', 1)[-1]}{sig}, which does not accept "
                                f"this call ({exc}; keywords given: {sorted(kwargs)}); it would fail on a GPU") \
            from None


# --- wrapping and unwrapping ----------------------------------------------------------------------
def _host_error(label, arr):
    return StrictDeviceError(f"{label}: got a host numpy.ndarray (shape {arr.shape}, dtype {arr.dtype}) where a "
                             f"device array is needed: on a GPU this fails or copies it to the device behind your "
                             f"back; move it explicitly with backend.from_host(...)")


def _unwrap(obj, label, seen):
    """``obj`` with every StrictArray replaced by its NumPy array (recursively in lists and tuples)."""
    cls = obj.__class__
    if cls is StrictArray:
        a = obj._a
        seen[id(a)] = obj
        return a
    if cls is tuple or cls is list:
        return cls(_unwrap(o, label, seen) for o in obj)
    if cls is numpy.ndarray:
        raise _host_error(label, obj)
    if cls is dict:
        return {k: _unwrap(v, label, seen) for k, v in obj.items()}
    return obj


def _wrap(obj, seen=None):
    """NumPy results as StrictArrays (scalars as 0-d arrays, as CuPy returns them); an array that is one
    of the call's inputs comes back as that input's wrapper (``astype(copy=False)`` returns ``self``)."""
    cls = obj.__class__
    if cls is numpy.ndarray:
        if seen:
            w = seen.get(id(obj))
            if w is not None:
                return w
        return StrictArray(obj)
    if isinstance(obj, numpy.generic):
        return StrictArray(numpy.asarray(obj))
    if cls is tuple or cls is list:
        return cls(_wrap(o, seen) for o in obj)
    if isinstance(obj, tuple):  # a namedtuple (linalg.qr's QRResult, ...)
        return cls(*(_wrap(o, seen) for o in obj))
    return obj


def _operand(other, label):
    """The NumPy-side operand of a binary operator, or None when the operator should defer."""
    cls = other.__class__
    if cls is StrictArray:
        return other._a
    if cls is numpy.ndarray:
        raise _host_error(label, other)
    if isinstance(other, (numbers.Number, numpy.generic)):
        return other
    return None


class StrictFlags:
    """CuPy's ``flags``: only c_contiguous, f_contiguous and owndata (no ``writeable``)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, a):
        f = a.flags
        self.c_contiguous, self.f_contiguous, self.owndata = f.c_contiguous, f.f_contiguous, f.owndata

    def __getitem__(self, key):
        return getattr(self, {"C_CONTIGUOUS": "c_contiguous", "F_CONTIGUOUS": "f_contiguous",
                              "OWNDATA": "owndata"}[key])


# --- StrictArray ----------------------------------------------------------------------------------
_METHODS_FALLBACK = (
    "all any argmax argmin argpartition argsort astype choose clip compress conj conjugate copy cumprod cumsum "
    "diagonal dot fill flatten item max mean min nonzero partition prod ptp put ravel repeat reshape round "
    "searchsorted sort squeeze std sum swapaxes take tolist trace transpose var view").split()
# methods CuPy has that are not device-generic: explicit host copies (use backend.to_host) or CuPy-only
_METHODS_REFUSED = {"get": "use backend.to_host", "set": "use backend.from_host", "tobytes": "use backend.to_host",
                    "tofile": "use backend.to_host", "dump": "use backend.to_host", "dumps": "use backend.to_host",
                    "toDlpack": "use __dlpack__", "scatter_add": "use backend.scatter_add",
                    "scatter_max": "CuPy-only", "scatter_min": "CuPy-only", "reduced_view": "CuPy-only",
                    "cstruct": "CuPy-only", "mdspan": "CuPy-only", "byteswap": "not device-generic",
                    "data": "CuPy-only"}
_SYNC_METHODS = {"item", "tolist", "nonzero"}
_PROPERTIES = {"shape", "dtype", "ndim", "size", "strides", "itemsize", "nbytes", "T", "mT", "base", "real", "imag",
               "flags", "flat", "device"}


def _method_names():
    if _cupy is None:
        return set(_METHODS_FALLBACK)
    names = {n for n in dir(_cupy.ndarray) if not n.startswith("_")}
    return {n for n in names if n not in _PROPERTIES and n not in _METHODS_REFUSED and hasattr(numpy.ndarray, n)}


_METHOD_NAMES = _method_names()
_METHOD_SIGS = {}


def _method_sig(name):
    if name not in _METHOD_SIGS:
        _METHOD_SIGS[name] = _cupy_signature(getattr(_cupy.ndarray, name, None), drop_self=True) if _cupy else None
    return _METHOD_SIGS[name]


def _make_method(name):
    label = f"ndarray.{name}"

    def method(self, *args, **kwargs):
        _check_call(_method_sig(name), label, args, kwargs)
        seen = {id(self._a): self}
        args = _unwrap(args, label, seen)
        kwargs = _unwrap(kwargs, label, seen)
        if name in _SYNC_METHODS:
            _sync(name, self._a.size)
        out = getattr(self._a, name)(*args, **kwargs)
        if name in ("item", "tolist"):
            return out
        return _wrap(out, seen)

    method.__name__ = name
    return method


def _binary(op):
    label = f"operator {op}"

    def method(self, other):
        o = _operand(other, label)
        if o is None:
            return NotImplemented
        a = self._a
        return _wrap(getattr(a, op)(o))

    method.__name__ = op
    return method


def _inplace(op):
    label = f"operator {op}"

    def method(self, other):
        o = _operand(other, label)
        if o is None:
            return NotImplemented
        getattr(self._a, op)(o)
        return self

    method.__name__ = op
    return method


def _index(index, label):
    """An index with StrictArrays unwrapped; host ndarrays refused (CuPy would copy them to the device)."""
    items = index if index.__class__ is tuple else (index,)
    out = []
    for it in items:
        cls = it.__class__
        if cls is StrictArray:
            out.append(it._a)
        elif cls is numpy.ndarray:
            raise _host_error(label, it)
        elif cls is list:
            out.append(_unwrap(it, label, {}))
        else:
            out.append(it)
    return tuple(out) if index.__class__ is tuple else out[0]


# the ufuncs behind Python's operators: numpy_scalar <op> strict_array reaches __array_ufunc__ with them
_OPERATOR_UFUNCS = {"add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "power",
                    "matmul", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                    "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "divmod"}


class StrictArray:
    """A NumPy array on the strict device. See the module docstring."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100  # below Tensor's (1000): Tensor's reflected operators win

    def __init__(self, a):
        if a.__class__ is not numpy.ndarray:
            raise TypeError(f"StrictArray wraps a numpy.ndarray, got {type(a).__name__}")
        self._a = a

    # --- attributes (CuPy's) --------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(self._a.mT))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))
    flags = property(lambda self: StrictFlags(self._a))
    device = property(lambda self: _STRICT_DEVICE)

    @property
    def base(self):
        b = self._a.base
        return StrictArray(b) if b.__class__ is numpy.ndarray else None

    # --- no way to the host but backend.to_host -----------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise StrictDeviceError("implicit conversion of a strict-device array to a NumPy array (a hidden copy to the "
                                "host: numpy.asarray, numpy.array or a NumPy function on it); use backend.to_host")

    def __array_function__(self, func, types, args, kwargs):
        name = getattr(func, "__module__", "numpy") + "." + getattr(func, "__name__", repr(func))
        raise StrictDeviceError(f"{name} called on a strict-device array: NumPy functions don't run on a GPU array "
                                f"(a NumPy-only call, or a silent round trip through the host); use backend.xp.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        scalar_only = all(i.__class__ is StrictArray or isinstance(i, (numbers.Number, numpy.generic))
                          or (i.__class__ is numpy.ndarray and i.ndim == 0) for i in inputs)
        if method == "__call__" and ufunc.__name__ in _OPERATOR_UFUNCS and scalar_only and not kwargs:
            # ``numpy_scalar * x``: CuPy computes this on the device, so do we
            args = [i._a if i.__class__ is StrictArray else i for i in inputs]
            return _wrap(getattr(ufunc, method)(*args))
        suffix = "" if method == "__call__" else "." + method
        raise StrictDeviceError(f"numpy.{ufunc.__name__}{suffix} called on a strict-device array: NumPy ufuncs don't "
                                f"run on a GPU array (or copy it through the host); use backend.xp.{ufunc.__name__}")

    def __dlpack__(self, *args, **kwargs):
        raise BufferError("a strict-device array can't be exported through DLPack (it has no real device memory)")

    def __dlpack_device__(self):
        return (12, 0)  # kDLExtDev: neither CPU nor CUDA

    # --- conversions CuPy allows (a synchronisation; recorded) ------------------------------------------
    def _scalar(self, what):
        if self._a.size != 1:
            raise TypeError(f"{what}() of a strict-device array of shape {self._a.shape}: only size-1 arrays convert")
        _sync(what, 1)
        return self._a.reshape(()).item()

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError(f"The truth value of an array with {self._a.size} elements is ambiguous")
        return bool(self._scalar("bool"))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __complex__(self):
        return complex(self._scalar("complex"))

    # CuPy's ndarray has no __index__: a device scalar can't be used as a Python index or size

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (_wrap(self._a[i]) for i in range(self._a.shape[0]))

    def __repr__(self):
        return f"StrictArray({numpy.array2string(self._a, separator=', ')}, dtype={self._a.dtype})"

    def __copy__(self):
        return StrictArray(self._a.copy())

    def __deepcopy__(self, memo):
        return StrictArray(self._a.copy())

    def __reduce__(self):
        raise TypeError("strict-device arrays can't be pickled (checkpoints go through backend.to_host)")

    def __getattr__(self, name):
        if name in _METHODS_REFUSED:
            raise AttributeError(f"ndarray.{name} is not device-generic: {_METHODS_REFUSED[name]}")
        if hasattr(numpy.ndarray, name) and not name.startswith("__"):
            raise AttributeError(f"ndarray.{name}: NumPy's ndarray has it but CuPy's does not")
        raise AttributeError(f"'StrictArray' object has no attribute {name!r}")

    # --- indexing ------------------------------------------------------------------------------------
    def __getitem__(self, index):
        idx = _index(index, "__getitem__")
        items = idx if idx.__class__ is tuple else (idx,)
        if any(getattr(i, "dtype", None) is not None and i.dtype.kind == "b" and i.ndim > 0 for i in items):
            _sync("boolean mask indexing", self._a.size)  # the result's size depends on the data
        return _wrap(self._a[idx])

    def __setitem__(self, index, value):
        cls = value.__class__
        if cls is StrictArray:
            value = value._a
        elif cls is numpy.ndarray:
            raise _host_error("__setitem__", value)
        elif cls is list or cls is tuple:
            value = _unwrap(value, "__setitem__", {})
        self._a[_index(index, "__setitem__")] = value

    # --- operators -----------------------------------------------------------------------------------
    def __neg__(self):
        return _wrap(-self._a)

    def __pos__(self):
        return _wrap(+self._a)

    def __abs__(self):
        return _wrap(abs(self._a))

    def __invert__(self):
        return _wrap(~self._a)


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift",
            "rshift"):
    setattr(StrictArray, f"__{_op}__", _binary(f"__{_op}__"))
    setattr(StrictArray, f"__r{_op}__", _binary(f"__r{_op}__"))
    setattr(StrictArray, f"__i{_op}__", _inplace(f"__i{_op}__"))
for _op in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(StrictArray, f"__{_op}__", _binary(f"__{_op}__"))
StrictArray.__hash__ = None
for _name in _METHOD_NAMES:
    setattr(StrictArray, _name, _make_method(_name))


# --- the xp namespace ------------------------------------------------------------------------------
# names a CuPy-less machine allows (CuPy's own namespace is used when it imports)
_FALLBACK_NAMES = (  # CuPy 14.2's names that NumPy 2.4 also has
    "abs absolute acos acosh add all allclose amax amin angle any append apply_along_axis apply_over_axes arange "
    "arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmin argpartition argsort argwhere around "
    "array array2string array_equal array_equiv array_repr array_split array_str asanyarray asarray "
    "asarray_chkfinite ascontiguousarray asfortranarray asin asinh astype atan atan2 atanh atleast_1d atleast_2d "
    "atleast_3d average bartlett base_repr binary_repr bincount bitwise_and bitwise_count bitwise_invert "
    "bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor blackman bool bool_ broadcast "
    "broadcast_arrays broadcast_shapes broadcast_to byte c_ can_cast cbrt cdouble ceil choose clip column_stack "
    "common_type complex128 complex64 complexfloating compress concat concatenate conj conjugate convolve copy "
    "copysign copyto corrcoef correlate cos cosh count_nonzero cov cross csingle cumprod cumsum cumulative_prod "
    "cumulative_sum deg2rad degrees delete diag diag_indices diag_indices_from diagflat diagonal diff digitize "
    "divide divmod dot double dsplit dstack dtype e ediff1d einsum empty empty_like equal euler_gamma exp exp2 "
    "expand_dims expm1 extract eye fabs fft fill_diagonal finfo fix flatiter flatnonzero flip fliplr flipud "
    "float16 float32 float64 float_power floating floor floor_divide fmax fmin fmod format_float_positional "
    "format_float_scientific frexp from_dlpack frombuffer fromfile fromfunction fromiter fromstring full "
    "full_like gcd generic genfromtxt get_printoptions gradient greater greater_equal half hamming hanning "
    "heaviside histogram histogram2d histogramdd hsplit hstack hypot i0 identity iinfo imag index_exp indices "
    "inexact inf inner int16 int32 int64 int8 int_ intc integer interp intersect1d intp invert isclose iscomplex "
    "iscomplexobj isdtype isfinite isfortran isin isinf isnan isneginf isposinf isreal isrealobj isscalar "
    "issubdtype iterable ix_ kaiser kron lcm ldexp left_shift less less_equal lexsort lib linalg linspace load "
    "loadtxt log log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or logical_xor logspace "
    "long longlong mask_indices matmul matrix_transpose max maximum may_share_memory mean median meshgrid mgrid "
    "min min_scalar_type minimum mintypecode mod modf moveaxis multiply nan nan_to_num nanargmax nanargmin "
    "nancumprod nancumsum nanmax nanmean nanmedian nanmin nanprod nanstd nansum nanvar ndarray ndim ndindex "
    "negative newaxis nextafter nonzero not_equal number ogrid ones ones_like outer packbits pad partition "
    "percentile permute_dims pi piecewise place poly poly1d polyadd polyfit polymul polysub polyval positive pow "
    "power printoptions prod promote_types ptp put put_along_axis putmask quantile r_ rad2deg radians ravel "
    "ravel_multi_index real real_if_close reciprocal remainder repeat require reshape resize result_type "
    "right_shift rint roll rollaxis roots rot90 round row_stack s_ save savetxt savez savez_compressed "
    "searchsorted select set_printoptions setdiff1d setxor1d shape shares_memory short show_config sign signbit "
    "signedinteger sin sinc single sinh size sort sort_complex split sqrt square squeeze stack std subtract sum "
    "swapaxes take take_along_axis tan tanh tensordot tile trace transpose trapezoid tri tril tril_indices "
    "tril_indices_from trim_zeros triu triu_indices triu_indices_from true_divide trunc typename ubyte ufunc uint "
    "uint16 uint32 uint64 uint8 uintc uintp ulong ulonglong union1d unique unique_all unique_counts "
    "unique_inverse unique_values unpackbits unravel_index unsignedinteger unwrap ushort vander var vdot "
    "vectorize vsplit vstack where zeros zeros_like"
).split()
_FALLBACK_SUB = {
    "lib": "stride_tricks".split(),
    "lib.stride_tricks": "as_strided sliding_window_view".split(),
    "linalg": ("LinAlgError cholesky cond cross det eig eigh eigvals eigvalsh inv lstsq matmul matrix_power "
               "matrix_rank matrix_transpose norm pinv qr slogdet solve svd tensorinv tensorsolve").split(),
    "fft": ("fft fft2 fftfreq fftn fftshift hfft ifft ifft2 ifftn ifftshift ihfft irfft irfft2 irfftn rfft rfft2 "
            "rfftfreq rfftn").split(),
}
_REFUSED = {
    "random": "random numbers come from the backend's generator (backend.random / normal / integers / "
              "permutation), which manual_seed seeds; xp.random would not be reproducible",
    "errstate": None, "seterr": None, "geterr": None,  # NumPy-only (CuPy has no floating-point error state)
    "asnumpy": "use backend.to_host", "get_array_module": "use x._backend.xp",
}
_SYNC_FUNCS = {"nonzero", "argwhere", "flatnonzero", "unique"}
# functions NumPy answers with a Python scalar but CuPy with a 0-d device array (bool() of it is a sync)
_DEVICE_SCALARS = {"allclose", "array_equal", "array_equiv", "count_nonzero"}


def _allowed(path):
    """The names the module ``cupy.<path>`` has (or the fallback list)."""
    if _cupy is None:
        return set(_FALLBACK_NAMES) if not path else set(_FALLBACK_SUB.get(path, ()))
    mod = _cupy
    for part in filter(None, path.split(".")):
        mod = getattr(mod, part, None)
    if mod is None:
        return set()
    names = {n for n in dir(mod) if not n.startswith("_")}
    if path == "lib":
        names = {"stride_tricks"}
    return names


def _cupy_obj(path, name):
    if _cupy is None:
        return None
    mod = _cupy
    for part in filter(None, path.split(".")):
        mod = getattr(mod, part, None)
    return getattr(mod, name, None)


class _Function:
    """``xp.name``: unwrap, check CuPy's signature, call NumPy, wrap."""

    __slots__ = ("label", "name", "fn", "sig")

    def __init__(self, label, name, fn, cupy_obj):
        self.label, self.name, self.fn = label, name, fn
        self.sig = _cupy_signature(cupy_obj)

    def __call__(self, *args, **kwargs):
        _check_call(self.sig, self.label, args, kwargs)
        seen = {}
        args = _unwrap(args, self.label, seen)
        kwargs = _unwrap(kwargs, self.label, seen)
        if self.name in _SYNC_FUNCS:
            _sync(self.label, sum(a.size for a in args if a.__class__ is numpy.ndarray))
        out = self.fn(*args, **kwargs)
        if self.name in _DEVICE_SCALARS and not isinstance(out, numpy.ndarray):
            out = numpy.asarray(out)
        return _wrap(out, seen)

    def __repr__(self):
        return f"<strict {self.label}>"


class _Ufunc(_Function):
    """A ufunc: callable, with the methods (reduce, at, outer, ...) CuPy's ufunc has."""

    __slots__ = ("cupy_obj",)

    def __init__(self, label, name, fn, cupy_obj):
        super().__init__(label, name, fn, cupy_obj)
        self.cupy_obj = cupy_obj

    def __getattr__(self, attr):
        if attr in ("nin", "nout", "nargs", "types", "identity", "ntypes"):
            return getattr(self.fn, attr)
        if self.cupy_obj is not None and not hasattr(self.cupy_obj, attr):
            raise AttributeError(f"{self.label}.{attr} has no CuPy equivalent")
        method = getattr(self.fn, attr)
        if not callable(method):
            return method
        return _Function(f"{self.label}.{attr}", attr, method, getattr(self.cupy_obj, attr, None))


class StrictNamespace:
    """The strict device's ``xp``: NumPy's functions, restricted to the names CuPy has."""

    def __init__(self, path="", numpy_module=numpy):
        self._path = path
        self._numpy = numpy_module
        self._names = _allowed(path)
        self._cache = {}

    def __repr__(self):
        return f"<strict namespace xp{'.' + self._path if self._path else ''}>"

    def __dir__(self):
        return sorted(n for n in self._names if hasattr(self._numpy, n))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._cache[name]
        except KeyError:
            pass
        label = f"xp.{self._path + '.' if self._path else ''}{name}"
        if not self._path and name in _REFUSED:
            why = _REFUSED[name]
            raise AttributeError(f"{label}: numpy.{name} has no CuPy equivalent" if why is None else f"{label}: {why}")
        if name not in self._names:
            raise AttributeError(f"{label}: numpy.{self._path + '.' if self._path else ''}{name} has no CuPy "
                                 f"equivalent")
        if name == "ndarray":
            value = StrictArray
        else:
            try:
                raw = getattr(self._numpy, name)
            except AttributeError:
                raise AttributeError(f"{label}: CuPy has it but NumPy (the CPU backend) does not, so it is not "
                                     f"device-generic") from None
            cupy_obj = _cupy_obj(self._path, name)
            if inspect.ismodule(raw):
                value = StrictNamespace(self._path + "." + name if self._path else name, raw)
            elif isinstance(raw, numpy.ufunc):
                value = _Ufunc(label, name, raw, cupy_obj)
            elif isinstance(raw, type):
                value = raw  # dtypes and scalar types (xp.float32, xp.dtype, xp.finfo, ...)
            elif callable(raw):
                value = _Function(label, name, raw, cupy_obj)
            else:
                value = raw  # constants: inf, nan, pi, newaxis
        if name == "asarray" or name == "array" or name == "asanyarray":
            value = _no_host_arrays(value)
        self._cache[name] = value
        return value


def _no_host_arrays(fn):
    def call(a, *args, **kwargs):
        if a.__class__ is numpy.ndarray:
            raise StrictDeviceError(f"{fn.label}(numpy.ndarray of shape {a.shape}): a host -> device copy hidden in an "
                                    f"xp call; use backend.from_host(array) to copy host data to the device")
        return fn(a, *args, **kwargs)

    call.label = fn.label
    return call


XP = StrictNamespace()


# --- the backend -------------------------------------------------------------------------------------
class StrictBackend(Backend):
    """A backend on ``Device("strict", 0)``: CPU kernels behind StrictArray wrapping. See the module docstring."""

    name = "strict"
    xp = XP
    array_type = StrictArray

    def __init__(self):
        self.device = _STRICT_DEVICE
        self._host = NumpyBackend()  # its own generator: a separate stream, as a GPU has

    def asarray(self, data, dtype=None):
        if data.__class__ is numpy.ndarray:
            return StrictArray(numpy.array(data, dtype=dtype, copy=True))
        return XP.asarray(data, dtype=dtype)

    def to_host(self, array):
        if array.__class__ is not StrictArray:
            raise StrictDeviceError(f"to_host: expected a strict-device array, got {type(array).__name__}")
        _sync("to_host", array._a.size)
        return numpy.array(array._a, copy=True)

    def from_host(self, array):
        if array.__class__ is StrictArray:
            raise StrictDeviceError("from_host: the array is already on the strict device")
        return StrictArray(numpy.array(array, copy=True))

    def manual_seed(self, seed):
        self._host.manual_seed(seed)

    def initial_seed(self):
        return self._host.initial_seed()

    def get_rng_state(self):
        return self._host.get_rng_state()  # a host uint8 array, as every backend returns it

    def set_rng_state(self, state):
        if state.__class__ is StrictArray:
            raise StrictDeviceError("set_rng_state: expected the host array get_rng_state returns")
        self._host.set_rng_state(state)

    def synchronize(self):
        pass

    def memory_stats(self):
        return {"allocated_bytes": None, "peak_bytes": None}

    def from_dlpack(self, obj):
        if obj.__class__ is StrictArray:
            return obj
        raise TypeError(f"from_dlpack: the strict device only exchanges its own arrays, got {type(obj).__name__}")

    def __getattr__(self, name):  # a kernel added to the CPU backend after this module was written
        if name.startswith("_") or not hasattr(self._host, name):
            raise AttributeError(name)
        value = getattr(self._host, name)
        return _delegate(name).__get__(self) if callable(value) else value


def _gpu_flags():
    """The capability flags (``Backend.native_col2im``, ...) as the GPU backend sets them, so the strict
    device runs the op code's GPU algorithms (the CPU runs its own: comparing them checks both)."""
    flags = {k: v for k, v in vars(Backend).items() if isinstance(v, bool) and not k.startswith("_")}
    try:
        from backends.cupy_backend import CupyBackend
    except Exception:  # no CuPy: "native_*" flags name the GPU's fused kernels
        return {k: k.startswith("native_") or v for k, v in flags.items()}
    return {k: getattr(CupyBackend, k) for k in flags}


def _delegate(name):
    label = f"backend.{name}"

    def kernel(self, *args, **kwargs):
        seen = {}
        args = _unwrap(args, label, seen)
        kwargs = _unwrap(kwargs, label, seen)
        return _wrap(getattr(self._host, name)(*args, **kwargs), seen)

    kernel.__name__ = name
    return kernel


for _name, _value in _gpu_flags().items():
    setattr(StrictBackend, _name, _value)
for _name, _value in inspect.getmembers(NumpyBackend, inspect.isfunction):
    if not _name.startswith("_") and _name not in StrictBackend.__dict__:
        setattr(StrictBackend, _name, _delegate(_name))

STRICT = StrictBackend()


# --- registry and tensors ------------------------------------------------------------------------------
@contextlib.contextmanager
def registered(backend=STRICT):
    """Make the strict device known inside the block: ``backends.get_backend`` returns ``backend`` for
    ``backend.device`` and the strings "strict" / "strict:0" parse to it, so factories (``device=``),
    ``.to("strict")``, ``Module.to``, ``manual_seed``, ``save``/``load`` and checkpoints reach it. The
    registry and ``parse_device`` are patched for the block only (``backends`` itself is unchanged)."""
    import backends
    from backends import registry

    original = backends.device.parse_device

    def parse_device(spec):
        if isinstance(spec, str) and spec.strip().lower() in ("strict", str(backend.device)):
            return backend.device
        return original(spec)

    patched = [m for name, m in list(sys.modules.items())
               if m is not None and name.split(".")[0] in ("backends", "autograd_core", "nn", "optim")
               and getattr(m, "parse_device", None) is original]
    previous = registry._BACKENDS.get(backend.device)
    registry._BACKENDS[backend.device] = backend
    for m in patched:
        m.parse_device = parse_device
    backend.manual_seed(registry._SEED[0])
    try:
        yield backend
    finally:
        for m in patched:
            m.parse_device = original
        if previous is None:
            registry._BACKENDS.pop(backend.device, None)
        else:
            registry._BACKENDS[backend.device] = previous


def strict_tensor(array, requires_grad=False, backend=STRICT):
    """A tensor on the strict device holding a copy of the host array ``array``."""
    t = make_tensor(backend.from_host(numpy.asarray(array)), backend)
    if requires_grad:
        t.requires_grad = True
    return t

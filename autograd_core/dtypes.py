"""dtypes: NumPy dtype objects under PyTorch's names, and PyTorch's type-promotion rules.

``autograd_core.float32 == numpy.dtype("float32")``, so a tensor's dtype compares equal to NumPy's
and to the string ``"float32"``. float32 is the default floating dtype.
"""

import builtins

import numpy

bool_ = numpy.dtype(numpy.bool_)
uint8 = numpy.dtype(numpy.uint8)
int8 = numpy.dtype(numpy.int8)
int16 = numpy.dtype(numpy.int16)
int32 = numpy.dtype(numpy.int32)
int64 = numpy.dtype(numpy.int64)
float16 = numpy.dtype(numpy.float16)
float32 = numpy.dtype(numpy.float32)
float64 = numpy.dtype(numpy.float64)

# PyTorch's aliases (these shadow the builtins inside this module only; builtins.* is used below)
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

SUPPORTED = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FLOATING = frozenset((float16, float32, float64))
_SUPPORTED_SET = frozenset(SUPPORTED)
DEFAULT_FLOAT = float32
DEFAULT_INT = int64
_PY_TYPES = {builtins.float: float64, builtins.int: int64, builtins.bool: bool_}


def names():
    return ", ".join(d.name for d in SUPPORTED)


def to_dtype(spec):
    """Normalise a dtype given as ``autograd_core.float32``, a NumPy dtype or type, a string such as
    ``"float32"``, or a Python type (``float`` means float64, ``int`` int64, as in PyTorch).

    Raises TypeError naming the dtype when it is not one the engine supports.
    """
    if spec.__class__ is numpy.dtype and spec in _SUPPORTED_SET:
        return spec
    if isinstance(spec, type) and spec in _PY_TYPES:
        return _PY_TYPES[spec]
    try:
        dt = numpy.dtype(spec)
    except TypeError:
        raise TypeError(f"unsupported dtype {spec!r}: expected one of {names()}") from None
    if dt not in _SUPPORTED_SET:
        raise TypeError(f"unsupported dtype {dt.name!r} (from {spec!r}): expected one of {names()}")
    return dt


def is_floating(dt):
    return dt in FLOATING


def category(dt):
    """0 bool, 1 integer, 2 floating: PyTorch promotes across categories by category first."""
    if dt.kind == "b":
        return 0
    if dt.kind in "iu":
        return 1
    return 2


def result_type(da, na, db, nb):
    """PyTorch's promotion for two tensors of dtypes ``da``, ``db`` and ranks ``na``, ``nb``.

    A higher category wins outright (int64 with float32 gives float32, not NumPy's float64); within
    a category a dimensioned tensor outranks a 0-d one; otherwise the wider dtype wins.
    """
    if da == db:
        return da
    ca, cb = category(da), category(db)
    if ca != cb:
        return da if ca > cb else db
    if (na == 0) != (nb == 0):
        return db if na == 0 else da
    return numpy.promote_types(da, db)


def set_default_dtype(d):
    """The floating dtype of what is made without one (Python floats, ``randn``, ``zeros``, layer
    parameters): float32 by default; float16 or float64 as ``torch.set_default_dtype``."""
    global DEFAULT_FLOAT
    dt = to_dtype(d)
    if dt not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype: only floating dtypes (float16, float32, float64) can be the default, "
                        f"got {dt.name}")
    DEFAULT_FLOAT = dt


def get_default_dtype():
    """The floating dtype used where none is given (float32 unless ``set_default_dtype`` changed it)."""
    return DEFAULT_FLOAT


def scalar_result_type(dt, scalar):
    """dtype of ``tensor op python_scalar``: a float scalar makes bool and integer tensors float32,
    an int scalar makes a bool tensor int64; otherwise the tensor's dtype is kept."""
    if dt.kind == "f":
        return dt
    if isinstance(scalar, builtins.float):
        return DEFAULT_FLOAT
    if dt.kind == "b" and not isinstance(scalar, builtins.bool):
        return DEFAULT_INT
    return dt


def finfo(dtype=None):
    """The limits of a floating dtype (the default one if none given), as ``torch.finfo``: ``bits``, ``eps``,
    ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``, ``dtype`` (numpy.finfo's object)."""
    dt = DEFAULT_FLOAT if dtype is None else to_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"finfo: expected a floating-point dtype, got {dt.name} (use iinfo for integers)")
    return numpy.finfo(dt)


def iinfo(dtype):
    """The limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max``, ``dtype``."""
    dt = to_dtype(dtype)
    if dt.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {dt.name} (use finfo for floating types)")
    return numpy.iinfo(dt)

"""Elementwise functions. Each docstring gives y = f(x) and dL/dx = gy * f'(x).

Conventions at kinks: relu'(0) = 0, abs'(0) = 0, clamp passes the gradient at its bounds, and
maximum/minimum split the gradient evenly between tied inputs (as PyTorch does).
"""

from .. import dtypes
from ..function import Function
from ..grad_mode import STATE
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, broadcast_error, is_scalar, need_float, promote, zero_grad_of
from .shape import sum_to


def _constant(array, backend):
    return make_tensor(array, backend)


class ScaleBy(Function):
    """y = x * m for a constant array m (a mask, a sign, a slope): one pass, m of any dtype;
    dL/dx = dL/dy * m. The backward of relu, leaky_relu, clamp and abs."""

    def forward(self, x, m):
        self.m = m
        out = x * m
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def backward(self, gy):
        return ScaleBy.apply(gy, m=self.m)


class Keep(Function):
    """y = x where a constant mask m is on, +0 where it is off (``Backend.keep``: an infinite or NaN x is
    dropped there too, where x * m would give NaN); dL/dx = keep(dL/dy, m). The backward of relu, clamp,
    hardtanh, maximum and minimum, as PyTorch's, whose gradients are 0 where they are cut off."""

    def forward(self, x, m):
        self.m = m
        return self.backend.keep(x, m)

    def backward(self, gy):
        return _keep(gy, self.m)


def _keep(gy, m):
    """Keep(gy, m); in a first-order backward (no graph wanted) its result on arrays, without a node."""
    if not STATE.grad_enabled:
        return make_tensor(gy._backend.keep(gy._data, m), gy._backend)
    return Keep.apply(gy, m=m)


def _scale_by(gy, m):
    """ScaleBy(gy, m); in a first-order backward (no graph wanted) its product on arrays, without a node."""
    if not STATE.grad_enabled:
        return make_tensor(gy._data * m, gy._backend)
    return ScaleBy.apply(gy, m=m)


class Exp(Function):
    """y = exp(x);  dL/dx = gy * y"""

    def forward(self, x):
        self.y = self.backend.xp.exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.output(self.y)


class Expm1(Function):
    """y = exp(x) - 1;  dL/dx = gy * exp(x) (not y + 1, which cancels to 0 where y is near -1: at x = -50 it
    gives 0 for exp(-50) = 1.9e-22)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.xp.expm1(x)

    def backward(self, gy):
        if not STATE.grad_enabled:  # a first-order backward: the same expression on arrays, no nodes
            return make_tensor(gy._data * self.backend.xp.exp(self.inputs[0]._data), self.backend)
        return gy * exp(self.inputs[0])


class Log(Function):
    """y = log(x);  dL/dx = gy / x"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.xp.log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log1p(Function):
    """y = log(1 + x);  dL/dx = gy / (1 + x)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.xp.log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1.0)


class Sqrt(Function):
    """y = sqrt(x);  dL/dx = gy / (2 y)"""

    def forward(self, x):
        self.y = self.backend.xp.sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (self.output(self.y) * 2.0)


class Erf(Function):
    """y = erf(x);  dL/dx = gy * 2 / sqrt(pi) * exp(-x^2)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.erf(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (exp(-(x * x)) * 1.1283791670955126)


class Sin(Function):
    """y = sin(x);  dL/dx = gy * cos(x)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.xp.sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    """y = cos(x);  dL/dx = -gy * sin(x)"""

    saves_inputs = True

    def forward(self, x):
        return self.backend.xp.cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tan(Function):
    """y = tan(x);  dL/dx = gy * (1 + y^2)"""

    def forward(self, x):
        self.y = self.backend.xp.tan(x)
        return self.y

    def backward(self, gy):
        y = self.output(self.y)
        return gy * (y * y + 1.0)


class Tanh(Function):
    """y = tanh(x);  dL/dx = gy * (1 - y^2), computed as (1 - y)(1 + y), as PyTorch: where |y| is near 1,
    1 - |y| is exact, while 1 - y^2 first rounds y^2 (in float64 at x = 7: 9.7e-12 against 1.9e-11
    relative error; the rounding of y itself bounds both)"""

    def forward(self, x):
        self.y = self.backend.xp.tanh(x)
        return self.y

    def backward(self, gy):
        y = self.output(self.y)
        return gy * ((1.0 - y) * (1.0 + y))


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)), computed so that it cannot overflow (``Backend.sigmoid``);
    dL/dx = gy * y (1 - y)"""

    def forward(self, x):
        self.y = self.backend.sigmoid(x)
        return self.y

    def backward(self, gy):
        if not STATE.grad_enabled:  # a first-order backward: the same expression on arrays, no nodes
            y = self.y
            return make_tensor(gy._data * (y * (1.0 - y)), self.backend)
        y = self.output(self.y)
        return gy * (y * (1.0 - y))


class Relu(Function):
    """y = max(x, 0);  dL/dx = gy where not x <= 0, else 0  (relu'(0) = 0; as PyTorch, a NaN x passes
    gy on, and an infinite or NaN gy is dropped where x <= 0)"""

    def forward(self, x):
        y = self.backend.relu(x)
        self.mask = self.backend.keep_mask(x <= 0, invert=True)
        return y

    def backward(self, gy):
        return _keep(gy, self.mask)


class LeakyRelu(Function):
    """y = x if x > 0 else a x;  dL/dx = gy * (1 if x > 0 else a)"""

    def forward(self, x, slope):
        xp = self.backend.xp
        self.scale = self.backend.where(x > 0, xp.asarray(1, dtype=x.dtype), xp.asarray(slope, dtype=x.dtype))
        return x * self.scale

    def backward(self, gy):
        return _scale_by(gy, self.scale)


class Softplus(Function):
    """y = log(1 + exp(b x)) / b, and y = x where b x > threshold;  dL/dx = gy * sigmoid(b x)"""

    saves_inputs = True

    def forward(self, x, beta, threshold):
        xp, backend = self.backend.xp, self.backend
        self.beta, self.threshold = beta, threshold
        bx = x * beta
        soft = backend.relu(bx) + xp.log1p(xp.exp(-xp.abs(bx)))
        if beta != 1:
            soft = soft / beta
        return backend.where(bx > threshold, x, soft.astype(x.dtype, copy=False))

    def backward(self, gy):
        if not STATE.grad_enabled:  # a first-order backward: the same expression on arrays, no nodes
            backend = self.backend
            bx = self.inputs[0]._data * self.beta
            s = backend.sigmoid(bx.astype(gy._data.dtype, copy=False))
            one = backend.xp.ones((), dtype=s.dtype)
            return make_tensor(gy._data * backend.where(bx > self.threshold, one, s), backend)
        bx = self.inputs[0] * self.beta
        return gy * where(bx > self.threshold, 1.0, sigmoid(bx))


class Clamp(Function):
    """y = min(max(x, lo), hi);  dL/dx = gy where lo <= x <= hi, else 0 (so 0 at a NaN x), or with
    ``strict`` (hardtanh's gradient) gy where not (x <= lo or x >= hi), else 0: 0 at the kinks, gy at a
    NaN x. Both as PyTorch's clamp and hardtanh, which drop an infinite or NaN gy where they give 0."""

    def forward(self, x, lo, hi, strict=False):
        y = self.backend.clamp(x, lo, hi)
        if strict:
            low = x <= lo if lo is not None else None
            high = x >= hi if hi is not None else None
            cut = high if low is None else low if high is None else low | high
            self.mask = self.backend.keep_mask(cut, invert=True)
        else:
            above = x >= lo if lo is not None else None
            below = x <= hi if hi is not None else None
            self.mask = self.backend.keep_mask(below if above is None else above if below is None else above & below)
        return y.astype(x.dtype, copy=False)

    def backward(self, gy):
        return _keep(gy, self.mask)


class Abs(Function):
    """y = |x|;  dL/dx = gy * sign(x)  (abs'(0) = 0)"""

    def forward(self, x):
        self.sign = self.backend.xp.sign(x)
        return self.backend.xp.abs(x)

    def backward(self, gy):
        return ScaleBy.apply(gy, m=self.sign)


class Sign(Function):
    """y = sign(x);  dL/dx = 0"""

    def forward(self, x):
        return self.backend.xp.sign(x)

    def backward(self, gy):
        return zero_grad_of(gy)


class Maximum(Function):
    """y = max(a, b);  dL/da = gy s where not a < b, else 0; dL/db = gy s where not a > b, else 0; s = 1/2
    where a == b, else 1. As PyTorch: tied inputs share gy evenly, the smaller one gets 0 even where gy is
    infinite or NaN, and where a or b is NaN both get gy."""

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        self.masks = _tie_split(self.backend, a, b, a < b, a > b)
        return self.backend.xp.maximum(a, b)

    def backward(self, gy):
        return _split(self, gy)


class Minimum(Function):
    """y = min(a, b);  dL/da = gy s where not a > b, else 0; dL/db = gy s where not a < b, else 0; s = 1/2
    where a == b, else 1 (the mirror of maximum's split)."""

    def forward(self, a, b):
        self.sa, self.sb = a.shape, b.shape
        self.masks = _tie_split(self.backend, a, b, a > b, a < b)
        return self.backend.xp.minimum(a, b)

    def backward(self, gy):
        return _split(self, gy)


def _tie_split(backend, a, b, a_loses, b_loses):
    """(s, the keep mask of a, the keep mask of b) for Maximum and Minimum; s = 1 - (a == b) / 2."""
    tie = (a == b).astype(a.dtype if a.dtype.kind == "f" else backend.xp.float64)
    s = 1.0 - tie * 0.5
    return s, backend.keep_mask(a_loses, invert=True), backend.keep_mask(b_loses, invert=True)


def _split(fn, gy):
    s, keep_a, keep_b = fn.masks
    g = gy * _constant(s.astype(gy.dtype, copy=False), fn.backend)
    ga = sum_to(_keep(g, keep_a), fn.sa) if fn._next[0] is not None else None
    gb = sum_to(_keep(g, keep_b), fn.sb) if fn._next[1] is not None else None
    return ga, gb


class Where(Function):
    """y = a where cond else b;  dL/da = sum_to(gy * cond), dL/db = sum_to(gy * (1 - cond))"""

    def forward(self, a, b, cond):
        self.sa, self.sb, self.cond = a.shape, b.shape, cond
        return self.backend.where(cond, a, b)

    def backward(self, gy):
        c = _constant(self.cond, self.backend)
        # a constant 0 (not gy * 0, which is NaN where gy is infinite): the unselected side gets exactly 0
        zero = _constant(self.backend.xp.zeros((), dtype=gy.dtype), self.backend)
        ga = sum_to(where(c, gy, zero), self.sa) if self._next[0] is not None else None
        gb = sum_to(where(c, zero, gy), self.sb) if self._next[1] is not None else None
        return ga, gb


# --- the public functions --------------------------------------------------------------------
def _float_op(cls, what):
    def op(x):
        if not isinstance(x, Tensor):
            x = as_tensor(x)
        if x._data.dtype.kind != "f":
            x = x.to(dtype=dtypes.DEFAULT_FLOAT)  # integer input: computed in float32, as PyTorch does
        return cls.apply(x)

    op.__name__ = op.__qualname__ = what
    op.__doc__ = cls.__doc__
    return op


exp = _float_op(Exp, "exp")
expm1 = _float_op(Expm1, "expm1")
log = _float_op(Log, "log")
log1p = _float_op(Log1p, "log1p")
sqrt = _float_op(Sqrt, "sqrt")
sin = _float_op(Sin, "sin")
erf = _float_op(Erf, "erf")
cos = _float_op(Cos, "cos")
tan = _float_op(Tan, "tan")
tanh = _float_op(Tanh, "tanh")
sigmoid = _float_op(Sigmoid, "sigmoid")
def relu(x):
    """y = max(x, 0);  relu'(0) = 0."""
    return Relu.apply(x)


def leaky_relu(x, negative_slope=0.01):
    """y = x for x > 0, negative_slope * x otherwise."""
    need_float(x, "leaky_relu")
    return LeakyRelu.apply(x, slope=negative_slope)


def softplus(x, beta=1.0, threshold=20.0):
    """y = log(1 + exp(beta x)) / beta (linear above ``threshold`` for stability)."""
    need_float(x, "softplus")
    return Softplus.apply(x, beta=beta, threshold=threshold)


def clamp(x, min=None, max=None):
    """Limit ``x`` to [min, max] (either may be None)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # where, not maximum/minimum: a tie with a bound sends the gradient to x, as with scalar bounds
        y = x
        if min is not None:
            y = where(y < min, min, y)
        if max is not None:
            y = where(y > max, max, y)
        return y
    for bound in (min, max):  # a float bound makes an integer tensor float32, as in PyTorch
        if bound is not None:
            dt = dtypes.scalar_result_type(x._data.dtype, bound)
            if dt != x._data.dtype:
                x = x.to(dtype=dt)
    return Clamp.apply(x, lo=min, hi=max)


clip = clamp


def abs(x):
    """|x|;  abs'(0) = 0."""
    return Abs.apply(x)


def sign(x):
    """-1, 0 or 1 by the sign of x (zero gradient)."""
    return Sign.apply(x)


def square(x):
    return x * x


def reciprocal(x):
    return 1.0 / x


def rsqrt(x):
    return 1.0 / sqrt(x)


def _pair(a, b, what):
    if not isinstance(a, Tensor) and isinstance(b, Tensor) and is_scalar(a):
        b, a = _pair(b, a, what)
        return a, b
    if not isinstance(a, Tensor):
        a = as_tensor(a, b if isinstance(b, Tensor) else None) if not is_scalar(a) else None
    if not isinstance(b, Tensor):
        b = as_tensor(b, a) if not is_scalar(b) else b
    if a is None:
        raise TypeError(f"{what}: expected at least one tensor operand")
    if not isinstance(b, Tensor):
        b = make_tensor(a._backend.xp.asarray(b, dtype=dtypes.scalar_result_type(a._data.dtype, b)), a._backend)
    return promote(a, b, what)


def maximum(a, b):
    """Elementwise max of two tensors (with broadcasting)."""
    a, b = _pair(a, b, "maximum")
    try:
        return Maximum.apply(a, b)
    except ValueError:
        raise broadcast_error("maximum", a.shape, b.shape) from None


def minimum(a, b):
    """Elementwise min of two tensors (with broadcasting)."""
    a, b = _pair(a, b, "minimum")
    try:
        return Minimum.apply(a, b)
    except ValueError:
        raise broadcast_error("minimum", a.shape, b.shape) from None


_NOT_GIVEN = object()


def where(condition, a=_NOT_GIVEN, b=_NOT_GIVEN):
    """``a`` where ``condition`` holds, else ``b`` (scalars allowed for ``a`` and ``b``). ``where(condition)``
    alone is ``nonzero(condition, as_tuple=True)``, as in PyTorch."""
    if a is _NOT_GIVEN and b is _NOT_GIVEN:
        from .arrange import nonzero

        return nonzero(condition, as_tuple=True)
    if a is _NOT_GIVEN or b is _NOT_GIVEN:
        raise TypeError("where: give both a and b (where(condition, a, b)), or neither (where(condition): the "
                        "indices where it holds)")
    if not isinstance(condition, Tensor):
        condition = as_tensor(condition, a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None)
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else condition
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        dt = dtypes.DEFAULT_FLOAT if isinstance(a, float) or isinstance(b, float) else dtypes.DEFAULT_INT
        a = make_tensor(ref._backend.xp.asarray(a, dtype=dt), ref._backend)
    if not isinstance(a, Tensor):
        a = make_tensor(ref._backend.xp.asarray(a, dtype=dtypes.scalar_result_type(b.dtype, a)), ref._backend) \
            if is_scalar(a) else as_tensor(a, ref)
    if not isinstance(b, Tensor):
        b = make_tensor(ref._backend.xp.asarray(b, dtype=dtypes.scalar_result_type(a.dtype, b)), ref._backend) \
            if is_scalar(b) else as_tensor(b, ref)
    a, b = promote(a, b, "where")
    if condition._backend is not a._backend:
        raise RuntimeError(f"where: condition is on {condition.device} but the values are on {a.device}")
    cond = condition._data
    if cond.dtype.kind != "b":
        cond = cond != 0
    try:
        return Where.apply(a, b, cond=cond)
    except ValueError:
        raise broadcast_error("where", condition.shape, a.shape, b.shape) from None


"""PyTorch's integration and differences:

    trapezoid(y, x, dim) = sum_k (x_k+1 - x_k) (y_k + y_k+1) / 2     (dx: sum_k dx (y_k + y_k+1) / 2)
    cumulative_trapezoid: the running sums of the same terms
    gradient(f, spacing, dim, edge_order): central differences inside, (f_k+1 - f_k-1) / 2h, or on coordinates
        a f_k-1 + b f_k + c f_k+1 with a = -h2 / (h1 (h1 + h2)), b = (h2 - h1) / (h1 h2), c = h1 / (h2 (h1 + h2));
        one-sided differences of first or second order at the two ends

Each is built from differentiable ops (slices, sums, products, cumsum, cat), so it has gradients of every order,
in the samples and in the coordinates.
"""

from .. import dtypes
from ..tensor import Tensor, make_tensor
from ._util import as_tensor, is_scalar, wrap_dim
from .arith import add, div, mul, sub
from .arrange import cumsum
from .index import getitem
from .join import cat
from .numeric import _number
from .reduce import sum as _sum
from .shape import reshape


# --- integration and differences -----------------------------------------------------------------
def _along(t, axis, start, stop):
    return getitem(t, (slice(None),) * axis + (slice(start, stop),))


def _integration_args(y, x, dx, dim, what):
    y = as_tensor(y)
    if y._data.ndim == 0:
        raise ValueError(f"{what}: expected y to have at least one dimension, got a 0-d tensor")
    if y._data.dtype.kind == "b":
        raise TypeError(f"{what}: bool tensors are not supported")
    axis = wrap_dim(dim, y._data.ndim, what)
    if x is not None and dx is not None:
        raise TypeError(f"{what}: received both x and dx; give one of them")
    if x is None:
        return y, None, (1 if dx is None else _number(dx, what, "dx")), axis
    xt = as_tensor(x, like=y)
    if xt._data.dtype.kind == "b":
        raise TypeError(f"{what}: bool tensors are not supported")
    nd = y._data.ndim
    if xt._data.ndim == 1:
        if xt._data.shape[0] != y._data.shape[axis]:
            raise ValueError(f"{what}: there must be one x value for each sample point: x has {xt._data.shape[0]}, "
                             f"y has {y._data.shape[axis]} along dim {axis} (shape {tuple(y.shape)})")
        xt = reshape(xt, tuple(xt._data.shape[0] if d == axis else 1 for d in range(nd)))
    elif xt._data.ndim < nd:
        xt = reshape(xt, (1,) * (nd - xt._data.ndim) + tuple(xt._data.shape))
    return y, sub(_along(xt, axis, 1, None), _along(xt, axis, 0, -1)), None, axis


def _pairs(y, axis):
    return add(_along(y, axis, 1, None), _along(y, axis, 0, -1))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: sum_k (x_k+1 - x_k)(y_k + y_k+1) / 2, or with a constant spacing ``dx``
    (default 1) (sum y - (y_0 + y_last) / 2) dx. ``x`` is 1-d (one value per sample) or broadcasts against y."""
    y, steps, h, axis = _integration_args(y, x, dx, dim, "trapezoid")
    if y._data.shape[axis] == 0:
        shape = y._data.shape[:axis] + y._data.shape[axis + 1:]
        return make_tensor(y._backend.xp.zeros(shape, dtype=y._data.dtype), y._backend)
    if steps is None:
        ends = add(getitem(y, (slice(None),) * axis + (0,)), getitem(y, (slice(None),) * axis + (-1,)))
        return mul(sub(_sum(y, axis), mul(ends, 0.5)), h)
    try:
        return div(_sum(mul(steps, _pairs(y, axis)), axis), 2.0)
    except ValueError:
        raise ValueError(f"trapezoid: the spacings of x (shape {tuple(steps.shape)}) and the sample pairs of y "
                         f"(shape {tuple(y.shape)} less one along dim {axis}) cannot be broadcast together") from None


def trapz(y, x=None, *, dx=None, dim=-1):
    """The older name of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integrals along ``dim`` (one fewer than the samples): cumsum((x_k+1 - x_k)(y_k +
    y_k+1)) / 2, or cumsum(dx / 2 (y_k + y_k+1))."""
    y, steps, h, axis = _integration_args(y, x, dx, dim, "cumulative_trapezoid")
    if steps is None:
        return cumsum(mul(_pairs(y, axis), h / 2.0), axis)
    try:
        return div(cumsum(mul(_pairs(y, axis), steps), axis), 2.0)
    except ValueError:
        raise ValueError(f"cumulative_trapezoid: the spacings of x (shape {tuple(steps.shape)}) and the sample "
                         f"pairs of y (shape {tuple(y.shape)} less one along dim {axis}) cannot be broadcast "
                         f"together") from None


def _gradient_uniform(f, axis, h, edge_order):
    center = div(sub(_along(f, axis, 2, None), _along(f, axis, 0, -2)), h)
    if edge_order == 1:
        first = div(sub(_along(f, axis, 1, 2), _along(f, axis, 0, 1)), h)
        last = div(sub(_along(f, axis, -1, None), _along(f, axis, -2, -1)), h)
    else:
        first = div(add(add(mul(_along(f, axis, 0, 1), -1.5), mul(_along(f, axis, 1, 2), 2)),
                        mul(_along(f, axis, 2, 3), -0.5)), h)
        last = div(add(sub(mul(_along(f, axis, -3, -2), 0.5), mul(_along(f, axis, -2, -1), 2)),
                       mul(_along(f, axis, -1, None), 1.5)), h)
    return cat([first, div(center, 2), last], axis)


def _gradient_coordinates(f, axis, coords, edge_order):
    nd = f._data.ndim
    view = tuple(-1 if d == axis else 1 for d in range(nd))
    h = sub(coords[1:], coords[:-1])
    h1, h2 = h[:-1], h[1:]
    a = reshape(div(-h2, mul(h1, add(h1, h2))), view)
    b = reshape(div(sub(h2, h1), mul(h1, h2)), view)
    c = reshape(div(h1, mul(h2, add(h1, h2))), view)
    center = add(add(mul(a, _along(f, axis, 0, -2)), mul(b, _along(f, axis, 1, -1))), mul(c, _along(f, axis, 2, None)))
    if edge_order == 1:
        first = div(sub(_along(f, axis, 1, 2), _along(f, axis, 0, 1)), h[0])
        last = div(sub(_along(f, axis, -1, None), _along(f, axis, -2, -1)), h[-1])
    else:
        d0, d1 = h[0], h[1]
        first = add(add(mul(div(-(2.0 * d0 + d1), mul(d0, add(d0, d1))), _along(f, axis, 0, 1)),
                        mul(div(add(d0, d1), mul(d0, d1)), _along(f, axis, 1, 2))),
                    mul(div(-d0, mul(d1, add(d0, d1))), _along(f, axis, 2, 3)))
        e1, e2 = h[-1], h[-2]
        last = add(add(mul(div(e1, mul(e2, add(e1, e2))), _along(f, axis, -3, -2)),
                       mul(div(-add(e1, e2), mul(e1, e2)), _along(f, axis, -2, -1))),
                   mul(div(add(2.0 * e1, e2), mul(e1, add(e1, e2))), _along(f, axis, -1, None)))
    return cat([first, center, last], axis)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative estimates of ``input`` along each dim in ``dim`` (all by default), a tuple of tensors:
    second-order central differences inside and first- or second-order (``edge_order``) one-sided ones at the
    ends. ``spacing`` is a number (the step along every dim), a list of numbers (one per dim), or a list of
    1-d tensors of coordinates (one per dim), as PyTorch's torch.gradient."""
    f = as_tensor(input)
    nd = f._data.ndim
    if f._data.dtype == dtypes.uint8 or f._data.dtype.kind == "b":
        raise TypeError(f"gradient: {f.dtype.name} input is not supported")
    if dim is None:
        dims = list(range(nd))
    elif isinstance(dim, (tuple, list)):
        dims = [wrap_dim(d, nd, "gradient") for d in dim]
    else:
        dims = [wrap_dim(dim, nd, "gradient")]
    if len(set(dims)) != len(dims):
        raise ValueError(f"gradient: dim {dim!r} names a dimension more than once")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ValueError(f"gradient: only edge_order=1 and edge_order=2 are supported, got {edge_order!r}")
    if isinstance(spacing, (tuple, list)):
        if len(spacing) != len(dims):
            raise ValueError(f"gradient: expected spacing to be a number or a list of length {len(dims)} (one per "
                             f"dim{' of the input' if dim is None else ' in dim'}), got a list of length "
                             f"{len(spacing)}")
        if all(is_scalar(s) for s in spacing):
            steps, coords = list(spacing), None
        elif all(isinstance(s, Tensor) for s in spacing):
            steps, coords = None, list(spacing)
        else:
            raise TypeError("gradient: spacing must be a number, a list of numbers, or a list of 1-d tensors "
                            "(not a mixture)")
    elif is_scalar(spacing):
        steps, coords = [spacing] * len(dims), None
    else:
        raise TypeError(f"gradient: spacing must be a number, a list of numbers, or a list of 1-d tensors, got "
                        f"{type(spacing).__name__}")
    for d in dims:
        if f._data.shape[d] < edge_order + 1:
            raise ValueError(f"gradient: expected each dimension size to be at least edge_order + 1 = "
                             f"{edge_order + 1}, got size {f._data.shape[d]} in dim {d} (shape {tuple(f.shape)})")
    out = []
    for i, d in enumerate(dims):
        if coords is None:
            out.append(_gradient_uniform(f, d, steps[i], edge_order))
            continue
        c = coords[i]
        if c._backend is not f._backend:
            raise RuntimeError(f"gradient: spacing[{i}] is on {c.device} but the input is on {f.device}")
        if c._data.ndim != 1 or c._data.shape[0] != f._data.shape[d]:
            raise ValueError(f"gradient: spacing[{i}] must be a 1-d tensor of one coordinate per entry along dim "
                             f"{d} ({f._data.shape[d]}), got shape {tuple(c.shape)}")
        out.append(_gradient_coordinates(f, d, c, edge_order))
    return tuple(out)

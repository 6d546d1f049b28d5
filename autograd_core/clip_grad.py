"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's ``torch.nn.utils`` functions).

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)     # or optim.clip_grad_norm_
    opt.step()

Here in the engine, below nn and optim, so both offer them: ``nn.utils`` (where PyTorch code calls them)
and ``optim``.

Both modify the ``.grad`` of each parameter in place and skip parameters without a gradient. They work
on the raw arrays of each gradient's own device; the only host transfer is the one ``error_if_nonfinite``
needs to read the norm (and moving per-tensor norms to the first gradient's device if gradients live on
several devices).
"""

import contextlib
import math
import numbers

from backends import CPU

from . import dtypes
from .tensor import Tensor, make_tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]


def _parameters(parameters, what):
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(f"{what}: parameters must be a Tensor or an iterable of Tensors, got "
                        f"{type(parameters).__name__}") from None
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{what}: parameter {i} is a {type(p).__name__}, not a Tensor")
    return params


def _quiet(xp):
    """Silence NumPy's floating-point warnings (inf * 0 in a non-finite clip), as PyTorch is silent."""
    errstate = getattr(xp, "errstate", None)
    return errstate(invalid="ignore", over="ignore") if errstate is not None else contextlib.nullcontext()


def _check_number(what, name, value):
    if isinstance(value, str) and name == "norm_type":
        try:
            value = float(value)  # PyTorch accepts "inf"
        except ValueError:
            raise ValueError(f"{what}: norm_type must be a number or 'inf', got {value!r:.60}") from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: {name} must be a real number, got {type(value).__name__} {value!r:.60}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{what}: {name} must not be NaN")
    return value


def _norm(xp, a, p):
    """The p-norm of array ``a`` (all its elements) as a 0-d array of its dtype."""
    if a.size == 0:
        return xp.zeros((), dtype=a.dtype)
    if p == 2.0:
        flat = a.ravel()
        r = xp.sqrt(xp.dot(flat, flat))
    elif p == math.inf:
        r = xp.max(xp.abs(a))
    elif p == -math.inf:
        r = xp.min(xp.abs(a))
    elif p == 0.0:
        r = xp.count_nonzero(a)
    elif p == 1.0:
        r = xp.sum(xp.abs(a))
    else:
        r = xp.sum(xp.abs(a) ** p) ** (1.0 / p)
    return xp.asarray(r, dtype=a.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""The p-norm of all ``tensors`` viewed as one vector: ||(||t_1||_p, ..., ||t_n||_p)||_p.

    ``norm_type`` may be ``inf`` (the largest absolute value). Returns a 0-d Tensor on the first tensor's
    device, in the promoted floating dtype (a float32 zero for no tensors).
    """
    tensors = _parameters(tensors, "get_total_norm")
    norm_type = _check_number("get_total_norm", "norm_type", norm_type)
    if not tensors:
        return make_tensor(CPU.xp.zeros((), dtype=dtypes.float32), CPU)
    first = tensors[0]._backend
    xp = first.xp
    norms = []
    for t in tensors:
        with _quiet(t._backend.xp):
            n = _norm(t._backend.xp, t._data, norm_type)
        if t._backend is not first:
            n = first.from_host(t._backend.to_host(n))
        norms.append(n)
    dt = xp.result_type(*[n.dtype for n in norms])
    with _quiet(xp):
        total = _norm(xp, xp.stack([n.astype(dt, copy=False) for n in norms]), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           f"it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           f"norm anyway, set `error_if_nonfinite=False`")
    return make_tensor(total, first)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Rescale the gradients so that their total norm is at most ``max_norm``; returns the total norm.

    With N = ||(g_1, ..., g_n)||_p over every gradient (``norm_type`` p, ``inf`` allowed), each gradient
    becomes g_i <- g_i * min(max_norm / (N + 1e-6), 1): unchanged when N is small enough, otherwise all
    scaled by the same factor, so the update keeps its direction (PyTorch's formula exactly, including
    the 1e-6 and computing the factor as (1 / (N + 1e-6)) * max_norm in the norm's dtype).

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clipped (None grads are skipped).
        max_norm (float): the largest allowed total norm (>= 0).
        norm_type (float): p of the p-norm (default 2; ``float("inf")`` for the max norm).
        error_if_nonfinite (bool): raise a RuntimeError when the total norm is NaN or infinite instead of
            scaling by it (default False).
        foreach: accepted for compatibility with PyTorch.

    Returns:
        The total norm of the gradients before clipping (a 0-d Tensor).
    """
    params = _parameters(parameters, "clip_grad_norm_")
    max_norm = _check_number("clip_grad_norm_", "max_norm", max_norm)
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    grads = [p._grad for p in params if p._grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    xp, t = total._backend.xp, total._data
    with _quiet(xp):
        coef = xp.reciprocal(t + 1e-6) * max_norm  # PyTorch's max_norm / (N + 1e-6) is reciprocal(N + 1e-6) * max_norm
        coef = xp.minimum(coef, 1.0)
    for g in grads:
        c = coef if g._backend is total._backend else g._backend.from_host(total._backend.to_host(coef))
        with _quiet(g._backend.xp):
            g._data *= c.astype(g._data.dtype, copy=False)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp every gradient element into [-clip_value, clip_value], in place.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clipped (None grads are skipped).
        clip_value (float): the largest allowed absolute value (>= 0).
        foreach: accepted for compatibility with PyTorch.
    """
    params = _parameters(parameters, "clip_grad_value_")
    clip_value = _check_number("clip_grad_value_", "clip_value", clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in params:
        g = p._grad
        if g is not None:
            g._backend.xp.clip(g._data, -clip_value, clip_value, out=g._data)

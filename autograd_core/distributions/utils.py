"""Helpers shared by the distributions, as ``torch.distributions.utils``.

    broadcast_all(*values)      numbers and Tensors broadcast to one shape (numbers become Tensors of the
                                first Tensor's dtype and device, or of the default dtype on the CPU)
    logits_to_probs(l)          sigmoid(l) (is_binary) or softmax(l, -1)
    probs_to_logits(p)          log(p) - log1p(-p) (is_binary) or log(p), p clamped to [eps, 1 - eps]
    clamp_probs(p)              p clamped to [eps, 1 - eps], eps = finfo(p.dtype).eps
    lazy_property               computed once on first access, then stored on the instance
    standard_normal / standard_uniform(shape, like)   draws from ``like``'s device generator (seeded by
                                manual_seed), in ``like``'s dtype, with no gradient
"""

import numbers

import autograd_core as ag

from ..tensor import Tensor, make_tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """The values (Tensors or numbers) broadcast to a common shape, all as Tensors."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                         "implementing __torch_function__.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    if tensors:
        like = tensors[0]
        dtype = like.dtype if like.dtype.kind == "f" else ag.get_default_dtype()
        values = [v if isinstance(v, Tensor) else ag.tensor(float(v), dtype=dtype, device=like.device)
                  for v in values]
    else:
        values = [ag.tensor(float(v), dtype=ag.get_default_dtype()) for v in values]
    return tuple(ag.broadcast_tensors(*values))


def standard_normal(shape, like):
    """N(0, 1) draws of ``shape`` in ``like``'s dtype, on its device (no gradient)."""
    backend = like._backend
    return make_tensor(backend.normal(tuple(shape), like.dtype), backend)


def standard_uniform(shape, like):
    """U[0, 1) draws of ``shape`` in ``like``'s dtype, on its device (no gradient)."""
    backend = like._backend
    return make_tensor(backend.random(tuple(shape), like.dtype), backend)


def _sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def clamp_probs(probs):
    """probs clamped to [eps, 1 - eps] (eps the dtype's machine epsilon), so that log and log1p stay finite."""
    eps = ag.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) for a binary variable, else softmax over the last dimension."""
    if is_binary:
        return ag.sigmoid(logits)
    return ag.softmax(logits, -1)


def probs_to_logits(probs, is_binary=False):
    """log(p) - log1p(-p) for a binary variable, else log(p); p is clamped to [eps, 1 - eps] first."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ag.log(ps_clamped) - ag.log1p(-ps_clamped)
    return ag.log(ps_clamped)


class lazy_property:
    """A property computed on first access and then stored on the instance (so a Distribution's ``probs``
    and ``logits`` are derived from whichever one it was given)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with ag.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value

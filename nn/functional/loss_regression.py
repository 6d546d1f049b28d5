"""The regression losses (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``) and ``kl_div``,
with PyTorch's names, arguments and reductions; the helpers are ``loss``'s."""

import warnings

import autograd_core as ag

from .loss import _check_reduction, _float_pair, _quiet, _reduce


# --- regression --------------------------------------------------------------------------------------
def mse_loss(input, target, reduction="mean"):
    """The squared loss: l_i = (x_i - y_i)^2;  dl/dx_i = 2 (x_i - y_i)."""
    _check_reduction(reduction, "mse_loss")
    target = _float_pair(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    """The absolute loss: l_i = |x_i - y_i|;  dl/dx_i = sign(x_i - y_i) (0 at a tie)."""
    _check_reduction(reduction, "l1_loss")
    target = _float_pair(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def _number(value, name, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what}: {name} must be a number, got {value!r}")
    return float(value)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """The smooth L1 loss: quadratic for small errors, linear for large ones. With d_i = x_i - y_i,

        l_i = 0.5 d_i^2 / beta        if |d_i| < beta
              |d_i| - 0.5 beta        otherwise
        dl/dx_i = d_i / beta (|d_i| < beta), sign(d_i) otherwise   (continuous at |d_i| = beta)

    ``beta = 0`` is the absolute loss ``l1_loss``.
    """
    what = "smooth_l1_loss"
    _check_reduction(reduction, what)
    beta = _number(beta, "beta", what)
    if beta < 0:
        raise ValueError(f"{what}: beta must be non-negative, got beta={beta}")
    target = _float_pair(input, target, what)
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    ad = d.abs()
    return _reduce(ag.where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """The Huber loss: with d_i = x_i - y_i,

        l_i = 0.5 d_i^2                   if |d_i| < delta
              delta (|d_i| - 0.5 delta)   otherwise
        dl/dx_i = d_i (|d_i| < delta), delta sign(d_i) otherwise

    It is ``delta * smooth_l1_loss(..., beta=delta)``; ``delta`` must be positive.
    """
    what = "huber_loss"
    _check_reduction(reduction, what)
    delta = _number(delta, "delta", what)
    if delta <= 0:
        raise ValueError(f"{what}: delta must be positive, got delta={delta}")
    target = _float_pair(input, target, what)
    d = input - target
    ad = d.abs()
    return _reduce(ag.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta), reduction)


# --- distributions -----------------------------------------------------------------------------------
_KL_REDUCTIONS = ("none", "batchmean", "sum", "mean")


def _xlogx(t):
    """t log t, with 0 at t = 0 (the limit) and a zero gradient there, where log t + 1 would be -inf."""
    zero = t == 0
    return ag.where(zero, 0.0, t * ag.log(ag.where(zero, 1.0, t)))


def kl_div(input, target, reduction="mean", log_target=False):
    """The Kullback-Leibler divergence KL(P || Q) = sum_i p_i (log p_i - log q_i), pointwise, for
    ``input`` = log q (log-probabilities, e.g. from log_softmax) and ``target`` = p:

        l_i = p_i log p_i - p_i log q_i        (p_i log p_i = 0 at p_i = 0)
        dl/d(log q_i) = -p_i,   dl/dp_i = log p_i + 1 - log q_i

    ``log_target=True``: the target is log p, l_i = exp(log p_i) (log p_i - log q_i), dl/d(log q_i) = -p_i,
    dl/d(log p_i) = p_i (log p_i - log q_i + 1).

    ``reduction``: "none"; "sum"; "batchmean", the sum divided by the batch size input.shape[0] (the
    KL divergence per sample, the mathematically meaningful one); "mean", the sum divided by the number
    of elements, which PyTorch keeps for compatibility and warns about (so does this).
    """
    what = "kl_div"
    if not isinstance(reduction, str) or reduction not in _KL_REDUCTIONS:
        raise ValueError(f"{what}: {reduction!r} is not a valid value for reduction; use 'none', 'batchmean', "
                         f"'sum' or 'mean'")
    target = _float_pair(input, target, what)
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support "
                      "size; 'batchmean' divides only by the batch size and is the KL divergence. 'mean' is kept "
                      "to match PyTorch.", UserWarning, stacklevel=2)
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        with _quiet(input._backend.xp):  # a negative target gives nan (not a probability), as PyTorch
            loss = _xlogx(target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / float(input.shape[0]) if input.ndim > 0 else total
    return _reduce(loss, reduction)

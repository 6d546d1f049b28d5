"""More losses, with PyTorch's names, arguments and reductions ("none", "mean", "sum"):

ranking and embedding losses on pairs and triplets (``margin_ranking_loss``, ``cosine_embedding_loss``,
``triplet_margin_loss``), likelihoods of counts and of Gaussians (``poisson_nll_loss``,
``gaussian_nll_loss``) and multi-label classification (``multilabel_soft_margin_loss``,
``multilabel_margin_loss``). Each is built from differentiable ops, so gradients of every order work.

``size_average`` and ``reduce`` are PyTorch's deprecated spellings of ``reduction``; they are accepted
where PyTorch's functional form accepts them (so positional calls port unchanged) and translated the
same way, with a warning.
"""

import math
import warnings

import autograd_core as ag
from autograd_core.ops.index import _broadcast_shape

from .distance import pairwise_distance
from .loss import _check_reduction, _const, _elementwise_weight, _float_pair, _reduce, _tensors


# --- helpers ---------------------------------------------------------------------------------------
def _reduction(size_average, reduce, reduction, what):
    """The reduction string, from ``reduction`` or PyTorch's deprecated (size_average, reduce) pair."""
    if size_average is not None or reduce is not None:
        warnings.warn(f"{what}: size_average and reduce args will be deprecated, please use reduction='mean' "
                      f"(or 'sum', 'none') instead.", UserWarning, stacklevel=3)
        if not (True if reduce is None else reduce):
            reduction = "none"
        else:
            reduction = "mean" if (True if size_average is None else size_average) else "sum"
    _check_reduction(reduction, what)
    return reduction


def _floats(what, **named):
    """Check the named inputs are floating Tensors on one device; the first one's dtype is the loss's."""
    _tensors(what, **named)
    for name, t in named.items():
        if t.dtype.kind != "f":
            raise TypeError(f"{what}: expected a floating-point {name}, got dtype {t.dtype.name}")


def _as_dtype(t, like):
    return t if t.dtype == like.dtype else t.to(dtype=like.dtype)


def _shape(t):
    return tuple(t.shape)


def _softplus(x):
    """log(1 + exp(x)) in the form that cannot overflow."""
    return ag.softplus(x, 1.0, float("inf"))


# --- pairs and triplets ------------------------------------------------------------------------------
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """The ranking hinge: with y = 1 when x1 should rank higher than x2 and y = -1 otherwise,

        l = max(0, -y (x1 - x2) + margin)
        dl/dx1 = -y, dl/dx2 = y where the hinge is active (-y (x1 - x2) + margin >= 0), 0 elsewhere

    At the kink (hinge exactly 0) the gradient passes, as PyTorch's clamp_min (also in
    ``cosine_embedding_loss`` and ``triplet_margin_loss``; ``multilabel_margin_loss`` gives 0 there, as its).

    The three inputs must have the same number of dims (PyTorch's rule) and broadcast together.
    """
    what = "margin_ranking_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    _tensors(what, input1=input1, input2=input2, target=target)
    _floats(what, input1=input1, input2=input2)
    shapes = (_shape(input1), _shape(input2), _shape(target))
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(f"{what}: all input tensors should have the same number of dims, got input1 of shape "
                         f"{shapes[0]}, input2 of shape {shapes[1]} and target of shape {shapes[2]}")
    b = _broadcast_shape(shapes[0], shapes[1])
    if b is None or _broadcast_shape(b, shapes[2]) is None:
        raise ValueError(f"{what}: input1 of shape {shapes[0]}, input2 of shape {shapes[1]} and target of shape "
                         f"{shapes[2]} can't be broadcast together")
    y = _as_dtype(target, input1)
    return _reduce(ag.clamp(margin - y * (input1 - input2), min=0.0), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """Similar pairs (y = 1) pull together, dissimilar ones (y = -1) push apart beyond ``margin``:

        cos = x1 . x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))    (over the last dim)
        l = 1 - cos                 if y = 1
            max(0, cos - margin)    if y = -1      (0 for any other y)

    Inputs (N, D) with target (N,), or (D,) with a 0-d target. The 1e-12 (PyTorch's) keeps a zero
    vector's loss and gradients finite.
    """
    what = "cosine_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    _tensors(what, input1=input1, input2=input2, target=target)
    _floats(what, input1=input1, input2=input2)
    s1, s2, st = _shape(input1), _shape(input2), _shape(target)
    if s1 != s2 or input1.ndim not in (1, 2) or st != s1[:-1]:
        raise ValueError(f"{what}: expected input1 and input2 of one shape (N, D) with target (N,), or (D,) with a "
                         f"0-d target; got input1 of shape {s1}, input2 of shape {s2} and target of shape {st}")
    input2 = _as_dtype(input2, input1)
    y = target._data
    dot = (input1 * input2).sum(dim=-1)
    m1 = (input1 * input1).sum(dim=-1) + 1e-12
    m2 = (input2 * input2).sum(dim=-1) + 1e-12
    cos = dot / ag.sqrt(m1 * m2)
    pos = ag.where(_const(y == 1, input1), 1.0 - cos, 0.0)
    neg = ag.where(_const(y == -1, input1), ag.clamp(cos - margin, min=0.0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """The anchor a should be nearer the positive p than the negative n by ``margin``:

        l = max(0, d(a, p) - d(a, n) + margin),   d(u, v) = ||u - v + eps||_p (``pairwise_distance``)

    ``swap=True`` (the distance swap of Balntas et al.) uses min(d(a, n), d(p, n)) for d(a, n): the
    harder of the two negatives. Inputs (N, D) or (D,); ``margin`` must be positive (PyTorch's rule).
    """
    what = "triplet_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    _floats(what, anchor=anchor, positive=positive, negative=negative)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or margin <= 0:
        raise ValueError(f"{what}: margin must be greater than 0, got margin={margin!r}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(f"{what}: the anchor, positive and negative tensors must have the same number of dims, "
                         f"got anchor of shape {_shape(anchor)}, positive of shape {_shape(positive)} and "
                         f"negative of shape {_shape(negative)}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ag.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ag.clamp(d_pos - d_neg + margin, min=0.0), reduction)


# --- likelihoods ----------------------------------------------------------------------------------
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The negative log-likelihood of counts t under a Poisson distribution of rate lambda (up to log t!):

        log_input=True  (input = log lambda):  l = exp(x) - t x;            dl/dx = exp(x) - t
        log_input=False (input = lambda):      l = x - t log(x + eps);      dl/dx = 1 - t / (x + eps)

    ``full=True`` adds Stirling's approximation of log t!, t log t - t + 0.5 log(2 pi t), where t > 1
    (0 for t <= 1, where it would be inaccurate or undefined; its gradient there is 0 too).
    """
    what = "poisson_nll_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    target = _float_pair(input, target, what)
    if log_input:
        loss = ag.exp(input) - target * input
    else:
        loss = input - target * ag.log(input + eps)
    if full:
        big = target > 1
        t = ag.where(big, target, 2.0)  # a safe stand-in where the term is masked (log of 0 is -inf)
        stirling = t * ag.log(t) - t + 0.5 * ag.log(t * (2.0 * math.pi))
        loss = loss + ag.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def _homoscedastic(var_shape, input_shape):
    """Whether var fits input as PyTorch's gaussian_nll_loss allows: the same shape, or one dim short
    (returned as "unsqueeze"), or the same ndim with exactly one mismatched dim of size 1 in var."""
    if var_shape == input_shape:
        return "same"
    if var_shape == input_shape[:-1]:
        return "unsqueeze"
    if len(var_shape) == len(input_shape) and sum(v for i, v in zip(input_shape, var_shape) if i != v) == 1:
        return "same"
    return None


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The negative log-likelihood of target y under a Gaussian of mean x (``input``) and variance v:

        l = 0.5 (log max(v, eps) + (x - y)^2 / max(v, eps))   (+ 0.5 log(2 pi) with ``full=True``)
        dl/dx = (x - y) / v_c,  dl/dv = 0.5 / v_c - 0.5 (x - y)^2 / v_c^2,   v_c = max(v, eps)

    The clamp is for stability only: as in PyTorch it is not differentiated (dl/dv is taken at v_c and
    passed through unchanged). ``var`` is the input's shape (heteroscedastic), or one dim short of it,
    or the same ndim with one dim of size 1 (homoscedastic along it), or a number. var < 0 is an error.
    """
    what = "gaussian_nll_loss"
    _check_reduction(reduction, what)
    _floats(what, input=input, target=target)
    target = _as_dtype(target, input)
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{what}: var has negative entry/entries: var={var}")
        var = ag.full_like(input, float(var))
    else:
        _floats(what, input=input, var=var)
        if bool((var._data < 0).any()):
            raise ValueError(f"{what}: var has negative entry/entries (smallest {float(var._data.min())}); a "
                             f"variance must be >= 0")
        var = _as_dtype(var, input)
    fit = _homoscedastic(_shape(var), _shape(input))
    if fit is None:
        raise ValueError(f"{what}: var is of incorrect size: var of shape {_shape(var)} for input of shape "
                         f"{_shape(input)}; expected the input's shape, the input's shape without its last dim, "
                         f"or the input's shape with one dim of size 1")
    if fit == "unsqueeze":
        var = ag.unsqueeze(var, -1)
    if _broadcast_shape(_shape(input), _shape(target)) is None:
        raise ValueError(f"{what}: target of shape {_shape(target)} can't be broadcast to the input's shape "
                         f"{_shape(input)}")
    v = ag.clamp(var.detach(), min=eps)
    if var.requires_grad:  # straight through: the value of max(v, eps), the gradient of v
        v = var + (v - var.detach())
    d = input - target
    loss = 0.5 * (ag.log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# --- multi-label classification -----------------------------------------------------------------------
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """The logistic loss of each class, averaged over the C classes (the last dim), for t in {0, 1}:

        l = sum_c w_c (t_c softplus(-x_c) + (1 - t_c) softplus(x_c)) / C
        dl/dx_c = w_c (sigmoid(x_c) - t_c) / C

    (softplus(-x) = -log sigmoid(x), computed stably.) ``weight`` broadcasts against the input.
    Input (N, C) gives N losses, input (C,) one.
    """
    what = "multilabel_soft_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    target = _float_pair(input, target, what)
    if input.ndim == 0:
        raise ValueError(f"{what}: input must have a class dim ((N, C) or (C,)), got a 0-d tensor")
    w = _elementwise_weight(weight, input, what)
    loss = target * _softplus(-input) + (1.0 - target) * _softplus(input)
    if w is not None:
        loss = loss * w
    return _reduce(loss.sum(dim=-1) / float(input.shape[-1]), reduction)


def _multilabel_targets(input, target, what):
    """Masks for multilabel_margin_loss: ``pair`` (..., C, C), 1 where target slot j holds a label (before
    the first -1) and class k is not a label; and the slots' labels with -1 made 0 (for gather)."""
    if target.dtype.kind not in "iu":
        raise TypeError(f"{what}: target must be an integer tensor of class indices (int64) padded with -1, got "
                        f"dtype {target.dtype.name}")
    if _shape(target) != _shape(input):
        raise ValueError(f"{what}: target has shape {_shape(target)} but input has shape {_shape(input)}; they "
                         f"must be the same (class indices padded with -1)")
    c = input.shape[-1]
    xp = input._backend.xp
    t = target._data
    if t.size:
        lo, hi = int(t.min()), int(t.max())
        if lo < -1 or hi >= c:
            bad = lo if lo < -1 else hi
            raise IndexError(f"{what}: target {bad} is out of range: the input has {c} classes, so targets must "
                             f"be class indices in [0, {c - 1}], padded with -1")
    stop = t == -1
    valid = xp.cumsum(stop.astype(xp.int32), axis=-1) == 0        # slots before the first -1
    safe = xp.where(valid, t, 0)
    classes = xp.arange(c)
    is_label = ((safe[..., :, None] == classes) & valid[..., :, None]).any(axis=-2)  # (..., C)
    pair = valid[..., :, None] & ~is_label[..., None, :]                              # (..., slot j, class k)
    return pair.astype(input.dtype), safe.astype(xp.int64)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The multi-label hinge: each label y_j (``target`` holds class indices, ended by the first -1)
    should beat each non-label class k by a margin of 1,

        l = sum_j sum_{k not a label} max(0, 1 - (x[y_j] - x[k])) / C

    dl/dx[y_j] = -(number of active hinges of j) / C, dl/dx[k] = (number of active hinges on k) / C.
    Input (N, C) with target (N, C) gives N losses; (C,) with (C,) one.
    """
    what = "multilabel_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, what)
    _tensors(what, input=input, target=target)
    if input.ndim not in (1, 2) or input.dtype.kind != "f" or input.shape[-1] == 0:
        raise ValueError(f"{what}: input must be a non-empty floating (N, C) or (C,) tensor, got shape "
                         f"{_shape(input)} and dtype {input.dtype.name}")
    pair, safe = _multilabel_targets(input, target, what)
    c = input.shape[-1]
    x_label = ag.gather(input, -1, _const(safe, input))             # (..., C): x[y_j] per slot j
    h = ag.relu(1.0 - ag.unsqueeze(x_label, -1) + ag.unsqueeze(input, -2))  # (..., slot j, class k)
    loss = (h * _const(pair, input)).sum(dim=(-2, -1)) / float(c)
    return _reduce(loss, reduction)

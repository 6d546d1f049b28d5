"""Losses, with PyTorch's names, arguments and reductions ("none", "mean", "sum").

The lecture's losses: regression with the squared loss (``mse_loss``), the absolute loss
(``l1_loss``) or the two joined at a threshold (``smooth_l1_loss``, ``huber_loss``); classification
with the logistic loss log(1 + exp(-y x)) (``soft_margin_loss``, and
``binary_cross_entropy_with_logits`` for t in {0, 1}), the hinge loss max(0, 1 - y x)
(``multi_margin_loss``, ``hinge_embedding_loss``) and the cross-entropy -log softmax(h)_y
(``cross_entropy`` = ``nll_loss`` of ``log_softmax``). Everything that exponentiates goes through
a stable form (log_softmax via logsumexp, softplus via log(1 + exp(-|x|)) + max(-x, 0)).
``kl_div`` compares distributions (input log-probabilities, target probabilities). The regression
losses and ``kl_div`` are in ``loss_regression``.
"""

import contextlib

import autograd_core as ag
from autograd_core import Function, Tensor
from autograd_core.tensor import make_tensor

_REDUCTIONS = ("none", "mean", "sum")


# --- helpers ---------------------------------------------------------------------------------------
def _check_reduction(reduction, what):
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"{what}: {reduction!r} is not a valid value for reduction; use 'none', 'mean' or 'sum'")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _tensors(what, **named):
    for name, t in named.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
    first = next(iter(named.values()))
    for name, t in named.items():
        if t._backend is not first._backend:
            raise RuntimeError(f"{what}: input is on {first.device} but {name} is on {t.device}")


def _float_pair(input, target, what):
    """Check input and target have one shape and a floating dtype; return target in input's dtype."""
    _tensors(what, input=input, target=target)
    if input.dtype.kind != "f":
        raise TypeError(f"{what}: expected a floating-point input, got dtype {input.dtype.name}")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{what}: target has shape {tuple(target.shape)} but input has shape {tuple(input.shape)}; "
                         f"they must be the same")
    return target if target.dtype == input.dtype else target.to(dtype=input.dtype)


def _const(array, like):
    return make_tensor(array, like._backend)


def _quiet(xp):
    """Silence NumPy's warnings for log(0) and 0/0 (their results are handled); a no-op elsewhere."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate is not None else contextlib.nullcontext()


def _weight_array(weight, c, input, what):
    if weight is None:
        return None
    _tensors(what, input=input, weight=weight)
    if tuple(weight.shape) != (c,):
        raise ValueError(f"{what}: weight has shape {tuple(weight.shape)} but the input (shape {tuple(input.shape)}) "
                         f"has {c} classes; expected shape ({c},)")
    return weight._data.astype(input.dtype, copy=False)


# --- picking x[i, t_i]: the linear core of nll_loss --------------------------------------------
class Pick(Function):
    """y_i = c_i x[i, t_i] (``total``: y = sum_i c_i x[i, t_i]);  dL/dx[i, t_i] = c_i gy_i (zero elsewhere)"""

    def forward(self, x, idx, coef, total):
        self.idx, self.coef, self.total, self.in_shape = idx, coef, total, x.shape
        y = x[idx] * coef
        return y.sum() if total else y

    def backward(self, gy):
        if not ag.is_grad_enabled():  # a first-order backward: PickGrad's array work, no node
            return make_tensor(_pick_grad(self.backend.xp, gy._data, self.idx, self.coef, self.in_shape),
                               self.backend)
        return PickGrad.apply(gy, idx=self.idx, coef=self.coef, total=self.total, in_shape=self.in_shape)


def _pick_grad(xp, gy, idx, coef, in_shape):
    gx = xp.zeros(in_shape, dtype=gy.dtype)
    gx[idx] = coef * gy
    return gx


class PickGrad(Function):
    """gx = zeros(in_shape) with gx[i, t_i] = c_i gy_i;  dL/dgy_i = c_i (dL/dgx)[i, t_i] (summed for ``total``)"""

    def forward(self, gy, idx, coef, total, in_shape):
        self.idx, self.coef, self.total = idx, coef, total
        return _pick_grad(self.backend.xp, gy, idx, coef, in_shape)

    def backward(self, ggx):
        return Pick.apply(ggx, idx=self.idx, coef=self.coef, total=self.total)


def _class_targets(input, target, weight, ignore_index, what, cdim):
    """Check class-index targets; return (the index tuple that picks input[i, t_i], the per-target weights
    w[t_i] with 0 where ignored (None when every target weighs 1), the ignore mask (None when none is))."""
    _tensors(what, input=input, target=target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{what}: target must be an integer tensor of class indices (int64), got dtype "
                        f"{target.dtype.name}; class probabilities must have the input's shape "
                        f"{tuple(input.shape)}")
    shape = tuple(input.shape)
    c = shape[cdim]
    expected = shape[:cdim] + shape[cdim + 1:]
    if tuple(target.shape) != expected:
        raise ValueError(f"{what}: input of shape {shape} (class dim {cdim}, {c} classes) needs a target of shape "
                         f"{expected}, got target shape {tuple(target.shape)}")
    xp = input._backend.xp
    t = target._data
    lo, hi = (int(t.min()), int(t.max())) if t.size else (0, 0)
    ignored = None  # None: no target is ignored (the common case, checked with the min and max only)
    if ignore_index is not None and lo <= ignore_index <= hi:
        ignored = xp.asarray(t == ignore_index)
    if lo < 0 or hi >= c:
        bad = (t < 0) | (t >= c)
        if ignored is not None:
            bad &= ~ignored
        if bool(bad.any()):
            first = int(t[bad].reshape(-1)[0])
            raise IndexError(f"{what}: target {first} is out of bounds: the input has {c} classes, so class "
                             f"indices must be in [0, {c - 1}] (or ignore_index={ignore_index})")
    safe = t if ignored is None else xp.where(ignored, 0, t)
    w = _weight_array(weight, c, input, what)
    dt = input.dtype
    wt = None  # None: every target weighs 1
    if w is not None or ignored is not None:
        wt = xp.ones(t.shape, dtype=dt) if w is None else w[safe]
        if ignored is not None:
            wt = xp.where(ignored, dt.type(0), wt).astype(dt, copy=False)
    n = len(expected)
    idx = []
    for d, size in enumerate(expected):
        if d == cdim:
            idx.append(safe)
        idx.append(xp.arange(size).reshape((1,) * d + (size,) + (1,) * (n - d - 1)))
    if cdim == n:
        idx.append(safe)
    return tuple(idx), wt, ignored


def _nll(logp, idx, wt, n, reduction):
    """-w[t_i] logp[i, t_i] over n targets, reduced; "mean" divides by sum_i w[t_i] over the non-ignored
    targets. ``wt`` None means every weight is 1 (then the coefficient is one scalar)."""
    dt = logp.dtype
    if reduction != "mean":
        coef = dt.type(-1) if wt is None else -wt
        return Pick.apply(logp, idx=idx, coef=coef, total=reduction == "sum")
    if wt is None:
        coef = dt.type(-1.0 / n) if n else dt.type("nan")
    else:
        with _quiet(logp._backend.xp):
            coef = -wt / wt.sum()
    return Pick.apply(logp, idx=idx, coef=coef, total=True)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """The negative log-likelihood of log-probabilities ``input`` (N, C), (C,) or (N, C, d1, ...) at the
    class indices ``target``: l_i = -w[t_i] input[i, t_i] (0 where t_i == ignore_index).

    "mean" is sum_i l_i / sum_i w[t_i] over the non-ignored targets (PyTorch's weighted mean).
    """
    _check_reduction(reduction, "nll_loss")
    _tensors("nll_loss", input=input)
    if input.ndim == 0 or input.dtype.kind != "f":
        raise ValueError(f"nll_loss: input must be a floating (N, C), (C,) or (N, C, d1, ...) tensor of "
                         f"log-probabilities, got shape {tuple(input.shape)} and dtype {input.dtype.name}")
    cdim = 0 if input.ndim == 1 else 1
    idx, wt, _ = _class_targets(input, target, weight, ignore_index, "nll_loss", cdim)
    return _nll(input, idx, wt, target.numel(), reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between softmax(input) over the class dim and ``target``.

    ``input``: logits (N, C), (C,) or (N, C, d1, ...). ``target``: class indices (int64, the input's shape
    without C) giving l_i = -w[t_i] log softmax(x_i)[t_i]; or class probabilities (float, the input's
    shape) giving l_i = -sum_c w_c p_ic log softmax(x_i)_c. Label smoothing eps mixes in the uniform
    distribution: l = (1 - eps) l_nll + eps/C sum_c -w_c log softmax(x_i)_c, each part averaged as
    PyTorch does (class indices: by sum of w[t_i] over non-ignored targets; probabilities: by N d1 ...).
    """
    what = "cross_entropy"
    _check_reduction(reduction, what)
    _tensors(what, input=input, target=target)
    if input.ndim == 0 or input.dtype.kind != "f":
        raise ValueError(f"{what}: input must be floating logits of shape (N, C), (C,) or (N, C, d1, ...), got "
                         f"shape {tuple(input.shape)} and dtype {input.dtype.name}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{what}: label_smoothing must be in [0, 1], got {label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    c = input.shape[cdim]
    logp = ag.log_softmax(input, cdim)
    wshape = (c,) + (1,) * (input.ndim - cdim - 1)
    if target.dtype.kind == "f":  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise ValueError(f"{what}: a floating target is read as class probabilities, of the input's shape "
                             f"{tuple(input.shape)}, but it has shape {tuple(target.shape)} (dtype "
                             f"{target.dtype.name}); for class indices pass an integer tensor, e.g. target.long()")
        tgt = _float_pair(input, target, what)
        if label_smoothing > 0:
            tgt = tgt * (1.0 - label_smoothing) + label_smoothing / c
        w = _weight_array(weight, c, input, what)
        prod = logp * tgt if w is None else logp * tgt * _const(w.reshape(wshape), input)
        if reduction == "none":
            return -prod.sum(dim=cdim)
        total = -prod.sum()
        return total / float(max(input.numel() // c, 1)) if reduction == "mean" and input.numel() else total
    idx, wt, ignored = _class_targets(input, target, weight, ignore_index, what, cdim)
    nll = _nll(logp, idx, wt, target.numel(), reduction)
    if label_smoothing == 0:
        return nll
    w = _weight_array(weight, c, input, what)
    smooth = -(logp if w is None else logp * _const(w.reshape(wshape), input)).sum(dim=cdim)
    if ignored is not None:
        smooth = smooth.masked_fill(_const(ignored, input), 0.0)
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":  # by sum_i w[t_i] over the non-ignored targets (their count without weights)
        if wt is None:
            smooth = smooth.sum() / float(target.numel())
        else:
            smooth = smooth.sum() / _const(input._backend.xp.asarray(wt.sum(), dtype=input.dtype), input)
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / c)


# --- binary classification ---------------------------------------------------------------------------
def _clamped_log(x):
    """max(log x, -100) as Tensor ops whose gradients are finite at x = 0."""
    pos = x > 0
    return ag.where(pos, ag.clamp(ag.log(ag.where(pos, x, 1.0)), min=-100.0), -100.0)


def _clamped_log1p_neg(x):
    """max(log(1 - x), -100), taken as log1p(-x), as Tensor ops whose gradients are finite at x = 1."""
    below = x < 1
    return ag.where(below, ag.clamp(ag.log1p(-ag.where(below, x, 0.0)), min=-100.0), -100.0)


class BinaryCrossEntropy(Function):
    """l = -(t log x + (1 - t) log(1 - x)), each log clamped at -100 so x in {0, 1} gives a finite loss;
    log(1 - x) is taken as log1p(-x), which keeps a small x's -x (1 - x rounds it away below 1.1e-16).

    dl/dx = (x - t) / max(x (1 - x), 1e-12);  dl/dt = log(1 - x) - log x (clamped logs), as PyTorch.
    """

    saves_inputs = True

    def forward(self, x, t):
        xp = self.backend.xp
        with _quiet(xp):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log1p(-x), -100)  # (log(1 - x) rounds 1 - 1e-17 to 1: 0, not -1e-17)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, gy):
        x, t = self.inputs
        gx = gt = None
        if self._next[0] is not None:
            gx = gy * (x - t) / ag.clamp(x * (1.0 - x), min=1e-12)
        if self._next[1] is not None:
            gt = gy * (_clamped_log1p_neg(x) - _clamped_log(x))
        return gx, gt


def _elementwise_weight(weight, input, what, name="weight"):
    if weight is None:
        return None
    _tensors(what, input=input, **{name: weight})
    ws, xs = tuple(weight.shape), tuple(input.shape)
    if len(ws) > len(xs) or any(a not in (1, b) for a, b in zip(ws[::-1], xs[::-1])):
        raise ValueError(f"{what}: {name} of shape {ws} can't be broadcast to the input's shape {xs}")
    return _const(weight._data.astype(input.dtype, copy=False), input)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """l_i = -w_i (t_i log x_i + (1 - t_i) log(1 - x_i)) for probabilities x in [0, 1] (logs clamped at -100)."""
    what = "binary_cross_entropy"
    _check_reduction(reduction, what)
    target = _float_pair(input, target, what)
    w = _elementwise_weight(weight, input, what)
    x = input._data
    if bool(((x < 0) | (x > 1)).any()):
        raise ValueError(f"{what}: all elements of input should be between 0 and 1 (probabilities; for logits use "
                         f"binary_cross_entropy_with_logits), got values in [{float(x.min())}, {float(x.max())}]")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if w is None else loss * w, reduction)


class BCEWithLogits(Function):
    """l = (1 - t) x + (1 + (pw - 1) t) softplus(-x)  (-pw t log sigmoid(x) - (1 - t) log(1 - sigmoid(x))),
    computed as l = max(x, 0) - t x + L + (pw - 1) t (L + max(-x, 0)), L = log(1 + exp(-|x|)): nothing
    overflows, and a confident right answer keeps its small loss (x = -40, t = 0: L = 4.2e-18, where
    (1 - t) x + softplus(-x) cancels to 0, as PyTorch's form does).
    dl/dx = (1 + (pw - 1) t) sigmoid(x) - pw t = (1 - t) sigmoid(x) - pw t sigmoid(-x) (again without
    the cancellation of sigmoid(x) - t);  dl/dt = (pw - 1) softplus(-x) - x.  pw = 1 by default.
    """

    saves_inputs = True

    def forward(self, x, t, pos_weight):
        xp = self.backend.xp
        self.pw = pos_weight
        tail = xp.log1p(xp.exp(-xp.abs(x)))
        loss = xp.maximum(x, 0) - t * x + tail
        if pos_weight is None:
            return loss
        return loss + (pos_weight - 1) * t * (tail + xp.maximum(-x, 0))

    def backward(self, gy):
        x, t = self.inputs
        gx = gt = None
        pw = None if self.pw is None else make_tensor(self.pw, self.backend)
        if self._next[0] is not None:
            miss = ag.sigmoid(-x) * t if pw is None else ag.sigmoid(-x) * (pw * t)
            gx = gy * ((1.0 - t) * ag.sigmoid(x) - miss)
        if self._next[1] is not None:
            gt = -gy * x if pw is None else gy * ((pw - 1.0) * ag.softplus(-x, 1.0, float("inf")) - x)
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """The logistic loss for logits x and targets t in [0, 1]: l = -w (pw t log sigmoid(x) + (1 - t) log(1 -
    sigmoid(x))), computed stably; ``pos_weight`` (broadcast over the last dim) weights the positives."""
    what = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, what)
    target = _float_pair(input, target, what)
    w = _elementwise_weight(weight, input, what)
    pw = None
    if pos_weight is not None:
        pw = _elementwise_weight(pos_weight, input, what, "pos_weight")._data
    loss = BCEWithLogits.apply(input, target, pos_weight=pw)
    return _reduce(loss if w is None else loss * w, reduction)


def soft_margin_loss(input, target, reduction="mean"):
    """The logistic loss for labels y in {-1, +1}: l_i = log(1 + exp(-y_i x_i)), computed as softplus(-y x)."""
    _check_reduction(reduction, "soft_margin_loss")
    target = _float_pair(input, target, "soft_margin_loss")
    return _reduce(ag.softplus(-(target * input), 1.0, float("inf")), reduction)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """l_i = x_i if y_i = 1, max(0, margin - x_i) if y_i = -1 (PyTorch's rule: each part applies unless y_i
    is the other label)."""
    _check_reduction(reduction, "hinge_embedding_loss")
    target = _float_pair(input, target, "hinge_embedding_loss")
    loss = ag.where(target != 1, ag.clamp(margin - input, min=0.0), 0.0) + ag.where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """The multiclass hinge loss: l_i = w[y_i] sum_{c != y_i} max(0, margin - x_i[y_i] + x_i[c])^p / C, p in {1, 2}."""
    what = "multi_margin_loss"
    _check_reduction(reduction, what)
    if p not in (1, 2):
        raise ValueError(f"{what}: only p == 1 and p == 2 are supported, got p={p!r}")
    _tensors(what, input=input, target=target)
    if input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise ValueError(f"{what}: input must be a floating (N, C) or (C,) tensor, got shape {tuple(input.shape)} and "
                         f"dtype {input.dtype.name}")
    cdim = input.ndim - 1
    c = input.shape[cdim]
    idx, wt, _ = _class_targets(input, target, weight, None, what, cdim)
    xy = Pick.apply(input, idx=idx, coef=input.dtype.type(1), total=False)
    xp = input._backend.xp
    t = target._data
    if input.ndim == 2:
        xy = xy.reshape(-1, 1)
        t = t.reshape(-1, 1)
    h = ag.relu(input - xy + margin)
    if p == 2:
        h = h * h
    mask = (xp.arange(c) != t).astype(input.dtype)
    mask *= input.dtype.type(1.0 / c) if wt is None else wt.reshape(t.shape) * (1.0 / c)
    return _reduce((h * _const(mask, input)).sum(dim=cdim), reduction)

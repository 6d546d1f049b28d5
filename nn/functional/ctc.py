"""The connectionist temporal classification loss (Graves et al., 2006), PyTorch's ``F.ctc_loss``.

One sequence: log-probabilities y_t(k) = log_probs[t, k] for T steps and C classes, a target l = (l_1 .. l_U)
and its extended form l' = (b, l_1, b, l_2, ..., b, l_U, b) of length S' = 2U + 1, b the blank. A path pi (one
class per step) produces l when merging its repeats and then dropping its blanks gives l, and

    loss = -log p(l | x),   p(l | x) = sum over the paths pi that produce l of prod_t exp(y_t(pi_t))

The sum runs as the forward (alpha) recursion over the positions s of l', in log space (logsumexp, so
nothing under- or overflows):

    alpha_0(0) = y_0(b),   alpha_0(1) = y_0(l_1),   alpha_0(s) = -inf for s > 1
    alpha_t(s) = y_t(l'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) [if l'_s != l'_{s-2}])
    log p(l | x) = logsumexp(alpha_{T-1}(S'-1), alpha_{T-1}(S'-2))

(the skip from s-2 is what lets a path leave out a blank between two different labels; a repeated label
needs the blank between its copies). The backward (beta) recursion runs the same way from the end:

    beta_{T-1}(S'-1) = y_{T-1}(b),   beta_{T-1}(S'-2) = y_{T-1}(l_U),   beta_{T-1}(s) = -inf otherwise
    beta_t(s) = y_t(l'_s) + logsumexp(beta_{t+1}(s), beta_{t+1}(s+1), beta_{t+1}(s+2) [if l'_{s+2} != l'_s])

Both include y_t(l'_s), so gamma_t(s) = exp(alpha_t(s) + beta_t(s) - y_t(l'_s) + loss) is the probability that
a path producing l is at position s at step t. The gradient is PyTorch's (eq. 16 of the paper):

    dL/dy_t(k) = exp(y_t(k)) - sum_{s : l'_s = k} gamma_t(s)      for t < T (the sequence's input length), 0 after

This is the gradient of the loss with respect to softmax logits u when log_probs = log_softmax(u): both sums
over k are 1, so log_softmax's backward (g - softmax(u) sum_k g) passes it through unchanged, and it equals
the exact dL/du. Pass log-probabilities (a log_softmax output), as PyTorch requires; for arbitrary inputs it
is not the partial derivative (which is -sum_s gamma_t(s) alone), exactly as in PyTorch.

The batch and the label positions are vectorised (one array step per time step); only the T steps loop.
"""

import math

from autograd_core import Function, Tensor, int64
from autograd_core.tensor import make_tensor

from .loss import _check_reduction

_NEG = -math.inf


def _logsumexp(xp, *terms):
    """log(sum_i exp(terms_i)) elementwise; -inf where every term is -inf (no warning, no nan), nan kept."""
    m = terms[0]
    for t in terms[1:]:
        m = xp.maximum(m, t)
    finite = m != _NEG
    ms = xp.where(finite, m, 0)
    s = xp.exp(terms[0] - ms)
    for t in terms[1:]:
        s = s + xp.exp(t - ms)
    return xp.where(finite, ms + xp.log(xp.where(finite, s, 1)), _NEG)


def _shift(xp, a, k):
    """a[:, s - k] at position s along the last axis (k > 0: from the left; k < 0: from the right), -inf where
    that falls outside."""
    out = xp.full(a.shape, _NEG, dtype=a.dtype)
    n = a.shape[-1]
    if abs(k) < n:
        if k > 0:
            out[:, k:] = a[:, :n - k]
        else:
            out[:, :n + k] = a[:, -k:]
    return out


class CtcLoss(Function):
    """nll[n] = -log p(l_n | x_n) by the alpha recursion (module docstring), for log_probs (T, N, C);
    dL/dlog_probs = (exp(y) - sum_{s: l'_s = k} gamma_t(s)) * dL/dnll[n] by the beta recursion: CtcLossGrad.

    ``ext`` (N, S') holds the extended labels (blank beyond each sequence's own 2 U_n + 1 positions); ``il`` and
    ``tl`` (N,) the input and target lengths on the device. ``zero_infinity``: an infinite nll (no path produces
    the target) becomes 0, and so does its gradient.
    """

    saves_inputs = True

    def forward(self, lp, ext, il, tl, zero_infinity):
        xp = self.backend.xp
        T, N, _ = lp.shape
        sp = ext.shape[1]
        self.ext, self.il, self.tl, self.zero_infinity = ext, il, tl, zero_infinity
        lpe = lp[:, xp.arange(N)[:, None], ext]  # y_t(l'_s), (T, N, S')
        s = xp.arange(sp)[None, :]
        self.valid = valid = s < (2 * tl + 1)[:, None]  # positions inside each extended target
        skip = xp.zeros((N, sp), dtype=bool)
        if sp > 2:
            skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
        self.skip = skip
        alpha = xp.full((T, N, sp), _NEG, dtype=lp.dtype)
        if T:
            a = xp.where(s < 2, lpe[0], _NEG)
            alpha[0] = a = xp.where(valid & ((s == 0) | (tl[:, None] > 0)), a, _NEG)
            for t in range(1, T):
                stay, step = a, _shift(xp, a, 1)
                jump = xp.where(skip, _shift(xp, a, 2), _NEG)
                alpha[t] = a = xp.where(valid, lpe[t] + _logsumexp(xp, stay, step, jump), _NEG)
        rows = xp.arange(N)
        if T:
            last = alpha[xp.maximum(il - 1, 0), rows]  # (N, S') at each sequence's last step
            l1 = last[rows, 2 * tl]
            l2 = xp.where(tl > 0, last[rows, xp.maximum(2 * tl - 1, 0)], _NEG)
            loglik = _logsumexp(xp, l1, l2)
        else:
            loglik = xp.full((N,), _NEG, dtype=lp.dtype)
        loglik = xp.where(il > 0, loglik, xp.where(tl == 0, 0, _NEG).astype(lp.dtype))  # no steps: p = [U = 0]
        nll = -loglik
        self.alpha, self.lpe, self.nll = alpha, lpe, nll
        if zero_infinity:
            nll = xp.where(xp.isinf(nll), 0, nll).astype(lp.dtype)
        return nll

    def backward(self, gnll):
        return CtcLossGrad.apply(gnll, self.inputs[0], ctc=self)

    def gradient(self, lp):
        """dL/dlog_probs for dL/dnll = 1 (module docstring), shape (T, N, C), by the beta recursion."""
        xp = self.backend.xp
        T, N, C = lp.shape
        ext, il, tl, valid, skip, lpe = self.ext, self.il, self.tl, self.valid, self.skip, self.lpe
        sp = ext.shape[1]
        s = xp.arange(sp)[None, :]
        ends = (s == 2 * tl[:, None]) | ((s == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        jump_ok = xp.zeros((N, sp), dtype=bool)  # the skip s -> s + 2 is allowed
        jump_ok[:, :-2] = skip[:, 2:]
        beta = xp.full((T, N, sp), _NEG, dtype=lp.dtype)
        b = None
        for t in range(T - 1, -1, -1):
            start = xp.where(ends, lpe[t], _NEG)
            if b is None:
                cur = start
            else:
                jump = xp.where(jump_ok, _shift(xp, b, -2), _NEG)
                cur = xp.where((il == t + 1)[:, None], start, lpe[t] + _logsumexp(xp, b, _shift(xp, b, -1), jump))
            beta[t] = b = xp.where(valid & (il > t)[:, None], cur, _NEG)
        ab = self.alpha + beta
        reached = ab != _NEG
        nll = self.nll
        bad = xp.isinf(nll)
        nll0 = xp.where(bad, 0, nll).astype(lp.dtype)
        gamma = xp.where(reached, xp.exp(xp.where(reached, ab - lpe + nll0[None, :, None], 0)), 0).astype(lp.dtype)
        occupancy = xp.zeros((T, N, C), dtype=lp.dtype)
        shape = (T, N, sp)
        index = (xp.broadcast_to(xp.arange(T)[:, None, None], shape), xp.broadcast_to(xp.arange(N)[None, :, None],
                 shape), xp.broadcast_to(ext[None], shape))
        self.backend.scatter_add(occupancy, index, gamma)
        live = (xp.arange(T)[:, None] < il[None, :])[:, :, None]  # t < T_n
        grad = xp.where(live, xp.exp(lp) - occupancy, 0)
        if self.zero_infinity:
            grad = xp.where(bad[None, :, None], 0, grad)
        else:  # no path: -log p is inf and its gradient undefined (nan, as PyTorch's)
            grad = xp.where(bad[None, :, None] & live, math.nan, grad)
        return grad.astype(lp.dtype)


class CtcLossGrad(Function):
    """dL/dlog_probs = G * dL/dnll[n] broadcast over (T, C), G = ``CtcLoss.gradient`` (module docstring).

    First-order only: its own derivative is not implemented (PyTorch's is not either), so differentiating
    through it (a second backward of ctc_loss, create_graph=True) raises.
    """

    def forward(self, gnll, lp, ctc):
        return ctc.gradient(lp) * gnll[None, :, None]

    def backward(self, ggrad):
        raise RuntimeError("ctc_loss: second-order gradients are not supported (the gradient of ctc_loss is "
                           "first-order only, as in PyTorch); differentiate it once, without create_graph=True")


# --- argument checks -------------------------------------------------------------------------------------------
def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) or (hasattr(v, "dtype") and getattr(v, "ndim", 1) == 0
                                                                 and v.dtype.kind in "iu")


def _lengths(value, name, n, what):
    """Lengths as a list of Python ints: from a Tensor (copied to the host: one small transfer), a tuple or
    list of ints, or an int (one sequence)."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu":
            raise TypeError(f"{what}: {name} must be an integer tensor (int64 or int32), got dtype {value.dtype.name}")
        if value.ndim > 1:
            raise ValueError(f"{what}: {name} must be a 1-D tensor (N,) or a 0-d tensor, got shape "
                             f"{tuple(value.shape)}")
        values = [int(v) for v in value._backend.to_host(value._data).reshape(-1).tolist()]
    elif isinstance(value, (tuple, list)):
        if not all(_is_int(v) for v in value):
            raise TypeError(f"{what}: {name} must hold ints, got {value!r}")
        values = [int(v) for v in value]
    elif _is_int(value):
        values = [int(value)]
    else:
        raise TypeError(f"{what}: {name} must be a Tensor, a tuple or a list of ints, got {type(value).__name__}")
    if len(values) != n:
        raise ValueError(f"{what}: {name} has {len(values)} entries but the batch has {n} sequences; give one "
                         f"length per sequence")
    return values


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """The CTC loss -log p(l | x) of each target sequence under per-step class log-probabilities (formulas in the
    module docstring), with PyTorch's arguments:

        log_probs       (T, N, C) log-probabilities (a log_softmax output), or (T, C) for one sequence
        targets         (N, S) padded (row n's first target_lengths[n] entries count), or the N targets
                        concatenated, (sum(target_lengths),); class indices, not the blank
        input_lengths   (N,) steps of each sequence, each <= T: a Tensor, tuple or list of ints
        target_lengths  (N,) length of each target: a Tensor, tuple or list of ints
        blank           the blank's class index (default 0)
        reduction       'mean' (each loss divided by its target length (at least 1), then the mean over the
                        batch, as PyTorch), 'sum' or 'none' ((N,), or () for unbatched input)
        zero_infinity   an impossible target (no path produces it: longer than the input, counting the blanks
                        repeated labels need) has loss inf; with zero_infinity=True it and its gradient are 0

    Gradients flow to log_probs only, first order (a second backward raises; PyTorch has none either).
    """
    what = "ctc_loss"
    _check_reduction(reduction, what)
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"{what}: log_probs must be a Tensor, got {type(log_probs).__name__}")
    if not isinstance(targets, Tensor):
        raise TypeError(f"{what}: targets must be a Tensor, got {type(targets).__name__}")
    if log_probs.dtype.kind != "f":
        raise TypeError(f"{what}: log_probs must be floating point, got dtype {log_probs.dtype.name}")
    if log_probs.ndim not in (2, 3):
        raise ValueError(f"{what}: log_probs must be 3-D (T, N, C), or 2-D (T, C) for one sequence, got shape "
                         f"{tuple(log_probs.shape)}")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    T, N, C = lp.shape
    if isinstance(blank, bool) or not isinstance(blank, int) or not 0 <= blank < C:
        raise ValueError(f"{what}: blank={blank!r} must be in the label range [0, {C - 1}] (log_probs has C={C} "
                         f"classes)")
    if targets.ndim not in (1, 2):
        raise ValueError(f"{what}: targets must be 2-D (N, S) padded or 1-D (sum(target_lengths),) concatenated, "
                         f"got shape {tuple(targets.shape)}")
    if targets.dtype.kind not in "iuf":
        raise TypeError(f"{what}: targets must hold class indices (an integer tensor), got dtype "
                        f"{targets.dtype.name}")
    il = _lengths(input_lengths, "input_lengths", N, what)
    tl = _lengths(target_lengths, "target_lengths", N, what)
    for n, (i, u) in enumerate(zip(il, tl)):
        if not 0 <= i <= T:
            raise ValueError(f"{what}: input_lengths[{n}] = {i} is out of range: it must be in [0, {T}] (log_probs "
                             f"has T={T} steps, shape {tuple(log_probs.shape)})")
        if u < 0:
            raise ValueError(f"{what}: target_lengths[{n}] = {u} is negative")
    longest = max(tl, default=0)
    if targets.ndim == 2:
        if targets.shape[0] != N:
            raise ValueError(f"{what}: targets of shape {tuple(targets.shape)} has {targets.shape[0]} rows but the "
                             f"batch has {N} sequences (log_probs shape {tuple(log_probs.shape)})")
        if targets.shape[1] < longest:
            n = tl.index(longest)
            raise ValueError(f"{what}: target_lengths[{n}] = {longest} is longer than the padded targets (shape "
                             f"{tuple(targets.shape)}, at most {targets.shape[1]} labels per sequence)")
    elif targets.shape[0] != sum(tl):
        raise ValueError(f"{what}: concatenated targets must have sum(target_lengths) = {sum(tl)} entries, got "
                         f"{targets.shape[0]} (shape {tuple(targets.shape)})")
    backend = lp._backend
    xp = backend.xp
    if targets._backend is not backend:
        targets = targets.to(lp.device)
    tg = targets._data if targets.dtype.kind in "iu" else targets._data.astype(int64)
    il_d = xp.asarray(il, dtype=int64)
    tl_d = xp.asarray(tl, dtype=int64)
    j = xp.arange(longest, dtype=int64)[None, :]
    if targets.ndim == 2:
        labels = tg[:, :longest].astype(int64)
    else:
        starts = [0]
        for u in tl[:-1]:
            starts.append(starts[-1] + u)
        idx = xp.minimum(j, xp.maximum(tl_d - 1, 0)[:, None]) + xp.asarray(starts, dtype=int64)[:, None]
        labels = tg[xp.minimum(idx, max(tg.shape[0] - 1, 0))].astype(int64) if tg.shape[0] else \
            xp.zeros((N, longest), dtype=int64)
    labels = xp.where(j < tl_d[:, None], labels, blank)
    if labels.size:
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= C:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{what}: target label {bad} is out of range for log_probs with C={C} classes (labels "
                             f"must be in [0, {C - 1}])")
    ext = xp.full((N, 2 * longest + 1), blank, dtype=int64)
    ext[:, 1::2] = labels
    nll = CtcLoss.apply(lp, ext=ext, il=il_d, tl=tl_d, zero_infinity=bool(zero_infinity))
    if reduction == "mean":
        per_label = make_tensor(xp.asarray([max(u, 1) for u in tl], dtype=nll.dtype), backend)
        return (nll / per_label).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.squeeze(0)

"""L-BFGS: a limited-memory quasi-Newton method, with an optional strong-Wolfe line search (Nocedal, 1980)."""

import copy
import math
import numbers

from autograd_core import Tensor
from autograd_core.tensor import make_tensor

from ._functional import add_scaled, check_nonneg
from .optimizer import Optimizer, _moved

__all__ = ["LBFGS"]

_VECTORS = ("d", "prev_flat_grad")  # state holding one flat vector (all parameters end to end)
_VECTOR_LISTS = ("old_dirs", "old_stps")  # state holding a list of them


class LBFGS(Optimizer):
    r"""L-BFGS, as ``torch.optim.LBFGS`` (after minFunc). ``step(closure)`` runs up to ``max_iter``
    iterations, each evaluating ``closure`` (which must zero the gradients, compute the loss, call
    ``backward`` and return the loss) once, or several times with the line search.

    Algorithm (one iteration; g = the gradient of all parameters as one flat vector, eta = lr)::

        ------------------------------------------------------------------------------
        input: theta, f (objective, through the closure), eta, history_size m
        if first iteration ever:  d <- -g;  H <- 1;  history <- []
        else:
            y <- g - g_prev;  s <- t_prev d_prev
            if y.s > 1e-10:  keep (y, s, rho = 1 / y.s) in the history (the last m pairs);  H <- y.s / y.y
            q <- -g                                  (two-loop recursion: d = -H_k g)
            for (y_i, s_i, rho_i), newest first:  a_i <- rho_i s_i.q;  q <- q - a_i y_i
            d <- H q
            for (y_i, s_i, rho_i), oldest first:  b_i <- rho_i y_i.d;  d <- d + (a_i - b_i) s_i
        t <- min(1, 1 / ||g||_1) eta on the very first iteration, else eta
        if g.d > -tolerance_change: stop              (not a descent direction)
        if line_search_fn == "strong_wolfe":  t <- a step satisfying the strong Wolfe conditions
                                              f(theta + t d) <= f(theta) + c1 t g.d,  |g(theta + t d).d| <= c2 |g.d|
        theta <- theta + t d
        ------------------------------------------------------------------------------

    The iterations of one ``step`` stop early when max|g| <= tolerance_grad, when max|t d| or the change
    of the loss is below tolerance_change, or after ``max_eval`` evaluations of the closure. The
    lecture's Newton step theta <- theta - H^-1 grad f needs the Hessian; BFGS builds an estimate of
    its inverse from the gradient differences y along the steps s, and the limited-memory variant keeps
    only the last m pairs, applying the estimate to g with two loops over them (no n x n matrix).

    Args:
        params: an iterable of Tensors (one parameter group only, as PyTorch; all on one device).
        lr (float): learning rate (default 1).
        max_iter (int): iterations per ``step`` (default 20).
        max_eval (int): closure evaluations per ``step`` (default max_iter * 5 // 4).
        tolerance_grad (float): first-order optimality tolerance (default 1e-7).
        tolerance_change (float): tolerance on the change of the loss and of the parameters (default 1e-9).
        history_size (int): m, the number of (y, s) pairs kept (default 100).
        line_search_fn (str or None): ``"strong_wolfe"`` or None (default None: fixed step t).

    State (of the first parameter, as PyTorch): ``func_evals``, ``n_iter``, ``al``, ``d``, ``t``, ``old_dirs``,
    ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``. The vectors are tensors on the
    parameters' device; the scalars (``t``, ``ro``, ``H_diag``, ``al``) are Python floats here, where PyTorch
    keeps 0-d tensors, and they are computed in float64 whatever the parameters' dtype.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_count("max_iter", max_iter)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "history_size": history_size,
                    "line_search_fn": line_search_fn}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        for name in ("max_iter", "max_eval", "history_size"):
            _check_count(name, group[name])
        check_nonneg("tolerance_grad", "tolerance_grad value", group["tolerance_grad"])
        check_nonneg("tolerance_change", "tolerance_change value", group["tolerance_change"])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"Invalid line_search_fn: {group['line_search_fn']!r:.60} (only 'strong_wolfe' and "
                             f"None are supported)")

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups): give it one "
                             "iterable of parameters")
        super().add_param_group(param_group)

    # --- the parameters as one flat vector ---------------------------------------------------------
    def _flat_grad(self, params):
        """All gradients end to end as a new flat array (zeros for a parameter without a gradient)."""
        xp = params[0]._backend.xp
        parts = [p._grad._data.reshape(-1) if p._grad is not None else xp.zeros(p._data.size, dtype=p._data.dtype)
                 for p in params]
        return xp.concatenate(parts)

    def _add_flat(self, params, t, d):
        """theta <- theta + t d, ``d`` a flat vector."""
        offset = 0
        for p in params:
            x = p._data
            (tmp,) = self._scratch(p, 1)
            add_scaled(p._backend.xp, x, d[offset:offset + x.size].reshape(x.shape), t, tmp)
            offset += x.size

    @staticmethod
    def _set_params(params, values):
        for p, v in zip(params, values):
            p._data[...] = v

    # --- the step ------------------------------------------------------------------------------------
    def step(self, closure=None):
        """Up to ``max_iter`` L-BFGS iterations; returns the loss the closure gave at the first evaluation."""
        if closure is None:
            raise TypeError("LBFGS.step needs a closure: a function that zeroes the gradients, computes the loss, "
                            "calls backward() and returns the loss (opt.step(closure))")
        group = self.param_groups[0]
        params = group["params"]
        devices = {str(p.device) for p in params}
        if len(devices) > 1:
            raise ValueError(f"LBFGS needs all parameters on one device, got {', '.join(sorted(devices))}")
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = float(group["tolerance_grad"]), float(group["tolerance_change"])
        history_size = group["history_size"]
        xp = params[0]._backend.xp

        def evaluate():
            return float(self._closure(closure))

        state = self.state[params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        _follow_vectors(state, params[0])

        orig_loss = self._closure(closure)
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad(params)
        if _amax(xp, g) <= tol_grad:
            return orig_loss

        d = state["d"]._data if "d" in state else None
        t = state.get("t")
        old_dirs = [v._data for v in state.get("old_dirs", [])]
        old_stps = [v._data for v in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        h_diag = state.get("H_diag")
        prev_g = state["prev_flat_grad"]._data if "prev_flat_grad" in state else None
        prev_loss = state.get("prev_loss")
        tmp = xp.empty_like(g)

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = xp.negative(g)
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = xp.subtract(g, prev_g)
                s = xp.multiply(d, t)
                ys = float(xp.dot(y, s))
                if ys > 1e-10:  # keep the pair only where the curvature condition holds
                    if len(old_dirs) == history_size:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(xp.dot(y, y))
                al = state.setdefault("al", [None] * history_size)
                q = xp.negative(g)
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(xp.dot(old_stps[i], q)) * ro[i]
                    add_scaled(xp, q, old_dirs[i], -al[i], tmp)
                d = xp.multiply(q, h_diag)
                for i in range(len(old_dirs)):
                    b = float(xp.dot(old_dirs[i], d)) * ro[i]
                    add_scaled(xp, d, old_stps[i], al[i] - b, tmp)

            if prev_g is None:
                prev_g = g.copy()
            else:
                xp.copyto(prev_g, g)
            prev_loss = loss
            t = min(1.0, 1.0 / float(xp.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(xp.dot(g, d))
            if gtd > -tol_change:
                break

            used = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p._data.copy() for p in params]

                def along(step, direction=d, start=start):
                    """f and g at theta + step d; the parameters are put back afterwards."""
                    self._add_flat(params, step, direction)
                    f_at = evaluate()
                    g_at = self._flat_grad(params)
                    self._set_params(params, start)
                    return f_at, g_at

                loss, g, t, used = _strong_wolfe(xp, along, t, d, loss, g, gtd, max_ls=max_eval - evals)
                self._add_flat(params, t, d)
                converged = _amax(xp, g) <= tol_grad
            else:
                self._add_flat(params, t, d)
                if n_iter != max_iter:  # the last iteration's loss and gradient are left to the next step
                    loss = evaluate()
                    g = self._flat_grad(params)
                    converged = _amax(xp, g) <= tol_grad
                    used = 1
            evals += used
            state["func_evals"] += used

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            xp.multiply(d, t, out=tmp)
            if _amax(xp, tmp) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        backend = params[0]._backend
        state["d"] = make_tensor(d, backend)
        state["t"] = t
        state["old_dirs"] = [make_tensor(v, backend) for v in old_dirs]
        state["old_stps"] = [make_tensor(v, backend) for v in old_stps]
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = make_tensor(prev_g, backend)
        state["prev_loss"] = prev_loss
        return orig_loss

    # --- checkpoints ------------------------------------------------------------------------------
    def load_state_dict(self, state_dict):
        """As ``Optimizer.load_state_dict``; the flat vectors (not shaped like the first parameter) are
        copied onto the parameters' device and dtype."""
        vectors = {}
        saved = state_dict.get("state") if isinstance(state_dict, dict) else None
        if isinstance(saved, dict):
            plain = {}
            for key, value in saved.items():
                if isinstance(value, dict):
                    vectors[key] = {k: v for k, v in value.items() if k in _VECTORS + _VECTOR_LISTS}
                    plain[key] = {k: v for k, v in value.items() if k not in vectors[key]}
                else:
                    plain[key] = value
            state_dict = dict(state_dict, state=plain)
        super().load_state_dict(state_dict)
        saved_ids = [i for g in state_dict["param_groups"] for i in g["params"]]
        by_index = dict(zip(saved_ids, self.param_groups[0]["params"]))
        for key, found in vectors.items():
            p = by_index.get(key)
            if p is None or not found:
                continue
            loaded = self.state[p]
            for k, v in found.items():
                loaded[k] = [_copy_to(x, p) for x in v] if k in _VECTOR_LISTS else _copy_to(v, p)
            order = list(saved[key])
            self.state[p] = {k: loaded[k] for k in order if k in loaded}


# --- helpers ------------------------------------------------------------------------------------------
def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r:.60}")
    if value < 1:
        raise ValueError(f"Invalid {name} value: {value}")


def _amax(xp, v):
    return float(xp.abs(v).max())


def _copy_to(v, p):
    """A copy of ``v`` (a Tensor, else left as is) on ``p``'s device in its floating dtype."""
    if isinstance(v, Tensor):
        return _moved(v, p._backend, p._data.dtype)
    return copy.deepcopy(v)


def _follow_vectors(state, p):
    """Move/cast the flat vectors to ``p``'s device and dtype when the parameters moved."""
    backend, dt = p._backend, p._data.dtype

    def stale(v):
        return isinstance(v, Tensor) and (v._backend is not backend or v._data.dtype != dt)

    for k in _VECTORS:
        if stale(state.get(k)):
            state[k] = _copy_to(state[k], p)
    for k in _VECTOR_LISTS:
        if any(stale(v) for v in state.get(k, ())):
            state[k] = [_copy_to(v, p) for v in state[k]]


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1), (x2, f2) with slopes g1, g2, clamped to ``bounds``
    (default: between x1 and x2); the bounds' midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 ** 2 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(xp, along, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along ``d`` satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and 3.6):
    sufficient decrease f(t) <= f + c1 t gtd and curvature |g(t).d| <= c2 |gtd|. ``along(t)`` gives
    (f, flat gradient) at theta + t d. Returns (f, g, t, evaluations) at the step taken.

    A point is [t, f, g, g.d]. Phase one grows t (cubic extrapolation) until a bracket of an acceptable
    step is found; phase two (zoom) shrinks the bracket by cubic interpolation, safeguarded to keep
    away from its ends."""
    d_norm = _amax(xp, d)
    f_t, g_t = along(t)
    evals = 1
    last = [0, f, g, gtd]
    new = [t, f_t, g_t, float(xp.dot(g_t, d))]
    done = False
    it = 0
    bracket = None
    while it < max_ls:
        if new[1] > f + c1 * new[0] * gtd or (it > 1 and new[1] >= last[1]):
            bracket = [last, new]  # too far: the step lies between the last two points
            break
        if abs(new[3]) <= -c2 * gtd:
            bracket, done = [new], True  # the strong Wolfe conditions hold
            break
        if new[3] >= 0:
            bracket = [last, new]  # the slope turned positive: a minimum lies between
            break
        t_now = new[0]
        t = _cubic_min(last[0], last[1], last[3], new[0], new[1], new[3],
                       bounds=(t_now + 0.01 * (t_now - last[0]), t_now * 10))
        last = new
        f_t, g_t = along(t)
        evals += 1
        new = [t, f_t, g_t, float(xp.dot(g_t, d))]
        it += 1
    if it == max_ls:
        bracket = [[0, f, g, gtd], new]

    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    stuck = False  # the last interpolation landed too close to the bracket's ends
    while not done and it < max_ls:
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket[0][0], bracket[0][1], bracket[0][3], bracket[1][0], bracket[1][1], bracket[1][3])
        top, bottom = max(bracket[0][0], bracket[1][0]), min(bracket[0][0], bracket[1][0])
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stuck or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f_t, g_t = along(t)
        evals += 1
        it += 1
        point = [t, f_t, g_t, float(xp.dot(g_t, d))]
        if point[1] > f + c1 * t * gtd or point[1] >= bracket[low][1]:
            bracket[high] = point
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(point[3]) <= -c2 * gtd:
                done = True
            elif point[3] * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = point
    t, f_t, g_t, _ = bracket[low]
    return f_t, g_t, t, evals

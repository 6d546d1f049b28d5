"""Adafactor: Adam's second moment kept as a factored (row and column) estimate, with a relative step size
(Shazeer & Stern, 2018), in PyTorch's form (``torch.optim.Adafactor``)."""

import math

import numpy

from ._functional import check_nonneg, check_real, grad_for_update, host_scalar, lerp
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor, as ``torch.optim.Adafactor``.

    Algorithm (gamma = lr, lambda = weight_decay, RMS(v) = ||v||_2 / sqrt(numel))::

        ------------------------------------------------------------------------------
        input: theta_0, gamma, tau = beta2_decay (<= 0), (eps1, eps2), d (>= 1), lambda, maximize
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            beta2_t <- 1 - t^tau;   rho_t <- min(gamma, 1 / sqrt(t))
            alpha_t <- max(eps2, RMS(theta_{t-1})) rho_t
            theta_{t-1} <- theta_{t-1} (1 - gamma lambda)
            if theta is a matrix (or a stack of them; rows and columns are its last two dims):
                R_t <- lerp(R_{t-1}, mean_j g_ij^2, 1 - beta2_t)        (one value per row)
                C_t <- lerp(C_{t-1}, mean_i g_ij^2, 1 - beta2_t)        (one per column)
                V_t <- R_t C_t / max(mean_i R_t, eps1)
            else:
                V_t <- lerp(V_{t-1}, g_t^2, 1 - beta2_t)
            U_t <- g_t / sqrt(max(V_t, eps1^2))
            theta_t <- theta_{t-1} - alpha_t U_t / max(1, RMS(U_t) / d)
        ------------------------------------------------------------------------------

    A matrix's second moment costs m + n numbers instead of m n. The step is relative to the
    parameter's own scale (RMS(theta)), and each update's RMS is clipped at d.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): gamma (default 1e-2).
        beta2_decay (float): tau, at most 0 (default -0.8).
        eps (None or float, float): (eps1, eps2); eps1=None takes the dtype's machine epsilon
            (default (None, 1e-3)).
        d (float): the clipping threshold, at least 1 (default 1).
        weight_decay (float): lambda (default 0).
        foreach: accepted for compatibility with PyTorch.
        maximize (bool): maximize the objective (default False).

    State per parameter: ``step`` (a float32 host tensor) and ``row_var`` / ``col_var`` (a matrix) or
    ``variance`` (a vector), as PyTorch's.
    """

    _factored_state = ("row_var", "col_var")

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": tuple(eps) if isinstance(eps, list) else eps,
                    "d": d, "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_real("beta2_decay", group["beta2_decay"])
        if not float(group["beta2_decay"]) <= 0:
            raise ValueError(f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        eps = group["eps"]
        if not isinstance(eps, tuple) or len(eps) != 2:
            raise ValueError(f"eps must be a pair (eps1, eps2), got {eps!r}")
        if eps[0] is not None:
            check_real("eps[0]", eps[0])
            if not float(eps[0]) >= 0:
                raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        check_real("eps[1]", eps[1])
        if not float(eps[1]) >= 0:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        check_real("d", group["d"])
        if not float(group["d"]) >= 1:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {group['d']}")
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])

    def step(self, closure=None):
        """One Adafactor step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, wd, d, tau = float(group["lr"]), float(group["weight_decay"]), float(group["d"]), \
                float(group["beta2_decay"])
            eps1, eps2 = group["eps"]
            for p, g, state in self._grads(group):
                xp, x = p._backend.xp, p._data
                matrix = x.ndim > 1
                if not state:
                    state["step"] = host_scalar(0.0)
                    if matrix:
                        state["row_var"] = _zeros(p, x.shape[:-1] + (1,))
                        state["col_var"] = _zeros(p, x.shape[:-2] + (1, x.shape[-1]))
                    else:
                        state["variance"] = _zeros(p, x.shape)
                e1 = float(numpy.finfo(x.dtype).eps) if eps1 is None else float(eps1)
                step_t = state["step"]._data
                step_t += 1
                t = float(step_t)
                w = t ** tau  # 1 - beta2_t
                rho = min(lr, 1 / t ** 0.5)
                alpha = max(float(eps2), _rms(xp, x)) * rho
                g = grad_for_update(xp, g, x, group["maximize"], 0, xp.empty_like(x))
                if wd != 0:
                    xp.multiply(x, 1 - lr * wd, out=x)
                if matrix:
                    row, col = state["row_var"]._data, state["col_var"]._data
                    sq = g * g
                    lerp(xp, row, sq.sum(axis=-1, keepdims=True) / g.shape[-1], w, xp.empty_like(row))
                    lerp(xp, col, sq.sum(axis=-2, keepdims=True) / g.shape[-2], w, xp.empty_like(col))
                    var = xp.matmul(row, col) / xp.maximum(row.mean(axis=-2, keepdims=True), e1)
                else:
                    v = state["variance"]._data
                    lerp(xp, v, g * g, w, xp.empty_like(v))
                    var = v.copy()
                update = xp.reciprocal(xp.sqrt(xp.maximum(var, e1 * e1))) * g  # (rsqrt, then times g: PyTorch's order)
                denom = max(1.0, _rms(xp, update) / d)
                x -= (alpha / denom) * update
        return loss


def _zeros(p, shape):
    from autograd_core.tensor import make_tensor

    return make_tensor(p._backend.xp.zeros(shape, dtype=p._data.dtype), p._backend)


def _rms(xp, a):
    """||a||_2 / sqrt(numel) as a Python float (a host scalar: one synchronisation on a GPU, as PyTorch's)."""
    return float(xp.sqrt((a * a).sum())) / math.sqrt(max(a.size, 1))

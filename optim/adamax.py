"""Adamax: Adam with the infinity norm in place of the second moment (Kingma & Ba, 2015, section 7)."""

from ._functional import (
    addcdiv,
    check_adam_group,
    grad_for_update,
    host_scalar,
    lerp,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax, as ``torch.optim.Adamax``.

    Algorithm (eta = lr, lambda = weight_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, beta_1, beta_2, eps, lambda, maximize
        initialize: m_0 <- 0 (exp_avg), u_0 <- 0 (exp_inf)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            m_t <- beta_1 m_{t-1} + (1 - beta_1) g_t
            u_t <- max(beta_2 u_{t-1}, |g_t| + eps)
            theta_t <- theta_{t-1} - (eta / (1 - beta_1^t)) m_t / u_t
        ------------------------------------------------------------------------------

    Adam divides by sqrt(v_t), an exponentially weighted L2 norm of the past gradients; letting the
    norm's order p go to infinity turns that average into a decaying maximum, u_t, which needs no bias
    correction (only m_t is corrected) and makes each step's size bounded by eta / (1 - beta_1^t).
    As in PyTorch, eps is added to |g_t| inside the maximum (so u_t >= eps and never divides by
    zero), and the moment update is a lerp (m + (1 - beta_1)(g - m)).

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 2e-3).
        betas (float, float): beta_1, beta_2, each in [0, 1) (default (0.9, 0.999)).
        eps (float): added to |g_t| (default 1e-8).
        weight_decay (float): L2 penalty lambda (default 0).
        foreach, differentiable, capturable: accepted for compatibility with PyTorch; every update is
            already one vectorised pass per tensor (``differentiable=True`` is not supported).
        maximize (bool): maximize the objective (default False).

    State per parameter: ``step`` (a float32 host tensor), ``exp_avg`` and ``exp_inf``.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        if isinstance(betas, list):
            betas = tuple(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_adam_group(group)

    def step(self, closure=None):
        """One Adamax step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            maximize = group["maximize"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_inf"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp = self._scratch(p, 2)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                g = grad_for_update(xp, g, x, maximize, wd, work)
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                lerp(xp, m, g, 1 - beta1, tmp)
                xp.multiply(u, beta2, out=u)
                xp.absolute(g, out=tmp)
                xp.add(tmp, eps, out=tmp)
                xp.maximum(u, tmp, out=u)
                addcdiv(xp, x, m, u, -(lr / (1 - beta1 ** step)), tmp)
        return loss

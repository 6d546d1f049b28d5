"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020)."""

from ._functional import (
    addcmul,
    check_adam_group,
    grad_for_update,
    host_scalar,
    lerp,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam, as ``torch.optim.RAdam``.

    Algorithm (eta = lr, lambda = weight_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, beta_1, beta_2, eps, lambda,
               decoupled_weight_decay, maximize
        initialize: m_0 <- 0 (exp_avg), v_0 <- 0 (exp_avg_sq),
                    rho_inf <- 2 / (1 - beta_2) - 1
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:
                if decoupled_weight_decay:  theta_{t-1} <- (1 - eta lambda) theta_{t-1}
                else:                       g_t <- g_t + lambda theta_{t-1}
            m_t <- beta_1 m_{t-1} + (1 - beta_1) g_t
            v_t <- beta_2 v_{t-1} + (1 - beta_2) g_t^2
            m^_t <- m_t / (1 - beta_1^t)
            rho_t <- rho_inf - 2 t beta_2^t / (1 - beta_2^t)
            if rho_t > 5:
                l_t <- sqrt(1 - beta_2^t) / (sqrt(v_t) + eps)
                r_t <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                theta_t <- theta_{t-1} - eta m^_t l_t r_t
            else:
                theta_t <- theta_{t-1} - eta m^_t
        ------------------------------------------------------------------------------

    Early in training v_t averages only a few squared gradients, so Adam's adaptive learning rate
    1 / sqrt(v^_t) has a large variance (hence the usual warm-up). rho_t is the length of the simple
    moving average that v_t approximates; while it is short (rho_t <= 5, the first few steps with
    beta_2 = 0.999) RAdam takes plain bias-corrected momentum steps, and after that it multiplies the
    adaptive rate by r_t, which corrects its variance and tends to 1 as t grows. As in PyTorch, the
    step is computed as ((m^_t eta) l_t) r_t and eps is added after the square root, before the bias
    correction sqrt(1 - beta_2^t) is applied.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 1e-3).
        betas (float, float): beta_1, beta_2, each in [0, 1) (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): lambda (default 0): an L2 penalty, or decoupled (as AdamW) with
            ``decoupled_weight_decay=True``.
        decoupled_weight_decay (bool): RAdamW's decay of the weights themselves (default False).
        foreach, capturable, differentiable: accepted for compatibility with PyTorch
            (``differentiable=True`` is not supported).
        maximize (bool): maximize the objective (default False).

    State per parameter: ``step`` (a float32 host tensor), ``exp_avg`` and ``exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        if isinstance(betas, list):
            betas = tuple(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_adam_group(group)

    def step(self, closure=None):
        """One RAdam step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp, upd = self._scratch(p, 3)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                g = grad_for_update(xp, g, x, maximize, 0 if decoupled else wd, work)
                if wd != 0 and decoupled:
                    xp.multiply(x, 1 - lr * wd, out=x)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp(xp, m, g, 1 - beta1, tmp)
                xp.multiply(v, beta2, out=v)
                addcmul(xp, v, g, g, 1 - beta2, tmp)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                xp.divide(m, bias_correction1, out=upd)
                xp.multiply(upd, lr, out=upd)
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    xp.sqrt(v, out=tmp)
                    xp.add(tmp, eps, out=tmp)
                    xp.divide(bias_correction2 ** 0.5, tmp, out=tmp)  # the adaptive learning rate l_t
                    xp.multiply(upd, tmp, out=upd)
                    xp.multiply(upd, rect, out=upd)
                xp.subtract(x, upd, out=x)
        return loss

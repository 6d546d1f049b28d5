"""Adadelta: an adaptive learning rate from running averages of squared gradients and updates (Zeiler, 2012)."""

from ._functional import (
    add_scaled,
    addcmul,
    check_flags,
    check_nonneg,
    check_real,
    grad_for_update,
    host_scalar,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    Algorithm (eta = lr, lambda = weight_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, rho, eps, lambda, maximize
        initialize: v_0 <- 0 (square_avg), u_0 <- 0 (acc_delta)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            v_t <- rho v_{t-1} + (1 - rho) g_t^2
            Delta x_t <- sqrt(u_{t-1} + eps) / sqrt(v_t + eps) g_t
            u_t <- rho u_{t-1} + (1 - rho) Delta x_t^2
            theta_t <- theta_{t-1} - eta Delta x_t
        ------------------------------------------------------------------------------

    Like RMSprop it divides by the root of a moving average of squared gradients (so, unlike
    Adagrad, the step does not vanish), and it multiplies by the root of a moving average of past
    squared updates, which gives the step the units of the parameter: no learning rate is needed in
    principle (lr defaults to 1).

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): scales the update (default 1.0).
        rho (float): decay of the running averages, in [0, 1] (default 0.9).
        eps (float): added inside the square roots (default 1e-6).
        weight_decay (float): L2 penalty lambda (default 0).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable: accepted for compatibility with PyTorch.

    State per parameter: ``step`` (a float32 host tensor), ``square_avg``, ``acc_delta``.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_real("rho", group["rho"])
        if not 0.0 <= float(group["rho"]) <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']}")
        check_nonneg("eps", "epsilon value", group["eps"])
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
        check_flags(group)

    def step(self, closure=None):
        """One Adadelta step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            wd, maximize = float(group["weight_decay"]), group["maximize"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["square_avg"] = zeros_like(p)
                    state["acc_delta"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp, std, delta = self._scratch(p, 4)
                step_t = state["step"]._data
                step_t += 1
                g = grad_for_update(xp, g, x, maximize, wd, work)
                v, u = state["square_avg"]._data, state["acc_delta"]._data
                xp.multiply(v, rho, out=v)
                addcmul(xp, v, g, g, 1 - rho, tmp)
                xp.add(v, eps, out=std)
                xp.sqrt(std, out=std)
                xp.add(u, eps, out=delta)
                xp.sqrt(delta, out=delta)
                xp.divide(delta, std, out=delta)
                xp.multiply(delta, g, out=delta)
                xp.multiply(u, rho, out=u)
                addcmul(xp, u, delta, delta, 1 - rho, tmp)
                add_scaled(xp, x, delta, -lr, tmp)
        return loss


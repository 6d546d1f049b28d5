"""RMSprop: divide the gradient by a running root mean square of recent gradients (Hinton, 2012)."""

from ._functional import (
    add_scaled,
    addcdiv,
    addcmul,
    check_flags,
    check_nonneg,
    grad_for_update,
    host_scalar,
    lerp,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    Algorithm (eta = lr, lambda = weight_decay, mu = momentum)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, alpha, eps, lambda, mu, centered, maximize
        initialize: v_0 <- 0 (square_avg), b_0 <- 0 (momentum_buffer), g^ave_0 <- 0 (grad_avg)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            v_t <- alpha v_{t-1} + (1 - alpha) g_t^2
            v~_t <- v_t
            if centered:
                g^ave_t <- alpha g^ave_{t-1} + (1 - alpha) g_t
                v~_t <- v~_t - (g^ave_t)^2
            if mu > 0:
                b_t <- mu b_{t-1} + g_t / (sqrt(v~_t) + eps)
                theta_t <- theta_{t-1} - eta b_t
            else:
                theta_t <- theta_{t-1} - eta g_t / (sqrt(v~_t) + eps)
        ------------------------------------------------------------------------------

    The lecture's RMSprop: Adagrad's sum of squared gradients becomes an exponentially decaying
    average, G_{t+1} = gamma G_t + (1 - gamma) (grad f)^2 (gamma = alpha here), a memory of how far
    back to look, so the per-parameter learning rate eta / sqrt(G) no longer decays to zero.
    ``centered`` divides by an estimate of the gradient's variance instead of its second moment.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 1e-2).
        alpha (float): smoothing constant (default 0.99).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): L2 penalty lambda (default 0).
        momentum (float): momentum factor mu (default 0).
        centered (bool): normalise by the estimated variance of the gradient (default False).
        maximize (bool): maximize the objective (default False).
        capturable, foreach, differentiable: accepted for compatibility with PyTorch.

    State per parameter: ``step`` (a float32 host tensor), ``square_avg``, ``momentum_buffer`` (with
    momentum) and ``grad_avg`` (centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_nonneg("eps", "epsilon value", group["eps"])
        check_nonneg("momentum", "momentum value", group["momentum"])
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
        check_nonneg("alpha", "alpha value", group["alpha"])
        check_flags(group)

    def step(self, closure=None):
        """One RMSprop step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            wd, mom = float(group["weight_decay"]), float(group["momentum"])
            centered, maximize = group["centered"], group["maximize"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["square_avg"] = zeros_like(p)
                    if mom > 0:
                        state["momentum_buffer"] = zeros_like(p)
                    if centered:
                        state["grad_avg"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp, avg = self._scratch(p, 3)
                step_t = state["step"]._data
                step_t += 1
                g = grad_for_update(xp, g, x, maximize, wd, work)
                v = state["square_avg"]._data
                xp.multiply(v, alpha, out=v)
                addcmul(xp, v, g, g, 1 - alpha, tmp)
                if centered:
                    if "grad_avg" not in state:
                        state["grad_avg"] = zeros_like(p)
                    ga = state["grad_avg"]._data
                    lerp(xp, ga, g, 1 - alpha, tmp)
                    xp.multiply(ga, ga, out=avg)
                    xp.subtract(v, avg, out=avg)  # v + (-1 * ga) ga, exactly
                    xp.sqrt(avg, out=avg)
                else:
                    xp.sqrt(v, out=avg)
                xp.add(avg, eps, out=avg)
                if mom > 0:
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = zeros_like(p)
                    buf = state["momentum_buffer"]._data
                    xp.multiply(buf, mom, out=buf)
                    addcdiv(xp, buf, g, avg, 1, tmp)
                    add_scaled(xp, x, buf, -lr, tmp)
                else:
                    addcdiv(xp, x, g, avg, -lr, tmp)
        return loss

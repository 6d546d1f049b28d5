"""Adagrad: per-parameter learning rates from the sum of squared gradients (Duchi et al., 2011)."""

from autograd_core.tensor import make_tensor

from ._functional import addcdiv, addcmul, check_flags, check_nonneg, grad_for_update, host_scalar
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    Algorithm (eta = lr, lambda = weight_decay, tau = initial_accumulator_value)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, lr_decay, lambda, tau, eps, maximize
        initialize: G_0 <- tau (the ``sum`` state)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            eta~ <- eta / (1 + (t - 1) lr_decay)
            G_t <- G_{t-1} + g_t^2
            theta_t <- theta_{t-1} - eta~ g_t / (sqrt(G_t) + eps)
        ------------------------------------------------------------------------------

    The lecture's Adagrad: G (a diagonal matrix, stored as one array per parameter) sums the squared
    gradients, so each parameter gets its own learning rate eta / sqrt(G): large for rarely-updated
    parameters, small for often-updated ones. G only grows, so the steps shrink towards zero over time
    (RMSprop and Adadelta fix that with a moving average).

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 1e-2).
        lr_decay (float): learning-rate decay (default 0).
        weight_decay (float): L2 penalty lambda (default 0).
        initial_accumulator_value (float): the starting value of G (default 0).
        eps (float): added to the denominator (default 1e-10).
        maximize (bool): maximize the objective (default False).
        foreach, differentiable, fused: accepted for compatibility with PyTorch.

    State per parameter: ``step`` (a float32 host tensor) and ``sum``. (PyTorch creates this state for
    every parameter in the constructor; here, as in every other optimizer, it is created on the first
    step that sees a gradient, with the same values.)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_nonneg("lr_decay", "lr_decay value", group["lr_decay"])
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
        check_nonneg("initial_accumulator_value", "initial_accumulator_value value",
                     group["initial_accumulator_value"])
        check_nonneg("eps", "epsilon value", group["eps"])
        check_flags(group)

    def step(self, closure=None):
        """One Adagrad step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            wd, maximize = float(group["weight_decay"]), group["maximize"]
            init = float(group["initial_accumulator_value"])
            for p, g, state in self._grads(group):
                xp, x = p._backend.xp, p._data
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["sum"] = make_tensor(xp.full_like(x, init), p._backend)
                work, tmp, std = self._scratch(p, 3)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                g = grad_for_update(xp, g, x, maximize, wd, work)
                clr = lr / (1 + (step - 1) * lr_decay)
                s = state["sum"]._data
                addcmul(xp, s, g, g, 1, tmp)
                xp.sqrt(s, out=std)
                xp.add(std, eps, out=std)
                addcdiv(xp, x, g, std, -clr, tmp)
        return loss

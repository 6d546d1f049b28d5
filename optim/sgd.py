"""SGD: stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from autograd_core.tensor import make_tensor

from ._functional import add_scaled, check_flags, check_nonneg, check_real, grad_for_update
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Algorithm (eta = lr, lambda = weight_decay, mu = momentum, tau = dampening)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, lambda, mu, tau, nesterov, maximize
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            if mu != 0:
                if t > 1:  b_t <- mu b_{t-1} + (1 - tau) g_t
                else:      b_t <- g_t
                if nesterov:  g_t <- g_t + mu b_t
                else:         g_t <- b_t
            theta_t <- theta_{t-1} - eta g_t
        ------------------------------------------------------------------------------

    In the lecture's notation, plain gradient descent is v_{t+1} = eta grad f(theta_t),
    theta_{t+1} = theta_t - v_{t+1}. **Momentum** keeps a fraction of the previous velocity:
    v_{t+1} = gamma v_t + eta grad f(theta_t), theta_{t+1} = theta_t - v_{t+1}; with a constant
    learning rate this is the rule above with v_t = eta b_t and gamma = mu (PyTorch keeps eta outside
    the buffer, so changing the learning rate mid-run rescales the whole step). **Nesterov**
    momentum evaluates the gradient at the look-ahead point,
    v_{t+1} = gamma v_t + eta grad f(theta_t - gamma v_t); rewritten in the look-ahead variable it
    becomes the ``g_t + mu b_t`` step above (Sutskever et al., 2013). **Weight decay** is the L2
    penalty lambda/2 ||theta||^2 added to the loss: its gradient lambda theta joins g_t, so plain SGD
    gives theta <- (1 - eta lambda) theta - eta grad f(theta), shrinking the weights each step.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate eta (default 1e-3).
        momentum (float): momentum factor mu (default 0).
        dampening (float): dampening tau of the momentum (default 0).
        weight_decay (float): L2 penalty lambda (default 0).
        nesterov (bool): Nesterov momentum; needs momentum > 0 and dampening 0 (default False).
        maximize (bool): maximize the objective instead of minimizing it (default False).
        foreach, differentiable, fused: accepted for compatibility with PyTorch; every update is already
            one vectorised pass per tensor (``differentiable=True`` is not supported). On the GPU the whole
            update is one fused kernel per parameter, whatever ``fused`` says, with the same rounding.

    The buffer starts as the first gradient (not zeros), so dampening applies from the second step on.
    State per parameter (only with momentum): ``momentum_buffer``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_nonneg("momentum", "momentum value", group["momentum"])
        check_real("dampening", group["dampening"])
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening (got momentum="
                             f"{group['momentum']}, dampening={group['dampening']})")
        check_flags(group)

    def step(self, closure=None):
        """One SGD step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, wd = float(group["lr"]), float(group["weight_decay"])
            mom, damp = float(group["momentum"]), float(group["dampening"])
            nesterov, maximize = group["nesterov"], group["maximize"]
            for p, g, state in self._grads(group):
                if p._backend.fused_optimizer_updates and self._fused(p, g, state, lr, wd, mom, damp, nesterov,
                                                                       maximize):
                    continue
                xp, x = p._backend.xp, p._data
                work, tmp = self._scratch(p, 2)
                g = grad_for_update(xp, g, x, maximize, wd, work)
                if mom != 0:
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        b = g.copy()
                        state["momentum_buffer"] = make_tensor(b, p._backend)
                    else:
                        b = buf._data
                        xp.multiply(b, mom, out=b)
                        add_scaled(xp, b, g, 1 - damp, tmp)
                    if nesterov:
                        xp.multiply(b, mom, out=tmp)
                        xp.add(g, tmp, out=work)
                        g = work
                    else:
                        g = b
                add_scaled(xp, x, g, -lr, tmp)
        return loss

    @staticmethod
    def _fused(p, g, state, lr, wd, mom, damp, nesterov, maximize):
        """The whole update in one kernel where the device has it (the GPU); False to run the ops above."""
        buf = state.get("momentum_buffer")
        done, b = p._backend.sgd_update(p._data, g, None if buf is None else buf._data, lr=lr, momentum=mom,
                                        dampening=damp, weight_decay=wd, nesterov=nesterov, maximize=maximize)
        if done and mom != 0 and buf is None:
            state["momentum_buffer"] = make_tensor(b, p._backend)
        return done

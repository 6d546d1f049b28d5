"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""

from autograd_core import Tensor, dtypes
from backends import CPU

from ._functional import add_scaled, check_flags, check_nonneg, check_real, grad_for_update, host_scalar, zeros_like
from .optimizer import Optimizer, _follow

__all__ = ["ASGD"]

_SCALARS = ("eta", "mu")  # float32 host tensors, like ``step``: read as Python floats every step


class ASGD(Optimizer):
    r"""Averaged SGD, as ``torch.optim.ASGD``.

    Algorithm (eta_0 = lr, lambda = weight_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta_0, lambd, alpha, t0, lambda, maximize
        initialize: eta_1 <- eta_0 (eta), mu_1 <- 1 (mu), theta~_0 <- 0 (ax)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:  g_t <- g_t + lambda theta_{t-1}
            theta_t <- (1 - lambd eta_t) theta_{t-1} - eta_t g_t
            if mu_t != 1:  theta~_t <- theta~_{t-1} + mu_t (theta_t - theta~_{t-1})
            else:          theta~_t <- theta_t
            eta_{t+1} <- eta_0 / (1 + lambd eta_0 t)^alpha
            mu_{t+1}  <- 1 / max(1, t - t0)
        ------------------------------------------------------------------------------

    SGD with a decaying learning rate eta_t, whose iterates are also averaged from step t0 on:
    theta~ (the ``ax`` state) is the running mean of the iterates, which converges at the optimal
    rate even where the iterates themselves oscillate. The parameters keep following SGD; copy ``ax``
    into them to use the average (for evaluation, say). ``lambd`` also shrinks the weights each step.
    As in PyTorch, eta and mu are float32 (their rounding is part of the trajectory).

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): eta_0, the initial learning rate (default 1e-2).
        lambd (float): decay term (default 1e-4).
        alpha (float): power of the learning-rate decay (default 0.75).
        t0 (float): the step at which averaging starts (default 1e6).
        weight_decay (float): L2 penalty lambda (default 0).
        foreach, differentiable, capturable: accepted for compatibility with PyTorch
            (``differentiable=True`` is not supported).
        maximize (bool): maximize the objective (default False).

    State per parameter: ``step``, ``eta`` and ``mu`` (float32 host tensors: PyTorch keeps them on the
    parameter's device, but here they are read as Python floats every step, so they stay on the host
    and reading them never waits for a GPU) and ``ax``.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
                 differentiable=False, capturable=False):
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
        for name in ("lambd", "alpha", "t0"):
            check_real(name, group[name])
        check_flags(group)

    def _grads(self, group):
        """As ``Optimizer._grads``, but ``eta`` and ``mu`` stay float32 on the host when the parameter moves
        (the base class would move and cast them like an array state)."""
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            state = self.state[p]
            if state:
                arrays = {k: v for k, v in state.items() if k not in _SCALARS}
                _follow(p, arrays)
                state.update(arrays)
                _host_scalars(state)
            yield p, g._data, state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for state in self.state.values():
            if isinstance(state, dict):
                _host_scalars(state)

    def step(self, closure=None):
        """One ASGD step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        f32 = dtypes.float32.type
        for group in self.param_groups:
            lr, lambd, alpha = float(group["lr"]), float(group["lambd"]), float(group["alpha"])
            t0, wd, maximize = float(group["t0"]), float(group["weight_decay"]), group["maximize"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["eta"] = host_scalar(lr)
                    state["mu"] = host_scalar(1.0)
                    state["ax"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp = self._scratch(p, 2)
                step_t = state["step"]._data
                step_t += 1
                g = grad_for_update(xp, g, x, maximize, wd, work)
                eta_t, mu_t = state["eta"]._data, state["mu"]._data
                eta = float(eta_t)
                xp.multiply(x, 1 - lambd * eta, out=x)
                add_scaled(xp, x, g, -eta, tmp)
                ax = state["ax"]._data
                mu = float(mu_t)
                if mu != 1:
                    xp.subtract(x, ax, out=tmp)
                    xp.multiply(tmp, mu, out=tmp)
                    xp.add(ax, tmp, out=ax)
                else:
                    xp.copyto(ax, x)
                step = float(step_t)
                eta_t[...] = f32(lr / ((1 + lambd * lr * step) ** alpha))  # rounded to float32, as PyTorch
                mu_t[...] = f32(1 / max(1, step - t0))
        return loss


def _host_scalars(state):
    """Put ``eta`` and ``mu`` back as float32 host tensors (after a device move or a load cast them)."""
    for k in _SCALARS:
        v = state.get(k)
        if v is None:
            continue
        if not isinstance(v, Tensor):  # a plain number
            state[k] = host_scalar(float(v))
        elif v._backend is not CPU or v._data.dtype != dtypes.float32:
            state[k] = host_scalar(float(v._backend.to_host(v._data)))

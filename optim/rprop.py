"""Rprop: resilient backpropagation, a per-weight step size driven by the sign of the gradient only
(Riedmiller & Braun, 1993)."""

from autograd_core.tensor import make_tensor

from ._functional import check_flags, check_nonneg, check_real, grad_for_update, host_scalar, zeros_like
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop, as ``torch.optim.Rprop``.

    Algorithm (eta = lr, (eta_-, eta_+) = etas, (Gamma_min, Gamma_max) = step_sizes)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, eta_-, eta_+, Gamma_min, Gamma_max, maximize
        initialize: g_0^prev <- 0 (prev), eta_0 <- eta (step_size, one per weight)
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            for each weight i:
                if   g_t,i g_{t-1,i}^prev > 0:  eta_t,i <- min(eta_{t-1,i} eta_+, Gamma_max)
                elif g_t,i g_{t-1,i}^prev < 0:  eta_t,i <- max(eta_{t-1,i} eta_-, Gamma_min)
                                                g_t,i <- 0
                else:                            eta_t,i <- clamp(eta_{t-1,i}, Gamma_min, Gamma_max)
            theta_t <- theta_{t-1} - sign(g_t) eta_t
            g_t^prev <- g_t
        ------------------------------------------------------------------------------

    Only the sign of each partial derivative is used: while it keeps its sign the weight's step grows
    by eta_+, and when it flips (a minimum was jumped over) the step shrinks by eta_- and that weight
    rests for one step (its remembered gradient is set to 0, so the next step neither grows nor
    shrinks it). Meant for full-batch training: mini-batch noise flips signs at random.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): the initial step size of every weight (default 1e-2).
        etas (float, float): (eta_-, eta_+), with 0 < eta_- < 1 < eta_+ (default (0.5, 1.2)).
        step_sizes (float, float): (Gamma_min, Gamma_max), the bounds of a step size (default (1e-6, 50)).
            Here they must satisfy 0 <= Gamma_min <= Gamma_max (PyTorch does not check them).
        capturable, foreach, differentiable: accepted for compatibility with PyTorch
            (``differentiable=True`` is not supported).
        maximize (bool): maximize the objective (default False).

    State per parameter: ``step`` (a float32 host tensor), ``prev`` and ``step_size``.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        etas = tuple(etas) if isinstance(etas, list) else etas
        step_sizes = tuple(step_sizes) if isinstance(step_sizes, list) else step_sizes
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_nonneg("lr", "learning rate", group["lr"])
        for name in ("etas", "step_sizes"):
            pair = group[name]
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"{name} must be a pair of numbers, got {pair!r:.60}")
            for i, value in enumerate(pair):
                check_real(f"{name}[{i}]", value)
        eta_minus, eta_plus = (float(e) for e in group["etas"])
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(f"Invalid eta values: {group['etas'][0]}, {group['etas'][1]}")
        low, high = (float(s) for s in group["step_sizes"])
        if not 0.0 <= low <= high:
            raise ValueError(f"Invalid step_sizes: {group['step_sizes'][0]}, {group['step_sizes'][1]} "
                             f"(need 0 <= min <= max)")
        check_flags(group)

    def step(self, closure=None):
        """One Rprop step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            eta_minus, eta_plus = (float(e) for e in group["etas"])
            low, high = (float(s) for s in group["step_sizes"])
            maximize = group["maximize"]
            for p, g, state in self._grads(group):
                xp, x = p._backend.xp, p._data
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["prev"] = zeros_like(p)
                    state["step_size"] = make_tensor(xp.full_like(x, float(group["lr"])), p._backend)
                work, factor, tmp = self._scratch(p, 3)
                step_t = state["step"]._data
                step_t += 1
                g = grad_for_update(xp, g, x, maximize, 0, work)
                prev, size = state["prev"]._data, state["step_size"]._data
                xp.multiply(g, prev, out=factor)
                xp.sign(factor, out=factor)  # +1 same sign, -1 flipped, 0 either is zero (NaN stays NaN)
                xp.copyto(factor, eta_plus, where=factor > 0)
                xp.copyto(factor, eta_minus, where=factor < 0)
                xp.copyto(factor, 1.0, where=factor == 0)
                xp.multiply(size, factor, out=size)
                xp.clip(size, low, high, out=size)
                xp.copyto(prev, g)  # the gradient this step uses, remembered with flipped entries zeroed
                xp.copyto(prev, 0.0, where=factor == eta_minus)
                xp.sign(prev, out=tmp)
                xp.multiply(tmp, size, out=tmp)
                xp.subtract(x, tmp, out=x)
        return loss

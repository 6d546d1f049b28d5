"""NAdam: Adam with Nesterov momentum (Dozat, 2016)."""

from autograd_core import dtypes

from ._functional import (
    addcdiv,
    addcmul,
    check_adam_group,
    check_nonneg,
    grad_for_update,
    host_scalar,
    lerp,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    Algorithm (eta = lr, lambda = weight_decay, psi = momentum_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, beta_1, beta_2, eps, lambda, psi,
               decoupled_weight_decay, maximize
        initialize: m_0 <- 0, v_0 <- 0, mu_product_0 <- 1
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:
                if decoupled_weight_decay:  theta_{t-1} <- (1 - eta lambda) theta_{t-1}
                else:                       g_t <- g_t + lambda theta_{t-1}
            mu_t     <- beta_1 (1 - 0.5 * 0.96^(t psi))
            mu_{t+1} <- beta_1 (1 - 0.5 * 0.96^((t + 1) psi))
            mu_product_t <- mu_product_{t-1} mu_t
            m_t <- beta_1 m_{t-1} + (1 - beta_1) g_t
            v_t <- beta_2 v_{t-1} + (1 - beta_2) g_t^2
            d_t <- sqrt(v_t / (1 - beta_2^t)) + eps
            theta_t <- theta_{t-1} - eta (1 - mu_t) / (1 - mu_product_t) g_t / d_t
                                   - eta mu_{t+1} / (1 - mu_product_t mu_{t+1}) m_t / d_t
        ------------------------------------------------------------------------------

    The Nesterov idea of the lecture (take the gradient at the point the momentum is about to carry
    you to) applied to Adam: the step mixes the current gradient with the *next* step's momentum
    coefficient mu_{t+1}, and the warming momentum schedule mu_t (psi = momentum_decay) grows towards
    beta_1.

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 2e-3).
        betas (float, float): beta_1, beta_2 in [0, 1) (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): lambda (default 0).
        momentum_decay (float): psi (default 4e-3).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW (NAdamW) (default False).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable: accepted for compatibility with PyTorch.

    State per parameter: ``step`` and ``mu_product`` (float32 host tensors: PyTorch keeps the running
    product in float32 too, and the trajectory depends on that rounding), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        if isinstance(betas, list):
            betas = tuple(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_adam_group(group)
        check_nonneg("momentum_decay", "momentum_decay value", group["momentum_decay"])

    def step(self, closure=None):
        """One NAdam step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        f32 = dtypes.float32.type
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            psi, maximize = float(group["momentum_decay"]), group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["mu_product"] = host_scalar(1.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                work, tmp, denom = self._scratch(p, 3)
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                bias_correction2 = 1 - beta2 ** step
                g = grad_for_update(xp, g, x, maximize, 0 if decoupled else wd, work)
                if wd != 0 and decoupled:
                    xp.multiply(x, 1 - lr * wd, out=x)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mu_product = state["mu_product"]._data
                mu_product *= f32(mu)  # float32 * float32(mu), rounded to float32 as PyTorch does
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp(xp, m, g, 1 - beta1, tmp)
                xp.multiply(v, beta2, out=v)
                addcmul(xp, v, g, g, 1 - beta2, tmp)
                xp.divide(v, bias_correction2, out=denom)
                xp.sqrt(denom, out=denom)
                xp.add(denom, eps, out=denom)
                mp = float(mu_product)
                mu_product_next = mp * mu_next
                addcdiv(xp, x, g, denom, -lr * (1.0 - mu) / (1.0 - mp), tmp)
                addcdiv(xp, x, m, denom, (-lr * mu_next) / (1.0 - mu_product_next), tmp)
        return loss

"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

from ._functional import (
    addcdiv,
    addcmul,
    check_adam_group,
    grad_for_update,
    host_scalar,
    lerp,
    zeros_like,
)
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    Algorithm (eta = lr, lambda = weight_decay)::

        ------------------------------------------------------------------------------
        input: theta_0 (params), f (objective), eta, beta_1, beta_2, eps, lambda,
               amsgrad, maximize, decoupled_weight_decay
        initialize: m_0 <- 0 (first moment), v_0 <- 0 (second moment), v_0^max <- 0
        for t = 1, 2, ...:
            g_t <- grad f(theta_{t-1})                 (-grad f if maximize)
            if lambda != 0:
                if decoupled_weight_decay:  theta_{t-1} <- (1 - eta lambda) theta_{t-1}
                else:                       g_t <- g_t + lambda theta_{t-1}
            m_t <- beta_1 m_{t-1} + (1 - beta_1) g_t
            v_t <- beta_2 v_{t-1} + (1 - beta_2) g_t^2
            m^_t <- m_t / (1 - beta_1^t)
            if amsgrad:
                v_t^max <- max(v_{t-1}^max, v_t)
                v^_t <- v_t^max / (1 - beta_2^t)
            else:
                v^_t <- v_t / (1 - beta_2^t)
            theta_t <- theta_{t-1} - eta m^_t / (sqrt(v^_t) + eps)
        ------------------------------------------------------------------------------

    In the lecture's notation M_t = beta_1 M_{t-1} + (1 - beta_1) grad f keeps the momentum and
    G_t = beta_2 G_{t-1} + (1 - beta_2) (grad f)^2 the per-parameter scale; both are bias-corrected
    (M^_t = M_t / (1 - beta_1^t), G^_t = G_t / (1 - beta_2^t)) before theta <- theta - eta M^ / (sqrt(G^) + eps).
    As in PyTorch the step is computed as theta - (eta / (1 - beta_1^t)) m_t / (sqrt(v_t) / sqrt(1 - beta_2^t)
    + eps), and the moment update is a lerp (m + (1 - beta_1)(g - m)).

    Args:
        params: an iterable of Tensors or of param-group dicts.
        lr (float): learning rate (default 1e-3).
        betas (float, float): beta_1, beta_2, each in [0, 1) (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): lambda (default 0): an L2 penalty, or decoupled (AdamW) with
            ``decoupled_weight_decay=True``.
        amsgrad (bool): the AMSGrad variant (default False).
        maximize (bool): maximize the objective (default False).
        foreach, capturable, differentiable, fused: accepted for compatibility with PyTorch. On the GPU
            the whole update is one fused kernel per parameter, whatever ``fused`` says, with the same
            rounding as the separate ops.
        decoupled_weight_decay (bool): AdamW's decay (default False).

    State per parameter: ``step`` (a float32 host tensor), ``exp_avg``, ``exp_avg_sq`` and, with
    amsgrad, ``max_exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(betas, list):
            betas = tuple(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    @staticmethod
    def _validate(group):
        check_adam_group(group)

    def step(self, closure=None):
        """One Adam step on every parameter that has a gradient; returns the closure's loss (or None)."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, eps, wd = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad, maximize, decoupled = group["amsgrad"], group["maximize"], group["decoupled_weight_decay"]
            for p, g, state in self._grads(group):
                if not state:
                    state["step"] = host_scalar(0.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_like(p)
                xp, x = p._backend.xp, p._data
                step_t = state["step"]._data
                step_t += 1
                step = float(step_t)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = zeros_like(p)
                if p._backend.fused_optimizer_updates and p._backend.adam_update(
                        x, g, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                        state["max_exp_avg_sq"]._data if amsgrad else None, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                        weight_decay=wd, decoupled=decoupled, amsgrad=amsgrad, maximize=maximize, step=step):
                    continue  # the whole update in one kernel (the GPU)
                work, tmp, denom = self._scratch(p, 3)
                g = grad_for_update(xp, g, x, maximize, 0 if decoupled else wd, work)
                if wd != 0 and decoupled:
                    xp.multiply(x, 1 - lr * wd, out=x)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp(xp, m, g, 1 - beta1, tmp)
                xp.multiply(v, beta2, out=v)
                addcmul(xp, v, g, g, 1 - beta2, tmp)
                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    vmax = state["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    xp.sqrt(vmax, out=denom)
                else:
                    xp.sqrt(v, out=denom)
                xp.divide(denom, bias_correction2_sqrt, out=denom)
                xp.add(denom, eps, out=denom)
                addcdiv(xp, x, m, denom, -step_size, tmp)
        return loss


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    The same algorithm as :class:`Adam` with ``decoupled_weight_decay=True``: instead of adding the L2
    gradient lambda theta to g_t (where Adam's per-parameter scaling would weaken it), every step first
    shrinks the weights, theta <- (1 - eta lambda) theta, then takes the Adam step with the plain
    gradient (Loshchilov & Hutter, 2019)::

        theta_{t-1} <- (1 - eta lambda) theta_{t-1}
        m_t <- beta_1 m_{t-1} + (1 - beta_1) g_t;   v_t <- beta_2 v_{t-1} + (1 - beta_2) g_t^2
        theta_t <- theta_{t-1} - eta (m_t / (1 - beta_1^t)) / (sqrt(v_t / (1 - beta_2^t)) + eps)
                   (v_t^max in place of v_t with amsgrad)

    Args: as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _fix_loaded_groups(self, groups):
        for group in groups:
            group["decoupled_weight_decay"] = True

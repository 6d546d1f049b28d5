"""The in-place update primitives and hyperparameter checks the optimizers share.

Each primitive does one PyTorch tensor operation on raw arrays (NumPy or CuPy, through ``xp``) in
PyTorch's order of operations, writing into a state array or a scratch array from
``Optimizer._scratch``, so an update step allocates nothing.
"""

import numbers

from autograd_core import Tensor, dtypes
from autograd_core.tensor import make_tensor
from backends import CPU


# --- state -----------------------------------------------------------------------------------------
def host_scalar(value):
    """A float32 0-d tensor on the host (a step counter)."""
    return make_tensor(CPU.asarray(value, dtype=dtypes.float32), CPU)


def zeros_like(p):
    return make_tensor(p._backend.xp.zeros_like(p._data), p._backend)


# --- updates ---------------------------------------------------------------------------------------
def grad_for_update(xp, g, x, maximize, weight_decay, out):
    """The gradient an update uses: -g if maximize, then + weight_decay * x (the L2 penalty's gradient).
    Returns ``g`` itself (never written) when neither applies, else ``out``."""
    if weight_decay != 0:
        xp.multiply(x, weight_decay, out=out)
        if maximize:
            xp.subtract(out, g, out=out)  # (-g) + wd x, exactly
        else:
            xp.add(g, out, out=out)
        return out
    if maximize:
        xp.negative(g, out=out)
        return out
    return g


def add_scaled(xp, target, t, alpha, tmp):
    """target <- target + alpha t (``torch.add_(t, alpha=alpha)``)."""
    if alpha == 1:
        xp.add(target, t, out=target)
    else:
        xp.multiply(t, alpha, out=tmp)
        xp.add(target, tmp, out=target)


def lerp(xp, start, end, weight, tmp):
    """start <- lerp(start, end, weight) in place, as ``torch.lerp``:
    start + w (end - start) for |w| < 0.5, else end - (end - start)(1 - w)."""
    xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        xp.multiply(tmp, weight, out=tmp)
        xp.add(start, tmp, out=start)
    else:
        xp.multiply(tmp, 1.0 - weight, out=tmp)
        xp.subtract(end, tmp, out=start)


def addcmul(xp, target, t1, t2, value, tmp):
    """target <- target + (value t1) t2 in place (``torch.addcmul_``)."""
    if value == 1:
        xp.multiply(t1, t2, out=tmp)
    else:
        xp.multiply(t1, value, out=tmp)
        xp.multiply(tmp, t2, out=tmp)
    xp.add(target, tmp, out=target)


def addcdiv(xp, target, t1, t2, value, tmp):
    """target <- target + (value t1) / t2 in place (``torch.addcdiv_``)."""
    if value == 1:
        xp.divide(t1, t2, out=tmp)
    else:
        xp.multiply(t1, value, out=tmp)
        xp.divide(tmp, t2, out=tmp)
    xp.add(target, tmp, out=target)


def check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, Tensor) and value.numel() == 1:
            return
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r:.60}")


def check_nonneg(name, label, value):
    """ValueError "Invalid <label>: <value>" unless 0 <= value (NaN fails too)."""
    check_real(name, value)
    if not 0.0 <= float(value):
        raise ValueError(f"Invalid {label}: {value}")


def check_betas(betas):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r:.60}")
    for i, b in enumerate(betas):
        check_real(f"betas[{i}]", b)
        if not 0.0 <= float(b) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b}")


def check_adam_group(group):
    """The hyperparameters Adam's family shares: lr, eps and weight_decay >= 0, betas in [0, 1), and the
    implementation switches (ValueError naming a bad value)."""
    check_nonneg("lr", "learning rate", group["lr"])
    check_nonneg("eps", "epsilon value", group["eps"])
    check_betas(group["betas"])
    check_nonneg("weight_decay", "weight_decay value", group["weight_decay"])
    check_flags(group)


def check_flags(group):
    """The PyTorch implementation switches are accepted (so state dicts and calls port) but only their
    defaults mean anything here: every update is already one vectorised pass per tensor."""
    if group.get("differentiable"):
        raise NotImplementedError("differentiable=True (differentiating through the optimizer step) is not "
                                  "supported; the update runs under no_grad on the raw arrays")

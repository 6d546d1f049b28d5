"""``autograd_core.autograd``, as ``torch.autograd``: the same functions under the names PyTorch code uses.

    dx, = ag.autograd.grad(y, x, create_graph=True)
    ag.autograd.gradcheck(f, (x,))
    with ag.autograd.set_grad_enabled(False): ...

``Function`` is the engine's: ``forward`` computes on arrays and saves what ``backward`` needs on
``self``; ``backward`` returns one gradient (a Tensor) per input (see ``autograd_core.function``). PyTorch's
form, static ``forward(ctx, ...)`` / ``backward(ctx, ...)`` on Tensors with a ``FunctionCtx``, runs too.
``functional`` has ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp`` and ``hvp``.
"""

from . import functional
from .engine import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import detect_anomaly, enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["backward", "grad", "functional", "Function", "FunctionCtx", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "detect_anomaly"]

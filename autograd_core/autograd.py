"""``autograd_core.autograd``, as ``torch.autograd``: the same functions under the names PyTorch code uses.

    dx, = ag.autograd.grad(y, x, create_graph=True)
    ag.autograd.gradcheck(f, (x,))
    with ag.autograd.set_grad_enabled(False): ...

``Function`` is the engine's: ``forward`` computes on arrays and saves what ``backward`` needs on
``self``; ``backward`` returns one gradient (a Tensor) per input (see ``autograd_core.function``). PyTorch's
form, static ``forward(ctx, ...)`` / ``backward(ctx, ...)`` on Tensors with a ``FunctionCtx``, runs too, and
``once_differentiable`` marks such a backward as not differentiable again.
``functional`` has ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``vhp`` and ``hvp``.
"""

import sys as _sys

from . import function, functional
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import detect_anomaly, enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

# ``from autograd_core.autograd.function import once_differentiable`` (PyTorch's module path) imports
_sys.modules[__name__ + ".function"] = function

__all__ = ["backward", "grad", "functional", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "detect_anomaly"]

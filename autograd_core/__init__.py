"""autograd_core: a reverse-mode automatic differentiation engine with PyTorch's names.

    import autograd_core as ag
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad          # tensor([2., 4., 6.])

The pieces, read top to bottom: ``tensor`` (the data model), ``function`` (an op and its graph
node), ``engine`` (backward), ``grad_mode``, ``ops`` (every operation), ``factories``,
``gradcheck``, ``serialization``, ``random``; ``autograd`` and ``cuda`` give PyTorch's ``torch.autograd`` and
``torch.cuda`` names.
"""

from backends import Device, available_devices, is_cuda_available
from backends import parse_device as device
from backends.blas_threads import get_num_threads, set_num_threads

from . import _methods, amp, autograd, cuda, distributions, func, linalg, ops
from .checkpoint import load_checkpoint, save_checkpoint
from .dlpack import from_dlpack
from .dtypes import (
                     bool_,
                     double,
                     finfo,
                     float,
                     float16,
                     float32,
                     float64,
                     get_default_dtype,
                     half,
                     iinfo,
                     int,
                     int8,
                     int16,
                     int32,
                     int64,
                     long,
                     set_default_dtype,
                     short,
                     uint8,
)
from .engine import backward, grad
from .factories import (
                     BoolTensor,
                     DoubleTensor,
                     FloatTensor,
                     IntTensor,
                     LongTensor,
                     arange,
                     as_tensor,
                     empty,
                     empty_like,
                     eye,
                     from_numpy,
                     full,
                     full_like,
                     linspace,
                     ones,
                     ones_like,
                     rand,
                     rand_like,
                     randint,
                     randn,
                     randn_like,
                     randperm,
                     tensor,
                     zeros,
                     zeros_like,
)
from .function import Function
from .grad_mode import (
                     detect_anomaly,
                     enable_grad,
                     inference_mode,
                     is_anomaly_enabled,
                     is_grad_enabled,
                     no_grad,
                     set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F401,F403  (every op: exp, sum, matmul, ...)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .sampling import bernoulli, multinomial, normal
from .serialization import CheckpointError, load, save
from .tensor import Tensor

_methods.attach()

bool = bool_  # PyTorch's spelling (shadows the builtin inside this namespace only)

__version__ = "0.1.0"

"""nn.utils, as ``torch.nn.utils``: gradient clipping, flattening parameters to one vector, and ``rnn``
(``pad_sequence``).

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""

from autograd_core.clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm

from . import rnn
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector", "rnn",
           "vector_to_parameters"]

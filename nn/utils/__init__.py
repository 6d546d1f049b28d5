"""nn.utils, as ``torch.nn.utils``: gradient clipping, flattening parameters to one vector, ``rnn``
(``pad_sequence``), parametrizations (``parametrize``, ``parametrizations.weight_norm`` / ``spectral_norm``, and
the older hook-based ``weight_norm`` / ``spectral_norm``), BatchNorm fusion, and ``stateless.functional_call``.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()
"""

from autograd_core.clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm

from . import parametrizations, parametrize, rnn, stateless, swa_utils
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "get_total_norm", "parameters_to_vector", "parametrizations", "parametrize",
           "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm", "stateless", "swa_utils",
           "vector_to_parameters", "weight_norm"]

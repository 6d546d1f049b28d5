"""nn.functional: the functional form of every layer, and the losses (``import nn.functional as F``)."""

from .activation import cos, elu, gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh
from .conv import conv1d, conv2d
from .dropout import dropout, dropout2d
from .embedding import embedding, one_hot
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    multi_margin_loss,
    nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
)
from .normalization import batch_norm, cosine_similarity, layer_norm, normalize
from .pooling import adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def pad(input, pad, mode="constant", value=0.0):
    """Pad the last dimensions: ``pad`` lists (left, right) pairs from the last dimension backwards."""
    import autograd_core as ag

    return ag.pad(input, pad, mode=mode, value=value)

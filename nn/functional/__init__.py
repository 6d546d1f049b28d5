"""nn.functional: the functional form of every layer, and the losses (``import nn.functional as F``)."""

from .activation import (
    celu,
    cos,
    elu,
    gelu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .aliases import (
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu_,
    selu_,
    threshold_,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .attention import scaled_dot_product_attention
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold
from .conv3d_ops import conv3d, conv_transpose3d
from .ctc import ctc_loss
from .distance import cdist, cosine_similarity, normalize, pairwise_distance
from .dropout import dropout, dropout2d
from .dropout3d_ops import dropout3d
from .embedding import embedding, one_hot
from .embedding_bag import embedding_bag
from .grid_sample import affine_grid, grid_sample
from .linear import linear
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_embedding_loss,
    multi_margin_loss,
    nll_loss,
    soft_margin_loss,
)
from .loss_extra import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    margin_ranking_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    triplet_margin_loss,
)
from .loss_regression import huber_loss, kl_div, l1_loss, mse_loss, smooth_l1_loss
from .more_layers import (
    alpha_dropout,
    bilinear,
    channel_shuffle,
    dropout1d,
    feature_alpha_dropout,
    gumbel_softmax,
    hardshrink,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    pdist,
    rrelu,
    softshrink,
)
from .more_losses import triplet_margin_with_distance_loss
from .normalization import batch_norm
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .pooling3d import (
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    avg_pool3d,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)
from .sample_norm import group_norm, instance_norm, layer_norm, rms_norm
from .unpool import max_pool1d_with_indices, max_pool2d_with_indices, max_unpool1d, max_unpool2d
from .upsampling import interpolate, pixel_shuffle, pixel_unshuffle


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def pad(input, pad, mode="constant", value=0.0):
    """Pad the last dimensions: ``pad`` lists (left, right) pairs from the last dimension backwards."""
    import autograd_core as ag

    return ag.pad(input, pad, mode=mode, value=value)

"""nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval (and their weight forms), as PyTorch's: an eval-mode
BatchNorm folded into the preceding convolution or linear layer.

    BN(h) = gamma (h - mu) / sqrt(var + eps) + beta,  h = W x + b:
    W' = W * s (s = gamma / sqrt(var + eps), per output channel),  b' = (b - mu) s + beta
"""

import copy

from autograd_core import no_grad, zeros

from ..parameter import Parameter


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(W', b') as Parameters (see the module docstring); ``transpose``: a transposed convolution's weight,
    whose output channels are its second dim."""
    with no_grad():
        if conv_b is None:
            conv_b = zeros(bn_rm.shape, dtype=bn_rm.dtype, device=bn_rm.device)
        if bn_w is None:
            bn_w = bn_rm * 0 + 1
        if bn_b is None:
            bn_b = bn_rm * 0
        scale = bn_w / (bn_rv + bn_eps).sqrt()
        shape = [1] * conv_w.ndim
        shape[1 if transpose else 0] = -1
        w = (conv_w * scale.reshape(shape)).to(conv_w.dtype)
        b = ((conv_b - bn_rm) * scale + bn_b).to(conv_w.dtype)
    return Parameter(w, requires_grad=conv_w.requires_grad), Parameter(b, requires_grad=conv_w.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of ``conv`` with ``bn`` (both in eval mode) folded into its weight and bias."""
    if conv.training or bn.training:
        raise RuntimeError("fuse_conv_bn_eval: only works in eval mode (call .eval() on both modules first)")
    if bn.running_mean is None:
        raise RuntimeError("fuse_conv_bn_eval: the BatchNorm must track running statistics")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(W', b') as Parameters for a linear layer followed by a BatchNorm1d."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of ``linear`` with ``bn`` (both in eval mode) folded into its weight and bias."""
    if linear.training or bn.training:
        raise RuntimeError("fuse_linear_bn_eval: only works in eval mode (call .eval() on both modules first)")
    if linear.out_features != bn.num_features:
        raise ValueError(f"fuse_linear_bn_eval: the linear layer's out_features ({linear.out_features}) must equal "
                         f"the BatchNorm's num_features ({bn.num_features})")
    if bn.running_mean is None:
        raise RuntimeError("fuse_linear_bn_eval: the BatchNorm must track running statistics")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused

"""Scaled dot-product attention (Vaswani et al., 2017), PyTorch's ``F.scaled_dot_product_attention``.

For queries Q (..., L, E), keys K (..., S, E) and values V (..., S, Ev):

    H = Q K^T * scale + B                     scores, (..., L, S); scale = 1/sqrt(E) unless given
    A = softmax(H) along S                    attention weights, each row sums to 1
    Y = A V                                   the output, (..., L, Ev)

B is the additive bias made from the masks: 0 where query i may attend to key j and -inf where it
may not, so exp(-inf) = 0 removes that key from the row's softmax. Built from differentiable ops
(matmul, softmax, where, dropout), so with e = dL/dY:

    dL/dV = A^T e,   dL/dA = e V^T,   dL/dH = A * (dL/dA - sum_j dL/dA_j A_j),
    dL/dQ = dL/dH K * scale,   dL/dK = dL/dH^T Q * scale

and gradients of every order follow.
"""

import math

import autograd_core as ag
from autograd_core import Tensor

from .dropout import _check_p, dropout

NEG_INF = float("-inf")


def _check_qkv(query, key, value, what):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: {name} must be a Tensor, got {type(t).__name__}")
        if t.dtype.kind != "f":
            raise TypeError(f"{what}: {name} must be floating point, got dtype {t.dtype.name}")
        if t.ndim < 2:
            raise ValueError(f"{what}: {name} must have at least 2 dimensions (..., length, features), got shape "
                             f"{tuple(t.shape)}")
    if not query.dtype == key.dtype == value.dtype:
        raise TypeError(f"{what}: query, key and value must share a dtype, got {query.dtype.name}, "
                        f"{key.dtype.name} and {value.dtype.name}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{what}: query and key must have the same last dimension E, got query shape "
                         f"{tuple(query.shape)} and key shape {tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{what}: key and value must have the same length S (dim -2), got key shape "
                         f"{tuple(key.shape)} and value shape {tuple(value.shape)}")


def _broadcastable(shape, target):
    if len(shape) > len(target):
        return False
    return all(a == 1 or a == b for a, b in zip(reversed(shape), reversed(target)))


def causal_mask(L, S, device=None):
    """The bool (L, S) mask of causal attention: query i may attend to keys j <= i (top-left aligned)."""
    rows = ag.arange(L, device=device).reshape(L, 1)
    cols = ag.arange(S, device=device).reshape(1, S)
    return rows >= cols


def masked_softmax(scores, safe=True):
    """softmax along the last dimension, stable (shifted by the row's maximum).

    A row whose scores are all -inf (every key masked out) has no defined softmax: with ``safe`` it
    becomes a row of zeros (with zero gradient), as PyTorch's scaled_dot_product_attention since 2.5;
    without it the row is NaN, as a plain softmax (and PyTorch's MultiheadAttention with need_weights).
    """
    if not safe:
        return ag.softmax(scores, -1)
    dead = scores.detach().amax(dim=-1, keepdim=True) == NEG_INF
    weights = ag.softmax(ag.where(dead, 0.0, scores), -1)
    return ag.where(dead, 0.0, weights)


def attention(query, key, value, bias=None, mask=None, scale=1.0, dropout_p=0.0, safe=True):
    """(Y, A) for scores H = Q K^T * scale + bias, with H = -inf where the bool ``mask`` is False.

    The shared core of ``scaled_dot_product_attention`` and ``nn.MultiheadAttention``; the arguments are
    assumed checked. A is returned after dropout (it is what multiplies V), as PyTorch returns it.
    """
    scores = ag.matmul(query, key.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    if mask is not None:
        scores = ag.masked_fill(scores, ag.logical_not(mask), NEG_INF)
    weights = masked_softmax(scores, safe) if (bias is not None or mask is not None) else ag.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return ag.matmul(weights, value), weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """Y = softmax(Q K^T * scale + B) V for query (..., L, E), key (..., S, E), value (..., S, Ev).

    Any number of leading batch dimensions (broadcast between query, key and value) is allowed; the
    result has shape (..., L, Ev).

    ``attn_mask`` (broadcastable to (..., L, S)): a bool mask says which keys take part (True = attend,
    False = masked out, B = -inf there); a float mask (the query's dtype) is added to the scores as B.
    ``is_causal``: query i attends to keys j <= i only (the (L, S) lower triangle; not with ``attn_mask``).
    ``scale``: the factor on Q K^T, 1/sqrt(E) when None. ``dropout_p``: dropout on the weights A, applied
    whenever it is positive, as PyTorch (pass 0.0 in evaluation).

    A query row whose keys are all masked out gives zeros (and zero gradients), as PyTorch does, not NaN.
    """
    what = "scaled_dot_product_attention"
    _check_qkv(query, key, value, what)
    _check_p(dropout_p, what)
    L, S = query.shape[-2], key.shape[-2]
    scores_shape = tuple(query.shape[:-2]) + (L, S)
    bias = mask = None
    if attn_mask is not None:
        if is_causal:
            raise ValueError(f"{what}: pass either attn_mask or is_causal=True, not both (attn_mask shape "
                             f"{tuple(attn_mask.shape)})")
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"{what}: attn_mask must be a Tensor, got {type(attn_mask).__name__}")
        if attn_mask.dtype.kind == "b":
            mask = attn_mask
        elif attn_mask.dtype == query.dtype:
            bias = attn_mask
        else:
            raise TypeError(f"{what}: attn_mask must be bool or the query's dtype {query.dtype.name}, got "
                            f"{attn_mask.dtype.name}")
        if not _broadcastable(tuple(attn_mask.shape), scores_shape):
            raise ValueError(f"{what}: attn_mask of shape {tuple(attn_mask.shape)} can't be broadcast to the "
                             f"scores' shape {scores_shape} (query {tuple(query.shape)}, key {tuple(key.shape)})")
    elif is_causal:
        mask = causal_mask(L, S, device=query.device)
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    elif isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise TypeError(f"{what}: scale must be a number or None, got {type(scale).__name__} ({scale!r})")
    out, _ = attention(query, key, value, bias=bias, mask=mask, scale=float(scale), dropout_p=dropout_p)
    return out

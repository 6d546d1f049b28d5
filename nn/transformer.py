"""Transformer encoder and decoder layers and stacks, PyTorch's ``nn.TransformerEncoderLayer``,
``nn.TransformerEncoder``, ``nn.TransformerDecoderLayer`` and ``nn.TransformerDecoder``, with the same
submodule names, so state_dict keys agree (``layers.0.self_attn.in_proj_weight``, ``layers.0.linear1.weight``,
``layers.0.norm1.weight``, ...).

An encoder layer, with SA the multi-head self-attention, FF(x) = W_2 g(W_1 x + b_1) + b_2 (g = relu or gelu),
LN layer normalization and dropout after each sublayer:

    post-norm (default):   x = LN_1(x + SA(x)),        x = LN_2(x + FF(x))
    pre-norm (norm_first): x = x + SA(LN_1(x)),        x = x + FF(LN_2(x))

A decoder layer adds cross-attention CA to the encoder's output m (the memory) between the two:
x = LN_2(x + CA(x, m)) (post-norm) or x = x + CA(LN_2(x), m) (pre-norm), the feed-forward then using LN_3.
Gradients are those of the composition (every piece is differentiable to any order).
"""

import copy

import autograd_core as ag

from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .functional.activation import gelu, relu
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The float (sz, sz) causal mask: 0 on and below the diagonal, -inf above (query i sees keys j <= i)."""
    rows = ag.arange(sz, device=device).reshape(sz, 1)
    cols = ag.arange(sz, device=device).reshape(1, sz)
    zeros = ag.zeros(sz, sz, device=device, dtype=dtype)
    return zeros.masked_fill(cols > rows, float("-inf"))


def _activation(activation, owner):
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    if isinstance(activation, str) or not callable(activation):
        raise ValueError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
    return activation


def _check_sizes(owner, d_model, nhead, dim_feedforward):
    for name, v in (("d_model", d_model), ("nhead", nhead), ("dim_feedforward", dim_feedforward)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{owner}: {name} must be a positive int, got {v!r}")
    if d_model % nhead:
        raise ValueError(f"{owner}: d_model ({d_model}) must be divisible by nhead ({nhead})")


class _FeedForward(Module):
    """What the encoder and decoder layers share: ``linear1``, ``dropout``, ``linear2`` and the activation."""

    def _ff_init(self, d_model, dim_feedforward, dropout, activation, bias, factory):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)

    def _set_activation(self, activation):
        self.activation = _activation(activation, type(self).__name__)

    def _ff_block(self, x, drop):
        """FF(x) = W_2 dropout(g(W_1 x + b_1)) + b_2, then ``drop`` (the sublayer's dropout)."""
        return drop(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _check_input(self, x, name):
        if not isinstance(x, ag.Tensor):
            raise TypeError(f"{type(self).__name__}: {name} must be a Tensor, got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: {name} must be 3-D (batched) or 2-D (unbatched), got "
                             f"shape {tuple(x.shape)}")


class TransformerEncoderLayer(_FeedForward):
    """Self-attention and a feed-forward network, each with a residual connection, dropout and LayerNorm
    (see the module docstring for the formulas).

    Submodules (PyTorch's names): ``self_attn`` (MultiheadAttention(d_model, nhead)), ``linear1``
    (d_model -> dim_feedforward), ``dropout``, ``linear2`` (dim_feedforward -> d_model), ``norm1``,
    ``norm2``, ``dropout1``, ``dropout2``. ``activation``: "relu", "gelu" or a callable.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        _check_sizes("TransformerEncoderLayer", d_model, nhead, dim_feedforward)
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self._ff_init(d_model, dim_feedforward, dropout, activation, bias, factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self._set_activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (L, N, E), (N, L, E) with batch_first, or (L, E); masks as MultiheadAttention's attn_mask and
        key_padding_mask (True = not attended)."""
        self._check_input(src, "src")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_FeedForward):
    """Self-attention, cross-attention to the memory and a feed-forward network, each with a residual
    connection, dropout and LayerNorm.

    Submodules (PyTorch's names): ``self_attn``, ``multihead_attn``, ``linear1``, ``dropout``, ``linear2``,
    ``norm1``, ``norm2``, ``norm3``, ``dropout1``, ``dropout2``, ``dropout3``.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        _check_sizes("TransformerDecoderLayer", d_model, nhead, dim_feedforward)
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **factory)
        self._ff_init(d_model, dim_feedforward, dropout, activation, bias, factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self._set_activation(activation)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """tgt (T, N, E) and memory (S, N, E) (batch first with batch_first; or unbatched (T, E), (S, E))."""
        self._check_input(tgt, "tgt")
        self._check_input(memory, "memory")
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(layer, num_layers, owner):
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 0:
        raise ValueError(f"{owner}: num_layers must be a non-negative int, got {num_layers!r}")
    if not isinstance(layer, Module):
        raise TypeError(f"{owner}: expected a layer Module, got {type(layer).__name__}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` (``layers.0``, ``layers.1``, ...; identical initial
    weights, as PyTorch) applied in turn, then the optional ``norm``.

    ``enable_nested_tensor`` and ``mask_check`` are accepted for PyTorch's signature and ignored: they drive
    PyTorch's inference fast path, which we do not have (padded positions are always computed, as in
    PyTorch's training path).
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers, "TransformerEncoder")
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """``is_causal`` is a hint that ``mask`` is causal (None: no hint); the mask is what is used."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` (``layers.0``, ...) applied in turn, then ``norm``."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers, "TransformerDecoder")
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)

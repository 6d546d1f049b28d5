"""Transformer encoder and decoder layers and stacks, PyTorch's ``nn.TransformerEncoderLayer``,
``nn.TransformerEncoder``, ``nn.TransformerDecoderLayer``, ``nn.TransformerDecoder`` and the full
encoder-decoder ``nn.Transformer``, with the same submodule names, so state_dict keys agree
(``layers.0.self_attn.in_proj_weight``, ``layers.0.linear1.weight``, ``layers.0.norm1.weight``, ...; for the
full model ``encoder.layers.0.self_attn.in_proj_weight``, ``encoder.norm.weight``,
``decoder.layers.0.multihead_attn.out_proj.weight``, ``decoder.norm.weight``, ...).

An encoder layer, with SA the multi-head self-attention, FF(x) = W_2 g(W_1 x + b_1) + b_2 (g = relu or gelu),
LN layer normalization and dropout after each sublayer:

    post-norm (default):   x = LN_1(x + SA(x)),        x = LN_2(x + FF(x))
    pre-norm (norm_first): x = x + SA(LN_1(x)),        x = x + FF(LN_2(x))

A decoder layer adds cross-attention CA to the encoder's output m (the memory) between the two:
x = LN_2(x + CA(x, m)) (post-norm) or x = x + CA(LN_2(x), m) (pre-norm), the feed-forward then using LN_3.
The full model runs the encoder stack on the source and the decoder stack on the target against it:
m = LN_enc(Enc_K(... Enc_1(src))), y = LN_dec(Dec_K(... Dec_1(tgt, m), m)).
Gradients are those of the composition (every piece is differentiable to any order).
"""

import copy
import operator

import autograd_core as ag

from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .functional.activation import gelu, relu
from .init import xavier_uniform_
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def generate_square_subsequent_mask(sz, device=None, dtype=None):
    """The float (sz, sz) causal mask: 0 on and below the diagonal, -inf above (query i sees keys j <= i)."""
    try:
        if isinstance(sz, bool):
            raise TypeError
        sz = operator.index(sz)
    except TypeError:
        raise TypeError(f"generate_square_subsequent_mask: sz must be an int, got {type(sz).__name__} "
                        f"{sz!r}") from None
    if sz < 0:
        raise ValueError(f"generate_square_subsequent_mask: sz must be non-negative, got {sz}")
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


def _check_count(owner, name, v):
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative int, got {v!r}")


def _check_custom(owner, name, v):
    if v is not None and not callable(v):
        raise TypeError(f"{owner}: {name} must be a Module (or callable), got {type(v).__name__}")


class Transformer(Module):
    """The encoder-decoder Transformer (Vaswani et al., 2017), PyTorch's ``nn.Transformer``:

        memory = encoder(src)  = LN_enc(E_K(... E_1(src)))          (K = num_encoder_layers)
        output = decoder(tgt, memory) = LN_dec(D_M(... D_1(tgt, memory), memory))   (M = num_decoder_layers)

    with E_i TransformerEncoderLayer and D_i TransformerDecoderLayer (see the module docstring), each stack
    ending in its own LayerNorm. Submodules (PyTorch's names): ``encoder`` (a TransformerEncoder with
    ``layers.0`` ... and ``norm``) and ``decoder`` (a TransformerDecoder, likewise), or ``custom_encoder`` /
    ``custom_decoder`` in their place (called as ``encoder(src, mask=, src_key_padding_mask=, is_causal=)``
    and ``decoder(tgt, memory, tgt_mask=, memory_mask=, tgt_key_padding_mask=, memory_key_padding_mask=,
    tgt_is_causal=, memory_is_causal=)``).

    Initialisation, as PyTorch's ``_reset_parameters``: after the layers are built, every parameter with more
    than one dimension (the attention and feed-forward weights, custom modules' included) is redrawn from
    xavier_uniform_, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); the 1-D parameters keep their layers'
    initialisation (Linear biases U(-1/sqrt(in), 1/sqrt(in)), attention biases 0, LayerNorm 1 and 0). The
    layers of a stack therefore start from different weights, unlike a bare TransformerEncoder of deep copies.

    Every constructor argument of PyTorch's is supported: ``activation`` is "relu", "gelu" or a callable
    (default ``nn.functional.relu``); ``bias=False`` drops the Linear and LayerNorm biases (the attention
    projections' too); ``dropout`` is applied as in the layers (in training mode only).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        owner = "Transformer"
        _check_custom(owner, "custom_encoder", custom_encoder)
        _check_custom(owner, "custom_decoder", custom_decoder)
        if isinstance(d_model, bool) or not isinstance(d_model, int) or d_model <= 0:
            raise ValueError(f"{owner}: d_model must be a positive int, got {d_model!r}")
        if custom_encoder is None or custom_decoder is None:
            _check_sizes(owner, d_model, nhead, dim_feedforward)
            _activation(activation, owner)
        factory = {"device": device, "dtype": dtype}
        layer_kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                        layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias,
                        **factory)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            _check_count(owner, "num_encoder_layers", num_encoder_layers)
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **layer_kw), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            _check_count(owner, "num_decoder_layers", num_decoder_layers)
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **layer_kw), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self):
        """xavier_uniform_ on every parameter with more than one dimension (PyTorch's initialisation)."""
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)

    def _check_inputs(self, src, tgt):
        for name, x in (("src", src), ("tgt", tgt)):
            if not isinstance(x, ag.Tensor):
                raise TypeError(f"Transformer: {name} must be a Tensor, got {type(x).__name__}")
            if x.ndim not in (2, 3):
                raise ValueError(f"Transformer: {name} must be 3-D (batched) or 2-D (unbatched), got shape "
                                 f"{tuple(x.shape)}")
        shapes = f"src shape {tuple(src.shape)}, tgt shape {tuple(tgt.shape)}"
        if src.ndim != tgt.ndim:
            raise RuntimeError(f"Transformer: src and tgt must both be batched (3-D) or both unbatched (2-D), "
                               f"got {shapes}")
        if src.ndim == 3:
            b = 0 if self.batch_first else 1
            if src.shape[b] != tgt.shape[b]:
                raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, got "
                                   f"{src.shape[b]} and {tgt.shape[b]} ({shapes}, batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got {shapes}")

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """The decoder's output for ``tgt`` given the encoded ``src``: (T, N, E), (N, T, E) with batch_first,
        or (T, E) unbatched.

        src (S, N, E) and tgt (T, N, E) ((N, S, E) and (N, T, E) with batch_first; (S, E) and (T, E)
        unbatched), E = d_model. src_mask (S, S) or (N * nhead, S, S); tgt_mask (T, T) or (N * nhead, T, T);
        memory_mask (T, S): bool (True = not attended) or float (added to the scores), as MultiheadAttention's
        attn_mask. *_key_padding_mask (N, S), (N, T), (N, S) ((S,), (T,), (S,) unbatched), True = padding.
        ``src_is_causal``, ``tgt_is_causal``, ``memory_is_causal`` are hints that the matching mask is the
        causal one (generate_square_subsequent_mask); the mask must be given and is what is used.

        Raises RuntimeError, naming the shapes, when the batch sizes of src and tgt differ or their feature
        size is not d_model, as PyTorch.
        """
        self._check_inputs(src, tgt)
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The float (sz, sz) causal mask: 0 on and below the diagonal, -inf above (default dtype if None)."""
        return generate_square_subsequent_mask(sz, device=device, dtype=dtype)

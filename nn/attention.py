"""MultiheadAttention: PyTorch's ``nn.MultiheadAttention``, its parameters, names and initialisation.

For a query sequence x_q (L, E) and key/value sequences x_k (S, kdim), x_v (S, vdim), each head h of
the num_heads heads (head_dim d = E / num_heads) projects and attends:

    q = x_q W_q^T + b_q,   k = x_k W_k^T + b_k,   v = x_v W_v^T + b_v       (the in-projection)
    A_h = softmax(q_h k_h^T / sqrt(d) + B)                                  (L, S) weights of head h
    y = concat_h(A_h v_h) W_o^T + b_o                                       (the out-projection)

with q_h the h-th block of d columns of q. B is the additive mask bias (-inf where attention is not
allowed). Everything is built from differentiable ops (linear, matmul, softmax, where), so the backward
is the chain rule through those: dL/dW_o = e^T concat_h(A_h v_h), dL/dv_h = A_h^T (e W_o)_h, and so on.
"""

import autograd_core as ag
from autograd_core import Tensor

from . import init
from .functional.attention import attention
from .functional.dropout import _check_p
from .functional.linear import linear
from .linear import Linear
from .module import Module
from .parameter import Parameter


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"MultiheadAttention: {name} must be a positive int, got {value!r}")
    return value


def _float_mask(mask, name, dtype):
    """A bool mask (True = masked out) as a float bias (-inf there, else 0); a float mask cast to ``dtype``."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(mask).__name__}")
    if mask.dtype.kind == "b":
        return ag.zeros(tuple(mask.shape), dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    if mask.dtype.kind == "f":
        return mask if mask.dtype == dtype else mask.to(dtype=dtype)
    raise TypeError(f"MultiheadAttention: {name} must be a bool or floating-point tensor, got dtype "
                    f"{mask.dtype.name}")


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's signature, parameter names and initialisation.

    Parameters: ``in_proj_weight`` (3E, E) stacks W_q, W_k, W_v when kdim = vdim = E; otherwise
    ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim) (and
    ``in_proj_weight`` is None). ``in_proj_bias`` (3E,) stacks b_q, b_k, b_v; ``out_proj`` is a
    Linear(E, E). With ``add_bias_kv`` the learnt rows ``bias_k``, ``bias_v`` (1, 1, E) are appended to
    k and v (S grows by one); ``add_zero_attn`` appends a row of zeros to each head's k and v (S grows by
    one more). Initialisation as PyTorch: xavier_uniform_ in-projection weights, zero in_proj_bias and
    out_proj.bias, xavier_normal_ bias_k and bias_v, Linear's default for out_proj.weight.

    Inputs are (L, N, E) (or (N, L, E) with ``batch_first``) or unbatched (L, E). Masks: a bool
    ``key_padding_mask`` (N, S) or (S,) and a bool ``attn_mask`` (L, S) or (N * num_heads, L, S)
    ((num_heads, L, S) unbatched) say with True which positions are NOT attended (the opposite of
    ``scaled_dot_product_attention``'s bool masks, as PyTorch); float masks are added to the scores.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        self.embed_dim = _positive_int(embed_dim, "embed_dim")
        self.num_heads = _positive_int(num_heads, "num_heads")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                             f"({num_heads})")
        _check_p(dropout, "MultiheadAttention")
        self.kdim = embed_dim if kdim is None else _positive_int(kdim, "kdim")
        self.vdim = embed_dim if vdim is None else _positive_int(vdim, "vdim")
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.add_zero_attn = add_zero_attn
        E = embed_dim

        def param(*shape):
            return Parameter(ag.empty(*shape, device=device, dtype=dtype))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = param(3 * E, E)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = param(E, E)
            self.k_proj_weight = param(E, self.kdim)
            self.v_proj_weight = param(E, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = param(3 * E)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(E, E, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = param(1, 1, E)
            self.bias_v = param(1, 1, E)
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}")

    # --- checks ------------------------------------------------------------------------------------------
    def _check(self, query, key, value, key_padding_mask, attn_mask):
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(t).__name__}")
        shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
        if query.ndim not in (2, 3):
            raise ValueError(f"MultiheadAttention: query must be 3-D (batched) or 2-D (unbatched), got {shapes}")
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be {query.ndim}-D, got {shapes}")
        batched = query.ndim == 3
        bdim = 0 if self.batch_first else 1
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(f"MultiheadAttention: the last dims must be embed_dim={self.embed_dim}, "
                             f"kdim={self.kdim}, vdim={self.vdim}; got {shapes}")
        if batched and not query.shape[bdim] == key.shape[bdim] == value.shape[bdim]:
            raise ValueError(f"MultiheadAttention: query, key and value must have the same batch size (dim "
                             f"{bdim}, batch_first={self.batch_first}), got {shapes}")
        sdim = (1 - bdim) if batched else 0
        if key.shape[sdim] != value.shape[sdim]:
            raise ValueError(f"MultiheadAttention: key and value must have the same length S, got {shapes}")
        L, S = query.shape[sdim], key.shape[sdim]
        N = query.shape[bdim] if batched else None
        for name, m in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
            if m is not None and not isinstance(m, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got {type(m).__name__}")
        if key_padding_mask is not None:
            want = (N, S) if batched else (S,)
            if tuple(key_padding_mask.shape) != want:
                raise ValueError(f"MultiheadAttention: key_padding_mask must have shape {want} (batch, source "
                                 f"length), got {tuple(key_padding_mask.shape)} for {shapes}")
        if attn_mask is not None:
            heads = N * self.num_heads if batched else self.num_heads
            allowed = [(L, S), (heads, L, S)]
            got = tuple(attn_mask.shape)
            if got not in allowed:
                raise ValueError(f"MultiheadAttention: attn_mask must have shape {allowed[0]} or {allowed[1]}, got "
                                 f"{got} for {shapes}")

    # --- forward -----------------------------------------------------------------------------------------
    def _project(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """(attn_output, attn_weights): the output (L, N, E) ((N, L, E) with batch_first, (L, E) unbatched)
        and, with ``need_weights``, the weights A (N, L, S) averaged over heads or (N, num_heads, L, S) with
        ``average_attn_weights=False`` (without N when unbatched); None otherwise. The weights are those
        after dropout, as PyTorch returns them.

        ``is_causal`` is a hint that ``attn_mask`` is the causal mask; the mask must be given and is the one
        used (as PyTorch, which raises without it). A query whose keys are all masked gives NaN with
        ``need_weights=True`` and zeros with ``need_weights=False``, as PyTorch (2.5 and later).
        """
        self._check(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask; "
                               "pass the mask too (nn.transformer.generate_square_subsequent_mask(L))")
        batched = query.ndim == 3
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        L, N, E = query.shape
        H, d = self.num_heads, self.head_dim
        dt = query.dtype
        bias = None
        if attn_mask is not None:
            bias = _float_mask(attn_mask, "attn_mask", dt)
            if bias.ndim == 3:
                bias = bias.reshape(N, H, L, bias.shape[-1])
        if key_padding_mask is not None:
            pad = _float_mask(key_padding_mask, "key_padding_mask", dt)
            pad = pad.reshape(N, 1, 1, pad.shape[-1])
            bias = pad if bias is None else bias + pad

        q, k, v = self._project(query, key, value)  # (L, N, E), (S, N, E), (S, N, E)
        if self.bias_k is not None:
            k = ag.cat([k, self.bias_k.expand(1, N, E)], dim=0)
            v = ag.cat([v, self.bias_v.expand(1, N, E)], dim=0)
            bias = None if bias is None else ag.pad(bias, (0, 1))

        def heads(t):  # (T, N, E) -> (N, H, T, d): head h of batch n is torch's row n * H + h
            return t.reshape(t.shape[0], N, H, d).permute(1, 2, 0, 3)

        q, k, v = heads(q), heads(k), heads(v)
        if self.add_zero_attn:
            zeros = ag.zeros(N, H, 1, d, dtype=dt, device=q.device)
            k, v = ag.cat([k, zeros], dim=2), ag.cat([v, zeros], dim=2)
            bias = None if bias is None else ag.pad(bias, (0, 1))
        p = self.dropout if self.training else 0.0
        out, weights = attention(q, k, v, bias=bias, scale=d ** -0.5, dropout_p=p, safe=not need_weights)
        out = out.permute(2, 0, 1, 3).reshape(L, N, E)  # concat_h(A_h v_h)
        out = self.out_proj(out)
        if batched and self.batch_first:
            out = out.transpose(0, 1)
        elif not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights

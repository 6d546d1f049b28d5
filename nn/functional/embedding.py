"""Lookup tables over integer indices: ``embedding`` (rows of a weight matrix, differentiable in the
weight) and ``one_hot`` (an integer tensor of class indices as int64 indicator vectors).

    E = embedding(i, W):   E[..., :] = W[i[...], :]
    dL/dW[r, :] = sum over the positions p with i[p] = r of dL/dE[p, :]     (0 for r = padding_idx)

The lookup is a gather and its gradient a scatter-add (a row used twice gets both gradients); each is
the other's adjoint, so ``EmbeddingLookup`` and ``EmbeddingScatter`` differentiate into each other and the
op has gradients of every order.
"""

from autograd_core import Function, Tensor, int64
from autograd_core.tensor import make_tensor


class EmbeddingLookup(Function):
    """E = W[idx] (the rows of W at the integer array ``idx``, shape idx.shape + (D,));

    dL/dW = zeros(W.shape) with dL/dE[p] added into row idx[p] for every position p, and the row
    ``padding_idx`` (when given) left at zero: EmbeddingScatter.
    """

    def forward(self, w, idx, padding_idx):
        self.idx, self.rows, self.padding_idx = idx, w.shape[0], padding_idx
        return self.backend.xp.take(w, idx, axis=0)

    def backward(self, gy):
        return EmbeddingScatter.apply(gy, idx=self.idx, rows=self.rows, padding_idx=self.padding_idx)


class EmbeddingScatter(Function):
    """gW = zeros(rows, D); gW[idx[p]] += gE[p] for every p (duplicates accumulate); gW[padding_idx] = 0.

    Linear in gE, with the adjoint dL/dgE[p] = (dL/dgW)[idx[p]] [idx[p] != padding_idx]: the lookup
    of dL/dgW with the padding row zeroed.
    """

    def forward(self, gy, idx, rows, padding_idx):
        self.idx, self.rows, self.padding_idx = idx, rows, padding_idx
        d = gy.shape[-1]
        gw = self.backend.xp.zeros((rows, d), dtype=gy.dtype)
        self.backend.scatter_add(gw, (idx.reshape(-1),), gy.reshape(-1, d))
        if padding_idx is not None:
            gw[padding_idx] = 0
        return gw

    def backward(self, ggw):
        if self.padding_idx is not None:
            keep = self.backend.xp.ones((self.rows, 1), dtype=ggw.dtype)
            keep[self.padding_idx] = 0
            ggw = ggw * make_tensor(keep, self.backend)
        return EmbeddingLookup.apply(ggw, idx=self.idx, padding_idx=self.padding_idx)


def _index_range(idx):
    """(min, max) of a non-empty integer array, as Python ints (one small device synchronisation)."""
    return int(idx.min()), int(idx.max())


def embedding(input, weight, padding_idx=None):
    """Look up the rows of ``weight`` (num_embeddings, embedding_dim) at the integer indices ``input``
    (any shape): the result has shape input.shape + (embedding_dim,), out[..., :] = weight[input[...], :].

    The gradient is scatter-added into the rows used (a row used k times gets the sum of its k
    gradients); the row ``padding_idx`` (negative counts from the end) gets no gradient, though its
    value is still looked up. Indices must lie in [0, num_embeddings - 1].
    """
    what = "embedding"
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: input must be a Tensor of integer indices, got {type(input).__name__}")
    if not isinstance(weight, Tensor):
        raise TypeError(f"{what}: weight must be a Tensor, got {type(weight).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"{what}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{what}: input must be an integer tensor of indices (int64 or int32), got dtype "
                        f"{input.dtype.name}")
    if input._backend is not weight._backend:
        raise RuntimeError(f"{what}: the indices are on {input.device} but weight is on {weight.device}")
    n = weight.shape[0]
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) or not -n <= padding_idx < n:
            raise ValueError(f"{what}: padding_idx={padding_idx!r} must be an int within num_embeddings={n} "
                             f"(in [{-n}, {n - 1}])")
        padding_idx %= n
    idx = input._data
    if idx.size:
        lo, hi = _index_range(idx)
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{what}: index {bad} is out of range for an embedding of {n} rows (weight shape "
                             f"{tuple(weight.shape)}); indices must be in [0, {n - 1}]")
    return EmbeddingLookup.apply(weight, idx=idx, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """The int64 one-hot encoding of the class indices ``tensor`` (any shape): shape tensor.shape + (C,),

        out[..., c] = 1 if tensor[...] == c else 0,   C = num_classes, or max(tensor) + 1 when it is -1.

    Not differentiable (an integer result). Indices must lie in [0, C - 1].
    """
    what = "one_hot"
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}: expected a Tensor of class indices, got {type(tensor).__name__}")
    if tensor.dtype.kind not in "iu":
        raise TypeError(f"{what}: the input must be an integer tensor of class indices (int64), got dtype "
                        f"{tensor.dtype.name}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < -1:
        raise ValueError(f"{what}: num_classes must be a non-negative int or -1 (infer it), got {num_classes!r}")
    t = tensor._data
    xp = tensor._backend.xp
    if t.size:
        lo, hi = _index_range(t)
        if lo < 0:
            raise ValueError(f"{what}: class values must be non-negative, got {lo}")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise ValueError(f"{what}: class value {hi} is out of range for num_classes={num_classes}; class values "
                             f"must be in [0, {num_classes - 1}]")
    elif num_classes == -1:
        raise ValueError(f"{what}: can't infer the number of classes from an empty tensor (shape "
                         f"{tuple(tensor.shape)}); pass num_classes")
    out = (t[..., None] == xp.arange(num_classes)).astype(int64)
    return make_tensor(out, tensor._backend)

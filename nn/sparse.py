"""Embedding: a learnable lookup table, row i the vector of token (or category) i."""

import autograd_core as ag

from . import init
from .functional.embedding import embedding
from .module import Module
from .parameter import Parameter


def _positive_int(value, name, what="Embedding"):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what}: {name} must be a positive int, got {value!r}")
    return value


def _padding_index(padding_idx, num_embeddings, what):
    """``padding_idx`` (None, or an int in [-num_embeddings, num_embeddings)) as a row index or None."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) \
            or not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{what}: padding_idx={padding_idx!r} must be within num_embeddings={num_embeddings} "
                         f"(an int in [{-num_embeddings}, {num_embeddings - 1}])")
    return padding_idx % num_embeddings


def _setup_table(module, num_embeddings, embedding_dim, padding_idx, _weight, requires_grad, device, dtype, what):
    """What Embedding and EmbeddingBag share: num_embeddings, embedding_dim and padding_idx checked and set, and
    ``weight`` made (N(0, 1) with the padding row zero) or taken from ``_weight`` (its shape checked)."""
    module.num_embeddings = _positive_int(num_embeddings, "num_embeddings", what)
    module.embedding_dim = _positive_int(embedding_dim, "embedding_dim", what)
    module.padding_idx = _padding_index(padding_idx, num_embeddings, what)
    if _weight is None:
        module.weight = Parameter(ag.empty(num_embeddings, embedding_dim, device=device, dtype=dtype),
                                  requires_grad=requires_grad)
        _reset_table(module)
        return
    if not isinstance(_weight, ag.Tensor):
        raise TypeError(f"{what}: _weight must be a Tensor, got {type(_weight).__name__}")
    if tuple(_weight.shape) != (num_embeddings, embedding_dim):
        raise ValueError(f"{what}: the weight has shape {tuple(_weight.shape)}, which does not match "
                         f"num_embeddings={num_embeddings} and embedding_dim={embedding_dim}")
    module.weight = Parameter(_weight, requires_grad=requires_grad)


def _reset_table(module):
    """N(0, 1), the row ``padding_idx`` (if any) zero."""
    init.normal_(module.weight)
    if module.padding_idx is not None:
        with ag.no_grad():
            module.weight[module.padding_idx] = 0.0


class Embedding(Module):
    """out[..., :] = weight[input[...], :] for integer indices ``input`` of any shape.

    ``weight`` has shape (num_embeddings, embedding_dim) and PyTorch's initialisation: N(0, 1), with the
    row ``padding_idx`` (when given; negative counts from the end) set to zero. That row gets no gradient,
    so it stays zero in training (a padding token). ``from_pretrained`` wraps an existing matrix.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, _weight=None, _freeze=False, device=None,
                 dtype=None):
        super().__init__()
        _setup_table(self, num_embeddings, embedding_dim, padding_idx, _weight, not _freeze, device, dtype,
                     "Embedding")

    def reset_parameters(self):
        _reset_table(self)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding whose weight is ``embeddings`` (num_embeddings, embedding_dim), sharing its memory.

        ``freeze=True`` (the default) makes the weight a Parameter that does not require grad. The row
        ``padding_idx`` is used as given (not zeroed) and gets no gradient.
        """
        if not isinstance(embeddings, ag.Tensor):
            raise TypeError(f"Embedding.from_pretrained: embeddings must be a Tensor, got {type(embeddings).__name__}")
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-dimensional (num_embeddings, "
                             f"embedding_dim), got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, _weight=embeddings, _freeze=freeze)

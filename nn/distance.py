"""Distance modules: ``nn.PairwiseDistance`` and ``nn.CosineSimilarity`` wrap their ``nn.functional`` forms."""

from . import functional as F
from .module import Module


class PairwiseDistance(Module):
    """d = ||x1 - x2 + eps||_p over the last dim (see ``F.pairwise_distance``)."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, p=self.norm, eps=self.eps, keepdim=self.keepdim)

    def extra_repr(self):
        return f"p={self.norm}, eps={self.eps}, keepdim={self.keepdim}"


class CosineSimilarity(Module):
    """cos = sum_dim(x1 x2) / (max(||x1||_2, eps) max(||x2||_2, eps)) (see ``F.cosine_similarity``)."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, dim=self.dim, eps=self.eps)

    def extra_repr(self):
        return f"dim={self.dim}, eps={self.eps}"

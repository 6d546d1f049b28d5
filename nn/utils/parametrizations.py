"""nn.utils.parametrizations, as ``torch.nn.utils.parametrizations``: weight_norm and spectral_norm as
parametrizations (``nn.utils.parametrize``), with PyTorch's state_dict keys.

    weight_norm:    W = g v / ||v||       (norms over every dim but ``dim``; dim=None: over all of v)
                    originals: parametrizations.weight.original0 = g, original1 = v
    spectral_norm:  W = W_orig / sigma,   sigma = u^T W_mat v, the largest singular value of W_mat (W with
                    ``dim`` first, flattened to a matrix), estimated by power iteration: in training mode each
                    read runs ``n_power_iterations`` steps v <- normalize(W_mat^T u), u <- normalize(W_mat v)
                    (u, v buffers: parametrizations.weight.0._u, _v; 15 steps at registration)
"""

from autograd_core import no_grad, randn

from ..functional.distance import normalize
from ..module import Module
from . import parametrize


def _norm_except_dim(v, dim):
    """||v||_2 over every dim but ``dim`` (keeping them, size 1), or over all of v when dim is None."""
    if dim is None:
        return (v * v).sum().sqrt()
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return (v * v).sum(dim=dims, keepdim=True).sqrt() if dims else v.abs()


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize ``module.<name>`` as g v / ||v|| (``torch.nn.utils.parametrizations.weight_norm``): the
    direction v and the norm g are the parameters ``parametrizations.<name>.original1`` and ``original0``."""
    if dim is not None:
        ndim = getattr(module, name).ndim
        if not -ndim <= dim < ndim:
            raise ValueError(f"weight_norm: dim={dim} is out of range for '{name}' of shape "
                             f"{tuple(getattr(module, name).shape)}")
        dim = dim % ndim
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if not -max(ndim, 1) <= dim < max(ndim, 1):
            raise ValueError(f"spectral_norm: dim={dim} is out of range for a weight of shape {tuple(weight.shape)}")
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
        self.dim = dim % max(ndim, 1)
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = self._matrix(weight.detach())
            h, w = mat.shape
            self.register_buffer("_u", normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps))
            self.register_buffer("_v", normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps))
            self._power_method(mat, 15)

    def _matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat, steps):
        with no_grad():
            for _ in range(steps):
                self._u.copy_(normalize(mat @ self._v, dim=0, eps=self.eps))
                self._v.copy_(normalize(mat.mT @ self._u, dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._matrix(weight)
        if self.training:
            self._power_method(mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * (mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize ``module.<name>`` as W / sigma(W), sigma its largest singular value estimated by power
    iteration (``torch.nn.utils.parametrizations.spectral_norm``); dim defaults to 1 for transposed
    convolutions, else 0."""
    weight = getattr(module, name, None)
    if weight is None:
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter or buffer '{name}'")
    if dim is None:
        from ..conv import ConvTranspose1d, ConvTranspose2d

        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module

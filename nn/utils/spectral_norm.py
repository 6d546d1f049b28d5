"""nn.utils.spectral_norm / remove_spectral_norm, PyTorch's older hook-based form
(``torch.nn.utils.spectral_norm``): the parameter ``name`` becomes ``<name>_orig``, the power iteration's
vectors are the buffers ``<name>_u`` and ``<name>_v``, and a forward pre-hook sets
``module.<name> = <name>_orig / sigma`` before every call (sigma = u^T W_mat v, with ``n_power_iterations``
steps of the power iteration first in training mode). The newer form is
``nn.utils.parametrizations.spectral_norm``."""

from autograd_core import no_grad, randn

from ..functional.distance import normalize
from ..parameter import Parameter


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``."""

    def __init__(self, name, n_power_iterations, dim, eps):
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: n_power_iterations must be positive, got {n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def _matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self._matrix(weight)
        if do_power_iteration:
            with no_grad():
                m = mat.detach()
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(m.mT @ u, dim=0, eps=self.eps))
                    u.copy_(normalize(m @ v, dim=0, eps=self.eps))
        u, v = u.clone(), v.clone()
        return weight / (u * (mat @ v)).sum()

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Normalise ``module.<name>`` by its largest singular value (see the module docstring); dim defaults to 1
    for transposed convolutions, else 0. Returns the module."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            raise RuntimeError(f"spectral_norm: cannot register two spectral_norm hooks on the same parameter "
                               f"'{name}'")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: module {type(module).__name__} has no parameter '{name}'")
    if dim is None:
        from ..conv import ConvTranspose1d, ConvTranspose2d

        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    fn = SpectralNorm(name, n_power_iterations, dim % max(weight.ndim, 1), eps)
    mat = fn._matrix(weight.detach())
    h, w = mat.shape
    u = normalize(randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    v = normalize(randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    object.__setattr__(module, name, weight.detach())
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` becomes a plain parameter holding the current normalised weight."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            weight = hook.compute_weight(module, do_power_iteration=False).detach()
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_orig"]
            del module._buffers[name + "_u"]
            del module._buffers[name + "_v"]
            module.__dict__.pop(name, None)
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"remove_spectral_norm: spectral_norm of '{name}' not found in {type(module).__name__}")

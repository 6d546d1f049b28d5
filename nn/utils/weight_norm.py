"""nn.utils.weight_norm / remove_weight_norm, PyTorch's older hook-based form (``torch.nn.utils.weight_norm``):
the parameter ``name`` is replaced by ``name_g`` (its norm over every dim but ``dim``) and ``name_v`` (its
direction), and a forward pre-hook sets ``module.<name> = name_v * (name_g / ||name_v||)`` before every call.
The newer form is ``nn.utils.parametrizations.weight_norm``."""

from ..parameter import Parameter
from .parametrizations import _norm_except_dim


class WeightNorm:
    """The forward pre-hook of ``weight_norm``: recomputes the weight from g and v."""

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Split ``module.<name>`` into ``<name>_g`` and ``<name>_v`` (see the module docstring); dim=None normalises
    over the whole tensor. Returns the module."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"weight_norm: cannot register two weight_norm hooks on the same parameter '{name}'")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"weight_norm: module {type(module).__name__} has no parameter '{name}'")
    if dim is not None:
        if not -weight.ndim <= dim < weight.ndim:
            raise ValueError(f"weight_norm: dim={dim} is out of range for '{name}' of shape {tuple(weight.shape)}")
        dim %= weight.ndim
    fn = WeightNorm(name, dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    fn(module, ())
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``<name>`` becomes a plain parameter holding the current g v / ||v||."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            weight = hook.compute_weight(module).detach()
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            module.__dict__.pop(name, None)
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of '{name}' not found in {type(module).__name__}")

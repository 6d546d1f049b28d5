"""Gradient clipping for optimizer loops: the engine's ``clip_grad_norm_``, ``clip_grad_value_`` and
``get_total_norm`` (also in ``nn.utils``, where PyTorch code calls them)."""

from autograd_core.clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]

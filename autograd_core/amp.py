"""``autograd_core.amp.GradScaler``, as ``torch.amp.GradScaler``: loss scaling for training in float16.

A float16 gradient underflows to 0 below 6e-8; multiplying the loss by a scale S multiplies every gradient by
S, lifting them into range. Before the optimizer steps, the gradients are divided by S again (``unscale_``);
if any of them is inf or NaN (S was too large), that step is skipped and S shrinks:

    loss_scaled = S * loss;  g <- g / S (unscale_);  step only if every g is finite   (S a float32, as PyTorch's)
    update():  S <- S * backoff_factor   if an inf/NaN was found (growth tracker reset)
               S <- S * growth_factor    after growth_interval steps in a row without one

    scaler = ag.amp.GradScaler("cpu")          # (or "cuda")
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)                   # optional: to clip the true gradients
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)                       # skipped when a gradient is inf or NaN
        scaler.update()

The optimizer is used through its ``param_groups`` and ``step()``, so any of ``optim``'s works. There is no
``autocast`` here: cast the model and inputs to float16 yourself (``model.half()``).
"""

import math
import numbers
import warnings

import numpy

from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    """Dynamic loss scaling (see the module docstring), with PyTorch's arguments and defaults:
    ``GradScaler(device="cuda", init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
    enabled=True)``. On "cuda" without a GPU it warns and disables itself, as PyTorch's does."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        if not isinstance(device, str):
            device = str(device)
        self._device = device
        if enabled and device.startswith("cuda"):
            import backends

            if not backends.is_cuda_available():
                warnings.warn("GradScaler is enabled, but CUDA is not available; disabling (pass device='cpu' to "
                              "scale on the CPU)", UserWarning, stacklevel=2)
                enabled = False
        self._enabled = bool(enabled)
        _check_positive("init_scale", init_scale)
        if not (isinstance(growth_factor, numbers.Real) and growth_factor > 1.0):
            raise ValueError(f"The growth factor must be > 1.0, got {growth_factor!r}")
        if not (isinstance(backoff_factor, numbers.Real) and 0.0 < backoff_factor < 1.0):
            raise ValueError(f"The backoff factor must be < 1.0 (and > 0), got {backoff_factor!r}")
        if isinstance(growth_interval, bool) or not isinstance(growth_interval, numbers.Integral) or \
                growth_interval <= 0:
            raise ValueError(f"growth_interval must be a positive int, got {growth_interval!r}")
        self._scale = _f32(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._states = {}  # id(optimizer) -> {"stage", "found_inf"}

    # --- the loop -------------------------------------------------------------------------------------------
    def scale(self, outputs):
        """``outputs`` (a Tensor, or nested lists/tuples of them) multiplied by the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError(f"outputs must be a Tensor or an iterable of Tensors, got {type(outputs).__name__}")

    def _state(self, optimizer):
        return self._states.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer):
        """Divide the gradients of ``optimizer``'s parameters by the scale, in place, and record whether any is
        inf or NaN. At most once per optimizer between two ``update()`` calls."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = _f32(1.0 / self._scale)  # (PyTorch's: the scale is a float32, its inverse taken in float64)
        found = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    g.mul_(inv)
                    if not found:
                        xp = g._backend.xp
                        found = not bool(xp.isfinite(g._data).all())  # (one small synchronisation per tensor on a GPU)
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step(*args, **kwargs)`` on the unscaled gradients (unscaling first if ``unscale_`` was not
        called), unless one of them is inf or NaN; returns what step returns, or None when skipped."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Adjust the scale: set it to ``new_scale`` if given, else back off after a step that found an inf or
        NaN and grow after ``growth_interval`` clean steps in a row."""
        if not self._enabled:
            return
        if new_scale is not None:
            value = float(new_scale.item()) if isinstance(new_scale, Tensor) else new_scale
            _check_positive("new_scale", value)
            self._scale = _f32(value)
        else:
            if not self._states:
                raise RuntimeError("No inf checks were recorded prior to update(); call scaler.step(optimizer) "
                                   "(or unscale_) first.")
            if any(s["found_inf"] for s in self._states.values()):
                self._scale = _f32(self._scale * self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = _f32(self._scale * self._growth_factor)
                    self._growth_tracker = 0
        self._states = {}

    # --- settings and state ---------------------------------------------------------------------------------
    def get_scale(self):
        """The current scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = int(new_interval)

    def is_enabled(self):
        return self._enabled

    def state_dict(self):
        """PyTorch's keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker ({} when
        disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor, "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval, "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._scale = _f32(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _f32(value):
    """``value`` rounded to float32, as PyTorch keeps the scale (a float32 tensor)."""
    return float(numpy.float32(value))


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")

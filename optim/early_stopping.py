"""EarlyStopping: stop training when a validation metric stops improving, with a patience term.

    stopper = optim.EarlyStopping(patience=5, min_delta=1e-4, restore_best_weights=True)
    for epoch in range(max_epochs):
        train_one_epoch(model, opt)
        if stopper.step(validate(model), model):     # True: stop now (best weights are back in model)
            break
"""

import copy
import math
import numbers

from autograd_core import Tensor
from autograd_core.tensor import make_tensor

__all__ = ["EarlyStopping"]

_FIELDS = ("patience", "min_delta", "mode", "restore_best_weights", "best_score", "best_epoch", "counter", "epoch",
           "should_stop", "stopped_epoch")


class EarlyStopping:
    """The lecture's early stopping: watch a metric on held-out data and stop once it has not improved
    for ``patience`` evaluations in a row (the patience term lets the model degrade for a while first).

    Each ``step(metric, model=None)`` is one evaluation (usually one epoch). It is an *improvement* when
    ``metric < best_score - min_delta`` (mode "min", e.g. a validation loss) or
    ``metric > best_score + min_delta`` (mode "max", e.g. an accuracy); the first metric that is not NaN always is.
    An improvement records ``best_score`` and ``best_epoch`` and resets ``counter``; any other evaluation
    (including a NaN metric) adds one to ``counter``, and when ``counter`` reaches ``patience``,
    ``should_stop`` becomes True and ``step`` returns True (it stays True until ``reset()``, while later
    calls keep updating the best score and counter). With
    ``patience=0`` the first evaluation without improvement stops.

    Works with any model, duck-typed: an object with ``state_dict()`` and ``load_state_dict(d)`` (an
    ``nn.Module``, or anything else). With ``restore_best_weights=True`` every improvement stores a copy of
    ``model.state_dict()`` (tensors copied, so later training does not change it; ``step`` then needs the
    model), and the best weights are loaded back **automatically** when ``step`` first returns True.
    ``restore(model)`` loads them at any other time (for instance when training ran out of epochs before
    stopping).

    Args:
        patience (int): evaluations without improvement before stopping (>= 0, default 10).
        min_delta (float): the smallest change that counts as an improvement (>= 0, default 0).
        mode (str): "min" (default) or "max".
        restore_best_weights (bool): keep and restore the best weights (default False).

    Attributes: ``best_score`` (None before the first evaluation), ``best_epoch`` (0-based index of the
    best evaluation), ``counter``, ``epoch`` (evaluations so far), ``should_stop``, ``stopped_epoch``
    (index of the evaluation that triggered the stop, or None), ``best_state`` (the stored weights or None).
    """

    def __init__(self, patience=10, min_delta=0.0, mode="min", restore_best_weights=False):
        _validate(patience, min_delta, mode, restore_best_weights)
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)
        self.reset()

    def reset(self):
        """Forget everything seen so far (the settings stay)."""
        self.best_score = None
        self.best_epoch = None
        self.counter = 0
        self.epoch = 0
        self.should_stop = False
        self.stopped_epoch = None
        self.best_state = None

    def is_improvement(self, metric):
        """Whether ``metric`` would count as an improvement over ``best_score``."""
        value = _as_float(metric)
        if math.isnan(value):
            return False
        if self.best_score is None:
            return True
        if self.mode == "min":
            return value < self.best_score - self.min_delta
        return value > self.best_score + self.min_delta

    def step(self, metric, model=None):
        """Record one evaluation of the metric; returns True when training should stop."""
        value = _as_float(metric)
        if self.restore_best_weights and model is None:
            raise ValueError("EarlyStopping(restore_best_weights=True) needs the model to copy its weights: "
                             "call step(metric, model)")
        if model is not None and not (hasattr(model, "state_dict") and hasattr(model, "load_state_dict")):
            raise TypeError(f"model must have state_dict() and load_state_dict() methods, got "
                            f"{type(model).__name__}")
        epoch = self.epoch
        self.epoch += 1
        if self.is_improvement(value):
            self.best_score = value
            self.best_epoch = epoch
            self.counter = 0
            if self.restore_best_weights:
                self.best_state = _copy_state(model.state_dict())
            return self.should_stop
        self.counter += 1
        if self.counter >= self.patience and not self.should_stop:
            self.should_stop = True
            self.stopped_epoch = epoch
            if self.restore_best_weights and self.best_state is not None:
                self.restore(model)
        return self.should_stop

    __call__ = step

    def restore(self, model):
        """Load the best weights seen so far into ``model`` (needs ``restore_best_weights=True``)."""
        if self.best_state is None:
            why = ("restore_best_weights=False" if not self.restore_best_weights
                   else "no evaluation has improved yet")
            raise RuntimeError(f"EarlyStopping has no best weights to restore ({why})")
        model.load_state_dict(_copy_state(self.best_state))
        return model

    def state_dict(self):
        """The settings, the counters and (a copy of) the best weights, for a checkpoint."""
        state = {k: getattr(self, k) for k in _FIELDS}
        state["best_state"] = None if self.best_state is None else _copy_state(self.best_state)
        return state

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` saved."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        missing = [k for k in _FIELDS + ("best_state",) if k not in state_dict]
        if missing:
            raise ValueError(f"EarlyStopping state_dict is missing {missing}")
        _validate(state_dict["patience"], state_dict["min_delta"], state_dict["mode"],
                  state_dict["restore_best_weights"])
        for k in _FIELDS:
            setattr(self, k, copy.deepcopy(state_dict[k]))
        best = state_dict["best_state"]
        self.best_state = None if best is None else _copy_state(best)

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, mode={self.mode!r}, "
                f"restore_best_weights={self.restore_best_weights}, best_score={self.best_score}, "
                f"counter={self.counter})")


def _validate(patience, min_delta, mode, restore_best_weights):
    if isinstance(patience, bool) or not isinstance(patience, numbers.Integral):
        raise TypeError(f"patience must be an integer, got {type(patience).__name__} {patience!r:.60}")
    if patience < 0:
        raise ValueError(f"patience must be >= 0, got {patience}")
    if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real):
        raise TypeError(f"min_delta must be a real number, got {type(min_delta).__name__} {min_delta!r:.60}")
    if not min_delta >= 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta}")
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    if not isinstance(restore_best_weights, (bool, numbers.Integral)):
        raise TypeError(f"restore_best_weights must be a bool, got {type(restore_best_weights).__name__}")


def _as_float(metric):
    if isinstance(metric, Tensor) and metric.numel() != 1:
        raise ValueError(f"the metric must be a number or a one-element tensor, got a tensor of shape "
                         f"{tuple(metric.shape)}")
    try:
        return float(metric)
    except (TypeError, ValueError):
        raise TypeError(f"the metric must be a number or a one-element tensor, got {type(metric).__name__} "
                        f"{metric!r:.60}") from None


def _copy_value(v):
    if isinstance(v, Tensor):
        return make_tensor(v._data.copy(), v._backend)
    if isinstance(v, dict):
        return _copy_state(v)
    if isinstance(v, (list, tuple)):
        return type(v)(_copy_value(e) for e in v)
    if hasattr(v, "detach") and hasattr(v, "clone"):  # another framework's tensor
        return v.detach().clone()
    return copy.deepcopy(v)  # arrays, numbers, anything else


def _copy_state(state):
    """A copy of a state dict whose tensors have their own memory."""
    out = copy.copy(state)
    for k in state:
        out[k] = _copy_value(state[k])
    return out

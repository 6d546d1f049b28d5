"""LRScheduler: the base class of the learning-rate schedulers in ``optim.lr_scheduler``."""

import copy
import numbers
import types
import warnings

from .optimizer import Optimizer

__all__ = ["LRScheduler"]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. "
    "Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from "
    "None, the closed form is used instead of the new chainable form, where available.")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(name, value, low):
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r:.60}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")


def _is_plain_function(fn):
    """True for a function or method (saved by reference), False for a callable object with state."""
    return isinstance(fn, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)) or not hasattr(
        fn, "__dict__")


def _check_real(name, value, ok, requirement):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r:.60}")
    if not ok(float(value)):
        raise ValueError(f"{name} must be {requirement}, got {value}")


class LRScheduler:
    """Base class of the schedulers: subclasses implement ``get_lr()`` (the next learning rates from
    the current ones, with ``self.last_epoch`` already advanced).

    Args:
        optimizer (Optimizer): the optimizer whose learning rates this scheduler sets.
        last_epoch (int): the index of the last epoch; -1 (default) starts a new schedule. Resuming with
            last_epoch >= 0 needs ``initial_lr`` in every param group (a loaded optimizer state has it).

    Creating a scheduler records ``group["initial_lr"]`` and takes the first step (epoch 0).
    """

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        _check_int("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                                   f"scheduler with last_epoch={last_epoch}; load the optimizer's state first, or "
                                   f"use last_epoch=-1 for a fresh run")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._opt_steps_seen = getattr(optimizer, "_step_calls", 0)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for ``self.last_epoch`` (subclasses implement it)."""
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates the last ``step()`` set, one per param group."""
        return list(self._last_lr)

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Advance one epoch (call it after ``optimizer.step()``) and write the new learning rates."""
        if self._step_count == 1 and getattr(self.optimizer, "_step_calls", 0) == self._opt_steps_seen:
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. You should call them "
                          "in the opposite order: `optimizer.step()` before `lr_scheduler.step()`. Failure to do "
                          "this will result in skipping the first value of the learning rate schedule.",
                          UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def state_dict(self):
        """Every attribute except the optimizer (a deep copy)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the attributes saved by ``state_dict()``."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        self.__dict__.update(copy.deepcopy({k: v for k, v in state_dict.items() if k != "optimizer"}))

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={getattr(self, '_last_lr', None)})"

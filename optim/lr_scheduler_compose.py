"""Schedulers driven by a metric or by other schedulers: ReduceLROnPlateau, SequentialLR and
ChainedScheduler. ``optim.lr_scheduler`` re-exports them."""

import copy
import math
import warnings
from bisect import bisect_right

from .lr_scheduler_base import EPOCH_DEPRECATION_WARNING, LRScheduler, _check_int, _check_real
from .optimizer import Optimizer

__all__ = ["ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"]


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rate when a metric has stopped improving: ``step(metric)`` after each validation.

    After more than ``patience`` epochs without an improvement, lr <- max(lr * factor, min_lr) (a change
    smaller than ``eps`` is skipped), then ``cooldown`` epochs pass before bad epochs count again.
    An improvement is a < best (1 - threshold) (mode min, threshold_mode rel), a < best - threshold (min,
    abs), a > best (1 + threshold) (max, rel) or a > best + threshold (max, abs). A NaN metric is never an
    improvement.

    Args:
        optimizer (Optimizer): the optimizer.
        mode (str): "min" (default; e.g. a loss) or "max" (e.g. an accuracy).
        factor (float): the reduction factor, in [0, 1) (default 0.1).
        patience (int): bad epochs tolerated before reducing (>= 0, default 10).
        threshold (float): the significance threshold (>= 0, default 1e-4).
        threshold_mode (str): "rel" (default) or "abs".
        cooldown (int): epochs to wait after a reduction (>= 0, default 0).
        min_lr (float or list): a lower bound on the learning rate, or one per group (>= 0, default 0).
        eps (float): the smallest change applied (>= 0, default 1e-8).
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        _check_real("factor", factor, lambda f: 0.0 <= f < 1.0, "in [0, 1)")
        _check_int("patience", patience, 0)
        _check_int("cooldown", cooldown, 0)
        _check_real("eps", eps, lambda e: e >= 0, ">= 0")
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            for m in min_lr:
                _check_real("min_lr", m, lambda v: v >= 0, ">= 0")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            _check_real("min_lr", min_lr, lambda v: v >= 0, ">= 0")
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics, epoch=None):
        """Record one value of the monitored metric (a number or a one-element tensor)."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the optimizer ({len(groups)}) differs from when "
                                   f"ReduceLROnPlateau was initialized ({len(self.min_lrs)}); set its min_lrs to "
                                   f"one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min" and self.threshold_mode == "abs":
            return a < best - self.threshold
        if self.mode == "max" and self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode!r} is unknown! Use 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode!r} is unknown! Use 'rel' or 'abs'")
        _check_real("threshold", threshold, lambda t: t >= 0, ">= 0")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


def _check_schedulers(owner, optimizer, schedulers):
    """The schedulers as a list: at least one, each an LRScheduler on ``optimizer``, none a ReduceLROnPlateau."""
    try:
        schedulers = list(schedulers)
    except TypeError:
        raise TypeError(f"{owner} expects a list of schedulers, got {type(schedulers).__name__}") from None
    if not schedulers:
        raise ValueError(f"{owner} expects at least one scheduler, but got no scheduler")
    for i, sched in enumerate(schedulers):
        if not isinstance(sched, LRScheduler) or not hasattr(sched, "optimizer"):
            raise TypeError(f"{owner}: the scheduler at index {i} is a {type(sched).__name__}, not an LRScheduler "
                            f"with an `optimizer` attribute")
        if isinstance(sched, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                             f"kwargs to be specified when calling `step`, but got one at index {i} in the given "
                             f"schedulers sequence")
    if optimizer is None:
        optimizer = schedulers[0].optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    for i, sched in enumerate(schedulers):
        if sched.optimizer is not optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but got scheduler "
                             f"{type(sched).__name__} at index {i} bound to another {type(sched.optimizer).__name__} "
                             f"(id {id(sched.optimizer):#x}), which is different from the "
                             f"{type(optimizer).__name__} (id {id(optimizer):#x})")
    return schedulers, optimizer


class _Composite(LRScheduler):
    """What SequentialLR and ChainedScheduler share: ``state_dict`` nests the schedulers' own."""

    def state_dict(self):
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [sched.state_dict() for sched in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        state = dict(state_dict)
        nested = state.pop("_schedulers", None)
        if nested is None or len(nested) != len(self._schedulers):
            got = "none" if nested is None else len(nested)
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state holds {got} scheduler states, "
                             f"this scheduler has {len(self._schedulers)} schedulers")
        super().load_state_dict(state)
        for sched, saved in zip(self._schedulers, nested):
            sched.load_state_dict(saved)

    def __repr__(self):
        inner = ", ".join(type(s).__name__ for s in self._schedulers)
        return f"{type(self).__name__}([{inner}], last_lr={getattr(self, '_last_lr', None)})"


def _undo_initial_steps(sched):
    """Take back the step each (nested) scheduler took when it was built: last_epoch -= 1."""
    if hasattr(sched, "_schedulers"):
        for inner in sched._schedulers:
            _undo_initial_steps(inner)
    elif hasattr(sched, "last_epoch"):
        sched.last_epoch -= 1


def _start_at_zero(sched):
    """Set ``sched`` to its epoch 0 (the closed form where there is one), without counting a step."""
    sched.last_epoch = 0
    values = sched._get_closed_form_lr() if hasattr(sched, "_get_closed_form_lr") else sched.get_lr()
    for group, lr in zip(sched.optimizer.param_groups, values):
        group["lr"] = lr
    sched._last_lr = sched._current_lrs()


class SequentialLR(_Composite):
    """Run schedulers one after another: ``schedulers[i]`` from epoch ``milestones[i-1]`` (0 for the first)
    until ``milestones[i]``; at a milestone the next scheduler starts from its epoch 0 (its closed form),
    i.e. lr_t = schedulers[i](t - milestones[i-1]) for milestones[i-1] <= t < milestones[i].

    Building it resets the learning rates to ``initial_lr``, takes back the first step every scheduler took
    when it was built, and takes epoch 0 of the scheduler due at epoch 0.

    Args:
        optimizer (Optimizer): the optimizer every scheduler sets.
        schedulers (list): the schedulers, in order (not ReduceLROnPlateau).
        milestones (list of int): len(schedulers) - 1 epochs (>= 0, non-decreasing) where the next one starts.
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        schedulers, optimizer = _check_schedulers("SequentialLR", optimizer, schedulers)
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)} (milestones={milestones})")
        for m in milestones:
            _check_int("each milestone", m, 0)
        if milestones != sorted(milestones):
            raise ValueError(f"milestones must be non-decreasing, got {milestones}")
        _check_int("last_epoch", last_epoch, -1)
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _undo_initial_steps(self)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        """Advance one epoch: step the scheduler due now (start it at its epoch 0 on its milestone)."""
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            _start_at_zero(sched)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several chainable schedulers together: one ``step()`` calls each one's ``step()`` in order, so their
    factors multiply (e.g. lr_t = lr_0 * warm-up factor(t) * gamma^t for a LinearLR and an ExponentialLR).

    Args:
        schedulers (list): the schedulers (not ReduceLROnPlateau), all on one optimizer.
        optimizer (Optimizer): that optimizer; None (default): the first scheduler's.

    Unlike the others it takes no step when built (its schedulers took theirs).
    """

    def __init__(self, schedulers, optimizer=None):
        schedulers, optimizer = _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._current_lrs()

    def step(self):
        """Step every scheduler once, in order."""
        for sched in self._schedulers:
            sched.step()
        self._last_lr = self._current_lrs()

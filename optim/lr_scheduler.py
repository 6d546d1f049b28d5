"""Learning-rate schedulers, with PyTorch's ``torch.optim.lr_scheduler`` names and sequences.

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, opt)      # calls opt.step()
        sched.step()                     # after the optimizer's step, once per epoch

A scheduler writes ``group["lr"]`` of every param group of its optimizer. ``last_epoch`` counts the
scheduler's steps (-1 before the first; the constructor takes step 0). Each scheduler uses PyTorch's
*recursive* (chainable) formula, so its sequence of learning rates equals PyTorch's bit for bit and
several schedulers can act on one optimizer; ``step(epoch)`` (deprecated in PyTorch) jumps with the
closed form where there is one. ``get_last_lr()`` returns the learning rates the last step set.
``state_dict()`` holds every attribute except the optimizer (plain Python values, so it can be saved with
``autograd_core.save``).
"""

import copy
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from .lr_scheduler_base import EPOCH_DEPRECATION_WARNING, LRScheduler, _check_int, _check_real
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "ReduceLROnPlateau"]


class LambdaLR(LRScheduler):
    """lr_t = initial_lr * lr_lambda(t).

    Args:
        optimizer (Optimizer): the optimizer.
        lr_lambda (callable or list): a function of the epoch t giving a factor, or one per param group.
        last_epoch (int): default -1.

    ``state_dict`` saves the state of lambdas that are callable objects (their ``__dict__``), not plain
    functions, which cannot be saved.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 1
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if _is_plain_function(fn) else copy.deepcopy(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(copy.deepcopy(saved))


def _is_plain_function(fn):
    return isinstance(fn, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)) or not hasattr(
        fn, "__dict__")


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every ``step_size`` epochs: lr_t = lr_0 gamma^floor(t / step_size).

    Args:
        optimizer (Optimizer): the optimizer.
        step_size (int): the period of the decay (>= 1).
        gamma (float): the factor (> 0, default 0.1).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_int("step_size", step_size, 1)
        _check_real("gamma", gamma, lambda g: g > 0, "> 0")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by gamma at each milestone epoch (by gamma^k for a milestone listed k times).

    Args:
        optimizer (Optimizer): the optimizer.
        milestones (list of int): epoch indices (>= 0).
        gamma (float): the factor (> 0, default 0.1).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for m in milestones:
            _check_int("each milestone", m, 0)
        _check_real("gamma", gamma, lambda g: g > 0, "> 0")
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]

    def state_dict(self):
        state = super().state_dict()
        state["milestones"] = dict(self.milestones)
        return state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every epoch: lr_t = lr_0 gamma^t.

    Args:
        optimizer (Optimizer): the optimizer.
        gamma (float): the factor (> 0).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_real("gamma", gamma, lambda g: g > 0, "> 0")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial learning rate down to ``eta_min`` over ``T_max`` epochs.

    The closed form (SGDR without restarts) is
    eta_t = eta_min + (eta_max - eta_min) (1 + cos(pi t / T_max)) / 2; as in PyTorch the rate is updated
    recursively, eta_{t+1} = eta_min + (eta_t - eta_min) (1 + cos(pi (t+1) / T_max)) / (1 + cos(pi t / T_max)),
    which also composes with other schedulers; past T_max the cosine continues (the rate climbs back).

    Args:
        optimizer (Optimizer): the optimizer.
        T_max (int): half the period, in epochs (> 0).
        eta_min (float): the lowest learning rate (>= 0, default 0).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_real("T_max", T_max, lambda t: t > 0, "> 0")
        _check_real("eta_min", eta_min, lambda e: e >= 0, ">= 0")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups, t, T, eta_min = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2 for base_lr in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, group in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (group["lr"] - eta_min)
                + eta_min for group in groups]

    def _get_closed_form_lr(self):
        return [self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the learning rate by a factor going linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a warm-up with the defaults), then keep it.

    Args:
        optimizer (Optimizer): the optimizer.
        start_factor (float): the factor at epoch 0, in (0, 1] (default 1/3).
        end_factor (float): the factor from epoch ``total_iters`` on, in [0, 1] (default 1).
        total_iters (int): epochs of the ramp (>= 1, default 5).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        _check_real("start_factor", start_factor, lambda f: 0 < f <= 1, "in (0, 1]")
        _check_real("end_factor", end_factor, lambda f: 0 <= f <= 1, "in [0, 1]")
        _check_int("total_iters", total_iters, 1)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        s, e = self.start_factor, self.end_factor
        return [group["lr"] * (1.0 + (e - s) / (self.total_iters * s + (self.last_epoch - 1) * (e - s)))
                for group in groups]

    def _get_closed_form_lr(self):
        s, e = self.start_factor, self.end_factor
        return [base_lr * (s + (e - s) * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base_lr in self.base_lrs]


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

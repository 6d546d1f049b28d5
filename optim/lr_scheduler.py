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
from bisect import bisect_right
from collections import Counter

from .lr_scheduler_base import LRScheduler, _check_int, _check_real, _is_plain_function
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "ReduceLROnPlateau", "ConstantLR", "PolynomialLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler"]


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


class MultiplicativeLR(LambdaLR):
    """lr_t = lr_{t-1} * lr_lambda(t) for t >= 1 (a factor applied to the current rate each step), as
    ``torch.optim.lr_scheduler.MultiplicativeLR``.

    Args:
        optimizer (Optimizer): the optimizer.
        lr_lambda (callable or list): a function of the epoch t giving the factor, or one per param group.
        last_epoch (int): default -1.
    """

    def get_lr(self):
        if self.last_epoch > 0:
            return [group["lr"] * lmbda(self.last_epoch)
                    for lmbda, group in zip(self.lr_lambdas, self.optimizer.param_groups)]
        return [group["lr"] for group in self.optimizer.param_groups]


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


class ConstantLR(LRScheduler):
    """Scale the learning rate by a constant ``factor`` until epoch ``total_iters``, then restore it:
    lr_t = lr_0 factor for t < total_iters, lr_t = lr_0 from t = total_iters on (a constant warm-up).

    Chainable form: at epoch 0, lr <- lr factor; at epoch ``total_iters``, lr <- lr (1 / factor); otherwise
    the learning rate is left as it is (so other schedulers may change it meanwhile).

    Args:
        optimizer (Optimizer): the optimizer.
        factor (float): the factor, in (0, 1] (default 1/3).
        total_iters (int): the epochs the factor applies for (>= 1, default 5).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        _check_real("factor", factor, lambda f: 0 < f <= 1, "in (0, 1]")
        _check_int("total_iters", total_iters, 1)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in groups]
        if self.last_epoch == self.total_iters:
            return [group["lr"] * (1.0 / self.factor) for group in groups]
        return self._current_lrs()

    def _get_closed_form_lr(self):
        done = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + done * (1 - self.factor)) for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the learning rate polynomially to zero over ``total_iters`` epochs, then keep it at zero:
    lr_t = lr_0 (1 - min(t, total_iters) / total_iters)^power.

    Chainable form: lr_t = lr_{t-1} ((1 - t / T) / (1 - (t - 1) / T))^power for 1 <= t <= T = total_iters.

    Args:
        optimizer (Optimizer): the optimizer.
        total_iters (int): the epochs of the decay (>= 1, default 5).
        power (float): the power of the polynomial (>= 0, default 1: linear).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        _check_int("total_iters", total_iters, 1)
        _check_real("power", power, lambda p: 0 <= p < math.inf, ">= 0 and finite")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T = self.last_epoch, self.total_iters
        if self._is_initial or t > T:
            return self._current_lrs()
        ratio = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        T = self.total_iters
        return [base_lr * (1.0 - min(T, self.last_epoch) / T) ** self.power for base_lr in self.base_lrs]


# the cyclic schedulers and the ones that follow a metric or other schedulers live in their own modules
from .lr_scheduler_compose import ChainedScheduler, ReduceLROnPlateau, SequentialLR  # noqa: E402
from .lr_scheduler_cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR  # noqa: E402

"""The cyclic schedulers of ``optim.lr_scheduler``: CosineAnnealingWarmRestarts, CyclicLR and OneCycleLR
(the last two cycle the momentum too). ``optim.lr_scheduler`` re-exports them."""

import copy
import math

from .lr_scheduler_base import LRScheduler, _check_int, _check_real, _is_plain_function
from .optimizer import Optimizer

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


# --- helpers shared by the schedulers below --------------------------------------------------------
def _per_group(name, optimizer, value):
    """``value`` as one real number per param group (a scalar is repeated)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have one value per param group: got {len(value)} values {list(value)} "
                             f"for {n} param groups")
        values = list(value)
    else:
        values = [value] * n
    for v in values:
        _check_real(name, v, math.isfinite, "finite")
    return values


def _uses_beta1(optimizer, name):
    """True for Adam-style optimizers (momentum is ``betas[0]``), False for ``momentum``; else ValueError."""
    if "betas" in optimizer.defaults:
        return True
    if "momentum" in optimizer.defaults:
        return False
    raise ValueError(f"optimizer must support momentum or beta1 with `cycle_momentum` option enabled: {name} cannot "
                     f"cycle the momentum of {type(optimizer).__name__}, which has neither 'momentum' nor 'betas' "
                     f"(pass cycle_momentum=False)")


def _set_momentum(group, use_beta1, value):
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR): after T_i epochs the rate jumps back to its initial value.

    eta_t = eta_min + (eta_max - eta_min) (1 + cos(pi T_cur / T_i)) / 2, with eta_max the initial learning rate,
    T_cur the (possibly fractional) epochs since the last restart and T_i the length of the current cycle:
    T_0 first, then T_i = T_0 T_mult^i. With T_mult > 1 the restart before epoch e is number
    n = floor(log_{T_mult}(e (T_mult - 1) / T_0 + 1)), so T_cur = e - T_0 (T_mult^n - 1) / (T_mult - 1).

    ``step()`` advances T_cur by one epoch; ``step(epoch)`` jumps to ``epoch``, which may be fractional (call
    it every batch with ``epoch + i / iters``); this is the documented form here, so it does not warn.

    Args:
        optimizer (Optimizer): the optimizer.
        T_0 (int): the length of the first cycle, in epochs (>= 1).
        T_mult (int): the factor by which each cycle is longer than the last (>= 1, default 1).
        eta_min (float): the lowest learning rate (>= 0, default 0).
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check_int("T_0", T_0, 1)
        _check_int("T_mult", T_mult, 1)
        _check_real("eta_min", eta_min, lambda e: 0 <= e < math.inf, ">= 0 and finite")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        eta_min = self.eta_min
        return [eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Advance one epoch, or (``epoch`` given, fractional allowed) jump to that epoch."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            self.last_epoch += 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            _check_real("epoch", epoch, lambda e: 0 <= e < math.inf, ">= 0 and finite")
            if epoch < self.T_0:
                self.T_i, self.T_cur = self.T_0, epoch
            elif self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                m = self.T_mult
                n = int(math.log(epoch / self.T_0 * (m - 1) + 1, m))  # restarts so far
                self.T_cur = epoch - self.T_0 * (m ** n - 1) / (m - 1)
                self.T_i = self.T_0 * m ** n
            self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): the rate goes from ``base_lr`` up to ``max_lr`` in ``step_size_up``
    iterations and back down in ``step_size_down``; call ``step()`` after every batch.

    With t = last_epoch, S = step_size_up + step_size_down and r = step_size_up / S:
    cycle = floor(1 + t / S), x = 1 + t / S - cycle (the position in the cycle, in [0, 1)),
    h = x / r while rising (x <= r), else (x - 1) / (r - 1);
    lr_t = base_lr + (max_lr - base_lr) h s, and with ``cycle_momentum``
    momentum_t = max_momentum - (max_momentum - base_momentum) h s (momentum moves against the rate),
    where s = scale_fn(cycle) (scale_mode "cycle") or scale_fn(t) ("iterations"). The modes are
    "triangular" (s = 1), "triangular2" (s = 1 / 2^(cycle - 1): the amplitude halves each cycle) and
    "exp_range" (s = gamma^t); a ``scale_fn`` given replaces the mode.

    Args:
        optimizer (Optimizer): the optimizer.
        base_lr (float or list): the lower bound, or one per param group (it replaces the groups' lr).
        max_lr (float or list): the upper bound, or one per param group.
        step_size_up (int): iterations of the rising half (> 0, default 2000).
        step_size_down (int): iterations of the falling half (>= 0; None, the default: step_size_up).
        mode (str): "triangular" (default), "triangular2" or "exp_range"; ignored with ``scale_fn``.
        gamma (float): exp_range's factor per iteration (> 0, default 1).
        scale_fn (callable): s(x) in [0, 1], or None (default).
        scale_mode (str): "cycle" (default) or "iterations": what ``scale_fn`` is a function of.
        cycle_momentum (bool): cycle the momentum (SGD's ``momentum``, Adam's beta1) too (default True).
        base_momentum (float or list): the momentum at the peak of the rate (default 0.8).
        max_momentum (float or list): the momentum at the start of a cycle (default 0.9).
        last_epoch (int): the index of the last batch, default -1.

    ``state_dict`` saves the state of a ``scale_fn`` that is a callable object (its ``__dict__``), not of a
    plain function.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        _check_int("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        _check_real("step_size_up", step_size_up, lambda s: 0 < s < math.inf, "> 0 and finite")
        if step_size_down is not None:
            _check_real("step_size_down", step_size_down, lambda s: 0 <= s < math.inf, ">= 0 and finite")
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"mode {mode!r} is unknown and scale_fn is None: use 'triangular', 'triangular2' or "
                             f"'exp_range', or pass a scale_fn")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn should be a function, but got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode {scale_mode!r} is unknown: use 'cycle' or 'iterations'")
        _check_real("gamma", gamma, lambda g: 0 < g < math.inf, "> 0 and finite")
        up = float(step_size_up)
        down = up if step_size_down is None else float(step_size_down)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        if scale_fn is None:  # the built-in modes fix what they are a function of
            scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.scale_mode = scale_mode
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, "CyclicLR")
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for group, low, high in zip(optimizer.param_groups, self.base_momentums, self.max_momentums):
                    _set_momentum(group, self.use_beta1, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x):
        """The amplitude's scale s(x) of the mode (or the ``scale_fn`` given)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        h = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        s = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [low + (high - low) * h * s for low, high in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                _set_momentum(group, self.use_beta1, high - (high - low) * h * s)
        return lrs

    def state_dict(self):
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in ("optimizer", "_scale_fn_custom")}
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or _is_plain_function(fn) else copy.deepcopy(fn.__dict__)
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(copy.deepcopy(saved))


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018): warm up from max_lr / div_factor to ``max_lr``, then anneal to
    max_lr / (div_factor final_div_factor), over ``total_steps`` batches; call ``step()`` after every batch.
    Not chainable: each rate is computed from the phase it falls in.

    Phases (end steps): two, [initial -> max] ending at pct_start T - 1 and [max -> min] ending at T - 1; or,
    with ``three_phase``, [initial -> max] at pct_start T - 1, [max -> initial] at 2 pct_start T - 2 and
    [initial -> min] at T - 1 (T = total_steps). In a phase from step a to step b, with p = (t - a) / (b - a),
    lr_t = anneal(start, end, p), where anneal is "cos": end + (start - end) (1 + cos(pi p)) / 2 or "linear":
    start + (end - start) p. With ``cycle_momentum`` the momentum (SGD's ``momentum``, Adam's beta1) is
    annealed inversely, max_momentum -> base_momentum -> max_momentum (three phases: staying at max in the
    last). Stepping past ``total_steps`` raises ValueError.

    Args:
        optimizer (Optimizer): the optimizer.
        max_lr (float or list): the peak learning rate, or one per param group.
        total_steps (int): the steps of the cycle (>= 1); None (default): epochs * steps_per_epoch.
        epochs (int): with steps_per_epoch, the length of the cycle when total_steps is None.
        steps_per_epoch (int): see epochs.
        pct_start (float): the fraction of the cycle spent warming up, in [0, 1] (default 0.3).
        anneal_strategy (str): "cos" (default) or "linear".
        cycle_momentum (bool): cycle the momentum inversely to the rate (default True).
        base_momentum (float or list): the momentum at the peak rate (default 0.85).
        max_momentum (float or list): the momentum at the start and end (default 0.95).
        div_factor (float): initial_lr = max_lr / div_factor (> 0, default 25).
        final_div_factor (float): min_lr = initial_lr / final_div_factor (> 0, default 1e4).
        three_phase (bool): use the three phases above (default False).
        last_epoch (int): the index of the last batch, default -1.

    The rates and momenta live in each param group (``initial_lr``, ``max_lr``, ``min_lr``, ``max_momentum``,
    ``base_momentum``), so resuming needs the optimizer's state loaded.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        _check_int("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if total_steps is not None:
            _check_int("total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            _check_int("epochs", epochs, 1)
            _check_int("steps_per_epoch", steps_per_epoch, 1)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"You must define either total_steps OR (epochs AND steps_per_epoch); got "
                             f"total_steps=None, epochs={epochs}, steps_per_epoch={steps_per_epoch}")
        self.total_steps = total_steps
        _check_real("pct_start", pct_start, lambda p: 0 <= p <= 1, "in [0, 1]")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy!r}")
        _check_real("div_factor", div_factor, lambda d: 0 < d < math.inf, "> 0 and finite")
        _check_real("final_div_factor", final_div_factor, lambda d: 0 < d < math.inf, "> 0 and finite")
        self._anneal_func_type = anneal_strategy
        self.pct_start = pct_start
        warm_end = float(pct_start * total_steps) - 1
        if three_phase:
            phases = [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                      (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                      (total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            phases = [(warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                      (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [dict(zip(keys, phase)) for phase in phases]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, "OneCycleLR")
            highs = _per_group("max_momentum", optimizer, max_momentum)
            lows = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, low, high in zip(optimizer.param_groups, lows, highs):
                    _set_momentum(group, self.use_beta1, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps} "
                             f"(OneCycleLR's schedule has ended; build it with a larger total_steps)")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if t <= end or i == len(self._schedule_phases) - 1:
                    if end == start:
                        raise ValueError(f"OneCycleLR: phase {i} has no steps (pct_start={self.pct_start}, "
                                         f"total_steps={self.total_steps}); change pct_start or total_steps")
                    pct = (t - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        _set_momentum(group, self.use_beta1, momentum)
                    break
                start = end
        return lrs

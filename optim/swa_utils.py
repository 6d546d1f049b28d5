"""optim.swa_utils: SWALR, the learning-rate schedule of stochastic weight averaging, as
``torch.optim.swa_utils.SWALR``. The averaged model and the BatchNorm refresh, ``AveragedModel`` and
``update_bn`` (with ``get_swa_avg_fn``, ``get_ema_avg_fn`` and their multi-tensor forms), are modules and live
in ``nn.utils.swa_utils`` (optim does not import nn).

    swa_model = nn.utils.swa_utils.AveragedModel(model)
    swa_sched = optim.swa_utils.SWALR(opt, swa_lr=0.05)
    for epoch in range(epochs):
        train_one_epoch(model, opt)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_sched.step()
    nn.utils.swa_utils.update_bn(loader, swa_model)
"""

import math

from .lr_scheduler_base import LRScheduler, _check_int
from .optimizer import Optimizer

__all__ = ["SWALR"]


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps, then hold it:
    lr_t = swa_lr a(t) + lr_0 (1 - a(t)), t = min(1, step / anneal_epochs), with a(t) = (1 - cos(pi t)) / 2
    (``anneal_strategy='cos'``) or a(t) = t ('linear'), written in PyTorch's recursive form from the current
    rate (so it starts from whatever rate the optimizer has when SWA begins).

    Args:
        optimizer (Optimizer): the optimizer.
        swa_lr (float or list): the SWA learning rate (one per param group, or one for all).
        anneal_epochs (int): steps of the annealing, >= 0 (default 10).
        anneal_strategy (str): 'cos' (default) or 'linear'.
        last_epoch (int): default -1.
    """

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        lrs = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(optimizer.param_groups)
        if len(lrs) != len(optimizer.param_groups):
            raise ValueError(f"swa_lr must have the same length as optimizer.param_groups: swa_lr has {len(lrs)}, "
                             f"optimizer.param_groups has {len(optimizer.param_groups)}")
        for lr, group in zip(lrs, optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must by one of 'cos' or 'linear', instead got {anneal_strategy}")
        _check_int("anneal_epochs", anneal_epochs, 0)
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t):
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self._anneal(prev_t)
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self._anneal(t)
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

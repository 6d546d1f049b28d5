"""nn.utils.swa_utils: stochastic weight averaging and exponential moving averages of a model's weights, as
``torch.optim.swa_utils``'s AveragedModel and update_bn (their learning-rate schedule, SWALR, is
``optim.swa_utils.SWALR``).

    SWA:  theta_avg <- theta_avg + (theta - theta_avg) / (n + 1)      (the running mean of n + 1 snapshots)
    EMA:  theta_avg <- lerp(theta_avg, theta, 1 - decay)              (decay * theta_avg + (1 - decay) theta)

``update_bn`` then recomputes the BatchNorm running statistics of the averaged weights with one pass over the
data (cumulative averages: momentum None).
"""

import copy
import itertools

from autograd_core import no_grad, tensor

from ..module import Module
from ..normalization import _BatchNorm

__all__ = ["AveragedModel", "update_bn", "get_swa_avg_fn", "get_ema_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_multi_avg_fn"]


def get_swa_avg_fn():
    """avg_fn(averaged, current, n) = averaged + (current - averaged) / (n + 1)."""
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """avg_fn(ema, current, n) = decay * ema + (1 - decay) * current."""
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_multi_avg_fn():
    """multi_avg_fn(averaged list, current list, n): each averaged += (current - averaged) / (n + 1), in place."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        n = float(num_averaged)
        with no_grad():
            for a, c in zip(averaged_param_list, current_param_list):
                a.add_((c - a) / (n + 1))

    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    """multi_avg_fn(ema list, current list, n): each ema <- lerp(ema, current, 1 - decay), in place."""
    def ema_update(ema_param_list, current_param_list, num_averaged):
        with no_grad():
            for e, c in zip(ema_param_list, current_param_list):
                e.copy_(e.lerp(c, 1 - decay))

    return ema_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) are averaged over the calls of
    ``update_parameters(model)``: by default the SWA running mean; ``avg_fn`` / ``multi_avg_fn`` replace the
    rule (e.g. ``get_ema_multi_avg_fn(0.999)`` for an EMA). Without ``use_buffers`` the buffers are copied from
    ``model`` at each update. Calling it runs the averaged copy. state_dict keys: ``n_averaged`` and
    ``module.<model's keys>``, as PyTorch's."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _tensors(self, model):
        if self.use_buffers:
            return itertools.chain(model.parameters(), model.buffers())
        return model.parameters()

    def update_parameters(self, model):
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        mine, theirs = list(self._tensors(self.module)), list(self._tensors(model))
        if len(mine) != len(theirs):
            raise ValueError(f"AveragedModel.update_parameters: the model has {len(theirs)} tensors to average, "
                             f"the averaged copy {len(mine)}; pass the model it was built from")
        with no_grad():
            current = [p.detach().to(a.device) for a, p in zip(mine, theirs)]
            n = int(self.n_averaged.item())
            if n == 0:
                for a, c in zip(mine, current):
                    a.copy_(c)
            elif self.avg_fn is not None:
                for a, c in zip(mine, current):
                    a.copy_(self.avg_fn(a.detach(), c, self.n_averaged.to(a.device)))
            else:
                fn = self.multi_avg_fn or get_swa_multi_avg_fn()
                floats = [(a, c) for a, c in zip(mine, current) if a.dtype.kind == "f"]
                fn([a for a, _ in floats], [c for _, c in floats], self.n_averaged)
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers()):
                    b_avg.copy_(b_model.detach().to(b_avg.device))
            self.n_averaged.add_(1)


def update_bn(loader, model, device=None):
    """Recompute the running mean and variance of every BatchNorm in ``model`` with one pass over ``loader``
    (batches, or tuples whose first entry is the input), in training mode with cumulative averages; the
    model's mode and the BatchNorms' momenta are restored afterwards."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    batch = batch[0]
                if device is not None:
                    batch = batch.to(device)
                model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)

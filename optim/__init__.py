"""optim: optimizers, learning-rate schedulers, early stopping and gradient clipping, with PyTorch's names.

    import optim
    opt = optim.Adam(model.parameters(), lr=1e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=50)
    stopper = optim.EarlyStopping(patience=5, restore_best_weights=True)
    for epoch in range(50):
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        sched.step()
        if stopper.step(evaluate(model), model):
            break

An optimizer takes an iterable of Tensors (``model.parameters()``) or of param-group dicts; this package
builds on autograd_core only (it does not import nn). Read ``optimizer`` (the base class) first.
"""

from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from .early_stopping import EarlyStopping
from .lbfgs import LBFGS
from .lr_scheduler import (
                           ChainedScheduler,
                           ConstantLR,
                           CosineAnnealingLR,
                           CosineAnnealingWarmRestarts,
                           CyclicLR,
                           ExponentialLR,
                           LambdaLR,
                           LinearLR,
                           LRScheduler,
                           MultiplicativeLR,
                           MultiStepLR,
                           OneCycleLR,
                           PolynomialLR,
                           ReduceLROnPlateau,
                           SequentialLR,
                           StepLR,
)
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "NAdam", "Adamax", "RAdam", "Rprop",
    "ASGD", "LBFGS", "Adafactor", "lr_scheduler", "swa_utils", "LRScheduler", "LambdaLR", "MultiplicativeLR",
    "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ReduceLROnPlateau", "ConstantLR",
    "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler",
    "EarlyStopping", "clip_grad_norm_", "clip_grad_value_", "get_total_norm",
]

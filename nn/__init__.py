"""nn: modules, layers, losses, initialisation and the model zoo, with PyTorch's names.

    import nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    loss = nn.functional.cross_entropy(model(x), y)
"""

from . import functional, init
from .activation import ELU, GELU, Cos, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout, Dropout2d
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (
                   BCELoss,
                   BCEWithLogitsLoss,
                   CrossEntropyLoss,
                   HingeEmbeddingLoss,
                   HuberLoss,
                   KLDivLoss,
                   L1Loss,
                   MSELoss,
                   MultiMarginLoss,
                   NLLLoss,
                   SmoothL1Loss,
                   SoftMarginLoss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .sparse import Embedding

"""LeNet-5 (LeCun et al., 1998), in the form of the benchmarks."""

from ..activation import ReLU
from ..containers import Sequential
from ..conv import Conv2d
from ..linear import Flatten, Linear
from ..pooling import MaxPool2d


class LeNet5(Sequential):
    """conv 1->6 k5 pad 2, ReLU, max-pool 2, conv 6->16 k5, ReLU, max-pool 2, Linear 400-120-84-10.

    Takes (N, in_channels, 28, 28) images (smaller ones, such as the 8x8 Digits, are resized first).
    """

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__(
            Conv2d(in_channels, 6, 5, padding=2), ReLU(), MaxPool2d(2),
            Conv2d(6, 16, 5), ReLU(), MaxPool2d(2), Flatten(),
            Linear(16 * 5 * 5, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, num_classes))

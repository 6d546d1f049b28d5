"""VGG-16 (Simonyan & Zisserman, 2014), with or without BatchNorm, for 224x224 or 32x32 inputs."""

from .. import init
from ..activation import ReLU
from ..containers import Sequential
from ..conv import Conv2d
from ..dropout import Dropout
from ..linear import Flatten, Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d

CONFIG_16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(Module):
    """features (3x3 convs, padding 1, ReLU, 2x2 max-pools) -> classifier.

    ``input_size=224``: torchvision's layout (adaptive average pool to 7x7, Linear 25088-4096-4096-classes
    with dropout; VGG-16 has 138,357,544 parameters). ``input_size=32`` (CIFAR): the 1x1x512 feature map
    goes straight to Linear 512-512-512-classes. Init as torchvision: convs kaiming_normal_(fan_out, relu),
    Linear N(0, 0.01), biases 0.
    """

    def __init__(self, config=CONFIG_16, num_classes=1000, batch_norm=False, input_size=224, dropout=0.5,
                 in_channels=3):
        super().__init__()
        if input_size not in (32, 224):
            raise ValueError(f"VGG: input_size must be 224 (ImageNet layout) or 32 (CIFAR layout), got {input_size}")
        layers, c = [], in_channels
        for v in config:
            if v == "M":
                layers.append(MaxPool2d(2, 2))
            else:
                layers.append(Conv2d(c, v, 3, padding=1))
                if batch_norm:
                    layers.append(BatchNorm2d(v))
                layers.append(ReLU())
                c = v
        self.features = Sequential(*layers)
        if input_size == 224:
            self.avgpool = AdaptiveAvgPool2d((7, 7))
            hidden, flat = 4096, 512 * 7 * 7
        else:
            self.avgpool = AdaptiveAvgPool2d((1, 1))
            hidden, flat = 512, 512
        self.classifier = Sequential(Linear(flat, hidden), ReLU(), Dropout(dropout), Linear(hidden, hidden), ReLU(),
                                     Dropout(dropout), Linear(hidden, num_classes))
        self.flatten = Flatten()
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                init.zeros_(m.bias)
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, Linear):
                init.normal_(m.weight, 0.0, 0.01)
                init.zeros_(m.bias)

    def forward(self, x):
        return self.classifier(self.flatten(self.avgpool(self.features(x))))


def vgg16(num_classes=1000, input_size=224, **kwargs):
    return VGG(CONFIG_16, num_classes=num_classes, batch_norm=False, input_size=input_size, **kwargs)


def vgg16_bn(num_classes=1000, input_size=224, **kwargs):
    return VGG(CONFIG_16, num_classes=num_classes, batch_norm=True, input_size=input_size, **kwargs)

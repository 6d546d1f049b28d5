"""ResNets (He et al., 2015): the lecture's skip connections, x_out = relu(F(x) + x).

BasicBlock (two 3x3 convs; ResNet-18/34) and Bottleneck (1x1, 3x3, 1x1 with 4x expansion, the
stride on the 3x3 as torchvision's v1.5; ResNet-50/101/152). ``stem="imagenet"``: 7x7 stride-2
conv and a 3x3 max-pool, as torchvision (ResNet-18 has 11,689,512 parameters, ResNet-50
25,557,032); ``stem="cifar"``: one 3x3 stride-1 conv and no pool, for 32x32 images. State_dict
keys equal torchvision's.
"""

from .. import init
from ..activation import ReLU
from ..containers import Sequential
from ..conv import Conv2d
from ..linear import Flatten, Linear
from ..module import Module
from ..normalization import BatchNorm2d
from ..pooling import AdaptiveAvgPool2d, MaxPool2d


def conv3x3(in_planes, out_planes, stride=1):
    return Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False)


def conv1x1(in_planes, out_planes, stride=1):
    return Conv2d(in_planes, out_planes, 1, stride=stride, bias=False)


class BasicBlock(Module):
    """out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); gradients reach x along both paths."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = BatchNorm2d(planes)
        self.relu = ReLU()
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(Module):
    """out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)), 4x expansion."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes)
        self.bn1 = BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, stride)
        self.bn2 = BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, planes * self.expansion)
        self.bn3 = BatchNorm2d(planes * self.expansion)
        self.relu = ReLU()
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(Module):
    """stem -> layer1..layer4 (64, 128, 256, 512 planes; strides 1, 2, 2, 2) -> global average pool -> fc."""

    def __init__(self, block, layers, num_classes=1000, stem="imagenet", in_channels=3, zero_init_residual=False):
        super().__init__()
        if stem not in ("imagenet", "cifar"):
            raise ValueError(f"ResNet: stem must be 'imagenet' or 'cifar', got {stem!r}")
        self.inplanes = 64
        if stem == "imagenet":
            self.conv1 = Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = BatchNorm2d(64)
        self.relu = ReLU()
        self.maxpool = MaxPool2d(3, stride=2, padding=1) if stem == "imagenet" else None
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.flatten = Flatten()
        self.fc = Linear(512 * block.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, BatchNorm2d):
                init.ones_(m.weight)
                init.zeros_(m.bias)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                    BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return Sequential(*layers)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.flatten(self.avgpool(x)))


def resnet18(num_classes=1000, stem="imagenet", **kwargs):
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, stem, **kwargs)


def resnet34(num_classes=1000, stem="imagenet", **kwargs):
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes, stem, **kwargs)


def resnet50(num_classes=1000, stem="imagenet", **kwargs):
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes, stem, **kwargs)


def resnet101(num_classes=1000, stem="imagenet", **kwargs):
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes, stem, **kwargs)


def resnet152(num_classes=1000, stem="imagenet", **kwargs):
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes, stem, **kwargs)

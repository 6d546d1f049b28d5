"""The model zoo: MLP, RandomFeatures, LeNet-5, VGG-16 (+BN), ResNet-18/34/50/101/152."""

from .lenet import LeNet5
from .mlp import MLP, RandomFeatures
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152
from .vgg import VGG, vgg16, vgg16_bn

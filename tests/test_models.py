"""The model zoo: shapes, parameter counts (torchvision's for the ImageNet variants), forward and backward."""

import math

import numpy
import pytest

import autograd_core as ag
import nn.functional as F
from checks import host
from nn.models import MLP, LeNet5, RandomFeatures, resnet18, resnet34, resnet50, resnet101, resnet152, vgg16, vgg16_bn


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("build, expected", [
    (resnet18, 11_689_512), (resnet34, 21_797_672), (resnet50, 25_557_032), (resnet101, 44_549_160),
    (resnet152, 60_192_808), (vgg16, 138_357_544), (vgg16_bn, 138_365_992),
])
def test_imagenet_parameter_counts_equal_torchvision(build, expected):
    assert n_params(build()) == expected


def test_resnet_state_dict_keys_follow_torchvision():
    keys = list(resnet18().state_dict())
    assert keys[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                        "bn1.num_batches_tracked"]
    assert "layer2.0.downsample.0.weight" in keys and "layer2.0.downsample.1.running_var" in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"]
    assert "layer1.0.conv3.weight" in resnet50().state_dict()


def _train_step(model, x, y):
    model.train()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and g.shape == p.shape for g, p in zip(grads, model.parameters()))
    assert all(numpy.isfinite(host(g)).all() for g in grads)
    return loss


@pytest.mark.parametrize("build", [lambda: resnet18(10, stem="cifar"), lambda: resnet50(10, stem="cifar")],
                         ids=["resnet18-cifar", "resnet50-cifar"])
def test_cifar_resnets_forward_backward(build, device):
    model = build().to(device)
    x = ag.randn(2, 3, 32, 32, device=device)
    assert model(x).shape == (2, 10)
    _train_step(model, x, ag.tensor([1, 7], device=device))


def test_imagenet_resnet_small_input(device):
    model = resnet18(5).to(device)
    out = model(ag.randn(1, 3, 64, 64, device=device))
    assert out.shape == (1, 5)


@pytest.mark.parametrize("bn", [False, True])
def test_vgg16_cifar_forward_backward(bn, device):
    model = (vgg16_bn if bn else vgg16)(10, input_size=32).to(device)
    x = ag.randn(2, 3, 32, 32, device=device)
    assert model(x).shape == (2, 10)
    _train_step(model, x, ag.tensor([0, 9], device=device))


def test_vgg16_imagenet_layout_shape(device):
    model = vgg16(7).to(device).eval()
    with ag.no_grad():
        assert model(ag.randn(1, 3, 224, 224, device=device)).shape == (1, 7)
    with pytest.raises(ValueError, match="input_size"):
        vgg16(input_size=64)


def test_lenet_and_mlp(device):
    lenet = LeNet5().to(device)
    x = ag.randn(4, 1, 28, 28, device=device)
    assert lenet(x).shape == (4, 10) and n_params(lenet) == 61_706
    _train_step(lenet, x, ag.tensor([0, 1, 2, 3], device=device))
    mlp = MLP(784, [512, 512], 10).to(device)
    assert n_params(mlp) == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    assert mlp(x).shape == (4, 10)


def test_random_features_fixed_first_layer(device):
    model = RandomFeatures(3, 200, 1, activation="cos").to(device)
    assert [n for n, _ in model.named_parameters()] == ["readout.weight", "readout.bias"]
    assert set(model.state_dict()) == {"W1", "b1", "readout.weight", "readout.bias"}
    w1 = host(model.W1).copy()
    x = ag.randn(16, 3, device=device)
    loss = ((model(x) - 1.0) ** 2).mean()
    loss.backward()
    assert model.W1.grad is None and numpy.array_equal(host(model.W1), w1)
    phi = host(model.features(x))
    assert phi.shape == (16, 200) and numpy.abs(phi).max() <= 1 / math.sqrt(200) + 1e-6
    with pytest.raises(ValueError, match="activation"):
        RandomFeatures(3, 10, activation="swish")


def test_random_fourier_features_fit_a_smooth_function():
    ag.manual_seed(0)
    x = ag.linspace(-3, 3, 200).reshape(200, 1)
    y = (2 * x).sin() + 0.5 * x
    model = RandomFeatures(1, 300, 1, activation="cos", bandwidth=0.5)
    import optim

    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 0.01

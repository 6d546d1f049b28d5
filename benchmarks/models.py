"""Training-step workloads: the same model, data and optimizer built in our engine and in PyTorch.

Each model is defined once against an ``nn`` namespace (ours or ``torch.nn``: the names are the same),
so both frameworks run the identical architecture. One call of a step does zero_grad, forward,
cross-entropy, backward and an SGD-with-momentum step.
"""


def lenet(nn):
    """LeNet-5: conv 1->6 k5 pad 2, ReLU, max-pool 2, conv 6->16 k5, ReLU, max-pool 2, 400-120-84-10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def mlp(nn):
    """The 784-512-512-10 multi-layer perceptron."""
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def resnet18_cifar(nn):
    """ResNet-18 with the CIFAR stem (3x3 conv, no max-pool), 10 classes: torchvision's BasicBlock layout."""

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + identity)

    layers = [nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def _ours(build, input_shape):
    def make(device, batch_size):
        import autograd_core as ag
        import nn
        import nn.functional as F
        import optim

        ag.manual_seed(0)
        model = build(nn).to(device)
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = ag.randn(batch_size, *input_shape, device=device)
        y = ag.randint(0, 10, (batch_size,), device=device)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        return step

    return make


def _torch(build, input_shape):
    def make(device, batch_size):
        import torch

        torch.manual_seed(0)
        model = build(torch.nn).to(device)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch_size, *input_shape, device=device)
        y = torch.randint(0, 10, (batch_size,), device=device)

        def step():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        return step

    return make


def _workload(name, build, input_shape, batch, description, repeats, warmup):
    return {"name": name, "description": description, "unit": "ms/step", "scale": 1e3,
            "ours": _ours(build, input_shape), "torch": _torch(build, input_shape),
            "batch_size": batch, "repeats": repeats, "warmup": warmup}


MLP = _workload("mlp", mlp, (784,), {"cpu": 128, "cuda": 128}, "MLP 784-512-512-10 SGD step", 30, 5)
LENET = _workload("lenet", lenet, (1, 28, 28), {"cpu": 64, "cuda": 256}, "LeNet-5 SGD step, 1x28x28", 30, 5)
RESNET18 = _workload("resnet18", resnet18_cifar, (3, 32, 32), {"cpu": 16, "cuda": 128},
                     "ResNet-18 (CIFAR stem) SGD step, 3x32x32", 15, 2)

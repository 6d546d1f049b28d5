"""Training-step workloads: the same model, data and optimizer built in our engine and in PyTorch.

LeNet-5 (conv 1->6 k5 pad 2, ReLU, max-pool 2, conv 6->16 k5, ReLU, max-pool 2, Linear 400-120-84-10;
B=64, 1x28x28) and the 784-512-512-10 MLP (B=128), each one SGD step (zero_grad, forward,
cross-entropy, backward, step) per call.
"""


def _ours_lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _mlp(nn):
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def _ours(build, input_shape, batch_size):
    def make(device):
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


def _torch(build, input_shape, batch_size):
    def make(device):
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


def _workload(name, build, input_shape, batch_size, description):
    return {"name": name, "description": description, "unit": "ms/step", "scale": 1e3,
            "ours": _ours(build, input_shape, batch_size), "torch": _torch(build, input_shape, batch_size),
            "repeats": 30, "warmup": 5}


LENET = _workload("lenet", _ours_lenet, (1, 28, 28), 64, "LeNet-5 SGD step, B=64, 1x28x28")
MLP = _workload("mlp", _mlp, (784,), 128, "MLP 784-512-512-10 SGD step, B=128")

"""Real data: LeNet-5 trained on 8,000 images of the real MNIST test set reaches >= 97% on the other 2,000."""

import os

import pytest

import autograd_core as ag
import nn.functional as F
import optim
from autograd_core.data import MNIST, DataLoader, Subset, transforms
from nn.models import LeNet5

MNIST_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist")


@pytest.mark.slow
def test_lenet_on_real_mnist_reaches_97_percent(device):
    if not os.path.exists(os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz")):
        pytest.skip("the real MNIST test set is not beside the project (../shared/data/mnist)")
    ag.manual_seed(0)
    data = MNIST(MNIST_DIR, train=False, transform=transforms.Normalize(0.1307, 0.3081))
    train, held_out = Subset(data, range(8000)), Subset(data, range(8000, 10000))
    model = LeNet5().to(device)
    opt = optim.Adam(model.parameters(), lr=2e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        model.train()
        for x, y in DataLoader(train, batch_size=64, shuffle=True, device=device):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        sched.step()
    model.eval()
    with ag.no_grad():
        x, y = next(iter(DataLoader(held_out, batch_size=2000, device=device)))
        accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    assert accuracy >= 0.97, f"held-out accuracy {accuracy:.2%}"

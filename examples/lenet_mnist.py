"""LeNet-5 on MNIST (IDX files in --root, as published; --download fetches and checks them).

    python examples/lenet_mnist.py --root data/mnist --download
    python examples/lenet_mnist.py --root path/to/mnist --test-set-split 8000   # only the 10k test set at hand

With --test-set-split N the official test set is split into N training images and the rest held out
(useful when only t10k-*.gz are available).
"""

import argparse

import autograd_core as ag
import nn.functional as F
import optim
from autograd_core.data import MNIST, DataLoader, Subset, transforms
from nn.models import LeNet5


def evaluate(model, dataset, device, batch_size=1000):
    model.eval()
    correct = 0
    with ag.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size, device=device):
            correct += (model(x).argmax(dim=1) == y).sum().item()
    return correct / len(dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="data/mnist")
    parser.add_argument("--download", action="store_true")
    parser.add_argument("--test-set-split", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    ag.manual_seed(0)
    normalize = transforms.Normalize(0.1307, 0.3081)
    if args.test_set_split:
        full = MNIST(args.root, train=False, download=args.download, transform=normalize)
        train = Subset(full, range(args.test_set_split))
        test = Subset(full, range(args.test_set_split, len(full)))
    else:
        train = MNIST(args.root, train=True, download=args.download, transform=normalize)
        test = MNIST(args.root, train=False, transform=normalize)

    model = LeNet5().to(args.device)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for step, (x, y) in enumerate(DataLoader(train, batch_size=args.batch_size, shuffle=True, device=args.device)):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            if step % 50 == 0:
                print(f"epoch {epoch + 1} step {step:4d}  loss {loss.item():.4f}")
        print(f"epoch {epoch + 1}: held-out accuracy {evaluate(model, test, args.device):.2%}")


if __name__ == "__main__":
    main()

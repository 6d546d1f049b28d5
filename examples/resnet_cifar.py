"""A ResNet on CIFAR-format data with augmentation (random crops with padding, flips, colour jitter).

    python examples/resnet_cifar.py --root data/cifar10 --download --epochs 10
    python examples/resnet_cifar.py --synthetic --epochs 1 --limit 64      # a smoke run, no data needed

Reads the CIFAR-10 binary version (cifar-10-batches-bin/). --synthetic writes a few random batch files
in the same binary format to a temporary folder and trains on those.
"""

import argparse
import os
import tempfile

import numpy

import autograd_core as ag
import nn.functional as F
import optim
from autograd_core.data import CIFAR10, DataLoader, Subset, transforms
from nn.models import resnet18

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


def synthetic_cifar(root, n=256):
    folder = os.path.join(root, "cifar-10-batches-bin")
    os.makedirs(folder, exist_ok=True)
    rng = numpy.random.default_rng(0)
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        labels = rng.integers(0, 10, (n, 1))
        pixels = rng.integers(0, 256, (n, 3072))
        numpy.concatenate([labels, pixels], 1).astype(numpy.uint8).tofile(os.path.join(folder, name))
    return root


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default="data/cifar10")
    parser.add_argument("--download", action="store_true")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--limit", type=int, default=0, help="use only this many training images")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    root = synthetic_cifar(tempfile.mkdtemp()) if args.synthetic else args.root
    ag.manual_seed(0)
    augment = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                  transforms.ColorJitter(brightness=0.2, contrast=0.2),
                                  transforms.Normalize(MEAN, STD)])
    train = CIFAR10(root, train=True, download=args.download and not args.synthetic, transform=augment)
    test = CIFAR10(root, train=False, transform=transforms.Normalize(MEAN, STD))
    if args.limit:
        train = Subset(train, range(args.limit))

    model = resnet18(num_classes=10, stem="cifar").to(args.device)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        for step, (x, y) in enumerate(DataLoader(train, batch_size=args.batch_size, shuffle=True, device=args.device)):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            print(f"epoch {epoch + 1} step {step:4d}  loss {loss.item():.4f}", flush=True)
        scheduler.step()
        model.eval()
        correct = 0
        with ag.no_grad():
            for x, y in DataLoader(test, batch_size=256, device=args.device):
                correct += (model(x).argmax(dim=1) == y).sum().item()
        print(f"epoch {epoch + 1}: test accuracy {correct / len(test):.2%}")


if __name__ == "__main__":
    main()

"""The optimizer zoo on one task: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam and NAdam training
the same MLP from the same start on the Digits data. Plots their loss curves.

    python examples/optimizer_zoo.py --epochs 10 --out optimizers.png
"""

import argparse

import autograd_core as ag
import nn.functional as F
import optim
from autograd_core.data import DataLoader, Digits, TensorDataset
from nn.models import MLP

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "SGD + momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "SGD + Nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda p: optim.Adagrad(p, lr=0.05),
    "RMSprop": lambda p: optim.RMSprop(p, lr=1e-3),
    "Adam": lambda p: optim.Adam(p, lr=1e-3),
    "NAdam": lambda p: optim.NAdam(p, lr=2e-3),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", default="optimizers.png")
    args = parser.parse_args()

    train = Digits(train=True)
    curves = {}
    for name, make in OPTIMIZERS.items():
        ag.manual_seed(0)  # the same initial weights and batch order for every optimizer
        model = MLP(64, [128], 10)
        opt = make(model.parameters())
        losses = []
        for _ in range(args.epochs):
            for x, y in DataLoader(TensorDataset(train.data, train.targets), batch_size=64, shuffle=True):
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        curves[name] = losses
        print(f"{name:15s} final loss {sum(losses[-10:]) / 10:.4f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    plt.figure(figsize=(8, 4.5))
    for name, losses in curves.items():
        plt.plot(losses, label=name, lw=1)
    plt.yscale("log")
    plt.xlabel("step")
    plt.ylabel("training loss")
    plt.legend()
    plt.title("Optimizers on the same MLP and data")
    plt.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

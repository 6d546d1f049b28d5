"""Universal approximation (the lecture's eq. 7.2-7.3): a two-layer net y_hat = W2 g(W1 x + b1) + b2
fits a continuous 1-D function as the hidden width n grows. Saves a plot of the fits.

    python examples/universal_approximation.py --out fit.png
"""

import argparse

import autograd_core as ag
import nn
import optim


def target(x):
    return (3 * x).sin() + 0.3 * x * x - (x > 1.0).float()  # smooth parts and a jump


def fit(width, x, y, steps, activation):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, width), activation(), nn.Linear(width, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()  # the lecture's squared loss
        loss.backward()
        opt.step()
    return model, loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--widths", default="2,8,64")
    parser.add_argument("--out", default="universal_approximation.png")
    args = parser.parse_args()

    x = ag.linspace(-2, 2, 256).reshape(256, 1)
    y = target(x)
    fits = []
    for width in [int(w) for w in args.widths.split(",")]:
        model, loss = fit(width, x, y, args.steps, nn.Tanh)
        print(f"n = {width:3d} hidden units: mean squared error {loss:.5f}")
        with ag.no_grad():
            fits.append((width, model(x)))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
        return
    plt.figure(figsize=(7, 4))
    plt.plot(x.numpy().ravel(), y.numpy().ravel(), "k", lw=3, label="target")
    for width, pred in fits:
        plt.plot(x.numpy().ravel(), pred.numpy().ravel(), label=f"n = {width}")
    plt.legend()
    plt.title("A two-layer tanh network approximating a 1-D function")
    plt.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

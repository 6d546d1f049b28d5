"""LeNet-5 on the 8x8 handwritten digits bundled with scikit-learn (no download), PyTorch style.

    python examples/lenet_digits.py --epochs 20
"""

import argparse

import autograd_core as ag
import nn
import nn.functional as F
import optim
from autograd_core.data import DataLoader, Digits, TensorDataset, transforms
from nn.models import LeNet5


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    ag.manual_seed(0)
    resize = transforms.Resize(28)  # LeNet-5 expects 28x28 inputs
    train, test = Digits(train=True), Digits(train=False)
    x_train, x_test = resize(train.data), resize(test.data)
    loader = DataLoader(TensorDataset(x_train, train.targets), batch_size=args.batch_size, shuffle=True,
                        device=args.device)
    augment = transforms.RandomCrop(28, padding=2)

    model = LeNet5().to(args.device)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(augment(x)), y)
            loss.backward()
            optimizer.step()
        scheduler.step()
        model.eval()
        with ag.no_grad():
            logits = model(x_test.to(args.device))
            accuracy = (logits.argmax(dim=1) == test.targets.to(args.device)).float().mean().item()
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  held-out accuracy {accuracy:.2%}")
    assert isinstance(model, nn.Module)


if __name__ == "__main__":
    main()

"""Early stopping with patience (the lecture's 7.6.1): hold out a validation split, stop when the
validation loss has not improved for `patience` epochs, and restore the best weights.

    python examples/early_stopping.py --patience 5
"""

import argparse

import autograd_core as ag
import nn.functional as F
import optim
from autograd_core.data import DataLoader, Digits, TensorDataset, random_split
from nn.models import MLP


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=200)
    args = parser.parse_args()

    ag.manual_seed(0)
    data = Digits(train=True)
    # a deliberately small training split and a big network, so that it overfits and stopping matters
    train, val = random_split(TensorDataset(data.data, data.targets), [200, len(data) - 200])
    x_val, y_val = val.dataset.tensors[0][val.indices], val.dataset.tensors[1][val.indices]
    model = MLP(64, [512, 512], 10)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    stopper = optim.EarlyStopping(patience=args.patience, mode="min", restore_best_weights=True)
    for epoch in range(1, args.max_epochs + 1):
        model.train()
        for x, y in DataLoader(train, batch_size=32, shuffle=True):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        model.eval()
        with ag.no_grad():
            val_loss = F.cross_entropy(model(x_val), y_val).item()
        print(f"epoch {epoch:3d}  validation loss {val_loss:.4f}  (best {stopper.best_score or val_loss:.4f})")
        if stopper.step(val_loss, model):
            print(f"stopped after {epoch} epochs: no improvement for {args.patience}; restored the weights of "
                  f"epoch {stopper.best_epoch} (validation loss {stopper.best_score:.4f})")
            break


if __name__ == "__main__":
    main()

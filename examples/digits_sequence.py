"""A sequence model on the bundled 8x8 digits: each image is read row by row, as a sequence of 8 vectors
of 8 pixels, by a bidirectional LSTM followed by self-attention (PyTorch style).

    python examples/digits_sequence.py --epochs 15

The model: x (N, 8, 8) -> LSTM (N, 8, 2H) -> x + MultiheadAttention(x, x, x) -> LayerNorm -> mean over
the rows -> Linear -> 10 logits. Trained with AdamW under a one-cycle learning rate, with the gradient
norm clipped to 1 (``nn.utils.clip_grad_norm_``), as sequence models usually are.
"""

import argparse

import autograd_core as ag
import nn
import nn.functional as F
import optim
from autograd_core.data import DataLoader, Digits, TensorDataset


class RowReader(nn.Module):
    """Reads an image as a sequence of its rows: LSTM, then self-attention over the row states."""

    def __init__(self, row_size=8, hidden=32, heads=4, classes=10):
        super().__init__()
        self.lstm = nn.LSTM(row_size, hidden, batch_first=True, bidirectional=True)
        self.attn = nn.MultiheadAttention(2 * hidden, heads, batch_first=True)
        self.norm = nn.LayerNorm(2 * hidden)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        h, _ = self.lstm(x)                       # (N, rows, 2 hidden)
        a, _ = self.attn(h, h, h, need_weights=False)
        h = self.norm(h + a)                      # a residual connection, then layer norm
        return self.head(h.mean(dim=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    ag.manual_seed(0)
    train, test = Digits(train=True), Digits(train=False)
    x_train, x_test = train.data.squeeze(1), test.data.squeeze(1)  # (N, 8 rows, 8 pixels)
    loader = DataLoader(TensorDataset(x_train, train.targets), batch_size=args.batch_size, shuffle=True,
                        device=args.device)

    model = RowReader().to(args.device)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                              steps_per_epoch=len(loader))
    for epoch in range(args.epochs):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step()
        model.eval()
        with ag.no_grad():
            logits = model(x_test.to(args.device))
            accuracy = (logits.argmax(dim=1) == test.targets.to(args.device)).float().mean().item()
        print(f"epoch {epoch + 1:2d}  loss {loss.item():.4f}  held-out accuracy {accuracy:.2%}")


if __name__ == "__main__":
    main()

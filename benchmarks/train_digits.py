"""The training demo: LeNet-5 on the 8x8 Digits bundled with scikit-learn (resized to 28x28), to at
least 98% accuracy on the held-out 20%, on one device, with a progress bar."""

import time


def _progress(iterable, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:  # the bench extra installs tqdm; without it, plain iteration
        return iterable
    return tqdm(iterable, desc=desc, leave=True)


def train_lenet_on_digits(device="cpu", max_epochs=40, target=0.98, batch_size=32, lr=2e-3, seed=0, progress=True):
    """Train until the held-out accuracy reaches ``target`` (or ``max_epochs``); returns a summary dict
    with the per-epoch training losses and held-out accuracies."""
    import autograd_core as ag
    import nn.functional as F
    import optim
    from autograd_core.data import DataLoader, Digits, TensorDataset, transforms
    from nn.models import LeNet5

    ag.manual_seed(seed)
    resize = transforms.Resize(28)
    train, test = Digits(train=True), Digits(train=False)
    x_train, y_train = resize(train.data).to(device), train.targets.to(device)
    x_test, y_test = resize(test.data).to(device), test.targets.to(device)
    model = LeNet5().to(device)
    opt = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True)
    losses, accuracies = [], []
    start = time.perf_counter()
    bar = _progress(range(1, max_epochs + 1), f"LeNet-5 on Digits ({device})", progress)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            count += len(yb)
        model.eval()
        with ag.no_grad():
            accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
        losses.append(total / count)
        accuracies.append(accuracy)
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{losses[-1]:.4f}", held_out=f"{accuracy:.2%}")
        if accuracy >= target:
            break
    if hasattr(bar, "close"):
        bar.close()
    return {"device": str(device), "epochs": len(losses), "losses": losses, "accuracies": accuracies,
            "accuracy": accuracies[-1], "target": target, "reached": accuracies[-1] >= target,
            "seconds": time.perf_counter() - start, "train_size": len(y_train), "test_size": len(y_test)}

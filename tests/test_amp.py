"""ag.amp.GradScaler against torch.amp.GradScaler: the scale's trajectory (growth, backoff on an inf/NaN), the
skipped steps, unscale_ before clipping, state_dict, float16 gradients that underflow without scaling, and the
errors of a misused loop."""

import numpy
import pytest

import autograd_core as ag
import optim
from checks import host, torch_or_skip

W0 = numpy.array([[0.5, -0.3], [0.2, 0.8]])
X0 = numpy.array([[1.0, 2.0]])


def _loop(lib, scaler, opt, w, x, steps, bad):
    out = []
    for i in range(steps):
        opt.zero_grad()
        loss = ((x @ w) ** 2).sum()
        if i in bad:
            loss = loss * float("inf")
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        out.append((scaler.get_scale(), (host(w) if lib == "ag" else w.detach().numpy()).copy()))
    return out


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("bad", [(), (2,), (0, 1, 4)])
def test_scale_trajectory_and_skipped_steps_match_torch(bad, device):
    torch = torch_or_skip()
    kw = dict(init_scale=1024.0, growth_interval=2, growth_factor=3.0, backoff_factor=0.25)
    w = ag.tensor(W0, requires_grad=True, device=device)
    ours = _loop("ag", ag.amp.GradScaler("cpu", **kw), optim.SGD([w], lr=0.1, momentum=0.9), w,
                 ag.tensor(X0, device=device), 7, bad)
    tw = torch.tensor(W0, requires_grad=True)
    theirs = _loop("torch", torch.amp.GradScaler("cpu", **kw), torch.optim.SGD([tw], lr=0.1, momentum=0.9), tw,
                   torch.tensor(X0), 7, bad)
    for (s, a), (t, b) in zip(ours, theirs):
        assert s == t
        numpy.testing.assert_allclose(a, b, rtol=1e-14)


def test_unscale_before_clipping_and_state_dict():
    torch = torch_or_skip()
    w = ag.tensor(W0, requires_grad=True)
    scaler = ag.amp.GradScaler("cpu", init_scale=256.0)
    opt = optim.SGD([w], lr=0.1)
    scaler.scale(((ag.tensor(X0) @ w) ** 2).sum()).backward()
    scaler.unscale_(opt)
    tw = torch.tensor(W0, requires_grad=True)
    ((torch.tensor(X0) @ tw) ** 2).sum().backward()
    numpy.testing.assert_allclose(host(w.grad), tw.grad.numpy(), rtol=1e-15)  # the true gradient again
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called"):
        scaler.unscale_(opt)
    assert scaler.step(opt) is None  # (SGD.step returns the closure's loss: None)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called"):
        scaler.step(opt)
    scaler.update()
    state = scaler.state_dict()
    assert state == torch.amp.GradScaler("cpu", init_scale=256.0).state_dict() | {"_growth_tracker": 1}
    again = ag.amp.GradScaler("cpu")
    again.load_state_dict(state)
    assert again.get_scale() == 256.0 and again.state_dict() == state


def test_float16_gradients_survive_with_scaling():
    """d/dw of (w a b) with a = b = 2^-13 is 2^-26, below float16's smallest subnormal (2^-24): it flushes to 0
    unscaled; with the loss scaled by 2^10 the gradient, 2^-16, survives (exactly)."""
    a = b = ag.tensor([2.0 ** -13], dtype=ag.float16)
    w = ag.tensor([1.0], dtype=ag.float16, requires_grad=True)
    (w * a * b).sum().backward()
    assert host(w.grad)[0] == 0
    w.grad = None
    scaler = ag.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale((w * a * b).sum()).backward()
    assert host(w.grad)[0] == 2.0 ** -16


def test_disabled_and_errors():
    w = ag.tensor(W0, requires_grad=True)
    off = ag.amp.GradScaler("cpu", enabled=False)
    loss = (w * 2).sum()
    assert off.scale(loss) is loss and off.get_scale() == 1.0 and off.state_dict() == {}
    if not ag.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            assert not ag.amp.GradScaler().is_enabled()
    for kw, msg in ((dict(growth_factor=1.0), "growth factor must be > 1.0"), (dict(backoff_factor=1.5), "backoff"),
                    (dict(growth_interval=0), "growth_interval must be a positive int"),
                    (dict(init_scale=-1.0), "init_scale must be a positive")):
        with pytest.raises(ValueError, match=msg):
            ag.amp.GradScaler("cpu", **kw)
    scaler = ag.amp.GradScaler("cpu")
    with pytest.raises(RuntimeError, match="No inf checks were recorded"):
        scaler.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(optim.SGD([w], lr=0.1), closure=lambda: None)
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        scaler.scale("loss")

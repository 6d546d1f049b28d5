"""Module.register_full_backward_hook: hook(module, grad_input, grad_output), as PyTorch's."""

import numpy
import pytest

import autograd_core as ag
import nn
from checks import host, torch_or_skip


def _net():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_hook_sees_the_module_gradients(device):
    net = _net().to(device)
    seen = []
    handle = net[2].register_full_backward_hook(lambda m, gi, go: seen.append((m, gi, go)))
    x = ag.tensor(numpy.random.default_rng(0).random((5, 3)), device=device)
    h = net[1](net[0](x))
    h.retain_grad()
    y = net[2](h)
    y.retain_grad()
    (y ** 2).sum().backward()
    (m, gi, go), = seen
    assert m is net[2] and len(gi) == 1 and len(go) == 1
    numpy.testing.assert_allclose(host(go[0]), host(y.grad), rtol=1e-14)        # dL/dy
    numpy.testing.assert_allclose(host(gi[0]), host(h.grad), rtol=1e-14)        # dL/dh = dL/dy W
    numpy.testing.assert_allclose(host(gi[0]), host(go[0]) @ host(net[2].weight), rtol=1e-14)
    handle.remove()
    net.zero_grad()
    (net(x) ** 2).sum().backward()
    assert len(seen) == 1  # removed


def test_replacing_grad_input_changes_what_flows_on(device):
    net = _net().to(device)
    x = ag.tensor(numpy.random.default_rng(1).random((4, 3)), device=device)
    (net(x) ** 2).sum().backward()
    plain = host(net[0].weight.grad).copy()
    net.zero_grad()
    net[2].register_full_backward_hook(lambda m, gi, go: tuple(g * 3.0 for g in gi))
    (net(x) ** 2).sum().backward()
    numpy.testing.assert_allclose(host(net[0].weight.grad), 3.0 * plain, rtol=1e-13)


def test_first_layer_and_inputs_without_gradients(device):
    net = _net().to(device)
    seen = []
    net[0].register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    x = ag.tensor(numpy.ones((2, 3)), device=device)  # the data takes no gradient: grad_input is (None,)
    (net(x) ** 2).sum().backward()
    (gi, go), = seen
    assert gi == (None,) and go[0].shape == (2, 4)

    class Pair(nn.Module):
        def forward(self, a, b, scale):
            return a * b * scale

    seen.clear()
    pair = Pair()
    pair.register_full_backward_hook(lambda m, gi, go: seen.append(gi))
    a = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = ag.tensor([3.0, 4.0], device=device)
    pair(a, b, 2.0).sum().backward()
    gi, = seen
    numpy.testing.assert_allclose(host(gi[0]), [6.0, 8.0])
    assert gi[1] is None and gi[2] is None


def test_no_hook_without_grad_and_errors(device):
    net = _net().to(device)
    calls = []
    net[2].register_full_backward_hook(lambda m, gi, go: calls.append(1))
    with ag.no_grad():
        net(ag.ones(2, 3, dtype=ag.float64, device=device))
    assert calls == []
    net[2].register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    x = ag.ones(2, 3, dtype=ag.float64, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="backward hook of Linear returned 2 gradient\\(s\\) for 1 input\\(s\\)"):
        net(x).sum().backward()


def test_matches_torch():
    torch = torch_or_skip()
    net = _net()
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    tnet.load_state_dict({k: torch.tensor(host(v)) for k, v in net.state_dict().items()})
    ours, theirs = [], []
    for model, store in ((net, ours), (tnet, theirs)):
        model[2].register_full_backward_hook(lambda m, gi, go, store=store: store.append((gi, go)) or
                                             tuple(g * 2 for g in gi))
    x = numpy.random.default_rng(2).random((5, 3))
    (net(ag.tensor(x)) ** 2).sum().backward()
    (tnet(torch.tensor(x, requires_grad=True)) ** 2).sum().backward()
    (gi, go), (tgi, tgo) = ours[0], theirs[0]
    numpy.testing.assert_allclose(host(gi[0]), tgi[0].numpy(), rtol=1e-13)
    numpy.testing.assert_allclose(host(go[0]), tgo[0].numpy(), rtol=1e-13)
    numpy.testing.assert_allclose(host(net[0].weight.grad), tnet[0].weight.grad.numpy(), rtol=1e-13)

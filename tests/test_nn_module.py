"""nn.Module semantics: registration order, state_dict, load_state_dict, modes, devices, hooks, repr."""

import copy

import numpy
import pytest

import autograd_core as ag
import nn
from checks import host, torch_or_skip


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(ag.ones(4))
        self.register_buffer("count", ag.zeros(1))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.body = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
        self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 1)])
        self.extra = nn.ModuleDict({"a": nn.Linear(2, 2)})

    def forward(self, x):
        h = self.body(self.first(x))
        return self.heads[0](h), self.heads[1](h)


def test_registration_order_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["first.scale", "first.fc.weight", "first.fc.bias", "body.0.weight", "body.0.bias",
                     "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias", "extra.a.weight",
                     "extra.a.bias"]  # a module's own parameters, then its children's (as torch)
    assert [n for n, _ in net.named_buffers()] == ["first.count", "first.scratch"]
    assert [n for n, _ in net.named_modules()][:4] == ["", "first", "first.fc", "first.act"]
    assert [n for n, _ in net.named_children()] == ["first", "body", "heads", "extra"]
    assert len(list(net.parameters())) == 11 and len(list(net.modules())) == 12


def test_parameter_order_matches_torch_for_same_architecture():
    torch = torch_or_skip()

    class TBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(3, 4)
            self.scale = torch.nn.Parameter(torch.ones(4))
            self.register_buffer("count", torch.zeros(1))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)
            self.act = torch.nn.ReLU()

    ours = [n for n, _ in Block().named_parameters()]
    theirs = [n for n, _ in TBlock().named_parameters()]
    assert ours == theirs
    assert list(Block().state_dict()) == list(TBlock().state_dict())


def test_state_dict_keys_match_torch_sequential():
    torch = torch_or_skip()
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Identity()))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Identity()))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]


def test_state_dict_shares_memory_and_excludes_non_persistent():
    b = Block()
    sd = b.state_dict()
    assert "scratch" not in sd and "count" in sd
    assert not sd["fc.weight"].requires_grad
    with ag.no_grad():
        b.fc.weight.fill_(3.0)
    assert host(sd["fc.weight"]).max() == 3.0


def test_load_state_dict_roundtrip_and_errors():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    x = ag.randn(5, 3)
    for ya, yb in zip(a(x), b(x)):
        numpy.testing.assert_array_equal(host(ya), host(yb))
    sd = a.state_dict()
    del sd["body.0.bias"]
    sd["bogus.weight"] = ag.zeros(1)
    sd["first.fc.weight"] = ag.zeros(5, 3)
    with pytest.raises(RuntimeError) as info:
        b.load_state_dict(sd)
    message = str(info.value)
    assert 'Missing key(s) in state_dict: "body.0.bias"' in message
    assert 'Unexpected key(s) in state_dict: "bogus.weight"' in message
    assert "size mismatch for first.fc.weight" in message and "(5, 3)" in message and "(4, 3)" in message
    sd2 = a.state_dict()
    del sd2["body.0.bias"]
    sd2["bogus"] = ag.zeros(1)
    missing, unexpected = b.load_state_dict(sd2, strict=False)
    assert missing == ["body.0.bias"] and unexpected == ["bogus"]


def test_load_state_dict_from_torch_gives_same_outputs():
    torch = torch_or_skip()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    ours = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = numpy.random.default_rng(0).standard_normal((4, 3)).astype(numpy.float32)
    numpy.testing.assert_allclose(host(ours(ag.tensor(x))), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                                  atol=1e-6)


def test_train_eval_recurse():
    net = Net()
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")


def test_to_dtype_moves_in_place_and_keeps_identity():
    net = Net()
    p = net.first.fc.weight
    net.double()
    assert p is net.first.fc.weight and p.dtype == ag.float64
    assert net.first.count.dtype == ag.float64
    y = net(ag.randn(2, 3, dtype=ag.float64))[0]
    assert y.dtype == ag.float64
    net.float()
    assert p.dtype == ag.float32
    with pytest.raises(TypeError, match="floating"):
        net.to(ag.int64)


def test_to_device(device):
    net = Net().to(device)
    assert all(p.device == device for p in net.parameters())
    assert all(b.device == device for b in net.buffers())


def test_zero_grad_and_requires_grad_():
    net = Block()
    net(ag.randn(2, 3)).sum().backward()
    assert net.fc.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert host(net.fc.weight.grad).tolist() == [[0.0] * 3] * 4
    net.zero_grad()
    assert net.fc.weight.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen.index("Linear") < seen.index("Block")


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    calls = []
    pre = lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0.0,))
    post = lin.register_forward_hook(lambda m, inp, out: calls.append(out.shape) or out + 1.0)
    y = lin(ag.ones(3, 2))
    numpy.testing.assert_allclose(host(y), host(lin.bias).reshape(1, 2).repeat(3, 0) + 1.0, rtol=1e-6)
    assert calls == [(3, 2)]
    pre.remove()
    post.remove()
    y2 = lin(ag.ones(3, 2))
    assert calls == [(3, 2)] and not numpy.allclose(host(y2), host(y))


def test_attribute_rules():
    m = nn.Module()
    m.w = nn.Parameter(ag.ones(2))
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'w'"):
        m.w = ag.ones(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    with pytest.raises(KeyError, match="'.'"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("x", ag.ones(1))
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing
    del m.w
    assert "w" not in m._parameters

    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Early()


def test_shared_parameter_counted_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_containers():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and len(seq[:2]) == 2
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    with pytest.raises(IndexError, match="out of range"):
        seq[7]
    named = nn.Sequential({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"]
    ml = nn.ModuleList([nn.ReLU()])
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
    del ml[1]
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "Tanh"] and list(ml._modules) == ["0", "1"]
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2


def test_repr_matches_torch():
    torch = torch_or_skip()
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2, bias=False), nn.Softmax(dim=1)),
                         nn.Flatten(), nn.LeakyReLU(0.2), nn.GELU())
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(8, 2, bias=False), torch.nn.Softmax(dim=1)),
                                 torch.nn.Flatten(), torch.nn.LeakyReLU(0.2), torch.nn.GELU())
    assert repr(ours) == repr(theirs)


def test_deepcopy_gives_independent_module():
    net = Net()
    clone = copy.deepcopy(net)
    with ag.no_grad():
        clone.first.fc.weight.fill_(0.0)
    assert host(net.first.fc.weight).any()
    assert isinstance(clone.first.fc.weight, nn.Parameter)
    x = ag.randn(2, 3)
    assert clone(x)[0].shape == (2, 2)


def test_parameter_semantics():
    t = ag.ones(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and isinstance(p, ag.Tensor)
    assert p._data is t._data
    assert "Parameter containing" in repr(p)
    assert not nn.Parameter(ag.ones(1), requires_grad=False).requires_grad

"""Optimizers: float64 trajectories equal torch.optim's, lazy state, param groups, state_dict, closures, errors."""

import re

import numpy
import pytest

import autograd_core as ag
import optim
from checks import host, rand_array, torch_or_skip

# --- a small deterministic problem, written once for both frameworks -----------------------------------------
SHAPES = [(3, 4), (5,), (2, 1, 3)]
INIT = [rand_array(s, seed=i, low=-1.5, high=1.5) for i, s in enumerate(SHAPES)]
CONST = [rand_array(s, seed=10 + i, low=0.5, high=1.5, kinks=()) for i, s in enumerate(SHAPES)]


def loss_fn(ps, cs):
    """sum (a c_a)^2 + sum sin(b c_b) + sum sin(c) c_c + 0.5 sum (c c_c)^2: the same code runs on both frameworks."""
    a, b, c = ps
    ca, cb, cc = cs
    return ((a * ca) ** 2).sum() + (b * cb).sin().sum() + (c.sin() * cc).sum() + 0.5 * ((c * cc) ** 2).sum()


def ours_params(device):
    ps = [ag.tensor(a, dtype=ag.float64, device=device, requires_grad=True) for a in INIT]
    cs = [ag.tensor(c, dtype=ag.float64, device=device) for c in CONST]
    return ps, cs


def torch_params(torch):
    ps = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in INIT]
    cs = [torch.tensor(c, dtype=torch.float64) for c in CONST]
    return ps, cs


def trajectory(opt, ps, cs, steps):
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(ps, cs).backward()
        opt.step()
        out.append([host(p).copy() for p in ps])
    return out


def groups_of(ps, spec):
    return ps if spec is None else spec(ps)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.05, nesterov=True, maximize=True)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.2, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.1, eps=1e-6,
                     maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.05, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, maximize=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.2, amsgrad=True, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.05)),
    ("NAdam", dict(lr=0.05, betas=(0.7, 0.95), momentum_decay=0.01, weight_decay=0.05, maximize=True)),
]


def case_id(case):
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case, device):
    torch = torch_or_skip()
    name, kw = case
    ps, cs = ours_params(device)
    ours = trajectory(getattr(optim, name)(ps, **kw), ps, cs, 10)
    tps, tcs = torch_params(torch)
    theirs = trajectory(getattr(torch.optim, name)(tps, **kw), tps, tcs, 10)
    moved = False
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f"step {step + 1}, param {i}")
            moved |= not numpy.array_equal(x, INIT[i])
    assert moved


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
                                     ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
                                     ("AdamW", dict(lr=0.05)), ("NAdam", dict(lr=0.05, weight_decay=0.1)),
                                     ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.1)), ("Adadelta", dict(weight_decay=0.1))])
def test_float32_trajectory_matches_torch(name, kw, device):
    torch = torch_or_skip()
    ps = [ag.tensor(a, dtype=ag.float32, device=device, requires_grad=True) for a in INIT]
    cs = [ag.tensor(c, dtype=ag.float32, device=device) for c in CONST]
    opt = getattr(optim, name)(ps, **kw)
    ours = trajectory(opt, ps, cs, 10)
    tps = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in INIT]
    tcs = [torch.tensor(c, dtype=torch.float32) for c in CONST]
    theirs = trajectory(getattr(torch.optim, name)(tps, **kw), tps, tcs, 10)
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            assert x.dtype == numpy.float32
            numpy.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6)
    for state in opt.state.values():
        for k, v in state.items():
            assert v.dtype == ag.float32, k


GROUP_CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), lambda ps: [{"params": ps[:2], "lr": 0.02, "nesterov": True},
                                                     {"params": ps[2:], "dampening": 0.5}]),
    ("Adam", dict(lr=0.05), lambda ps: [{"params": [ps[0]], "betas": (0.5, 0.7), "amsgrad": True},
                                        {"params": ps[1:], "lr": 0.01, "weight_decay": 0.3}]),
    ("RMSprop", dict(lr=0.01), lambda ps: [{"params": [ps[1], ps[0]], "centered": True},
                                           {"params": [ps[2]], "momentum": 0.9, "lr": 0.03}]),
]


@pytest.mark.parametrize("name,kw,spec", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_per_group_hyperparameters_match_torch(name, kw, spec, device):
    torch = torch_or_skip()
    ps, cs = ours_params(device)
    opt = getattr(optim, name)(spec(ps), **kw)
    tps, tcs = torch_params(torch)
    topt = getattr(torch.optim, name)(spec(tps), **kw)
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in group.items() if k != "params"} == {k: v for k, v in tgroup.items() if k != "params"}
    for a, b in zip(trajectory(opt, ps, cs, 10), trajectory(topt, tps, tcs, 10)):
        for x, y in zip(a, b):
            numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


ALL = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adagrad", dict()), ("Adadelta", dict()),
       ("RMSprop", dict(momentum=0.5, centered=True)), ("Adam", dict(amsgrad=True)), ("AdamW", dict()),
       ("NAdam", dict())]


@pytest.mark.parametrize("name,kw", ALL, ids=[c[0] for c in ALL])
def test_parameter_without_grad_is_untouched_and_has_no_state(name, kw, device):
    ps, cs = ours_params(device)
    frozen = ag.tensor(INIT[0], dtype=ag.float64, device=device, requires_grad=True)
    opt = getattr(optim, name)([ps[0], frozen, ps[1]], **kw)
    for _ in range(3):
        opt.zero_grad()
        (((ps[0] * cs[0]) ** 2).sum() + ps[1].sin().sum()).backward()
        opt.step()
    assert frozen.grad is None
    numpy.testing.assert_array_equal(host(frozen), INIT[0])
    assert frozen not in opt.state
    assert ps[0] in opt.state and ps[1] in opt.state
    assert not numpy.array_equal(host(ps[0]), INIT[0])
    assert list(opt.state_dict()["state"]) == [0, 2]


def test_sgd_without_momentum_keeps_no_state(device):
    ps, cs = ours_params(device)
    opt = optim.SGD(ps, lr=0.1)
    trajectory(opt, ps, cs, 2)
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}


def test_defaults_fill_groups_and_add_param_group(device):
    ps, cs = ours_params(device)
    opt = optim.SGD([{"params": ps[0], "lr": 0.5}, {"params": [ps[1]]}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[1]["lr"] == 0.1
    assert all(g["momentum"] == 0.9 and g["nesterov"] is False for g in opt.param_groups)
    assert len(opt.param_groups[0]["params"]) == 1 and opt.param_groups[0]["params"][0] is ps[0]
    opt.add_param_group({"params": [ps[2]], "lr": 0.01, "momentum": 0.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["dampening"] == 0
    before = host(ps[2]).copy()
    opt.zero_grad()
    loss_fn(ps, cs).backward()
    g = host(ps[2].grad).copy()
    opt.step()
    numpy.testing.assert_array_equal(host(ps[2]), before - 0.01 * g)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [ps[1]]})
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.add_param_group({"params": [ag.zeros(2, requires_grad=True)], "lr": -1})
    with pytest.raises(ValueError, match="same tensor"):
        optim.SGD([ps[0], ps[0]])


def test_add_param_group_matches_torch(device):
    torch = torch_or_skip()

    def run(mod, ps, cs):
        opt = mod.Adam([ps[0]], lr=0.05)
        out = trajectory(opt, ps, cs, 3)
        opt.add_param_group({"params": ps[1:], "lr": 0.02, "amsgrad": True})
        return out + trajectory(opt, ps, cs, 4)

    for a, b in zip(run(optim, *ours_params(device)), run(torch.optim, *torch_params(torch))):
        for x, y in zip(a, b):
            numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


ROUND_TRIP = [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adagrad", dict(lr_decay=0.1)),
              ("Adadelta", dict(weight_decay=0.1)), ("RMSprop", dict(momentum=0.9, centered=True)),
              ("Adam", dict(lr=0.05, amsgrad=True)), ("AdamW", dict(lr=0.05)), ("NAdam", dict(lr=0.05))]


@pytest.mark.parametrize("name,kw", ROUND_TRIP, ids=[c[0] for c in ROUND_TRIP])
def test_state_dict_round_trip_is_bitwise(name, kw, device, tmp_path):
    cls = getattr(optim, name)
    ps, cs = ours_params(device)
    straight = trajectory(cls(ps, **kw), ps, cs, 10)[-1]

    ps, cs = ours_params(device)
    first = cls(ps, **kw)
    trajectory(first, ps, cs, 5)
    sd = first.state_dict()
    frozen = {i: {k: host(v).copy() for k, v in s.items()} for i, s in sd["state"].items()}
    ag.save({"optimizer": sd}, tmp_path / "opt.safetensors")
    loaded = ag.load(tmp_path / "opt.safetensors")["optimizer"]
    for source in (sd, loaded):
        ps2 = [ag.tensor(host(p), device=device, requires_grad=True) for p in ps]
        second = cls(ps2, **kw)
        second.load_state_dict(source)
        resumed = trajectory(second, ps2, cs, 5)[-1]
        for x, y in zip(resumed, straight):
            assert numpy.array_equal(x, y), f"{name}: 5 + 5 steps differ from 10 straight steps"
    trajectory(first, ps, cs, 2)  # neither the saved dict nor the loaded copy aliases live state
    for i, s in sd["state"].items():
        for k, v in s.items():
            numpy.testing.assert_array_equal(host(v), frozen[i][k], err_msg=f"state {i} {k} changed")


def test_state_dict_matches_torch_structure(device):
    torch = torch_or_skip()
    for name, kw in [("Adam", dict(lr=0.01)), ("SGD", dict(lr=0.1, momentum=0.9)), ("AdamW", dict(amsgrad=True)),
                     ("NAdam", dict()), ("RMSprop", dict(momentum=0.9, centered=True)), ("Adadelta", dict())]:
        ps, cs = ours_params(device)
        opt = getattr(optim, name)([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.3}], **kw)
        tps, tcs = torch_params(torch)
        topt = getattr(torch.optim, name)([{"params": tps[:1]}, {"params": tps[1:], "lr": 0.3}], **kw)
        trajectory(opt, ps, cs, 2)
        trajectory(topt, tps, tcs, 2)
        sd, tsd = opt.state_dict(), topt.state_dict()
        assert list(sd) == list(tsd) == ["state", "param_groups"]
        assert sd["param_groups"] == tsd["param_groups"], name
        assert list(sd["state"]) == list(tsd["state"])
        for i in sd["state"]:
            assert list(sd["state"][i]) == list(tsd["state"][i]), name
            for k, v in sd["state"][i].items():
                tv = tsd["state"][i][k]
                assert str(v.dtype) == str(tv.dtype).replace("torch.", ""), (name, k)
                assert tuple(v.shape) == tuple(tv.shape)
                numpy.testing.assert_allclose(host(v), tv.numpy(), rtol=1e-12, atol=1e-12, err_msg=f"{name} {k}")
                if k == "step":
                    assert v.device == ag.device("cpu") and v.dtype == ag.float32


def test_load_state_dict_validates(device):
    ps, cs = ours_params(device)
    opt = optim.Adam(ps)
    trajectory(opt, ps, cs, 1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match=re.escape("has 1 parameter group(s), but this optimizer has 2")):
        optim.Adam([{"params": ps[:1]}, {"params": ps[1:]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 3 parameter"):
        optim.Adam(ps[:2]).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})
    swapped = optim.Adam([ps[1], ps[0], ps[2]])
    with pytest.raises(ValueError, match=re.escape("'exp_avg' of shape (3, 4), but the parameter has shape (5,)")):
        swapped.load_state_dict(sd)
    assert len(swapped.state) == 0  # a failed load changes nothing


def test_load_state_dict_casts_to_param_dtype_and_restores_groups(device):
    ps, cs = ours_params(device)
    opt = optim.Adam(ps, lr=0.01)
    trajectory(opt, ps, cs, 2)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.123
    ps32 = [ag.tensor(host(p), dtype=ag.float32, device=device, requires_grad=True) for p in ps]
    opt32 = optim.Adam(ps32, lr=0.5)
    opt32.load_state_dict(sd)
    assert opt32.param_groups[0]["lr"] == 0.123 and opt32.param_groups[0]["params"][0] is ps32[0]
    st = opt32.state[ps32[0]]
    assert st["exp_avg"].dtype == ag.float32 and st["step"].dtype == ag.float32 and float(st["step"]) == 2.0
    assert str(st["exp_avg"].device) == str(ps32[0].device)
    sd["param_groups"][0]["lr"] = 7.0  # the optimizer holds its own copy
    assert opt32.param_groups[0]["lr"] == 0.123
    adamw = optim.AdamW(ps32)
    adamw.load_state_dict(sd)  # an Adam state dict: AdamW keeps decoupled weight decay
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_state_follows_parameter_device_and_dtype(device):
    import nn

    model = nn.Linear(4, 3).double()
    opt = optim.Adam(model.parameters(), lr=0.01)
    sgd = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x64 = ag.tensor(rand_array((6, 4), seed=3), dtype=ag.float64)
    for o in (opt, sgd):
        o.zero_grad()
        model(x64).sum().backward()
        o.step()
    model.to(device).float()
    x = ag.tensor(rand_array((6, 4), seed=3), dtype=ag.float32, device=device)
    for o in (opt, sgd):
        o.zero_grad()
        model(x).sum().backward()
        o.step()
    for p in model.parameters():
        assert p.dtype == ag.float32 and str(p.device) == str(ag.device(device))
        for k, v in list(opt.state[p].items()) + list(sgd.state[p].items()):
            if k == "step":
                assert v.dtype == ag.float32 and str(v.device) == "cpu"
            else:
                assert v.dtype == ag.float32 and str(v.device) == str(p.device), k
        assert numpy.isfinite(host(p)).all()


def test_closure_is_evaluated_with_grad_and_loss_returned(device):
    ps, cs = ours_params(device)
    opt = optim.SGD(ps, lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = loss_fn(ps, cs)
        loss.backward()
        calls.append(float(loss))
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [float(loss)]
    assert not numpy.array_equal(host(ps[0]), INIT[0])
    assert opt.step() is None


def test_lbfgs_style_closure_matches_torch(device):
    torch = torch_or_skip()

    def run(mod, ps, cs):
        opt = mod.Adam(ps, lr=0.05)
        losses = []
        for _ in range(5):
            def closure():
                opt.zero_grad()
                loss = loss_fn(ps, cs)
                loss.backward()
                return loss
            losses.append(opt.step(closure).item())
        return losses, [host(p) for p in ps]

    (la, pa), (lb, pb) = run(optim, *ours_params(device)), run(torch.optim, *torch_params(torch))
    numpy.testing.assert_allclose(la, lb, rtol=1e-12)
    for x, y in zip(pa, pb):
        numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_zero_grad(device):
    ps, cs = ours_params(device)
    opt = optim.SGD(ps)
    loss_fn(ps, cs).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not host(p.grad).any() for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_step_does_not_record_a_graph_and_keeps_dtype(device):
    ps = [ag.tensor(a, dtype=ag.float32, device=device, requires_grad=True) for a in INIT]
    cs = [ag.tensor(c, dtype=ag.float32, device=device) for c in CONST]
    for cls in (optim.SGD, optim.Adam, optim.NAdam, optim.RMSprop, optim.Adagrad, optim.Adadelta):
        trajectory(cls(ps, lr=0.01), ps, cs, 2)
        assert all(p.is_leaf and p.dtype == ag.float32 and p.requires_grad for p in ps)


def test_constructor_errors(device):
    p = ag.zeros(3, device=device, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])
    with pytest.raises(TypeError, match="parameter 1 of the group is ndarray"):
        optim.SGD([p, numpy.zeros(3)])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p})
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([p], lr="0.1")
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adam([p], differentiable=True)
    named = optim.SGD([("w", p)], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["w"] and named.param_groups[0]["params"][0] is p
    assert "SGD (" in repr(named) and "lr: 0.1" in repr(named)


BAD = [
    (optim.SGD, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.SGD, dict(lr=float("nan")), "Invalid learning rate: nan"),
    (optim.SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    (optim.SGD, dict(weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    (optim.SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening (got momentum=0"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "(got momentum=0.9, dampening=0.1)"),
    (optim.Adagrad, dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (optim.Adagrad, dict(lr_decay=-0.5), "Invalid lr_decay value: -0.5"),
    (optim.Adagrad, dict(weight_decay=-2), "Invalid weight_decay value: -2"),
    (optim.Adagrad, dict(initial_accumulator_value=-0.1), "Invalid initial_accumulator_value value: -0.1"),
    (optim.Adagrad, dict(eps=-1e-10), "Invalid epsilon value: -1e-10"),
    (optim.Adadelta, dict(lr=-0.5), "Invalid learning rate: -0.5"),
    (optim.Adadelta, dict(rho=1.5), "Invalid rho value: 1.5"),
    (optim.Adadelta, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (optim.Adadelta, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (optim.RMSprop, dict(lr=-0.01), "Invalid learning rate: -0.01"),
    (optim.RMSprop, dict(alpha=-0.9), "Invalid alpha value: -0.9"),
    (optim.RMSprop, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (optim.RMSprop, dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    (optim.RMSprop, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (optim.Adam, dict(lr=-0.001), "Invalid learning rate: -0.001"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (optim.Adam, dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (optim.Adam, dict(betas=(0.9,)), "betas must be a pair"),
    (optim.AdamW, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.AdamW, dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (optim.AdamW, dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (optim.NAdam, dict(lr=-0.002), "Invalid learning rate: -0.002"),
    (optim.NAdam, dict(betas=(-0.1, 0.999)), "Invalid beta parameter at index 0: -0.1"),
    (optim.NAdam, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (optim.NAdam, dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (optim.NAdam, dict(momentum_decay=-0.004), "Invalid momentum_decay value: -0.004"),
]


@pytest.mark.parametrize("cls,kw,message", BAD, ids=[f"{c.__name__}-{m}" for c, _, m in BAD])
def test_bad_hyperparameters_raise_naming_the_value(cls, kw, message, device):
    p = ag.zeros(3, device=device, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape(message)):
        cls([p], **kw)

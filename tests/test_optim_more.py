"""Adamax, RAdam, Rprop, ASGD and LBFGS: float64 trajectories equal torch.optim's, lazy state, state_dict
round trips, errors, and a run on the strict device."""

import re

import numpy
import pytest
import strict_device as sd

import autograd_core as ag
import backends
import optim
from autograd_core.tensor import make_tensor
from checks import host, rand_array, torch_or_skip

# --- a small deterministic problem, written once for both frameworks -----------------------------------------
SHAPES = [(3, 4), (5,), (2, 1, 3)]
INIT = [rand_array(s, seed=40 + i, low=-1.5, high=1.5) for i, s in enumerate(SHAPES)]
CONST = [rand_array(s, seed=50 + i, low=0.5, high=1.5, kinks=()) for i, s in enumerate(SHAPES)]


def loss_fn(ps, cs):
    """sum (a c_a)^2 + sum sin(3 b c_b) + sum sin(c) c_c + 0.5 sum (c c_c)^2 (oscillating gradients flip signs)."""
    a, b, c = ps
    ca, cb, cc = cs
    return ((a * ca) ** 2).sum() + (b * cb * 3).sin().sum() + (c.sin() * cc).sum() + 0.5 * ((c * cc) ** 2).sum()


def ours_params(device, dtype=ag.float64):
    ps = [ag.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in INIT]
    cs = [ag.tensor(c, dtype=dtype, device=device) for c in CONST]
    return ps, cs


def torch_params(torch, dtype=None):
    dtype = dtype or torch.float64
    ps = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in INIT]
    cs = [torch.tensor(c, dtype=dtype) for c in CONST]
    return ps, cs


def trajectory(opt, ps, cs, steps):
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(ps, cs).backward()
        opt.step()
        out.append([host(p).copy() for p in ps])
    return out


CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("Adamax", dict(lr=0.1, betas=(0.5, 0.8), eps=1e-3, weight_decay=0.2, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.8, 0.9))),  # rho_t > 5 from step 6 on (0.999: also step 6)
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, maximize=True)),
    ("RAdam", dict(lr=0.05, betas=(0.7, 0.85), eps=1e-4, weight_decay=0.3, decoupled_weight_decay=True,
                   maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.1)),
    ("Rprop", dict(lr=0.1, etas=(0.3, 1.5))),
    ("Rprop", dict(lr=0.1, step_sizes=(0.02, 0.15))),  # both bounds bite
    ("Rprop", dict(lr=0.1, maximize=True)),
    ("Rprop", dict(lr=0.2, etas=(0.6, 1.1), step_sizes=(0.05, 0.3), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, t0=3)),  # averaging from step 4 on (mu != 1)
    ("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=0)),
    ("ASGD", dict(lr=0.05, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, maximize=True)),
    ("ASGD", dict(lr=0.1, lambd=0.05, alpha=0.9, t0=2.5, weight_decay=0.2, maximize=True)),
]


def case_id(case):
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


def _numpy(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else numpy.asarray(v)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_and_state_match_torch(case, device):
    torch = torch_or_skip()
    name, kw = case
    ps, cs = ours_params(device)
    opt = getattr(optim, name)(ps, **kw)
    ours = trajectory(opt, ps, cs, 10)
    tps, tcs = torch_params(torch)
    topt = getattr(torch.optim, name)(tps, **kw)
    theirs = trajectory(topt, tps, tcs, 10)
    moved = False
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f"step {step + 1}, param {i}")
            moved |= not numpy.array_equal(x, INIT[i])
    assert moved
    sd_, tsd = opt.state_dict(), topt.state_dict()
    assert sd_["param_groups"] == tsd["param_groups"]
    for i in tsd["state"]:
        assert list(sd_["state"][i]) == list(tsd["state"][i])
        for k, tv in tsd["state"][i].items():
            v = sd_["state"][i][k]
            assert str(v.dtype) == str(tv.dtype).replace("torch.", ""), (k, v.dtype, tv.dtype)
            numpy.testing.assert_allclose(host(v), _numpy(tv), rtol=1e-12, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("name,kw", [("Adamax", dict(lr=0.05, weight_decay=0.1)),
                                     ("RAdam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
                                     ("Rprop", dict(lr=0.1, step_sizes=(0.02, 0.15))),
                                     ("ASGD", dict(lr=0.05, t0=3, lambd=0.1))])
def test_float32_trajectory_matches_torch(name, kw, device):
    torch = torch_or_skip()
    ps, cs = ours_params(device, ag.float32)
    opt = getattr(optim, name)(ps, **kw)
    ours = trajectory(opt, ps, cs, 10)
    tps, tcs = torch_params(torch, torch.float32)
    theirs = trajectory(getattr(torch.optim, name)(tps, **kw), tps, tcs, 10)
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            assert x.dtype == numpy.float32
            numpy.testing.assert_allclose(x, y, rtol=2e-5, atol=2e-6)
    for state in opt.state.values():
        for k, v in state.items():
            assert v.dtype == ag.float32, k
            if k in ("step", "eta", "mu"):
                assert str(v.device) == "cpu", k
            else:
                assert str(v.device) == str(ps[0].device), k


GROUP_CASES = [
    ("Adamax", dict(lr=0.05), lambda ps: [{"params": ps[:2], "betas": (0.6, 0.7)}, {"params": ps[2:], "lr": 0.1}]),
    ("RAdam", dict(lr=0.05), lambda ps: [{"params": [ps[0]], "weight_decay": 0.1, "decoupled_weight_decay": True},
                                         {"params": ps[1:], "betas": (0.8, 0.9)}]),
    ("Rprop", dict(lr=0.1), lambda ps: [{"params": [ps[2], ps[0]], "etas": (0.4, 1.3)},
                                        {"params": [ps[1]], "step_sizes": (0.01, 0.2), "maximize": True}]),
    ("ASGD", dict(lr=0.05), lambda ps: [{"params": ps[:1], "t0": 2}, {"params": ps[1:], "lr": 0.02}]),
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


def test_radam_switches_to_the_rectified_step_when_rho_exceeds_5(device):
    """A constant gradient g: m^_t = g, so the first five steps (rho_t <= 5 with beta_2 = 0.999) move by
    exactly -lr g, and from step 6 on by -lr g l_t r_t."""
    g = numpy.array([0.5, -2.0, 1.0])
    p = ag.tensor(numpy.zeros(3), dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.RAdam([p], lr=0.1)
    beta2, eps = 0.999, 1e-8
    rho_inf = 2 / (1 - beta2) - 1
    before = numpy.zeros(3)
    for t in range(1, 9):
        p.grad = ag.tensor(g, dtype=ag.float64, device=device)
        opt.step()
        delta = host(p) - before
        before = host(p).copy()
        rho = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        if t <= 5:
            assert rho <= 5
            numpy.testing.assert_allclose(delta, -0.1 * g, rtol=1e-12)
        else:
            rect = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
            adaptive = (1 - beta2 ** t) ** 0.5 / (numpy.abs(g) * (1 - beta2 ** t) ** 0.5 + eps)
            numpy.testing.assert_allclose(delta, -0.1 * g * adaptive * rect, rtol=1e-9)


# --- LBFGS ------------------------------------------------------------------------------------------------
LSQ_A = rand_array((7, 4), seed=60)
LSQ_B = rand_array((7,), seed=61)


def rosenbrock(ps, _):
    """sum 100 (y - x^2)^2 + (1 - x)^2 over pairs, plus a coupling term: a smooth, curved valley."""
    x, y = ps
    return (100 * (y - x * x) ** 2 + (1 - x) ** 2).sum() + 0.1 * (x * y).sum()


def least_squares(ps, consts):
    (w,) = ps
    a, b = consts
    return 0.5 * (((a * w).sum(1) - b) ** 2).sum() + 0.01 * (w * w).sum()


PROBLEMS = {
    "rosenbrock": (rosenbrock, [numpy.array([-1.2, 0.5, -0.3]), numpy.array([1.0, 0.8, -0.4])], []),
    "least_squares": (least_squares, [rand_array((4,), seed=62)], [LSQ_A, LSQ_B]),
}

LBFGS_CASES = [
    ("least_squares", dict(), 5),
    ("least_squares", dict(lr=0.5, max_iter=3, history_size=2), 5),
    ("rosenbrock", dict(lr=0.1, max_iter=4, history_size=3), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe"), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", max_iter=6, history_size=2), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.7, max_iter=8, max_eval=9), 5),
    ("least_squares", dict(line_search_fn="strong_wolfe", max_iter=5), 5),
    ("least_squares", dict(line_search_fn="strong_wolfe", tolerance_change=1e-3, tolerance_grad=1e-2), 5),
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=0.01), 3),  # the line search runs out of evaluations
    ("rosenbrock", dict(line_search_fn="strong_wolfe", lr=200), 3),  # zoom: the safeguard against slow progress
    ("least_squares", dict(line_search_fn="strong_wolfe", lr=50, max_eval=3), 5),
]


def lbfgs_run(mod, tensor, problem, kw, steps, params=None):
    fn, init, consts = PROBLEMS[problem]
    ps = params if params is not None else [tensor(a, True) for a in init]
    cs = [tensor(c, False) for c in consts]
    opt = mod.LBFGS(ps, **kw)
    losses, traj = [], []
    for _ in range(steps):
        def closure():
            opt.zero_grad()
            loss = fn(ps, cs)
            loss.backward()
            return loss
        losses.append(float(opt.step(closure).detach()))
        traj.append([host(p).copy() for p in ps])
    return opt, losses, traj


def ours_maker(device, dtype=ag.float64):
    return lambda a, rg: ag.tensor(a, dtype=dtype, device=device, requires_grad=rg)


@pytest.mark.parametrize("problem,kw,steps", LBFGS_CASES,
                         ids=[f"{p}-{case_id(('LBFGS', kw))}" for p, kw, _ in LBFGS_CASES])
def test_lbfgs_matches_torch(problem, kw, steps, device):
    """Parameters and losses after each step(closure) equal torch's. Dot products are summed in another
    order than torch's, so rounding differences (1e-15 after the first step) grow along the ill-conditioned
    Rosenbrock valley; the runs with many line-search iterations per step are kept to 3 steps."""
    torch = torch_or_skip()
    opt, la, pa = lbfgs_run(optim, ours_maker(device), problem, kw, steps)
    topt, lb, pb = lbfgs_run(torch.optim, lambda a, rg: torch.tensor(a, dtype=torch.float64, requires_grad=rg),
                             problem, kw, steps)
    numpy.testing.assert_allclose(la, lb, rtol=1e-10, atol=1e-12)
    for step, (a, b) in enumerate(zip(pa, pb)):
        for x, y in zip(a, b):
            numpy.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"step {step + 1}")
    st, tst = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert list(st) == list(tst)
    assert st["func_evals"] == tst["func_evals"] and st["n_iter"] == tst["n_iter"]
    assert len(st["old_dirs"]) == len(tst["old_dirs"]) and len(st["ro"]) == len(tst["ro"])
    numpy.testing.assert_allclose(host(st["d"]), _numpy(tst["d"]), rtol=1e-8, atol=1e-12)
    numpy.testing.assert_allclose(float(st["t"]), float(tst["t"]), rtol=1e-8)
    assert opt.param_groups[0]["max_eval"] == topt.param_groups[0]["max_eval"]


def test_lbfgs_converges_on_rosenbrock(device):
    opt, losses, traj = lbfgs_run(optim, ours_maker(device), "rosenbrock", dict(line_search_fn="strong_wolfe"), 8)
    assert losses[-1] < 1e-2 * losses[0] and losses[-1] == pytest.approx(losses[-2], abs=1e-9)  # settled
    x, y = traj[-1]
    # the three (x_i, y_i) pairs are the same problem, so they reach the same stationary point
    assert numpy.ptp(x) < 1e-5 and numpy.ptp(y) < 1e-5 and 0.8 < x[0] < 1.0
    assert max(numpy.abs(host(p.grad)).max() for p in opt.param_groups[0]["params"]) < 1e-3
    assert opt.state[opt.param_groups[0]["params"][0]]["func_evals"] > 8


def test_lbfgs_history_is_bounded(device):
    opt, _, _ = lbfgs_run(optim, ours_maker(device), "rosenbrock", dict(history_size=2, lr=0.1, max_iter=10), 2)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 2
    assert state["n_iter"] == 20


def test_lbfgs_needs_a_closure_and_one_group(device):
    p = ag.zeros(3, dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [ag.zeros(2, requires_grad=True)]}])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [ag.zeros(2, requires_grad=True)]})
    assert opt.param_groups[0]["max_eval"] == 25


def test_lbfgs_stops_at_once_when_the_gradient_vanishes(device):
    p = ag.tensor([1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    opt = optim.LBFGS([p])
    calls = []

    def closure():
        opt.zero_grad()
        loss = (p * 0.0).sum()
        loss.backward()
        calls.append(1)
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and list(opt.state[p]) == ["func_evals", "n_iter"]
    numpy.testing.assert_array_equal(host(p), [1.0, 2.0])


# --- shared behaviour ---------------------------------------------------------------------------------------
ALL = [("Adamax", dict(lr=0.05)), ("RAdam", dict(lr=0.05, betas=(0.8, 0.9))), ("Rprop", dict(lr=0.1)),
       ("ASGD", dict(lr=0.05, t0=2))]


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
    assert not numpy.array_equal(host(ps[0]), INIT[0])
    assert list(opt.state_dict()["state"]) == [0, 2]


def test_lbfgs_parameter_without_grad_is_untouched(device):
    torch = torch_or_skip()
    fn, init, _ = PROBLEMS["rosenbrock"]
    results = []
    for mod, make in ((optim, ours_maker(device)),
                      (torch.optim, lambda a, rg: torch.tensor(a, dtype=torch.float64, requires_grad=rg))):
        frozen = make(INIT[1], True)
        ps = [make(a, True) for a in init]
        opt = mod.LBFGS([ps[0], frozen, ps[1]], line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = fn(ps, None)
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        assert frozen.grad is None
        numpy.testing.assert_array_equal(host(frozen), INIT[1])
        results.append([host(p) for p in ps])
    for x, y in zip(*results):
        numpy.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


ROUND_TRIP = ALL + [("Adamax", dict(lr=0.05, maximize=True, weight_decay=0.1)),
                    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
                    ("Rprop", dict(lr=0.1, step_sizes=(0.02, 0.15))), ("ASGD", dict(lr=0.05, t0=7, lambd=0.1))]


@pytest.mark.parametrize("name,kw", ROUND_TRIP, ids=[case_id(c) for c in ROUND_TRIP])
def test_state_dict_round_trip_is_bitwise(name, kw, device, tmp_path):
    cls = getattr(optim, name)
    ps, cs = ours_params(device)
    straight = trajectory(cls(ps, **kw), ps, cs, 10)[-1]

    ps, cs = ours_params(device)
    first = cls(ps, **kw)
    trajectory(first, ps, cs, 5)
    sd_ = first.state_dict()
    frozen = {i: {k: host(v).copy() for k, v in s.items()} for i, s in sd_["state"].items()}
    ag.save({"optimizer": sd_}, tmp_path / "opt.safetensors")
    loaded = ag.load(tmp_path / "opt.safetensors")["optimizer"]
    for source in (sd_, loaded):
        ps2 = [ag.tensor(host(p), device=device, requires_grad=True) for p in ps]
        second = cls(ps2, lr=0.5)
        second.load_state_dict(source)
        assert second.param_groups[0]["lr"] == kw["lr"]
        resumed = trajectory(second, ps2, cs, 5)[-1]
        for x, y in zip(resumed, straight):
            assert numpy.array_equal(x, y), f"{name}: 5 + 5 steps differ from 10 straight steps"
    trajectory(first, ps, cs, 2)  # the saved dict does not alias live state
    for i, s in sd_["state"].items():
        for k, v in s.items():
            numpy.testing.assert_array_equal(host(v), frozen[i][k], err_msg=f"state {i} {k} changed")


@pytest.mark.parametrize("kw", [dict(), dict(line_search_fn="strong_wolfe", history_size=3, max_iter=4)])
def test_lbfgs_state_dict_round_trip(kw, device, tmp_path):
    make = ours_maker(device)
    _, _, straight = lbfgs_run(optim, make, "rosenbrock", dict(kw, lr=0.2), 6)
    first, _, _ = lbfgs_run(optim, make, "rosenbrock", dict(kw, lr=0.2), 3)
    ps = first.param_groups[0]["params"]
    sd_ = first.state_dict()
    ag.save({"optimizer": sd_}, tmp_path / "lbfgs.safetensors")
    loaded = ag.load(tmp_path / "lbfgs.safetensors")["optimizer"]
    for source in (sd_, loaded):
        ps2 = [make(host(p), True) for p in ps]
        fn, _, consts = PROBLEMS["rosenbrock"]
        opt = optim.LBFGS(ps2, **kw)
        opt.load_state_dict(source)
        assert list(opt.state[ps2[0]]) == list(sd_["state"][0])
        assert opt.state[ps2[0]]["d"]._backend is ps2[0]._backend

        def closure():
            opt.zero_grad()
            loss = fn(ps2, None)
            loss.backward()
            return loss

        for _ in range(3):
            opt.step(closure)
        for x, y in zip(ps2, straight[-1]):
            assert numpy.array_equal(host(x), y), "3 + 3 steps differ from 6 straight steps"


def test_asgd_scalars_stay_float32_on_the_host_after_a_load(device):
    ps, cs = ours_params(device)
    opt = optim.ASGD(ps, lr=0.05, t0=1)
    trajectory(opt, ps, cs, 3)
    sd_ = opt.state_dict()
    ps32 = [ag.tensor(host(p), dtype=ag.float32, device=device, requires_grad=True) for p in ps]
    opt32 = optim.ASGD(ps32)
    opt32.load_state_dict(sd_)
    trajectory(opt32, ps32, [c.float() for c in cs], 1)
    for k in ("step", "eta", "mu"):
        v = opt32.state[ps32[0]][k]
        assert v.dtype == ag.float32 and str(v.device) == "cpu", k
    assert opt32.state[ps32[0]]["ax"].dtype == ag.float32
    assert float(opt32.state[ps32[0]]["mu"]) == numpy.float32(1 / 3)


BAD = [
    (optim.Adamax, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.Adamax, dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (optim.Adamax, dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adamax, dict(betas=(0.9, -0.5)), "Invalid beta parameter at index 1: -0.5"),
    (optim.Adamax, dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    (optim.RAdam, dict(lr=-0.001), "Invalid learning rate: -0.001"),
    (optim.RAdam, dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (optim.RAdam, dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    (optim.RAdam, dict(weight_decay=-2), "Invalid weight_decay value: -2"),
    (optim.Rprop, dict(lr=-0.01), "Invalid learning rate: -0.01"),
    (optim.Rprop, dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    (optim.Rprop, dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    (optim.Rprop, dict(etas=(0.0, 1.2)), "Invalid eta values: 0.0, 1.2"),
    (optim.Rprop, dict(step_sizes=(-1e-6, 50)), "Invalid step_sizes: -1e-06, 50"),
    (optim.Rprop, dict(step_sizes=(2, 1)), "Invalid step_sizes: 2, 1"),
    (optim.Rprop, dict(etas=(0.5,)), "etas must be a pair"),
    (optim.ASGD, dict(lr=-0.5), "Invalid learning rate: -0.5"),
    (optim.ASGD, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (optim.LBFGS, dict(lr=-1), "Invalid learning rate: -1"),
    (optim.LBFGS, dict(max_iter=0), "Invalid max_iter value: 0"),
    (optim.LBFGS, dict(max_eval=-3), "Invalid max_eval value: -3"),
    (optim.LBFGS, dict(history_size=0), "Invalid history_size value: 0"),
    (optim.LBFGS, dict(tolerance_grad=-1e-7), "Invalid tolerance_grad value: -1e-07"),
    (optim.LBFGS, dict(tolerance_change=-1.0), "Invalid tolerance_change value: -1.0"),
    (optim.LBFGS, dict(line_search_fn="armijo"), "Invalid line_search_fn: 'armijo'"),
]


@pytest.mark.parametrize("cls,kw,message", BAD, ids=[f"{c.__name__}-{m}" for c, _, m in BAD])
def test_bad_hyperparameters_raise_naming_the_value(cls, kw, message, device):
    p = ag.zeros(3, device=device, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape(message)):
        cls([p], **kw)


def test_type_errors_and_unsupported_flags(device):
    p = ag.zeros(3, device=device, requires_grad=True)
    with pytest.raises(TypeError, match="lambd must be a real number"):
        optim.ASGD([p], lambd="0.1")
    with pytest.raises(TypeError, match="max_iter must be an int"):
        optim.LBFGS([p], max_iter=2.5)
    for cls in (optim.Adamax, optim.RAdam, optim.Rprop, optim.ASGD):
        with pytest.raises(NotImplementedError, match="differentiable"):
            cls([p], differentiable=True)
        cls([p], foreach=False, capturable=False)  # accepted and ignored


def test_exported_like_the_others():
    for name in ("Adamax", "RAdam", "Rprop", "ASGD", "LBFGS"):
        assert name in optim.__all__ and issubclass(getattr(optim, name), optim.Optimizer)
        assert getattr(optim, name).__doc__.count("\n") > 10


# --- the strict device: a NumPy-only call or a hidden host copy fails here as on a GPU --------------------------
@pytest.fixture
def dut(device):
    with sd.registered():
        yield sd.STRICT if device == "cpu" else backends.get_backend(device)


def on(backend, arr, requires_grad=False):
    t = make_tensor(backend.from_host(numpy.array(arr, dtype=numpy.float64)), backend)
    if requires_grad:
        t.requires_grad = True
    return t


def _same(c, s, dut, what):
    tol = 1e-12 if dut is sd.STRICT else 1e-9
    assert s._backend is dut and type(s._data) is dut.array_type, what
    assert c.dtype == s.dtype, what
    numpy.testing.assert_allclose(s._backend.to_host(s._data), c._backend.to_host(c._data), rtol=tol, atol=tol,
                                  err_msg=what)


STRICT_CASES = {
    "adamax": lambda p: optim.Adamax(p, lr=0.05, weight_decay=0.1, maximize=True),
    "radam": lambda p: optim.RAdam(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
    "radam_decoupled": lambda p: optim.RAdam(p, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1,
                                             decoupled_weight_decay=True),
    "rprop": lambda p: optim.Rprop(p, lr=0.1, step_sizes=(0.02, 0.15), maximize=True),
    "asgd": lambda p: optim.ASGD(p, lr=0.05, t0=2, weight_decay=0.1),
}


@pytest.mark.parametrize("name", list(STRICT_CASES))
def test_optimizers_on_the_strict_device(name, dut):
    values = [rand_array((3, 4), seed=70), rand_array((4,), seed=71)]
    grads = [[rand_array((3, 4), seed=80 + k), rand_array((4,), seed=90 + k)] for k in range(5)]
    grads[2][0] = grads[1][0]  # same signs twice in a row (Rprop grows the step), then flips
    result = []
    for b in (backends.CPU, dut):
        params = [on(b, v, requires_grad=True) for v in values]
        opt = STRICT_CASES[name](params)
        with sd.record_syncs() as syncs:
            for gs in grads:
                opt.zero_grad()
                for p, g in zip(params, gs):
                    p.grad = on(b, g)
                opt.step()
        assert syncs == [], f"{name} waited for the device: {syncs}"  # its scalars live on the host
        for state in opt.state.values():
            for k, v in state.items():
                expect = backends.CPU if k in ("step", "eta", "mu") else b
                assert v._backend is expect, f"state {k!r} on {v.device}"
        result.append(params)
    for c, s in zip(*result):
        _same(c, s, dut, f"{name} parameter")


@pytest.mark.parametrize("kw", [dict(lr=0.1, max_iter=4, history_size=2), dict(line_search_fn="strong_wolfe")])
def test_lbfgs_on_the_strict_device(kw, dut):
    fn, init, _ = PROBLEMS["rosenbrock"]
    result = []
    for b in (backends.CPU, dut):
        ps = [on(b, a, requires_grad=True) for a in init]
        opt = optim.LBFGS(ps, **kw)

        def closure():
            opt.zero_grad()
            loss = fn(ps, None)
            loss.backward()
            return loss

        for _ in range(3):
            loss = opt.step(closure)
            assert loss._backend is b
        state = opt.state[ps[0]]
        assert state["d"]._backend is b and all(v._backend is b for v in state["old_dirs"])
        result.append(ps)
    for c, s in zip(*result):
        _same(c, s, dut, "LBFGS parameter")


def test_lbfgs_float32_keeps_dtype_and_tracks_torch(device):
    torch = torch_or_skip()
    kw = dict(line_search_fn="strong_wolfe", max_iter=5)
    opt, la, pa = lbfgs_run(optim, ours_maker(device, ag.float32), "least_squares", kw, 3)
    _, lb, _ = lbfgs_run(torch.optim, lambda a, rg: torch.tensor(a, dtype=torch.float32, requires_grad=rg),
                         "least_squares", kw, 3)
    numpy.testing.assert_allclose(la, lb, rtol=1e-5)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert pa[-1][0].dtype == numpy.float32
    assert state["d"].dtype == state["prev_flat_grad"].dtype == state["old_dirs"][0].dtype == ag.float32


def test_lbfgs_state_follows_the_parameters_to_another_device(dut):
    import nn

    x = rand_array((6, 3), seed=63)
    y = rand_array((6, 2), seed=64)
    runs = []
    for move in (False, True):
        ag.manual_seed(0)
        model = nn.Linear(3, 2).double()
        opt = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe", max_iter=3)
        target = backends.CPU
        for k in range(4):
            if move and k == 2:
                model.to(dut.device)
                target = dut

            def closure():
                opt.zero_grad()
                out = model(on(target, x))
                loss = ((out - on(target, y)) ** 2).mean()
                loss.backward()
                return loss

            opt.step(closure)
        state = opt.state[next(iter(model.parameters()))]
        assert state["d"]._backend is target and all(v._backend is target for v in state["old_stps"])
        runs.append(list(model.parameters()))
    for c, s in zip(*runs):
        _same(c, s, dut, "LBFGS after a move")

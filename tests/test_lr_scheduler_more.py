"""More learning-rate schedulers: ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR,
SequentialLR and ChainedScheduler. Learning-rate (and momentum) sequences equal torch.optim.lr_scheduler's,
state_dict round trips continue a run exactly, bad arguments raise errors naming the value passed."""

import math
import re
import warnings

import pytest

import autograd_core as ag
import optim
from checks import torch_or_skip
from optim import lr_scheduler

LRS = (0.1, 0.05)
TOL = 1e-12


def make_opt(mod, device=None, kind="sgd"):
    """Two param groups (lr 0.1 and 0.05): SGD with momentum 0.9, Adam (betas) or Adagrad (no momentum)."""
    if mod is optim:
        ps = [ag.zeros(2, device=device, requires_grad=True), ag.zeros(3, device=device, requires_grad=True)]
    else:
        import torch

        ps = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    groups = [{"params": [ps[0]], "lr": LRS[0]}, {"params": [ps[1]], "lr": LRS[1]}]
    if kind == "adam":
        return mod.Adam(groups, betas=(0.9, 0.999))
    if kind == "adagrad":
        return mod.Adagrad(groups)
    return mod.SGD(groups, momentum=0.9)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


def record(sched, opt):
    lrs = [float(v) for v in sched.get_last_lr()]
    assert lrs == [float(g["lr"]) for g in opt.param_groups]
    return lrs, momenta(opt)


def sequence(sched, opt, steps):
    """(learning rates, momenta) after construction and after each of ``steps`` optimizer + scheduler steps."""
    out = [record(sched, opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(record(sched, opt))
    return out


def assert_close(ours, theirs):
    assert len(ours) == len(theirs)
    for t, ((lr_a, m_a), (lr_b, m_b)) in enumerate(zip(ours, theirs)):
        for a, b in zip(lr_a + m_a, lr_b + m_b):
            assert abs(a - b) <= TOL * max(1.0, abs(b)), f"step {t}: ours {lr_a} {m_a}, torch {lr_b} {m_b}"


def varies(seq, index=0):
    return len({tuple(step[index]) for step in seq}) > 1


def _scale(x):
    return 1.0 / (1.0 + 0.1 * x)


class HalfLife:
    """A scale_fn with state (a callable object): CyclicLR's state_dict keeps its __dict__."""

    def __init__(self, h):
        self.h = h

    def __call__(self, x):
        return 0.5 ** (x / self.h)


# (name, kwargs, optimizer kind, steps); each builds the same way from ours and from torch's module
SCHEDULERS = [
    ("ConstantLR", dict(), "sgd", 30),
    ("ConstantLR", dict(factor=0.5, total_iters=10), "sgd", 30),
    ("ConstantLR", dict(factor=0.25, total_iters=1), "sgd", 30),
    ("PolynomialLR", dict(), "sgd", 30),
    ("PolynomialLR", dict(total_iters=20, power=2.0), "sgd", 30),
    ("PolynomialLR", dict(total_iters=25, power=0.5), "sgd", 35),
    ("CosineAnnealingWarmRestarts", dict(T_0=10), "sgd", 40),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.001), "sgd", 50),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=3, eta_min=0.01), "sgd", 70),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=40), "sgd", 40),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=7, anneal_strategy="linear"), "sgd", 35),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=45, pct_start=0.25, three_phase=True, div_factor=10.0,
                        final_div_factor=100.0, base_momentum=[0.8, 0.7], max_momentum=[0.95, 0.9]), "sgd", 45),
    ("OneCycleLR", dict(max_lr=0.01, total_steps=33, pct_start=0.4, anneal_strategy="linear", three_phase=True),
     "adam", 33),
    ("OneCycleLR", dict(max_lr=0.2, total_steps=30, cycle_momentum=False), "adagrad", 30),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5), "sgd", 40),
    ("CyclicLR", dict(base_lr=[0.01, 0.002], max_lr=[0.1, 0.05], step_size_up=4, step_size_down=7,
                      mode="triangular2", base_momentum=[0.8, 0.75], max_momentum=[0.9, 0.95]), "sgd", 50),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.006, step_size_up=3, mode="exp_range", gamma=0.97), "adam", 40),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, scale_fn=_scale, scale_mode="iterations"),
     "sgd", 40),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=2.5, step_size_down=4, scale_fn=_scale), "sgd", 40),
    ("CyclicLR", dict(base_lr=0.02, max_lr=0.2, step_size_up=4, cycle_momentum=False), "adagrad", 30),
]


@pytest.mark.parametrize("name,kw,kind,steps", SCHEDULERS, ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULERS)])
def test_sequence_matches_torch(name, kw, kind, steps, device):
    torch = torch_or_skip()
    opt = make_opt(optim, device, kind)
    ours = sequence(getattr(lr_scheduler, name)(opt, **kw), opt, steps)
    topt = make_opt(torch.optim, kind=kind)
    theirs = sequence(getattr(torch.optim.lr_scheduler, name)(topt, **kw), topt, steps)
    assert_close(ours, theirs)
    assert varies(ours)
    if kw.get("cycle_momentum", True) and name in ("OneCycleLR", "CyclicLR"):
        assert varies(ours, 1)  # the momentum (or beta1) cycles too


def _sequential(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.SequentialLR(opt, [s.ConstantLR(opt, factor=0.1, total_iters=5), s.ExponentialLR(opt, gamma=0.9)],
                          milestones=[5])


def _sequential3(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.2, total_iters=4), s.CosineAnnealingLR(opt, T_max=10),
                                s.StepLR(opt, step_size=3, gamma=0.5)], milestones=[4, 15])


def _sequential_restarts(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.SequentialLR(opt, [s.PolynomialLR(opt, total_iters=6, power=2.0),
                                s.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001),
                                s.MultiStepLR(opt, milestones=[3, 5], gamma=0.5)], milestones=[6, 26])


def _sequential_onecycle(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.SequentialLR(opt, [s.ConstantLR(opt, factor=0.5, total_iters=3), s.OneCycleLR(opt, max_lr=0.4,
                                                                                          total_steps=40)],
                          milestones=[8])


def _chained(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.ChainedScheduler([s.ConstantLR(opt, factor=0.3, total_iters=4), s.ExponentialLR(opt, gamma=0.95)])


def _chained3(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    return s.ChainedScheduler([s.LinearLR(opt, start_factor=0.1, total_iters=6), s.PolynomialLR(opt, total_iters=25),
                               s.MultiStepLR(opt, milestones=[10, 20], gamma=0.5)], optimizer=opt)


def _chained_in_sequential(mod, opt):
    s = mod.optim.lr_scheduler if mod is not optim else lr_scheduler
    inner = s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=3), s.ExponentialLR(opt, gamma=0.9)])
    return s.SequentialLR(opt, [inner, s.ConstantLR(opt, factor=0.2, total_iters=5)], milestones=[10])


COMPOSITES = [_sequential, _sequential3, _sequential_restarts, _sequential_onecycle, _chained, _chained3,
              _chained_in_sequential]


@pytest.mark.parametrize("build", COMPOSITES, ids=[b.__name__.strip("_") for b in COMPOSITES])
def test_composite_sequence_matches_torch(build, device):
    torch = torch_or_skip()
    opt, topt = make_opt(optim, device), make_opt(torch.optim)
    with warnings.catch_warnings():
        # a ChainedScheduler first in a SequentialLR steps its schedulers when built: both warn about the order
        warnings.simplefilter("ignore")
        ours = sequence(build(optim, opt), opt, 40)
        theirs = sequence(build(torch, topt), topt, 40)
    assert_close(ours, theirs)
    assert varies(ours)


EPOCHS = [0.5, 1.25, 2.0, 2.75, 3.0, 4.5, 6.9999, 7.0, 9.3, 10.0, 14.2, 21.0, 21.5, 3.3, 0.0, 44.8, 45.0, 100.25]


@pytest.mark.parametrize("kw", [dict(T_0=7), dict(T_0=3, T_mult=2, eta_min=0.002), dict(T_0=5, T_mult=3)],
                         ids=["T_mult1", "T_mult2", "T_mult3"])
def test_warm_restarts_fractional_epochs_match_torch(kw, device):
    torch = torch_or_skip()
    opt, topt = make_opt(optim, device), make_opt(torch.optim)
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, **kw)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kw)
    ours, theirs = [record(sched, opt)], [record(tsched, topt)]
    for i, epoch in enumerate(EPOCHS + [e + k / 4 for e in range(12) for k in range(4)]):
        opt.step()
        topt.step()
        if i % 5 == 4:  # interleave plain steps with jumps
            sched.step()
            tsched.step()
        else:
            sched.step(epoch)
            tsched.step(epoch)
        assert sched.last_epoch == tsched.last_epoch and sched.T_i == tsched.T_i
        ours.append(record(sched, opt))
        theirs.append(record(tsched, topt))
    assert_close(ours, theirs)
    assert varies(ours)


def test_warm_restarts_closed_form_at_fractional_epoch(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # step(epoch) is this scheduler's documented form: no deprecation warning
        for epoch, (t_cur, t_i) in [(1.5, (1.5, 4)), (4.0, (0.0, 8)), (13.0, (1.0, 16)), (11.5, (7.5, 8))]:
            sched.step(epoch)
            assert (sched.T_cur, sched.T_i, sched.last_epoch) == (t_cur, t_i, math.floor(epoch))
            for base, lr in zip(LRS, sched.get_last_lr()):
                expected = 0.01 + (base - 0.01) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
                assert abs(lr - expected) <= TOL


@pytest.mark.parametrize("name,kw", [("ConstantLR", dict(factor=0.5, total_iters=4)),
                                     ("PolynomialLR", dict(total_iters=8, power=1.5))])
def test_closed_form_step_with_epoch_matches_torch(name, kw, device):
    torch = torch_or_skip()
    opt, topt = make_opt(optim, device), make_opt(torch.optim)
    s, ts = getattr(lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    opt.step()
    topt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 7, 4, 12, 0):
            s.step(epoch)
            ts.step(epoch)
            assert_close([record(s, opt)], [record(ts, topt)])


def test_schedules_follow_their_formulas(device):
    """The docstrings' formulas, without torch."""
    opt = make_opt(optim, device)
    seq = sequence(lr_scheduler.PolynomialLR(opt, total_iters=10, power=2.0), opt, 15)
    for t, (lrs, _) in enumerate(seq):
        for base, lr in zip(LRS, lrs):
            assert math.isclose(lr, base * (1 - min(t, 10) / 10) ** 2, rel_tol=1e-12, abs_tol=1e-15)

    opt = make_opt(optim, device)
    seq = sequence(lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=3), opt, 6)
    assert [lrs for lrs, _ in seq] == [[0.05, 0.025]] * 3 + [list(LRS)] * 4

    opt = make_opt(optim, device)
    seq = sequence(lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, step_size_down=4), opt, 12)
    lr0 = [lrs[0] for lrs, _ in seq]
    expected = [0.1, 0.3, 0.5, 0.4, 0.3, 0.2, 0.1, 0.3, 0.5, 0.4, 0.3, 0.2, 0.1]
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(lr0, expected))
    mom = [m[0] for _, m in seq]  # against the rate: 0.9 at base_lr, 0.8 at max_lr
    assert math.isclose(mom[0], 0.9) and math.isclose(mom[2], 0.8) and math.isclose(mom[4], 0.85)

    opt = make_opt(optim, device, "adam")
    seq = sequence(lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=21, pct_start=0.5, div_factor=20.0,
                                           final_div_factor=5.0), opt, 21)
    for t, (lrs, moms) in enumerate(seq):  # warm-up phase ends at step 0.5 * 21 - 1 = 9.5, then anneal to 0.01
        start, end, a, b = (0.05, 1.0, 0.0, 9.5) if t <= 9.5 else (1.0, 0.01, 9.5, 20.0)
        cos_term = (1 + math.cos(math.pi * (t - a) / (b - a))) / 2
        assert math.isclose(lrs[0], end + (start - end) * cos_term, rel_tol=1e-12)
        m_start, m_end = (0.95, 0.85) if t <= 9.5 else (0.85, 0.95)
        assert math.isclose(moms[0], m_end + (m_start - m_end) * cos_term, rel_tol=1e-12)
    assert math.isclose(seq[20][0][0], 1.0 / 20 / 5.0)  # min_lr at the last step of the cycle, t = 20
    assert opt.param_groups[0]["betas"][1] == 0.999


def test_one_cycle_raises_past_total_steps(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    for _ in range(9):
        opt.step()
        sched.step()
    assert math.isclose(sched.get_last_lr()[0], 0.5 / 25 / 1e4)  # the cycle's last step: min_lr
    opt.step()
    sched.step()  # t = total_steps is still allowed (as in PyTorch); one more is not
    with pytest.raises(ValueError, match=re.escape("Tried to step 11 times. The specified number of total steps "
                                                   "is 10")):
        sched.step()


def test_one_cycle_raises_past_total_steps_like_torch():
    torch = torch_or_skip()
    topt = make_opt(torch.optim)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.5, total_steps=3)
    opt = make_opt(optim)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=3)
    for s, o in ((sched, opt), (tsched, topt)):
        for _ in range(3):
            o.step()
            s.step()
    with pytest.raises(ValueError) as theirs:
        tsched.step()
    with pytest.raises(ValueError) as ours:
        sched.step()
    assert str(ours.value).startswith(str(theirs.value))


# --- state_dict round trips -------------------------------------------------------------------------
def _round_trip_builders():
    s = lr_scheduler
    return [
        ("ConstantLR", "sgd", lambda o: s.ConstantLR(o, factor=0.2, total_iters=15)),
        ("PolynomialLR", "sgd", lambda o: s.PolynomialLR(o, total_iters=17, power=1.5)),
        ("CosineAnnealingWarmRestarts", "sgd", lambda o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                                       eta_min=1e-3)),
        ("OneCycleLR", "sgd", lambda o: s.OneCycleLR(o, max_lr=[0.4, 0.2], total_steps=20, three_phase=True)),
        ("OneCycleLR-adam", "adam", lambda o: s.OneCycleLR(o, max_lr=0.01, total_steps=20, anneal_strategy="linear")),
        ("CyclicLR", "sgd", lambda o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5,
                                                 mode="triangular2")),
        ("CyclicLR-adam", "adam", lambda o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                       mode="exp_range", gamma=0.95)),
        ("CyclicLR-fn", "sgd", lambda o: s.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                    scale_fn=HalfLife(3.0), scale_mode="iterations")),
        ("SequentialLR", "sgd", lambda o: s.SequentialLR(o, [s.LinearLR(o, start_factor=0.1, total_iters=4),
                                                             s.CosineAnnealingWarmRestarts(o, T_0=5),
                                                             s.MultiStepLR(o, milestones=[2, 4])],
                                                         milestones=[4, 14])),
        ("ChainedScheduler", "sgd", lambda o: s.ChainedScheduler([s.ConstantLR(o, factor=0.5, total_iters=6),
                                                                  s.ExponentialLR(o, gamma=0.9),
                                                                  s.CyclicLR(o, base_lr=0.05, max_lr=0.1,
                                                                             step_size_up=3)])),
    ]


@pytest.mark.parametrize("index", range(len(_round_trip_builders())),
                         ids=[b[0] for b in _round_trip_builders()])
def test_state_dict_round_trip(index, device, tmp_path):
    _, kind, build = _round_trip_builders()[index]
    opt = make_opt(optim, device, kind)
    straight = sequence(build(opt), opt, 20)

    opt = make_opt(optim, device, kind)
    sched = build(opt)
    first = sequence(sched, opt, 10)
    ag.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp_path / "ckpt.safetensors")
    ckpt = ag.load(tmp_path / "ckpt.safetensors")
    opt2 = make_opt(optim, device, kind)
    sched2 = build(opt2)
    for _ in range(3):  # the fresh copy is elsewhere in its schedule before loading
        opt2.step()
        sched2.step()
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    assert sched2.get_last_lr() == first[-1][0]
    assert first + sequence(sched2, opt2, 10)[1:] == straight
    assert varies(straight)


def test_cyclic_state_dict_keeps_scale_fn_object_state(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, scale_fn=HalfLife(4.0))
    sd = sched.state_dict()
    assert sd["_scale_fn_custom"] == {"h": 4.0}
    other = lr_scheduler.CyclicLR(make_opt(optim, device), base_lr=0.01, max_lr=0.1, scale_fn=HalfLife(9.0))
    other.load_state_dict(sd)
    assert other._scale_fn_custom.h == 4.0
    plain = lr_scheduler.CyclicLR(make_opt(optim, device), base_lr=0.01, max_lr=0.1, scale_fn=_scale)
    assert plain.state_dict()["_scale_fn_custom"] is None


def test_sequential_state_dict_nests_the_schedulers(device):
    opt = make_opt(optim, device)
    sched = _sequential(optim, opt)
    sd = sched.state_dict()
    assert "optimizer" not in sd and len(sd["_schedulers"]) == 2
    assert sd["_schedulers"][0]["factor"] == 0.1 and sd["_schedulers"][1]["gamma"] == 0.9


# --- errors -----------------------------------------------------------------------------------------
BAD = [
    ("ConstantLR", dict(factor=0.0), ValueError, "factor must be in (0, 1], got 0.0"),
    ("ConstantLR", dict(factor=1.5), ValueError, "factor must be in (0, 1], got 1.5"),
    ("ConstantLR", dict(total_iters=-2), ValueError, "total_iters must be >= 1, got -2"),
    ("ConstantLR", dict(total_iters=2.5), TypeError, "total_iters must be an integer, got float 2.5"),
    ("PolynomialLR", dict(total_iters=-1), ValueError, "total_iters must be >= 1, got -1"),
    ("PolynomialLR", dict(power=-0.5), ValueError, "power must be >= 0 and finite, got -0.5"),
    ("CosineAnnealingWarmRestarts", dict(T_0=0), ValueError, "T_0 must be >= 1, got 0"),
    ("CosineAnnealingWarmRestarts", dict(T_0=-3), ValueError, "T_0 must be >= 1, got -3"),
    ("CosineAnnealingWarmRestarts", dict(T_0=2.5), TypeError, "T_0 must be an integer, got float 2.5"),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=0), ValueError, "T_mult must be >= 1, got 0"),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=1.5), TypeError, "T_mult must be an integer, got float 1.5"),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, eta_min=-0.1), ValueError, "eta_min must be >= 0 and finite, got -0.1"),
    ("OneCycleLR", dict(max_lr=0.1), ValueError, "total_steps=None, epochs=None, steps_per_epoch=None"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=0), ValueError, "total_steps must be >= 1, got 0"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10.0), TypeError, "total_steps must be an integer, got float 10.0"),
    ("OneCycleLR", dict(max_lr=0.1, epochs=-2, steps_per_epoch=5), ValueError, "epochs must be >= 1, got -2"),
    ("OneCycleLR", dict(max_lr=0.1, epochs=2, steps_per_epoch=0), ValueError, "steps_per_epoch must be >= 1, got 0"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=1.2), ValueError, "pct_start must be in [0, 1], got 1.2"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="exp"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got 'exp'"),
    ("OneCycleLR", dict(max_lr=[0.1, 0.2, 0.3], total_steps=10), ValueError,
     "max_lr must have one value per param group: got 3 values [0.1, 0.2, 0.3] for 2 param groups"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, div_factor=0.0), ValueError,
     "div_factor must be > 0 and finite, got 0.0"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, max_momentum=[0.9]), ValueError,
     "max_momentum must have one value per param group: got 1 values [0.9] for 2 param groups"),
    ("OneCycleLR", dict(max_lr="0.1", total_steps=10), TypeError, "max_lr must be a real number, got str '0.1'"),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=0.1), ValueError,
     "phase 0 has no steps (pct_start=0.1, total_steps=10)"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, mode="triangle"), ValueError, "mode 'triangle' is unknown"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, scale_fn=_scale, scale_mode="epoch"), ValueError,
     "scale_mode 'epoch' is unknown"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=0), ValueError,
     "step_size_up must be > 0 and finite, got 0"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_down=-4), ValueError,
     "step_size_down must be >= 0 and finite, got -4"),
    ("CyclicLR", dict(base_lr=[0.01], max_lr=0.1), ValueError,
     "base_lr must have one value per param group: got 1 values [0.01] for 2 param groups"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, mode="exp_range", gamma=-0.5), ValueError,
     "gamma must be > 0 and finite, got -0.5"),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, scale_fn=3), TypeError, "scale_fn should be a function, but got int"),
]


@pytest.mark.parametrize("name,kw,exc,message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_bad_arguments_raise_naming_the_value(name, kw, exc, message, device):
    with pytest.raises(exc, match=re.escape(message)):
        getattr(lr_scheduler, name)(make_opt(optim, device), **kw)


def test_cycle_momentum_needs_momentum_or_betas(device):
    for name, kw in [("OneCycleLR", dict(max_lr=0.1, total_steps=10)), ("CyclicLR", dict(base_lr=0.01, max_lr=0.1))]:
        with pytest.raises(ValueError, match=f"{name} cannot cycle the momentum of Adagrad"):
            getattr(lr_scheduler, name)(make_opt(optim, device, "adagrad"), **kw)


def test_warm_restarts_negative_epoch(device):
    sched = lr_scheduler.CosineAnnealingWarmRestarts(make_opt(optim, device), T_0=5)
    with pytest.raises(ValueError, match=re.escape("epoch must be >= 0 and finite, got -1.5")):
        sched.step(-1.5)


def test_composite_bad_arguments(device):
    opt = make_opt(optim, device)
    a, b = lr_scheduler.ConstantLR(opt), lr_scheduler.ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match=re.escape("number of schedulers 2 and the number of milestones to be equal "
                                                   "to 2 (milestones=[3, 6])")):
        lr_scheduler.SequentialLR(opt, [a, b], milestones=[3, 6])
    with pytest.raises(ValueError, match=re.escape("milestones must be non-decreasing, got [6, 3]")):
        lr_scheduler.SequentialLR(opt, [a, b, a], milestones=[6, 3])
    with pytest.raises(ValueError, match=re.escape("each milestone must be >= 0, got -3")):
        lr_scheduler.SequentialLR(opt, [a, b], milestones=[-3])
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.ChainedScheduler([])
    other = lr_scheduler.StepLR(make_opt(optim, device), step_size=2)
    with pytest.raises(ValueError, match="scheduler StepLR at index 1 bound to another SGD"):
        lr_scheduler.SequentialLR(opt, [a, other], milestones=[3])
    with pytest.raises(ValueError, match="scheduler StepLR at index 2 bound to another SGD"):
        lr_scheduler.ChainedScheduler([a, b, other])
    with pytest.raises(ValueError, match="scheduler ConstantLR at index 0 bound to another SGD"):
        lr_scheduler.ChainedScheduler([a, b], optimizer=make_opt(optim, device))
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`.*index 1"):
        lr_scheduler.ChainedScheduler([a, plateau])
    with pytest.raises(TypeError, match="the scheduler at index 0 is a str"):
        lr_scheduler.SequentialLR(opt, ["StepLR", b], milestones=[2])
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.SequentialLR([], [a], milestones=[])


def test_module_layout():
    names = ["ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR",
             "ChainedScheduler"]
    for name in names:
        cls = getattr(lr_scheduler, name)
        assert getattr(optim, name) is cls and name in optim.__all__ and name in lr_scheduler.__all__
        assert issubclass(cls, lr_scheduler.LRScheduler)
        assert "=" in cls.__doc__  # the docstring gives the schedule's formula

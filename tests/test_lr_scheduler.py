"""Learning-rate schedulers: sequences equal torch.optim.lr_scheduler's, state_dict round-trips, errors."""

import math
import re
import warnings

import pytest

import autograd_core as ag
import optim
from checks import torch_or_skip
from optim import lr_scheduler

LRS = (0.1, 0.05)


def make_opt(mod, device=None):
    """An SGD with two param groups (lr 0.1 and 0.05), ours or torch's."""
    if mod is optim:
        ps = [ag.zeros(2, device=device, requires_grad=True), ag.zeros(3, device=device, requires_grad=True)]
    else:
        import torch

        ps = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    return mod.SGD([{"params": [ps[0]], "lr": LRS[0]}, {"params": [ps[1]], "lr": LRS[1]}], momentum=0.9)


def sequence(sched, opt, epochs=30, metrics=None):
    out = [list(sched.get_last_lr())]
    for epoch in range(epochs):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        out.append(list(sched.get_last_lr()))
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return out


def _lambda(epoch):
    return 0.95 ** epoch + 0.01 * (epoch % 3)


SCHEDULERS = [
    ("LambdaLR", dict(lr_lambda=_lambda)),
    ("LambdaLR", dict(lr_lambda=[_lambda, lambda e: 1.0 / (e + 1)])),
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[4, 9, 9, 20], gamma=0.3)),
    ("MultiStepLR", dict(milestones=[15, 5])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=12, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.8, total_iters=12)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=20)),
]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_sequence_matches_torch(name, kw, device):
    torch = torch_or_skip()
    opt = make_opt(optim, device)
    ours = sequence(getattr(lr_scheduler, name)(opt, **kw), opt, 40)
    topt = make_opt(torch.optim)
    theirs = sequence(getattr(torch.optim.lr_scheduler, name)(topt, **kw), topt, 40)
    assert ours == theirs  # the same formulas in the same order: equal floats, not just close
    assert len({tuple(x) for x in ours}) > 1


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.899, 0.8999, 0.9, 0.7, 0.7, 0.71, 0.72, 0.73, 0.69, 0.69, 0.7, 0.75, 0.8,
           0.6, 0.6, 0.6, 0.6, 0.61, 0.5, 0.55, 0.56, 0.57, 0.58, 0.59, 0.6]
PLATEAU = [
    dict(),
    dict(patience=1),
    dict(patience=2, factor=0.5, cooldown=2),
    dict(patience=0, threshold=0.05, threshold_mode="abs"),
    dict(mode="max", patience=1, factor=0.3),
    dict(mode="max", patience=1, threshold=0.01, threshold_mode="abs", cooldown=1),
    dict(patience=0, factor=0.5, min_lr=[0.02, 0.03]),
    dict(patience=0, factor=0.5, min_lr=0.01),
    dict(patience=0, factor=0.99, eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(i) for i in range(len(PLATEAU))])
def test_reduce_on_plateau_matches_torch(kw, device):
    torch = torch_or_skip()
    metrics = METRICS if kw.get("mode") != "max" else [-m for m in METRICS]
    opt = make_opt(optim, device)
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    ours = sequence(sched, opt, len(metrics), metrics)
    topt = make_opt(torch.optim)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    theirs = sequence(tsched, topt, len(metrics), [torch.tensor(m) for m in metrics])
    assert ours == theirs
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == (tsched.best, tsched.num_bad_epochs,
                                                                          tsched.cooldown_counter)


def test_reduce_on_plateau_accepts_tensor_metric_and_counts_nan_as_bad(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    sched.step(ag.tensor(1.0, device=device))
    sched.step(float("nan"))
    sched.step(float("nan"))
    assert sched.get_last_lr() == [LRS[0] * 0.1, LRS[1] * 0.1] and sched.best == 1.0


def test_chained_schedulers_match_torch(device):
    torch = torch_or_skip()

    def run(mod, opt):
        warm = mod.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5) if mod is torch else \
            lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = (mod.optim.lr_scheduler if mod is torch else lr_scheduler).ExponentialLR(opt, gamma=0.9)
        out = []
        for _ in range(15):
            opt.step()
            warm.step()
            decay.step()
            out.append([g["lr"] for g in opt.param_groups])
        return out

    assert run(optim, make_opt(optim, device)) == run(torch, make_opt(torch.optim))


def test_closed_form_step_with_epoch_matches_torch(device):
    torch = torch_or_skip()
    for name, kw in [("StepLR", dict(step_size=3)), ("MultiStepLR", dict(milestones=[2, 5])),
                     ("ExponentialLR", dict(gamma=0.8)), ("CosineAnnealingLR", dict(T_max=10)),
                     ("LinearLR", dict(total_iters=4))]:
        opt, topt = make_opt(optim, device), make_opt(torch.optim)
        s, ts = getattr(lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
        opt.step()
        topt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 7, 4):
                s.step(epoch)
                ts.step(epoch)
                assert s.get_last_lr() == ts.get_last_lr(), (name, epoch)


@pytest.mark.parametrize("name,kw", [("StepLR", dict(step_size=4, gamma=0.5)),
                                     ("MultiStepLR", dict(milestones=[3, 8, 8, 14], gamma=0.5)),
                                     ("CosineAnnealingLR", dict(T_max=9, eta_min=0.001)),
                                     ("LinearLR", dict(total_iters=12)),
                                     ("LambdaLR", dict(lr_lambda=_lambda)),
                                     ("ExponentialLR", dict(gamma=0.95))])
def test_state_dict_round_trip(name, kw, device, tmp_path):
    cls = getattr(lr_scheduler, name)
    opt = make_opt(optim, device)
    straight = sequence(cls(opt, **kw), opt, 20)

    opt = make_opt(optim, device)
    sched = cls(opt, **kw)
    first = sequence(sched, opt, 10)
    ag.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp_path / "ckpt.safetensors")
    ckpt = ag.load(tmp_path / "ckpt.safetensors")
    opt2 = make_opt(optim, device)
    sched2 = cls(opt2, **kw)
    opt2.load_state_dict(ckpt["optimizer"])
    sched2.load_state_dict(ckpt["scheduler"])
    assert sched2.last_epoch == 10 and sched2.get_last_lr() == first[-1]
    assert first + sequence(sched2, opt2, 10)[1:] == straight


def test_reduce_on_plateau_state_dict_round_trip(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    straight = sequence(sched, opt, len(METRICS), METRICS)
    opt = make_opt(optim, device)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    first = sequence(sched, opt, 12, METRICS)
    sd, osd = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in sd and sd["best"] == sched.best
    opt2 = make_opt(optim, device)
    sched2 = lr_scheduler.ReduceLROnPlateau(opt2)
    opt2.load_state_dict(osd)
    sched2.load_state_dict(sd)
    assert first + sequence(sched2, opt2, len(METRICS) - 12, METRICS[12:])[1:] == straight


def test_lambda_state_dict_keeps_callable_object_state(device):
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    sched = lr_scheduler.LambdaLR(make_opt(optim, device), lr_lambda=[Warmup(5), lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 5}, None]
    other = lr_scheduler.LambdaLR(make_opt(optim, device), lr_lambda=[Warmup(9), lambda e: 1.0])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 5


def test_initial_lr_and_resume(device):
    opt = make_opt(optim, device)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS) and sched.base_lrs == list(LRS)
    assert sched.last_epoch == 0 and sched.get_last_lr() == list(LRS)


def test_warns_when_scheduler_steps_before_optimizer(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = make_opt(optim, device)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
        sched.step()


def test_module_layout():
    assert optim.lr_scheduler.StepLR is optim.StepLR
    assert issubclass(optim.lr_scheduler.ReduceLROnPlateau, optim.lr_scheduler.LRScheduler)
    import importlib

    assert importlib.import_module("optim.lr_scheduler").CosineAnnealingLR is optim.CosineAnnealingLR


BAD = [
    ("StepLR", dict(step_size=0), ValueError, "step_size must be >= 1, got 0"),
    ("StepLR", dict(step_size=2.5), TypeError, "step_size must be an integer, got float 2.5"),
    ("StepLR", dict(step_size=2, gamma=-0.1), ValueError, "gamma must be > 0, got -0.1"),
    ("StepLR", dict(step_size=2, last_epoch=-2), ValueError, "last_epoch must be >= -1, got -2"),
    ("MultiStepLR", dict(milestones=[3, -1]), ValueError, "each milestone must be >= 0, got -1"),
    ("MultiStepLR", dict(milestones=[2.5]), TypeError, "each milestone must be an integer, got float 2.5"),
    ("MultiStepLR", dict(milestones=[2], gamma=0.0), ValueError, "gamma must be > 0, got 0.0"),
    ("ExponentialLR", dict(gamma=-2.0), ValueError, "gamma must be > 0, got -2.0"),
    ("ExponentialLR", dict(gamma=float("nan")), ValueError, "gamma must be > 0, got nan"),
    ("CosineAnnealingLR", dict(T_max=0), ValueError, "T_max must be > 0, got 0"),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=-0.1), ValueError, "eta_min must be >= 0, got -0.1"),
    ("LinearLR", dict(start_factor=0.0), ValueError, "start_factor must be in (0, 1], got 0.0"),
    ("LinearLR", dict(start_factor=1.5), ValueError, "start_factor must be in (0, 1], got 1.5"),
    ("LinearLR", dict(end_factor=-0.5), ValueError, "end_factor must be in [0, 1], got -0.5"),
    ("LinearLR", dict(total_iters=0), ValueError, "total_iters must be >= 1, got 0"),
    ("LambdaLR", dict(lr_lambda=[_lambda]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    ("LambdaLR", dict(lr_lambda=0.5), TypeError, "lr_lambda should be a function, but got float"),
    ("ReduceLROnPlateau", dict(mode="avg"), ValueError, "mode 'avg' is unknown"),
    ("ReduceLROnPlateau", dict(factor=1.0), ValueError, "factor must be in [0, 1), got 1.0"),
    ("ReduceLROnPlateau", dict(factor=-0.5), ValueError, "factor must be in [0, 1), got -0.5"),
    ("ReduceLROnPlateau", dict(patience=-1), ValueError, "patience must be >= 0, got -1"),
    ("ReduceLROnPlateau", dict(patience=2.0), TypeError, "patience must be an integer, got float 2.0"),
    ("ReduceLROnPlateau", dict(threshold=-1e-4), ValueError, "threshold must be >= 0, got -0.0001"),
    ("ReduceLROnPlateau", dict(threshold_mode="relative"), ValueError, "threshold mode 'relative' is unknown"),
    ("ReduceLROnPlateau", dict(cooldown=-3), ValueError, "cooldown must be >= 0, got -3"),
    ("ReduceLROnPlateau", dict(min_lr=-0.1), ValueError, "min_lr must be >= 0, got -0.1"),
    ("ReduceLROnPlateau", dict(min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    ("ReduceLROnPlateau", dict(eps=-1.0), ValueError, "eps must be >= 0, got -1.0"),
]


@pytest.mark.parametrize("name,kw,exc,message", BAD, ids=[f"{b[0]}-{b[3]}" for b in BAD])
def test_bad_arguments_raise_naming_the_value(name, kw, exc, message, device):
    with pytest.raises(exc, match=re.escape(message)):
        getattr(lr_scheduler, name)(make_opt(optim, device), **kw)


def test_not_an_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="dict is not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau({})


def test_cosine_follows_closed_form_within_rounding(device):
    opt = make_opt(optim, device)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    for t, lrs in enumerate(sequence(sched, opt, 20)):
        for base, lr in zip(LRS, lrs):
            assert math.isclose(lr, 0.001 + (base - 0.001) * (1 + math.cos(math.pi * t / 20)) / 2, rel_tol=1e-12)

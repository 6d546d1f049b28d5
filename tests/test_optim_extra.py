"""Adafactor, MultiplicativeLR, SWALR and the averaged models (nn.utils.swa_utils.AveragedModel, update_bn):
float64 trajectories, learning-rate sequences and averages equal torch's; state_dicts; errors."""

import numpy
import pytest
from test_optim_more import INIT, ours_params, torch_params, trajectory

import autograd_core as ag
import nn
import optim
from checks import host, rand_array, torch_or_skip

ADAFACTOR = [dict(), dict(lr=0.05), dict(lr=0.05, weight_decay=0.1), dict(lr=0.05, maximize=True),
             dict(lr=0.1, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5, weight_decay=0.2)]


@pytest.mark.parametrize("kw", ADAFACTOR, ids=[str(k) for k in ADAFACTOR])
def test_adafactor_trajectory_and_state_match_torch(kw, device):
    torch = torch_or_skip()
    ps, cs = ours_params(device)
    opt = optim.Adafactor(ps, **kw)
    ours = trajectory(opt, ps, cs, 10)
    tps, tcs = torch_params(torch)
    topt = torch.optim.Adafactor(tps, **kw)
    theirs = trajectory(topt, tps, tcs, 10)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            numpy.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f"step {step + 1}, param {i}")
    assert not numpy.array_equal(ours[-1][0], INIT[0])
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    for i in tsd["state"]:
        assert list(sd["state"][i]) == list(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            numpy.testing.assert_allclose(host(sd["state"][i][k]), v.numpy(), rtol=1e-12, atol=1e-15, err_msg=k)


def test_adafactor_errors_and_state_round_trip():
    p = ag.zeros(3, 2, dtype=ag.float64, requires_grad=True)
    for kw, msg in ((dict(lr=-1), "Invalid learning rate: -1"), (dict(beta2_decay=0.5), "beta2_decay should be <= 0"),
                    (dict(eps=(-1, 1e-3)), "epsilon1 should be >= 0"), (dict(eps=(None, -1)), "epsilon2"),
                    (dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
                    (dict(weight_decay=-0.1), "weight_decay value: -0.1")):
        with pytest.raises(ValueError, match=msg):
            optim.Adafactor([p], **kw)
    opt = optim.Adafactor([p])
    p.grad = ag.ones(3, 2, dtype=ag.float64)
    opt.step()
    again = optim.Adafactor([p])
    again.load_state_dict(opt.state_dict())
    numpy.testing.assert_array_equal(host(again.state[p]["row_var"]), host(opt.state[p]["row_var"]))


# --- schedulers ----------------------------------------------------------------------------------------
def _lrs(sched, opt, steps):
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


def _two_groups(make_opt, lib_params):
    a, b = lib_params
    return make_opt([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9)


def test_multiplicative_lr_matches_torch():
    torch = torch_or_skip()
    ours_opt = _two_groups(optim.SGD, [ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)])
    their_opt = _two_groups(torch.optim.SGD, [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)])
    fns = [lambda e: 0.95, lambda e: 1.0 if e % 3 else 0.5]
    ours = _lrs(optim.lr_scheduler.MultiplicativeLR(ours_opt, fns), ours_opt, 12)
    theirs = _lrs(torch.optim.lr_scheduler.MultiplicativeLR(their_opt, fns), their_opt, 12)
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-15)
    sched = optim.MultiplicativeLR(ours_opt, lambda e: 0.9)
    assert "lr_lambdas" in sched.state_dict()


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("anneal_epochs", [0, 1, 3, 10])
def test_swalr_matches_torch(strategy, anneal_epochs):
    torch = torch_or_skip()
    ours_opt = _two_groups(optim.SGD, [ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)])
    their_opt = _two_groups(torch.optim.SGD, [torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)])
    swa_lr = [0.05, 0.02]
    ours = _lrs(optim.swa_utils.SWALR(ours_opt, swa_lr, anneal_epochs, strategy), ours_opt, 14)
    theirs = _lrs(torch.optim.swa_utils.SWALR(their_opt, swa_lr, anneal_epochs, strategy), their_opt, 14)
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-13)
    assert [g["swa_lr"] for g in ours_opt.param_groups] == swa_lr


def test_swalr_errors():
    opt = optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy must by one of 'cos' or 'linear', instead got step"):
        optim.swa_utils.SWALR(opt, 0.05, anneal_strategy="step")
    with pytest.raises(ValueError, match="swa_lr has 2, optimizer.param_groups has 1"):
        optim.swa_utils.SWALR(opt, [0.05, 0.01])


# --- averaged models -------------------------------------------------------------------------------------
def _net(lib, seed):
    """Linear-BatchNorm-ReLU-Linear in float64 with weights and running statistics drawn from ``seed`` (the same
    for our nn and torch.nn)."""
    net = lib.Sequential(lib.Linear(3, 4), lib.BatchNorm1d(4), lib.ReLU(), lib.Linear(4, 2)).double()
    values = {}
    for i, (name, p) in enumerate(net.state_dict().items()):
        if "num_batches" in name:
            values[name] = p
            continue
        v = rand_array(tuple(p.shape), seed=seed + i)
        values[name] = numpy.abs(v) + 0.5 if "running_var" in name else v
    convert = ag.tensor if lib is nn else __import__("torch").tensor
    net.load_state_dict({k: v if not isinstance(v, numpy.ndarray) else convert(v) for k, v in values.items()})
    return net


@pytest.mark.parametrize("kind", ["swa", "ema", "ema_fn", "swa_buffers"])
def test_averaged_model_matches_torch(kind):
    torch = torch_or_skip()
    from torch.optim import swa_utils as tswa

    sw = nn.utils.swa_utils
    kwargs = {"swa": ({}, {}), "ema": (dict(multi_avg_fn=sw.get_ema_multi_avg_fn(0.9)),
                                        dict(multi_avg_fn=tswa.get_ema_multi_avg_fn(0.9))),
              "ema_fn": (dict(avg_fn=sw.get_ema_avg_fn(0.8)), dict(avg_fn=tswa.get_ema_avg_fn(0.8))),
              "swa_buffers": (dict(use_buffers=True), dict(use_buffers=True))}[kind]
    ours_avg = sw.AveragedModel(_net(nn, 0), **kwargs[0])
    their_avg = tswa.AveragedModel(_net(torch.nn, 0), **kwargs[1])
    assert list(ours_avg.state_dict()) == list(their_avg.state_dict())
    for seed in (10, 20, 30, 40):
        ours_avg.update_parameters(_net(nn, seed))
        their_avg.update_parameters(_net(torch.nn, seed))
    theirs = their_avg.state_dict()
    for k, v in ours_avg.state_dict().items():
        numpy.testing.assert_allclose(host(v), theirs[k].numpy(), rtol=1e-13, atol=1e-15, err_msg=k)
    x = rand_array((5, 3), seed=5)
    ours_avg.eval()
    their_avg.eval()
    numpy.testing.assert_allclose(host(ours_avg(ag.tensor(x))), their_avg(torch.tensor(x)).detach().numpy(),
                                  rtol=1e-12)


def test_update_bn_matches_torch():
    torch = torch_or_skip()
    from torch.optim import swa_utils as tswa

    ours, theirs = _net(nn, 0), _net(torch.nn, 0)
    batches = [rand_array((6, 3), seed=s) * 2 + 1 for s in range(4)]
    ours.eval()
    nn.utils.swa_utils.update_bn([(ag.tensor(b), 0) for b in batches], ours)
    tswa.update_bn([(torch.tensor(b), 0) for b in batches], theirs)
    assert not ours.training and ours[1].momentum == theirs[1].momentum == 0.1
    for k in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        numpy.testing.assert_allclose(host(ours.state_dict()[k]), theirs.state_dict()[k].numpy(), rtol=1e-13,
                                      err_msg=k)


def test_averaged_model_errors():
    sw = nn.utils.swa_utils
    with pytest.raises(ValueError, match="avg_fn or multi_avg_fn, not both"):
        sw.AveragedModel(nn.Linear(2, 2), avg_fn=sw.get_swa_avg_fn(), multi_avg_fn=sw.get_swa_multi_avg_fn())
    avg = sw.AveragedModel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="model has 4 tensors to average, the averaged copy 2"):
        avg.update_parameters(nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)))

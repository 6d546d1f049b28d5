"""Checkpoints: resuming in a fresh process gives, bit for bit, the run that never stopped."""

import os
import subprocess
import sys
import textwrap

import numpy
import pytest

import autograd_core as ag

TRAIN = textwrap.dedent('''
    import numpy
    import autograd_core as ag
    import nn
    import nn.functional as F
    import optim

    def build(seed):
        ag.manual_seed(seed)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
        opt = optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-3)
        sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        return model, opt, sched

    data = numpy.random.default_rng(7)
    X = data.standard_normal((10, 8, 6))
    Y = data.integers(0, 3, (10, 8))

    def train(model, opt, sched, steps):
        for i in steps:
            opt.zero_grad()
            loss = F.cross_entropy(model(ag.tensor(X[i], dtype=ag.float32)), ag.tensor(Y[i]))
            loss.backward()
            opt.step()
            sched.step()

    def params(model):
        return {k: v.numpy().copy() for k, v in model.state_dict().items()}
''')


def run(code, cwd):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", TRAIN + textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_resume_in_fresh_process_is_bit_exact(tmp_path):
    run('''
        model, opt, sched = build(0)
        train(model, opt, sched, range(10))
        ag.save(params(model), "straight.safetensors")
        model, opt, sched = build(0)
        train(model, opt, sched, range(5))
        ag.save_checkpoint("half.safetensors", epoch=4, model=model, optimizer=opt, scheduler=sched)
    ''', tmp_path)
    run('''
        model, opt, sched = build(123)          # different initial weights and RNG: the checkpoint must fix both
        info = ag.load_checkpoint("half.safetensors", model=model, optimizer=opt, scheduler=sched)
        assert info["epoch"] == 4
        train(model, opt, sched, range(5, 10))
        ag.save(params(model), "resumed.safetensors")
    ''', tmp_path)
    straight = ag.load(str(tmp_path / "straight.safetensors"))
    resumed = ag.load(str(tmp_path / "resumed.safetensors"))
    assert list(straight) == list(resumed)
    for key in straight:
        numpy.testing.assert_array_equal(resumed[key], straight[key], err_msg=key)


def test_checkpoint_errors(tmp_path):
    path = str(tmp_path / "plain.safetensors")
    ag.save({"a": 1}, path)
    with pytest.raises(ValueError, match="not a checkpoint"):
        ag.load_checkpoint(path)

    class Stateful:
        def __init__(self):
            self.value = 0

        def state_dict(self):
            return {"value": self.value}

        def load_state_dict(self, sd):
            self.value = sd["value"]

    s = Stateful()
    s.value = 41
    ckpt = str(tmp_path / "c.safetensors")
    ag.save_checkpoint(ckpt, epoch=1, extra={"note": "hi"}, thing=s)
    fresh = Stateful()
    info = ag.load_checkpoint(ckpt, thing=fresh)
    assert fresh.value == 41 and info["extra"] == {"note": "hi"}
    with pytest.raises(KeyError, match="no state for \\['other'\\]"):
        ag.load_checkpoint(ckpt, thing=fresh, other=Stateful())
    with pytest.raises(TypeError, match="no state_dict"):
        ag.save_checkpoint(ckpt, thing=object())


def test_rng_state_is_restored(tmp_path):
    ag.manual_seed(3)
    ckpt = str(tmp_path / "rng.safetensors")
    ag.save_checkpoint(ckpt)
    a = ag.rand(5).tolist()
    ag.rand(7)
    ag.load_checkpoint(ckpt)
    assert ag.rand(5).tolist() == a

"""EarlyStopping: patience, min_delta, modes, restoring the best weights of any model, checkpoints, errors."""

import math
import re

import numpy
import pytest

import autograd_core as ag
import optim
from checks import host


def run(stopper, metrics, model=None):
    """The stop flag after each metric."""
    return [stopper.step(m, model) for m in metrics]


def test_stops_after_exactly_patience_bad_epochs():
    stopper = optim.EarlyStopping(patience=3)
    flags = run(stopper, [5.0, 4.0, 3.0, 3.5, 3.2, 3.1])
    assert flags == [False, False, False, False, False, True]
    assert (stopper.best_score, stopper.best_epoch, stopper.counter) == (3.0, 2, 3)
    assert stopper.should_stop and stopper.stopped_epoch == 5 and stopper.epoch == 6


def test_improvement_resets_the_counter():
    stopper = optim.EarlyStopping(patience=2)
    flags = run(stopper, [1.0, 1.1, 0.9, 1.2, 0.8, 0.85, 0.81, 0.79])
    assert flags == [False, False, False, False, False, False, True, True]  # sticky once stopped
    assert stopper.stopped_epoch == 6
    assert stopper.best_score == 0.79 and stopper.best_epoch == 7  # the bookkeeping goes on


def test_equal_metric_is_not_an_improvement():
    stopper = optim.EarlyStopping(patience=1)
    assert run(stopper, [1.0, 1.0]) == [False, True]


def test_patience_zero_stops_at_the_first_bad_epoch():
    stopper = optim.EarlyStopping(patience=0)
    assert run(stopper, [3.0, 2.0, 1.0, 1.5]) == [False, False, False, True]


def test_min_delta():
    stopper = optim.EarlyStopping(patience=2, min_delta=0.1)
    # 0.95 and 0.91 improve on 1.0 by less than 0.1: not improvements
    assert run(stopper, [1.0, 0.95, 0.91]) == [False, False, True]
    stopper = optim.EarlyStopping(patience=2, min_delta=0.1)
    assert run(stopper, [1.0, 0.85, 0.8, 0.74, 0.7, 0.69]) == [False, False, False, False, False, True]
    assert stopper.best_score == 0.74 and stopper.best_epoch == 3


def test_mode_max():
    stopper = optim.EarlyStopping(patience=2, mode="max", min_delta=0.01)
    assert run(stopper, [0.5, 0.6, 0.605, 0.7, 0.69, 0.7]) == [False, False, False, False, False, True]
    assert stopper.best_score == 0.7 and stopper.best_epoch == 3


def test_nan_and_tensor_metrics(device):
    stopper = optim.EarlyStopping(patience=2)
    assert not stopper.step(float("nan"))
    assert stopper.best_score is None and stopper.counter == 1
    assert not stopper.step(ag.tensor(2.0, device=device))
    assert stopper.best_score == 2.0 and stopper.counter == 0
    assert not stopper.step(ag.tensor([1.5], device=device))
    assert not stopper.step(float("nan"))
    assert stopper.step(math.nan)
    with pytest.raises(ValueError, match=re.escape("one-element tensor, got a tensor of shape (2,)")):
        stopper.step(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="the metric must be a number"):
        stopper.step("low")


def _train_step(model, opt, x, y):
    opt.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    opt.step()


def test_restore_best_weights_with_nn_module(device):
    import nn

    model = nn.Linear(3, 2).to(device)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = ag.tensor(numpy.random.default_rng(0).standard_normal((8, 3)), dtype=ag.float32, device=device)
    y = ag.zeros(8, 2, device=device)
    stopper = optim.EarlyStopping(patience=2, restore_best_weights=True)
    metrics = [3.0, 2.0, 1.0, 1.5, 1.2]  # best after the third epoch (index 2)
    best = None
    for epoch, metric in enumerate(metrics):
        _train_step(model, opt, x, y)  # the weights change in place every epoch
        if epoch == 2:
            best = {k: host(v).copy() for k, v in model.state_dict().items()}
        stopped = stopper.step(metric, model)
        assert stopped == (epoch == 4)
    assert stopper.best_epoch == 2
    for k, v in model.state_dict().items():  # restored automatically when step returned True
        numpy.testing.assert_array_equal(host(v), best[k])
        numpy.testing.assert_array_equal(host(stopper.best_state[k]), best[k])
    _train_step(model, opt, x, y)  # the stored copy does not alias the model
    assert not numpy.array_equal(host(model.weight), best["weight"])
    numpy.testing.assert_array_equal(host(stopper.best_state["weight"]), best["weight"])
    stopper.restore(model)
    numpy.testing.assert_array_equal(host(model.weight), best["weight"])


class DictModel:
    """A duck-typed model: a dict of tensors whose state_dict returns the live tensors."""

    def __init__(self, **tensors):
        self.tensors = tensors

    def state_dict(self):
        return self.tensors

    def load_state_dict(self, state):
        self.tensors = dict(state)


def test_restore_best_weights_with_a_duck_typed_model(device):
    model = DictModel(w=ag.tensor([1.0, 2.0], device=device), step=3)
    stopper = optim.EarlyStopping(patience=1, mode="max", restore_best_weights=True)
    assert not stopper.step(0.5, model)
    with ag.no_grad():
        model.tensors["w"] += 10.0  # in-place training must not reach the stored copy
    model.tensors["step"] = 4
    assert stopper.step(0.4, model)
    numpy.testing.assert_array_equal(host(model.tensors["w"]), [1.0, 2.0])
    assert model.tensors["step"] == 3
    with ag.no_grad():
        model.tensors["w"] += 1.0  # nor can the restored copy change the stored one
    numpy.testing.assert_array_equal(host(stopper.best_state["w"]), [1.0, 2.0])


def test_restore_needs_weights_and_model():
    stopper = optim.EarlyStopping()
    with pytest.raises(RuntimeError, match="restore_best_weights=False"):
        stopper.restore(DictModel())
    stopper = optim.EarlyStopping(restore_best_weights=True)
    with pytest.raises(RuntimeError, match="no evaluation has improved yet"):
        stopper.restore(DictModel())
    with pytest.raises(ValueError, match=re.escape("call step(metric, model)")):
        stopper.step(1.0)
    with pytest.raises(TypeError, match="state_dict"):
        stopper.step(1.0, model=object())
    assert stopper.epoch == 0


def test_without_restore_the_model_is_left_alone():
    model = DictModel(w=ag.tensor([1.0]))
    stopper = optim.EarlyStopping(patience=0)
    stopper.step(1.0, model)
    model.tensors["w"] = ag.tensor([5.0])
    assert stopper.step(2.0, model)
    assert stopper.best_state is None and host(model.tensors["w"])[0] == 5.0


def test_state_dict_round_trip(tmp_path, device):
    model = DictModel(w=ag.tensor([1.0, 2.0], device=device))
    stopper = optim.EarlyStopping(patience=3, min_delta=0.01, restore_best_weights=True)
    run(stopper, [1.0, 0.5, 0.6], model)
    ag.save(stopper.state_dict(), tmp_path / "stop.safetensors")
    other = optim.EarlyStopping()
    other.load_state_dict(ag.load(tmp_path / "stop.safetensors"))
    for k in ("patience", "min_delta", "mode", "best_score", "best_epoch", "counter", "epoch", "should_stop"):
        assert getattr(other, k) == getattr(stopper, k), k
    numpy.testing.assert_array_equal(host(other.best_state["w"]), [1.0, 2.0])
    assert run(other, [0.7, 0.8], model) == run(stopper, [0.7, 0.8], model) == [False, True]
    with pytest.raises(ValueError, match="missing"):
        other.load_state_dict({"patience": 1})
    bad = stopper.state_dict()
    bad["mode"] = "sideways"
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'sideways'"):
        other.load_state_dict(bad)


def test_reset():
    stopper = optim.EarlyStopping(patience=0)
    run(stopper, [1.0, 2.0])
    stopper.reset()
    assert (stopper.best_score, stopper.counter, stopper.epoch, stopper.should_stop) == (None, 0, 0, False)
    assert stopper.patience == 0


@pytest.mark.parametrize("kw,exc,message", [
    (dict(patience=-1), ValueError, "patience must be >= 0, got -1"),
    (dict(patience=2.5), TypeError, "patience must be an integer, got float 2.5"),
    (dict(patience=True), TypeError, "patience must be an integer, got bool"),
    (dict(min_delta=-0.1), ValueError, "min_delta must be >= 0, got -0.1"),
    (dict(min_delta=float("nan")), ValueError, "min_delta must be >= 0, got nan"),
    (dict(min_delta="0.1"), TypeError, "min_delta must be a real number, got str"),
    (dict(mode="minimum"), ValueError, "mode must be 'min' or 'max', got 'minimum'"),
])
def test_bad_arguments(kw, exc, message):
    with pytest.raises(exc, match=re.escape(message)):
        optim.EarlyStopping(**kw)

"""Lazy modules and UninitializedParameter / UninitializedBuffer: shapes from the first input, the same values as
the non-lazy layer built from the same seed, the class change, an optimizer built before the first call,
state_dict round trips (load_state_dict before the first call materialises), dtype and device, reprs (PyTorch's),
errors."""

import numpy
import pytest

import autograd_core as ag
import nn
import optim
from checks import host, rand_array, torch_or_skip

# name: (lazy constructor, the non-lazy layer it should become, an input)
CASES = {
    "Linear": (lambda: nn.LazyLinear(4), lambda: nn.Linear(3, 4), (2, 5, 3)),
    "Linear_nobias": (lambda: nn.LazyLinear(4, bias=False), lambda: nn.Linear(3, 4, bias=False), (2, 3)),
    "Conv1d": (lambda: nn.LazyConv1d(4, 3, padding=1), lambda: nn.Conv1d(2, 4, 3, padding=1), (2, 2, 6)),
    "Conv1d_unbatched": (lambda: nn.LazyConv1d(4, 3, bias=False), lambda: nn.Conv1d(2, 4, 3, bias=False), (2, 6)),
    "Conv2d": (lambda: nn.LazyConv2d(4, 3, stride=2, groups=2), lambda: nn.Conv2d(6, 4, 3, stride=2, groups=2),
               (2, 6, 7, 7)),
    "ConvTranspose1d": (lambda: nn.LazyConvTranspose1d(4, 3, stride=2, output_padding=1),
                        lambda: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=1), (2, 3, 5)),
    "ConvTranspose2d": (lambda: nn.LazyConvTranspose2d(6, 2, groups=3),
                        lambda: nn.ConvTranspose2d(3, 6, 2, groups=3), (2, 3, 4, 4)),
    "BatchNorm1d": (lambda: nn.LazyBatchNorm1d(), lambda: nn.BatchNorm1d(3), (4, 3, 5)),
    "BatchNorm1d_2d_input": (lambda: nn.LazyBatchNorm1d(momentum=None, bias=False),
                             lambda: nn.BatchNorm1d(3, momentum=None, bias=False), (4, 3)),
    "BatchNorm2d": (lambda: nn.LazyBatchNorm2d(affine=False), lambda: nn.BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
    "InstanceNorm1d": (lambda: nn.LazyInstanceNorm1d(),
                       lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (2, 3, 5)),
    "InstanceNorm1d_unbatched": (lambda: nn.LazyInstanceNorm1d(track_running_stats=False),
                                 lambda: nn.InstanceNorm1d(3, affine=True), (3, 5)),
    "InstanceNorm2d": (lambda: nn.LazyInstanceNorm2d(affine=False),
                       lambda: nn.InstanceNorm2d(3, track_running_stats=True), (2, 3, 4, 4)),
}


def _x(shape, device, seed=1, dtype=ag.float32):
    return ag.tensor(rand_array(shape, seed), dtype=dtype, device=device)


def _state(module):
    return {k: host(v) for k, v in module.state_dict().items()}


def _assert_same_state(a, b):
    sa, sb = _state(a), _state(b)
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].shape == sb[k].shape and sa[k].dtype == sb[k].dtype, k
        numpy.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def _bias_inputs(module):
    """Give BatchNorm/InstanceNorm affine parameters non-trivial values (their init is 1 and 0)."""
    with ag.no_grad():
        for p in module.parameters():
            p.copy_(ag.tensor(rand_array(tuple(p.shape), 9), dtype=p.dtype, device=p.device))


@pytest.mark.parametrize("name", CASES)
def test_lazy_becomes_the_layer(name, device):
    """After the first call: the non-lazy class, its shapes, and the values (and outputs) of the non-lazy layer
    built after the same seed; parameters() yielded the same objects before."""
    make_lazy, make_ref, shape = CASES[name]
    x = _x(shape, device)
    ag.manual_seed(7)
    lazy = make_lazy().to(device)
    before = list(lazy.parameters())
    assert all(isinstance(p, nn.UninitializedParameter) for p in before)
    assert lazy.has_uninitialized_params()
    y = lazy(x)
    ag.manual_seed(7)
    ref = make_ref().to(device)
    assert type(lazy) is type(ref)
    assert not isinstance(lazy, nn.lazy.LazyModuleMixin)
    assert repr(lazy) == repr(ref)
    params = [k for k, _ in lazy.named_parameters()]
    _assert_same_state(nn.ParameterList(lazy.parameters()), nn.ParameterList(ref.parameters()))  # the init
    numpy.testing.assert_array_equal(host(y), host(ref(x)))
    _assert_same_state(lazy, ref)  # the running statistics too, after one call each
    assert params == [k for k, _ in ref.named_parameters()]
    after = list(lazy.parameters())
    assert [id(p) for p in after] == [id(p) for p in before]
    assert all(type(p) is nn.Parameter and p.requires_grad for p in after)
    assert all(type(b) is ag.Tensor for b in lazy.buffers())


@pytest.mark.parametrize("name", ["Linear", "Conv2d", "ConvTranspose1d", "BatchNorm1d", "InstanceNorm1d"])
def test_optimizer_built_before_the_first_call(name, device):
    """An optimizer over the uninitialized parameters updates them after materialisation, exactly as one built over
    the non-lazy layer (same parameter objects, state created on the first step)."""
    make_lazy, make_ref, shape = CASES[name]
    x = _x(shape, device)
    runs = []
    for make in (make_lazy, make_ref):
        ag.manual_seed(3)
        module = make().to(device)
        opts = [optim.SGD(module.parameters(), lr=0.1, momentum=0.9)] if name != "Conv2d" else \
            [optim.Adam(module.parameters(), lr=0.01)]
        for _ in range(3):
            for o in opts:
                o.zero_grad()
            (module(x) ** 2).mean().backward()
            for o in opts:
                o.step()
        runs.append(module)
    lazy, ref = runs
    _assert_same_state(lazy, ref)
    ag.manual_seed(3)
    assert any((host(p) != host(q)).any() for p, q in zip(lazy.parameters(), make_ref().to(device).parameters()))


def test_reprs_before_the_first_call():
    assert repr(nn.LazyLinear(4)) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert repr(nn.LazyLinear(4, bias=False)) == "LazyLinear(in_features=0, out_features=4, bias=False)"
    assert repr(nn.LazyConv2d(4, 3)) == "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))"
    assert repr(nn.LazyConvTranspose1d(4, 3, bias=False)) == \
        "LazyConvTranspose1d(0, 4, kernel_size=(3,), stride=(1,), bias=False)"
    assert repr(nn.LazyBatchNorm1d()) == \
        "LazyBatchNorm1d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert repr(nn.LazyInstanceNorm2d()) == \
        "LazyInstanceNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert repr(nn.UninitializedParameter()) == "<UninitializedParameter>"
    assert repr(nn.UninitializedBuffer()) == "<UninitializedBuffer>"


def test_reprs_and_keys_match_torch():
    torch = torch_or_skip()
    for ours, theirs in [(nn.LazyLinear(4), torch.nn.LazyLinear(4)),
                         (nn.LazyConv1d(4, 3, padding=1, bias=False), torch.nn.LazyConv1d(4, 3, padding=1, bias=False)),
                         (nn.LazyConv2d(4, 3, stride=2, dilation=2), torch.nn.LazyConv2d(4, 3, stride=2, dilation=2)),
                         (nn.LazyConvTranspose2d(4, 3, output_padding=1, stride=2),
                          torch.nn.LazyConvTranspose2d(4, 3, output_padding=1, stride=2))]:
        assert repr(ours) == repr(theirs)
    for ours, theirs in [(nn.LazyBatchNorm1d(), torch.nn.LazyBatchNorm1d()),
                         (nn.LazyBatchNorm2d(track_running_stats=False), torch.nn.LazyBatchNorm2d(
                             track_running_stats=False)),
                         (nn.LazyInstanceNorm1d(), torch.nn.LazyInstanceNorm1d()),
                         (nn.LazyInstanceNorm2d(affine=False, bias=False), torch.nn.LazyInstanceNorm2d(affine=False))]:
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert [type(v).__name__ for v in ours.state_dict().values()] == \
            [type(v).__name__ for v in theirs.state_dict().values()]


def test_uninitialized_parameter():
    p = nn.UninitializedParameter()
    assert nn.parameter.UninitializedParameter is nn.UninitializedParameter
    assert nn.parameter.UninitializedBuffer is nn.UninitializedBuffer
    assert nn.parameter.is_lazy(p) and isinstance(p, nn.Parameter) and p.requires_grad
    assert p.dtype == ag.float32 and p.device == ag.device("cpu")
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        p.shape
    p.materialize((2, 3), dtype=ag.float64)
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == ag.float64 and p.requires_grad
    assert not nn.parameter.is_lazy(p)
    b = nn.UninitializedBuffer(dtype=ag.float64, persistent=False)
    assert not b.requires_grad and not b.persistent and b.dtype == ag.float64
    b.materialize(4)
    assert type(b) is ag.Tensor and b.shape == (4,)
    assert nn.UninitializedParameter(requires_grad=False, dtype=ag.float64).dtype == ag.float64


@pytest.mark.parametrize("name", ["Linear", "Conv1d", "ConvTranspose2d", "BatchNorm1d", "InstanceNorm1d"])
def test_state_dict_round_trip(name, device):
    """A lazy module that has not run loads a state dict: its parameters take the state's shapes and values, and its
    first call then gives the same output as the module the state came from (no re-initialisation)."""
    make_lazy, _, shape = CASES[name]
    x = _x(shape, device)
    source = make_lazy().to(device)
    source(x)
    _bias_inputs(source)
    source(x)  # a second call: running statistics move on
    target = make_lazy().to(device)
    state = target.state_dict()
    assert all(nn.parameter.is_lazy(v) for k, v in state.items() if k != "num_batches_tracked")
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert isinstance(target, nn.lazy.LazyModuleMixin) and not target.has_uninitialized_params()
    _assert_same_state(target, source)
    assert repr(target).replace("Lazy", "") == repr(source)  # the input size is known already
    source.eval()
    target.eval()
    numpy.testing.assert_array_equal(host(target(x)), host(source(x)))
    assert type(target) is type(source)
    _assert_same_state(target, source)


def test_load_state_dict_lazy_into_lazy():
    target = nn.LazyBatchNorm1d()
    result = target.load_state_dict(nn.LazyBatchNorm1d().state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert target.has_uninitialized_params()
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bias"'):
        nn.LazyLinear(4).load_state_dict({"weight": nn.UninitializedParameter()})
    missing = nn.LazyLinear(4).load_state_dict({"weight": nn.UninitializedParameter()}, strict=False)
    assert missing.missing_keys == ["bias"] and missing.unexpected_keys == []


def test_load_state_dict_errors():
    lazy = nn.LazyLinear(4)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        lazy.load_state_dict({**nn.Linear(3, 4).state_dict(), "extra": ag.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for bias: copying a param with shape \(5,\) from "
                                           r"checkpoint, the shape in current model is \(4,\)"):
        nn.LazyLinear(4).load_state_dict({"weight": ag.zeros(4, 3), "bias": ag.zeros(5)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape \(5, 2, 3\) from "
                                           r"checkpoint, the shape in current model is \(4, 2, 3\)"):
        nn.LazyConv1d(4, 3).load_state_dict({"weight": ag.zeros(5, 2, 3), "bias": ag.zeros(4)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape \(4, 6\) from "
                                           r"checkpoint; LazyConv1d expects a 3-D weight"):
        nn.LazyConv1d(4, 3).load_state_dict({"weight": ag.zeros(4, 6), "bias": ag.zeros(4)})
    partial = nn.LazyLinear(4)
    partial.load_state_dict({"bias": ag.ones(4)}, strict=False)  # too little to know in_features: bias only
    assert nn.parameter.is_lazy(partial.weight) and partial.bias.shape == (4,)
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    source = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model.load_state_dict(source.state_dict())  # a lazy module inside a container loads before its first call
    for (k, a), b in zip(model.state_dict().items(), source.state_dict().values()):
        numpy.testing.assert_array_equal(host(a), host(b), err_msg=k)
    x = ag.ones(2, 3)
    numpy.testing.assert_array_equal(host(model(x)), host(source(x)))


def test_dtype_and_device(device):
    lazy = nn.LazyLinear(4, dtype=ag.float64, device=device)
    lazy(_x((2, 3), device, dtype=ag.float64))
    assert lazy.weight.dtype == ag.float64 and lazy.bias.dtype == ag.float64
    assert lazy.weight.device == ag.device(device)
    model = nn.Sequential(nn.LazyConv1d(2, 3), nn.LazyBatchNorm1d(), nn.Flatten(), nn.LazyLinear(1)).double()
    out = model(_x((2, 3, 6), device, dtype=ag.float64))
    assert out.shape == (2, 1) and out.dtype == ag.float64
    assert all(t.dtype == ag.float64 for t in model.parameters())
    assert model[1].running_mean.dtype == ag.float64 and model[1].num_batches_tracked.dtype == ag.int64
    assert [type(m).__name__ for m in model] == ["Conv1d", "BatchNorm1d", "Flatten", "Linear"]


def test_hooks_and_no_grad(device):
    lazy = nn.LazyLinear(2)
    calls = []
    lazy.register_forward_hook(lambda m, inputs, out: calls.append(type(m).__name__))
    with ag.no_grad():
        lazy(_x((1, 3), device))
    lazy(_x((1, 3), device))
    assert calls == ["Linear", "Linear"]
    assert len(lazy._forward_pre_hooks) == 0


def test_errors(device):
    with pytest.raises(ValueError, match=r"LazyConv2d: expected 3D \(unbatched\) or 4D \(batched\) input, but got "
                                         r"input of shape \(2, 3\)"):
        nn.LazyConv2d(4, 3)(_x((2, 3), device))
    with pytest.raises(ValueError, match=r"in_channels \(3, from the input of shape \(1, 3, 5, 5\)\) must be divisible "
                                         r"by groups \(2\)"):
        nn.LazyConv2d(4, 3, groups=2)(_x((1, 3, 5, 5), device))
    with pytest.raises(ValueError, match=r"LazyBatchNorm2d: expected 4D input \(got 3D input"):
        nn.LazyBatchNorm2d()(_x((2, 3, 4), device))
    with pytest.raises(ValueError, match=r"LazyInstanceNorm1d: expected 2D or 3D input \(got 4D input"):
        nn.LazyInstanceNorm1d()(_x((2, 3, 4, 4), device))
    with pytest.raises(ValueError, match=r"at least one dimension \(\.\.\., in_features\), got shape \(\)"):
        nn.LazyLinear(4)(ag.tensor(1.0, device=device))
    with pytest.raises(TypeError, match="LazyLinear: the first call must pass the input Tensor"):
        nn.LazyLinear(4)([1.0, 2.0])
    with pytest.raises(ValueError, match="out_channels \\(3\\) must be divisible by groups \\(2\\)"):
        nn.LazyConv1d(3, 3, groups=2)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
        nn.functional.linear(_x((2, 3), device), nn.LazyLinear(4).weight)
    lazy = nn.LazyLinear(4)
    with pytest.raises(ValueError):  # a failed first call leaves the module lazy
        lazy(ag.tensor(1.0))
    assert isinstance(lazy, nn.LazyLinear) and lazy.has_uninitialized_params()
    assert lazy(_x((2, 3), device)).shape == (2, 4) and type(lazy) is nn.Linear

"""nn.utils: the clipping functions where PyTorch code calls them, and parameters <-> one vector."""

import numpy
import pytest

import autograd_core as ag
import nn
import optim
from checks import host, torch_or_skip


def test_clipping_is_the_same_in_nn_utils_and_optim():
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is optim.clip_grad_value_
    assert nn.utils.get_total_norm is optim.get_total_norm


def test_a_torch_loop_with_nn_utils_clipping(device):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = ag.randn(16, 4, device=device), ag.randint(0, 2, (16,), device=device)
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1e-3)
    assert float(total) > 1e-3
    norm = sum(float((p.grad ** 2).sum()) for p in model.parameters()) ** 0.5
    numpy.testing.assert_allclose(norm, 1e-3, rtol=1e-4)
    opt.step()


def test_parameters_to_vector_and_back(device):
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).to(device)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    numpy.testing.assert_array_equal(host(vec[:12]), host(model[0].weight).reshape(-1))
    (vec * 2.0).sum().backward()  # differentiable: each parameter gets 2
    for p in model.parameters():
        numpy.testing.assert_array_equal(host(p.grad), numpy.full(p.shape, 2.0, dtype=numpy.float32))
    new = ag.arange(vec.numel(), dtype=ag.float32, device=device)
    nn.utils.vector_to_parameters(new, model.parameters())
    numpy.testing.assert_array_equal(host(nn.utils.parameters_to_vector(model.parameters())), host(new))
    numpy.testing.assert_array_equal(host(model[1].bias), [24.0, 25.0])


def test_parameters_to_vector_matches_torch():
    torch = torch_or_skip()
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    ours.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    numpy.testing.assert_array_equal(host(nn.utils.parameters_to_vector(ours.parameters())),
                                     torch.nn.utils.parameters_to_vector(tm.parameters()).detach().numpy())


def test_errors_name_what_was_passed():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="the vector has 5 elements but the parameters have 8"):
        nn.utils.vector_to_parameters(ag.zeros(5), model.parameters())
    with pytest.raises(ValueError, match=r"expected a 1-d tensor, got shape \(2, 4\)"):
        nn.utils.vector_to_parameters(ag.zeros(2, 4), model.parameters())
    with pytest.raises(TypeError, match="item 1 is a list, not a Tensor"):
        nn.utils.parameters_to_vector([model.weight, [1.0]])
    with pytest.raises(TypeError, match="expected an iterable of Tensors"):
        nn.utils.parameters_to_vector(model.weight)


def test_module_get_parameter_and_get_buffer():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    assert model.get_parameter("0.weight") is model[0].weight
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    with pytest.raises(AttributeError, match="Linear has no parameter 'w' \\(looking up '0.w'\\)"):
        model.get_parameter("0.w")
    with pytest.raises(AttributeError, match="Sequential has no submodule '5'"):
        model.get_buffer("5.running_mean")

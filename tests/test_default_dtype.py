"""set_default_dtype/get_default_dtype, and torch.load's keyword arguments accepted by load."""

import pytest

import autograd_core as ag
import nn


@pytest.fixture
def restore_default():
    yield
    ag.set_default_dtype(ag.float32)


def test_default_float_dtype_follows_set_default_dtype(restore_default, device):
    assert ag.get_default_dtype() == ag.float32
    ag.set_default_dtype(ag.float64)
    assert ag.get_default_dtype() == ag.float64
    made = [ag.zeros(2, device=device), ag.randn(2, device=device), ag.rand(2, device=device), ag.tensor([1.5]),
            ag.arange(0.0, 1.0, 0.5), ag.full((2,), 0.5), ag.linspace(0, 1, 3), ag.ones(1) * 0.5,
            ag.tensor([1, 2]) * 0.5, ag.exp(ag.tensor([1])), nn.Linear(2, 3).to(device).weight]
    assert [t.dtype for t in made] == [ag.float64] * len(made)
    assert ag.tensor([1, 2]).dtype == ag.int64  # integers are not affected
    ag.set_default_dtype("float32")
    assert ag.randn(1).dtype == ag.float32


def test_set_default_dtype_errors(restore_default):
    with pytest.raises(TypeError, match="only floating dtypes .* got int64"):
        ag.set_default_dtype(ag.int64)
    assert ag.get_default_dtype() == ag.float32


def test_load_accepts_torch_keywords(tmp_path):
    path = tmp_path / "w.safetensors"
    ag.save({"w": ag.ones(2)}, path)
    out = ag.load(path, map_location="cpu", weights_only=True)
    assert out["w"].tolist() == [1.0, 1.0]
    assert ag.load(path, weights_only=False, mmap=None)["w"].shape == (2,)

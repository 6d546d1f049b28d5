"""DLPack both ways, zero-copy, with NumPy, PyTorch and (on a GPU) CuPy."""

import numpy
import pytest

import autograd_core as ag
import backends
from checks import host, torch_or_skip


def test_numpy_roundtrip_shares_memory():
    a = numpy.arange(6, dtype=numpy.float64).reshape(2, 3)
    t = ag.from_dlpack(a)
    assert t.dtype == ag.float64 and t.shape == (2, 3) and not t.requires_grad
    a[0, 0] = 9.0
    assert t[0, 0].item() == 9.0
    back = numpy.from_dlpack(t)
    back[1, 2] = -1.0
    assert t[1, 2].item() == -1.0
    assert t.__dlpack_device__() == (1, 0)


def test_torch_both_ways_zero_copy():
    torch = torch_or_skip()
    src = torch.arange(4, dtype=torch.float32)
    ours = ag.from_dlpack(src)
    src[2] = 100.0
    assert host(ours).tolist() == [0.0, 1.0, 100.0, 3.0]
    mine = ag.ones(3, requires_grad=True)
    theirs = torch.from_dlpack(mine)
    with torch.no_grad():
        theirs[0] = 5.0
    assert mine[0].item() == 5.0


def test_from_dlpack_errors():
    with pytest.raises(TypeError, match="does not support DLPack"):
        ag.from_dlpack([1, 2, 3])
    t = ag.ones(2, requires_grad=True)
    assert ag.from_dlpack(t)._data is t._data and not ag.from_dlpack(t).requires_grad


@pytest.mark.skipif(not backends.is_cuda_available(), reason="needs a GPU")
def test_cupy_and_torch_cuda_zero_copy():
    import cupy

    c = cupy.arange(5, dtype=cupy.float32)
    t = ag.from_dlpack(c)
    assert t.device == "cuda:0"
    c[1] = 42.0
    assert t[1].item() == 42.0
    back = cupy.from_dlpack(t)
    back[0] = -3.0
    assert t[0].item() == -3.0
    try:
        import torch
    except ImportError:
        return
    if torch.cuda.is_available():
        tt = torch.from_dlpack(t)
        assert tt.is_cuda and tt[1].item() == 42.0
        u = ag.from_dlpack(torch.zeros(3, device="cuda"))
        assert u.device == "cuda:0"

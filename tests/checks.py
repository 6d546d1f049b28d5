"""Shared test helpers: inputs, gradcheck/gradgradcheck in float64, and PyTorch as an oracle.

PyTorch is optional: ``torch_or_skip()`` skips an oracle test when it is not installed.
"""

import numpy
import pytest

import autograd_core as ag

try:
    import torch

    torch.set_default_dtype(torch.float32)
except ImportError:  # the suite passes without torch; oracle tests skip
    torch = None


def torch_or_skip():
    if torch is None:
        pytest.skip("PyTorch is not installed (oracle tests need it)")
    return torch


def rand_array(shape, seed=0, low=-2.0, high=2.0, away=0.05, kinks=(0.0,)):
    """float64 values uniform in [low, high), each at least ``away`` from every point in ``kinks``."""
    rng = numpy.random.default_rng(seed)
    a = rng.uniform(low, high, size=shape)
    for k in kinks:
        near = numpy.abs(a - k) < away
        a = numpy.where(near, k + numpy.where(a >= k, away, -away) * 2, a)
    return numpy.asarray(a, dtype=numpy.float64)


def make(arr, device="cpu", dtype=ag.float64, requires_grad=True):
    return ag.tensor(numpy.asarray(arr), dtype=dtype, device=device, requires_grad=requires_grad)


def check_grads(fn, *arrays, device="cpu", fast_mode=False, second=True, atol=1e-5, rtol=1e-3, eps=1e-6):
    """gradcheck and (unless ``second=False``) gradgradcheck of ``fn`` at float64 ``arrays``."""
    inputs = tuple(make(a, device) if isinstance(a, numpy.ndarray) else a for a in arrays)
    assert ag.gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)
    if second:
        assert ag.gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode)


def to_torch(arr, dtype, requires_grad=True):
    t = torch.tensor(numpy.asarray(arr), dtype={"float32": torch.float32, "float64": torch.float64}[dtype])
    return t.requires_grad_(requires_grad)


def host(t):
    """A tensor (ours or torch's) or array as a NumPy array on the host."""
    if isinstance(t, ag.Tensor):
        return t.detach().cpu().numpy()
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return numpy.asarray(t)


TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-10, atol=1e-12)}


def compare_with_torch(our_fn, torch_fn, *arrays, device="cpu", dtypes=("float32", "float64"), tol=None,
                       grad_seed=1):
    """Forward and backward of ``our_fn`` equal ``torch_fn``'s at ``arrays``, in each dtype.

    The backward is taken with the same random upstream gradient on both sides; the outputs'
    dtype must equal the inputs'.
    """
    torch_or_skip()
    for dt in dtypes:
        ours = [ag.tensor(a, dtype=dt, device=device, requires_grad=True) for a in arrays]
        theirs = [to_torch(a, dt) for a in arrays]
        y = our_fn(*ours)
        ty = torch_fn(*theirs)
        tol_dt = tol[dt] if tol and dt in tol else TOL[dt]
        assert y.dtype == ag.tensor(0.0, dtype=dt).dtype, f"{dt} in gave {y.dtype} out"
        assert tuple(y.shape) == tuple(ty.shape), f"shape {tuple(y.shape)} != torch {tuple(ty.shape)}"
        numpy.testing.assert_allclose(host(y), host(ty), **tol_dt, err_msg=f"forward, {dt}")
        g = numpy.random.default_rng(grad_seed).standard_normal(tuple(y.shape))
        y.backward(ag.tensor(g, dtype=dt, device=device))
        ty.backward(torch.tensor(g, dtype=ty.dtype))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if b.grad is None:
                assert a.grad is None or not host(a.grad).any(), f"input {i}: torch has no grad, we have one"
                continue
            assert a.grad is not None, f"input {i}: no gradient"
            assert a.grad.dtype == a.dtype, f"input {i}: grad dtype {a.grad.dtype} != {a.dtype}"
            numpy.testing.assert_allclose(host(a.grad), host(b.grad), **tol_dt, err_msg=f"backward input {i}, {dt}")


def _strict_run(backend, fn, arrays, grad_mask):
    """fn on tensors made on ``backend``; returns (output, first gradients, second-order gradients)."""
    from autograd_core.tensor import make_tensor

    ins = []
    for a, g in zip(arrays, grad_mask):
        t = make_tensor(backend.from_host(numpy.array(a, copy=True)), backend)
        t.requires_grad = g
        ins.append(t)
    out = fn(*ins)
    diff = [t for t in ins if t.requires_grad]
    if not diff or not out.requires_grad:
        return out, (), ()
    rng = numpy.random.default_rng(3)
    v = make_tensor(backend.from_host(rng.standard_normal(out.shape)), backend)
    grads = ag.grad((out * v).sum(), diff, create_graph=True)
    terms = [(g * make_tensor(backend.from_host(rng.standard_normal(g.shape)), backend)).sum() for g in grads
             if g.requires_grad]
    second = ag.grad(sum(terms[1:], terms[0]), diff, allow_unused=True) if terms else ()
    return out, grads, second


def check_on_strict_device(fn, arrays, grad_mask):
    """fn's value and its first and second derivatives (random directions) on the strict stand-in for a GPU
    (tests/strict_device.py: a NumPy-only call or a hidden copy to the host fails there) equal the CPU's.
    Returns the CPU's first gradients (empty where nothing was differentiated)."""
    import strict_device as sd

    import backends

    with sd.registered():
        res = [_strict_run(b, fn, arrays, grad_mask) for b in (backends.CPU, sd.STRICT)]
    (out_c, g_c, s_c), (out_s, g_s, s_s) = res
    assert out_s._backend is sd.STRICT and type(out_s._data) is sd.STRICT.array_type
    assert out_c.dtype == out_s.dtype and out_c.shape == out_s.shape
    numpy.testing.assert_allclose(sd.STRICT.to_host(out_s._data), host(out_c), rtol=1e-12, atol=1e-12)
    assert len(g_c) == len(g_s) and len(s_c) == len(s_s)
    for c, s in list(zip(g_c, g_s)) + list(zip(s_c, s_s)):
        assert (c is None) == (s is None)
        if c is not None:
            assert s._backend is sd.STRICT
            numpy.testing.assert_allclose(sd.STRICT.to_host(s._data), host(c), rtol=1e-12, atol=1e-12)
    return g_c

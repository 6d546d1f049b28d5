"""Tensor factories: dtype inference, dtype/device/requires_grad arguments, memory sharing, errors."""

import numpy
import pytest

import autograd_core as ag
import backends
from checks import torch_or_skip


def host(t):
    return t._backend.to_host(t._data)


def on(t, device, dtype, shape=None, requires_grad=False):
    assert isinstance(t, ag.Tensor)
    assert t.device == device, f"device {t.device} != {device}"
    assert t.dtype == dtype, f"dtype {t.dtype} != {dtype}"
    assert t.requires_grad is requires_grad and t.is_leaf
    if shape is not None:
        assert tuple(t.shape) == tuple(shape), f"shape {tuple(t.shape)} != {shape}"
    return host(t)


# Every factory called with (dtype, device, requires_grad); each entry: name -> (call, shape).
_REF = numpy.zeros((2, 3))
FACTORIES = {
    "tensor": (lambda **kw: ag.tensor([[1, 2, 3], [4, 5, 6]], **kw), (2, 3)),
    "zeros": (lambda **kw: ag.zeros(2, 3, **kw), (2, 3)),
    "ones": (lambda **kw: ag.ones((2, 3), **kw), (2, 3)),
    "empty": (lambda **kw: ag.empty([2, 3], **kw), (2, 3)),
    "full": (lambda **kw: ag.full((2, 3), 7, **kw), (2, 3)),
    "arange": (lambda **kw: ag.arange(0, 6, 2, **kw), (3,)),
    "linspace": (lambda **kw: ag.linspace(-1, 1, 5, **kw), (5,)),
    "eye": (lambda **kw: ag.eye(3, 4, **kw), (3, 4)),
    "rand": (lambda **kw: ag.rand(2, 3, **kw), (2, 3)),
    "randn": (lambda **kw: ag.randn((2, 3), **kw), (2, 3)),
    "randint": (lambda **kw: ag.randint(0, 2, (2, 3), **kw), (2, 3)),
    "zeros_like": (lambda **kw: ag.zeros_like(ag.tensor(_REF), **kw), (2, 3)),
    "ones_like": (lambda **kw: ag.ones_like(ag.tensor(_REF), **kw), (2, 3)),
    "full_like": (lambda **kw: ag.full_like(ag.tensor(_REF), 2, **kw), (2, 3)),
    "rand_like": (lambda **kw: ag.rand_like(ag.tensor(_REF), **kw), (2, 3)),
    "randn_like": (lambda **kw: ag.randn_like(ag.tensor(_REF), **kw), (2, 3)),
    "empty_like": (lambda **kw: ag.empty_like(ag.tensor(_REF), **kw), (2, 3)),
}
FLOAT_ONLY = {"linspace", "eye", "rand", "randn", "rand_like", "randn_like"}
INT_ONLY = {"randint"}  # until it accepts floating dtypes: see test_randint_floating_dtype


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - INT_ONLY))
@pytest.mark.parametrize("dtype", [ag.float32, ag.float64, ag.float16], ids=lambda d: d.name)
def test_float_dtype_device_requires_grad(name, dtype, device):
    make, shape = FACTORIES[name]
    on(make(dtype=dtype, device=device, requires_grad=True), device, dtype, shape, requires_grad=True)
    on(make(dtype=dtype, device=device), device, dtype, shape)


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - FLOAT_ONLY))
@pytest.mark.parametrize("dtype", [ag.int64, ag.int32, ag.int16, ag.int8, ag.uint8, ag.bool], ids=lambda d: d.name)
def test_integer_dtypes_and_requires_grad_on_them(name, dtype, device):
    make, shape = FACTORIES[name]
    on(make(dtype=dtype, device=device), device, dtype, shape)
    with pytest.raises(TypeError, match=f"floating-point.*{dtype.name}"):
        make(dtype=dtype, device=device, requires_grad=True)


@pytest.mark.parametrize("name", sorted(FLOAT_ONLY & {"rand", "randn", "rand_like", "randn_like"}))
def test_random_float_factories_refuse_integer_dtypes(name, device):
    with pytest.raises(TypeError, match="int64"):
        FACTORIES[name][0](dtype=ag.int64, device=device)


@pytest.mark.parametrize("make", [lambda d: ag.eye(3, dtype=d), lambda d: ag.linspace(0, 8, 5, dtype=d)])
def test_eye_and_linspace_accept_integer_dtypes(make):
    assert make(ag.int64).dtype == ag.int64


def test_randint_floating_dtype():
    FACTORIES["randint"][0](dtype=ag.float32, requires_grad=True)


def test_randperm(device):
    p = on(ag.randperm(10, device=device), device, ag.int64, (10,))
    numpy.testing.assert_array_equal(numpy.sort(p), numpy.arange(10))
    on(ag.randperm(6, dtype=ag.int32, device=device), device, ag.int32, (6,))
    q = on(ag.randperm(6, dtype=ag.float64, device=device), device, ag.float64, (6,))
    numpy.testing.assert_array_equal(numpy.sort(q), numpy.arange(6.0))
    on(ag.randperm(0, device=device), device, ag.int64, (0,))


# --- dtype inference --------------------------------------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    (1.5, ag.float32), ([1.0, 2.0], ag.float32), ([[1, 2.5]], ag.float32), (3, ag.int64), ([1, 2], ag.int64),
    (True, ag.bool), ([True, False], ag.bool), ([[]], ag.float32),
    (numpy.zeros(2, numpy.float64), ag.float64), (numpy.zeros(2, numpy.int32), ag.int32),
    (numpy.zeros(2, numpy.uint8), ag.uint8), (numpy.zeros(2, numpy.float16), ag.float16),
    (numpy.zeros(2, bool), ag.bool), (numpy.float64(2.0), ag.float64), (numpy.int16(2), ag.int16),
], ids=repr)
def test_dtype_inference(data, dtype, device):
    for factory in (ag.tensor, ag.as_tensor):
        t = factory(data, device=device)
        on(t, device, dtype, numpy.shape(data))
        numpy.testing.assert_array_equal(host(t), numpy.asarray(data))


def test_tensor_from_a_tensor(device):
    x = ag.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = ag.tensor(x, dtype=ag.float64)
    on(y, device, ag.float64, (2,))
    assert ag.tensor(ag.tensor([1, 2], device=device)).dtype == ag.int64


def test_explicit_dtype_overrides_inference(device):
    on(ag.tensor([1, 2], dtype=ag.float64, device=device), device, ag.float64, (2,))
    on(ag.tensor(numpy.ones(2), dtype="float32", device=device), device, ag.float32, (2,))
    on(ag.tensor([1.7, -1.7], dtype=ag.int32, device=device), device, ag.int32, (2,))
    assert ag.tensor([1.0], dtype=float).dtype == ag.float64  # Python float means float64, as in PyTorch
    assert ag.tensor([1.0], dtype=int).dtype == ag.int64


def test_full_infers_dtype_from_the_fill_value(device):
    assert on(ag.full((2,), 1.5, device=device), device, ag.float32).tolist() == [1.5, 1.5]
    assert on(ag.full((2,), 3, device=device), device, ag.int64).tolist() == [3, 3]
    assert on(ag.full((2,), True, device=device), device, ag.bool).tolist() == [True, True]
    assert on(ag.full((2,), 3, dtype=ag.float64, device=device), device, ag.float64).tolist() == [3.0, 3.0]


def test_arange_dtype_inference(device):
    on(ag.arange(5, device=device), device, ag.int64, (5,))
    on(ag.arange(0, 5, 0.5, device=device), device, ag.float32, (10,))
    on(ag.arange(1.0, 4, device=device), device, ag.float32, (3,))


# --- memory ------------------------------------------------------------------------------------
def test_tensor_copies():
    a = numpy.arange(3.0)
    t = ag.tensor(a)
    a[0] = 100.0
    assert host(t)[0] == 0.0
    u = ag.tensor(t)
    t.add_(1.0)
    assert host(u).tolist() == [0.0, 1.0, 2.0] and host(t).tolist() == [1.0, 2.0, 3.0]


def test_as_tensor_and_from_numpy_share_memory():
    a = numpy.arange(3.0)
    for t in (ag.as_tensor(a), ag.from_numpy(a), ag.as_tensor(a, dtype=ag.float64, device="cpu")):
        a[0] += 1.0
        assert host(t)[0] == a[0]
        t.add_(1.0)
        assert a[1] == host(t)[1]
        assert numpy.shares_memory(host(t), a)
    b = numpy.zeros(3, dtype=numpy.int32)
    assert ag.from_numpy(b).dtype == ag.int32
    assert not numpy.shares_memory(host(ag.as_tensor(b, dtype=ag.int64)), b)  # a dtype change must copy
    t = ag.tensor([1.0])
    assert ag.as_tensor(t) is t


def test_as_tensor_other_device(device):
    a = numpy.arange(3.0)
    t = ag.as_tensor(a, device=device)
    on(t, device, ag.float64, (3,))


def test_from_numpy_errors():
    with pytest.raises(TypeError, match="list"):
        ag.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="complex128"):
        ag.from_numpy(numpy.zeros(2, numpy.complex128))


# --- sizes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [ag.zeros, ag.ones, ag.empty, ag.rand, ag.randn])
def test_sizes_as_varargs_tuple_or_list(make, device):
    for args in ((2, 3), ((2, 3),), ([2, 3],), (numpy.int64(2), 3)):
        assert tuple(make(*args, device=device).shape) == (2, 3)
    assert tuple(make(device=device).shape) == ()
    assert tuple(make((), device=device).shape) == ()
    assert tuple(make(0, 4, device=device).shape) == (0, 4)
    with pytest.raises(ValueError, match="non-negative"):
        make(2, -1, device=device)
    with pytest.raises(TypeError, match="integers"):
        make(2, None, device=device)


@pytest.mark.parametrize("bad", [2.5, "3"], ids=repr)
def test_non_integer_sizes_are_refused(bad):
    with pytest.raises(TypeError, match="integers"):
        ag.zeros(2, bad)


def test_sizes_of_the_like_factories_follow_the_input(device):
    x = ag.zeros(4, 1, 2, dtype=ag.float64, device=device)
    for make in (ag.zeros_like, ag.ones_like, ag.empty_like, ag.rand_like, ag.randn_like):
        on(make(x), device, ag.float64, (4, 1, 2))
        on(make(x, dtype=ag.float32), device, ag.float32, (4, 1, 2))
    assert host(ag.full_like(x, 2.5)).tolist() == [[[2.5, 2.5]]] * 4
    on(ag.zeros_like(ag.tensor([1, 2], device=device)), device, ag.int64, (2,))
    assert host(ag.ones_like(x)).sum() == 8 and host(ag.zeros_like(x)).sum() == 0


# --- errors -------------------------------------------------------------------------------------
BAD_DTYPES = [(numpy.complex128, "complex128"), (object, "object"), ("foo", "foo"), (numpy.str_, "str")]
DTYPE_TAKERS = {
    "tensor": lambda d: ag.tensor([1.0], dtype=d), "as_tensor": lambda d: ag.as_tensor([1.0], dtype=d),
    "zeros": lambda d: ag.zeros(2, dtype=d), "ones": lambda d: ag.ones(2, dtype=d),
    "empty": lambda d: ag.empty(2, dtype=d), "full": lambda d: ag.full((2,), 1.0, dtype=d),
    "arange": lambda d: ag.arange(3, dtype=d), "linspace": lambda d: ag.linspace(0, 1, 3, dtype=d),
    "eye": lambda d: ag.eye(2, dtype=d), "rand": lambda d: ag.rand(2, dtype=d),
    "randn": lambda d: ag.randn(2, dtype=d), "randint": lambda d: ag.randint(0, 3, (2,), dtype=d),
    "randperm": lambda d: ag.randperm(3, dtype=d), "zeros_like": lambda d: ag.zeros_like(ag.zeros(2), dtype=d),
    "full_like": lambda d: ag.full_like(ag.zeros(2), 1.0, dtype=d),
    "randn_like": lambda d: ag.randn_like(ag.zeros(2), dtype=d),
}


@pytest.mark.parametrize("name", list(DTYPE_TAKERS))
@pytest.mark.parametrize("dtype, shown", BAD_DTYPES, ids=[s for _, s in BAD_DTYPES])
def test_unsupported_dtypes_are_named(name, dtype, shown):
    with pytest.raises(TypeError, match=f"unsupported dtype '{shown}'"):
        DTYPE_TAKERS[name](dtype)


@pytest.mark.parametrize("data, shown", [
    (numpy.zeros(2, numpy.complex128), "complex128"), (numpy.array(["a"]), "str"), (numpy.zeros(2, object), "object"),
    ([1 + 2j], "complex128"),
])
def test_unsupported_data_is_named(data, shown):
    for make in (ag.tensor, ag.as_tensor):
        with pytest.raises(TypeError, match=shown):
            make(data)


DEVICE_TAKERS = {
    "tensor": lambda d: ag.tensor([1.0], device=d), "as_tensor": lambda d: ag.as_tensor([1.0], device=d),
    "zeros": lambda d: ag.zeros(2, device=d), "ones": lambda d: ag.ones(2, device=d),
    "empty": lambda d: ag.empty(2, device=d), "full": lambda d: ag.full((2,), 1.0, device=d),
    "arange": lambda d: ag.arange(3, device=d), "linspace": lambda d: ag.linspace(0, 1, 3, device=d),
    "eye": lambda d: ag.eye(2, device=d), "rand": lambda d: ag.rand(2, device=d),
    "randn": lambda d: ag.randn(2, device=d), "randint": lambda d: ag.randint(0, 3, (2,), device=d),
    "randperm": lambda d: ag.randperm(3, device=d), "zeros_like": lambda d: ag.zeros_like(ag.zeros(2), device=d),
    "rand_like": lambda d: ag.rand_like(ag.zeros(2), device=d),
}


@pytest.mark.parametrize("name", list(DEVICE_TAKERS))
@pytest.mark.parametrize("bad, error", [("tpu", ValueError), ("cuda:x", ValueError), (3.5, TypeError)], ids=str)
def test_unknown_devices_are_named(name, bad, error):
    with pytest.raises(error, match=repr(bad) if isinstance(bad, str) else str(bad)):
        DEVICE_TAKERS[name](bad)


@pytest.mark.parametrize("name", list(DEVICE_TAKERS))
def test_cuda_without_a_gpu_says_why(name):
    if backends.is_cuda_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(backends.DeviceUnavailableError) as info:
        DEVICE_TAKERS[name]("cuda")
    msg = str(info.value)
    assert "'cuda:0' is not available" in msg and backends.cuda_unavailable_reason() in msg and "cpu" in msg


def test_randint_forms_and_errors(device):
    a = on(ag.randint(5, (100,), device=device), device, ag.int64, (100,))
    assert a.min() >= 0 and a.max() < 5
    b = on(ag.randint(-2, 2, (100,), device=device), device, ag.int64, (100,))
    assert b.min() >= -2 and b.max() < 2
    with pytest.raises(ValueError, match=r"high \(3\) must be greater than low \(3\)"):
        ag.randint(3, 3, (2,), device=device)
    with pytest.raises(TypeError, match="size is required"):
        ag.randint(0, 3, device=device)


def test_arange_zero_step():
    with pytest.raises(ValueError, match="step"):
        ag.arange(0, 3, 0)


# --- values, against PyTorch --------------------------------------------------------------------
@pytest.mark.parametrize("args", [(5,), (2, 9), (0, 10, 3), (10, 0, -2), (0.0, 1.0, 0.25), (-1.5, 2.5, 0.5),
                                  (1, 4.5), (3, 3)], ids=str)
def test_arange_matches_torch(args, device):
    torch = torch_or_skip()
    ours, theirs = ag.arange(*args, device=device), torch.arange(*args)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    numpy.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-6)
    numpy.testing.assert_allclose(host(ag.arange(*args, dtype=ag.float64, device=device)),
                                  torch.arange(*args, dtype=torch.float64).numpy(), rtol=1e-12)


@pytest.mark.parametrize("args", [(0, 1, 5), (-3, 7, 50), (2, -2, 1), (1, 1, 4), (0, 1, 0), (-1e3, 1e3, 11)], ids=str)
def test_linspace_matches_torch(args, device):
    torch = torch_or_skip()
    ours = on(ag.linspace(*args, device=device), device, ag.float32, (args[2],))
    numpy.testing.assert_allclose(ours, torch.linspace(*args).numpy(), rtol=1e-6, atol=1e-5)
    numpy.testing.assert_allclose(host(ag.linspace(*args, dtype=ag.float64, device=device)),
                                  torch.linspace(*args, dtype=torch.float64).numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("args", [(1,), (3,), (3, 5), (4, 2), (0,), (2, 0)], ids=str)
def test_eye_matches_torch(args, device):
    torch = torch_or_skip()
    for dt, tdt in ((ag.float32, torch.float32), (ag.float64, torch.float64)):
        numpy.testing.assert_array_equal(host(ag.eye(*args, dtype=dt, device=device)),
                                         torch.eye(*args, dtype=tdt).numpy())


@pytest.mark.parametrize("size, value", [((2, 3), 1.5), ((4,), -7), ((), 2.0), ((2, 0), 1.0), ((3,), True)], ids=str)
def test_full_matches_torch(size, value, device):
    torch = torch_or_skip()
    ours, theirs = ag.full(size, value, device=device), torch.full(size, value)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    numpy.testing.assert_array_equal(host(ours), theirs.numpy())
    numpy.testing.assert_array_equal(host(ag.full_like(ours, value)), torch.full_like(theirs, value).numpy())


def test_zeros_ones_eye_values(device):
    assert host(ag.zeros(2, 2, device=device)).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert host(ag.ones(3, dtype=ag.int8, device=device)).tolist() == [1, 1, 1]
    numpy.testing.assert_array_equal(host(ag.eye(3, device=device)), numpy.eye(3, dtype=numpy.float32))

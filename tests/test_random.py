"""Seeding: manual_seed, initial_seed, get_rng_state / set_rng_state, and the random factories' dtypes."""

import numpy
import pytest

import autograd_core as ag


def host(t):
    return t._backend.to_host(t._data)


def draws(device):
    """One of each random factory, as host arrays."""
    return [host(ag.rand(3, 4, device=device)), host(ag.randn(5, device=device)),
            host(ag.randint(0, 1000, (6,), device=device)), host(ag.randperm(20, device=device)),
            host(ag.rand(2, dtype=ag.float64, device=device)), host(ag.randn(2, dtype=ag.float64, device=device))]


def assert_equal_draws(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        numpy.testing.assert_array_equal(x, y)


def test_manual_seed_makes_every_factory_reproducible(device):
    ag.manual_seed(1234)
    first = draws(device)
    ag.rand(100, device=device)  # whatever happened before the seed does not matter
    ag.manual_seed(1234)
    assert_equal_draws(first, draws(device))


def test_different_seeds_differ(device):
    ag.manual_seed(1)
    a = draws(device)
    ag.manual_seed(2)
    b = draws(device)
    for x, y in zip(a, b):
        assert not numpy.array_equal(x, y)


def test_consecutive_draws_differ(device):
    ag.manual_seed(5)
    assert not numpy.array_equal(host(ag.rand(8, device=device)), host(ag.rand(8, device=device)))


def test_rng_state_round_trip_restores_the_exact_sequence(device):
    ag.manual_seed(7)
    ag.randn(11, device=device)  # move away from the freshly seeded state
    state = ag.get_rng_state(device)
    expected = draws(device)
    ag.manual_seed(99)  # anything in between is undone by set_rng_state
    ag.rand(3, device=device)
    ag.set_rng_state(state, device)
    assert_equal_draws(expected, draws(device))
    ag.set_rng_state(state, device)  # the state tensor itself was not consumed
    assert_equal_draws(expected, draws(device))


def test_rng_state_is_a_uint8_cpu_tensor():
    state = ag.get_rng_state()
    assert isinstance(state, ag.Tensor)
    assert state.dtype == ag.uint8 and state.ndim == 1 and state.numel() > 0
    assert state.device == "cpu" and not state.requires_grad
    ag.rand(1)
    assert not numpy.array_equal(host(state), host(ag.get_rng_state()))  # a snapshot, not a live view


def test_rng_state_accepts_a_numpy_array():
    state = host(ag.get_rng_state()).copy()
    a = host(ag.rand(4))
    ag.set_rng_state(state)
    numpy.testing.assert_array_equal(a, host(ag.rand(4)))


def test_set_rng_state_wrong_size():
    state = host(ag.get_rng_state())
    for bad in (state[:-1], numpy.concatenate([state, state]), numpy.zeros(0, numpy.uint8)):
        with pytest.raises(ValueError, match=f"{state.size} bytes, got {bad.size}"):
            ag.set_rng_state(ag.tensor(bad))


@pytest.mark.parametrize("dtype", [ag.float32, ag.int64, ag.int8, ag.bool])
def test_set_rng_state_wrong_dtype(dtype):
    state = ag.get_rng_state().to(dtype=dtype)
    with pytest.raises(TypeError, match=f"dtype {dtype.name}"):
        ag.set_rng_state(state)


def test_initial_seed_returns_the_seed():
    assert ag.manual_seed(42) == 42
    assert ag.initial_seed() == 42
    ag.manual_seed(numpy.int64(7))
    assert ag.initial_seed() == 7 and type(ag.initial_seed()) is int
    ag.manual_seed(-1)  # as in PyTorch, negative seeds wrap around to 64 bits
    assert ag.initial_seed() == 2 ** 64 - 1


def test_seed_picks_a_fresh_seed_and_reports_it():
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s
    a = host(ag.rand(5))
    ag.manual_seed(s)
    numpy.testing.assert_array_equal(a, host(ag.rand(5)))


@pytest.mark.parametrize("bad", [1.5, "3", None, True, [1]])
def test_manual_seed_rejects_non_integers(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        ag.manual_seed(bad)


def test_random_dtypes(device):
    assert ag.rand(3, device=device).dtype == ag.float32
    assert ag.randn(3, device=device).dtype == ag.float32
    assert ag.randn(3, dtype=ag.float64, device=device).dtype == ag.float64
    assert ag.rand(3, dtype=ag.float64, device=device).dtype == ag.float64
    assert ag.randn(3, dtype=ag.float16, device=device).dtype == ag.float16
    assert ag.randint(0, 5, (3,), device=device).dtype == ag.int64
    assert ag.randint(0, 5, (3,), dtype=ag.int32, device=device).dtype == ag.int32
    assert ag.randperm(4, device=device).dtype == ag.int64


@pytest.mark.parametrize("fn", [ag.rand, ag.randn])
@pytest.mark.parametrize("dtype", [ag.int64, ag.int32, ag.uint8, ag.bool])
def test_rand_with_an_integer_dtype_raises(fn, dtype, device):
    with pytest.raises(TypeError, match=f"floating-point.*{dtype.name}"):
        fn(3, dtype=dtype, device=device)


def test_distributions_look_right(device):
    ag.manual_seed(3)
    u = host(ag.rand(20000, dtype=ag.float64, device=device))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    n = host(ag.randn(20000, dtype=ag.float64, device=device))
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1.0) < 0.03
    k = host(ag.randint(-3, 4, (5000,), device=device))
    assert k.min() == -3 and k.max() == 3
    p = host(ag.randperm(50, device=device))
    numpy.testing.assert_array_equal(numpy.sort(p), numpy.arange(50))
    assert not numpy.array_equal(p, numpy.arange(50))


def test_in_place_initialisers_draw_from_the_seeded_generator(device):
    ag.manual_seed(11)
    a = host(ag.empty(4, device=device).uniform_(-1, 1)).copy()
    b = host(ag.empty(4, device=device).normal_(2.0, 0.5)).copy()
    ag.manual_seed(11)
    numpy.testing.assert_array_equal(a, host(ag.empty(4, device=device).uniform_(-1, 1)))
    numpy.testing.assert_array_equal(b, host(ag.empty(4, device=device).normal_(2.0, 0.5)))
    assert a.min() >= -1 and a.max() < 1

"""multinomial, bernoulli and normal: their distributions (frequencies against the exact probabilities, with
seeded draws and bounds of several standard deviations), shapes and dtypes, seeds and generators, errors."""

import itertools
import math

import numpy
import pytest

import autograd_core as ag
from checks import host


def _freq(samples, c):
    return numpy.bincount(samples.reshape(-1), minlength=c) / samples.size


def test_multinomial_with_replacement_follows_the_weights(device):
    ag.manual_seed(1)
    w = numpy.array([0.1, 0.0, 0.6, 0.3, 0.0])
    n = 40000
    got = host(ag.multinomial(ag.tensor(w, device=device), n, replacement=True))
    assert got.shape == (n,) and got.dtype == numpy.int64
    p = w / w.sum()
    freq = _freq(got, 5)
    assert (freq[p == 0] == 0).all()  # a zero weight is never drawn
    assert numpy.all(numpy.abs(freq - p) <= 5 * numpy.sqrt(p * (1 - p) / n) + 1e-12), freq


def _inclusion(p, k):
    """P(index i among k draws without replacement, drawn one at a time in proportion to what is left)."""
    out = numpy.zeros(len(p))
    for order in itertools.permutations(range(len(p)), k):
        prob, left = 1.0, 1.0
        for j in order:
            prob *= p[j] / left
            left -= p[j]
        out[list(order)] += prob
    return out


def test_multinomial_without_replacement_draws_distinct_indices_with_the_right_odds(device):
    ag.manual_seed(2)
    w = numpy.array([0.1, 0.6, 0.3, 1.0])
    rows = 6000
    got = host(ag.multinomial(ag.tensor(numpy.tile(w, (rows, 1)), device=device), 2))
    assert got.shape == (rows, 2) and (got[:, 0] != got[:, 1]).all()
    freq = numpy.bincount(got.reshape(-1), minlength=4) / rows
    want = _inclusion(w / w.sum(), 2)
    assert numpy.all(numpy.abs(freq - want) <= 5 * numpy.sqrt(want * (1 - want) / rows)), (freq, want)
    # all of them: a permutation of the categories with a nonzero weight
    full = host(ag.multinomial(ag.tensor([[0.0, 2.0, 1.0, 3.0]], device=device), 3))
    assert sorted(full[0].tolist()) == [1, 2, 3]


def test_multinomial_seed_generator_and_method(device):
    w = ag.tensor([[1.0, 2.0, 3.0], [3.0, 0.0, 1.0]], device=device)
    ag.manual_seed(5)
    a = host(w.multinomial(4, replacement=True))
    ag.manual_seed(5)
    b = host(ag.multinomial(w, 4, replacement=True))
    assert a.tolist() == b.tolist() and a.shape == (2, 4)
    if device == "cpu":
        g = ag.Generator().manual_seed(3)
        first = host(ag.multinomial(w, 2, generator=g))
        g.manual_seed(3)
        assert host(ag.multinomial(w, 2, generator=g)).tolist() == first.tolist()


@pytest.mark.parametrize("weights, k, replacement, words", [
    ([1.0, -0.5], 1, True, "non-negative"),
    ([1.0, math.nan], 1, True, "finite"),
    ([0.0, 0.0], 1, True, "sums to 0"),
    ([1.0, 0.0, 2.0], 3, False, "only 2 nonzero"),
    ([1.0, 2.0], 0, True, "positive int"),
    ([[[1.0]]], 1, True, r"shape \(C,\) or \(N, C\)"),
])
def test_multinomial_errors(weights, k, replacement, words, device):
    with pytest.raises(ValueError, match=words):
        ag.multinomial(ag.tensor(weights, device=device), k, replacement)


def test_bernoulli(device):
    ag.manual_seed(3)
    p = ag.tensor(numpy.linspace(0, 1, 5).repeat(4000).astype(numpy.float64), device=device)
    got = host(ag.bernoulli(p)).reshape(5, 4000)
    assert got.dtype == numpy.float64 and set(numpy.unique(got)) <= {0.0, 1.0}
    assert got[0].sum() == 0 and got[-1].sum() == 4000
    assert numpy.all(numpy.abs(got.mean(axis=1) - numpy.linspace(0, 1, 5)) <= 5 * math.sqrt(0.25 / 4000))
    half = host(ag.ones(20000, device=device).bernoulli(0.5))
    assert abs(half.mean() - 0.5) < 5 * math.sqrt(0.25 / 20000)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        ag.bernoulli(ag.tensor([0.5, 1.5], device=device))
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        ag.ones(2, device=device).bernoulli(2.0)


def test_normal(device):
    ag.manual_seed(4)
    mean = ag.tensor([[0.0], [10.0]], dtype=ag.float64, device=device)
    std = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, device=device)
    draws = numpy.stack([host(ag.normal(mean, std)) for _ in range(3000)])
    assert draws.shape == (3000, 2, 3) and draws.dtype == numpy.float64
    bound = 5 * numpy.array([1.0, 2.0, 3.0]) / math.sqrt(3000)
    assert numpy.all(numpy.abs(draws.mean(axis=0) - [[0.0], [10.0]]) <= bound)
    assert numpy.allclose(draws.std(axis=0), [[1.0, 2.0, 3.0]] * 2, rtol=0.1)
    z = ag.normal(2.0, 0.5, size=(4, 5), device=device)
    assert tuple(z.shape) == (4, 5) and z.dtype == ag.float32 and z.device == ag.device(device)
    assert tuple(ag.normal(ag.zeros(3, device=device), 1.0).shape) == (3,)
    with pytest.raises(TypeError, match="give size"):
        ag.normal(0.0, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        ag.normal(ag.zeros(2, device=device), -1.0)


def test_sampling_runs_on_the_strict_device():
    """No NumPy-only call or hidden copy to the host but the checks' flags (the strict stand-in for a GPU)."""
    import strict_device as sd

    with sd.registered():
        w = ag.tensor([[1.0, 2.0, 0.0], [1.0, 1.0, 1.0]], device="strict")
        for out in (ag.multinomial(w, 2), ag.multinomial(w, 5, replacement=True), ag.bernoulli(w / 3),
                    ag.normal(w, 1.0), ag.normal(0.0, 1.0, size=(2,), device="strict")):
            assert out._backend is sd.STRICT and type(out._data) is sd.STRICT.array_type
        assert sorted(sd.STRICT.to_host(ag.multinomial(w, 2)._data)[0].tolist()) == [0, 1]

"""autograd_core.distributions (discrete.py, counts.py): values and gradients against torch.distributions, sampling
statistics, KL divergences, validate_args errors, and the strict stand-in for a GPU."""

import math

import numpy
import pytest

import autograd_core as ag
from autograd_core.distributions import (
    Bernoulli,
    Binomial,
    Categorical,
    Geometric,
    Multinomial,
    OneHotCategorical,
    Poisson,
    kl_divergence,
)
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

F64 = ag.float64
PROBS = numpy.array([[0.1, 0.35, 0.5], [0.62, 0.8, 0.97]])
LOGITS = rand_array((2, 3), seed=1, low=-3, high=3)
WEIGHTS = rand_array((2, 4), seed=2, low=0.2, high=2.0)  # unnormalized category weights
CAT_LOGITS = rand_array((2, 4), seed=3, low=-3, high=3)
ALL_DTYPES = ("float32", "float64")


def _td():
    return torch_or_skip().distributions


def _tt(a, like):
    """A torch tensor of ``a`` in the dtype of the torch tensor ``like``."""
    torch = torch_or_skip()
    return torch.tensor(numpy.asarray(a), dtype=like.dtype)


def _at(a, like):
    return ag.tensor(numpy.asarray(a), dtype=like.dtype, device=like.device)


def _both(fn):
    """fn(module, param, value_maker) for our distributions and torch's."""
    td = _td()
    import autograd_core.distributions as ours

    return (lambda p: fn(ours, p, _at)), (lambda p: fn(td, p, _tt))


# --- values and gradients against torch ------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_bernoulli_log_prob_entropy_match_torch(device, kind):
    arr = PROBS if kind == "probs" else LOGITS
    value = numpy.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    lp = _both(lambda m, p, mk: m.Bernoulli(**{kind: p}).log_prob(mk(value, p)))
    ent = _both(lambda m, p, mk: m.Bernoulli(**{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES)


def test_bernoulli_moments_and_support(device):
    td = _td()
    p = numpy.array([0.2, 0.5, 0.9])
    ours, theirs = Bernoulli(ag.tensor(p, dtype=F64, device=device)), td.Bernoulli(_tt(p, _td_f64()))
    for name in ("mean", "variance", "mode", "stddev"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    assert numpy.isnan(host(ours.mode)[1])
    for expand in (True, False):
        numpy.testing.assert_array_equal(host(ours.enumerate_support(expand)), host(theirs.enumerate_support(expand)))
    assert ours.batch_shape == (3,) and ours.event_shape == () and ours.param_shape == (3,)
    assert Bernoulli(0.3).batch_shape == () and Bernoulli(0.3).probs.dtype == ag.float32
    numpy.testing.assert_allclose(host(Bernoulli(probs=ag.tensor(p)).logits), numpy.log(p / (1 - p)), rtol=1e-5)


def _td_f64():
    torch = torch_or_skip()
    return torch.zeros((), dtype=torch.float64)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_log_prob_entropy_match_torch(device, kind):
    arr = WEIGHTS if kind == "probs" else CAT_LOGITS
    value = numpy.array([[0, 3], [2, 1], [1, 1]])  # (3, 2) broadcasts with batch (2,)
    lp = _both(lambda m, p, mk: m.Categorical(**{kind: p}).log_prob(mk(value, p).long()))
    ent = _both(lambda m, p, mk: m.Categorical(**{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES)


def test_categorical_properties_match_torch(device):
    td = _td()
    ours = Categorical(ag.tensor(WEIGHTS, dtype=F64, device=device))
    theirs = td.Categorical(_tt(WEIGHTS, _td_f64()))
    numpy.testing.assert_allclose(host(ours.probs), host(theirs.probs), rtol=1e-12)
    numpy.testing.assert_allclose(host(ours.logits), host(theirs.logits), rtol=1e-12)
    numpy.testing.assert_array_equal(host(ours.mode), host(theirs.mode))
    assert numpy.isnan(host(ours.mean)).all() and host(ours.variance).shape == (2,)
    for expand in (True, False):
        numpy.testing.assert_array_equal(host(ours.enumerate_support(expand)), host(theirs.enumerate_support(expand)))
    assert ours.batch_shape == (2,) and ours.param_shape == (2, 4) and ours.support.upper_bound == 3
    e = ours.expand((5, 2))
    assert e.batch_shape == (5, 2) and tuple(e.log_prob(ag.tensor([1, 2], device=device)).shape) == (5, 2)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_one_hot_categorical_matches_torch(device, kind):
    td = _td()
    arr = WEIGHTS if kind == "probs" else CAT_LOGITS
    value = numpy.eye(4)[[[1, 3], [0, 0], [2, 1]]]  # (3, 2, 4)
    lp = _both(lambda m, p, mk: m.OneHotCategorical(**{kind: p}).log_prob(mk(value, p)))
    ent = _both(lambda m, p, mk: m.OneHotCategorical(**{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES)
    ours = OneHotCategorical(**{kind: ag.tensor(arr, dtype=F64, device=device)})
    theirs = td.OneHotCategorical(**{kind: _tt(arr, _td_f64())})
    for name in ("mean", "variance", "mode", "probs", "logits"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    for expand in (True, False):
        numpy.testing.assert_array_equal(host(ours.enumerate_support(expand)), host(theirs.enumerate_support(expand)))
    assert ours.event_shape == (4,) and ours.batch_shape == (2,) and ours.expand((3, 2)).batch_shape == (3, 2)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_binomial_matches_torch(device, kind):
    td = _td()
    arr = PROBS if kind == "probs" else LOGITS
    counts = numpy.array([[3.0, 10.0, 7.0], [4.0, 12.0, 7.0]])
    value = numpy.array([[0.0, 4.0, 7.0], [2.0, 11.0, 3.0]])
    lp = _both(lambda m, p, mk: m.Binomial(mk(counts, p), **{kind: p}).log_prob(mk(value, p)))
    ent = _both(lambda m, p, mk: m.Binomial(9, **{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES, tol={"float32": dict(rtol=1e-4, atol=1e-5)})
    ours = Binomial(ag.tensor(counts, dtype=F64, device=device), **{kind: ag.tensor(arr, dtype=F64, device=device)})
    theirs = td.Binomial(_tt(counts, _td_f64()), **{kind: _tt(arr, _td_f64())})
    for name in ("mean", "variance", "mode"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    nine = Binomial(9, ag.tensor(PROBS, dtype=F64, device=device))
    numpy.testing.assert_array_equal(host(nine.enumerate_support()), host(td.Binomial(9, _tt(PROBS, _td_f64()))
                                                                         .enumerate_support()))
    assert nine.expand((4, 2, 3)).batch_shape == (4, 2, 3)


def test_poisson_matches_torch(device):
    td = _td()
    rate = numpy.array([[0.3, 1.5, 4.0], [7.2, 0.9, 20.0]])
    value = numpy.array([[0.0, 2.0, 4.0], [5.0, 0.0, 23.0]])
    lp = _both(lambda m, p, mk: m.Poisson(p).log_prob(mk(value, p)))
    compare_with_torch(*lp, rate, device=device, dtypes=ALL_DTYPES)
    ours, theirs = Poisson(ag.tensor(rate, dtype=F64, device=device)), td.Poisson(_tt(rate, _td_f64()))
    for name in ("mean", "variance", "mode"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    assert Poisson(2.0).batch_shape == () and ours.expand((4, 2, 3)).batch_shape == (4, 2, 3)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_geometric_matches_torch(device, kind):
    td = _td()
    arr = PROBS if kind == "probs" else LOGITS
    value = numpy.array([[0.0, 3.0, 1.0], [5.0, 0.0, 2.0]])
    lp = _both(lambda m, p, mk: m.Geometric(**{kind: p}).log_prob(mk(value, p)))
    ent = _both(lambda m, p, mk: m.Geometric(**{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES)
    ours = Geometric(**{kind: ag.tensor(arr, dtype=F64, device=device)})
    theirs = td.Geometric(**{kind: _tt(arr, _td_f64())})
    for name in ("mean", "variance", "mode"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    one = ag.tensor([1.0, 1.0], dtype=F64, device=device)  # p = 1: P(0) = 1, P(k > 0) = 0
    numpy.testing.assert_array_equal(host(Geometric(one).log_prob(ag.tensor([0.0, 2.0], dtype=F64))), [0.0, -math.inf])


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_multinomial_matches_torch(device, kind):
    td = _td()
    arr = WEIGHTS if kind == "probs" else CAT_LOGITS
    value = numpy.array([[[2.0, 0.0, 1.0, 3.0], [0.0, 6.0, 0.0, 0.0]], [[1.0, 1.0, 1.0, 3.0], [4.0, 0.0, 1.0, 1.0]]])
    lp = _both(lambda m, p, mk: m.Multinomial(6, **{kind: p}).log_prob(mk(value, p)))
    ent = _both(lambda m, p, mk: m.Multinomial(6, **{kind: p}).entropy())
    compare_with_torch(*lp, arr, device=device, dtypes=ALL_DTYPES)
    # torch evaluates lgamma(n + 1) of an int64 tensor in float32: agreement to float32 rounding
    compare_with_torch(*ent, arr, device=device, dtypes=ALL_DTYPES, tol={"float64": dict(rtol=1e-7, atol=1e-6)})
    ours = Multinomial(6, **{kind: ag.tensor(arr, dtype=F64, device=device)})
    theirs = td.Multinomial(6, **{kind: _tt(arr, _td_f64())})
    for name in ("mean", "variance", "probs", "logits"):
        numpy.testing.assert_allclose(host(getattr(ours, name)), host(getattr(theirs, name)), rtol=1e-12)
    assert ours.event_shape == (4,) and ours.batch_shape == (2,) and ours.support.upper_bound == 6
    numpy.testing.assert_allclose(host(ours.expand((3, 2)).entropy()), numpy.tile(host(ours.entropy()), (3, 1)))


def test_log_prob_gradcheck(device):
    """Central differences and double backward of log_prob and entropy w.r.t. the parameters."""
    value = ag.tensor([[1.0, 0.0, 2.0], [3.0, 1.0, 0.0]], dtype=F64, device=device)
    check_grads(lambda p: Binomial(4, logits=p).log_prob(value) + Geometric(logits=p).entropy(), LOGITS,
                device=device)
    check_grads(lambda r: Poisson(r).log_prob(value), PROBS * 3, device=device)
    check_grads(lambda lg: Categorical(logits=lg).entropy() + Multinomial(3, logits=lg).entropy(), CAT_LOGITS,
                device=device)


# --- KL divergences ----------------------------------------------------------------------------------------
KL_CASES = {
    "bernoulli": (lambda m, p, q: (m.Bernoulli(p), m.Bernoulli(logits=q)), PROBS, LOGITS),
    "categorical": (lambda m, p, q: (m.Categorical(p), m.Categorical(logits=q)), WEIGHTS, CAT_LOGITS),
    "one_hot": (lambda m, p, q: (m.OneHotCategorical(logits=q), m.OneHotCategorical(p)), WEIGHTS, CAT_LOGITS),
    "poisson": (lambda m, p, q: (m.Poisson(p), m.Poisson(q)), PROBS * 3, PROBS[::-1] * 2),
    "geometric": (lambda m, p, q: (m.Geometric(p), m.Geometric(logits=q)), PROBS, LOGITS),
}


@pytest.mark.parametrize("case", sorted(KL_CASES))
def test_kl_matches_torch(device, case):
    td = _td()
    import autograd_core.distributions as ours

    make, a, b = KL_CASES[case]
    compare_with_torch(lambda p, q: kl_divergence(*make(ours, p, q)),
                       lambda p, q: td.kl_divergence(*make(td, p, q)), a, b, device=device, dtypes=ALL_DTYPES)


def test_kl_edge_values(device):
    p = Bernoulli(ag.tensor([0.0, 1.0, 0.3, 0.3], dtype=F64, device=device))
    q = Bernoulli(ag.tensor([0.5, 0.5, 0.0, 1.0], dtype=F64, device=device))
    numpy.testing.assert_allclose(host(kl_divergence(p, q)), [math.log(2), math.log(2), math.inf, math.inf])
    c = Categorical(ag.tensor([[0.5, 0.5, 0.0], [0.5, 0.0, 0.5]], dtype=F64, device=device))
    d = Categorical(ag.tensor([[0.25, 0.25, 0.5], [0.5, 0.5, 0.0]], dtype=F64, device=device))
    numpy.testing.assert_allclose(host(kl_divergence(c, d)), [math.log(2), math.inf])


# --- sampling ---------------------------------------------------------------------------------------------
def _within(mean, expected, var, n, k=5.0):
    """The sample means lie within k standard errors of the expected means."""
    numpy.testing.assert_array_less(numpy.abs(host(mean) - expected), k * numpy.sqrt(var / n) + 1e-12)


N = 20000


def test_sample_statistics(device):
    ag.manual_seed(7)
    p = numpy.array([0.1, 0.5, 0.85])
    pt = ag.tensor(p, dtype=F64, device=device)
    s = Bernoulli(pt).sample((N,))
    assert tuple(s.shape) == (N, 3) and s.dtype == F64 and not s.requires_grad
    _within(s.mean(0), p, p * (1 - p), N)
    w = numpy.array([[0.2, 0.3, 0.5], [0.6, 0.0, 0.4]])
    c = Categorical(ag.tensor(w * 3, dtype=F64, device=device)).sample((N,))
    assert tuple(c.shape) == (N, 2) and c.dtype == ag.int64
    freq = numpy.stack([(host(c) == k).mean(0) for k in range(3)], -1)
    _within(freq, w, w * (1 - w), N)
    o = OneHotCategorical(ag.tensor(w, dtype=F64, device=device)).sample((N,))
    assert tuple(o.shape) == (N, 2, 3) and (host(o).sum(-1) == 1).all()
    _within(o.mean(0), w, w * (1 - w), N)
    b = Binomial(ag.tensor([5.0, 40.0], dtype=F64, device=device), ag.tensor([0.3, 0.6], dtype=F64)).sample((N,))
    _within(b.mean(0), [1.5, 24.0], numpy.array([1.05, 9.6]), N)
    r = numpy.array([0.7, 12.0])
    _within(Poisson(ag.tensor(r, dtype=F64, device=device)).sample((N,)).mean(0), r, r, N)
    g = numpy.array([0.2, 0.7])
    gs = Geometric(ag.tensor(g, dtype=F64, device=device)).sample((N,))
    assert (host(gs) >= 0).all() and (host(gs) % 1 == 0).all()
    _within(gs.mean(0), 1 / g - 1, (1 - g) / g**2, N)
    m = Multinomial(10, ag.tensor(w, dtype=F64, device=device)).sample((N // 4,))
    assert tuple(m.shape) == (N // 4, 2, 3) and (host(m).sum(-1) == 10).all() and m.dtype == F64
    _within(m.mean(0), 10 * w, 10 * w * (1 - w), N // 4)


@pytest.mark.parametrize("make", [
    lambda t: Bernoulli(t), lambda t: Categorical(t), lambda t: OneHotCategorical(t), lambda t: Binomial(6, t),
    lambda t: Poisson(t * 4), lambda t: Geometric(t), lambda t: Multinomial(5, t)])
def test_same_seed_same_samples(device, make):
    d = make(ag.tensor(PROBS, dtype=ag.float32, device=device))
    ag.manual_seed(3)
    a = host(d.sample((50,)))
    ag.manual_seed(3)
    b = host(d.sample((50,)))
    c = host(d.sample((50,)))
    numpy.testing.assert_array_equal(a, b)
    assert not numpy.array_equal(a, c)
    assert a.shape == (50,) + d.batch_shape + d.event_shape
    assert d.sample().shape == d.batch_shape + d.event_shape


# --- validate_args ----------------------------------------------------------------------------------------
def test_validate_args_errors(device):
    t = ag.tensor([0.2, 0.8], device=device)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both"):
        Bernoulli(t, t)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Geometric()
    with pytest.raises(ValueError, match=r"Expected parameter probs .* to satisfy the constraint Interval"):
        Bernoulli(ag.tensor([0.2, 1.5], device=device), validate_args=True)
    Bernoulli(ag.tensor([0.2, 1.5], device=device), validate_args=False)
    with pytest.raises(ValueError, match="within the support"):
        Bernoulli(t, validate_args=True).log_prob(ag.tensor([0.0, 2.0], device=device))
    with pytest.raises(ValueError, match="must be at least one-dimensional"):
        Categorical(ag.tensor(1.0, device=device))
    with pytest.raises(ValueError, match=r"Expected parameter probs .* Simplex"):
        Categorical(ag.tensor([0.5, -0.2, 0.7], device=device), validate_args=True)
    with pytest.raises(ValueError, match="within the support"):
        Categorical(t, validate_args=True).log_prob(ag.tensor([2], device=device))
    with pytest.raises(ValueError, match="within the support"):
        OneHotCategorical(t, validate_args=True).log_prob(ag.tensor([1.0, 1.0], device=device))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        OneHotCategorical(t, validate_args=True).log_prob(ag.tensor([1.0, 0.0, 0.0], device=device))
    with pytest.raises(ValueError, match="Expected parameter total_count"):
        Binomial(ag.tensor([2.5, 3.0], device=device), t, validate_args=True)
    with pytest.raises(ValueError, match="within the support"):
        Binomial(3, t, validate_args=True).log_prob(ag.tensor([1.0, 4.0], device=device))
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`"):
        Binomial(ag.tensor([2.0, 3.0], device=device), t).entropy()
    with pytest.raises(ValueError, match="Expected parameter rate"):
        Poisson(ag.tensor([-1.0, 2.0], device=device), validate_args=True)
    with pytest.raises(ValueError, match="within the support"):
        Poisson(t, validate_args=True).log_prob(ag.tensor([0.5, 1.0], device=device))
    with pytest.raises(ValueError, match="Expected parameter probs .* to be positive"):
        Geometric(ag.tensor([0.0, 0.5], device=device), validate_args=True)
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        Multinomial(ag.tensor([3.0]), t)
    with pytest.raises(ValueError, match="within the support"):
        Multinomial(3, t, validate_args=True).log_prob(ag.tensor([3.0, 2.0], device=device))
    with pytest.raises(NotImplementedError):
        Multinomial(3, t).mode


def test_validate_args_matches_torch_messages():
    torch = torch_or_skip()
    td = torch.distributions
    for ours, theirs in [(lambda: Geometric(ag.tensor([0.0, 0.5]), validate_args=True),
                          lambda: td.Geometric(torch.tensor([0.0, 0.5]), validate_args=True)),
                         (lambda: Bernoulli(ag.tensor([1.5]), validate_args=True),
                          lambda: td.Bernoulli(torch.tensor([1.5]), validate_args=True))]:
        with pytest.raises(ValueError) as a:
            ours()
        with pytest.raises(ValueError) as b:
            theirs()
        assert str(a.value).split("(")[0] == str(b.value).split("(")[0]


# --- device-generic code ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bernoulli", "categorical", "binomial", "multinomial", "geometric", "kl"])
def test_on_strict_device(name):
    def fn(p, lg):
        v = (p > 0.4).to(dtype=p.dtype)
        if name == "bernoulli":
            return Bernoulli(p).log_prob(v) + Bernoulli(logits=lg).entropy()
        if name == "categorical":
            one_hot = OneHotCategorical(p).mode
            return (Categorical(p).entropy() + Categorical(logits=lg).log_prob(p.argmax(-1))
                    + OneHotCategorical(logits=lg).log_prob(one_hot))
        if name == "binomial":
            return Binomial(5, p).log_prob(v * 3) + Binomial(3, logits=lg).entropy()
        if name == "multinomial":
            return Multinomial(6, p).log_prob(v * 2) + Multinomial(2, logits=lg).entropy()
        if name == "geometric":
            return Geometric(p).log_prob(v) + Geometric(logits=lg).entropy() + Poisson(p).log_prob(v)
        binary = (kl_divergence(Bernoulli(p), Bernoulli(logits=lg)) + kl_divergence(Geometric(p), Geometric(logits=lg))
                  + kl_divergence(Poisson(p), Poisson(2 * p)))
        return (kl_divergence(Categorical(p), Categorical(logits=lg)) + binary.sum(-1)
                + kl_divergence(OneHotCategorical(p), OneHotCategorical(logits=lg)))

    check_on_strict_device(fn, [PROBS, LOGITS], [True, True])


def test_sampling_on_strict_device():
    import strict_device as sd

    with sd.registered():
        p = ag.tensor(PROBS, dtype=F64, device="strict")
        for d in (Bernoulli(p), Categorical(p), OneHotCategorical(p), Binomial(4, p), Poisson(p), Geometric(p),
                  Multinomial(3, p)):
            s = d.sample((5,))
            assert s._backend is sd.STRICT and type(s._data) is sd.STRICT.array_type
            assert tuple(s.shape) == (5,) + d.batch_shape + d.event_shape
            assert tuple(d.enumerate_support().shape)[1:] == d.batch_shape + d.event_shape if \
                d.has_enumerate_support else True

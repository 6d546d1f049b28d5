"""Continuous distributions, KL rules and the Distribution base against torch.distributions (where installed):
log_prob, cdf, icdf, entropy and moments with their gradients, pathwise rsample gradients, seeded sample
statistics, and PyTorch's validation errors."""

import math

import numpy
import pytest

import autograd_core as ag
from autograd_core import distributions as D
from autograd_core.distributions import constraints
from checks import check_grads, check_on_strict_device, compare_with_torch, host, rand_array, torch_or_skip

F64 = ("float64",)
BOTH = ("float32", "float64")
LOOSE32 = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-8, atol=1e-10)}


def pos(shape, seed, low=0.5, high=2.0):
    return rand_array(shape, seed=seed, low=low, high=high, kinks=())


def simplex(shape, seed):
    a = pos(shape, seed, 0.2, 1.0)
    return a / a.sum(-1, keepdims=True)


S = (3,)
# name: (parameter arrays, a value in the support, whether cdf and icdf are defined)
SPECS = {
    "Normal": ([rand_array(S, 1), pos(S, 2)], rand_array(S, 3), True),
    "Uniform": ([pos(S, 1, -2, -1), pos(S, 2, 1, 2)], pos(S, 3, -0.9, 0.9), True),
    "Exponential": ([pos(S, 1)], pos(S, 3, 0.1, 3.0), True),
    "Laplace": ([rand_array(S, 1), pos(S, 2)], rand_array(S, 3, low=2.5, high=3.0), True),
    "LogNormal": ([rand_array(S, 1, low=-1, high=1), pos(S, 2, 0.3, 1.0)], pos(S, 3, 0.1, 3.0), True),
    "Cauchy": ([rand_array(S, 1), pos(S, 2)], rand_array(S, 3), True),
    "HalfNormal": ([pos(S, 2)], pos(S, 3, 0.1, 3.0), True),
    "StudentT": ([pos(S, 1, 2.5, 6.0), rand_array(S, 4), pos(S, 2)], rand_array(S, 3), False),
    "Gamma": ([pos(S, 1, 0.5, 3.0), pos(S, 2)], pos(S, 3, 0.1, 3.0), False),
    "Chi2": ([pos(S, 1, 1.0, 5.0)], pos(S, 3, 0.1, 3.0), False),
    "Beta": ([pos(S, 1, 0.5, 3.0), pos(S, 2, 0.5, 3.0)], pos(S, 3, 0.1, 0.9), False),
    "Dirichlet": ([pos((2, 3), 1, 0.5, 3.0)], simplex((2, 3), 3), False),
}
QUANTILES = pos(S, 5, 0.1, 0.9)


def _pair(name, method):
    """(ours, torch's) functions of (*params, value) giving ``method``."""
    def call(dist):
        if method in ("log_prob", "cdf"):
            return lambda *ts: getattr(dist(*ts[:-1]), method)(ts[-1])
        if method == "icdf":
            return lambda *ts: dist(*ts[:-1]).icdf(ts[-1])
        if method == "entropy":
            return lambda *ts: dist(*ts[:-1]).entropy()
        return lambda *ts: getattr(dist(*ts[:-1]), method)

    return call(getattr(D, name)), call(getattr(torch_or_skip().distributions, name))


@pytest.mark.parametrize("name, method", [(n, m) for n in sorted(SPECS)
                                           for m in ("log_prob", "entropy", "mean", "variance", "stddev")
                                           if n != "Cauchy" or m in ("log_prob", "entropy")])  # (Cauchy's: below)
def test_against_torch(name, method, device):
    torch_or_skip()
    params, value, _ = SPECS[name]
    ours, theirs = _pair(name, method)
    dts = BOTH if name in ("Normal", "Gamma", "Beta", "Exponential") else F64
    compare_with_torch(ours, theirs, *params, value, device=device, dtypes=dts, tol=LOOSE32)


@pytest.mark.parametrize("name", sorted(n for n in SPECS if SPECS[n][2]))
@pytest.mark.parametrize("method", ["cdf", "icdf"])
def test_cdf_icdf_against_torch(name, method, device):
    torch_or_skip()
    params, value, _ = SPECS[name]
    ours, theirs = _pair(name, method)
    compare_with_torch(ours, theirs, *params, QUANTILES if method == "icdf" else value, device=device, dtypes=F64,
                       tol=LOOSE32)


def test_cauchy_moments(device):
    d = D.Cauchy(ag.tensor([0.0, 1.0], device=device), 2.0)
    assert numpy.isnan(host(d.mean)).all() and numpy.isinf(host(d.variance)).all()
    numpy.testing.assert_array_equal(host(d.mode), [0.0, 1.0])


def test_modes_against_torch():
    torch = torch_or_skip()
    for name in ("Normal", "Exponential", "Laplace", "LogNormal", "HalfNormal", "StudentT", "Gamma", "Beta",
                 "Dirichlet"):
        params, _, _ = SPECS[name]
        ours = getattr(D, name)(*[ag.tensor(p) for p in params]).mode
        theirs = getattr(torch.distributions, name)(*[torch.tensor(p) for p in params]).mode
        numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-12, atol=1e-12, err_msg=name)


def test_log_prob_grads_double_backward(device):
    check_grads(lambda m, s, x: D.Normal(m, s).log_prob(x), *SPECS["Normal"][0], SPECS["Normal"][1], device=device)
    check_grads(lambda c, r, x: D.Gamma(c, r).log_prob(x), *SPECS["Gamma"][0], SPECS["Gamma"][1], device=device)
    check_grads(lambda a, b: D.Beta(a, b).entropy(), *SPECS["Beta"][0], device=device, second=False)


# --- MultivariateNormal ---------------------------------------------------------------------------------------

K = 3
MVN_LOC = rand_array((2, K), 11)
MVN_A = rand_array((2, K, K), 12)
MVN_X = rand_array((4, 2, K), 13)


def _spd(a, lib):
    eye = (ag.eye(K, dtype=a.dtype, device=a.device) if lib is ag else lib.eye(K, dtype=a.dtype))
    return lib.matmul(a, a.mT) + eye


def _tril(a, lib):
    eye = (ag.eye(K, dtype=a.dtype, device=a.device) if lib is ag else lib.eye(K, dtype=a.dtype))
    return a.tril(-1) + eye * (lib.exp(a.diagonal(dim1=-2, dim2=-1)).unsqueeze(-1))


def _mvn(lib, kind, loc, a):
    cls = lib.distributions.MultivariateNormal
    if kind == "scale_tril":
        return cls(loc, scale_tril=_tril(a, lib))
    if kind == "covariance_matrix":
        return cls(loc, covariance_matrix=_spd(a, lib))
    return cls(loc, precision_matrix=_spd(a, lib))


@pytest.mark.parametrize("kind", ["scale_tril", "covariance_matrix", "precision_matrix"])
def test_mvn_against_torch(kind, device):
    t = torch_or_skip()
    tol = {"float64": dict(rtol=1e-9, atol=1e-10)}
    compare_with_torch(lambda m, a, x: _mvn(ag, kind, m, a).log_prob(x),
                       lambda m, a, x: _mvn(t, kind, m, a).log_prob(x), MVN_LOC, MVN_A, MVN_X, device=device,
                       dtypes=F64, tol=tol)
    compare_with_torch(lambda m, a: _mvn(ag, kind, m, a).entropy(), lambda m, a: _mvn(t, kind, m, a).entropy(),
                       MVN_LOC, MVN_A, device=device, dtypes=F64, tol=tol)
    compare_with_torch(lambda m, a: _mvn(ag, kind, m, a).variance, lambda m, a: _mvn(t, kind, m, a).variance,
                       MVN_LOC, MVN_A, device=device, dtypes=F64, tol=tol)
    for attr in ("scale_tril", "covariance_matrix", "precision_matrix"):
        ours = getattr(_mvn(ag, kind, ag.tensor(MVN_LOC), ag.tensor(MVN_A)), attr)
        theirs = getattr(_mvn(t, kind, t.tensor(MVN_LOC), t.tensor(MVN_A)), attr)
        numpy.testing.assert_allclose(host(ours), host(theirs), rtol=1e-9, atol=1e-10, err_msg=attr)


def test_mvn_broadcast_and_expand(device):
    d = D.MultivariateNormal(ag.zeros(K, device=device), scale_tril=ag.eye(K, device=device).expand(2, K, K))
    assert d.batch_shape == (2,) and d.event_shape == (K,)
    assert d.sample((5,)).shape == (5, 2, K) and d.log_prob(ag.zeros(K, device=device)).shape == (2,)
    e = d.expand((4, 2))
    assert e.batch_shape == (4, 2) and e.rsample().shape == (4, 2, K) and e.entropy().shape == (4, 2)
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        D.MultivariateNormal(ag.zeros(K), covariance_matrix=ag.eye(K), scale_tril=ag.eye(K))


# --- rsample: pathwise gradients on fixed noise ----------------------------------------------------------------

RSAMPLE = {
    "Normal": SPECS["Normal"][0], "Uniform": SPECS["Uniform"][0], "Exponential": SPECS["Exponential"][0],
    "Laplace": SPECS["Laplace"][0], "LogNormal": SPECS["LogNormal"][0], "Cauchy": SPECS["Cauchy"][0],
    "HalfNormal": SPECS["HalfNormal"][0],
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_pathwise_gradcheck(name, device):
    def fn(*params):
        ag.manual_seed(7)
        return getattr(D, name)(*params).rsample((4,))

    assert getattr(D, name).has_rsample
    check_grads(fn, *RSAMPLE[name], device=device, second=False)


def test_rsample_mvn_gradcheck(device):
    def fn(m, a):
        ag.manual_seed(7)
        return D.MultivariateNormal(m, scale_tril=_tril(a, ag)).rsample((4,))

    check_grads(fn, MVN_LOC, MVN_A, device=device, second=False)


def test_no_rsample_and_sample_has_no_grad(device):
    c = ag.tensor([1.5, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    for d in (D.Gamma(c, 1.0), D.Beta(c, c), D.Dirichlet(c), D.Chi2(c), D.StudentT(c)):
        assert not d.has_rsample and not d.sample((2,)).requires_grad
        with pytest.raises(NotImplementedError):
            d.rsample()
    assert not D.Normal(c, 1.0).sample().requires_grad and D.Normal(c, 1.0).rsample().requires_grad


# --- seeded sample statistics ----------------------------------------------------------------------------------

def _stats_cases(device):
    t = lambda v: ag.tensor(v, dtype=ag.float64, device=device)  # noqa: E731
    return [D.Normal(t(1.0), t(2.0)), D.Uniform(t(-1.0), t(3.0)), D.Exponential(t(2.0)), D.Laplace(t(1.0), t(0.5)),
            D.Gamma(t([0.3, 1.0, 4.0]), t(2.0)), D.Chi2(t(3.0)), D.Beta(t(2.0), t(0.7)), D.LogNormal(t(0.2), t(0.4)),
            D.HalfNormal(t(1.5)), D.StudentT(t(6.0), t(1.0), t(2.0)), D.Dirichlet(t([0.5, 1.0, 3.0])),
            D.MultivariateNormal(t([1.0, -1.0]), covariance_matrix=t([[2.0, 0.6], [0.6, 1.0]]))]


@pytest.mark.parametrize("i", range(12))
def test_sample_statistics(i, device):
    d = _stats_cases(device)[i]
    n = 40000
    x = host(d.sample((n,)))
    assert x.shape == (n,) + d.batch_shape + d.event_shape
    mean, var = host(d.mean), host(d.variance)
    numpy.testing.assert_array_less(numpy.abs(x.mean(0) - mean), 5 * numpy.sqrt(var / n) + 1e-12)
    tol = 0.15 if isinstance(d, D.StudentT) else 0.05
    numpy.testing.assert_allclose(x.var(0), var, rtol=tol)
    assert bool(host(d.support.check(ag.tensor(x, device=device))).all())
    if isinstance(d, D.MultivariateNormal):
        numpy.testing.assert_allclose(numpy.cov(x.T), host(d.covariance_matrix), rtol=0.05, atol=0.03)


def test_cauchy_sample_quantiles(device):
    x = host(D.Cauchy(ag.tensor(1.0, dtype=ag.float64, device=device), 2.0).sample((40000,)))
    for q in (0.25, 0.5, 0.75):
        assert abs(numpy.quantile(x, q) - (1.0 + 2.0 * math.tan(math.pi * (q - 0.5)))) < 0.1


def test_same_seed_same_samples(device):
    for d in _stats_cases(device):
        ag.manual_seed(3)
        a = host(d.sample((5,)))
        ag.manual_seed(3)
        b = host(d.sample((5,)))
        numpy.testing.assert_array_equal(a, b)
    assert not numpy.array_equal(host(d.sample((5,))), b)


def test_shapes_expand_sample_n(device):
    d = D.Normal(ag.zeros(3, device=device), 1.0)
    assert d.batch_shape == (3,) and d.event_shape == () and d.sample((2, 4)).shape == (2, 4, 3)
    e = d.expand((5, 3))
    assert e.batch_shape == (5, 3) and e.sample().shape == (5, 3) and type(e) is D.Normal
    assert D.Gamma(1.0, 1.0).expand((2,)).sample().shape == (2,) and D.Chi2(2.0).expand((2,)).df.shape == (2,)
    assert D.Beta(1.0, 2.0).expand((3,)).sample((2,)).shape == (2, 3)
    with pytest.warns(UserWarning):
        assert d.sample_n(4).shape == (4, 3)
    numpy.testing.assert_allclose(host(d.perplexity()), numpy.exp(host(d.entropy())))


# --- KL divergences --------------------------------------------------------------------------------------------

KL_CASES = {
    "Normal": ([rand_array(S, 1), pos(S, 2)], [rand_array(S, 3), pos(S, 4)]),
    "Uniform": ([pos(S, 1, -1, -0.5), pos(S, 2, 0.5, 1)], [pos(S, 3, -2, -1.5), pos(S, 4, 1.5, 2)]),
    "Exponential": ([pos(S, 1)], [pos(S, 2)]),
    "Gamma": ([pos(S, 1, 0.5, 3), pos(S, 2)], [pos(S, 3, 0.5, 3), pos(S, 4)]),
    "Beta": ([pos(S, 1, 0.5, 3), pos(S, 2, 0.5, 3)], [pos(S, 3, 0.5, 3), pos(S, 4, 0.5, 3)]),
    "Laplace": ([rand_array(S, 1), pos(S, 2)], [rand_array(S, 3), pos(S, 4)]),
    "Dirichlet": ([pos((2, 3), 1, 0.5, 3)], [pos((2, 3), 2, 0.5, 3)]),
}


@pytest.mark.parametrize("name", sorted(KL_CASES))
def test_kl_against_torch(name, device):
    t = torch_or_skip()
    p, q = KL_CASES[name]
    n = len(p)
    ours = lambda *a: D.kl_divergence(getattr(D, name)(*a[:n]), getattr(D, name)(*a[n:]))  # noqa: E731
    theirs = lambda *a: t.distributions.kl_divergence(getattr(t.distributions, name)(*a[:n]),  # noqa: E731
                                                      getattr(t.distributions, name)(*a[n:]))
    dts = F64 if name == "Uniform" else BOTH  # (torch's Uniform KL does not propagate to low/high in place)
    compare_with_torch(ours, theirs, *p, *q, device=device, dtypes=dts, tol=LOOSE32)


def test_kl_uniform_outside_is_inf(device):
    p = D.Uniform(ag.tensor([0.0, 0.0], device=device), ag.tensor([1.0, 1.0], device=device))
    q = D.Uniform(ag.tensor([-1.0, 0.5], device=device), ag.tensor([2.0, 2.0], device=device))
    out = host(D.kl_divergence(p, q))
    assert numpy.isfinite(out[0]) and numpy.isinf(out[1])
    numpy.testing.assert_allclose(out[0], math.log(3.0), rtol=1e-6)


def test_kl_mvn_against_torch(device):
    t = torch_or_skip()
    loc2, a2 = rand_array((K,), 21), rand_array((K, K), 22)
    compare_with_torch(lambda m, a, m2, b: D.kl_divergence(_mvn(ag, "scale_tril", m, a), _mvn(ag, "covariance_matrix",
                                                                                              m2, b)),
                       lambda m, a, m2, b: t.distributions.kl_divergence(_mvn(t, "scale_tril", m, a),
                                                                         _mvn(t, "covariance_matrix", m2, b)),
                       MVN_LOC, MVN_A, loc2, a2, device=device, dtypes=F64,
                       tol={"float64": dict(rtol=1e-9, atol=1e-10)})


def test_kl_registry_dispatch_and_errors():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal and q "
                                                  "type Gamma"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Gamma(1.0, 1.0))

    class MyNormal(D.Normal):
        pass

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))) == pytest.approx(0.5)

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return ag.tensor(42.0)

    assert float(D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))) == 42.0
    assert float(D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0))) == pytest.approx(0.5)
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        D.register_kl(int, D.Normal)


# --- validation, constraints -----------------------------------------------------------------------------------

def test_validate_args_errors():
    with pytest.raises(ValueError, match=r"Expected parameter scale \(Tensor of shape \(2,\)\) of distribution "
                                         r"Normal\(.*\) to satisfy the constraint GreaterThan\(lower_bound=0.0\)"):
        D.Normal(ag.zeros(2), ag.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="Uniform is not defined when low>= high"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        D.Dirichlet(ag.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match="Expected parameter df"):
        D.Chi2(-1.0)
    with pytest.raises(ValueError, match=r"Expected value argument \(Tensor of shape \(1,\)\) to be within the "
                                         r"support \(GreaterThanEq\(lower_bound=0.0\)\)"):
        D.Exponential(1.0).log_prob(ag.tensor([-1.0]))
    with pytest.raises(ValueError, match="to be within the support \\(Simplex\\(\\)\\)"):
        D.Dirichlet(ag.ones(3)).log_prob(ag.tensor([0.5, 0.6, 0.1]))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        D.Dirichlet(ag.ones(3)).log_prob(ag.tensor([0.5, 0.5]))
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape\\+event_shape"):
        D.Normal(ag.zeros(3), 1.0).log_prob(ag.zeros(2))
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)
    assert float(D.Normal(0.0, -1.0, validate_args=False).scale) == -1.0


def test_set_default_validate_args():
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)
        assert D.Normal(0.0, 1.0, validate_args=True)._validate_args and not D.Normal(0.0, 1.0)._validate_args
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


def test_constraints_check():
    x = ag.tensor([-1.0, 0.0, 0.5, 1.0, 2.0])
    cases = {constraints.real: [1, 1, 1, 1, 1], constraints.positive: [0, 0, 1, 1, 1],
             constraints.nonnegative: [0, 1, 1, 1, 1], constraints.unit_interval: [0, 1, 1, 1, 0],
             constraints.greater_than(0.5): [0, 0, 0, 1, 1], constraints.interval(-1, 0.5): [1, 1, 1, 0, 0],
             constraints.integer_interval(0, 1): [0, 1, 0, 1, 0], constraints.nonnegative_integer: [0, 1, 0, 1, 1],
             constraints.boolean: [0, 1, 0, 1, 0]}
    for c, want in cases.items():
        numpy.testing.assert_array_equal(host(c.check(x)), numpy.array(want, bool), err_msg=repr(c))
    assert bool(constraints.simplex.check(ag.tensor([0.2, 0.8]))) and not bool(constraints.simplex.check(ag.ones(2)))
    assert constraints.real_vector.check(ag.zeros(2, 3)).shape == (2,)
    lower = ag.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert bool(constraints.lower_cholesky.check(lower)) and not bool(constraints.lower_cholesky.check(lower.mT))
    assert bool(constraints.positive_definite.check(ag.tensor([[2.0, 1.0], [1.0, 2.0]])))
    assert not bool(constraints.positive_definite.check(ag.tensor([[1.0, 2.0], [2.0, 1.0]])))
    assert constraints.is_dependent(constraints.dependent) and D.Uniform(0.0, 1.0).support.upper_bound == 1.0


def test_ag_distributions_namespace():
    assert ag.distributions.Normal is D.Normal and ag.distributions.kl_divergence is D.kl_divergence


# --- device-generic code, checked on the strict stand-in for a GPU ----------------------------------------------

def test_strict_device_log_prob_entropy_kl():
    p, x, _ = SPECS["Gamma"]
    check_on_strict_device(lambda c, r, v: D.Gamma(c, r).log_prob(v) + D.Gamma(c, r).entropy(), [*p, x],
                           [True, True, True])
    check_on_strict_device(lambda m, a, v: _mvn(ag, "covariance_matrix", m, a).log_prob(v), [MVN_LOC, MVN_A, MVN_X],
                           [True, True, False])
    check_on_strict_device(lambda a, b: D.kl_divergence(D.Dirichlet(a), D.Dirichlet(b)), KL_CASES["Dirichlet"][0]
                           + KL_CASES["Dirichlet"][1], [True, True])


def test_strict_device_sampling():
    def draw(c, m, s):
        ag.manual_seed(1)
        return ag.cat([D.Gamma(c, 1.0).sample((4,)).flatten(), D.Dirichlet(c).sample((2,)).flatten(),
                       D.Normal(m, s).rsample((3,)).flatten(), D.Laplace(m, s).rsample().flatten()])

    check_on_strict_device(draw, [pos(S, 1, 0.3, 3.0), rand_array(S, 2), pos(S, 3)], [False, True, True])


"""Univariate continuous distributions, as ``torch.distributions``: Normal, Uniform, Exponential, Laplace,
LogNormal, Cauchy, HalfNormal. (Gamma, Chi2, Beta, Dirichlet, StudentT are in ``gamma.py``;
MultivariateNormal in ``multivariate_normal.py``.)

Every log_prob, cdf, icdf, entropy and moment is a composition of Tensor ops, so it is differentiable w.r.t.
the parameters; ``rsample`` is the pathwise draw x = g(params, eps) with eps from the device's generator.
"""

import math

import autograd_core as ag

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, standard_normal, standard_uniform

__all__ = ["Cauchy", "Exponential", "HalfNormal", "Laplace", "LogNormal", "Normal", "Uniform"]

_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


def _batch(*params):
    return tuple(params[0].shape)


class _LocScale(Distribution):
    """What the location-scale families on the real line share (Normal, Laplace, Cauchy): parameters loc and
    scale > 0 broadcast together, support the reals, rsample, mean and mode loc."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(_batch(self.loc), validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


class Normal(_LocScale):
    """Normal(loc, scale): N(mu, sigma^2).

        log p(x) = -(x - mu)^2 / (2 sigma^2) - log sigma - log sqrt(2 pi)
        cdf(x) = (1 + erf((x - mu) / (sigma sqrt 2))) / 2      icdf(q) = mu + sigma sqrt 2 erfinv(2 q - 1)
        H = 1/2 + 1/2 log(2 pi) + log sigma                    rsample: mu + sigma eps, eps ~ N(0, 1)
    """


    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.pow(2)

    def rsample(self, sample_shape=()):
        eps = standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - ag.log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ag.erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * ag.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + ag.log(self.scale)


class Uniform(Distribution):
    """Uniform(low, high): constant density on [low, high).

        log p(x) = -log(high - low) on the support (-inf off it)       cdf(x) = clamp((x - low) / (high - low), 0, 1)
        mean = (low + high) / 2      variance = (high - low)^2 / 12    H = log(high - low)
        rsample: low + u (high - low), u ~ U[0, 1)
    """

    arg_constraints = {"low": constraints.dependent(is_discrete=False, event_dim=0),
                       "high": constraints.dependent(is_discrete=False, event_dim=0)}
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        super().__init__(_batch(self.low), validate_args=validate_args)
        if self._validate_args and not bool((self.low < self.high).all()):
            raise ValueError("Uniform is not defined when low>= high")

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return ag.full_like(self.high, float("nan"))

    @property
    def stddev(self):
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        u = standard_uniform(self._extended_shape(sample_shape), self.low)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lb = (self.low <= value).type_as(self.low)
        ub = (self.high > value).type_as(self.low)
        return ag.log(lb * ub) - ag.log(self.high - self.low)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return ag.log(self.high - self.low)


class Exponential(Distribution):
    """Exponential(rate): p(x) = lambda exp(-lambda x), x >= 0.

        log p(x) = log lambda - lambda x      cdf(x) = 1 - exp(-lambda x)      icdf(q) = -log(1 - q) / lambda
        mean = 1 / lambda    variance = 1 / lambda^2    H = 1 - log lambda
        rsample: -log(1 - u) / lambda, u ~ U[0, 1)
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(_batch(self.rate), validate_args=validate_args)

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return ag.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()):
        u = standard_uniform(self._extended_shape(sample_shape), self.rate)
        return -ag.log1p(-u) / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ag.log(self.rate) - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ag.exp(-self.rate * value)

    def icdf(self, value):
        return -ag.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - ag.log(self.rate)


class Laplace(_LocScale):
    """Laplace(loc, scale): p(x) = exp(-|x - mu| / b) / (2 b).

        log p(x) = -log(2 b) - |x - mu| / b     cdf(x) = 1/2 - 1/2 sign(x - mu) expm1(-|x - mu| / b)
        icdf(q) = mu - b sign(q - 1/2) log(1 - 2 |q - 1/2|)
        variance = 2 b^2     H = 1 + log(2 b)    rsample: mu - b sign(u) log(1 - |u|), u ~ U(-1, 1)
    """


    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2**0.5) * self.scale

    def rsample(self, sample_shape=()):
        eps = ag.finfo(self.loc.dtype).eps
        u = standard_uniform(self._extended_shape(sample_shape), self.loc) * (2 - eps) + (eps - 1)
        return self.loc - self.scale * u.sign() * ag.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -ag.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * ag.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * ag.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + ag.log(2 * self.scale)


class LogNormal(Distribution):
    """LogNormal(loc, scale): X = exp(Y), Y ~ N(mu, sigma^2).

        log p(x) = log N(log x; mu, sigma) - log x       cdf(x) = Phi((log x - mu) / sigma)
        mean = exp(mu + sigma^2 / 2)    mode = exp(mu - sigma^2)    variance = (exp(sigma^2) - 1) exp(2 mu + sigma^2)
        H = H(N(mu, sigma)) + mu        rsample: exp(mu + sigma eps)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(_batch(self.loc), validate_args=validate_args)

    @property
    def base_dist(self):
        return Normal(self.loc, self.scale, validate_args=False)

    @property
    def mean(self):
        return ag.exp(self.loc + self.scale.pow(2) / 2)

    @property
    def mode(self):
        return ag.exp(self.loc - self.scale.pow(2))

    @property
    def variance(self):
        s2 = self.scale.pow(2)
        return ag.expm1(s2) * ag.exp(2 * self.loc + s2)

    def rsample(self, sample_shape=()):
        return ag.exp(self.base_dist.rsample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = ag.log(value)
        return self.base_dist.log_prob(y) - y

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(ag.log(value))

    def icdf(self, value):
        return ag.exp(self.base_dist.icdf(value))

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Cauchy(_LocScale):
    """Cauchy(loc, scale): p(x) = 1 / (pi gamma (1 + ((x - x0) / gamma)^2)).

        cdf(x) = atan((x - x0) / gamma) / pi + 1/2      icdf(q) = x0 + gamma tan(pi (q - 1/2))
        mean undefined (nan), variance inf     H = log(4 pi gamma)     rsample: x0 + gamma tan(pi (u - 1/2))
    """

    @property
    def mean(self):
        return ag.full_like(self.loc, float("nan"))

    @property
    def variance(self):
        return ag.full_like(self.loc, float("inf"))

    def rsample(self, sample_shape=()):
        u = standard_uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc + ag.tan(math.pi * (u - 0.5)) * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - ag.log(self.scale) - ag.log1p(((value - self.loc) / self.scale) ** 2)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ag.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return ag.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + ag.log(self.scale)


class HalfNormal(Distribution):
    """HalfNormal(scale): X = |Y|, Y ~ N(0, sigma^2).

        log p(x) = log N(x; 0, sigma) + log 2 for x >= 0 (-inf below)    cdf(x) = 2 Phi(x / sigma) - 1
        mean = sigma sqrt(2 / pi)     variance = sigma^2 (1 - 2 / pi)    H = H(N(0, sigma)) - log 2
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale, validate_args=None):
        (self.scale,) = broadcast_all(scale)
        super().__init__(_batch(self.scale), validate_args=validate_args)

    @property
    def base_dist(self):
        return Normal(ag.zeros_like(self.scale), self.scale, validate_args=False)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return ag.zeros_like(self.scale)

    @property
    def variance(self):
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape).abs()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return ag.where(value >= 0, lp, float("-inf"))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


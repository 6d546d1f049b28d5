"""KL divergence, as ``torch.distributions.kl``: ``kl_divergence(p, q) = E_p[log p(X) - log q(X)]``, by rules
registered for pairs of distribution types with ``@register_kl(TypeP, TypeQ)``. The most specific rule
for (type(p), type(q)) wins (the least total distance up both classes' MROs).

    Normal:       1/2 ((s_p / s_q)^2 + ((mu_p - mu_q) / s_q)^2 - 1 - log (s_p / s_q)^2)
    Uniform:      log((b_q - a_q) / (b_p - a_p)), inf unless [a_p, b_p] lies inside [a_q, b_q]
    Exponential:  r - 1 - log r,  r = lambda_q / lambda_p
    Gamma:        a_q log(b_p / b_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) digamma(a_p) + (b_q - b_p) a_p / b_p
    Beta:         lgamma(a_q) + lgamma(b_q) + lgamma(a_p + b_p) - lgamma(a_p) - lgamma(b_p) - lgamma(a_q + b_q)
                  + (a_p - a_q) digamma(a_p) + (b_p - b_q) digamma(b_p) + (a_q + b_q - a_p - b_p) digamma(a_p + b_p)
    Laplace:      -log(s_p / s_q) + |mu_p - mu_q| / s_q + (s_p / s_q) exp(-|mu_p - mu_q| / s_p) - 1
    Dirichlet:    lgamma(a0_p) - lgamma(a0_q) - sum (lgamma(a_p) - lgamma(a_q)) + sum (a_p - a_q)(digamma(a_p)
                  - digamma(a0_p))
    MultivariateNormal: sum log diag L_q - sum log diag L_p + 1/2 (|L_q^{-1} L_p|_F^2 + |L_q^{-1}(mu_q - mu_p)|^2 - k)
"""

import math

import autograd_core as ag

from .. import linalg
from .continuous import Exponential, Laplace, Normal, Uniform
from .distribution import Distribution
from .gamma import Beta, Dirichlet, Gamma
from .multivariate_normal import MultivariateNormal, _batch_mahalanobis

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY = {}
_KL_MEMOIZE = {}


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p || q) for p of ``type_p`` and q of ``type_q``."""
    if not isinstance(type_p, type) or not issubclass(type_p, Distribution):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not isinstance(type_q, type) or not issubclass(type_q, Distribution):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(fun):
        _KL_REGISTRY[type_p, type_q] = fun
        _KL_MEMOIZE.clear()
        return fun

    return decorator


def _dispatch_kl(type_p, type_q):
    matches = [(sp, sq) for sp, sq in _KL_REGISTRY if issubclass(type_p, sp) and issubclass(type_q, sq)]
    if not matches:
        return NotImplemented
    best = min(matches, key=lambda m: (type_p.__mro__.index(m[0]) + type_q.__mro__.index(m[1]),
                                       type_p.__mro__.index(m[0])))
    return _KL_REGISTRY[best]


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(X) - log q(X)], of shape ``batch_shape`` (the two broadcast)."""
    key = (type(p), type(q))
    fun = _KL_MEMOIZE.get(key)
    if fun is None:
        fun = _KL_MEMOIZE[key] = _dispatch_kl(*key)
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} and q type "
                                  f"{q.__class__.__name__}")
    return fun(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - ag.log(var_ratio))


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ag.log((q.high - q.low) / (p.high - p.low))
    return ag.where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return -ag.log(rate_ratio) + rate_ratio - 1


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * ag.log(p.rate / q.rate)
    t2 = ag.lgamma(q.concentration) - ag.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ag.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = ag.lgamma(q.concentration1) + ag.lgamma(q.concentration0) + ag.lgamma(sum_p)
    t2 = ag.lgamma(p.concentration1) + ag.lgamma(p.concentration0) + ag.lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * ag.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ag.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * ag.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -ag.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ag.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = ag.lgamma(sum_p) - ag.lgamma(sum_q)
    t2 = (ag.lgamma(p.concentration) - ag.lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = ag.digamma(p.concentration) - ag.digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = (ag.log(Lq.diagonal(dim1=-2, dim2=-1)).sum(-1) - ag.log(Lp.diagonal(dim1=-2, dim2=-1)).sum(-1))
    batch = tuple(ag.broadcast_shapes(p.batch_shape, q.batch_shape))
    n = p.event_shape[0]
    sol = linalg.solve_triangular(Lq.expand(batch + (n, n)), Lp.expand(batch + (n, n)), upper=False)
    term2 = sol.pow(2).flatten(-2).sum(-1)
    term3 = _batch_mahalanobis(Lq, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)

"""Every differentiable operation, as a function of tensors. ``autograd_core`` re-exports them and
``autograd_core._methods`` attaches them to Tensor as methods and operators."""

from .arith import add, div, floor_divide, mul, neg, pow, remainder, sub
from .arrange import (
                      argsort,
                      ceil,
                      contiguous,
                      count_nonzero,
                      cumsum,
                      diag,
                      diagonal,
                      fix,
                      flip,
                      fliplr,
                      flipud,
                      floor,
                      frac,
                      is_contiguous,
                      meshgrid,
                      nan_to_num,
                      narrow,
                      nonzero,
                      roll,
                      round,
                      sort,
                      topk,
                      tril,
                      triu,
                      trunc,
)
from .compare import (
                      all,
                      allclose,
                      any,
                      bitwise_not,
                      eq,
                      equal,
                      ge,
                      gt,
                      isfinite,
                      isinf,
                      isnan,
                      le,
                      logical_and,
                      logical_not,
                      logical_or,
                      logical_xor,
                      lt,
                      ne,
)
from .convert import clone, to_device_dtype
from .index import gather, getitem, index_select, masked_fill
from .join import cat, chunk, pad, repeat, split, stack, unbind
from .linalg import bmm, dot, einsum, matmul, mm, outer
from .reduce import (
                      amax,
                      amin,
                      argmax,
                      argmin,
                      log_softmax,
                      logsumexp,
                      max,
                      mean,
                      min,
                      norm,
                      prod,
                      softmax,
                      std,
                      sum,
                      var,
)
from .shape import (
                      T,
                      broadcast_to,
                      expand,
                      expand_as,
                      flatten,
                      movedim,
                      mT,
                      permute,
                      reshape,
                      squeeze,
                      sum_to,
                      t,
                      transpose,
                      unflatten,
                      unsqueeze,
                      view,
)
from .unary import (
                      abs,
                      clamp,
                      clip,
                      cos,
                      erf,
                      exp,
                      expm1,
                      leaky_relu,
                      log,
                      log1p,
                      maximum,
                      minimum,
                      reciprocal,
                      relu,
                      rsqrt,
                      sigmoid,
                      sign,
                      sin,
                      softplus,
                      sqrt,
                      square,
                      tan,
                      tanh,
                      where,
)

true_divide = divide = div
multiply = mul
subtract = sub
negative = neg
absolute = abs
concat = concatenate = cat
swapaxes = swapdims = transpose

__all__ = [name for name in dir() if not name.startswith("_")]

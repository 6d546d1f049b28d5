"""Every differentiable operation, as a function of tensors. ``autograd_core`` re-exports them and
``autograd_core._methods`` attaches them to Tensor as methods and operators."""

import types as _types

from .arith import add, div, floor_divide, mul, neg, pow, remainder, sub
from .arrange import (
                      argsort,
                      contiguous,
                      count_nonzero,
                      cumsum,
                      diag,
                      diagonal,
                      flip,
                      fliplr,
                      flipud,
                      is_contiguous,
                      meshgrid,
                      narrow,
                      nonzero,
                      repeat_interleave,
                      roll,
                      sort,
                      topk,
                      tril,
                      triu,
                      unique,
)
from .assorted import (
                      addbmm,
                      adjoint,
                      binomial,
                      chain_matmul,
                      combinations,
                      fill,
                      poisson,
                      randint_like,
                      renorm,
                      scalar_tensor,
                      split_with_sizes,
)
from .compare import (
                      all,
                      allclose,
                      any,
                      bitwise_and,
                      bitwise_not,
                      bitwise_or,
                      bitwise_xor,
                      eq,
                      equal,
                      ge,
                      gt,
                      isclose,
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
from .counting import bincount, bucketize, histc, searchsorted
from .cumulative import cummax, cummin, cumprod, logcumsumexp
from .extra import (
                      addmv,
                      addr,
                      aminmax,
                      argwhere,
                      copysign,
                      diag_embed,
                      diagflat,
                      digamma,
                      dsplit,
                      erfinv,
                      float_power,
                      fmax,
                      fmin,
                      ger,
                      greater,
                      greater_equal,
                      heaviside,
                      hsplit,
                      index_copy,
                      index_fill,
                      inner,
                      is_same_size,
                      is_signed,
                      isneginf,
                      isposinf,
                      isreal,
                      less,
                      less_equal,
                      lgamma,
                      logaddexp2,
                      msort,
                      mv,
                      not_equal,
                      polygamma,
                      positive,
                      select,
                      sgn,
                      signbit,
                      take_along_dim,
                      tensor_split,
                      tile,
                      unique_consecutive,
                      vdot,
                      vsplit,
)
from .index import gather, getitem, index_select, masked_fill, scatter, scatter_add
from .integrate import (
                      cumulative_trapezoid,
                      gradient,
                      trapezoid,
                      trapz,
)
from .join import cat, chunk, pad, repeat, split, stack, unbind
from .linalg import addmm, bmm, dot, einsum, matmul, mm, outer
from .linalg_decomp import cholesky_solve
from .linalg_dense import det, inverse, logdet, matrix_power, slogdet
from .linalg_lu import lu_unpack
from .linalg_matrix import matrix_exp
from .linalg_pinv import legacy_cholesky as cholesky
from .linalg_pinv import legacy_qr as qr
from .linalg_pinv import legacy_svd as svd
from .linalg_pinv import pinverse
from .misc import cross, deg2rad, dist, erfc, is_nonzero, is_tensor, numel, rad2deg, sinc
from .more import (
                      addcdiv,
                      addcmul,
                      baddbmm,
                      clamp_max,
                      clamp_min,
                      diff,
                      fmod,
                      hypot,
                      index_add,
                      kron,
                      kthvalue,
                      logaddexp,
                      logit,
                      masked_select,
                      median,
                      std_mean,
                      take,
                      tensordot,
                      trace,
                      var_mean,
                      xlogy,
)
from .nanstats import nanmean, nanmedian, nanquantile, nansum, quantile
from .numeric import (
                      bartlett_window,
                      blackman_window,
                      frexp,
                      gcd,
                      hamming_window,
                      hann_window,
                      i0,
                      kaiser_window,
                      lcm,
                      ldexp,
                      logspace,
                      mvlgamma,
                      nextafter,
                      rsub,
                      unravel_index,
)
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
from .rounding import ceil, fix, floor, frac, nan_to_num, round, trunc
from .scatter_family import (
                      diagonal_scatter,
                      index_put,
                      masked_scatter,
                      scatter_reduce,
                      select_scatter,
                      slice_scatter,
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
from .stacking import (
                      atleast_1d,
                      atleast_2d,
                      atleast_3d,
                      block_diag,
                      broadcast_shapes,
                      broadcast_tensors,
                      cartesian_prod,
                      column_stack,
                      dstack,
                      hstack,
                      rot90,
                      row_stack,
                      tril_indices,
                      triu_indices,
                      vstack,
)
from .statistics import (
                      corrcoef,
                      cov,
                      histogram,
                      isin,
                      mode,
)
from .trig import (
                      acos,
                      acosh,
                      arccos,
                      arccosh,
                      arcsin,
                      arcsinh,
                      arctan,
                      arctan2,
                      arctanh,
                      asin,
                      asinh,
                      atan,
                      atan2,
                      atanh,
                      cosh,
                      exp2,
                      lerp,
                      log2,
                      log10,
                      sinh,
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
moveaxis = movedim

# every op, not the submodules that define them (a star import must not bind ``linalg``, the package's
# torch.linalg namespace, to the internal ops.linalg)
__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _types.ModuleType)]

"""Lazy modules: layers whose input size (in_features, in_channels, num_features) is read from their first input.

Until the first call a lazy module holds ``UninitializedParameter`` s (and ``UninitializedBuffer`` s): Parameters
with no shape yet. ``parameters()`` yields them, so an optimizer can be built before the first call. The first
call reads the size from the input, materialises each of them *in place* (the same Parameter objects get their
arrays: an optimizer built before keeps working), initialises them exactly as the non-lazy layer would (the
same init functions, the same random draws: ``LazyLinear(4)`` on an input (N, 3) gets the values
``Linear(3, 4)`` would get from the same seed), and the module's class then becomes the non-lazy one
(``cls_to_become``: LazyLinear -> Linear), as in PyTorch.

``load_state_dict`` on a lazy module that has not run yet first reads the input size from the state dict's
shapes and materialises the parameters (the values are then loaded, not drawn; a state of the wrong shape fails
with Module's "size mismatch" error). A model *holding* lazy modules loads the same way: Module.load_state_dict
lets each submodule prepare for its own entries first (``_before_load_state_dict``).

Shapes as in PyTorch: LazyLinear weight (out_features, in_features) with in_features = input.shape[-1]; the
convolutions' in_channels = input.shape[1] (input.shape[0] unbatched); the norms' num_features = input.shape[1]
(for an unbatched instance norm input (C, L) or (C, H, W), C = input.shape[0], where PyTorch reads shape[1]).
The lazy norms default to affine=True and track_running_stats=True (PyTorch's defaults for them, the instance
norms' included).
"""

import itertools

import autograd_core as ag
from autograd_core import Tensor

from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .linear import Linear
from .module import _IncompatibleKeys
from .normalization import BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy


class LazyModuleMixin:
    """A module whose parameters are materialised by its first call: a forward pre-hook calls
    ``initialize_parameters(*inputs)``, then the class becomes ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(LazyModuleMixin._infer_parameters)

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of this module is still uninitialized."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(), self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    @staticmethod
    def _infer_parameters(module, args):
        """The forward pre-hook: materialise and initialise from the inputs, then become the non-lazy class."""
        if not args or not isinstance(args[0], Tensor):
            got = type(args[0]).__name__ if args else "no input"
            raise TypeError(f"{type(module).__name__}: the first call must pass the input Tensor (its shape gives the "
                            f"parameters' shapes), got {got}")
        with ag.no_grad():
            module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        del module.__dict__["_initialize_hook"]
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _size_from_state(self, state):
        """Set the input size (in_features, in_channels, num_features) from the shapes of a state dict's entries;
        False where they don't tell (subclasses)."""
        return False

    def _materialize_all(self):
        """Materialise every uninitialized parameter and buffer with the shape the input size gives (subclasses)."""

    def _before_load_state_dict(self, state_dict):
        """Materialise the uninitialized parameters and buffers that ``state_dict`` (this module's own entries)
        gives values for; Module.load_state_dict calls it for every submodule, so a lazy module inside a
        container loads too."""
        own = dict(itertools.chain(self._parameters.items(), self._buffers.items()))
        given = {k: v for k, v in state_dict.items() if k in own and not is_lazy(v)}
        with ag.no_grad():
            if any(is_lazy(own[k]) for k in given):
                if self._size_from_state({k: _shape_of(v) for k, v in given.items()}):
                    self._materialize_all()
                else:  # not enough to infer the size: each entry's own shape, as PyTorch
                    for k, v in given.items():
                        if is_lazy(own[k]):
                            own[k].materialize(_shape_of(v))

    def load_state_dict(self, state_dict, strict=True):
        """Module.load_state_dict, after materialising the uninitialized parameters and buffers: the input size is
        read from the state's shapes (a state of the wrong shape then fails Module's size check, naming it); an
        uninitialized entry loaded into an uninitialized one leaves it so. The class stays lazy until the first
        call, as PyTorch's."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state_dict).__name__}")
        self._before_load_state_dict(state_dict)
        own = dict(itertools.chain(self._parameters.items(), self._buffers.items()))
        both_lazy = {k for k, v in state_dict.items() if k in own and is_lazy(v) and is_lazy(own[k])}
        if not both_lazy:
            return super().load_state_dict(state_dict, strict)
        keys = self.state_dict(keep_vars=True)
        missing = [k for k in keys if k not in state_dict]
        unexpected = [k for k in state_dict if k not in keys]
        if strict and (missing or unexpected):
            errors = []
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        super().load_state_dict({k: v for k, v in state_dict.items() if k not in both_lazy}, strict=False)
        return _IncompatibleKeys(missing, unexpected)


def _shape_of(value):
    return tuple(value.shape) if hasattr(value, "shape") else tuple(ag.tensor(value).shape)


def _check_rank(module, name, shape, rank):
    if len(shape) != rank:
        raise RuntimeError(f"Error(s) in loading state_dict for {type(module).__name__}:\n\tsize mismatch for {name}: "
                           f"copying a param with shape {shape} from checkpoint; {type(module).__name__} expects a "
                           f"{rank}-D {name}")


def _materialize(module, name, shape):
    """Materialise the parameter or buffer ``name`` of ``module`` with ``shape`` if it is uninitialized."""
    t = module._parameters.get(name, module._buffers.get(name))
    if is_lazy(t):
        t.materialize(shape)


# --- Linear ------------------------------------------------------------------------------------------------------
class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with in_features = input.shape[-1], read from the first input: h = x W^T + b, W and b initialised
    as Linear's (U(-1/sqrt(in), 1/sqrt(in)))."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, out_features, False, device, dtype)
        self._parameters["weight"] = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self._parameters["bias"] = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():
            return
        if input.ndim < 1:
            raise ValueError(f"{type(self).__name__}: the input must have at least one dimension (..., in_features), "
                             f"got shape {tuple(input.shape)}")
        self.in_features = input.shape[-1]
        self._materialize_all()
        self.reset_parameters()

    def _materialize_all(self):
        _materialize(self, "weight", (self.out_features, self.in_features))
        _materialize(self, "bias", (self.out_features,))

    def _size_from_state(self, state):
        w = state.get("weight")
        if w is None:
            return False
        _check_rank(self, "weight", w, 2)
        self.in_features = w[1]
        return True


# --- convolutions ------------------------------------------------------------------------------------------------
class _LazyConvXdMixin(LazyModuleMixin):
    """in_channels = input.shape[1] (input.shape[0] for an unbatched input); weight (out, in / groups, *k), or
    (in, out / groups, *k) transposed; initialisation as the convolution's."""

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.out_channels = out_channels
        self._parameters["weight"] = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self._parameters["bias"] = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _weight_shape(self):
        g, k = self.groups, self.kernel_size
        if self.transposed:
            return (self.in_channels, self.out_channels // g, *k)
        return (self.out_channels, self.in_channels // g, *k)

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():
            return
        nd, name = self._nd, type(self).__name__
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{name}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input, but got input of "
                             f"shape {tuple(input.shape)}")
        channels = input.shape[1] if input.ndim == nd + 2 else input.shape[0]
        if channels % self.groups:
            raise ValueError(f"{name}: in_channels ({channels}, from the input of shape {tuple(input.shape)}) must be "
                             f"divisible by groups ({self.groups})")
        self.in_channels = channels
        self._materialize_all()
        self.reset_parameters()

    def _materialize_all(self):
        _materialize(self, "weight", self._weight_shape())
        _materialize(self, "bias", (self.out_channels,))

    def _size_from_state(self, state):
        w = state.get("weight")
        if w is None:
            return False
        _check_rank(self, "weight", w, 2 + self._nd)
        self.in_channels = w[0] if self.transposed else w[1] * self.groups
        return True


class LazyConv1d(_LazyConvXdMixin, Conv1d):
    """``Conv1d`` with in_channels read from the first input (N, C_in, L) or (C_in, L)."""

    cls_to_become = Conv1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False, padding_mode, device,
                         dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv2d(_LazyConvXdMixin, Conv2d):
    """``Conv2d`` with in_channels read from the first input (N, C_in, H, W) or (C_in, H, W)."""

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False, padding_mode, device,
                         dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvXdMixin, ConvTranspose1d):
    """``ConvTranspose1d`` with in_channels read from the first input (N, C_in, L) or (C_in, L)."""

    cls_to_become = ConvTranspose1d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConvTranspose2d(_LazyConvXdMixin, ConvTranspose2d):
    """``ConvTranspose2d`` with in_channels read from the first input (N, C_in, H, W) or (C_in, H, W)."""

    cls_to_become = ConvTranspose2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                 dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, device, dtype)


# --- normalization -----------------------------------------------------------------------------------------------
class _LazyNormBase(LazyModuleMixin):
    """num_features = the input's channel dimension; gamma (``weight``) 1, beta (``bias``) 0, running_mean 0,
    running_var 1 as the non-lazy norm's. PyTorch's defaults for the lazy norms: affine=True,
    track_running_stats=True."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        super().__init__(1, eps, momentum, False, False, device, dtype)  # no tensors yet: they come below
        self.num_features = 0
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self._parameters["weight"] = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self._parameters["bias"] = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self._buffers["running_mean"] = UninitializedBuffer(device=device, dtype=dtype)
            self._buffers["running_var"] = UninitializedBuffer(device=device, dtype=dtype)
            self._buffers["num_batches_tracked"] = ag.tensor(0, dtype=ag.int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def _channel_dim(self, input):
        ranks = self._ranks
        if input.ndim not in ranks:
            raise ValueError(f"{type(self).__name__}: expected {' or '.join(f'{r}D' for r in ranks)} input (got "
                             f"{input.ndim}D input of shape {tuple(input.shape)})")
        return 1

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[self._channel_dim(input)]
        self._materialize_all()
        self.reset_parameters()

    def _materialize_all(self):
        for name in ("weight", "bias", "running_mean", "running_var"):
            _materialize(self, name, (self.num_features,))

    def _size_from_state(self, state):
        for name in ("weight", "bias", "running_mean", "running_var"):
            if name in state:
                _check_rank(self, name, state[name], 1)
                self.num_features = state[name][0]
                return True
        return False


class _LazyInstanceNormBase(_LazyNormBase):
    @property
    def _ranks(self):
        return (self._batched_rank - 1, self._batched_rank)

    def _channel_dim(self, input):
        super()._channel_dim(input)
        return input.ndim - (self._batched_rank - 1)  # the channel dim, batched or not


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """``BatchNorm1d`` with num_features read from the first input (N, C) or (N, C, L)."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """``BatchNorm2d`` with num_features read from the first input (N, C, H, W)."""

    cls_to_become = BatchNorm2d


class LazyInstanceNorm1d(_LazyInstanceNormBase, InstanceNorm1d):
    """``InstanceNorm1d`` with num_features read from the first input (N, C, L) or (C, L)."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNormBase, InstanceNorm2d):
    """``InstanceNorm2d`` with num_features read from the first input (N, C, H, W) or (C, H, W)."""

    cls_to_become = InstanceNorm2d

"""The 3-D (volumetric) layers, for (N, C, D, H, W) inputs and unbatched (C, D, H, W) ones, with PyTorch's
constructors, defaults, reprs and state_dict keys: Conv3d, ConvTranspose3d (see ``F.conv3d`` and
``F.conv_transpose3d`` for the formulas), MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d,
MaxUnpool3d (``nn.functional.pooling3d``), and BatchNorm3d, InstanceNorm3d, Dropout3d and the 3-D padding
layers (``nn.layers3d_more``). Each is the 2-D layer's class with another dimension.
"""

from .conv import _ConvNd, _ConvTransposeNd
from .functional.conv3d_ops import conv3d, conv_transpose3d
from .functional.pooling3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d, max_unpool3d
from .more_layers import _MaxUnpoolNd
from .pooling import AdaptiveAvgPool2d, AvgPool2d, _AdaptiveMaxPoolNd, _MaxPoolNd


class Conv3d(_ConvNd):
    """3-D convolution layer: h = W * x + b over inputs (N, C_in, D, H, W) or (C_in, D, H, W):

        h[n, o, i, j, l] = b[o] + sum_{c, t, u, v} W[o, c, t, u, v] xpad[n, g c, i s_d + t d_d, j s_h + u d_h,
                                                                          l s_w + v d_w]

    weight: (out_channels, in_channels / groups, kd, kh, kw); bias: (out_channels,). ``stride``, ``padding``
    (int, triple, 'valid' or 'same'), ``dilation``, ``groups`` as in ``F.conv3d``; ``padding_mode`` 'zeros'
    (default), 'reflect', 'replicate' or 'circular'. Default initialisation (PyTorch's):
    W ~ kaiming_uniform_(a = sqrt 5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), b ~ U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), fan_in = in_channels / groups * kd * kh * kw.
    """

    _nd = 3
    _name = "Conv3d"

    def forward(self, input):
        return self._conv(input, conv3d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution layer (the input gradient of a convolution, as a layer; see
    ``F.conv_transpose3d``) over inputs (N, C_in, D, H, W) or (C_in, D, H, W).

    weight: (in_channels, out_channels / groups, kd, kh, kw); bias: (out_channels,). Output size per dim
    (L - 1) s - 2 p + d (k - 1) + output_padding + 1; ``forward(input, output_size)`` picks the output_padding
    that gives ``output_size`` instead. Default initialisation (PyTorch's): W ~ kaiming_uniform_(a = sqrt 5)
    = U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and b ~ the same, with PyTorch's fan_in of the weight tensor,
    weight.shape[1] * kd * kh * kw = out_channels / groups * kd * kh * kw.
    """

    _nd = 3
    _name = "ConvTranspose3d"

    def forward(self, input, output_size=None):
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)


class MaxPool3d(_MaxPoolNd):
    """y = the maximum of each (kernel_size) window of x, stepping by ``stride`` (default: kernel_size); with
    ``return_indices`` also each maximum's flat index into the D*H*W plane. dL/dx: dL/dy routed to each
    window's (first) maximum. See ``F.max_pool3d``."""

    def forward(self, input):
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode,
                          return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """y = the mean of each (kernel_size) window of x, stepping by ``stride`` (default: kernel_size); the
    divisor as ``count_include_pad`` and ``divisor_override`` say. dL/dx: dL/dy / divisor spread over each
    window. See ``F.avg_pool3d``."""

    def forward(self, input):
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                          self.divisor_override)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling to a fixed ``output_size`` (int or triple; None keeps that size): window i covers
    floor(i D / OD) to ceil((i + 1) D / OD) - 1 along D (likewise H, W). See ``F.adaptive_avg_pool3d``."""

    def forward(self, input):
        return adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size`` (int or triple; None keeps that size) over the windows
    floor(i D / OD) to ceil((i + 1) D / OD) - 1 (likewise H, W); with ``return_indices`` also each maximum's
    flat index. dL/dx: dL/dy routed to each window's first maximum. See ``F.adaptive_max_pool3d``."""

    def forward(self, input):
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: each value goes back to the position its index names, zeros elsewhere.
    ``forward(input, indices, output_size=None)``; see ``F.max_unpool3d``."""

    _nd = 3

    def forward(self, input, indices, output_size=None):
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

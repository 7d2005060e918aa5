"""The episode's worked examples: handcrafted filters in real ``Conv1D``/``Conv2D`` layers.

Numbers small enough to check with pen and paper: a bump detector on a short signal, a
vertical-line detector on an 8x8 image, two filters in one layer, and a filter with one
slice per colour channel.
"""

from __future__ import annotations

import numpy as np

from .keras_layer import ConvExample, conv_model, predict_quietly, run_2d, run_single_filter
from .kernels import (
    BUMP_KERNEL,
    BUMP_SIGNAL,
    CROSS_RGB_IMAGE,
    HORIZONTAL_LINE_KERNEL,
    PLUS_IMAGE,
    VERTICAL_LINE_IMAGE,
    VERTICAL_LINE_KERNEL,
)

__all__ = [
    "conv1d_worked_example",
    "conv2d_worked_example",
    "multiple_filters_example",
    "multiple_channels_example",
]


def conv1d_worked_example() -> ConvExample:
    """The 1D worked example: a bump detector finds the bump in a short signal.

    A ``Conv1D`` layer with one filter of width 3 gets the weights
    ``[0, 1, 0]`` and bias 0, then reads ``[0, 0, 0, 1, 1, 0, 0, 0]``. At each of
    the 8 - 3 + 1 = 6 positions it takes the dot product of the filter with the
    three samples under it, which here just copies the middle sample::

        [0, 1, 0] . [0, 0, 0] = 0
        [0, 1, 0] . [0, 0, 1] = 0
        [0, 1, 0] . [0, 1, 1] = 1   ...

    so the feature map is exactly ``[0, 0, 1, 1, 0, 0]``. Keras wants the
    weights as ``(width, in_channels, filters) = (3, 1, 1)`` and the input as
    ``(batch, length, channels) = (1, 8, 1)``; the returned arrays are the plain
    1D versions: ``inputs`` (8,), ``kernel`` (3,), ``feature_map`` (6,).
    """
    bias = np.zeros(1, np.float32)
    model = conv_model(
        BUMP_KERNEL.reshape(3, 1, 1),
        bias,
        (len(BUMP_SIGNAL), 1),
        layer_name="bump_detector",
        model_name="conv1d_worked_example",
        input_name="signal",
    )
    output = predict_quietly(model, BUMP_SIGNAL.reshape(1, -1, 1))
    return ConvExample(BUMP_SIGNAL.copy(), BUMP_KERNEL.copy(), bias, output[0, :, 0], model)


def conv2d_worked_example() -> ConvExample:
    """The 2D worked example: a vertical-line detector on an 8x8 image.

    The image (:data:`VERTICAL_LINE_IMAGE`) is 0 except for columns 3 and 4,
    which are 1: a line two pixels wide from top to bottom. The filter
    (:data:`VERTICAL_LINE_KERNEL`) has ones in its middle column, so each output
    cell is the sum of the three pixels under that column. Whenever the middle
    column lies on the line (output columns 2 and 3) that sum is 1 + 1 + 1 = 3;
    everywhere else it is 0. The 6x6 feature map therefore has the same row six
    times: ``[0, 0, 3, 3, 0, 0]``.

    Keras weights are ``(rows, cols, in_channels, filters) = (3, 3, 1, 1)``;
    ``inputs`` is (8, 8), ``kernel`` (3, 3) and ``feature_map`` (6, 6).
    """
    return run_single_filter(
        VERTICAL_LINE_IMAGE,
        VERTICAL_LINE_KERNEL,
        0.0,
        layer_name="vertical_line_detector",
        model_name="conv2d_worked_example",
    )


def multiple_filters_example() -> ConvExample:
    """Two filters in one layer: one output channel per filter.

    A ``Conv2D`` layer with two 3x3 filters, the vertical-line detector and
    the horizontal-line detector, reads :data:`PLUS_IMAGE`, a 7x7 plus sign
    (column 3 and row 3 are 1). The weights have shape
    ``(rows, cols, in_channels, filters) = (3, 3, 1, 2)`` (20 parameters with
    the two biases) and the output ``(5, 5, 2)``: one 5x5 map per filter::

        vertical filter       horizontal filter
        0 0 3 0 0             0 1 1 1 0
        1 1 3 1 1             0 1 1 1 0
        1 1 3 1 1             3 3 3 3 3
        1 1 3 1 1             0 1 1 1 0
        0 0 3 0 0             0 1 1 1 0

    Each filter scores 3 where its line of ones lies on the stroke it is
    looking for, and 1 where it only crosses the other stroke. The two maps are
    each other's transpose, like the two filters.

    ``inputs`` is (7, 7), ``kernel`` the Keras weights (3, 3, 1, 2),
    ``feature_map`` (5, 5, 2).
    """
    weights = np.stack([VERTICAL_LINE_KERNEL, HORIZONTAL_LINE_KERNEL], axis=-1)[:, :, np.newaxis, :]
    bias = np.zeros(2, np.float32)
    model, output = run_2d(
        PLUS_IMAGE[np.newaxis, :, :, np.newaxis],
        weights,
        bias,
        layer_name="line_detectors",
        model_name="multiple_filters_example",
        input_name="image",
    )
    return ConvExample(PLUS_IMAGE.copy(), weights, bias, output[0], model)


def multiple_channels_example() -> ConvExample:
    """A colour input: every filter has one 3x3 slice per input channel.

    The input is :data:`CROSS_RGB_IMAGE`, 5x5x3: a red vertical stroke in
    column 2 and a green horizontal stroke in row 2 (blue is empty). A
    ``Conv2D`` layer with two filters has weights of shape
    ``(rows, cols, in_channels, filters) = (3, 3, 3, 2)``, i.e. each filter is
    3x3x3, and 3 * 3 * 3 * 2 + 2 = 56 parameters:

    * filter 0: the vertical-line detector on the red slice, zeros on green
      and blue;
    * filter 1: the vertical-line detector on red *and* the horizontal-line
      detector on green, zeros on blue.

    A filter multiplies each slice with its own channel and adds the three
    results (plus its bias) into a single number, so the output has one
    channel per filter, ``(3, 3, 2)``::

        filter 0        filter 1
        0 3 0           0 3 0
        0 3 0           3 6 3
        0 3 0           0 3 0

    Filter 1's centre gets 3 from the red stroke plus 3 from the green one.
    ``inputs`` is (5, 5, 3), ``kernel`` the Keras weights (3, 3, 3, 2),
    ``feature_map`` (3, 3, 2).
    """
    weights = np.zeros((3, 3, 3, 2), np.float32)
    weights[:, :, 0, 0] = VERTICAL_LINE_KERNEL
    weights[:, :, 0, 1] = VERTICAL_LINE_KERNEL
    weights[:, :, 1, 1] = HORIZONTAL_LINE_KERNEL
    bias = np.zeros(2, np.float32)
    model, output = run_2d(
        CROSS_RGB_IMAGE[np.newaxis],
        weights,
        bias,
        layer_name="colour_filters",
        model_name="multiple_channels_example",
        input_name="rgb_image",
    )
    return ConvExample(CROSS_RGB_IMAGE.copy(), weights, bias, output[0], model)

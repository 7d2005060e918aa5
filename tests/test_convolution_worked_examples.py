"""The worked examples (cifar_cnn.convolution.worked_examples): their exact numbers."""

import keras
import numpy as np
import pytest

from cifar_cnn.convolution import (
    BUMP_KERNEL,
    BUMP_SIGNAL,
    CROSS_RGB_IMAGE,
    HORIZONTAL_EDGE_KERNEL,
    HORIZONTAL_LINE_KERNEL,
    PLUS_IMAGE,
    VERTICAL_LINE_IMAGE,
    VERTICAL_LINE_KERNEL,
    ConvExample,
    cifar_horizontal_edges,
    conv1d_worked_example,
    conv2d_worked_example,
    convolve1d_valid,
    convolve2d_valid,
    convolve_cell,
    multiple_channels_example,
    multiple_filters_example,
)

pytestmark = pytest.mark.usefixtures("full_float32_precision")  # tests/conftest.py

RGB = np.zeros((32, 32, 3), np.float32)


# ------------------------------------------------------------------ worked examples


def test_conv1d_worked_example_finds_the_bump():
    example = conv1d_worked_example()
    assert isinstance(example, ConvExample)
    np.testing.assert_array_equal(example.inputs, [0, 0, 0, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(example.kernel, [0, 1, 0])
    np.testing.assert_array_equal(example.bias, [0])
    np.testing.assert_array_equal(example.feature_map, [0, 0, 1, 1, 0, 0])
    assert example.feature_map.dtype == np.float32

    layer = example.layer
    assert isinstance(layer, keras.layers.Conv1D) and layer.name == "bump_detector"
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 1, 1)  # (width, in_channels, filters)
    np.testing.assert_array_equal(kernel[:, 0, 0], [0, 1, 0])
    np.testing.assert_array_equal(bias, [0])
    assert example.model.name == "conv1d_worked_example"
    assert example.model.count_params() == 4
    np.testing.assert_array_equal(
        convolve1d_valid(example.inputs, example.kernel), example.feature_map
    )


def test_conv2d_worked_example_finds_the_vertical_line():
    example = conv2d_worked_example()
    np.testing.assert_array_equal(example.inputs, [[0, 0, 0, 1, 1, 0, 0, 0]] * 8)
    np.testing.assert_array_equal(example.kernel, [[0, 1, 0]] * 3)
    assert example.feature_map.shape == (6, 6)
    np.testing.assert_array_equal(example.feature_map, [[0, 0, 3, 3, 0, 0]] * 6)

    layer = example.layer
    assert isinstance(layer, keras.layers.Conv2D) and layer.name == "vertical_line_detector"
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 1, 1)  # (rows, cols, in_channels, filters)
    np.testing.assert_array_equal(kernel[:, :, 0, 0], VERTICAL_LINE_KERNEL)
    np.testing.assert_array_equal(bias, [0])
    assert [lay.name for lay in example.model.layers] == ["image", "vertical_line_detector"]
    assert example.model.count_params() == 10
    np.testing.assert_array_equal(
        convolve2d_valid(example.inputs, example.kernel), example.feature_map
    )


def test_every_cell_of_the_2d_example_by_hand():
    example = conv2d_worked_example()
    for row in range(6):
        for col in range(6):
            cell = convolve_cell(example.inputs, example.kernel, row, col)
            assert cell.value == example.feature_map[row, col], (row, col)


def test_1d_example_dot_products_by_hand():
    assert convolve1d_valid([0, 0, 0], BUMP_KERNEL)[0] == 0
    assert convolve1d_valid([0, 0, 1], BUMP_KERNEL)[0] == 0
    assert convolve1d_valid([0, 1, 1], BUMP_KERNEL)[0] == 1
    np.testing.assert_array_equal(convolve1d_valid(BUMP_SIGNAL, BUMP_KERNEL), [0, 0, 1, 1, 0, 0])


# ------------------------------------------------------------------ filters and channels


def test_multiple_filters_give_one_output_channel_each():
    example = multiple_filters_example()
    assert example.inputs.shape == (7, 7)
    np.testing.assert_array_equal(example.inputs, PLUS_IMAGE)
    assert example.kernel.shape == (3, 3, 1, 2)  # (rows, cols, in_channels, filters)
    np.testing.assert_array_equal(example.kernel[:, :, 0, 0], VERTICAL_LINE_KERNEL)
    np.testing.assert_array_equal(example.kernel[:, :, 0, 1], HORIZONTAL_LINE_KERNEL)
    assert example.layer.get_weights()[0].shape == (3, 3, 1, 2)
    assert example.layer.name == "line_detectors"
    assert example.model.count_params() == 3 * 3 * 1 * 2 + 2
    assert example.feature_map.shape == (5, 5, 2)
    vertical = [[0, 0, 3, 0, 0], [1, 1, 3, 1, 1], [1, 1, 3, 1, 1], [1, 1, 3, 1, 1], [0, 0, 3, 0, 0]]
    np.testing.assert_array_equal(example.feature_map[..., 0], vertical)
    np.testing.assert_array_equal(example.feature_map[..., 1], np.transpose(vertical))
    np.testing.assert_array_equal(
        convolve2d_valid(example.inputs, example.kernel), example.feature_map
    )


def test_multiple_channels_each_filter_has_a_slice_per_channel():
    example = multiple_channels_example()
    np.testing.assert_array_equal(example.inputs, CROSS_RGB_IMAGE)
    assert example.inputs.shape == (5, 5, 3)
    assert example.kernel.shape == (3, 3, 3, 2)  # each filter is 3x3x3
    assert example.layer.get_weights()[0].shape == (3, 3, 3, 2)
    assert example.layer.name == "colour_filters"
    assert example.model.count_params() == 56
    assert example.feature_map.shape == (3, 3, 2)
    np.testing.assert_array_equal(example.feature_map[..., 0], [[0, 3, 0]] * 3)
    np.testing.assert_array_equal(example.feature_map[..., 1], [[0, 3, 0], [3, 6, 3], [0, 3, 0]])
    np.testing.assert_array_equal(
        convolve2d_valid(example.inputs, example.kernel), example.feature_map
    )
    # a filter's output is the sum over channels of each slice applied to its channel
    for k in range(2):
        per_channel = [
            convolve2d_valid(example.inputs[..., c], example.kernel[:, :, c, k]) for c in range(3)
        ]
        np.testing.assert_array_equal(sum(per_channel), example.feature_map[..., k])


# ------------------------------------------------------------------ the lesson's arrays (kernels.py)


def test_lesson_arrays_are_read_only_and_results_are_copies():
    for constant in (
        BUMP_SIGNAL,
        VERTICAL_LINE_IMAGE,
        HORIZONTAL_EDGE_KERNEL,
        PLUS_IMAGE,
        CROSS_RGB_IMAGE,
    ):
        with pytest.raises(ValueError):
            constant[0] = 5
    for example in (
        conv1d_worked_example(),
        conv2d_worked_example(),
        multiple_filters_example(),
        cifar_horizontal_edges(RGB),
    ):
        example.inputs[0] = 9
        example.kernel[0] = 9
    assert VERTICAL_LINE_IMAGE[0, 0] == 0 and BUMP_SIGNAL[0] == 0 and PLUS_IMAGE[0, 0] == 0
    np.testing.assert_array_equal(HORIZONTAL_EDGE_KERNEL[0], [-1, -1, -1])

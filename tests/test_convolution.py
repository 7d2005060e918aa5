"""Convolution by hand: the worked examples' exact numbers, and Keras against NumPy."""

import re

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
    CellComputation,
    ConvExample,
    apply_kernel,
    apply_kernel_to_rgb,
    cat_horizontal_edges,
    chelsea_image,
    cifar_horizontal_edges,
    conv1d_worked_example,
    conv2d_worked_example,
    convolve1d_valid,
    convolve2d_valid,
    convolve_cell,
    multiple_channels_example,
    multiple_filters_example,
    to_grayscale,
)

# Keras computes in float32, NumPy here in float64: they agree to float32 rounding.
TIGHT = dict(rtol=1e-5, atol=1e-6)
LUMINANCE = np.array([0.2125, 0.7154, 0.0721])  # skimage.color.rgb2gray's weights
IMAGE = np.zeros((8, 8), np.float32)
RGB = np.zeros((32, 32, 3), np.float32)
K3 = np.ones((3, 3))


@pytest.fixture(scope="module", autouse=True)
def full_float32_precision():
    """On GPUs with TensorFloat-32 a conv rounds to 10 mantissa bits; keep full float32."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    yield
    tf.config.experimental.enable_tensor_float_32_execution(before)


@pytest.fixture(scope="module")
def cat():
    return cat_horizontal_edges()


def _edge_image(dark_on_top=True, size=6):
    """size x size, top half 0 and bottom half 1 (or the other way round)."""
    image = np.zeros((size, size), np.float32)
    image[size // 2 :] = 1
    return image if dark_on_top else 1 - image


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


def test_convolve_cell_shows_window_products_and_sum():
    cell = convolve_cell(VERTICAL_LINE_IMAGE, VERTICAL_LINE_KERNEL, 0, 2)
    assert isinstance(cell, CellComputation)
    assert (cell.row, cell.col) == (0, 2)
    np.testing.assert_array_equal(cell.window, [[0, 1, 1]] * 3)
    np.testing.assert_array_equal(cell.kernel, VERTICAL_LINE_KERNEL)
    np.testing.assert_array_equal(cell.products, [[0, 1, 0]] * 3)
    assert cell.value == 3.0 and isinstance(cell.value, float)
    text = cell.explain()
    assert "window = image[0:3, 2:5]" in text
    assert text.endswith("sum of (window * kernel) = 3")

    assert convolve_cell(VERTICAL_LINE_IMAGE, VERTICAL_LINE_KERNEL, 5, 0).value == 0.0


def test_1d_example_dot_products_by_hand():
    assert convolve1d_valid([0, 0, 0], BUMP_KERNEL)[0] == 0
    assert convolve1d_valid([0, 0, 1], BUMP_KERNEL)[0] == 0
    assert convolve1d_valid([0, 1, 1], BUMP_KERNEL)[0] == 1
    np.testing.assert_array_equal(convolve1d_valid(BUMP_SIGNAL, BUMP_KERNEL), [0, 0, 1, 1, 0, 0])


# ------------------------------------------------------------------ Keras against NumPy


@pytest.mark.parametrize(
    "image_shape, kernel_shape",
    [((8, 8), (3, 3)), ((11, 7), (2, 4)), ((5, 5), (5, 5)), ((9, 6), (1, 1))],
)
def test_keras_matches_numpy_on_random_images(image_shape, kernel_shape):
    rng = np.random.default_rng(sum(image_shape + kernel_shape))
    image = rng.random(image_shape, dtype=np.float32)
    kernel = rng.normal(size=kernel_shape).astype(np.float32)
    example = apply_kernel(image, kernel, bias=0.5, name="random_filter")
    expected_shape = (image_shape[0] - kernel_shape[0] + 1, image_shape[1] - kernel_shape[1] + 1)
    assert example.feature_map.shape == expected_shape
    assert example.layer.name == "random_filter"
    np.testing.assert_array_equal(example.bias, [0.5])
    np.testing.assert_allclose(example.feature_map, convolve2d_valid(image, kernel) + 0.5, **TIGHT)

    for row, col in [
        (0, 0),
        (expected_shape[0] - 1, expected_shape[1] - 1),
        (expected_shape[0] // 2, 0),
    ]:
        cell = convolve_cell(image, kernel, row, col)
        np.testing.assert_allclose(example.feature_map[row, col], cell.value + 0.5, **TIGHT)


def test_numpy_is_cross_correlation_like_scipy():
    from scipy import signal

    rng = np.random.default_rng(7)
    image, kernel = rng.random((9, 10)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(
        convolve2d_valid(image, kernel), signal.correlate2d(image, kernel, "valid")
    )
    # a true convolution flips the kernel in both directions first
    np.testing.assert_allclose(
        convolve2d_valid(image, kernel[::-1, ::-1]), signal.convolve2d(image, kernel, "valid")
    )
    signal_1d, kernel_1d = rng.random(12), rng.normal(size=4)
    np.testing.assert_allclose(
        convolve1d_valid(signal_1d, kernel_1d), np.correlate(signal_1d, kernel_1d, "valid")
    )


def test_convolve2d_valid_equals_convolve_cell_with_channels_and_filters():
    rng = np.random.default_rng(3)
    image = rng.random((6, 7, 3))
    kernel = rng.normal(size=(3, 2, 3, 4))
    maps = convolve2d_valid(image, kernel)
    assert maps.shape == (4, 6, 4)
    for k in range(4):
        np.testing.assert_allclose(convolve2d_valid(image, kernel[..., k]), maps[..., k])
        for row in range(4):
            for col in range(6):
                cell = convolve_cell(image, kernel[..., k], row, col)
                assert cell.window.shape == (3, 2, 3)
                np.testing.assert_allclose(cell.value, maps[row, col, k])
    # a 2D image counts as one channel when the kernel has a channel axis
    gray = image[..., 0]
    np.testing.assert_allclose(
        convolve2d_valid(gray, kernel[:, :, :1, :])[..., 2],
        convolve2d_valid(gray, kernel[:, :, 0, 2]),
    )


# ------------------------------------------------------------------ the cat


def test_chelsea_image_is_grayscale_float_in_0_1():
    gray = chelsea_image()
    assert gray.shape == (300, 451) and gray.dtype == np.float32
    assert 0 <= gray.min() and gray.max() <= 1
    colour = chelsea_image(grayscale=False)
    assert colour.shape == (300, 451, 3) and colour.dtype == np.float32
    assert 0 <= colour.min() and colour.max() <= 1
    np.testing.assert_allclose(gray, colour @ LUMINANCE, atol=1e-6)


def test_cat_feature_map_matches_numpy(cat):
    assert cat.inputs.shape == (300, 451)
    assert cat.feature_map.shape == (300 - 2, 451 - 2)
    np.testing.assert_array_equal(cat.inputs, chelsea_image())
    np.testing.assert_array_equal(cat.kernel, [[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
    assert cat.layer.name == "horizontal_edge_detector"
    assert cat.layer.get_weights()[0].shape == (3, 3, 1, 1)
    np.testing.assert_allclose(cat.feature_map, convolve2d_valid(cat.inputs, cat.kernel), **TIGHT)
    cell = convolve_cell(cat.inputs, cat.kernel, 150, 200)
    np.testing.assert_allclose(cat.feature_map[150, 200], cell.value, **TIGHT)
    # a real photo has edges both ways; the kernel's weights sum to 0, so flat areas give ~0
    assert cat.feature_map.max() > 0.5 and cat.feature_map.min() < -0.5
    assert np.median(np.abs(cat.feature_map)) < 0.1


def test_cat_per_channel():
    example = cat_horizontal_edges(channels="per_channel")
    assert example.inputs.shape == (300, 451, 3)
    assert example.feature_map.shape == (298, 449, 3)
    assert example.kernel.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(
        example.feature_map, convolve2d_valid(example.inputs, example.kernel), **TIGHT
    )
    for channel in range(3):
        np.testing.assert_allclose(
            example.feature_map[..., channel],
            convolve2d_valid(example.inputs[..., channel], HORIZONTAL_EDGE_KERNEL),
            **TIGHT,
        )


# ------------------------------------------------------------------ edge signs


def test_dark_above_bright_gives_a_positive_response():
    example = apply_kernel(_edge_image(dark_on_top=True), HORIZONTAL_EDGE_KERNEL)
    np.testing.assert_array_equal(example.feature_map, [[0] * 4, [3] * 4, [3] * 4, [0] * 4])


def test_bright_above_dark_gives_a_negative_response():
    example = apply_kernel(_edge_image(dark_on_top=False), HORIZONTAL_EDGE_KERNEL)
    np.testing.assert_array_equal(example.feature_map, [[0] * 4, [-3] * 4, [-3] * 4, [0] * 4])


def test_flat_areas_and_vertical_edges_give_zero():
    vertical_edge = _edge_image().T.copy()
    np.testing.assert_array_equal(
        apply_kernel(vertical_edge, HORIZONTAL_EDGE_KERNEL).feature_map, 0
    )
    np.testing.assert_array_equal(
        apply_kernel(np.full((5, 5), 0.75), HORIZONTAL_EDGE_KERNEL).feature_map, 0
    )


# ------------------------------------------------------------------ CIFAR-10 sized images


def test_cifar_single_image_and_batch_shapes():
    rng = np.random.default_rng(0)
    batch = rng.random((4, 32, 32, 3), dtype=np.float32)
    single = cifar_horizontal_edges(batch[0])
    assert single.inputs.shape == (32, 32) and single.feature_map.shape == (30, 30)
    assert single.kernel.shape == (3, 3)
    many = cifar_horizontal_edges(batch)
    assert many.inputs.shape == (4, 32, 32) and many.feature_map.shape == (4, 30, 30)
    np.testing.assert_allclose(many.feature_map[0], single.feature_map, **TIGHT)
    for image, feature_map in zip(many.inputs, many.feature_map):
        np.testing.assert_allclose(
            feature_map, convolve2d_valid(image, HORIZONTAL_EDGE_KERNEL), **TIGHT
        )

    per_channel = cifar_horizontal_edges(batch, channels="per_channel")
    assert per_channel.inputs.shape == (4, 32, 32, 3)
    assert per_channel.feature_map.shape == (4, 30, 30, 3)
    assert per_channel.kernel.shape == (3, 3, 3, 3)
    for image, feature_map in zip(per_channel.inputs, per_channel.feature_map):
        np.testing.assert_allclose(
            feature_map, convolve2d_valid(image, per_channel.kernel), **TIGHT
        )
    assert cifar_horizontal_edges(batch[1], channels="per_channel").feature_map.shape == (30, 30, 3)


def test_cifar_grayscale_equals_one_filter_with_luminance_weighted_slices():
    image = np.random.default_rng(1).random((32, 32, 3), dtype=np.float32)
    folded = HORIZONTAL_EDGE_KERNEL[:, :, np.newaxis] * LUMINANCE  # (3, 3, 3): one slice per colour
    np.testing.assert_allclose(
        cifar_horizontal_edges(image).feature_map,
        convolve2d_valid(image, folded),
        rtol=1e-5,
        atol=1e-5,
    )


def test_cifar_uint8_pixels_are_scaled_to_0_1():
    image = np.zeros((32, 32, 3), np.uint8)
    image[16:] = 255  # black above white: a strong positive edge
    example = cifar_horizontal_edges(image)
    assert example.inputs.dtype == np.float32
    np.testing.assert_allclose(example.inputs, (image[..., 0] / 255.0), atol=1e-6)
    np.testing.assert_allclose(example.feature_map[[14, 15]], 3.0, atol=1e-5)
    np.testing.assert_allclose(np.delete(example.feature_map, [14, 15], axis=0), 0.0, atol=1e-5)
    as_float = cifar_horizontal_edges(image.astype(np.float32) / 255)
    np.testing.assert_allclose(example.feature_map, as_float.feature_map, atol=1e-6)
    rgb = apply_kernel_to_rgb(
        image, HORIZONTAL_EDGE_KERNEL, channels="per_channel", name="edges_rgb"
    )
    assert rgb.layer.name == "edges_rgb"
    np.testing.assert_allclose(rgb.feature_map[[14, 15]], 3.0, atol=1e-6)


def test_to_grayscale():
    white = np.full((2, 4, 4, 3), 255, np.uint8)
    gray = to_grayscale(white)
    assert gray.shape == (2, 4, 4) and gray.dtype == np.float32
    np.testing.assert_allclose(gray, 1.0, atol=1e-6)
    pure_green = np.zeros((4, 4, 3), np.float32)
    pure_green[..., 1] = 1
    np.testing.assert_allclose(to_grayscale(pure_green), 0.7154, atol=1e-6)


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


# ------------------------------------------------------------------ bad arguments

BAD_CALLS = {
    "kernel 1D": (lambda: apply_kernel(IMAGE, [1, 2, 3]), "kernel must be a 2D array (rows, cols)"),
    "kernel 3D": (
        lambda: apply_kernel(IMAGE, np.ones((3, 3, 1))),
        "got an array of shape (3, 3, 1)",
    ),
    "image too small": (lambda: apply_kernel(np.ones((2, 5)), K3), "smaller than the kernel (3x3)"),
    "image 3D": (lambda: apply_kernel(RGB, K3), "image must be a 2D grayscale array"),
    "bias text": (lambda: apply_kernel(IMAGE, K3, bias="0"), "bias must be a single number"),
    "layer name": (lambda: apply_kernel(IMAGE, K3, name=""), "name must be a non-empty layer name"),
    "rgb layer name": (lambda: apply_kernel_to_rgb(RGB, K3, name="a/b"), "without '/'"),
    "bias nan": (lambda: apply_kernel(IMAGE, K3, bias=float("nan")), "bias must be finite"),
    "kernel nan": (lambda: apply_kernel(IMAGE, [[1, np.nan]]), "kernel contains NaN"),
    "ragged image": (lambda: apply_kernel([[1, 2, 3], [4, 5]], K3), "rectangular array of numbers"),
    "text image": (lambda: apply_kernel(np.full((4, 4), "a"), K3), "image must hold real numbers"),
    "empty kernel": (lambda: apply_kernel(IMAGE, np.ones((0, 3))), "kernel is empty"),
    "4 channels": (
        lambda: cifar_horizontal_edges(np.zeros((32, 32, 4))),
        "3 channels (red, green, blue)",
    ),
    "1 channel batch": (lambda: cifar_horizontal_edges(np.zeros((2, 32, 32, 1))), "got 1"),
    "grayscale to cifar": (
        lambda: cifar_horizontal_edges(np.zeros((32, 32))),
        "use apply_kernel()",
    ),
    "5D images": (
        lambda: cifar_horizontal_edges(np.zeros((1, 1, 32, 32, 3))),
        "or a batch (n, rows, cols, 3)",
    ),
    "tiny cifar": (lambda: cifar_horizontal_edges(np.zeros((2, 2, 3))), "smaller than the kernel"),
    "int64 pixels": (
        lambda: cifar_horizontal_edges(np.zeros((32, 32, 3), np.int64)),
        "uint8 (0-255)",
    ),
    "channels mode": (
        lambda: cifar_horizontal_edges(RGB, channels="rgb"),
        "'grayscale' or 'per_channel'",
    ),
    "cat channels": (
        lambda: cat_horizontal_edges(channels="colour"),
        "'grayscale' or 'per_channel'",
    ),
    "rgb kernel 1D": (lambda: apply_kernel_to_rgb(RGB, [1, 0, -1]), "kernel must be a 2D array"),
    "rgb channels": (
        lambda: apply_kernel_to_rgb(RGB, K3, channels=3),
        "'grayscale' or 'per_channel'",
    ),
    "grayscale flag": (lambda: chelsea_image(grayscale="yes"), "grayscale must be True or False"),
    "to_grayscale 2D": (lambda: to_grayscale(IMAGE), "colour image (rows, cols, 3)"),
    "row too large": (
        lambda: convolve_cell(IMAGE, K3, 6, 0),
        "row=6 is outside the output: valid row values are 0 to 5",
    ),
    "col negative": (
        lambda: convolve_cell(IMAGE, K3, 0, -1),
        "col=-1 is outside the output: valid col values are 0 to 5",
    ),
    "col wide image": (
        lambda: convolve_cell(np.zeros((8, 10)), K3, 0, 8),
        "valid col values are 0 to 7",
    ),
    "row float": (lambda: convolve_cell(IMAGE, K3, 1.0, 0), "row must be an integer"),
    "col bool": (lambda: convolve_cell(IMAGE, K3, 0, True), "col must be an integer"),
    "cell kernel 1D": (
        lambda: convolve_cell(IMAGE, [1, 2, 3], 0, 0),
        "kernel must be 2D (rows, cols)",
    ),
    "cell 3D kernel, 2D image": (
        lambda: convolve_cell(IMAGE, np.ones((3, 3, 1)), 0, 0),
        "needs a 3D image",
    ),
    "cell channels": (
        lambda: convolve_cell(RGB, np.ones((3, 3, 2)), 0, 0),
        "2 channel slices but the image has 3",
    ),
    "cell too small": (lambda: convolve_cell(np.ones((2, 2)), K3, 0, 0), "smaller than the kernel"),
    "valid kernel 5D": (
        lambda: convolve2d_valid(RGB, np.ones((3, 3, 3, 1, 1))),
        "kernel must be 2D (rows, cols), 3D",
    ),
    "valid image 4D": (
        lambda: convolve2d_valid(np.zeros((1, 8, 8, 1)), K3),
        "image must be 2D (rows, cols) or 3D",
    ),
    "valid 2D kernel, rgb": (
        lambda: convolve2d_valid(RGB, K3),
        "a 2D kernel needs a 2D single-channel image",
    ),
    "valid channels": (
        lambda: convolve2d_valid(RGB, np.ones((3, 3, 1, 2))),
        "1 channel slices but the image has 3",
    ),
    "valid too small": (
        lambda: convolve2d_valid(np.ones((8, 2)), K3),
        "image (8x2 pixels) is smaller",
    ),
    "1d too short": (lambda: convolve1d_valid([1, 2], [1, 2, 3]), "shorter than the kernel"),
    "1d kernel 2D": (lambda: convolve1d_valid(BUMP_SIGNAL, K3), "kernel must be a 1D array"),
    "1d signal 2D": (lambda: convolve1d_valid(IMAGE, BUMP_KERNEL), "signal must be a 1D array"),
}


@pytest.mark.parametrize("call, message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_arguments_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()

"""The NumPy reference (cifar_cnn.convolution.numpy_reference): cell by cell, and against Keras."""

import re

import numpy as np
import pytest

from cifar_cnn.convolution import (
    BUMP_KERNEL,
    BUMP_SIGNAL,
    VERTICAL_LINE_IMAGE,
    VERTICAL_LINE_KERNEL,
    CellComputation,
    apply_kernel,
    convolve1d_valid,
    convolve2d_valid,
    convolve_cell,
)

pytestmark = pytest.mark.usefixtures("full_float32_precision")  # tests/conftest.py

# Keras computes in float32, NumPy here in float64: they agree to float32 rounding.
TIGHT = dict(rtol=1e-5, atol=1e-6)
IMAGE = np.zeros((8, 8), np.float32)
RGB = np.zeros((32, 32, 3), np.float32)
K3 = np.ones((3, 3))


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


# ------------------------------------------------------------------ bad arguments


BAD_CALLS = {
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

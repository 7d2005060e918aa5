"""Handcrafted kernels on pictures (cifar_cnn.convolution.edges): the cat, edge signs, CIFAR-10 images."""

import re

import numpy as np
import pytest

from cifar_cnn.convolution import (
    HORIZONTAL_EDGE_KERNEL,
    apply_kernel,
    apply_kernel_to_rgb,
    cat_horizontal_edges,
    chelsea_image,
    cifar_horizontal_edges,
    convolve2d_valid,
    convolve_cell,
    to_grayscale,
)

pytestmark = pytest.mark.usefixtures("full_float32_precision")  # tests/conftest.py

# Keras computes in float32, NumPy here in float64: they agree to float32 rounding.
TIGHT = dict(rtol=1e-5, atol=1e-6)
LUMINANCE = np.array([0.2125, 0.7154, 0.0721])  # skimage.color.rgb2gray's weights
IMAGE = np.zeros((8, 8), np.float32)
RGB = np.zeros((32, 32, 3), np.float32)
K3 = np.ones((3, 3))


@pytest.fixture(scope="module")
def cat():
    return cat_horizontal_edges()


def _edge_image(dark_on_top=True, size=6):
    """size x size, top half 0 and bottom half 1 (or the other way round)."""
    image = np.zeros((size, size), np.float32)
    image[size // 2 :] = 1
    return image if dark_on_top else 1 - image


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
    "0-255 floats": (
        lambda: cifar_horizontal_edges(np.full((32, 32, 3), 200.0)),
        "divide by 255 or pass them as uint8",
    ),
    "standardised pixels": (lambda: to_grayscale(np.full((4, 4, 3), -0.5)), "standardised"),
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
}


@pytest.mark.parametrize("call, message", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_arguments_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()

"""The one pixel rule (cifar_cnn.pixels): uint8 0-255 or float 0-1, else a message with the fix."""

import numpy as np
import pytest

from cifar_cnn.pixels import to_unit_range


def test_uint8_is_scaled_and_floats_in_0_1_are_kept():
    pixels = np.array([[0, 51, 255]], np.uint8)
    scaled = to_unit_range(pixels)
    assert scaled.dtype == np.float32
    np.testing.assert_array_equal(scaled, np.array([[0, 51, 255]], np.float32) / 255.0)
    floats = np.array([0.0, 0.25, 1.0], np.float64)
    kept = to_unit_range(floats)
    assert kept.dtype == np.float32
    np.testing.assert_array_equal(kept, floats.astype(np.float32))
    # a rounding error past the ends is clipped, not refused
    np.testing.assert_array_equal(to_unit_range(np.array([-1e-4, 1 + 1e-4])), [0.0, 1.0])


@pytest.mark.parametrize(
    "images, message",
    [
        (np.array([0.0, 200.0]), "divide by 255 or pass them as uint8"),
        (np.array([0.0, 900.0]), "scale them to \\[0, 1\\] first"),
        (np.array([-0.5, 0.5]), "standardised"),
        (np.array([0.0, np.nan]), "NaN or infinite"),
        (np.array([0, 255], np.int64), "convert them with .astype\\('uint8'\\)"),
        (np.array([0, 300], np.int64), "run from 0 to 300"),
        (np.array([True, False]), "must hold numbers"),
        (np.array(["a"]), "must hold numbers"),
        (np.zeros((0, 3)), "empty"),
    ],
)
def test_everything_else_is_refused_with_the_fix(images, message):
    with pytest.raises(ValueError, match=message):
        to_unit_range(images)


def test_the_message_names_the_argument():
    with pytest.raises(ValueError, match="the picture must be uint8 \\(0-255\\) or float \\(0-1\\)"):
        to_unit_range(np.array([1, 2], np.int16), "picture")

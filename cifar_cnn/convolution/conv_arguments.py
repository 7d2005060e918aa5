"""Argument checks of the convolution functions: arrays of numbers, kernels, positions.

The pixel rule for colour images (uint8 0-255 or float 0-1) is the package's one rule,
:func:`cifar_cnn.pixels.to_unit_range`.
"""

from __future__ import annotations

import numpy as np

from ..pixels import to_unit_range
from ..validation import is_int

__all__ = [
    "CHANNEL_MODES",
    "as_numbers",
    "as_kernel_2d",
    "as_bias",
    "require_kernel_fits",
    "require_position",
    "as_pixels",
    "require_name",
    "require_channels",
]

CHANNEL_MODES = ("grayscale", "per_channel")


def as_numbers(values, what: str) -> np.ndarray:
    """``values`` as an array of finite real numbers (bools count as 0 and 1)."""
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(f"{what} must be a rectangular array of numbers: {error}") from None
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{what} must hold real numbers, got an array of dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{what} is empty (shape {array.shape})")
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return array


def as_kernel_2d(kernel) -> np.ndarray:
    kernel = as_numbers(kernel, "kernel")
    if kernel.ndim != 2:
        raise ValueError(
            f"kernel must be a 2D array (rows, cols) such as a 3x3 filter, "
            f"got an array of shape {kernel.shape}"
        )
    return kernel


def as_bias(bias) -> float:
    if isinstance(bias, bool) or not isinstance(bias, (int, float, np.integer, np.floating)):
        raise ValueError(f"bias must be a single number, got {bias!r}")
    if not np.isfinite(bias):
        raise ValueError(f"bias must be finite, got {bias!r}")
    return float(bias)


def require_kernel_fits(image_rows: int, image_cols: int, kernel_rows: int, kernel_cols: int) -> None:
    if image_rows < kernel_rows or image_cols < kernel_cols:
        raise ValueError(
            f"the image ({image_rows}x{image_cols} pixels) is smaller than the kernel "
            f"({kernel_rows}x{kernel_cols}): without padding the kernel must fit inside "
            "the image at least once, so each side of the image must be at least as long "
            "as the kernel's"
        )


def require_position(name: str, value, image_size: int, kernel_size: int) -> int:
    word = "rows" if name == "row" else "columns"
    if not is_int(value):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    n_positions = image_size - kernel_size + 1
    if not 0 <= value < n_positions:
        raise ValueError(
            f"{name}={value} is outside the output: valid {name} values are 0 to "
            f"{n_positions - 1} (an image with {image_size} {word} and a kernel with "
            f"{kernel_size} {word} give {image_size} - {kernel_size} + 1 = {n_positions} "
            f"output {word})"
        )
    return int(value)


def as_pixels(images) -> np.ndarray:
    """Colour pixels as float32 in [0, 1]: uint8 (0-255) is scaled, floats must be in [0, 1]."""
    images = as_numbers(images, "images")
    if images.ndim not in (3, 4):
        hint = (
            " For a single grayscale (rows, cols) image use apply_kernel()."
            if images.ndim == 2
            else ""
        )
        raise ValueError(
            "expected one colour image (rows, cols, 3) or a batch (n, rows, cols, 3), "
            f"got an array of shape {images.shape}.{hint}"
        )
    if images.shape[-1] != 3:
        raise ValueError(
            f"colour images must have 3 channels (red, green, blue) in the last axis, "
            f"got {images.shape[-1]} (shape {images.shape})"
        )
    return to_unit_range(images, "images")


def require_name(name) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty layer name without '/', got {name!r}")
    return name


def require_channels(channels) -> str:
    if not isinstance(channels, str) or channels not in CHANNEL_MODES:
        raise ValueError(f"channels must be 'grayscale' or 'per_channel', got {channels!r}")
    return channels

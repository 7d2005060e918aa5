"""Pixels as the lesson's functions take them: one rule for every image argument.

Images are either ``uint8`` with pixel values 0-255 (as the CIFAR-10 files store them) or
floats scaled to [0, 1] (as :func:`cifar_cnn.data.load_cifar10` returns them by default).
:func:`to_unit_range` turns either into float32 in [0, 1]; anything else is refused with a
message that says how to fix it. The plots, the convolution examples and the gradient
measurements all use it, so a learner meets one rule and one wording.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PIXEL_RULE", "to_unit_range"]

#: How the rule reads in the error messages.
PIXEL_RULE = "uint8 (0-255) or float (0-1)"

# Floats a rounding error beyond [0, 1] are clipped rather than refused.
_TOLERANCE = 1e-3


def to_unit_range(images, what: str = "images") -> np.ndarray:
    """``images`` as float32 in [0, 1]: uint8 is divided by 255, floats are checked.

    ``what`` names the argument in the messages ("images", "image", ...). Shapes are the
    caller's business; this checks only the numbers.
    """
    images = np.asarray(images)
    if images.size == 0:
        raise ValueError(f"the {what} array is empty")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    if np.issubdtype(images.dtype, np.integer):
        low, high = images.min(), images.max()
        fix = (
            "convert them with .astype('uint8')"
            if 0 <= low and high <= 255
            else f"these run from {low} to {high}, so scale them to 0-255 first"
        )
        raise ValueError(
            f"the {what} must be {PIXEL_RULE}, got dtype {images.dtype}: if they are pixel "
            f"values, {fix}"
        )
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"the {what} must hold numbers ({PIXEL_RULE}), got dtype {images.dtype}")
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise ValueError(f"the {what} contain NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if high > 1.0 + _TOLERANCE:
        hint = (
            "they look like 0-255 pixel values: divide by 255 or pass them as uint8"
            if high <= 255.0 + _TOLERANCE and low >= 0
            else "scale them to [0, 1] first"
        )
        raise ValueError(f"float {what} must be scaled to [0, 1], these go up to {high:g}: {hint}")
    if low < -_TOLERANCE:
        raise ValueError(
            f"float {what} must be scaled to [0, 1], these go down to {low:g}: if they were "
            "standardised (mean subtracted), undo that first"
        )
    return np.clip(images, 0.0, 1.0)

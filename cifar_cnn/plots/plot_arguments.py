"""The plots' input checks: class names and image shapes, in the lesson's terms.

Every plot checks its arguments before drawing anything, so a wrong shape or range is
reported as a one-line message rather than a matplotlib stack trace. The pixel rule
itself (uint8 0-255 or float 0-1) is :func:`cifar_cnn.pixels.to_unit_range`.
"""

from __future__ import annotations

import numpy as np

from ..pixels import to_unit_range

__all__ = ["require_class_names", "image_batch", "one_image", "one_picture"]


def require_class_names(class_names):
    """The class names as a list of str: one per class, at least two."""
    if isinstance(class_names, str) or not hasattr(class_names, "__len__") or len(class_names) < 2:
        raise ValueError(
            "class_names must be a list of at least two names, one per class, e.g. "
            f"cifar_cnn.data.CLASS_NAMES; got {class_names!r}"
        )
    return [str(name) for name in class_names]


def image_batch(images, what="images"):
    """A batch (n, height, width[, 1 or 3]) as float32 in [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 3 and images.shape[-1] == 3:
        raise ValueError(
            f"the {what} have shape {images.shape}, which is one colour image; pass a batch "
            "such as x_train[:25], or image[None] (and [label]) for a single one"
        )
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(
            f"the {what} must be a batch of shape (n, height, width, 3) such as x_train[:25] "
            f"(or (n, height, width) for greyscale); got shape {images.shape}"
        )
    return to_unit_range(images, what)


def one_image(image, what="image"):
    """One image (height, width, channels) or a batch of one, as float32 in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3:
        raise ValueError(
            f"pass one {what} of shape (height, width, channels), e.g. x_test[0]; got shape {image.shape}"
        )
    return to_unit_range(image, what)


def one_picture(image, what):
    """One greyscale (h, w) or colour (h, w, 3) image as float32 in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return to_unit_range(image, what)
    return one_image(image, what)

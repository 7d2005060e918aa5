"""What every model factory shares: checks of ``input_shape`` and ``num_classes``, the
check that an image is big enough for a network, and the softmax readout.

Used by :mod:`cifar_cnn.models` and :mod:`cifar_cnn.extra_models`; the counts are
checked by :mod:`cifar_cnn.validation`, so they accept any integer type.
"""

from __future__ import annotations

from keras import layers

from .arithmetic import conv_output_size, pool_output_size
from .validation import is_int, require_count

__all__ = ["require_input_shape", "require_fits", "classifier"]


def require_input_shape(input_shape, num_classes, factory=None, setting=None):
    """Check the two arguments every factory takes first; return ``input_shape`` as a
    tuple of ints. ``factory`` and ``setting`` (its first architecture argument) let the
    message name the fix when a learner passes an architecture argument by position, as
    in ``create_model_dropout(0.25)``."""
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or not all(is_int(v) and v >= 1 for v in input_shape)
    ):
        by_name = ""
        if factory and setting:
            by_name = (
                f"; {factory}'s first argument is input_shape and its other settings are given by "
                f"name: {factory}({setting}={input_shape!r})"
            )
        raise ValueError(
            "input_shape must be (height, width, channels) with positive integers, "
            f"e.g. (32, 32, 3) for CIFAR-10; got {input_shape!r}{by_name}"
        )
    require_count("num_classes", num_classes, minimum=2)
    return tuple(int(v) for v in input_shape)


def require_fits(factory, input_shape, steps):
    """Follow the image size through ("conv"|"pool", size, padding) steps with the
    lesson's formulas and fail early, in plain words, if it would shrink below 1 pixel
    (Keras would otherwise fail deep inside with a negative dimension)."""
    height, width = input_shape[:2]
    for index, (kind, size, padding) in enumerate(steps, start=1):
        try:
            if kind == "conv":
                height = conv_output_size(height, size, 1, padding)
                width = conv_output_size(width, size, 1, padding)
            else:
                height = pool_output_size(height, size)
                width = pool_output_size(width, size)
        except ValueError:
            raise ValueError(
                f"input_shape {input_shape} is too small for {factory}: the image would "
                f"shrink to nothing at layer {index} ({kind} {size}x{size}); use larger images"
            ) from None


def classifier(x, num_classes):
    """The softmax layer every network ends with, named "predictions"."""
    return layers.Dense(int(num_classes), activation="softmax", name="predictions")(x)

"""Shape and parameter arithmetic for convolutional networks.

The formulas a learner can check with pen and paper:

* convolution output size: ``(W - F + 2P) / S + 1`` (rounded down),
* pooling output size: the same formula with the pool window as ``F``,
* convolution parameters: ``K * F * F * D_in + K`` (K filters of F x F x D_in, one bias each),
* dense parameters: ``n_in * n_out + n_out``.

:func:`layer_table` walks a Keras model and recomputes every layer's output shape and
parameter count with these formulas, so the numbers in ``model.summary()`` can be
explained line by line. This module never imports Keras itself: it only reads the
attributes of the model it is given.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

from .validation import require_count, require_flag, is_int

__all__ = [
    "conv_output_size",
    "pool_output_size",
    "same_padding",
    "conv_params",
    "dense_params",
    "LayerRow",
    "layer_table",
    "format_layer_table",
]


def _pair(value, name):
    """Accept 3 or (3, 3) the way Keras does, and return a 2-tuple of Python ints."""
    if is_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def same_padding(kernel_size: int) -> int:
    """Zero padding P that keeps the size unchanged at stride 1: ``(F - 1) / 2``.

    Only odd kernel sizes can be padded symmetrically; Keras's ``padding="same"``
    pads the extra pixel on the bottom/right for even sizes.
    """
    kernel_size = require_count("kernel_size", kernel_size)
    return (kernel_size - 1) // 2


def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1) -> int:
    """Output width (or height) of a convolution: ``floor((W - F + 2P) / S) + 1``.

    Parameters
    ----------
    input_size : int
        W, the input width (or height) in pixels.
    kernel_size : int
        F, the filter width.
    stride : int
        S, how many pixels the filter moves at each step.
    padding : int or {"valid", "same"}
        P, the zero border added on each side. ``"valid"`` means P = 0. ``"same"``
        follows Keras: the output is ``ceil(W / S)``, whatever the kernel size.
    dilation : int
        Gaps between filter taps; the filter then covers ``dilation * (F - 1) + 1`` pixels.

    Examples
    --------
    >>> conv_output_size(32, 3)                  # Conv2D(16, 3) on CIFAR-10
    30
    >>> conv_output_size(32, 5, padding=2)       # 5x5 with a 2-pixel border keeps 32
    32
    """
    input_size = require_count("input_size", input_size)
    kernel_size = require_count("kernel_size", kernel_size)
    stride = require_count("stride", stride)
    dilation = require_count("dilation", dilation)
    if isinstance(padding, str) and padding == "same":
        return math.ceil(input_size / stride)
    if isinstance(padding, str) and padding == "valid":
        padding = 0
    if not is_int(padding) or padding < 0:
        raise ValueError(f'padding must be "valid", "same" or an int >= 0, got {padding!r}')
    padding = int(padding)
    span = dilation * (kernel_size - 1) + 1
    if input_size + 2 * padding < span:
        raise ValueError(
            f"a {kernel_size}-wide window does not fit in an input {input_size} wide "
            f"with padding {padding}: use a smaller kernel or more padding"
        )
    return (input_size - span + 2 * padding) // stride + 1


def pool_output_size(input_size, pool_size=2, stride=None, padding="valid") -> int:
    """Output width of a pooling layer. ``stride`` defaults to ``pool_size`` as in Keras.

    >>> pool_output_size(30, 2)   # 2x2 max pooling halves 30 to 15
    15
    >>> pool_output_size(13, 2)   # odd sizes round down: the last row is dropped
    6
    """
    return conv_output_size(input_size, pool_size, stride or pool_size, padding)


def conv_params(kernel_size, in_channels, filters, use_bias=True) -> int:
    """Trainable parameters of a Conv2D layer: ``K * F * F * D_in + K``.

    ``kernel_size`` may be an int F or a pair (F_h, F_w).

    >>> conv_params(3, 3, 16)      # first layer of create_model_intro()
    448
    """
    fh, fw = _pair(kernel_size, "kernel_size")
    in_channels = require_count("in_channels", in_channels)
    filters = require_count("filters", filters)
    use_bias = require_flag("use_bias", use_bias)
    return filters * fh * fw * in_channels + (filters if use_bias else 0)


def dense_params(in_units, units, use_bias=True) -> int:
    """Trainable parameters of a Dense layer: ``n_in * n_out + n_out``.

    >>> dense_params(1152, 64)
    73792
    """
    in_units = require_count("in_units", in_units)
    units = require_count("units", units)
    use_bias = require_flag("use_bias", use_bias)
    return in_units * units + (units if use_bias else 0)


class LayerRow(NamedTuple):
    """One line of :func:`layer_table`."""

    name: str
    type: str
    output_shape: tuple
    params: int
    by_formula: bool  # False: a layer type without a formula here; numbers taken from Keras


# Layers that change neither the shape nor add weights.
_PASSTHROUGH = {
    "Dropout", "SpatialDropout2D", "Activation", "ReLU", "Softmax", "Rescaling",
    "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom", "RandomContrast",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
}


def _spatial(input_shape, kernel, strides, padding, dilation=(1, 1)):
    return tuple(
        conv_output_size(size, k, s, padding, d)
        for size, k, s, d in zip(input_shape[1:-1], kernel, strides, dilation)
    )


def _conv_row(layer, input_shape):
    cfg = layer.get_config()
    dims = len(input_shape) - 2
    kernel = tuple(cfg["kernel_size"])[:dims]
    strides = tuple(cfg["strides"])[:dims]
    dilation = tuple(cfg.get("dilation_rate", (1,) * dims))[:dims]
    sizes = _spatial(input_shape, kernel, strides, cfg["padding"], dilation)
    weights = math.prod(kernel) * input_shape[-1] * cfg["filters"]
    params = weights + (cfg["filters"] if cfg.get("use_bias", True) else 0)
    return (None, *sizes, cfg["filters"]), params


def _pool_row(layer, input_shape):
    cfg = layer.get_config()
    dims = len(input_shape) - 2
    pool = tuple(cfg["pool_size"])[:dims]
    strides = tuple(cfg["strides"] or pool)[:dims]
    sizes = tuple(
        pool_output_size(size, p, s, cfg["padding"])
        for size, p, s in zip(input_shape[1:-1], pool, strides)
    )
    return (None, *sizes, input_shape[-1]), 0


def _zero_padding_row(layer, input_shape):
    pads = layer.get_config()["padding"]
    sizes = tuple(size + before + after for size, (before, after) in zip(input_shape[1:-1], pads))
    return (None, *sizes, input_shape[-1]), 0


def _formula(layer, input_shape):
    """(output_shape, params) by formula, or None for a layer type not covered here."""
    kind = type(layer).__name__
    if kind in ("Conv1D", "Conv2D"):
        return _conv_row(layer, input_shape)
    if kind in ("MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D"):
        return _pool_row(layer, input_shape)
    if kind == "ZeroPadding2D":
        return _zero_padding_row(layer, input_shape)
    if kind == "Flatten":
        return (None, math.prod(input_shape[1:])), 0
    if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return (None, input_shape[-1]), 0
    if kind == "Dense":
        cfg = layer.get_config()
        return (*input_shape[:-1], cfg["units"]), dense_params(
            input_shape[-1], cfg["units"], cfg.get("use_bias", True)
        )
    if kind == "BatchNormalization":
        # gamma and beta are learned; the moving mean and variance are not (but still count).
        return tuple(input_shape), 4 * input_shape[-1]
    if kind in _PASSTHROUGH:
        return tuple(input_shape), 0
    return None


def _input_shape(layer):
    """The shape (batch dimension None) that flows into ``layer``, as Keras built it."""
    tensor = layer.input
    if isinstance(tensor, (list, tuple)):  # Add and friends: all inputs share one shape
        tensor = tensor[0]
    return tuple(tensor.shape)


def layer_table(model) -> list[LayerRow]:
    """Recompute every layer's output shape and parameter count with the formulas.

    Each layer's *input* shape is taken from the model; its output shape and parameter
    count are then computed by this module's formulas, independently of Keras. Comparing
    them with ``model.summary()`` checks the arithmetic. Layer types without a formula
    here (rare in this lesson) are reported with Keras's numbers and ``by_formula=False``.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(
            f"layer_table expects a Keras model, got {type(model).__name__}: "
            "build one first, e.g. model = create_model_intro()"
        )
    rows = []
    for layer in layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            rows.append(LayerRow(layer.name, kind, tuple(layer.batch_shape), 0, True))
            continue
        result = _formula(layer, _input_shape(layer))
        if result is None:
            rows.append(
                LayerRow(layer.name, kind, tuple(layer.output.shape), layer.count_params(), False)
            )
        else:
            rows.append(LayerRow(layer.name, kind, result[0], result[1], True))
    return rows


def format_layer_table(rows: Sequence[LayerRow]) -> str:
    """A plain-text table of :func:`layer_table` rows with the parameter total."""
    lines = [f"{'layer':<16} {'type':<20} {'output shape':<20} {'params':>8}"]
    for row in rows:
        mark = "" if row.by_formula else "  (from Keras)"
        shape = str(row.output_shape)
        lines.append(f"{row.name:<16} {row.type:<20} {shape:<20} {row.params:>8,}{mark}")
    lines.append(f"{'total':<58} {sum(r.params for r in rows):>8,}")
    return "\n".join(lines)

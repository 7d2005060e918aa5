"""The two networks beyond the lesson's main line, each for one experiment.

* :func:`create_model_deep`, the plain or residual stack of the vanishing-gradient
  experiment (episode 6, :func:`cifar_cnn.gradient_flow`);
* :func:`create_model_fast`, the fast CPU network of :func:`cifar_cnn.train_fast`.

They follow the factory convention of :mod:`cifar_cnn.models` (``input_shape`` and
``num_classes`` first, the rest keyword-only, arguments checked up front), which
re-exports both and lists them in ``MODELS``.
"""

from __future__ import annotations

import keras
from keras import layers

from .factory_parts import require_fits, require_input_shape, classifier
from .validation import require_count, require_flag, require_int_tuple

__all__ = ["create_model_deep", "create_model_fast"]


def create_model_deep(
    input_shape=(32, 32, 3), num_classes=10, *, depth=10, residual=False, filters=16,
    activation="relu", name=None,
):
    """A stack of ``depth`` 3x3 convolutions, plain or with skip connections.

    The vanishing-gradient experiment. ``conv1`` maps the image to ``filters`` feature
    maps; each of the ``depth - 1`` further Conv2D(filters, 3x3, same) layers either
    replaces its input (plain) or is added to it (``residual=True``:
    ``x = x + conv(x)``). Global average pooling and a softmax layer read out the
    result. With Keras's default initialisation each plain relu layer shrinks the
    backpropagated gradient, so in a deep plain stack the first layers barely learn;
    the skip connections give the gradient a direct path back.

    Parameters
    ----------
    input_shape, num_classes
        As for :func:`cifar_cnn.create_model_intro`.
    depth : int
        Number of convolutional layers (1 to 200).
    residual : bool
        Add a skip connection around every layer after the first.
    filters : int
        Feature maps per layer.
    activation : str
        Activation of every convolution, e.g. "relu", "tanh" or "sigmoid".
    name : str or None
        Model name; default ``cifar_model_deep<depth>_plain`` or ``..._residual``.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    input_shape = require_input_shape(input_shape, num_classes, "create_model_deep", "depth")
    depth = require_count("depth", depth, minimum=1, maximum=200)
    require_flag("residual", residual)
    filters = require_count("filters", filters)
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        raise ValueError(
            f"activation {activation!r} is not a Keras activation; try 'relu', 'tanh' or 'sigmoid'"
        ) from None
    if name is None:
        name = f"cifar_model_deep{depth}_{'residual' if residual else 'plain'}"
    inputs = keras.Input(shape=input_shape, name="images")
    x = layers.Conv2D(filters, (3, 3), padding="same", activation=activation, name="conv1")(inputs)
    for index in range(2, depth + 1):
        y = layers.Conv2D(
            filters, (3, 3), padding="same", activation=activation, name=f"conv{index}"
        )(x)
        x = layers.Add(name=f"skip{index}")([x, y]) if residual else y
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def _conv_bn_relu(x, filters, name):
    """Conv2D without bias (batch normalization adds its own shift), then BN, then relu."""
    x = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def create_model_fast(
    input_shape=(32, 32, 3), num_classes=10, *, filters=(24, 48, 96), augment=True,
    name="cifar_model_fast",
):
    """A fast, accurate CNN for a laptop CPU: batch normalization, augmentation, pooling.

    Built for the most accuracy per second of CPU time rather than per parameter:

    * augmentation inside the model (``augment=True``): a random horizontal flip and a
      random shift of up to 4 pixels, active only while training;
    * one Conv2D-BatchNormalization-relu stage with ``filters[0]`` maps at full
      resolution (the costly 32x32 level gets one convolution, not two), then 2x2 max
      pooling;
    * for every further entry ``f`` of ``filters`` two such convolutions and pooling:
      32x32 -> 16x16 -> 8x8 -> 4x4 with the defaults;
    * global max pooling and a softmax layer.

    Batch normalization lets it train with a high learning rate;
    :func:`cifar_cnn.train_fast` is its recipe (Adam, warm-up then cosine decay,
    batch size 128). With the default filters it has 158,386 parameters.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    input_shape = require_input_shape(input_shape, num_classes, "create_model_fast", "filters")
    filters = require_int_tuple("filters", filters)
    require_flag("augment", augment)
    require_fits("create_model_fast", input_shape, [("pool", 2, 0)] * len(filters))
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    if augment:
        x = layers.RandomFlip("horizontal", name="random_flip")(x)
        x = layers.RandomTranslation(0.125, 0.125, fill_mode="constant", name="random_shift")(x)
    x = _conv_bn_relu(x, filters[0], "block1_conv1")
    x = layers.MaxPooling2D((2, 2), name="block1_pool")(x)
    for block, block_filters in enumerate(filters[1:], start=2):
        x = _conv_bn_relu(x, block_filters, f"block{block}_conv1")
        x = _conv_bn_relu(x, block_filters, f"block{block}_conv2")
        x = layers.MaxPooling2D((2, 2), name=f"block{block}_pool")(x)
    x = layers.GlobalMaxPooling2D(name="global_pool")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)

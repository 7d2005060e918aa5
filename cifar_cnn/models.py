"""Model factories: one function per network in the lesson.

Every factory builds a fresh, uncompiled Keras model with the functional API, starting
from ``keras.Input``. All of them take ``input_shape=(32, 32, 3)`` and ``num_classes=10``
plus their own architecture arguments, check those arguments before Keras sees them,
and give every layer an explicit name so that ``model.summary()`` reads the same in
every session.

The convention, one name per idea: ``input_shape`` and ``num_classes`` come first and
may be given by position; every architecture argument is keyword-only. ``rate`` is a
dropout rate; ``filters`` is an int where the network has one convolution width
(``one_conv``, ``two_conv``, ``deep``) and a tuple, one entry per block or stage, where
it has several (``vgg``, ``residual``, ``fast``). Counts accept any integer type
(``np.int64`` too), checked by :mod:`cifar_cnn.validation`.

This module holds the lesson's networks; :mod:`cifar_cnn.extra_models` holds the deep
stack and the fast network. ``MODELS`` maps the short names used by
the command line (``cifar-cnn train intro``) to all of them.
"""

from __future__ import annotations

from typing import Callable

import keras
from keras import layers

from .extra_models import create_model_deep, create_model_fast
from .factory_parts import require_fits, require_input_shape, classifier
from .validation import require_count, require_int_tuple, require_rate

__all__ = [
    "create_model_intro",
    "create_model_one_conv",
    "create_model_two_conv",
    "create_model_vgg",
    "create_model_dropout",
    "create_model_residual",
    "create_model_dense",
    "MODELS",
    "get_factory",
    "NotAModelError",
    "require_model",
    "conv_layers",
]


class NotAModelError(TypeError, ValueError):
    """Something other than a Keras model was passed where a model is needed.

    A TypeError (the wrong kind of object) that is also a ValueError, so code catching
    either, as the command line does, reports it in one line.
    """


def require_model(model, function):
    """Return ``model`` if it is a Keras model, else say in plain words what to pass."""
    if not isinstance(model, keras.Model):
        raise NotAModelError(
            f"{function} expects a Keras model, got {type(model).__name__}; "
            "build one first, e.g. model = create_model_intro()"
        )
    return model


# ---------------------------------------------------------------- the lesson's networks


def _intro_network(factory, input_shape, num_classes, rate, name):
    """The intro network; with a dropout ``rate``, Dropout between Flatten and Dense."""
    input_shape = require_input_shape(input_shape, num_classes)
    require_fits(factory, input_shape, [("conv", 3, 0), ("pool", 2, 0)] * 2)
    inputs = keras.Input(shape=input_shape, name="images")
    x = layers.Conv2D(16, (3, 3), activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D((2, 2), name="pool1")(x)
    x = layers.Conv2D(32, (3, 3), activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D((2, 2), name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    if rate is not None:
        x = layers.Dropout(rate, name="dropout")(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def create_model_intro(input_shape=(32, 32, 3), num_classes=10, *, name="cifar_model_intro"):
    """The lesson's first CNN: two small convolution + pooling stages and a dense head.

    Conv2D(16, 3x3, relu) -> MaxPooling2D(2x2) -> Conv2D(32, 3x3, relu) ->
    MaxPooling2D(2x2) -> Flatten -> Dense(64, relu) -> Dense(num_classes, softmax).
    On 32x32x3 images the feature maps are 30x30x16, 15x15x16, 13x13x32, 6x6x32,
    then 1152 features, and the model has 79,530 parameters.

    Parameters
    ----------
    input_shape : tuple of int
        (height, width, channels) of one image.
    num_classes : int
        Number of output classes (softmax units).
    name : str
        Name of the model.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    return _intro_network("create_model_intro", input_shape, num_classes, None, name)


def create_model_dropout(
    input_shape=(32, 32, 3), num_classes=10, *, rate=0.5, name="cifar_model_dropout"
):
    """The intro network with Dropout against overfitting.

    Same layers as :func:`create_model_intro`, plus ``Dropout(rate)`` between Flatten
    and the 64-unit Dense layer, where most of the weights are (73,792 of 79,530).
    Dropout adds no parameters: the model still has 79,530. During training it sets a
    random fraction ``rate`` of the 1152 features to zero at every step.

    Parameters
    ----------
    input_shape, num_classes, name
        As for :func:`create_model_intro`.
    rate : float
        Fraction of features dropped during training, in [0, 1).

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    require_input_shape(input_shape, num_classes, "create_model_dropout", "rate")
    rate = require_rate("rate", rate)
    return _intro_network("create_model_dropout", input_shape, num_classes, rate, name)


def _conv_readout(factory, n_conv, input_shape, num_classes, filters, kernel_size, name):
    """``n_conv`` stacked Conv2D layers, then Flatten and a softmax readout."""
    input_shape = require_input_shape(input_shape, num_classes, factory, "filters")
    filters = require_count("filters", filters)
    kernel_size = require_count("kernel_size", kernel_size)
    require_fits(factory, input_shape, [("conv", kernel_size, 0)] * n_conv)
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    for index in range(1, n_conv + 1):
        x = layers.Conv2D(filters, kernel_size, activation="relu", name=f"conv{index}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def create_model_one_conv(
    input_shape=(32, 32, 3), num_classes=10, *, filters=10, kernel_size=3,
    name="cifar_model_one_conv",
):
    """The shallowest CNN: one convolutional layer read out by a softmax layer.

    Conv2D(10 feature maps, 3x3, relu) -> Flatten -> Dense(num_classes, softmax).
    The first half of the "going deeper" pair; compare with
    :func:`create_model_two_conv`.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    return _conv_readout("create_model_one_conv", 1, input_shape, num_classes, filters, kernel_size, name)


def create_model_two_conv(
    input_shape=(32, 32, 3), num_classes=10, *, filters=10, kernel_size=3,
    name="cifar_model_two_conv",
):
    """One step deeper: two stacked convolutional layers read out by a softmax layer.

    Conv2D(10, 3x3, relu) -> Conv2D(10, 3x3, relu) -> Flatten -> Dense(num_classes,
    softmax). The second layer convolves the first layer's 10 feature maps, not the
    image, so it can combine simple patterns into more complex ones.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    return _conv_readout("create_model_two_conv", 2, input_shape, num_classes, filters, kernel_size, name)


def create_model_vgg(
    input_shape=(32, 32, 3), num_classes=10, *, filters=(16, 32, 64), convs_per_block=2,
    dense_units=128, rate=0.5, name="cifar_model_vgg",
):
    """A small VGG-style network: blocks of 3x3 convolutions, each ending in pooling.

    For every entry ``f`` of ``filters`` one block: ``convs_per_block`` times
    Conv2D(f, 3x3, padding="same", relu), then MaxPooling2D(2x2, stride 2), which halves
    height and width while the number of feature maps grows. Then Flatten,
    Dense(dense_units, relu), Dropout(rate) when ``rate > 0``, and the softmax
    layer. With the defaults the 32x32 image becomes 16x16x16, 8x8x32, 4x4x64.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    input_shape = require_input_shape(input_shape, num_classes, "create_model_vgg", "filters")
    filters = require_int_tuple("filters", filters)
    convs_per_block = require_count("convs_per_block", convs_per_block)
    dense_units = require_count("dense_units", dense_units)
    rate = require_rate("rate", rate)
    require_fits("create_model_vgg", input_shape, [("pool", 2, 0)] * len(filters))
    inputs = keras.Input(shape=input_shape, name="images")
    x = inputs
    for block, block_filters in enumerate(filters, start=1):
        for conv in range(1, convs_per_block + 1):
            x = layers.Conv2D(
                block_filters, (3, 3), padding="same", activation="relu",
                name=f"block{block}_conv{conv}",
            )(x)
        x = layers.MaxPooling2D((2, 2), strides=2, name=f"block{block}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    if rate > 0:
        x = layers.Dropout(rate, name="dropout")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def _residual_block(x, filters, name):
    """Two 3x3 convolutions whose result is added to the block's input (the skip)."""
    shortcut = x
    if x.shape[-1] != filters:
        # The skip must have as many channels as the block's output to be added:
        # a 1x1 convolution changes the channel count without looking at neighbours.
        shortcut = layers.Conv2D(filters, (1, 1), name=f"{name}_project")(x)
    y = layers.Conv2D(filters, (3, 3), padding="same", activation="relu", name=f"{name}_conv1")(x)
    y = layers.Conv2D(filters, (3, 3), padding="same", name=f"{name}_conv2")(y)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_relu")(y)


def create_model_residual(
    input_shape=(32, 32, 3), num_classes=10, *, filters=(16, 32, 64), blocks_per_stage=1,
    name="cifar_model_residual",
):
    """A small ResNet-style network: convolution blocks with skip connections.

    A 3x3 stem convolution, then for every entry ``f`` of ``filters`` a stage of
    ``blocks_per_stage`` residual blocks (two 3x3 convolutions whose output is added to
    the block's input with ``keras.layers.Add``; a 1x1 convolution adapts the skip when
    the channel count changes), with 2x2 max pooling between stages. Global average
    pooling and a softmax layer read out the result. A layer that takes two inputs
    cannot be written as a Sequential stack: this is what the functional API is for.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    input_shape = require_input_shape(input_shape, num_classes, "create_model_residual", "filters")
    filters = require_int_tuple("filters", filters)
    blocks_per_stage = require_count("blocks_per_stage", blocks_per_stage)
    require_fits("create_model_residual", input_shape, [("pool", 2, 0)] * (len(filters) - 1))
    inputs = keras.Input(shape=input_shape, name="images")
    x = layers.Conv2D(filters[0], (3, 3), padding="same", activation="relu", name="stem")(inputs)
    for stage, stage_filters in enumerate(filters, start=1):
        if stage > 1:
            x = layers.MaxPooling2D((2, 2), name=f"stage{stage}_pool")(x)
        for block in range(1, blocks_per_stage + 1):
            x = _residual_block(x, stage_filters, name=f"stage{stage}_block{block}")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


def create_model_dense(
    input_shape=(32, 32, 3), num_classes=10, *, hidden=(128, 64), name="cifar_model_dense"
):
    """A fully connected baseline with no convolutions.

    Flatten (32 x 32 x 3 = 3072 numbers per image) -> one Dense(units, relu) layer per
    entry of ``hidden`` -> Dense(num_classes, softmax). Every pixel gets its own weight
    in every unit, so it has more parameters than the intro CNN and no notion of
    neighbouring pixels: the comparison that motivates convolutions.

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    input_shape = require_input_shape(input_shape, num_classes, "create_model_dense", "hidden")
    hidden = require_int_tuple("hidden", hidden, allow_empty=True)
    inputs = keras.Input(shape=input_shape, name="images")
    x = layers.Flatten(name="flatten")(inputs)
    for index, units in enumerate(hidden, start=1):
        x = layers.Dense(units, activation="relu", name=f"dense{index}")(x)
    outputs = classifier(x, num_classes)
    return keras.Model(inputs=inputs, outputs=outputs, name=name)


MODELS: dict[str, Callable[..., keras.Model]] = {
    "intro": create_model_intro,
    "dropout": create_model_dropout,
    "one_conv": create_model_one_conv,
    "two_conv": create_model_two_conv,
    "vgg": create_model_vgg,
    "residual": create_model_residual,
    "dense": create_model_dense,
    "deep": create_model_deep,
    "fast": create_model_fast,
}


def get_factory(name: str) -> Callable[..., keras.Model]:
    """The factory registered under ``name`` ("intro", "vgg", ...; "one-conv" works too)."""
    key = str(name).strip().lower().replace("-", "_")
    key = key.removeprefix("create_model_")
    if key not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[key]


# ---------------------------------------------------------------- reading a model


def conv_layers(model):
    """The ``Conv2D`` layers of ``model``, in the order the model lists its layers."""
    require_model(model, "conv_layers")
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


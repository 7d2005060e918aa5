"""Handcrafted weights in a real Keras ``Conv1D``/``Conv2D`` layer, and the result type.

Every example builds ``keras.Input -> Conv1D/Conv2D`` (valid padding, stride 1), writes the
filter values in with ``layer.set_weights`` and runs it with ``model.predict``. All layers
are named explicitly and forced to ``float32``, so summaries and results are the same in
every session.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np

from ..pipeline import quiet_retracing

__all__ = ["ConvExample", "conv_model", "predict_quietly", "run_2d", "single_filter", "run_single_filter"]


class ConvExample(NamedTuple):
    """A handcrafted convolution run through a real Keras layer.

    Attributes
    ----------
    inputs : numpy.ndarray
        What the layer was given, without the batch axis when one image (or
        signal) was passed, and without the channel axis when there is a single
        input channel: ``(8,)`` for the 1D example, ``(H, W)`` for a grayscale
        image, ``(H, W, 3)`` for a colour image, ``(N, H, W)`` or
        ``(N, H, W, 3)`` for a batch.
    kernel : numpy.ndarray
        The handcrafted weights. When the layer has one input channel and one
        filter this is the filter as a person writes it, ``(3,)`` or ``(3, 3)``;
        otherwise it is the full Keras weight array
        ``(rows, cols, in_channels, filters)``. Either way
        ``convolve2d_valid(inputs, kernel) + bias`` reproduces ``feature_map``
        (image by image for a batch; ``convolve1d_valid`` for the 1D example).
        The exact array Keras holds is ``example.layer.get_weights()[0]``.
    bias : numpy.ndarray
        One bias per filter, shape ``(filters,)``; zero in the worked examples.
    feature_map : numpy.ndarray
        The layer's output, float32, with the same axes dropped as ``inputs``
        (batch axis for a single image) and the filter axis dropped when there
        is only one filter.
    model : keras.Model
        ``keras.Input -> Conv1D/Conv2D``, weights already set. Call
        ``model.summary()`` or ``model.predict(x, verbose=0)`` on new inputs.
    """

    inputs: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    feature_map: np.ndarray
    model: keras.Model

    @property
    def layer(self):
        """The convolutional layer itself (the model's only layer after its input)."""
        return self.model.layers[-1]


def conv_model(weights, bias, input_shape, *, layer_name, model_name, input_name):
    """``keras.Input -> Conv1D/Conv2D`` (valid padding, stride 1) with the given weights.

    ``weights`` is in Keras layout: ``(width, in_channels, filters)`` for 1D,
    ``(rows, cols, in_channels, filters)`` for 2D.
    """
    rank = weights.ndim - 2
    conv = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
    inputs = keras.Input(shape=input_shape, name=input_name, dtype="float32")
    layer = conv(
        filters=weights.shape[-1],
        kernel_size=weights.shape[:rank],
        padding="valid",
        name=layer_name,
        dtype="float32",
    )
    model = keras.Model(inputs=inputs, outputs=layer(inputs), name=model_name)
    layer.set_weights([np.asarray(weights, np.float32), np.asarray(bias, np.float32)])
    return model


def predict_quietly(model, batch) -> np.ndarray:
    """``model.predict(batch, verbose=0)`` with the retracing warning muted for this call only.

    Every example builds a new little model, so each ``predict`` traces a new function;
    after five of them TensorFlow warns about retracing, which is expected here and would
    only distract learners.
    """
    with quiet_retracing():
        return model.predict(batch, verbose=0)


def run_2d(batch, weights, bias, *, layer_name, model_name, input_name):
    """Run a (n, rows, cols, channels) float32 batch through a fresh handcrafted Conv2D."""
    model = conv_model(
        weights,
        bias,
        batch.shape[1:],
        layer_name=layer_name,
        model_name=model_name,
        input_name=input_name,
    )
    return model, predict_quietly(model, batch)


def single_filter(kernel_2d) -> np.ndarray:
    """A (rows, cols) kernel as Keras weights for one input channel and one filter."""
    return np.asarray(kernel_2d, np.float32)[:, :, np.newaxis, np.newaxis]


def run_single_filter(image, kernel, bias, *, layer_name, model_name) -> ConvExample:
    image = np.array(image, np.float32)  # copies: the lesson's arrays stay untouched
    kernel = np.array(kernel, np.float32)
    bias = np.array([bias], np.float32)
    model, output = run_2d(
        image[np.newaxis, :, :, np.newaxis],
        single_filter(kernel),
        bias,
        layer_name=layer_name,
        model_name=model_name,
        input_name="image",
    )
    return ConvExample(image, kernel, bias, output[0, :, :, 0], model)

"""Convolution by hand: handcrafted filters inside real Keras layers, checked with NumPy.

This module backs the lesson episode in which learners watch a convolutional layer
work on numbers small enough to check with pen and paper. Instead of letting Keras
draw random starting weights, every example writes the filter values in by hand
(``layer.set_weights``) and then runs the layer with ``model.predict``:

* :func:`conv1d_worked_example`: a ``Conv1D`` layer with one 3-wide filter
  ``[0, 1, 0]`` (bias 0) reads the signal ``[0, 0, 0, 1, 1, 0, 0, 0]`` and
  returns the feature map ``[0, 0, 1, 1, 0, 0]``: the bump is found.
* :func:`conv2d_worked_example`: a ``Conv2D`` layer with a 3x3 vertical-line
  detector (ones down the middle column) reads an 8x8 image that is 1 in
  columns 3 and 4 and 0 elsewhere; every row of the 6x6 feature map is
  ``[0, 0, 3, 3, 0, 0]``.
* :func:`cat_horizontal_edges` and :func:`cifar_horizontal_edges`: the lesson's
  horizontal-edge kernel ``[[-1, -1, -1], [0, 0, 0], [1, 1, 1]]`` on a real
  photograph ("Chelsea the cat", from scikit-image's sample data) and on
  CIFAR-10 images that the caller passes in.
* :func:`multiple_filters_example` and :func:`multiple_channels_example`: why
  the weights of a ``Conv2D`` layer have the shape
  ``(rows, cols, in_channels, filters)`` and why its output has one channel per
  filter.
* :func:`convolve_cell`, :func:`convolve1d_valid` and :func:`convolve2d_valid`:
  the same arithmetic in plain NumPy, for one output cell (with the window and
  the elementwise products to print) or for a whole feature map.

A word on names: what deep-learning libraries call a "convolution" slides the
kernel over the input *as written*. Signal processing would flip the kernel
first; the unflipped operation is properly called cross-correlation. Keras
computes the cross-correlation, and so do the NumPy functions here, which is
why their results agree with the Keras layers cell for cell. (For the
symmetric kernels of the worked examples the flip makes no difference; for the
horizontal-edge kernel it would swap the sign of every response.)

Every Keras example returns a :class:`ConvExample`: the input, the handcrafted
kernel and bias, the feature map, and the small functional-API model with its
weights set, so a notebook can print each piece or call
``example.model.summary()``. All layers are named explicitly and forced to
``float32``, so summaries and results are the same in every session.
Importing this module imports Keras but builds nothing.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import keras
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "BUMP_SIGNAL",
    "BUMP_KERNEL",
    "VERTICAL_LINE_IMAGE",
    "VERTICAL_LINE_KERNEL",
    "HORIZONTAL_LINE_KERNEL",
    "HORIZONTAL_EDGE_KERNEL",
    "PLUS_IMAGE",
    "CROSS_RGB_IMAGE",
    "ConvExample",
    "CellComputation",
    "conv1d_worked_example",
    "conv2d_worked_example",
    "apply_kernel",
    "apply_kernel_to_rgb",
    "to_grayscale",
    "chelsea_image",
    "cat_horizontal_edges",
    "cifar_horizontal_edges",
    "multiple_filters_example",
    "multiple_channels_example",
    "convolve_cell",
    "convolve1d_valid",
    "convolve2d_valid",
]

CHANNEL_MODES = ("grayscale", "per_channel")


# ------------------------------------------------------------------ fixed arrays


def _frozen(values) -> np.ndarray:
    """A read-only float32 array, so a notebook cannot change the lesson's data by accident."""
    array = np.array(values, dtype=np.float32)
    array.setflags(write=False)
    return array


#: The 1D worked example's input: eight samples, a two-sample bump in the middle.
BUMP_SIGNAL = _frozen([0, 0, 0, 1, 1, 0, 0, 0])

#: A 3-wide filter that passes on the middle sample only: a "bump" detector.
BUMP_KERNEL = _frozen([0, 1, 0])

#: The 2D worked example's input: 8x8, a vertical line two pixels wide in columns 3 and 4.
VERTICAL_LINE_IMAGE = _frozen([[0, 0, 0, 1, 1, 0, 0, 0]] * 8)

#: 3x3 vertical-line detector: ones in the middle column, zeros elsewhere.
VERTICAL_LINE_KERNEL = _frozen([[0, 1, 0], [0, 1, 0], [0, 1, 0]])

#: 3x3 horizontal-line detector: ones in the middle row, zeros elsewhere.
HORIZONTAL_LINE_KERNEL = _frozen([[0, 0, 0], [1, 1, 1], [0, 0, 0]])

#: The lesson's horizontal-edge kernel. Read top to bottom it subtracts the row
#: above from the row below, so an edge that goes from dark (above) to bright
#: (below) gives a positive response and bright-above-dark a negative one.
HORIZONTAL_EDGE_KERNEL = _frozen([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])

#: 7x7 image of a plus sign: a vertical stroke in column 3 crossing a horizontal
#: stroke in row 3 (used by :func:`multiple_filters_example`).
PLUS_IMAGE = _frozen([[1 if r == 3 or c == 3 else 0 for c in range(7)] for r in range(7)])

#: 5x5 colour image, channels last: a red vertical stroke in column 2, a green
#: horizontal stroke in row 2 (yellow where they cross), blue all zero
#: (used by :func:`multiple_channels_example`).
CROSS_RGB_IMAGE = _frozen(
    [[[float(c == 2), float(r == 2), 0.0] for c in range(5)] for r in range(5)]
)


# ------------------------------------------------------------------ result types


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


class CellComputation(NamedTuple):
    """One output cell of a valid cross-correlation, worked out in NumPy.

    ``value`` is the sum of ``products``, and ``products`` is ``window * kernel``
    element by element, where ``window`` is the patch of the image under the
    kernel when its top-left corner sits at (``row``, ``col``). ``value`` is
    what a ``Conv2D`` layer with this kernel and zero bias puts in its output
    at ``[row, col]``.
    """

    row: int
    col: int
    window: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    value: float

    def explain(self) -> str:
        """The calculation as text for a notebook: window, kernel, products and their sum."""
        rows, cols = self.kernel.shape[:2]

        def show(array):
            return np.array2string(np.asarray(array), precision=4, suppress_small=True)

        return "\n".join(
            [
                f"output[{self.row}, {self.col}]: the kernel's top-left corner on "
                f"image[{self.row}, {self.col}]",
                f"window = image[{self.row}:{self.row + rows}, {self.col}:{self.col + cols}]",
                show(self.window),
                "kernel",
                show(self.kernel),
                "window * kernel (element by element)",
                show(self.products),
                f"sum of (window * kernel) = {self.value:.6g}",
            ]
        )


# ------------------------------------------------------------------ argument checks


def _as_numbers(values, what: str) -> np.ndarray:
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


def _as_kernel_2d(kernel) -> np.ndarray:
    kernel = _as_numbers(kernel, "kernel")
    if kernel.ndim != 2:
        raise ValueError(
            f"kernel must be a 2D array (rows, cols) such as a 3x3 filter, "
            f"got an array of shape {kernel.shape}"
        )
    return kernel


def _as_bias(bias) -> float:
    if isinstance(bias, bool) or not isinstance(bias, (int, float, np.integer, np.floating)):
        raise ValueError(f"bias must be a single number, got {bias!r}")
    if not np.isfinite(bias):
        raise ValueError(f"bias must be finite, got {bias!r}")
    return float(bias)


def _check_fits(image_rows: int, image_cols: int, kernel_rows: int, kernel_cols: int) -> None:
    if image_rows < kernel_rows or image_cols < kernel_cols:
        raise ValueError(
            f"the image ({image_rows}x{image_cols} pixels) is smaller than the kernel "
            f"({kernel_rows}x{kernel_cols}): without padding the kernel must fit inside "
            "the image at least once, so each side of the image must be at least as long "
            "as the kernel's"
        )


def _check_position(name: str, value, image_size: int, kernel_size: int) -> int:
    word = "rows" if name == "row" else "columns"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
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


def _as_pixels(images) -> np.ndarray:
    """Colour pixels as float32: uint8 (0-255) is scaled to 0-1, floats are kept as they are."""
    images = _as_numbers(images, "images")
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
    if images.dtype == np.uint8:
        return images.astype(np.float32) / np.float32(255)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(
            "colour pixels must be floats (usually 0-1) or uint8 (0-255), "
            f"got dtype {images.dtype}"
        )
    return images.astype(np.float32)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty layer name without '/', got {name!r}")
    return name


def _check_channels(channels) -> str:
    if not isinstance(channels, str) or channels not in CHANNEL_MODES:
        raise ValueError(f"channels must be 'grayscale' or 'per_channel', got {channels!r}")
    return channels


# ------------------------------------------------------------------ Keras plumbing


def _conv_model(weights, bias, input_shape, *, layer_name, model_name, input_name):
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


class _DropRetracingWarning(logging.Filter):
    """Hide TensorFlow's "tf.function retracing" warning.

    Every example builds a new little model, so each ``predict`` traces a new
    function; after five of them TensorFlow warns about retracing, which is
    expected here and would only distract learners.
    """

    def filter(self, record):
        return "tf.function retracing" not in record.getMessage()


def _predict(model, batch) -> np.ndarray:
    """``model.predict(batch, verbose=0)`` with the retracing warning muted for this call only."""
    logger = logging.getLogger("tensorflow")
    quiet = _DropRetracingWarning()
    logger.addFilter(quiet)
    try:
        return model.predict(batch, verbose=0)
    finally:
        logger.removeFilter(quiet)


def _run_2d(batch, weights, bias, *, layer_name, model_name, input_name):
    """Run a (n, rows, cols, channels) float32 batch through a fresh handcrafted Conv2D."""
    model = _conv_model(
        weights,
        bias,
        batch.shape[1:],
        layer_name=layer_name,
        model_name=model_name,
        input_name=input_name,
    )
    return model, _predict(model, batch)


def _single_filter(kernel_2d) -> np.ndarray:
    """A (rows, cols) kernel as Keras weights for one input channel and one filter."""
    return np.asarray(kernel_2d, np.float32)[:, :, np.newaxis, np.newaxis]


# ------------------------------------------------------------------ worked examples


def conv1d_worked_example() -> ConvExample:
    """The 1D worked example: a bump detector finds the bump in a short signal.

    A ``Conv1D`` layer with one filter of width 3 gets the weights
    ``[0, 1, 0]`` and bias 0, then reads ``[0, 0, 0, 1, 1, 0, 0, 0]``. At each of
    the 8 - 3 + 1 = 6 positions it takes the dot product of the filter with the
    three samples under it, which here just copies the middle sample::

        [0, 1, 0] . [0, 0, 0] = 0
        [0, 1, 0] . [0, 0, 1] = 0
        [0, 1, 0] . [0, 1, 1] = 1   ...

    so the feature map is exactly ``[0, 0, 1, 1, 0, 0]``. Keras wants the
    weights as ``(width, in_channels, filters) = (3, 1, 1)`` and the input as
    ``(batch, length, channels) = (1, 8, 1)``; the returned arrays are the plain
    1D versions: ``inputs`` (8,), ``kernel`` (3,), ``feature_map`` (6,).
    """
    bias = np.zeros(1, np.float32)
    model = _conv_model(
        BUMP_KERNEL.reshape(3, 1, 1),
        bias,
        (len(BUMP_SIGNAL), 1),
        layer_name="bump_detector",
        model_name="conv1d_worked_example",
        input_name="signal",
    )
    output = _predict(model, BUMP_SIGNAL.reshape(1, -1, 1))
    return ConvExample(BUMP_SIGNAL.copy(), BUMP_KERNEL.copy(), bias, output[0, :, 0], model)


def conv2d_worked_example() -> ConvExample:
    """The 2D worked example: a vertical-line detector on an 8x8 image.

    The image (:data:`VERTICAL_LINE_IMAGE`) is 0 except for columns 3 and 4,
    which are 1: a line two pixels wide from top to bottom. The filter
    (:data:`VERTICAL_LINE_KERNEL`) has ones in its middle column, so each output
    cell is the sum of the three pixels under that column. Whenever the middle
    column lies on the line (output columns 2 and 3) that sum is 1 + 1 + 1 = 3;
    everywhere else it is 0. The 6x6 feature map therefore has the same row six
    times: ``[0, 0, 3, 3, 0, 0]``.

    Keras weights are ``(rows, cols, in_channels, filters) = (3, 3, 1, 1)``;
    ``inputs`` is (8, 8), ``kernel`` (3, 3) and ``feature_map`` (6, 6).
    """
    return _apply_kernel(
        VERTICAL_LINE_IMAGE,
        VERTICAL_LINE_KERNEL,
        0.0,
        layer_name="vertical_line_detector",
        model_name="conv2d_worked_example",
    )


def _apply_kernel(image, kernel, bias, *, layer_name, model_name) -> ConvExample:
    image = np.array(image, np.float32)  # copies: the lesson's arrays stay untouched
    kernel = np.array(kernel, np.float32)
    bias = np.array([bias], np.float32)
    model, output = _run_2d(
        image[np.newaxis, :, :, np.newaxis],
        _single_filter(kernel),
        bias,
        layer_name=layer_name,
        model_name=model_name,
        input_name="image",
    )
    return ConvExample(image, kernel, bias, output[0, :, :, 0], model)


def apply_kernel(image, kernel, bias=0.0, *, name: str = "handcrafted_filter") -> ConvExample:
    """Run any handcrafted 2D kernel over a grayscale image with a real ``Conv2D`` layer.

    Parameters
    ----------
    image : array-like, shape (rows, cols)
        One single-channel image. Values are used as they are (no scaling).
    kernel : array-like, shape (k_rows, k_cols)
        The filter, written the way it reads on paper (top row first).
    bias : float
        Added to every output cell.
    name : str
        Name of the ``Conv2D`` layer in ``model.summary()``.

    Returns
    -------
    ConvExample
        ``feature_map`` has shape ``(rows - k_rows + 1, cols - k_cols + 1)``
        (valid padding, stride 1).
    """
    kernel = _as_kernel_2d(kernel)
    image = _as_numbers(image, "image")
    if image.ndim != 2:
        raise ValueError(
            "image must be a 2D grayscale array (rows, cols), got an array of shape "
            f"{image.shape}; for colour images use apply_kernel_to_rgb()"
        )
    _check_fits(*image.shape, *kernel.shape)
    return _apply_kernel(
        image, kernel, _as_bias(bias), layer_name=_check_name(name), model_name="handcrafted_conv2d"
    )


# ------------------------------------------------------------------ colour images


def to_grayscale(images) -> np.ndarray:
    """Colour image(s) to grayscale float32 with scikit-image's ``rgb2gray``.

    ``rgb2gray`` weighs the channels by how bright they look to people:
    ``0.2125 * red + 0.7154 * green + 0.0721 * blue``. Takes one image
    (rows, cols, 3) or a batch (n, rows, cols, 3), uint8 (0-255, scaled to 0-1
    first) or float (used as given), and drops the channel axis.
    """
    from skimage.color import rgb2gray

    return rgb2gray(_as_pixels(images)).astype(np.float32)


def apply_kernel_to_rgb(
    images, kernel, *, channels: str = "grayscale", name: str = "handcrafted_filter"
) -> ConvExample:
    """Run a handcrafted 2D kernel over colour image(s) with a real ``Conv2D`` layer.

    A 2D kernel has no notion of colour, so there is a choice to make:

    ``channels="grayscale"`` (the default)
        Convert to grayscale first (:func:`to_grayscale`) and use a Conv2D with
        one input channel and one filter. This is what the lesson's picture of
        the filtered cat shows: one feature map per image, ``(rows - 2, cols - 2)``
        for a 3x3 kernel. Because both steps are linear, it equals a single
        filter on the RGB image whose three slices are the kernel times 0.2125,
        0.7154 and 0.0721.
    ``channels="per_channel"``
        Filter red, green and blue separately: a Conv2D with three filters whose
        weights ``(k_rows, k_cols, 3, 3)`` hold the kernel at
        ``[:, :, c, c]`` and zeros elsewhere, so filter c sees only channel c.
        The output keeps three channels, ``(rows - 2, cols - 2, 3)``: the same
        as ``keras.layers.DepthwiseConv2D``, spelled out with an ordinary Conv2D.

    ``images`` is one image (rows, cols, 3) or a batch (n, rows, cols, 3),
    uint8 (scaled to 0-1) or float (used as given). The result's ``inputs``
    are the arrays the layer saw: the grayscale images, or the float32 colour
    images.
    """
    kernel = _as_kernel_2d(kernel)
    channels = _check_channels(channels)
    name = _check_name(name)
    pixels = _as_pixels(images)
    single = pixels.ndim == 3
    batch = pixels[np.newaxis] if single else pixels
    _check_fits(*batch.shape[1:3], *kernel.shape)
    return _filter_rgb_batch(
        batch, single, kernel, channels, layer_name=name, model_name="handcrafted_conv2d"
    )


def _filter_rgb_batch(batch, single, kernel, channels, *, layer_name, model_name):
    from skimage.color import rgb2gray

    kernel = np.array(kernel, np.float32)
    if channels == "grayscale":
        layer_inputs = rgb2gray(batch).astype(np.float32)[..., np.newaxis]
        weights = _single_filter(kernel)
        shown_kernel = kernel
    else:
        layer_inputs = batch
        weights = np.zeros(kernel.shape + (3, 3), np.float32)
        for channel in range(3):
            weights[:, :, channel, channel] = kernel
        shown_kernel = weights
    bias = np.zeros(weights.shape[-1], np.float32)
    model, output = _run_2d(
        layer_inputs,
        weights,
        bias,
        layer_name=layer_name,
        model_name=model_name,
        input_name="gray_images" if channels == "grayscale" else "rgb_images",
    )
    if channels == "grayscale":
        layer_inputs, output = layer_inputs[..., 0], output[..., 0]
    if single:
        layer_inputs, output = layer_inputs[0], output[0]
    return ConvExample(layer_inputs, shown_kernel, bias, output, model)


def chelsea_image(grayscale: bool = True) -> np.ndarray:
    """Return "Chelsea the cat", the cat photograph in scikit-image's sample data.

    The photo ships inside the scikit-image package (``skimage.data.chelsea()``),
    so no download is needed. It is 300 x 451 pixels. Returns float32 values in
    [0, 1]: shape (300, 451) when ``grayscale`` (converted with
    :func:`to_grayscale`), else (300, 451, 3).
    """
    if not isinstance(grayscale, bool):
        raise ValueError(f"grayscale must be True or False, got {grayscale!r}")
    from skimage import data

    pixels = data.chelsea()
    return to_grayscale(pixels) if grayscale else _as_pixels(pixels)


def cat_horizontal_edges(channels: str = "grayscale") -> ConvExample:
    """The lesson's horizontal-edge kernel on a real photograph of a cat.

    Runs :data:`HORIZONTAL_EDGE_KERNEL` over "Chelsea the cat" from
    scikit-image's sample data (:func:`chelsea_image`) with a real ``Conv2D``
    layer. Large positive values mark places where the picture turns from dark
    (above) to bright (below), large negative values bright-above-dark, and
    values near zero flat areas or vertical edges. ``channels`` is as in
    :func:`apply_kernel_to_rgb`: the default filters the grayscale photo,
    giving a (298, 449) feature map; ``"per_channel"`` gives (298, 449, 3).
    """
    from skimage import data

    channels = _check_channels(channels)
    batch = _as_pixels(data.chelsea())[np.newaxis]
    return _filter_rgb_batch(
        batch,
        True,
        HORIZONTAL_EDGE_KERNEL,
        channels,
        layer_name="horizontal_edge_detector",
        model_name="cat_horizontal_edges",
    )


def cifar_horizontal_edges(images, channels: str = "grayscale") -> ConvExample:
    """The lesson's horizontal-edge kernel on CIFAR-10 images.

    ``images`` is one image (32, 32, 3) or a batch (n, 32, 32, 3), for example
    ``load_cifar10(n_train=100).x_train[:8]``; this function does not load any
    data itself. Any size of at least 3x3 is accepted. Float pixels (as
    :func:`cifar_cnn.data.load_cifar10` returns them, 0-1) are used as they are,
    uint8 pixels are scaled to 0-1. With the default ``channels="grayscale"``
    each 32x32 image gives one 30x30 feature map; with ``"per_channel"`` each
    gives a 30x30x3 map, one per colour (see :func:`apply_kernel_to_rgb`).
    """
    channels = _check_channels(channels)
    pixels = _as_pixels(images)
    single = pixels.ndim == 3
    batch = pixels[np.newaxis] if single else pixels
    _check_fits(*batch.shape[1:3], *HORIZONTAL_EDGE_KERNEL.shape)
    return _filter_rgb_batch(
        batch,
        single,
        HORIZONTAL_EDGE_KERNEL,
        channels,
        layer_name="horizontal_edge_detector",
        model_name="cifar_horizontal_edges",
    )


# ------------------------------------------------------------------ filters and channels


def multiple_filters_example() -> ConvExample:
    """Two filters in one layer: one output channel per filter.

    A ``Conv2D`` layer with two 3x3 filters, the vertical-line detector and
    the horizontal-line detector, reads :data:`PLUS_IMAGE`, a 7x7 plus sign
    (column 3 and row 3 are 1). The weights have shape
    ``(rows, cols, in_channels, filters) = (3, 3, 1, 2)`` (20 parameters with
    the two biases) and the output ``(5, 5, 2)``: one 5x5 map per filter::

        vertical filter       horizontal filter
        0 0 3 0 0             0 1 1 1 0
        1 1 3 1 1             0 1 1 1 0
        1 1 3 1 1             3 3 3 3 3
        1 1 3 1 1             0 1 1 1 0
        0 0 3 0 0             0 1 1 1 0

    Each filter scores 3 where its line of ones lies on the stroke it is
    looking for, and 1 where it only crosses the other stroke. The two maps are
    each other's transpose, like the two filters.

    ``inputs`` is (7, 7), ``kernel`` the Keras weights (3, 3, 1, 2),
    ``feature_map`` (5, 5, 2).
    """
    weights = np.stack([VERTICAL_LINE_KERNEL, HORIZONTAL_LINE_KERNEL], axis=-1)[:, :, np.newaxis, :]
    bias = np.zeros(2, np.float32)
    model, output = _run_2d(
        PLUS_IMAGE[np.newaxis, :, :, np.newaxis],
        weights,
        bias,
        layer_name="line_detectors",
        model_name="multiple_filters_example",
        input_name="image",
    )
    return ConvExample(PLUS_IMAGE.copy(), weights, bias, output[0], model)


def multiple_channels_example() -> ConvExample:
    """A colour input: every filter has one 3x3 slice per input channel.

    The input is :data:`CROSS_RGB_IMAGE`, 5x5x3: a red vertical stroke in
    column 2 and a green horizontal stroke in row 2 (blue is empty). A
    ``Conv2D`` layer with two filters has weights of shape
    ``(rows, cols, in_channels, filters) = (3, 3, 3, 2)``, i.e. each filter is
    3x3x3, and 3 * 3 * 3 * 2 + 2 = 56 parameters:

    * filter 0: the vertical-line detector on the red slice, zeros on green
      and blue;
    * filter 1: the vertical-line detector on red *and* the horizontal-line
      detector on green, zeros on blue.

    A filter multiplies each slice with its own channel and adds the three
    results (plus its bias) into a single number, so the output has one
    channel per filter, ``(3, 3, 2)``::

        filter 0        filter 1
        0 3 0           0 3 0
        0 3 0           3 6 3
        0 3 0           0 3 0

    Filter 1's centre gets 3 from the red stroke plus 3 from the green one.
    ``inputs`` is (5, 5, 3), ``kernel`` the Keras weights (3, 3, 3, 2),
    ``feature_map`` (3, 3, 2).
    """
    weights = np.zeros((3, 3, 3, 2), np.float32)
    weights[:, :, 0, 0] = VERTICAL_LINE_KERNEL
    weights[:, :, 0, 1] = VERTICAL_LINE_KERNEL
    weights[:, :, 1, 1] = HORIZONTAL_LINE_KERNEL
    bias = np.zeros(2, np.float32)
    model, output = _run_2d(
        CROSS_RGB_IMAGE[np.newaxis],
        weights,
        bias,
        layer_name="colour_filters",
        model_name="multiple_channels_example",
        input_name="rgb_image",
    )
    return ConvExample(CROSS_RGB_IMAGE.copy(), weights, bias, output[0], model)


# ------------------------------------------------------------------ the same in NumPy


def convolve_cell(image, kernel, row: int, col: int) -> CellComputation:
    """Work out one output cell of a valid cross-correlation, step by step.

    Puts the kernel's top-left corner on ``image[row, col]``, multiplies the
    window under it by the kernel element by element and adds the products up,
    exactly what a ``Conv2D`` layer (zero bias) computes for ``output[row, col]``.

    ``image`` is (rows, cols) with a (k_rows, k_cols) ``kernel``, or
    (rows, cols, channels) with a (k_rows, k_cols, channels) kernel (one filter
    with a slice per channel, summed over the channels too). ``row`` may be
    0 to rows - k_rows and ``col`` 0 to cols - k_cols. Arithmetic is in float64.

    Example
    -------
    >>> cell = convolve_cell(VERTICAL_LINE_IMAGE, VERTICAL_LINE_KERNEL, 0, 2)
    >>> cell.value
    3.0
    >>> print(cell.explain())  # doctest: +SKIP
    """
    image = _as_numbers(image, "image")
    kernel = _as_numbers(kernel, "kernel")
    if kernel.ndim not in (2, 3):
        raise ValueError(
            "kernel must be 2D (rows, cols), or 3D (rows, cols, channels) for an image "
            f"with channels; got an array of shape {kernel.shape}"
        )
    if image.ndim != kernel.ndim:
        raise ValueError(
            f"a {kernel.ndim}D kernel needs a {kernel.ndim}D image "
            f"({'rows, cols' if kernel.ndim == 2 else 'rows, cols, channels'}), "
            f"got an image of shape {image.shape}"
        )
    if kernel.ndim == 3 and image.shape[2] != kernel.shape[2]:
        raise ValueError(
            f"the kernel has {kernel.shape[2]} channel slices but the image has "
            f"{image.shape[2]} channels; they must be equal"
        )
    _check_fits(*image.shape[:2], *kernel.shape[:2])
    row = _check_position("row", row, image.shape[0], kernel.shape[0])
    col = _check_position("col", col, image.shape[1], kernel.shape[1])
    window = image[row : row + kernel.shape[0], col : col + kernel.shape[1]].astype(np.float64)
    kernel = kernel.astype(np.float64)
    products = window * kernel
    return CellComputation(row, col, window, kernel, products, float(products.sum()))


def convolve1d_valid(signal, kernel) -> np.ndarray:
    """Slide a 1D kernel along a 1D signal (valid, stride 1, no flip), in float64.

    Output ``i`` is ``sum(signal[i:i + k] * kernel)``, so the result has
    ``len(signal) - len(kernel) + 1`` values: what a one-filter ``Conv1D``
    layer with zero bias computes.
    """
    signal = _as_numbers(signal, "signal")
    kernel = _as_numbers(kernel, "kernel")
    if kernel.ndim != 1:
        raise ValueError(f"kernel must be a 1D array, got an array of shape {kernel.shape}")
    if signal.ndim != 1:
        raise ValueError(f"signal must be a 1D array, got an array of shape {signal.shape}")
    if len(signal) < len(kernel):
        raise ValueError(
            f"the signal ({len(signal)} values) is shorter than the kernel "
            f"({len(kernel)} values): the kernel must fit inside the signal at least once"
        )
    windows = sliding_window_view(signal.astype(np.float64), len(kernel))
    return windows @ kernel.astype(np.float64)


def convolve2d_valid(image, kernel) -> np.ndarray:
    """A whole feature map in NumPy: the same numbers a ``Conv2D`` layer produces.

    This is a cross-correlation, as in Keras: the kernel is *not* flipped. It
    uses no padding and stride 1, so the output is
    ``(rows - k_rows + 1, cols - k_cols + 1)``, and every cell equals
    ``convolve_cell(image, kernel, row, col).value``. Arithmetic is in float64.

    Accepted shapes:

    * image (rows, cols), kernel (k_rows, k_cols): one filter, one channel;
      output (out_rows, out_cols).
    * image (rows, cols, channels), kernel (k_rows, k_cols, channels): one
      filter with a slice per channel, summed over channels; output 2D.
    * image (rows, cols, channels), kernel (k_rows, k_cols, channels, filters):
      Keras's own weight layout; output (out_rows, out_cols, filters).

    A 2D image is treated as having one channel when the kernel has a channel
    axis (of size 1).
    """
    image = _as_numbers(image, "image")
    kernel = _as_numbers(kernel, "kernel")
    if kernel.ndim not in (2, 3, 4):
        raise ValueError(
            "kernel must be 2D (rows, cols), 3D (rows, cols, channels) or 4D "
            f"(rows, cols, channels, filters); got an array of shape {kernel.shape}"
        )
    if image.ndim not in (2, 3):
        raise ValueError(
            "image must be 2D (rows, cols) or 3D (rows, cols, channels); "
            f"got an array of shape {image.shape}"
        )
    if kernel.ndim == 2 and image.ndim != 2:
        raise ValueError(
            f"a 2D kernel needs a 2D single-channel image, got an image of shape "
            f"{image.shape}; for an image with channels give the kernel one slice per "
            "channel: (rows, cols, channels) or (rows, cols, channels, filters)"
        )
    if kernel.ndim > 2 and image.ndim == 2:
        image = image[:, :, np.newaxis]
    if kernel.ndim > 2 and image.shape[2] != kernel.shape[2]:
        raise ValueError(
            f"the kernel has {kernel.shape[2]} channel slices but the image has "
            f"{image.shape[2]} channels; they must be equal"
        )
    _check_fits(*image.shape[:2], *kernel.shape[:2])
    windows = sliding_window_view(
        image.astype(np.float64), kernel.shape[:2], axis=(0, 1)
    )  # (out_rows, out_cols, [channels,] k_rows, k_cols)
    kernel = kernel.astype(np.float64)
    if kernel.ndim == 2:
        return np.einsum("ijab,ab->ij", windows, kernel)
    if kernel.ndim == 3:
        return np.einsum("ijcab,abc->ij", windows, kernel)
    return np.einsum("ijcab,abck->ijk", windows, kernel)

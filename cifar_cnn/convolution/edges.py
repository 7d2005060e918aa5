"""Handcrafted kernels on pictures: any kernel on a grayscale or colour image, and the
lesson's horizontal-edge kernel on a photograph of a cat and on CIFAR-10 images."""

from __future__ import annotations

import numpy as np

from .conv_arguments import as_bias, as_kernel_2d, as_numbers, as_pixels, require_channels, require_kernel_fits, require_name
from .keras_layer import ConvExample, run_2d, run_single_filter, single_filter
from .kernels import HORIZONTAL_EDGE_KERNEL

__all__ = [
    "apply_kernel",
    "apply_kernel_to_rgb",
    "to_grayscale",
    "chelsea_image",
    "cat_horizontal_edges",
    "cifar_horizontal_edges",
]


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
    kernel = as_kernel_2d(kernel)
    image = as_numbers(image, "image")
    if image.ndim != 2:
        raise ValueError(
            "image must be a 2D grayscale array (rows, cols), got an array of shape "
            f"{image.shape}; for colour images use apply_kernel_to_rgb()"
        )
    require_kernel_fits(*image.shape, *kernel.shape)
    return run_single_filter(
        image, kernel, as_bias(bias), layer_name=require_name(name), model_name="handcrafted_conv2d"
    )


def to_grayscale(images) -> np.ndarray:
    """Colour image(s) to grayscale float32 with scikit-image's ``rgb2gray``.

    ``rgb2gray`` weighs the channels by how bright they look to people:
    ``0.2125 * red + 0.7154 * green + 0.0721 * blue``. Takes one image
    (rows, cols, 3) or a batch (n, rows, cols, 3), uint8 (0-255, scaled to 0-1
    first) or float in [0, 1], and drops the channel axis.
    """
    from skimage.color import rgb2gray

    return rgb2gray(as_pixels(images)).astype(np.float32)


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
    uint8 (scaled to 0-1) or float in [0, 1]. The result's ``inputs``
    are the arrays the layer saw: the grayscale images, or the float32 colour
    images.
    """
    kernel = as_kernel_2d(kernel)
    channels = require_channels(channels)
    name = require_name(name)
    pixels = as_pixels(images)
    single = pixels.ndim == 3
    batch = pixels[np.newaxis] if single else pixels
    require_kernel_fits(*batch.shape[1:3], *kernel.shape)
    return _filter_rgb_batch(
        batch, single, kernel, channels, layer_name=name, model_name="handcrafted_conv2d"
    )


def _filter_rgb_batch(batch, single, kernel, channels, *, layer_name, model_name):
    from skimage.color import rgb2gray

    kernel = np.array(kernel, np.float32)
    if channels == "grayscale":
        layer_inputs = rgb2gray(batch).astype(np.float32)[..., np.newaxis]
        weights = single_filter(kernel)
        shown_kernel = kernel
    else:
        layer_inputs = batch
        weights = np.zeros(kernel.shape + (3, 3), np.float32)
        for channel in range(3):
            weights[:, :, channel, channel] = kernel
        shown_kernel = weights
    bias = np.zeros(weights.shape[-1], np.float32)
    model, output = run_2d(
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
    return to_grayscale(pixels) if grayscale else as_pixels(pixels)


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

    channels = require_channels(channels)
    batch = as_pixels(data.chelsea())[np.newaxis]
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
    channels = require_channels(channels)
    pixels = as_pixels(images)
    single = pixels.ndim == 3
    batch = pixels[np.newaxis] if single else pixels
    require_kernel_fits(*batch.shape[1:3], *HORIZONTAL_EDGE_KERNEL.shape)
    return _filter_rgb_batch(
        batch,
        single,
        HORIZONTAL_EDGE_KERNEL,
        channels,
        layer_name="horizontal_edge_detector",
        model_name="cifar_horizontal_edges",
    )

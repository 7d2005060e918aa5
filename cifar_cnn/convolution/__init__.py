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

The code is split by job: :mod:`.kernels` (the lesson's fixed arrays),
:mod:`.worked_examples`, :mod:`.edges` (kernels on pictures), :mod:`.numpy_reference`,
:mod:`.keras_layer` (building and running the handcrafted layer) and :mod:`.inputs`
(argument checks); every public name is importable from ``cifar_cnn.convolution``.

Every Keras example returns a :class:`ConvExample`: the input, the handcrafted
kernel and bias, the feature map, and the small functional-API model with its
weights set, so a notebook can print each piece or call
``example.model.summary()``. All layers are named explicitly and forced to
``float32``, so summaries and results are the same in every session.
Importing this module imports Keras but builds nothing.
"""

from __future__ import annotations

from .edges import (
    apply_kernel,
    apply_kernel_to_rgb,
    cat_horizontal_edges,
    chelsea_image,
    cifar_horizontal_edges,
    to_grayscale,
)
from .conv_arguments import CHANNEL_MODES
from .keras_layer import ConvExample
from .kernels import (
    BUMP_KERNEL,
    BUMP_SIGNAL,
    CROSS_RGB_IMAGE,
    HORIZONTAL_EDGE_KERNEL,
    HORIZONTAL_LINE_KERNEL,
    PLUS_IMAGE,
    VERTICAL_LINE_IMAGE,
    VERTICAL_LINE_KERNEL,
)
from .numpy_reference import CellComputation, convolve1d_valid, convolve2d_valid, convolve_cell
from .worked_examples import (
    conv1d_worked_example,
    conv2d_worked_example,
    multiple_channels_example,
    multiple_filters_example,
)

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

"""The same arithmetic as the Keras layers, in plain NumPy (float64).

:func:`convolve_cell` works out one output cell with the window and the elementwise
products to print; :func:`convolve1d_valid` and :func:`convolve2d_valid` compute a whole
feature map. Like Keras they compute the cross-correlation (the kernel is not flipped),
with no padding and stride 1, so their results agree with the layers cell for cell.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv_arguments import as_numbers, require_kernel_fits, require_position

__all__ = ["CellComputation", "convolve_cell", "convolve1d_valid", "convolve2d_valid"]


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
    image = as_numbers(image, "image")
    kernel = as_numbers(kernel, "kernel")
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
    require_kernel_fits(*image.shape[:2], *kernel.shape[:2])
    row = require_position("row", row, image.shape[0], kernel.shape[0])
    col = require_position("col", col, image.shape[1], kernel.shape[1])
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
    signal = as_numbers(signal, "signal")
    kernel = as_numbers(kernel, "kernel")
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
    image = as_numbers(image, "image")
    kernel = as_numbers(kernel, "kernel")
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
    require_kernel_fits(*image.shape[:2], *kernel.shape[:2])
    windows = sliding_window_view(
        image.astype(np.float64), kernel.shape[:2], axis=(0, 1)
    )  # (out_rows, out_cols, [channels,] k_rows, k_cols)
    kernel = kernel.astype(np.float64)
    if kernel.ndim == 2:
        return np.einsum("ijab,ab->ij", windows, kernel)
    if kernel.ndim == 3:
        return np.einsum("ijcab,abc->ij", windows, kernel)
    return np.einsum("ijcab,abck->ijk", windows, kernel)

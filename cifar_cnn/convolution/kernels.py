"""The lesson's fixed inputs and handcrafted kernels, as read-only float32 arrays."""

from __future__ import annotations

import numpy as np

__all__ = [
    "BUMP_SIGNAL",
    "BUMP_KERNEL",
    "VERTICAL_LINE_IMAGE",
    "VERTICAL_LINE_KERNEL",
    "HORIZONTAL_LINE_KERNEL",
    "HORIZONTAL_EDGE_KERNEL",
    "PLUS_IMAGE",
    "CROSS_RGB_IMAGE",
]


def frozen(values) -> np.ndarray:
    """A read-only float32 array, so a notebook cannot change the lesson's data by accident."""
    array = np.array(values, dtype=np.float32)
    array.setflags(write=False)
    return array


#: The 1D worked example's input: eight samples, a two-sample bump in the middle.
BUMP_SIGNAL = frozen([0, 0, 0, 1, 1, 0, 0, 0])

#: A 3-wide filter that passes on the middle sample only: a "bump" detector.
BUMP_KERNEL = frozen([0, 1, 0])

#: The 2D worked example's input: 8x8, a vertical line two pixels wide in columns 3 and 4.
VERTICAL_LINE_IMAGE = frozen([[0, 0, 0, 1, 1, 0, 0, 0]] * 8)

#: 3x3 vertical-line detector: ones in the middle column, zeros elsewhere.
VERTICAL_LINE_KERNEL = frozen([[0, 1, 0], [0, 1, 0], [0, 1, 0]])

#: 3x3 horizontal-line detector: ones in the middle row, zeros elsewhere.
HORIZONTAL_LINE_KERNEL = frozen([[0, 0, 0], [1, 1, 1], [0, 0, 0]])

#: The lesson's horizontal-edge kernel. Read top to bottom it subtracts the row
#: above from the row below, so an edge that goes from dark (above) to bright
#: (below) gives a positive response and bright-above-dark a negative one.
HORIZONTAL_EDGE_KERNEL = frozen([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])

#: 7x7 image of a plus sign: a vertical stroke in column 3 crossing a horizontal
#: stroke in row 3 (used by :func:`multiple_filters_example`).
PLUS_IMAGE = frozen([[1 if r == 3 or c == 3 else 0 for c in range(7)] for r in range(7)])

#: 5x5 colour image, channels last: a red vertical stroke in column 2, a green
#: horizontal stroke in row 2 (yellow where they cross), blue all zero
#: (used by :func:`multiple_channels_example`).
CROSS_RGB_IMAGE = frozen(
    [[[float(c == 2), float(r == 2), 0.0] for c in range(5)] for r in range(5)]
)

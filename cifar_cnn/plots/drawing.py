"""Drawing helpers shared by the plots: colours, image panels, grids of axes."""

from __future__ import annotations

__all__ = ["WRONG", "RIGHT", "show", "grid_shape", "add_grid_axes", "text_colour"]

WRONG = "#c62828"  # title and frame colour of a wrong prediction, the convolution highlight
RIGHT = "#1b5e20"  # title colour of a right prediction


def show(ax, image, **kwargs):
    """imshow an RGB or greyscale image in [0, 1] without ticks."""
    if image.ndim == 2:
        kwargs = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0, **kwargs}
    ax.imshow(image, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def grid_shape(n, ncols):
    """(rows, columns) of a grid of n panels, at most ncols per row."""
    ncols = min(ncols, n)
    return -(-n // ncols), ncols


def add_grid_axes(fig, n, ncols):
    """n axes in rows of ncols (the last row may be shorter)."""
    nrows, ncols = grid_shape(n, ncols)
    grid = fig.add_gridspec(nrows, ncols)
    return [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]


def text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"

"""Helpers shared by the plot test files: look inside a drawn figure."""

from matplotlib.figure import Figure
import numpy as np


def shown(ax):
    """The array an axes displays (its first image)."""
    return np.asarray(ax.get_images()[0].get_array())


def render(fig):
    """Draw the figure off-screen, as savefig would: layout problems raise here."""
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    return fig

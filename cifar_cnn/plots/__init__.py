"""Figures for the lesson. Every function returns a matplotlib ``Figure``.

The figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``: no
global state, no ``plt.show()``, and they work on machines without a display. In a
notebook, a returned figure is drawn inline; elsewhere call ``fig.savefig(path)``.

One module per subject: :mod:`.images` (the data, predictions, augmentation),
:mod:`.training` (learning curves, gradient flow), :mod:`.convolution` (convolution by
hand, feature maps, filters) and :mod:`.evaluation` (the confusion matrix), with the
shared input checks in :mod:`.inputs` and drawing helpers in :mod:`.drawing`.
Importing this package imports no Keras; the plots that need it import it when called.
"""

from __future__ import annotations

import contextlib
import sys

from .conv_figures import plot_convolution, plot_feature_map_pairs, plot_feature_maps, plot_filters
from .confusion import plot_confusion_matrix
from .gallery import plot_augmentation, plot_images, plot_predictions
from .history import plot_gradient_flow, plot_history


def _display_figures_inline():
    """In Jupyter, show the Figures these functions return as pictures.

    pyplot would register the notebook's PNG display hook on first use; these functions
    do not use pyplot, so the hook is registered here. Importing the inline backend
    module does that only when it is the active backend, as it is by default in Jupyter.
    """
    if "IPython" not in sys.modules:  # a plain script: nothing to register
        return
    from IPython import get_ipython

    if get_ipython() is not None:
        with contextlib.suppress(ImportError):
            import matplotlib_inline.backend_inline  # noqa: F401


_display_figures_inline()

__all__ = [
    "plot_history",
    "plot_images",
    "plot_convolution",
    "plot_feature_map_pairs",
    "plot_feature_maps",
    "plot_filters",
    "plot_confusion_matrix",
    "plot_predictions",
    "plot_augmentation",
    "plot_gradient_flow",
]

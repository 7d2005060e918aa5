"""The confusion-matrix figure; the counting itself is :mod:`cifar_cnn.evaluation`."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import CLASS_NAMES
from ..evaluation import confusion_matrix
from .drawing import text_colour
from .plot_arguments import require_class_names

__all__ = ["plot_confusion_matrix"]


def plot_confusion_matrix(y_true, y_pred, class_names=CLASS_NAMES, title=None) -> Figure:
    """The confusion matrix as a table of counts, with per-class and overall accuracy.

    Rows are the true classes, columns the predicted ones; each cell holds a count and
    is coloured by the fraction of its row (its true class). The column on the right is
    each class's accuracy (diagonal / row total); the title gives the overall accuracy.

    Parameters
    ----------
    y_true : array
        True class numbers, or one-hot rows.
    y_pred : array
        Predicted class numbers, or the probability matrix from ``model.predict``.
    class_names : sequence of str
        One name per class.
    title : str, optional
        Replaces the first line of the title (the accuracy line stays).
    """
    class_names = require_class_names(class_names)
    k = len(class_names)
    counts = confusion_matrix(y_true, y_pred, num_classes=k)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = np.where(totals[:, None] > 0, counts / np.maximum(totals, 1)[:, None], 0.0)
        per_class = np.where(totals > 0, np.diag(counts) / np.maximum(totals, 1), np.nan)
    correct, total = int(np.trace(counts)), int(counts.sum())

    size = 0.62 * k + 2.8
    fig = Figure(figsize=(size + 1.6, size), layout="constrained")
    ax, acc_ax = fig.subplots(1, 2, width_ratios=[k, 1.3])
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    fontsize = 10 if k <= 10 else 8
    for (i, j), count in np.ndenumerate(counts):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=fontsize,
                color=text_colour(image.cmap(image.norm(fractions[i, j]))),
                fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")

    acc_image = acc_ax.imshow(np.nan_to_num(per_class)[:, None], cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, acc in enumerate(per_class):
        acc_ax.text(0, i, "–" if np.isnan(acc) else f"{acc:.0%}", ha="center", va="center",
                    fontsize=fontsize, color=text_colour(acc_image.cmap(acc_image.norm(np.nan_to_num(acc)))))
    acc_ax.set_xticks([0], ["per-class\naccuracy"])
    acc_ax.xaxis.tick_top()
    acc_ax.set_yticks([])
    acc_ax.tick_params(length=0)
    colorbar = fig.colorbar(image, ax=[ax, acc_ax], shrink=0.7, pad=0.02)
    colorbar.set_label("fraction of the true class's images")
    heading = title or "Confusion matrix"
    fig.suptitle(f"{heading}\noverall accuracy {correct / total:.1%} ({correct} of {total} images)")
    return fig

"""Figures for the lesson. Every function returns a matplotlib ``Figure``.

The figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``: no
global state, no ``plt.show()``, and they work on machines without a display. In a
notebook, a returned figure is drawn inline; elsewhere call ``fig.savefig(path)``.
"""

from __future__ import annotations

from matplotlib.figure import Figure

__all__ = ["plot_history"]


def _history_dict(history):
    """Accept a Keras ``History`` (from ``fit``) or its ``.history`` dict."""
    values = getattr(history, "history", history)
    if not isinstance(values, dict) or not values:
        raise ValueError(
            "plot_history expects the History returned by model.fit (or its .history dict); "
            f"got {type(history).__name__}"
        )
    return values


def plot_history(history, metrics=("loss", "accuracy"), title=None) -> Figure:
    """Training and validation curves, one panel per metric, against the epoch.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict
        (``{"loss": [...], "val_loss": [...], ...}``).
    metrics : sequence of str
        Metrics to draw; those missing from the history are skipped.
    title : str, optional
        Figure title.
    """
    values = _history_dict(history)
    present = [m for m in metrics if m in values]
    if not present:
        raise ValueError(
            f"none of {list(metrics)} is in the history; it has {sorted(values)}"
        )
    fig = Figure(figsize=(5 * len(present), 4), layout="constrained")
    axes = fig.subplots(1, len(present), squeeze=False)[0]
    for ax, metric in zip(axes, present):
        epochs = range(1, len(values[metric]) + 1)
        ax.plot(epochs, values[metric], marker="o", label="training")
        if f"val_{metric}" in values:
            ax.plot(epochs, values[f"val_{metric}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric.replace("_", " ").capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig

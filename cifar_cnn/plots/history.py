"""Figures of training: the learning curves and the vanishing-gradient picture."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_history", "plot_gradient_flow"]


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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 2.5"
        ax.set_ylabel(metric)
        ax.set_title(metric.replace("_", " ").capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def _require_gradient_results(results):
    if isinstance(results, dict):
        results = [results]
    if not isinstance(results, (list, tuple)) or not results:
        raise ValueError(
            "plot_gradient_flow expects what gradient_flow() returns: a list of dicts with "
            f"'depth', 'residual' and 'norms'; got {type(results).__name__}"
        )
    checked = []
    for index, result in enumerate(results):
        if not isinstance(result, dict) or not {"depth", "residual", "norms"} <= set(result):
            raise ValueError(
                f"result {index} must be a dict with keys 'depth', 'residual' and 'norms' "
                f"(as gradient_flow() returns); got {result!r:.80}"
            )
        norms = np.asarray(result["norms"], dtype=np.float64)
        if norms.ndim != 1 or norms.size == 0:
            raise ValueError(f"result {index}: 'norms' must be a list of numbers, one per conv layer")
        if not np.all(np.isfinite(norms)) or norms.min() < 0:
            raise ValueError(f"result {index}: gradient norms must be finite and >= 0, got {norms}")
        checked.append((int(result["depth"]), bool(result["residual"]), norms, result.get("label")))
    return checked


def plot_gradient_flow(results, title=None) -> Figure:
    """The vanishing-gradient picture: gradient size per layer, plain vs residual.

    One line per model: x is the convolutional layer (1 = next to the input), y the L2
    norm of the loss gradient with respect to its kernel, on a log scale. Each depth
    has its own colour; plain stacks are solid lines with circles, residual stacks
    dashed lines with squares. Points where the norm is exactly 0 cannot be drawn on
    the log scale and are left out.

    Parameters
    ----------
    results : list of dict
        What :func:`cifar_cnn.gradients.gradient_flow` returns: dicts with ``depth``,
        ``residual`` (bool) and ``norms`` (one per conv layer), optionally ``label``.
    title : str, optional
        Figure title.
    """
    checked = _require_gradient_results(results)
    depths = sorted({depth for depth, *_ in checked})
    colours = {depth: f"C{i % 10}" for i, depth in enumerate(depths)}
    fig = Figure(figsize=(8.5, 5), layout="constrained")
    ax = fig.subplots()
    for depth, residual, norms, label in checked:
        ax.plot(
            np.arange(1, len(norms) + 1),
            np.where(norms > 0, norms, np.nan),
            color=colours[depth],
            linestyle="--" if residual else "-",
            marker="s" if residual else "o",
            markersize=4,
            linewidth=2,
            label=label or f"depth {depth}, {'residual' if residual else 'plain'}",
        )
    ax.set_yscale("log")
    longest = max(len(norms) for *_, norms, _ in checked)
    if longest <= 20:
        ax.set_xticks(range(1, longest + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("convolutional layer (1 = next to the input)")
    ax.set_ylabel("gradient norm ‖∂loss/∂kernel‖ (log scale)")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=9, ncols=2 if len(checked) > 4 else 1)
    ax.set_title(title or "Gradient flow at initialisation: plain (solid) vs residual (dashed)")
    return fig

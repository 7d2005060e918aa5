"""The training-curve figure the CLI saves (the saving tests are in test_sharing.py)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from cifar_cnn.plots import plot_history


def test_plot_history_draws_one_panel_per_metric():
    history = {"loss": [2.0, 1.5, 1.2], "val_loss": [2.1, 1.7, 1.6],
               "accuracy": [0.3, 0.45, 0.55], "val_accuracy": [0.28, 0.4, 0.47]}
    fig = plot_history(history, title="intro")
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    for ax, metric in zip(axes, ["loss", "accuracy"]):
        lines = ax.get_lines()
        assert [l.get_label() for l in lines] == ["training", "validation"]
        np.testing.assert_allclose(lines[1].get_ydata(), history[f"val_{metric}"])
        np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_refuses_what_is_not_a_history():
    with pytest.raises(ValueError, match="expects the History returned by model.fit"):
        plot_history([1, 2, 3])
    with pytest.raises(ValueError, match="none of"):
        plot_history({"mae": [1.0]})

"""Figures of training (cifar_cnn.plots.history): learning curves and gradient flow."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from cifar_cnn.plots import plot_gradient_flow, plot_history
from plot_helpers import render


# ---------------------------------------------------------------- gradient flow


def test_plot_gradient_flow_draws_plain_solid_and_residual_dashed():
    results = [
        {"depth": depth, "residual": residual, "norms": np.geomspace(1e-4, 1, depth) * (100 if residual else 1)}
        for depth in (5, 10) for residual in (False, True)
    ]
    fig = render(plot_gradient_flow(results))
    (ax,) = fig.get_axes()
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "depth 5, plain", "depth 5, residual", "depth 10, plain", "depth 10, residual"]
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-", "--"]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    np.testing.assert_array_equal(lines[3].get_xdata(), np.arange(1, 11))
    np.testing.assert_allclose(lines[3].get_ydata(), results[3]["norms"])
    assert ax.get_yscale() == "log"
    assert "layer" in ax.get_xlabel() and "norm" in ax.get_ylabel()


def test_plot_gradient_flow_explains_bad_inputs():
    with pytest.raises(ValueError, match="what gradient_flow\\(\\) returns"):
        plot_gradient_flow([])
    with pytest.raises(ValueError, match="keys 'depth', 'residual' and 'norms'"):
        plot_gradient_flow([{"depth": 5, "norms": [1.0]}])
    with pytest.raises(ValueError, match="finite and >= 0"):
        plot_gradient_flow({"depth": 2, "residual": False, "norms": [1.0, np.nan]})


# ---------------------------------------------------------------- history


def test_plot_history_is_unchanged():
    fig = plot_history({"loss": [1.0, 0.5]})
    assert [ax.get_ylabel() for ax in fig.get_axes()] == ["loss"]


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

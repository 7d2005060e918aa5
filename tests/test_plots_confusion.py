"""The confusion-matrix figure (cifar_cnn.plots.confusion)."""

import numpy as np
import pytest

from cifar_cnn.data import CLASS_NAMES
from cifar_cnn.evaluation import confusion_matrix
from cifar_cnn.plots import plot_confusion_matrix
from plot_helpers import render


def test_plot_confusion_matrix_writes_counts_and_accuracies(outcomes):
    y_true, y_pred = outcomes
    fig = render(plot_confusion_matrix(y_true, y_pred))
    ax, accuracy_ax = fig.get_axes()[:2]
    counts = confusion_matrix(y_true, y_pred)
    assert [int(t.get_text()) for t in ax.texts] == counts.ravel().tolist()
    per_class = np.diag(counts) / counts.sum(axis=1)
    assert [t.get_text() for t in accuracy_ax.texts] == [f"{a:.0%}" for a in per_class]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(CLASS_NAMES)
    overall = np.mean(y_true == y_pred)
    assert f"overall accuracy {overall:.1%} ({np.sum(y_true == y_pred)} of 300 images)" in fig.get_suptitle()
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


def test_plot_confusion_matrix_marks_classes_without_images():
    fig = plot_confusion_matrix([0, 0, 2], [0, 1, 2], class_names=["a", "b", "c"])
    assert [t.get_text() for t in fig.get_axes()[1].texts] == ["50%", "–", "100%"]
    assert "66.7% (2 of 3 images)" in fig.get_suptitle()

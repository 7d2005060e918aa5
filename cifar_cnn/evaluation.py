"""How good is it: labels as class numbers, and the confusion matrix.

:func:`confusion_matrix` counts (true class, predicted class) pairs; the plots draw it
(:func:`cifar_cnn.plots.plot_confusion_matrix`). :func:`class_numbers` turns the label
forms the lesson meets (class numbers, an (n, 1) column, one-hot rows, probabilities)
into one vector of class numbers. NumPy only: importing this module imports no Keras.
"""

from __future__ import annotations

import numpy as np

from .validation import require_count, require_same_length

__all__ = ["class_numbers", "confusion_matrix"]


def class_numbers(labels, num_classes, what="labels") -> np.ndarray:
    """Class numbers (n,) from class numbers, an (n, 1) column or one-hot/probability rows."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim == 2:
        if labels.shape[1] != num_classes:
            raise ValueError(
                f"the {what} are rows of {labels.shape[1]} numbers (one-hot or probabilities) "
                f"but there are {num_classes} classes"
            )
        return labels.argmax(axis=1)
    if labels.ndim != 1:
        raise ValueError(f"the {what} must be a vector of class numbers or one-hot rows, got shape {labels.shape}")
    if labels.size == 0:
        raise ValueError(f"the {what} are empty")
    if not np.issubdtype(labels.dtype, np.integer):
        if not (np.issubdtype(labels.dtype, np.floating) and np.all(np.mod(labels, 1) == 0)):
            raise ValueError(f"the {what} must be class numbers 0 to {num_classes - 1}, got {labels.dtype} values")
    labels = labels.astype(np.int64)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"the {what} run from {labels.min()} to {labels.max()} but there are {num_classes} "
            f"classes (0 to {num_classes - 1}): check class_names or num_classes"
        )
    return labels


def confusion_matrix(y_true, y_pred, num_classes=10) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    ``matrix[i, j]`` is how many images of class ``i`` were predicted as class ``j``:
    rows are the true classes, columns the predictions, the diagonal the right answers.

    Parameters
    ----------
    y_true : array
        Class numbers (n,), an (n, 1) column, or one-hot rows.
    y_pred : array
        Predicted class numbers (n,), or the probabilities ``model.predict`` returns
        (n, num_classes), of which the largest is taken.
    num_classes : int
        Number of classes.

    Returns
    -------
    numpy.ndarray of int, shape (num_classes, num_classes)
    """
    num_classes = require_count("num_classes", num_classes, minimum=2)
    y_true = class_numbers(y_true, num_classes, "true labels (y_true)")
    y_pred = class_numbers(y_pred, num_classes, "predictions (y_pred)")
    require_same_length(true_labels=y_true, predictions=y_pred)
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)

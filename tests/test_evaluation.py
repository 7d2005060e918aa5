"""Counting right and wrong answers (cifar_cnn.evaluation): the confusion matrix."""

import numpy as np
import pytest

from cifar_cnn.evaluation import class_numbers, confusion_matrix


def test_confusion_matrix_counts_true_rows_and_predicted_columns(outcomes):
    y_true, y_pred = outcomes
    expected = np.zeros((10, 10), dtype=int)
    np.add.at(expected, (y_true, y_pred), 1)
    counts = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(counts, expected)
    assert counts.sum() == 300
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(y_true, minlength=10))
    # probabilities are argmaxed, one-hot truths decoded
    probabilities = np.random.default_rng(8).random((300, 10)) * 0.5
    probabilities[np.arange(300), y_pred] = 0.9
    np.testing.assert_array_equal(confusion_matrix(np.eye(10)[y_true], probabilities), expected)
    assert confusion_matrix([0, 1, 1], [1, 1, 1], num_classes=2).tolist() == [[0, 1], [0, 2]]


def test_confusion_matrix_explains_bad_inputs(outcomes):
    y_true, y_pred = outcomes
    with pytest.raises(ValueError, match="300 true_labels, 299 predictions"):
        confusion_matrix(y_true, y_pred[:-1])
    with pytest.raises(ValueError, match="predictions .* run from 0 to 10"):
        confusion_matrix(y_true, np.where(y_pred == y_pred[0], 10, 0))
    with pytest.raises(ValueError, match="rows of 5 numbers"):
        confusion_matrix(y_true, np.ones((300, 5)))
    with pytest.raises(ValueError, match="class numbers"):
        confusion_matrix(y_true + 0.5, y_pred)


def test_class_numbers_reads_every_label_form():
    expected = np.array([3, 0, 9])
    for labels in (expected, expected[:, None], np.eye(10)[expected], expected.astype(np.float32)):
        np.testing.assert_array_equal(class_numbers(labels, 10), expected)
    with pytest.raises(ValueError, match="the labels are empty"):
        class_numbers([], 10)
    with pytest.raises(ValueError, match="run from 0 to 9 but there are 5 classes"):
        class_numbers(expected, 5)


def test_confusion_matrix_is_exported_at_the_top_level():
    import cifar_cnn

    assert cifar_cnn.confusion_matrix is confusion_matrix

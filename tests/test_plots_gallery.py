"""Figures of images (cifar_cnn.plots.gallery): the data grid, predictions, augmentation.

Only small seeded synthetic arrays are used; no data set is needed.
"""

import numpy as np
import pytest
from matplotlib.colors import to_rgba

from cifar_cnn.data import CLASS_NAMES
from cifar_cnn.plots import plot_augmentation, plot_images, plot_predictions
from cifar_cnn.plots.drawing import WRONG
from plot_helpers import render, shown

RNG_SEED = 0


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(RNG_SEED).random((30, 32, 32, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def labels():
    return np.random.default_rng(RNG_SEED + 1).integers(0, 10, 30)


# ---------------------------------------------------------------- plot_images


def test_plot_images_draws_a_titled_grid(images, labels):
    fig = render(plot_images(images, labels, n=12, ncols=5))
    axes = fig.get_axes()
    assert len(axes) == 12
    assert [ax.get_title() for ax in axes] == [CLASS_NAMES[k] for k in labels[:12]]
    assert {ax.get_subplotspec().rowspan.start for ax in axes} == {0, 1, 2}  # 5 + 5 + 2
    np.testing.assert_allclose(shown(axes[3]), images[3])
    assert len(plot_images(images[:4], labels[:4]).get_axes()) == 4  # n larger than the batch


def test_plot_images_shows_uint8_and_float_pixels_alike(images, labels):
    pixels = np.round(images * 255).astype(np.uint8)
    one_hot = np.eye(10)[labels]
    from_uint8 = plot_images(pixels, one_hot, n=4).get_axes()
    from_float = plot_images(pixels / 255.0, labels, n=4).get_axes()
    for a, b in zip(from_uint8, from_float):
        np.testing.assert_allclose(shown(a), shown(b), atol=1e-6)
        assert a.get_title() == b.get_title()
    assert shown(from_uint8[0]).max() <= 1.0


def test_plot_images_explains_bad_inputs(images, labels):
    with pytest.raises(ValueError, match="divide by 255"):
        plot_images(images * 255, labels)
    with pytest.raises(ValueError, match="standardised"):
        plot_images(images - 0.5, labels)
    with pytest.raises(ValueError, match=r"image\[None\]"):
        plot_images(images[0], labels[:1])
    with pytest.raises(ValueError, match="30 images, 29 labels"):
        plot_images(images, labels[:29])
    with pytest.raises(ValueError, match="run from 0 to 12 but there are 10 classes"):
        plot_images(images, np.where(labels == labels[0], 12, 0))
    with pytest.raises(ValueError, match="n must be at least 1, got 0"):
        plot_images(images, labels, n=0)
    with pytest.raises(ValueError, match="class_names"):
        plot_images(images, labels, class_names="cat")


# ---------------------------------------------------------------- predictions


def test_plot_predictions_marks_exactly_the_wrong_ones(images, labels):
    rng = np.random.default_rng(4)
    predicted = labels.copy()
    wrong = np.array([1, 4, 5, 11])
    predicted[wrong] = (labels[wrong] + 1) % 10
    probabilities = rng.random((30, 10)) * 0.1
    probabilities[np.arange(30), predicted] = 0.8
    fig = render(plot_predictions(images, labels, probabilities, n=12))
    axes = fig.get_axes()
    assert len(axes) == 12
    marked = [i for i, ax in enumerate(axes) if "wrong" in ax.get_title()]
    assert marked == wrong.tolist()
    red = [i for i, ax in enumerate(axes) if to_rgba(ax.title.get_color()) == to_rgba(WRONG)]
    assert red == wrong.tolist()
    assert axes[4].get_title() == f"✗ wrong: {CLASS_NAMES[predicted[4]]} 80%\ntrue: {CLASS_NAMES[labels[4]]}"
    assert axes[0].get_title() == f"✓ {CLASS_NAMES[labels[0]]} 80%\ntrue: {CLASS_NAMES[labels[0]]}"
    assert "8 of 12 right" in fig.get_suptitle()


def test_plot_predictions_explains_bad_inputs(images, labels):
    logits = np.random.default_rng(5).normal(size=(30, 10)) * 3
    with pytest.raises(ValueError, match="logits"):
        plot_predictions(images, labels, logits)
    with pytest.raises(ValueError, match=r"\(30, 10\) matrix"):
        plot_predictions(images, labels, np.full((30, 9), 0.1))
    with pytest.raises(ValueError, match="30 images, 30 true_labels, 20 probability_rows"):
        plot_predictions(images, labels, np.full((20, 10), 0.1))


# ---------------------------------------------------------------- augmentation


def test_plot_augmentation_is_a_deterministic_preview(images):
    fig = render(plot_augmentation(images[:3], n_variants=4, seed=0))
    axes = fig.get_axes()
    assert len(axes) == 3 * 5
    assert [ax.get_title() for ax in axes[:5]] == ["original", "variant 1", "variant 2", "variant 3", "variant 4"]
    np.testing.assert_allclose(shown(axes[5]), images[1])  # each row starts with the original
    pictures = [shown(ax) for ax in axes]
    again = [shown(ax) for ax in plot_augmentation(images[:3], n_variants=4, seed=0).get_axes()]
    for a, b in zip(pictures, again):
        np.testing.assert_array_equal(a, b)
    for picture, original in zip(pictures[1:5], [images[0]] * 4):
        assert picture.min() >= 0 and picture.max() <= 1
        assert not np.allclose(picture, original)  # every variant is transformed
    other = [shown(ax) for ax in plot_augmentation(images[:3], n_variants=4, seed=1).get_axes()]
    assert not all(np.allclose(a, b) for a, b in zip(pictures[1:5], other[1:5]))


def test_plot_augmentation_takes_one_image_or_uint8(images):
    assert len(plot_augmentation(images[0], n_variants=2).get_axes()) == 3
    pixels = np.round(images[:2] * 255).astype(np.uint8)
    from_uint8 = [shown(ax) for ax in plot_augmentation(pixels, n_variants=1).get_axes()]
    from_float = [shown(ax) for ax in plot_augmentation(pixels / 255.0, n_variants=1).get_axes()]
    for a, b in zip(from_uint8, from_float):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert len(plot_augmentation(images, n=2, n_variants=1).get_axes()) == 4


def test_plot_augmentation_explains_bad_inputs(images):
    with pytest.raises(ValueError, match="n_variants must be at least 1, got 0"):
        plot_augmentation(images, n_variants=0)
    with pytest.raises(ValueError, match="batch"):
        plot_augmentation(images[0, :, :, 0])
    with pytest.raises(ValueError, match="augmentation must be"):
        plot_augmentation(images, augmentation="flip")

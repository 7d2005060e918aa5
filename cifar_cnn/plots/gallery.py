"""Figures of images: the data, the model's predictions on them, augmented copies."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..data import CLASS_NAMES
from ..evaluation import class_numbers
from ..pixels import to_unit_range
from ..lesson import SEED
from ..validation import require_count, require_same_length
from .drawing import RIGHT, WRONG, add_grid_axes, grid_shape, show
from .plot_arguments import require_class_names, image_batch

__all__ = ["plot_images", "plot_predictions", "plot_augmentation"]


def plot_images(images, labels, class_names=CLASS_NAMES, n=25, ncols=5, title=None) -> Figure:
    """A grid of images, each titled with its class name: a first look at the data.

    Parameters
    ----------
    images : array, shape (N, 32, 32, 3)
        Pixels as float in [0, 1] (``load_cifar10``'s default) or uint8 0-255.
    labels : array
        Class numbers (N,), an (N, 1) column, or one-hot rows (N, num_classes).
    class_names : sequence of str
        Name of every class, in class-number order.
    n : int
        How many images to show (the first ``n``; fewer if there are fewer).
    ncols : int
        Images per row.
    title : str, optional
        Figure title.
    """
    n = require_count("n", n)
    ncols = require_count("ncols", ncols)
    class_names = require_class_names(class_names)
    images = image_batch(images)
    labels = class_numbers(labels, len(class_names))
    require_same_length(images=images, labels=labels)
    n = min(n, len(images))
    nrows, ncols = grid_shape(n, ncols)
    fig = Figure(figsize=(1.7 * ncols, 1.85 * nrows + (0.4 if title else 0)), layout="constrained")
    for ax, image, label in zip(add_grid_axes(fig, n, ncols), images, labels):
        show(ax, image)
        ax.set_title(class_names[label], fontsize=10)
    if title:
        fig.suptitle(title)
    return fig


def plot_predictions(images, y_true, probabilities, class_names=CLASS_NAMES, n=16, ncols=4,
                     title=None) -> Figure:
    """A grid of test images with the model's prediction, its probability and the truth.

    Right predictions have a green title with a check mark; wrong ones a red title
    starting with "✗ wrong" and a red frame.

    Parameters
    ----------
    images : array, shape (N, 32, 32, 3)
        Float in [0, 1] or uint8.
    y_true : array
        True class numbers (N,), or one-hot rows.
    probabilities : array, shape (N, num_classes)
        What ``model.predict(images)`` returns for a softmax model.
    class_names : sequence of str
        One name per class.
    n : int
        How many to show (the first ``n``).
    ncols : int
        Images per row.
    title : str, optional
        Replaces the default title ("Predictions: 12 of 16 right").
    """
    n = require_count("n", n)
    ncols = require_count("ncols", ncols)
    class_names = require_class_names(class_names)
    k = len(class_names)
    images = image_batch(images)
    y_true = class_numbers(y_true, k, "true labels (y_true)")
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] != k:
        raise ValueError(
            f"probabilities must be the ({len(images)}, {k}) matrix model.predict(images) returns, "
            f"one column per class; got shape {probabilities.shape}"
        )
    if not np.issubdtype(probabilities.dtype, np.number) or not np.all(np.isfinite(probabilities)):
        raise ValueError("probabilities must be finite numbers")
    if probabilities.min() < -1e-6 or probabilities.max() > 1 + 1e-6:
        raise ValueError(
            f"probabilities must lie between 0 and 1, these run from {probabilities.min():.3g} to "
            f"{probabilities.max():.3g}: are they logits? apply a softmax first"
        )
    require_same_length(images=images, true_labels=y_true, probability_rows=probabilities)
    n = min(n, len(images))
    predicted = probabilities.argmax(axis=1)

    nrows, ncols = grid_shape(n, ncols)
    fig = Figure(figsize=(2.3 * ncols, 2.55 * nrows + 0.5), layout="constrained")
    right_count = 0
    for i, ax in enumerate(add_grid_axes(fig, n, ncols)):
        show(ax, images[i])
        guess, truth = predicted[i], y_true[i]
        confidence = probabilities[i, guess]
        if guess == truth:
            right_count += 1
            ax.set_title(f"✓ {class_names[guess]} {confidence:.0%}\ntrue: {class_names[truth]}",
                         color=RIGHT, fontsize=10)
        else:
            ax.set_title(f"✗ wrong: {class_names[guess]} {confidence:.0%}\ntrue: {class_names[truth]}",
                         color=WRONG, fontsize=10, fontweight="bold")
            for spine in ax.spines.values():
                spine.set_edgecolor(WRONG)
                spine.set_linewidth(4)
    fig.suptitle(title or f"Predictions (class and probability): {right_count} of {n} right")
    return fig


def _default_augmentation(seed):
    """The lesson's augmentation: random horizontal flips and rotations of up to ±10°."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            # factor is a fraction of a full turn: 10/360 is at most 10 degrees either way
            layers.RandomRotation(10 / 360, seed=seed + 1),
        ],
        name="augmentation",
    )


def plot_augmentation(images, n_variants=4, seed=SEED, n=4, augmentation=None) -> Figure:
    """A preview of data augmentation: each image, then randomly transformed copies.

    One row per image: the original, then ``n_variants`` versions drawn by the
    augmentation (by default the lesson's random horizontal flip and random rotation of
    up to 10 degrees either way, as Keras layers). The same ``seed`` always gives the
    same figure.

    Parameters
    ----------
    images : array, shape (N, 32, 32, 3) or one image (32, 32, 3)
        Float in [0, 1] or uint8.
    n_variants : int
        Augmented copies per image.
    seed : int
        Seeds the random transformations.
    n : int
        At most this many images (rows): the first ``n``.
    augmentation : keras layer or callable, optional
        Your own augmentation, e.g. ``keras.Sequential([layers.RandomZoom(0.2)])``,
        called on a float batch with ``training=True``. Seed it yourself.
    """
    import keras

    n_variants = require_count("n_variants", n_variants)
    n = require_count("n", n)
    seed = require_count("seed", seed, minimum=0)
    images = np.asarray(images)
    if images.ndim == 3 and images.shape[-1] in (1, 3):
        images = images[None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "images must be a batch (n, height, width, 3) such as x_train[:4], or one image "
            f"(height, width, 3); got shape {images.shape}"
        )
    images = to_unit_range(images, "images")[:n]
    if augmentation is None:
        augmentation = _default_augmentation(seed)
        subtitle = "random horizontal flip + random rotation up to ±10°"
    elif callable(augmentation):
        subtitle = getattr(augmentation, "name", "custom augmentation")
    else:
        raise ValueError(f"augmentation must be a Keras layer or a function, got {type(augmentation).__name__}")

    def draw(batch):
        if isinstance(augmentation, keras.layers.Layer):
            out = augmentation(batch, training=True)
        else:
            out = augmentation(batch)
        out = np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32)
        if out.shape != batch.shape:
            raise ValueError(f"the augmentation turned a batch of shape {batch.shape} into {out.shape}")
        return np.clip(out, 0.0, 1.0)

    variants = [draw(images) for _ in range(n_variants)]
    rows, cols = len(images), n_variants + 1
    fig = Figure(figsize=(1.6 * cols, 1.6 * rows + 0.7), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for r in range(rows):
        for c in range(cols):
            picture = images[r] if c == 0 else variants[c - 1][r]
            show(axes[r, c], picture[..., 0] if picture.shape[-1] == 1 else picture)
            if c == 0:
                for spine in axes[r, c].spines.values():
                    spine.set_linewidth(2.5)
    for c in range(cols):
        axes[0, c].set_title("original" if c == 0 else f"variant {c}", fontsize=10,
                             fontweight="bold" if c == 0 else "normal")
    fig.suptitle(f"Data augmentation ({subtitle}), seed {seed}", fontsize=11)
    return fig

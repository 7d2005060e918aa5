"""Regenerate every figure of the lesson into ``fig/``.

    cifar-cnn figures                 # or: python -m cifar_cnn.figures
    cifar-cnn figures --out fig --n-train 10000 --epochs 5

Every PNG the episodes show is drawn here by the package's own functions, from the
package's own data loader, with fixed seeds: running the command twice on one machine
gives the same pictures, and after a Keras or matplotlib upgrade one command redraws
them all. Figures that need a trained network use the intro model trained for a few
epochs on a small stratified subset, so the whole command takes a minute or two on a
2-core laptop.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ._files import atomic_path

SEED = 42
# PNG metadata without the matplotlib version, so a regeneration after an upgrade only
# changes files whose pixels changed.
_PNG_METADATA = {"Software": None}


def _save(fig, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=100, metadata=_PNG_METADATA)
    except OSError as e:  # full disk, file-size limit, a folder with that name: say which, keep the rest
        reason = "a folder has that name" if path.is_dir() else e.strerror or str(e)
        raise OSError(e.errno, f"cannot save the figure {path} ({reason}); the figures saved before it "
                      f"are kept in {out_dir}") from None
    return path


def _data_figures(data, out_dir):
    from .plots import plot_augmentation, plot_images

    yield _save(plot_images(data.x_train, data.y_train, data.class_names, n=25), out_dir, "cifar10_examples.png")
    yield _save(plot_augmentation(data.x_train[:4], n_variants=4, seed=SEED), out_dir, "augmentation.png")


def _convolution_figures(data, out_dir):
    from .convolution import (
        HORIZONTAL_EDGE_KERNEL,
        VERTICAL_LINE_KERNEL,
        cat_horizontal_edges,
        cifar_horizontal_edges,
        conv2d_worked_example,
    )
    from .plots import plot_convolution, plot_feature_map_pairs

    example = conv2d_worked_example()
    yield _save(plot_convolution(example.inputs, VERTICAL_LINE_KERNEL, row=1, col=2), out_dir, "convolution_matrix.png")

    cat = cat_horizontal_edges()
    yield _save(
        plot_feature_map_pairs(
            [cat.inputs], [cat.feature_map],
            titles=["Chelsea the cat (scikit-image sample data)"],
            caption=f"horizontal-edge kernel {HORIZONTAL_EDGE_KERNEL.astype(int).tolist()}",
        ),
        out_dir, "edges_cat.png",
    )
    images = data.x_train[:4]  # the test images stay unseen until the evaluating episode
    edges = cifar_horizontal_edges(images)
    yield _save(
        plot_feature_map_pairs(
            images, edges.feature_map,
            titles=[data.class_names[int(label)] for label in data.y_train[:4]],
            caption="CIFAR-10 training images and their horizontal edges (grayscale, 3x3 kernel)",
        ),
        out_dir, "edges_cifar.png",
    )


def _model_figures(data, out_dir, epochs):
    from .models import create_model_intro
    from .plots import (
        plot_confusion_matrix,
        plot_feature_maps,
        plot_filters,
        plot_history,
        plot_predictions,
    )
    from .training import compile_model, set_seed, train

    set_seed(SEED)
    model = compile_model(create_model_intro())
    history = train(model, data, epochs=epochs, seed=SEED, verbose=0)
    yield _save(
        plot_history(history, title=f"create_model_intro, {len(data.x_train):,} images, {epochs} epochs"),
        out_dir, "training_history.png",
    )
    # a validation image: the lesson opens the test set once, in the evaluating episode
    yield _save(plot_feature_maps(model, data.x_val[0]), out_dir, "feature_maps.png")
    yield _save(plot_filters(model), out_dir, "filters.png")
    # the evaluating episode's figures: with n_test=None these are all 10,000 test images in
    # their official order, so the prediction grid shows the first 16, as the episode's does
    probabilities = model.predict(data.x_test, verbose=0)
    yield _save(plot_confusion_matrix(data.y_test, probabilities, data.class_names), out_dir, "confusion_matrix.png")
    yield _save(
        plot_predictions(data.x_test, data.y_test, probabilities, data.class_names, n=16),
        out_dir, "predictions.png",
    )


def _gradient_figure(data, out_dir, depths):
    from .gradients import gradient_flow
    from .plots import plot_gradient_flow

    batch = slice(0, 64)
    results = gradient_flow(depths, data.x_train[batch], data.y_train[batch], seed=SEED)
    yield _save(plot_gradient_flow(results), out_dir, "gradient_flow.png")


def make_figures(out_dir="fig", *, data_dir=None, n_train=10_000, n_test=None, epochs=5, depths=(5, 10, 20)):
    """Draw every lesson figure into ``out_dir`` and return the paths written.

    ``n_train`` training images (stratified) and ``epochs`` epochs train the model behind
    the history, feature-map, filter, confusion-matrix and prediction figures; the
    feature maps are drawn for the first validation image, and the confusion matrix and
    predictions use ``n_test`` test images (None: all 10,000, in their official order).
    """
    from .data import load_cifar10

    out_dir = Path(out_dir)
    data = load_cifar10(data_dir, n_train=n_train, n_val=min(10_000, n_train // 4), n_test=n_test, seed=SEED)
    written = []
    for group in (
        _data_figures(data, out_dir),
        _convolution_figures(data, out_dir),
        _model_figures(data, out_dir, epochs),
        _gradient_figure(data, out_dir, depths),
    ):
        for path in group:
            print(f"wrote {path}")
            written.append(path)
    return written


if __name__ == "__main__":
    from .cli import main

    raise SystemExit(main(["figures", *sys.argv[1:]]))

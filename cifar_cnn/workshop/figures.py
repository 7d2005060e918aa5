"""Regenerate every figure of the lesson into ``fig/``, from the lesson's own run.

    cifar-cnn figures
    cifar-cnn figures --out /tmp/fig --n-train 2000 --epochs 1   # a quick look, not for fig/

Every PNG the episodes show is drawn here by the package's own functions, from the same
data, model, settings, seeds and image indices as the episode code beside it: the
model figures come from the intro network trained exactly as episode 5 trains it
(:mod:`cifar_cnn.lesson`'s images, epochs, batch size and seed), so a figure and the
numbers printed next to it describe one network. The numbers each figure shows are
written beside the PNGs in ``figures.json``; a test compares them with the episodes'
text. Only the validation set is used: the test set is scored once, at the end of the
evaluating episode, and no figure shows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import lesson
from .._files import atomic_path

__all__ = ["NUMBERS_FILE", "EDGES_N_TRAIN", "GRADIENT_BATCH", "make_figures"]

NUMBERS_FILE = "figures.json"
# Episode 3 draws its edge maps from a 2,000-image subset (it loads faster), so we do too.
EDGES_N_TRAIN = 2_000
# Episode 6 measures gradients on its first 32 training images.
GRADIENT_BATCH = 32
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


def _names(data, labels):
    return [data.class_names[int(label)] for label in labels]


def _data_figures(data, out_dir, numbers):
    from ..plots import plot_augmentation, plot_images

    numbers["cifar10_examples"] = {"classes": _names(data, data.y_train[:25])}
    yield _save(plot_images(data.x_train, data.y_train, data.class_names, n=25), out_dir, "cifar10_examples.png")
    numbers["augmentation"] = {"classes": _names(data, data.y_train[:4]), "seed": lesson.SEED}
    yield _save(plot_augmentation(data.x_train[:4], n_variants=4, seed=lesson.SEED), out_dir, "augmentation.png")


def _convolution_figures(edges_data, out_dir, numbers):
    from ..convolution import (
        HORIZONTAL_EDGE_KERNEL,
        VERTICAL_LINE_KERNEL,
        cat_horizontal_edges,
        cifar_horizontal_edges,
        conv2d_worked_example,
    )
    from ..plots import plot_convolution, plot_feature_map_pairs

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
    images = edges_data.x_train[:4]  # as episode 3: the first four training images of its subset
    edges = cifar_horizontal_edges(images)
    numbers["edges_cifar"] = {"n_train": len(edges_data.x_train), "classes": _names(edges_data, edges_data.y_train[:4])}
    yield _save(
        plot_feature_map_pairs(
            images, edges.feature_map,
            titles=_names(edges_data, edges_data.y_train[:4]),
            caption="CIFAR-10 training images and their horizontal edges (grayscale, 3x3 kernel)",
        ),
        out_dir, "edges_cifar.png",
    )


def _model_figures(data, out_dir, epochs, batch_size, numbers):
    from ..evaluation import confusion_matrix
    from ..models import create_model_intro
    from ..plots import (
        plot_confusion_matrix,
        plot_feature_maps,
        plot_filters,
        plot_history,
        plot_predictions,
    )
    from ..training import compile_model, set_seed, train

    # episode 5's run: set_seed(42); compile_model(create_model_intro()); train(..., seed=42)
    set_seed(lesson.SEED)
    model = compile_model(create_model_intro())
    history = train(model, data, epochs=epochs, batch_size=batch_size, seed=lesson.SEED, verbose=0)
    curves = {key: [round(float(v), 4) for v in values] for key, values in history.history.items()}
    numbers["training_history"] = {
        "n_train": len(data.x_train), "n_val": len(data.x_val), "epochs": epochs,
        "batch_size": batch_size, "seed": lesson.SEED, **curves,
    }
    yield _save(
        plot_history(history, title=f"create_model_intro, {len(data.x_train):,} images, {epochs} epochs"),
        out_dir, "training_history.png",
    )
    # episode 6: plot_feature_maps(model, data.x_val[0]) and plot_filters(model)
    numbers["feature_maps"] = {"image": "x_val[0]", "class": data.class_names[int(data.y_val[0])]}
    yield _save(plot_feature_maps(model, data.x_val[0]), out_dir, "feature_maps.png")
    yield _save(plot_filters(model), out_dir, "filters.png")
    # episode 7 studies the model's mistakes on the validation images; the test set waits
    # for the final, single score of the chosen model
    probabilities = model.predict(data.x_val, verbose=0)
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(data.y_val, predicted)
    numbers["confusion_matrix"] = {
        "images": "validation", "accuracy": round(float(np.trace(matrix) / matrix.sum()), 4),
        "matrix": matrix.tolist(),
    }
    yield _save(plot_confusion_matrix(data.y_val, probabilities, data.class_names), out_dir, "confusion_matrix.png")
    numbers["predictions"] = {
        "images": "validation", "true": _names(data, data.y_val[:16]),
        "predicted": _names(data, predicted[:16]),
        "right": int((predicted[:16] == data.y_val[:16]).sum()),
    }
    yield _save(
        plot_predictions(data.x_val, data.y_val, probabilities, data.class_names, n=16),
        out_dir, "predictions.png",
    )


def _gradient_figure(data, out_dir, depths, numbers):
    from ..gradients import gradient_flow
    from ..plots import plot_gradient_flow

    batch = slice(0, GRADIENT_BATCH)
    results = gradient_flow(depths, data.x_train[batch], data.y_train[batch], seed=lesson.SEED)
    numbers["gradient_flow"] = {r["label"]: [float(f"{v:.2e}") for v in r["norms"]] for r in results}
    yield _save(plot_gradient_flow(results), out_dir, "gradient_flow.png")


def make_figures(out_dir="fig", *, data_dir=None, n_train=None, n_test=None, epochs=lesson.EPOCHS,
                 depths=(5, 10, 20), edges_n_train=EDGES_N_TRAIN):
    """Draw every lesson figure into ``out_dir`` and return the paths written.

    The defaults are the lesson's run: all 40,000 training images (``n_train=None``),
    :data:`cifar_cnn.lesson.N_VAL` validation images and :data:`cifar_cnn.lesson.EPOCHS`
    epochs. Smaller values give a quick look (for tests), not figures for ``fig/``.
    The numbers behind the figures go to ``figures.json`` in ``out_dir``.
    """
    from ..data import load_cifar10

    out_dir = Path(out_dir)
    # as every episode loads it: load_cifar10() with the lesson's validation split
    n_val = lesson.N_VAL if n_train is None else min(lesson.N_VAL, n_train // 4)
    data = load_cifar10(data_dir, n_train=n_train, n_val=n_val, n_test=n_test, seed=lesson.SEED)
    edges_data = data if n_train is not None and n_train <= edges_n_train else load_cifar10(
        data_dir, n_train=edges_n_train, n_test=n_test, seed=lesson.SEED)
    numbers = {}
    written = []
    for group in (
        _data_figures(data, out_dir, numbers),
        _convolution_figures(edges_data, out_dir, numbers),
        _model_figures(data, out_dir, int(epochs), lesson.BATCH_SIZE, numbers),
        _gradient_figure(data, out_dir, depths, numbers),
    ):
        for path in group:
            print(f"wrote {path}")
            written.append(path)
    path = out_dir / NUMBERS_FILE
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(numbers, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return written

"""Figures for the lesson. Every function returns a matplotlib ``Figure``.

The figures are built with ``matplotlib.figure.Figure`` rather than ``pyplot``: no
global state, no ``plt.show()``, and they work on machines without a display. In a
notebook, a returned figure is drawn inline; elsewhere call ``fig.savefig(path)``.
"""

from __future__ import annotations

import contextlib
import numbers
import sys

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .data import CLASS_NAMES

def _display_figures_inline():
    """In Jupyter, show the Figures these functions return as pictures.

    pyplot would register the notebook's PNG display hook on first use; these functions
    do not use pyplot, so the hook is registered here. Importing the inline backend
    module does that only when it is the active backend, as it is by default in Jupyter.
    """
    if "IPython" not in sys.modules:  # a plain script: nothing to register
        return
    from IPython import get_ipython

    if get_ipython() is not None:
        with contextlib.suppress(ImportError):
            import matplotlib_inline.backend_inline  # noqa: F401


_display_figures_inline()

__all__ = [
    "plot_history",
    "plot_images",
    "plot_convolution",
    "plot_feature_map_pairs",
    "plot_feature_maps",
    "plot_filters",
    "confusion_matrix",
    "plot_confusion_matrix",
    "plot_predictions",
    "plot_augmentation",
    "plot_gradient_flow",
]


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


# ================================================================ shared helpers
#
# Everything below checks its arguments before drawing anything, so a wrong shape or
# range is reported in the lesson's terms rather than as a matplotlib stack trace.

_WRONG = "#c62828"  # title and frame colour of a wrong prediction, the convolution highlight
_RIGHT = "#1b5e20"  # title colour of a right prediction


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_count(name, value, minimum=1):
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_class_names(class_names):
    if isinstance(class_names, str) or not hasattr(class_names, "__len__") or len(class_names) < 2:
        raise ValueError(
            "class_names must be a list of at least two names, one per class, e.g. "
            f"cifar_cnn.data.CLASS_NAMES; got {class_names!r}"
        )
    return [str(name) for name in class_names]


def _to_unit_range(images, what):
    """Pixels as float32 in [0, 1]: uint8 (0-255) is divided by 255, floats are checked."""
    if images.size == 0:
        raise ValueError(f"the {what} array is empty")
    if images.dtype == np.bool_ or not (
        np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)
    ):
        raise ValueError(f"the {what} must hold numbers (uint8 0-255 or float 0-1), got dtype {images.dtype}")
    if np.issubdtype(images.dtype, np.integer):
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(
                f"integer {what} must hold pixel values 0-255, these run from {low} to {high}"
            )
        return images.astype(np.float32) / 255.0
    images = images.astype(np.float32)
    if not np.all(np.isfinite(images)):
        raise ValueError(f"the {what} contain NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if high > 1.0 + 1e-3:
        hint = (
            "they look like 0-255 pixel values: divide by 255 or pass them as uint8"
            if high <= 255.0 + 1e-3 and low >= 0
            else "scale them to [0, 1] first"
        )
        raise ValueError(f"float {what} must be scaled to [0, 1], these go up to {high:g}: {hint}")
    if low < -1e-3:
        raise ValueError(
            f"float {what} must be scaled to [0, 1], these go down to {low:g}: if they were "
            "standardised (mean subtracted), undo that before plotting"
        )
    return np.clip(images, 0.0, 1.0)


def _image_batch(images, what="images"):
    """A batch (n, height, width[, 1 or 3]) as float32 in [0, 1]."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 3 and images.shape[-1] == 3:
        raise ValueError(
            f"the {what} have shape {images.shape}, which is one colour image; pass a batch "
            "such as x_train[:25], or image[None] (and [label]) for a single one"
        )
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(
            f"the {what} must be a batch of shape (n, height, width, 3) such as x_train[:25] "
            f"(or (n, height, width) for greyscale); got shape {images.shape}"
        )
    return _to_unit_range(images, what)


def _one_image(image, what="image"):
    """One image (height, width, channels) or a batch of one, as float32 in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3:
        raise ValueError(
            f"pass one {what} of shape (height, width, channels), e.g. x_test[0]; got shape {image.shape}"
        )
    return _to_unit_range(image, what)


def _class_numbers(labels, num_classes, what="labels"):
    """Class numbers (n,) from class numbers, an (n, 1) column or one-hot rows."""
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


def _same_length(**arrays):
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{n} {name}" for name, n in lengths.items())
        raise ValueError(f"got {described}: they must match one to one")


def _show(ax, image, **kwargs):
    """imshow an RGB or greyscale image in [0, 1] without ticks."""
    if image.ndim == 2:
        kwargs = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0, **kwargs}
    ax.imshow(image, interpolation="nearest", **kwargs)
    ax.set_xticks([])
    ax.set_yticks([])


def _grid(n, ncols):
    ncols = min(ncols, n)
    return -(-n // ncols), ncols


def _add_grid_axes(fig, n, ncols):
    """n axes in rows of ncols (the last row may be shorter)."""
    nrows, ncols = _grid(n, ncols)
    grid = fig.add_gridspec(nrows, ncols)
    return [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]


def _text_colour(rgba):
    """Black or white, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _keras_model(model, function):
    from .models import require_model

    require_model(model, function)


def _conv_layers(model, function):
    from .gradients import conv_layers

    _keras_model(model, function)
    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"{model.name} has no Conv2D layers, so {function} has nothing to show")
    return convs


# ================================================================ the data


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
    n = _check_count("n", n)
    ncols = _check_count("ncols", ncols)
    class_names = _check_class_names(class_names)
    images = _image_batch(images)
    labels = _class_numbers(labels, len(class_names))
    _same_length(images=images, labels=labels)
    n = min(n, len(images))
    nrows, ncols = _grid(n, ncols)
    fig = Figure(figsize=(1.7 * ncols, 1.85 * nrows + (0.4 if title else 0)), layout="constrained")
    for ax, image, label in zip(_add_grid_axes(fig, n, ncols), images, labels):
        _show(ax, image)
        ax.set_title(class_names[label], fontsize=10)
    if title:
        fig.suptitle(title)
    return fig


# ================================================================ convolution by hand


def _cross_correlate(image, kernel):
    """'Valid' 2-D cross-correlation, which deep learning calls convolution."""
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def _number_format(*arrays):
    """Whole numbers print without decimals; otherwise two decimals."""
    if all(np.all(np.mod(a, 1) == 0) for a in arrays):
        return lambda v: f"{int(round(v))}"
    return lambda v: f"{v:.2f}"


def _number_grid(ax, values, fmt, cmap, title, vmin=None, vmax=None):
    """A heat map with every cell's number written in it, rows and columns numbered."""
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, fmt(value), ha="center", va="center", fontsize=11,
                color=_text_colour(image.cmap(image.norm(value))))
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.tick_params(length=0, labelsize=8, labelcolor="0.4")
    ax.set_xlabel("column", fontsize=9, color="0.4")
    ax.set_ylabel("row", fontsize=9, color="0.4")
    ax.set_title(title)
    # thin white lines between the cells
    ax.set_xticks(np.arange(-0.5, values.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, values.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)


def plot_convolution(image, kernel, row=0, col=0) -> Figure:
    """The convolution matrix, worked by hand for one output cell.

    Three panels: the input grid, the kernel and the output grid (the feature map), each
    with its numbers in the cells. The kernel's window on the input that produces output
    cell ``(row, col)`` is outlined, as is that output cell, and the caption spells out
    its sum of products. The output is a "valid" convolution (no padding, stride 1): as
    in Keras, the kernel is not flipped (strictly, a cross-correlation).

    Parameters
    ----------
    image : 2-D array
        A small input grid, e.g. 6x6 (at most 12x12, so the numbers stay readable).
    kernel : 2-D array
        The kernel (filter), e.g. 3x3; no larger than the image.
    row, col : int
        The output cell to work out (0-based; the window's top-left corner on the input).
    """
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    for name, array in (("image", image), ("kernel", kernel)):
        if array.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D grid of numbers (one channel), e.g. np.arange(36).reshape(6, 6); "
                f"got shape {array.shape}"
            )
        if array.size == 0 or not (np.issubdtype(array.dtype, np.number) and array.dtype != np.bool_):
            raise ValueError(f"{name} must be a non-empty grid of numbers, got {array.dtype} of shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinite values")
    if max(image.shape) > 12:
        raise ValueError(
            f"image is {image.shape[0]}x{image.shape[1]}: at most 12x12 fits with readable numbers; "
            "use a small crop"
        )
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(
            f"the {kernel.shape[0]}x{kernel.shape[1]} kernel does not fit inside the "
            f"{image.shape[0]}x{image.shape[1]} image"
        )
    image = image.astype(np.float64)
    kernel = kernel.astype(np.float64)
    output = _cross_correlate(image, kernel)
    out_h, out_w = output.shape
    kh, kw = kernel.shape
    for name, value, limit in (("row", row, out_h), ("col", col, out_w)):
        if not _is_int(value) or not 0 <= value < limit:
            raise ValueError(
                f"{name} must be an integer from 0 to {limit - 1}: the output of a {kh}x{kw} kernel "
                f"on a {image.shape[0]}x{image.shape[1]} image is {out_h}x{out_w}; got {value!r}"
            )

    fmt_in = _number_format(image, kernel)
    window = image[row : row + kh, col : col + kw]
    value = float(np.sum(window * kernel))

    cell = 0.55  # inches per cell
    width = cell * (image.shape[1] + kw + out_w) + 2.6
    height = cell * image.shape[0] + 2.0 + 0.28 * kh
    fig = Figure(figsize=(max(width, 7.5), height), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[image.shape[1], kw, out_w])
    bound = max(1e-12, float(np.abs(kernel).max()))
    _number_grid(axes[0], image, fmt_in, "Blues", f"input ({image.shape[0]}×{image.shape[1]})")
    _number_grid(axes[1], kernel, fmt_in, "RdBu_r", f"kernel ({kh}×{kw})", -bound, bound)
    _number_grid(axes[2], output, _number_format(output), "Greens", f"output ({out_h}×{out_w})")

    # zorder 3: above the white cell borders
    highlight = dict(fill=False, edgecolor=_WRONG, linewidth=4, zorder=3)
    axes[0].add_patch(Rectangle((col - 0.5, row - 0.5), kw, kh, **highlight))
    axes[1].add_patch(Rectangle((-0.5, -0.5), kw, kh, **highlight))
    axes[2].add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, **highlight))

    def term(a, b):
        return f"{fmt_in(a) if a >= 0 else '(' + fmt_in(a) + ')'}×{fmt_in(b) if b >= 0 else '(' + fmt_in(b) + ')'}"

    lines = [" + ".join(term(a, b) for a, b in zip(window[i], kernel[i])) for i in range(kh)]
    prefix = f"output[{row}, {col}] = "
    indent = " " * (len(prefix) - 2)
    caption = prefix + f"\n{indent}+ ".join(lines) + f"\n{indent}= {_number_format(output)(value)}"
    fig.supxlabel(caption, fontsize=11, family="monospace", ha="center", multialignment="left")
    fig.suptitle(
        f"Convolution: the {kh}×{kw} kernel slides over the input;\n"
        "each output cell is the sum of products in its window",
        fontsize=12,
    )
    return fig


# ================================================================ inside a trained network


def _picture(image, what):
    """One greyscale (h, w) or colour (h, w, 3) image as float32 in [0, 1]."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return _to_unit_range(image, what)
    return _one_image(image, what)


def plot_feature_map_pairs(images, feature_maps, titles=None, caption=None) -> Figure:
    """Each image beside the feature map one filter made of it: what the filter responds to.

    Parameters
    ----------
    images : sequence of arrays
        Greyscale (height, width) or colour (height, width, 3) images, uint8 or in [0, 1].
    feature_maps : sequence of arrays
        One 2-D map per image, e.g. ``cat_horizontal_edges().feature_map``. Values are
        drawn on a blue-white-red scale centred on 0: red where the filter responds
        positively, blue negatively, white where it sees nothing.
    titles : sequence of str, optional
        One title per image.
    caption : str, optional
        A line under the figure, e.g. which kernel made the maps.
    """
    images = list(images)
    feature_maps = [np.asarray(m, dtype=np.float32) for m in feature_maps]
    if not images:
        raise ValueError("pass at least one image and its feature map")
    _same_length(images=images, feature_maps=feature_maps)
    if titles is not None:
        titles = [str(t) for t in titles]
        _same_length(images=images, titles=titles)
    pictures = [_picture(image, "images") for image in images]
    for index, fmap in enumerate(feature_maps):
        if fmap.ndim == 3 and fmap.shape[-1] == 1:
            feature_maps[index] = fmap = fmap[..., 0]
        if fmap.ndim != 2:
            raise ValueError(
                f"feature map {index} has shape {fmap.shape}; pass one 2-D map per image "
                "(height, width), e.g. example.feature_map[i]"
            )
    height, width = pictures[0].shape[:2]
    panel = 3.2 * min(2.0, width / height)
    fig = Figure(figsize=(2 * panel + 1, 3.0 * len(images) + (0.4 if caption else 0)), layout="constrained")
    axes = fig.subplots(len(images), 2, squeeze=False)
    for row, (picture, fmap) in enumerate(zip(pictures, feature_maps)):
        image_ax, map_ax = axes[row]
        _show(image_ax, picture)
        image_ax.set_title(titles[row] if titles else "image")
        limit = float(np.abs(fmap).max()) or 1.0
        shown = map_ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        map_ax.set_xticks([])
        map_ax.set_yticks([])
        map_ax.set_title(f"feature map {fmap.shape[0]}x{fmap.shape[1]}")
        fig.colorbar(shown, ax=map_ax, shrink=0.85, label="filter response")
    if caption:
        fig.supxlabel(caption, fontsize=10)
    return fig


def plot_feature_maps(model, image, max_maps=8) -> Figure:
    """What every convolutional layer makes of one image.

    The input image on the left; then one row per ``Conv2D`` layer, labelled with the
    layer's name and output shape, showing its first ``max_maps`` feature maps (bright =
    strong response; each map has its own colour scale). Early layers respond to edges
    and colours; later, smaller maps to larger patterns.

    Parameters
    ----------
    model : keras.Model
        A model with ``Conv2D`` layers, e.g. a trained ``create_model_intro()``.
    image : array, shape (32, 32, 3)
        One image (or a batch of one), float in [0, 1] or uint8 0-255.
    max_maps : int
        Feature maps shown per layer.
    """
    import keras

    max_maps = _check_count("max_maps", max_maps)
    convs = _conv_layers(model, "plot_feature_maps")
    image = _one_image(image)
    expected = tuple(model.input_shape[1:])
    if image.shape != expected:
        raise ValueError(f"the image has shape {image.shape} but {model.name} expects {expected}")
    probe = keras.Model(model.inputs, [conv.output for conv in convs])
    maps = probe([image[None].astype(np.float32)], training=False)
    if not isinstance(maps, (list, tuple)):
        maps = [maps]
    maps = [keras.ops.convert_to_numpy(m)[0] for m in maps]

    ncols = min(max_maps, max(m.shape[-1] for m in maps))
    fig = Figure(figsize=(1.45 * ncols + 3.6, 1.45 * len(convs) + 0.9), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[2.0, 1.45 * ncols + 1.4])
    ax = left.subplots()
    _show(ax, image)
    ax.set_title("input image", fontsize=10)
    grid = right.add_gridspec(len(convs), ncols)
    for r, (conv, fmap) in enumerate(zip(convs, maps)):
        shown = min(ncols, fmap.shape[-1])
        for c in range(shown):
            ax = right.add_subplot(grid[r, c])
            channel = fmap[..., c]
            ax.imshow(channel, cmap="viridis", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"map {c}", fontsize=8, color="0.35")
            if np.ptp(channel) == 0:
                ax.text(0.5, 0.5, f"all {channel.flat[0]:.2g}", transform=ax.transAxes,
                        ha="center", va="center", fontsize=8, color="white")
            if c == 0:
                h, w, k = fmap.shape
                ax.set_ylabel(f"{conv.name}\n{h}×{w}×{k}", rotation=0, ha="right", va="center",
                              fontsize=10, labelpad=6)
    right.suptitle(
        f"Feature maps of {model.name}: the first {ncols} maps of each convolutional layer "
        "(bright = strong response)",
        fontsize=11,
    )
    return fig


def plot_filters(model, layer=None, ncols=8) -> Figure:
    """The learned filters of a convolutional layer that looks at the image.

    Each filter's kernel (e.g. 3x3x3: height, width, RGB) is drawn as a tiny colour
    image after scaling its own values to 0-1 (min-max), one panel per filter. Red in a
    pixel means the filter weighs the red channel at that position more than its other
    weights, and so on.

    Parameters
    ----------
    model : keras.Model
        A model with ``Conv2D`` layers.
    layer : None, str, int or keras layer
        The convolution to show: by default the first; a layer name such as ``"conv1"``;
        a number (0 = the first ``Conv2D`` layer); or the layer itself. It must take
        3 (RGB) or 1 (grey) input channels: only those read as pictures.
    ncols : int
        Filters per row.
    """
    import keras

    ncols = _check_count("ncols", ncols)
    convs = _conv_layers(model, "plot_filters")
    names = [c.name for c in convs]
    if layer is None:
        conv = convs[0]
    elif isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"{model.name} has no Conv2D layer named {layer!r}; its Conv2D layers are {names}")
        conv = convs[names.index(layer)]
    elif _is_int(layer):
        if not 0 <= layer < len(convs):
            raise ValueError(f"layer={layer}: {model.name} has {len(convs)} Conv2D layers, numbered 0 to {len(convs) - 1}")
        conv = convs[layer]
    elif isinstance(layer, keras.layers.Conv2D) and any(layer is c for c in convs):
        conv = layer
    else:
        raise ValueError(f"layer must be None, a Conv2D layer name, a number or a Conv2D layer of the model; got {layer!r}")
    kernel = np.asarray(conv.get_weights()[0])  # (height, width, in channels, filters)
    kh, kw, channels, count = kernel.shape
    if channels not in (1, 3):
        raise ValueError(
            f"{conv.name}'s filters each span {channels} input channels (the feature maps of the "
            "layer before), which cannot be drawn as a picture; show a layer that looks at the "
            f"image itself, such as {names[0]!r}"
        )
    nrows, ncols = _grid(count, ncols)
    fig = Figure(figsize=(1.2 * ncols + 0.4, 1.3 * nrows + 0.8), layout="constrained")
    for index, ax in enumerate(_add_grid_axes(fig, count, ncols)):
        weights = kernel[..., index]
        low, high = weights.min(), weights.max()
        scaled = (weights - low) / (high - low) if high > low else np.full_like(weights, 0.5)
        _show(ax, scaled[..., 0] if channels == 1 else scaled)
        ax.set_title(f"filter {index}", fontsize=9)
    fig.suptitle(
        f"The {count} filters of {conv.name} ({kh}×{kw}×{channels}), "
        "each scaled to its own min–max",
        fontsize=11,
    )
    return fig


# ================================================================ how good is it


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
    num_classes = _check_count("num_classes", num_classes, minimum=2)
    y_true = _class_numbers(y_true, num_classes, "true labels (y_true)")
    y_pred = _class_numbers(y_pred, num_classes, "predictions (y_pred)")
    _same_length(true_labels=y_true, predictions=y_pred)
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true, y_pred, class_names=CLASS_NAMES, title=None) -> Figure:
    """The confusion matrix as a table of counts, with per-class and overall accuracy.

    Rows are the true classes, columns the predicted ones; each cell holds a count and
    is coloured by the fraction of its row (its true class). The column on the right is
    each class's accuracy (diagonal / row total); the title gives the overall accuracy.

    Parameters
    ----------
    y_true : array
        True class numbers, or one-hot rows.
    y_pred : array
        Predicted class numbers, or the probability matrix from ``model.predict``.
    class_names : sequence of str
        One name per class.
    title : str, optional
        Replaces the first line of the title (the accuracy line stays).
    """
    class_names = _check_class_names(class_names)
    k = len(class_names)
    counts = confusion_matrix(y_true, y_pred, num_classes=k)
    totals = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        fractions = np.where(totals[:, None] > 0, counts / np.maximum(totals, 1)[:, None], 0.0)
        per_class = np.where(totals > 0, np.diag(counts) / np.maximum(totals, 1), np.nan)
    correct, total = int(np.trace(counts)), int(counts.sum())

    size = 0.62 * k + 2.8
    fig = Figure(figsize=(size + 1.6, size), layout="constrained")
    ax, acc_ax = fig.subplots(1, 2, width_ratios=[k, 1.3])
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    fontsize = 10 if k <= 10 else 8
    for (i, j), count in np.ndenumerate(counts):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=fontsize,
                color=_text_colour(image.cmap(image.norm(fractions[i, j]))),
                fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")

    acc_image = acc_ax.imshow(np.nan_to_num(per_class)[:, None], cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, acc in enumerate(per_class):
        acc_ax.text(0, i, "–" if np.isnan(acc) else f"{acc:.0%}", ha="center", va="center",
                    fontsize=fontsize, color=_text_colour(acc_image.cmap(acc_image.norm(np.nan_to_num(acc)))))
    acc_ax.set_xticks([0], ["per-class\naccuracy"])
    acc_ax.xaxis.tick_top()
    acc_ax.set_yticks([])
    acc_ax.tick_params(length=0)
    colorbar = fig.colorbar(image, ax=[ax, acc_ax], shrink=0.7, pad=0.02)
    colorbar.set_label("fraction of the true class's images")
    heading = title or "Confusion matrix"
    fig.suptitle(f"{heading}\noverall accuracy {correct / total:.1%} ({correct} of {total} images)")
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
    n = _check_count("n", n)
    ncols = _check_count("ncols", ncols)
    class_names = _check_class_names(class_names)
    k = len(class_names)
    images = _image_batch(images)
    y_true = _class_numbers(y_true, k, "true labels (y_true)")
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
    _same_length(images=images, true_labels=y_true, probability_rows=probabilities)
    n = min(n, len(images))
    predicted = probabilities.argmax(axis=1)

    nrows, ncols = _grid(n, ncols)
    fig = Figure(figsize=(2.3 * ncols, 2.55 * nrows + 0.5), layout="constrained")
    right_count = 0
    for i, ax in enumerate(_add_grid_axes(fig, n, ncols)):
        _show(ax, images[i])
        guess, truth = predicted[i], y_true[i]
        confidence = probabilities[i, guess]
        if guess == truth:
            right_count += 1
            ax.set_title(f"✓ {class_names[guess]} {confidence:.0%}\ntrue: {class_names[truth]}",
                         color=_RIGHT, fontsize=10)
        else:
            ax.set_title(f"✗ wrong: {class_names[guess]} {confidence:.0%}\ntrue: {class_names[truth]}",
                         color=_WRONG, fontsize=10, fontweight="bold")
            for spine in ax.spines.values():
                spine.set_edgecolor(_WRONG)
                spine.set_linewidth(4)
    fig.suptitle(title or f"Predictions (class and probability): {right_count} of {n} right")
    return fig


# ================================================================ data augmentation


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


def plot_augmentation(images, n_variants=4, seed=0, n=4, augmentation=None) -> Figure:
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

    n_variants = _check_count("n_variants", n_variants)
    n = _check_count("n", n)
    seed = _check_count("seed", seed, minimum=0)
    images = np.asarray(images)
    if images.ndim == 3 and images.shape[-1] in (1, 3):
        images = images[None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "images must be a batch (n, height, width, 3) such as x_train[:4], or one image "
            f"(height, width, 3); got shape {images.shape}"
        )
    images = _to_unit_range(images, "images")[:n]
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
            _show(axes[r, c], picture[..., 0] if picture.shape[-1] == 1 else picture)
            if c == 0:
                for spine in axes[r, c].spines.values():
                    spine.set_linewidth(2.5)
    for c in range(cols):
        axes[0, c].set_title("original" if c == 0 else f"variant {c}", fontsize=10,
                             fontweight="bold" if c == 0 else "normal")
    fig.suptitle(f"Data augmentation ({subtitle}), seed {seed}", fontsize=11)
    return fig


# ================================================================ vanishing gradients


def _check_gradient_results(results):
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
    checked = _check_gradient_results(results)
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

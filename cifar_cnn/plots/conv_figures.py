"""Figures of convolution: worked by hand, on pictures, and inside a trained network."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..validation import require_count, require_same_length, is_int
from .drawing import WRONG, add_grid_axes, grid_shape, show, text_colour
from .plot_arguments import one_image, one_picture

__all__ = ["plot_convolution", "plot_feature_map_pairs", "plot_feature_maps", "plot_filters"]


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
                color=text_colour(image.cmap(image.norm(value))))
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
    from ..convolution import convolve2d_valid  # imports Keras: only when a figure is drawn

    output = convolve2d_valid(image, kernel)
    out_h, out_w = output.shape
    kh, kw = kernel.shape
    for name, value, limit in (("row", row, out_h), ("col", col, out_w)):
        if not is_int(value) or not 0 <= value < limit:
            raise ValueError(
                f"{name} must be an integer from 0 to {limit - 1}: the output of a {kh}x{kw} kernel "
                f"on a {image.shape[0]}x{image.shape[1]} image is {out_h}x{out_w}; got {value!r}"
            )
    row, col = int(row), int(col)

    fmt_in = _number_format(image, kernel)
    window = image[row : row + kh, col : col + kw]
    value = float(output[row, col])  # the sum of the window's products

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
    highlight = dict(fill=False, edgecolor=WRONG, linewidth=4, zorder=3)
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
    require_same_length(images=images, feature_maps=feature_maps)
    if titles is not None:
        titles = [str(t) for t in titles]
        require_same_length(images=images, titles=titles)
    pictures = [one_picture(image, "images") for image in images]
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
        show(image_ax, picture)
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


def _conv_layers(model, function):
    """The model's Conv2D layers; the model check names the plot that was called."""
    from ..models import conv_layers, require_model  # imports Keras: only when a figure is drawn

    require_model(model, function)
    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"{model.name} has no Conv2D layers, so {function} has nothing to show")
    return convs


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

    max_maps = require_count("max_maps", max_maps)
    convs = _conv_layers(model, "plot_feature_maps")
    image = one_image(image)
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
    show(ax, image)
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

    ncols = require_count("ncols", ncols)
    convs = _conv_layers(model, "plot_filters")
    names = [c.name for c in convs]
    if layer is None:
        conv = convs[0]
    elif isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"{model.name} has no Conv2D layer named {layer!r}; its Conv2D layers are {names}")
        conv = convs[names.index(layer)]
    elif is_int(layer):
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
    nrows, ncols = grid_shape(count, ncols)
    fig = Figure(figsize=(1.2 * ncols + 0.4, 1.3 * nrows + 0.8), layout="constrained")
    for index, ax in enumerate(add_grid_axes(fig, count, ncols)):
        weights = kernel[..., index]
        low, high = weights.min(), weights.max()
        scaled = (weights - low) / (high - low) if high > low else np.full_like(weights, 0.5)
        show(ax, scaled[..., 0] if channels == 1 else scaled)
        ax.set_title(f"filter {index}", fontsize=9)
    fig.suptitle(
        f"The {count} filters of {conv.name} ({kh}×{kw}×{channels}), "
        "each scaled to its own min–max",
        fontsize=11,
    )
    return fig

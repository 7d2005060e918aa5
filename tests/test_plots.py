"""The lesson's figures: each is drawn headless and shows what it claims to show.

Only small seeded synthetic arrays are used; no data set is needed.
"""

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.lib.stride_tricks import sliding_window_view

from cifar_cnn import plots
from cifar_cnn.data import CLASS_NAMES
from cifar_cnn.models import create_model_dense, create_model_intro, create_model_vgg
from cifar_cnn.plots.drawing import WRONG
from cifar_cnn.plots import (
    confusion_matrix,
    plot_augmentation,
    plot_confusion_matrix,
    plot_convolution,
    plot_feature_maps,
    plot_filters,
    plot_gradient_flow,
    plot_images,
    plot_predictions,
    plot_history,
)
from cifar_cnn.training import set_seed

RNG_SEED = 0


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(RNG_SEED).random((30, 32, 32, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def labels():
    return np.random.default_rng(RNG_SEED + 1).integers(0, 10, 30)


@pytest.fixture(scope="module")
def intro():
    set_seed(0)
    return create_model_intro()


def shown(ax):
    """The array an axes displays (its first image)."""
    return np.asarray(ax.get_images()[0].get_array())


def render(fig):
    """Draw the figure off-screen, as savefig would: layout problems raise here."""
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    return fig


def test_every_figure_function_is_exported():
    for name in ["plot_images", "plot_convolution", "plot_feature_maps", "plot_filters",
                 "confusion_matrix", "plot_confusion_matrix", "plot_predictions",
                 "plot_augmentation", "plot_gradient_flow", "plot_history"]:
        assert name in plots.__all__


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


# ---------------------------------------------------------------- plot_convolution


def test_plot_convolution_highlights_the_window_and_its_output_cell():
    image = np.random.default_rng(3).integers(-4, 10, (6, 7))
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    row, col = 2, 3
    fig = render(plot_convolution(image, kernel, row=row, col=col))
    ax_in, ax_kernel, ax_out = fig.get_axes()
    expected = np.einsum("ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel)
    np.testing.assert_array_equal(shown(ax_out), expected)
    # every cell of every panel has its number written in it
    assert [t.get_text() for t in ax_out.texts] == [str(v) for v in expected.ravel()]
    assert [t.get_text() for t in ax_in.texts] == [str(v) for v in image.ravel()]
    # the window on the input and the output cell are outlined
    (window,) = [p for p in ax_in.patches if isinstance(p, Rectangle)]
    assert window.get_xy() == (col - 0.5, row - 0.5)
    assert (window.get_width(), window.get_height()) == (3, 3)
    (cell,) = [p for p in ax_out.patches if isinstance(p, Rectangle)]
    assert cell.get_xy() == (col - 0.5, row - 0.5) and cell.get_width() == 1
    sum_of_products = int(np.sum(image[row:row + 3, col:col + 3] * kernel))
    (cell_text,) = [t for t in ax_out.texts if t.get_position() == (col, row)]
    assert int(cell_text.get_text()) == sum_of_products == expected[row, col]
    caption = fig.get_supxlabel()
    assert caption.startswith(f"output[{row}, {col}] = ")
    assert caption.rstrip().endswith(f"= {sum_of_products}")
    assert caption.count("×") == 9


def test_plot_convolution_writes_decimals_when_needed():
    image = np.arange(16).reshape(4, 4) / 10
    fig = plot_convolution(image, [[0.5, -1.0], [0.25, 0.0]], row=1, col=2)
    value = np.sum(image[1:3, 2:4] * np.array([[0.5, -1.0], [0.25, 0.0]]))
    assert fig.get_supxlabel().rstrip().endswith(f"= {value:.2f}")
    assert "(-1.00)" in fig.get_supxlabel()


def test_plot_convolution_explains_bad_inputs():
    image = np.arange(25).reshape(5, 5)
    with pytest.raises(ValueError, match="does not fit inside"):
        plot_convolution(image, np.ones((6, 6)))
    with pytest.raises(ValueError, match="row must be an integer from 0 to 2"):
        plot_convolution(image, np.ones((3, 3)), row=3)
    with pytest.raises(ValueError, match="col must be"):
        plot_convolution(image, np.ones((3, 3)), col=-1)
    with pytest.raises(ValueError, match="2-D grid"):
        plot_convolution(np.zeros((5, 5, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="at most 12x12"):
        plot_convolution(np.zeros((32, 32)), np.ones((3, 3)))


# ---------------------------------------------------------------- feature maps and filters


def row_labels(fig):
    return [ax.get_ylabel() for ax in fig.get_axes() if ax.get_ylabel()]


def test_feature_maps_have_one_row_per_conv_layer(images, intro):
    fig = render(plot_feature_maps(intro, images[0]))
    assert row_labels(fig) == ["conv1\n30×30×16", "conv2\n13×13×32"]
    assert len(fig.get_axes()) == 1 + 2 * 8  # the input image, then 8 maps per layer
    np.testing.assert_allclose(shown(fig.get_axes()[0]), images[0])
    assert len(plot_feature_maps(intro, images[:1], max_maps=3).get_axes()) == 1 + 2 * 3

    vgg = create_model_vgg()
    fig = plot_feature_maps(vgg, np.round(images[1] * 255).astype(np.uint8), max_maps=4)
    assert len(row_labels(fig)) == 6
    assert row_labels(fig)[-1] == "block3_conv2\n8×8×64"
    assert len(fig.get_axes()) == 1 + 6 * 4


def test_feature_maps_show_the_layer_outputs(images, intro):
    import keras

    fig = plot_feature_maps(intro, images[2], max_maps=2)
    conv1 = keras.Model(intro.inputs, intro.get_layer("conv1").output)
    expected = keras.ops.convert_to_numpy(conv1([images[2:3]]))[0]
    first_map = fig.get_axes()[1]
    np.testing.assert_allclose(shown(first_map), expected[..., 0], rtol=1e-5, atol=1e-6)


def test_feature_maps_explain_bad_inputs(images, intro):
    with pytest.raises(ValueError, match="no Conv2D layers"):
        plot_feature_maps(create_model_dense(), images[0])
    with pytest.raises(ValueError, match="pass one image"):
        plot_feature_maps(intro, images[:2])
    with pytest.raises(ValueError, match="expects"):
        plot_feature_maps(intro, images[0, :28, :28])
    with pytest.raises(ValueError, match="Keras model"):
        plot_feature_maps("intro", images[0])


def test_plot_filters_draws_each_first_layer_kernel_in_colour(intro):
    fig = render(plot_filters(intro))
    axes = fig.get_axes()
    assert len(axes) == 16
    kernel = intro.get_layer("conv1").get_weights()[0]
    for index, ax in enumerate(axes):
        picture = shown(ax)
        assert picture.shape == (3, 3, 3)
        assert picture.min() == pytest.approx(0) and picture.max() == pytest.approx(1)
        weights = kernel[..., index]
        np.testing.assert_allclose(picture, (weights - weights.min()) / np.ptp(weights), atol=1e-6)
    assert len(plot_filters(intro, layer="conv1").get_axes()) == 16
    assert len(plot_filters(intro, layer=0, ncols=4).get_axes()) == 16


def test_plot_filters_explains_bad_layers(intro):
    with pytest.raises(ValueError, match="16 input channels"):
        plot_filters(intro, layer="conv2")
    with pytest.raises(ValueError, match=r"no Conv2D layer named 'dense'.*\['conv1', 'conv2'\]"):
        plot_filters(intro, layer="dense")
    with pytest.raises(ValueError, match="numbered 0 to 1"):
        plot_filters(intro, layer=2)


# ---------------------------------------------------------------- confusion matrix


@pytest.fixture(scope="module")
def outcomes():
    rng = np.random.default_rng(7)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.5, y_true, rng.integers(0, 10, 300))
    return y_true, y_pred


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


def test_plot_history_is_unchanged():
    fig = plot_history({"loss": [1.0, 0.5]})
    assert [ax.get_ylabel() for ax in fig.get_axes()] == ["loss"]

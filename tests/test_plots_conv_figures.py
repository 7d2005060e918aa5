"""Figures of convolution (cifar_cnn.plots.conv_figures): by hand, feature maps, filters.

Only small seeded synthetic arrays are used; no data set is needed.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.lib.stride_tricks import sliding_window_view

from cifar_cnn.convolution import cat_horizontal_edges
from cifar_cnn.models import create_model_dense, create_model_intro, create_model_vgg
from cifar_cnn.plots import plot_convolution, plot_feature_map_pairs, plot_feature_maps, plot_filters
from cifar_cnn.training import set_seed
from plot_helpers import render, shown

RNG_SEED = 0


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(RNG_SEED).random((30, 32, 32, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def intro():
    set_seed(0)
    return create_model_intro()


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


# ---------------------------------------------------------------- feature map pairs


def test_feature_map_pairs_one_row_per_image():
    rng = np.random.default_rng(0)
    images = rng.random((3, 32, 32, 3), dtype=np.float32)
    maps = rng.normal(size=(3, 30, 30)).astype(np.float32)
    fig = plot_feature_map_pairs(images, maps, titles=["a", "b", "c"], caption="kernel")
    assert isinstance(fig, Figure)
    image_axes = [ax for ax in fig.get_axes() if ax.get_label() != "<colorbar>"]
    assert len(image_axes) == 6
    assert [ax.get_title() for ax in image_axes[::2]] == ["a", "b", "c"]
    # the colour scale is centred on 0, so sign shows as red vs blue
    low, high = image_axes[1].get_images()[0].get_clim()
    assert low == -high == -float(np.abs(maps[0]).max())


def test_feature_map_pairs_for_the_cat():
    cat = cat_horizontal_edges()
    fig = plot_feature_map_pairs([cat.inputs], [cat.feature_map])
    assert fig.get_axes()[1].get_title() == "feature map 298x449"


@pytest.mark.parametrize(
    "images, maps, kwargs, message",
    [
        ([], [], {}, "at least one image"),
        ([np.zeros((8, 8))], [np.zeros((6, 6))] * 2, {}, "1 images, 2 feature_maps"),
        ([np.zeros((8, 8))], [np.zeros((2, 6, 6))], {}, "pass one 2-D map per image"),
        ([np.zeros((8, 8))], [np.zeros((6, 6))], {"titles": ["a", "b"]}, "1 images, 2 titles"),
        ([np.full((8, 8), 300.0)], [np.zeros((6, 6))], {}, "scaled to"),
    ],
)
def test_feature_map_pairs_bad_input(images, maps, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_feature_map_pairs(images, maps, **kwargs)

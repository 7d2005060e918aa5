"""`cifar-cnn figures`: every lesson figure, drawn by the package, the same every time."""

import hashlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from cifar_cnn.cli import main
from cifar_cnn.convolution import cat_horizontal_edges
from cifar_cnn.figures import make_figures
from cifar_cnn.plots import plot_feature_map_pairs

FIGURES = {
    "cifar10_examples.png", "augmentation.png", "convolution_matrix.png", "edges_cat.png",
    "edges_cifar.png", "training_history.png", "feature_maps.png", "filters.png",
    "confusion_matrix.png", "predictions.png", "gradient_flow.png",
}



def digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.png")}


def test_figures_command_draws_every_figure_deterministically(tiny_cifar, tmp_path, capsys):
    small = dict(data_dir=tiny_cifar, n_train=60, n_test=20, epochs=1, depths=(2, 3))
    written = make_figures(tmp_path / "first", **small)
    assert {p.name for p in written} == FIGURES
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in written)
    make_figures(tmp_path / "second", **small)
    assert digests(tmp_path / "first") == digests(tmp_path / "second")
    assert not [p for p in (tmp_path / "first").iterdir() if "partial" in p.name]


def test_figures_command_line(tiny_cifar, tmp_path, capsys):
    code = main(["figures", "--out", str(tmp_path / "fig"), "--data-dir", str(tiny_cifar),
                 "--n-train", "60", "--n-test", "20", "--epochs", "1"])
    assert code == 0
    assert "11 figures in" in capsys.readouterr().out
    assert {p.name for p in (tmp_path / "fig").iterdir()} == FIGURES


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

"""`cifar-cnn figures`: every lesson figure, drawn by the package, the same every time."""

import hashlib
import json

import numpy as np

from cifar_cnn.cli import main
from cifar_cnn.workshop.figures import make_figures

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
    # the second run passes every count as a NumPy integer (as np.arange gives them):
    # the same pictures, byte for byte
    numpy_counts = dict(small, n_train=np.int64(60), n_test=np.int32(20), epochs=np.int64(1),
                        depths=np.arange(2, 4))
    make_figures(tmp_path / "second", **numpy_counts)
    assert digests(tmp_path / "first") == digests(tmp_path / "second")
    numbers = json.loads((tmp_path / "first" / "figures.json").read_text())
    # the model figures describe the validation images only: the test set waits for episode 7's end
    assert numbers["confusion_matrix"]["images"] == numbers["predictions"]["images"] == "validation"
    assert sum(map(sum, numbers["confusion_matrix"]["matrix"])) == 60 // 4
    assert numbers["training_history"]["epochs"] == 1
    assert not [p for p in (tmp_path / "first").iterdir() if "partial" in p.name]


def test_figures_command_line(tiny_cifar, tmp_path, capsys):
    code = main(["figures", "--out", str(tmp_path / "fig"), "--data-dir", str(tiny_cifar),
                 "--n-train", "60", "--n-test", "20", "--epochs", "1"])
    assert code == 0
    assert "11 figures in" in capsys.readouterr().out
    assert {p.name for p in (tmp_path / "fig").iterdir()} == FIGURES | {"figures.json"}


"""Saving and reloading a model (the training-curve figure the CLI saves: test_plots_training.py)."""

import os
import stat

import numpy as np
import pytest

from cifar_cnn.models import create_model_intro
from cifar_cnn.sharing import load_model, save_model
from cifar_cnn.training import set_seed


def test_saved_model_reloads_and_predicts_the_same(tmp_path):
    set_seed(3)
    model = create_model_intro()
    images = np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32)
    path = save_model(model, tmp_path / "nested" / "intro.keras")  # missing folders are created
    reloaded = load_model(path)
    assert reloaded.name == "cifar_model_intro"
    np.testing.assert_array_equal(model.predict(images, verbose=0), reloaded.predict(images, verbose=0))
    assert [p.name for p in path.parent.iterdir()] == ["intro.keras"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not tempfile's private 0600


def test_an_interrupted_save_leaves_nothing_behind(tmp_path):
    class Broken:
        def save(self, path):
            open(path, "wb").write(b"half a model")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_model(Broken(), tmp_path / "model.keras")
    assert list(tmp_path.iterdir()) == []


def test_model_files_must_use_the_keras_format(tmp_path):
    with pytest.raises(ValueError, match="name it 'model.keras'"):
        save_model(create_model_intro(), tmp_path / "model.h5")
    with pytest.raises(FileNotFoundError, match="no model file"):
        load_model(tmp_path / "missing.keras")


"""cifar_cnn.sharing: saving atomically, exact round trips, files that would run code, damaged files."""

from __future__ import annotations

import json
import os
import stat
import zipfile

import keras
import numpy as np
import pytest

from cifar_cnn import sharing
from cifar_cnn.models import create_model_intro
from cifar_cnn.sharing import ModelFileError, UnsafeModelError, load_model, save_model
from cifar_cnn.training import compile_model, set_seed


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((16, 32, 32, 3), dtype=np.float32)


@pytest.fixture(scope="module")
def trained(images):
    """The intro model after a few training steps, so its weights are not the initial ones."""
    set_seed(5)
    model = compile_model(create_model_intro())
    before = [w.copy() for w in model.get_weights()]
    labels = np.arange(len(images)) % 10
    model.fit(images, labels, batch_size=4, epochs=2, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    return model


@pytest.fixture
def saved(trained, tmp_path):
    return save_model(trained, tmp_path / "intro.keras")


def lambda_model(marker=None):
    """A model with a Lambda layer; with `marker`, its code creates that file when it runs."""
    if marker is None:
        function = lambda t: t * 2.0  # noqa: E731
    else:
        path = str(marker)  # a closure: Keras saves its value with the code
        function = lambda t: (open(path, "a").close(), t * 2.0)[1]  # noqa: E731
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2, name="readout")(keras.layers.Lambda(function, name="double")(inputs))
    return keras.Model(inputs, outputs)


# -------------------------------------------------------------- round trip


def test_reloaded_model_predicts_exactly_the_same(trained, saved, images):
    reloaded = load_model(saved)
    assert np.array_equal(trained.predict(images, verbose=0), reloaded.predict(images, verbose=0))
    for original, loaded in zip(trained.get_weights(), reloaded.get_weights()):
        assert np.array_equal(original, loaded)
    assert reloaded.optimizer is not None  # compiled: training can go on


def test_reloaded_model_keeps_training_like_the_original(trained, saved, images):
    labels = np.arange(len(images)) % 10
    reloaded = load_model(saved)
    twin = load_model(saved)
    a = reloaded.train_on_batch(images, labels)
    b = twin.train_on_batch(images, labels)
    assert np.array_equal(np.asarray(a), np.asarray(b))


# ------------------------------------------------------- code in the file


def test_lambda_layer_is_refused_and_its_code_does_not_run(tmp_path):
    marker = tmp_path / "the-lambda-ran"
    model = lambda_model(marker)
    path = tmp_path / "shared.keras"
    model.save(path)  # plain Keras, as someone else would have saved it
    marker.unlink()  # building the model ran it once; from now on it must not run

    with pytest.raises(UnsafeModelError) as caught:
        load_model(path)
    message = str(caught.value)
    assert message == (
        f"the model file {path} contains a Lambda layer 'double', i.e. Python code that would run "
        "when loading it. Only load model files you trust (ones you saved yourself, or from "
        f"someone you trust); to load it anyway: load_model({str(path)!r}, trust_code=True)."
    )
    assert isinstance(caught.value, ValueError)  # `except ValueError` code keeps working
    assert not marker.exists()

    # The opt-in really does run the code: the reason for the refusal.
    assert load_model(path, trust_code=True) is not None
    assert marker.exists()


def test_trusted_lambda_model_predicts_the_same(tmp_path):
    model = lambda_model()
    path = save_model(model, tmp_path / "lambda.keras")
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    for loaded in (load_model(path, trust_code=True), load_model(path, safe_mode=False)):
        assert np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_keras_own_safe_mode_refusal_is_translated(tmp_path, monkeypatch):
    # Pretend our scan missed it: Keras's ValueError must still become UnsafeModelError.
    path = save_model(lambda_model(), tmp_path / "lambda.keras")
    monkeypatch.setattr(sharing, "_code_in_config", lambda config: [])
    with pytest.raises(UnsafeModelError, match="something Keras refuses in safe mode") as caught:
        load_model(path)
    assert str(path) in str(caught.value) and "trust_code=True" in str(caught.value)


def test_a_python_lambda_anywhere_in_the_config_is_refused(tmp_path):
    path = tmp_path / "odd.keras"
    config = {"class_name": "Functional", "config": {"activation": {"class_name": "__lambda__", "config": {}}}}
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
    with pytest.raises(UnsafeModelError, match="a Python lambda function"):
        load_model(path)


# -------------------------------------------------------------- bad files


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.99])
def test_truncated_file(saved, keep):
    blob = saved.read_bytes()
    saved.write_bytes(blob[: int(len(blob) * keep)])
    with pytest.raises(ModelFileError) as caught:
        load_model(saved)
    message = str(caught.value)
    assert message.startswith(f"cannot load the model file {saved}: ")
    assert ("it is empty" if keep == 0 else "it is not a complete .keras file") in message
    assert "Save the model again" in message


def test_file_that_is_not_a_model(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("these are my notes, not a model\n")
    with pytest.raises(ModelFileError, match="not a complete .keras file"):
        load_model(path)


def test_zip_without_a_model_inside(tmp_path):
    path = tmp_path / "photos.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("cat.txt", "meow")
    with pytest.raises(ModelFileError, match="holds no config.json"):
        load_model(path)


def test_damaged_weights_inside_the_zip(saved, tmp_path):
    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            blob = source.read(name)
            target.writestr(name, blob[: len(blob) // 2] if name.endswith(".h5") else blob)
    with pytest.raises(ModelFileError) as caught:
        load_model(damaged)
    assert str(caught.value).startswith(f"cannot load the model file {damaged}: ")


def test_damaged_config_inside_the_zip(saved, tmp_path):
    damaged = tmp_path / "damaged.keras"
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            target.writestr(name, b"{not json" if name == "config.json" else source.read(name))
    with pytest.raises(ModelFileError, match="its configuration cannot be read"):
        load_model(damaged)


def test_unknown_custom_layer(tmp_path):
    @keras.saving.register_keras_serializable(package="test_sharing_safe")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    inputs = keras.Input((3,))
    path = save_model(keras.Model(inputs, Twice()(inputs)), tmp_path / "custom.keras")
    del keras.saving.get_custom_objects()["test_sharing_safe>Twice"]  # a session without that code
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert "it uses the class 'Twice', which this Python session does not define" in str(caught.value)


# ------------------------------------------------------------------- names


@pytest.mark.parametrize("name", ["model.h5", "model.keras.zip", "model"])
def test_non_keras_names(tmp_path, trained, name):
    with pytest.raises(ValueError, match="model files use the .keras format"):
        save_model(trained, tmp_path / name)
    (tmp_path / name).write_bytes(b"whatever")
    with pytest.raises(ValueError, match="model files use the .keras format") as caught:
        load_model(tmp_path / name)
    assert not isinstance(caught.value, ModelFileError)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load_model(tmp_path / "missing.keras")
    (tmp_path / "folder.keras").mkdir()
    with pytest.raises(ModelFileError, match="it is a folder, not a .keras file"):
        load_model(tmp_path / "folder.keras")


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

"""No dead ends: after a failed fit, evaluate or train, the corrected call works.

Keras's first trace of a training step creates variables; when that trace fails, the
half-traced step stays on the model and the next call fails with "Creating variables on a
non-first call to a function decorated with tf.function" (cifar_cnn.recovery). These tests
make the learner's mistakes with real Keras, in an IPython shell with friendly_errors()
on (as a notebook kernel runs it) and through the package, then make the right call.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

import cifar_cnn
from cifar_cnn import recovery

SETUP = """
import keras, numpy as np, cifar_cnn
cifar_cnn.friendly_errors()
rng = np.random.default_rng(0)
images = rng.random((64, 32, 32, 3), dtype=np.float32)
labels = rng.integers(0, 10, 64)
one_hot = np.eye(10, dtype="float32")[labels]
cifar_cnn.set_seed(0)
model = cifar_cnn.compile_model(cifar_cnn.create_model_intro())
before = [w.copy() for w in model.get_weights()]
"""
RIGHT_FIT = "history = model.fit(images, labels, validation_data=(images, labels), epochs=1, verbose=0)"


@pytest.fixture
def shell(capfd):
    shell = InteractiveShell.instance()
    try:
        assert shell.run_cell(SETUP).success
        yield shell
    finally:
        shell.run_cell("cifar_cnn.friendly_errors(False)")
        InteractiveShell.clear_instance()
        capfd.readouterr()


def _trained(shell):
    namespace = shell.user_ns
    changed = any(not np.array_equal(a, b) for a, b in zip(namespace["before"], namespace["model"].get_weights()))
    return changed and np.isfinite(namespace["history"].history["loss"][0])


@pytest.mark.parametrize("wrong", [
    "model.fit(images, validation_data=(images, labels), epochs=1, verbose=0)",  # labels forgotten
    "model.fit(images, one_hot, validation_data=(images, labels), epochs=1, verbose=0)",  # one-hot, sparse loss
], ids=["no-labels", "one-hot-labels-with-the-sparse-loss"])
def test_the_right_fit_trains_after_a_failed_one(shell, wrong, capfd):
    failed = shell.run_cell(wrong)
    assert not failed.success
    assert "What this error means" in capfd.readouterr().err  # the hint, not a dead end
    for attempt in (1, 2):  # and again: a second right call works as well
        result = shell.run_cell(RIGHT_FIT)
        assert result.success, (attempt, result.error_in_exec)
    assert _trained(shell)


def test_evaluate_works_after_a_failed_evaluate_on_a_loaded_model(shell, tmp_path):
    path = tmp_path / "intro.keras"
    assert shell.run_cell(f"model.fit(images, labels, epochs=1, verbose=0); model.save({str(path)!r})").success
    assert shell.run_cell(f"loaded = keras.models.load_model({str(path)!r})").success
    assert not shell.run_cell("loaded.evaluate(images, one_hot, verbose=0)").success
    assert not shell.run_cell("loaded.evaluate(images, verbose=0)").success  # labels forgotten
    result = shell.run_cell("scores = loaded.evaluate(images, labels, verbose=0, return_dict=True)")
    assert result.success, result.error_in_exec
    assert 0 <= shell.user_ns["scores"]["accuracy"] <= 1


def test_the_hook_resets_only_models_whose_fit_failed():
    keras.utils.set_random_seed(0)
    model = cifar_cnn.compile_model(cifar_cnn.create_model_intro())
    other = cifar_cnn.compile_model(cifar_cnn.create_model_intro())
    images = np.zeros((8, 32, 32, 3), "float32")
    try:
        model.fit(images, epochs=1, verbose=0)
    except ValueError as error:
        tb = error.__traceback__
    assert recovery.models_in_traceback(tb) == [model]
    assert recovery.calls_in_traceback(tb)[0][0] == "fit"
    assert other not in recovery.models_in_traceback(tb)
    assert not recovery.forget_failed_steps("not a model")


def test_train_and_evaluate_leave_no_broken_model_when_the_first_trace_fails():
    """A metric that fails while the first step is traced stands for any such failure:
    the package's train and evaluate reset the model, so the next call works."""
    calls = {"n": 0}

    def flaky_accuracy(y_true, y_pred):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("a failure inside the first trace")
        return keras.metrics.sparse_categorical_accuracy(y_true, y_pred)

    rng = np.random.default_rng(0)
    images, labels = rng.random((64, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, 64)
    keras.utils.set_random_seed(0)
    model = cifar_cnn.compile_model(cifar_cnn.create_model_intro(), metrics=[flaky_accuracy])
    with pytest.raises(ValueError, match="first trace"):
        cifar_cnn.train(model, (images, labels), epochs=1, verbose=0)
    history = cifar_cnn.train(model, (images, labels), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    calls["n"] = 0
    model.test_function = None  # evaluate traces its own step: make it fail once too
    with pytest.raises(ValueError, match="first trace"):
        cifar_cnn.evaluate(model, images, labels)
    assert 0 <= cifar_cnn.evaluate(model, images, labels)["flaky_accuracy"] <= 1

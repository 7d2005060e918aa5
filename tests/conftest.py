"""Fixtures shared by the test files (the repository's root conftest.py pins the environment)."""

import pytest

from cifar_files import write_cifar_folder


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """Keep a test away from the real ~/.keras and from CIFAR_CNN_DATA."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("CIFAR_CNN_DATA", raising=False)


@pytest.fixture
def tiny_cifar(clean_environment, tmp_path):
    """A real-format CIFAR-10 folder of 100 training and 20 test images."""
    return write_cifar_folder(tmp_path / "data", n_per_batch=20, n_test=20)


@pytest.fixture(scope="module")
def full_float32_precision():
    """On GPUs with TensorFloat-32 a conv rounds to 10 mantissa bits; keep full float32.

    Test files that compare Keras layers with NumPy use it for the whole module:
    ``pytestmark = pytest.mark.usefixtures("full_float32_precision")``.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    before = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    yield
    tf.config.experimental.enable_tensor_float_32_execution(before)

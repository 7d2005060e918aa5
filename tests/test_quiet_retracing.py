"""No "tf.function retracing" warning from the lesson's own train and evaluate (issue 21).

Keras traces its functions anew for every new model and TensorFlow counts the traces of
all models together, so from about the third model of a session it warned about
"excessive retracing" under a learner's early-stopping cell. The package mutes that one
warning while it trains and evaluates, and only then.
"""

import logging

import numpy as np
import pytest

from cifar_cnn import compile_model, create_model_intro, evaluate, train
from cifar_cnn.pipeline import quiet_retracing

RETRACING = "5 out of the last 5 calls to <function f> triggered tf.function retracing."


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def tensorflow_log():
    logger = logging.getLogger("tensorflow")
    handler = Collect()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_only_the_retracing_warning_is_muted_and_only_inside(tensorflow_log):
    logger = logging.getLogger("tensorflow")
    with quiet_retracing():
        logger.warning(RETRACING)
        logger.warning("another warning")
    logger.warning(RETRACING)
    assert tensorflow_log == ["another warning", RETRACING]


def test_training_several_new_models_shows_no_retracing_warning(tensorflow_log):
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, 64)
    for _ in range(4):  # the warning came from the third model on
        model = compile_model(create_model_intro())
        train(model, (x, y, x[:32], y[:32]), epochs=1, batch_size=32, seed=1, verbose=0)
        evaluate(model, x[:32], y[:32])
    assert not [m for m in tensorflow_log if "retracing" in m]

"""The fast training path, the fast model and its recipe (the workshop planner's tests are in test_planning.py).

No timing is asserted here (speed is measured by the scripts in benchmarks/); these tests
check that the fast path trains the same thing correctly.
"""

import math
import warnings

import keras
import numpy as np
import pytest

from cifar_cnn.cli import main
from cifar_cnn.models import create_model_fast, create_model_intro
from cifar_cnn.data.load import aligned_empty
from cifar_cnn.pipeline import MAX_STEPS_PER_EXECUTION, divisor_at_most, shared_tensor
from cifar_cnn.training import (
    compile_model,
    evaluate,
    set_seed,
    train,
    train_fast,
)


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, n)


# ------------------------------------------------------------------ training path


@pytest.mark.parametrize("steps, limit, expected", [(1250, 32, 25), (313, 32, 1), (64, 32, 32), (7, 32, 7), (40, 16, 10)])
def test_steps_per_execution_divides_the_epoch(steps, limit, expected):
    assert divisor_at_most(steps, limit) == expected


@pytest.mark.parametrize("n, batch_size", [(100, 32), (96, 32), (10, 32)])
def test_every_epoch_sees_each_image_once(n, batch_size):
    """The pipeline repeats, so an epoch is a step count: check it is exactly one pass,
    with the last, smaller batch (100 images at 32: 3 batches of 32 and one of 4)."""
    x, y = images(n)
    set_seed(0)
    model = compile_model(create_model_intro())
    seen = []

    class Count(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(int(self.model.optimizer.iterations.numpy()))

    history = train(model, (x, y), epochs=3, batch_size=batch_size, verbose=0, callbacks=[Count()])
    steps = math.ceil(n / batch_size)
    assert history.params["steps"] == steps
    assert seen == [steps, 2 * steps, 3 * steps]
    assert model.steps_per_execution == divisor_at_most(steps, MAX_STEPS_PER_EXECUTION)


def test_validation_accuracy_is_measured_on_the_whole_validation_set_once():
    x, y = images(96)
    x_val, y_val = images(37, seed=1)  # not a multiple of any batch size used
    set_seed(0)
    model = compile_model(create_model_intro())
    history = train(model, (x, y, x_val, y_val), epochs=2, batch_size=16, verbose=0)
    direct = model.evaluate(x_val, y_val, batch_size=37, verbose=0, return_dict=True)
    assert history.history["val_accuracy"][-1] == pytest.approx(direct["accuracy"])
    assert history.history["val_loss"][-1] == pytest.approx(direct["loss"], rel=1e-5)


def aligned(a):
    out = aligned_empty(a.shape, a.dtype)
    out[...] = a
    return out


def unaligned(a):
    """The same numbers one byte past load_cifar10's alignment: read by numpy_function."""
    out = np.empty(a.nbytes + 65, np.uint8)
    start = (-out.ctypes.data % 64) + 1
    out = out[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def test_aligned_arrays_are_shared_with_tensorflow_not_copied():
    x = aligned(np.zeros((4, 32, 32, 3), np.uint8))
    tensor = shared_tensor(x)
    x[1, 2, 3, 0] = 7  # a change to the array shows in the tensor: they are one memory
    assert tensor.numpy()[1, 2, 3, 0] == 7
    assert shared_tensor(unaligned(x)) is None  # read batch by batch instead


def test_load_cifar10_aligns_its_images(tiny_cifar):
    from cifar_cnn.data import load_cifar10

    for dtype in ("uint8", "float32"):
        data = load_cifar10(tiny_cifar, n_val=20, dtype=dtype)
        for x in (data.x_train, data.x_val, data.x_test):
            assert x.ctypes.data % 64 == 0 and x.flags.c_contiguous and x.dtype == dtype
    raw, scaled = load_cifar10(tiny_cifar, n_val=20, dtype="uint8"), load_cifar10(tiny_cifar, n_val=20)
    expected = raw.x_test.astype(np.float32)
    expected /= 255.0
    assert np.array_equal(scaled.x_test, expected)


def test_uint8_images_train_exactly_like_images_scaled_by_load_cifar10():
    """The pipeline's float32 division gives the same inputs as load_cifar10's, bit for bit,
    whether the arrays are shared with TensorFlow (aligned) or read by numpy_function."""
    rng = np.random.default_rng(5)
    raw = rng.integers(0, 256, (96, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, 96)
    scaled = raw.astype(np.float32)
    scaled /= 255.0  # as load_cifar10(dtype="float32") scales
    runs, scores = [], []
    for x in (aligned(raw), unaligned(raw), aligned(scaled), unaligned(scaled)):
        set_seed(4)
        model = compile_model(create_model_intro())
        runs.append(train(model, (x[:64], y[:64], x[64:], y[64:]), epochs=2, batch_size=16, verbose=0).history)
        scores.append(evaluate(model, x[64:], y[64:]))
    assert runs[0] == runs[1] == runs[2] == runs[3]
    assert scores[0] == scores[1] == scores[2] == scores[3]


def test_train_reseeds_only_when_asked(monkeypatch):
    import cifar_cnn.training as training

    calls = []
    monkeypatch.setattr(keras.utils, "set_random_seed", calls.append)
    x, y = images(32)
    model = compile_model(create_model_intro())
    train(model, (x, y), epochs=1, batch_size=16, verbose=0)
    assert calls == []
    training.train(model, (x, y), epochs=1, batch_size=16, seed=7, verbose=0)
    assert calls == [7]


def test_the_same_seed_gives_the_same_history():
    x, y = images(128)
    runs = []
    for _ in range(2):
        set_seed(3)
        model = compile_model(create_model_intro())
        runs.append(train(model, (x, y, x[:32], y[:32]), epochs=2, batch_size=16, seed=3, verbose=0).history)
    assert runs[0] == runs[1]


def test_training_again_with_other_sizes_rebuilds_the_step_function():
    model = compile_model(create_model_intro())
    x, y = images(64)
    train(model, (x, y), epochs=1, batch_size=32, verbose=0)
    assert model.steps_per_execution == 2
    train(model, (x[:48], y[:48]), epochs=1, batch_size=16, verbose=0)
    assert model.steps_per_execution == 3
    # Plain Keras still works on the model afterwards.
    assert model.predict(x[:5], verbose=0).shape == (5, 10)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)


def test_train_does_not_warn():
    x, y = images(64)
    model = compile_model(create_model_intro())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(model, (x, y, x[:16], y[:16]), epochs=1, batch_size=32, verbose=0)


# ------------------------------------------------------------------ fast model and recipe


def test_fast_model_shapes_and_parameters():
    model = create_model_fast()
    assert model.name == "cifar_model_fast"
    assert model.count_params() == 158_386
    assert model.get_layer("block3_pool").output.shape == (None, 4, 4, 96)
    assert model.output_shape == (None, 10)
    assert "random_flip" in [layer.name for layer in model.layers]
    assert "random_flip" not in [layer.name for layer in create_model_fast(augment=False).layers]


def test_fast_model_augments_only_while_training():
    set_seed(0)
    model = create_model_fast()
    x, _ = images(4)
    assert np.array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not np.allclose(model(x, training=True), model(x, training=True))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": ()}, "filters must be a tuple"),
        ({"filters": (16, 0)}, r"filters\[1\] must be at least 1"),
        ({"augment": "yes"}, "augment must be True or False"),
        ({"input_shape": (8, 8, 3), "filters": (8, 8, 8, 8)}, "too small for create_model_fast"),
    ],
)
def test_fast_model_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_model_fast(**kwargs)


def test_train_fast_follows_its_schedule():
    x, y = images(256)
    set_seed(0)
    model = create_model_fast(filters=(8, 8))
    history = train_fast(model, (x, y, x[:64], y[:64]), epochs=4, batch_size=64, verbose=0)
    assert len(history.history["loss"]) == 4
    # warm-up: min(2, 4 // 4) = 1 epoch (4 steps of 64 images) up to the peak, then a
    # cosine down to 0 over the other 3 epochs (12 steps)
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay"
    assert schedule["config"]["warmup_steps"] == 4 and schedule["config"]["decay_steps"] == 12
    assert schedule["config"]["warmup_target"] == pytest.approx(3e-3)
    assert int(model.optimizer.iterations.numpy()) == 16
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be at least 1"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"peak_learning_rate": -1}, "peak_learning_rate must be a positive number"),
        ({"epochs": 3, "warmup_epochs": 3}, "warmup_epochs must be at most 2"),
    ],
)
def test_train_fast_checks_its_arguments(kwargs, message):
    x, y = images(32)
    with pytest.raises(ValueError, match=message):
        train_fast(create_model_fast(filters=(8,)), (x, y), verbose=0, **kwargs)


def test_cli_trains_the_fast_model_with_its_recipe(tiny_cifar, tmp_path, capsys):
    code = main(["train", "fast", "--epochs", "2", "--n-val", "20", "--data-dir", str(tiny_cifar),
                 "--out", str(tmp_path / "out")])
    assert code == 0
    out = capsys.readouterr().out
    assert "for 2 epochs with its recipe (train_fast)" in out
    assert (tmp_path / "out" / "fast.keras").stat().st_size > 0

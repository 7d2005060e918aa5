"""Seeding, compiling with the lesson's defaults, training, and early checks."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from cifar_cnn.models import create_model_intro, create_model_one_conv
from cifar_cnn.training import compile_model, evaluate, set_seed, train


def tiny_data(n=64, n_val=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n + n_val, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, n + n_val)
    return x[:n], y[:n], x[n:], y[n:]


def test_compile_model_uses_the_lessons_defaults():
    model = compile_model(create_model_intro())
    assert model.compiled
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss == "sparse_categorical_crossentropy"


def test_compile_model_accepts_a_single_metric_and_a_learning_rate():
    # Keras 3 rejects metrics=<one metric>; the package wraps it in a list.
    model = compile_model(
        create_model_intro(), metrics=keras.metrics.SparseCategoricalAccuracy(), learning_rate=0.01
    )
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)
    x, y, _, _ = tiny_data(8, 0)
    model.fit(x, y, epochs=1, verbose=0)  # the metric works


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"optimizer": "adamm"}, "unknown optimizer 'adamm'"),
        ({"learning_rate": 0}, "learning_rate must be a positive number"),
        ({"learning_rate": "fast"}, "learning_rate must be a positive number"),
    ],
)
def test_compile_model_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compile_model(create_model_intro(), **kwargs)


def test_compile_model_needs_a_model():
    with pytest.raises(TypeError, match="expects a Keras model"):
        compile_model(create_model_intro)  # the factory, not the model


def test_train_returns_a_history_with_validation_curves():
    set_seed(1)
    model = create_model_one_conv()
    history = train(model, tiny_data(), epochs=2, batch_size=16, verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 2
    assert all(np.isfinite(history.history["loss"]))
    scores = evaluate(model, *tiny_data()[2:])
    assert set(scores) >= {"loss", "accuracy"} and 0 <= scores["accuracy"] <= 1


def test_train_accepts_a_pair_without_validation():
    x, y, _, _ = tiny_data()
    history = train(create_model_one_conv(), (x, y), epochs=1, verbose=0)
    assert "val_loss" not in history.history


def test_train_accepts_label_columns_as_keras_datasets_gives_them():
    x, y, _, _ = tiny_data()
    history = train(create_model_one_conv(), (x, y[:, None]), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_train_compiles_for_one_hot_labels():
    x, y, _, _ = tiny_data()
    one_hot = np.eye(10, dtype="float32")[y]
    model = create_model_one_conv()
    train(model, (x, one_hot), epochs=1, verbose=0)
    assert model.loss == "categorical_crossentropy"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda x, y: (x[:, :28, :28, :1], y), r"have shape \(28, 28, 1\) but cifar_model_intro expects \(32, 32, 3\)"),
        (lambda x, y: (x, y[:10]), "64 training images but 10 labels"),
        (lambda x, y: (x, y + 5), "labels run from 5 to 14 but the model has 10 outputs"),
        (lambda x, y: (x, y.astype("float32")), "labels must be integers"),
        (lambda x, y: (x, np.eye(3)[y % 3]), "one-hot with 3 columns"),
        (lambda x, y: (x[:0], y[:0]), "set is empty"),
    ],
)
def test_train_reports_data_that_does_not_fit_the_model(make, message):
    x, y, _, _ = tiny_data()
    with pytest.raises(ValueError, match=message):
        train(create_model_intro(), make(x, y), epochs=1, verbose=0)


def test_train_reports_a_loss_that_does_not_match_the_labels():
    x, y, _, _ = tiny_data()
    model = compile_model(create_model_intro())
    with pytest.raises(ValueError, match="labels are one-hot but the model was compiled with sparse"):
        train(model, (x, np.eye(10)[y]), epochs=1, verbose=0)
    model = compile_model(create_model_intro(), loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="labels are class numbers but the model was compiled with categorical"):
        train(model, (x, y), epochs=1, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": 0}, "epochs must be at least 1"), ({"batch_size": 2.5}, "batch_size must be")],
)
def test_train_bad_numbers(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(create_model_intro(), tiny_data(), **kwargs)


def augmented_intro():
    """Episode 5's augmented model: random flips and rotations in front of the intro network."""
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomRotation(10 / 360)(x)
    return keras.Model(inputs, create_model_intro()(x))


@pytest.mark.parametrize("factory", ["create_model_intro", "create_model_dropout", "augmented"])
def test_a_continued_run_gives_the_numbers_of_one_uninterrupted_run(factory):
    """Episode 5 continues its trained models with early stopping instead of training them
    again from scratch: epochs 1-2 and then 3-4 must be epochs 1-4 of one run (same
    shuffling order, same dropout and augmentation draws, the optimizer's state kept)."""
    import cifar_cnn

    data = tiny_data(n=96, n_val=32)

    def fresh_model():
        set_seed(42)
        return compile_model(augmented_intro() if factory == "augmented" else getattr(cifar_cnn, factory)())

    model = fresh_model()
    first = train(model, data, epochs=2, batch_size=32, seed=42, verbose=0).history
    then = train(model, data, epochs=4, initial_epoch=2, batch_size=32, seed=42, verbose=0).history
    assert len(first["loss"]) == len(then["loss"]) == 2
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the exact continuation is the TensorFlow pipeline's; on other backends model.fit "
                    "shuffles, and a continued run only trains on")
    whole = train(fresh_model(), data, epochs=4, batch_size=32, seed=42, verbose=0).history
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(first[key] + then[key], whole[key], rtol=1e-5, err_msg=key)
    # and a continued run is not simply the first epochs again
    assert not np.allclose(then["loss"], whole["loss"][:2], rtol=1e-3)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": 4, "initial_epoch": 10}, "To train 4 more epochs after epoch 10, pass epochs=14"),
     ({"epochs": 10, "initial_epoch": 10}, "trains nothing"),
     ({"initial_epoch": -1}, "initial_epoch must be at least 0")],
)
def test_train_explains_initial_epoch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train(create_model_intro(), tiny_data(), **kwargs)


def test_train_and_evaluate_need_the_right_objects():
    with pytest.raises(TypeError, match="expects a Keras model"):
        train("intro", tiny_data())
    with pytest.raises(TypeError, match="data must be what load_cifar10"):
        train(create_model_intro(), {"x": 1})
    with pytest.raises(ValueError, match="not compiled"):
        evaluate(create_model_intro(), *tiny_data()[2:])


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_set_seed_refuses_non_integers(seed):
    with pytest.raises(ValueError, match="seed must be (at least 0|a whole number)"):
        set_seed(seed)


RUN = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from cifar_cnn import create_model_intro, set_seed, train
    seed, how = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)  # the data stay fixed; only the seed varies
    x = rng.random((256, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, 256)
    set_seed(seed)
    model = create_model_intro()
    data = (x[:192], y[:192], x[192:], y[192:])
    if how == "train-seed":
        history = train(model, data, epochs=2, seed=seed, verbose=0)
    else:  # the lesson's way: set_seed before the model, train() without a seed
        history = train(model, data, epochs=2, verbose=0)
    print(json.dumps(history.history))
    """
)


def run_in_fresh_processes(seeds, how="train-seed"):
    procs = [
        subprocess.Popen([sys.executable, "-c", RUN, str(s), how], stdout=subprocess.PIPE, text=True)
        for s in seeds
    ]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


@pytest.mark.parametrize("how", ["train-seed", "set_seed-only"])
def test_same_seed_gives_the_same_losses_in_fresh_processes(how):
    first, second, other = run_in_fresh_processes([7, 7, 8], how)
    assert first == second  # bit for bit, every metric of every epoch
    assert first["loss"] != other["loss"]


def test_training_leaves_the_test_images_on_disk(tiny_cifar):
    """train() uses the training and validation arrays only; the test images are read
    when first evaluated (load_cifar10 defers them to keep them out of a training run)."""
    from cifar_cnn import load_cifar10

    data = load_cifar10(tiny_cifar, n_val=20, dtype="uint8")
    set_seed(1)
    model = compile_model(create_model_one_conv())
    train(model, data, epochs=1, batch_size=16, verbose=0)
    assert not data.test_loaded
    scores = evaluate(model, data.x_test, data.y_test)
    assert data.test_loaded and 0.0 <= scores["accuracy"] <= 1.0

"""Training: seeding, compiling with the lesson's defaults, fitting and evaluating.

Arguments are checked before Keras runs, so a mismatch between the data and the model
("your images are 28x28x1 but the model expects 32x32x3") is reported in plain words
instead of as a stack trace from inside the backend.
"""

from __future__ import annotations

import math

import numpy as np

from . import lesson
from .pipeline import batches, fit_tensorflow, quiet_retracing, scaled
from .recovery import reset_on_failure
from .validation import require_count, require_real

__all__ = ["set_seed", "compile_model", "train", "train_fast", "evaluate"]


def set_seed(seed: int = lesson.SEED) -> None:
    """Seed Python, NumPy and the Keras backend in one call.

    Call it *before* building a model: the initial weights are drawn when the layers are
    created, so the same seed then gives the same weights and, on the same machine, the
    same training curve.
    """
    seed = require_count("seed", seed, minimum=0)
    import keras

    keras.utils.set_random_seed(int(seed))


def compile_model(
    model,
    *,
    optimizer="adam",
    learning_rate=None,
    loss="sparse_categorical_crossentropy",
    metrics=("accuracy",),
    **unknown,
):
    """Compile ``model`` with the lesson's defaults and return it.

    Adam, sparse categorical cross-entropy (integer labels 0-9) and accuracy. Use
    ``loss="categorical_crossentropy"`` for one-hot labels. ``metrics`` may be one
    metric or several; it is always passed to Keras as a list (Keras 3 rejects a bare
    metric object).
    """
    import keras

    from .models import require_model

    if unknown:
        _unknown_arguments("compile_model", unknown, ("optimizer", "learning_rate", "loss", "metrics"))
    require_model(model, "compile_model")
    if learning_rate is not None:
        learning_rate = require_real("learning_rate", learning_rate)
        if not isinstance(optimizer, str):
            raise ValueError("pass learning_rate only with an optimizer name such as 'adam'")
    if isinstance(optimizer, str):
        try:
            optimizer = keras.optimizers.get(optimizer)
        except ValueError:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; try 'adam', 'sgd' or 'rmsprop'"
            ) from None
        if learning_rate is not None:
            optimizer.learning_rate = float(learning_rate)
    if isinstance(metrics, (str, keras.metrics.Metric)) or callable(metrics):
        metrics = [metrics]
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


# Keras 2 names that Keras 3 (and the package) spell differently.
KERAS2_NAMES = {"lr": "learning_rate", "epoch": "epochs", "nb_epoch": "epochs", "metric": "metrics"}


def _unknown_arguments(function, unknown, known):
    """A TypeError that names each unknown keyword argument and the one meant."""
    import difflib

    fixes = []
    for name, value in unknown.items():
        meant = KERAS2_NAMES.get(name) or next(iter(difflib.get_close_matches(name, known, n=1)), None)
        fixes.append(f"{meant}={value!r}" if meant in known else None)
    names = ", ".join(unknown)
    if all(fixes):
        keras2 = " (the Keras 2 name)" if any(n in KERAS2_NAMES for n in unknown) else ""
        raise TypeError(f"{function}() has no argument {names}{keras2}: write {', '.join(fixes)}")
    raise TypeError(f"{function}() has no argument {names}; its arguments are {', '.join(known)}")


def split_data(data):
    """(x_train, y_train, x_val, y_val) from a CIFAR10 tuple, or a 2- or 4-tuple."""
    if hasattr(data, "x_train"):
        return data.x_train, data.y_train, getattr(data, "x_val", None), getattr(data, "y_val", None)
    if isinstance(data, (tuple, list)) and len(data) in (2, 4):
        return (*data, None, None)[:4]
    raise TypeError(
        "data must be what load_cifar10() returns, or a tuple (x_train, y_train) or "
        f"(x_train, y_train, x_val, y_val); got {type(data).__name__}"
    )


def require_arrays(model, x, y, what):
    """Fail early, in the lesson's terms, when images or labels do not fit the model."""
    if x is None or y is None:
        raise ValueError(f"{what} images and labels are both needed")
    x = np.asarray(x)
    y = np.asarray(y)
    expected = tuple(model.input_shape[1:])
    if x.ndim != len(expected) + 1 or tuple(x.shape[1:]) != expected:
        raise ValueError(
            f"the {what} images have shape {x.shape[1:]} but {model.name} expects "
            f"{expected}: build the model with input_shape={tuple(x.shape[1:])} or reshape the images"
        )
    if len(x) != len(y):
        raise ValueError(f"{len(x)} {what} images but {len(y)} labels: they must match one to one")
    if len(x) == 0:
        raise ValueError(f"the {what} set is empty")
    num_classes = model.output_shape[-1]
    if y.ndim == 2 and y.shape[1] == 1 and num_classes != 1:
        y = y[:, 0]  # an (n, 1) column, as keras.datasets.cifar10 returns labels
    if y.ndim == 2:
        if y.shape[1] != num_classes:
            raise ValueError(
                f"the {what} labels are one-hot with {y.shape[1]} columns but the model has "
                f"{num_classes} outputs"
            )
    elif y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"the {what} labels must be integers (class numbers), got {y.dtype}")
        if y.min() < 0 or y.max() >= num_classes:
            raise ValueError(
                f"the {what} labels run from {y.min()} to {y.max()} but the model has "
                f"{num_classes} outputs (classes 0 to {num_classes - 1})"
            )
    else:
        raise ValueError(f"the {what} labels must be a vector of class numbers or one-hot rows")
    return x, y


def _require_loss_matches(model, y):
    """Sparse loss needs integer labels; categorical loss needs one-hot rows."""
    loss = getattr(model, "loss", None)
    name = loss if isinstance(loss, str) else getattr(loss, "name", "") or ""
    if "sparse" in name and y.ndim == 2:
        raise ValueError(
            "the labels are one-hot but the model was compiled with sparse categorical "
            "cross-entropy: load the data with one_hot=False or compile with "
            "loss='categorical_crossentropy'"
        )
    if "categorical" in name and "sparse" not in name and y.ndim == 1:
        raise ValueError(
            "the labels are class numbers but the model was compiled with categorical "
            "cross-entropy: compile with loss='sparse_categorical_crossentropy' or load "
            "the data with one_hot=True"
        )


def train(model, data, *, epochs=lesson.EPOCHS, batch_size=lesson.BATCH_SIZE, seed=None, callbacks=None,
          verbose="auto", initial_epoch=0):
    """Fit ``model`` on the training images, validating on the validation images.

    Parameters
    ----------
    model : keras.Model
        A model from one of the factories. If it is not compiled yet it is compiled
        with :func:`compile_model`'s defaults (categorical loss for one-hot labels).
    data : CIFAR10 or tuple
        What :func:`cifar_cnn.load_cifar10` returns, or ``(x_train, y_train)`` or
        ``(x_train, y_train, x_val, y_val)``. The test images are never used here.
        Images are float (usually 0-1) or uint8 (0-255): uint8 images, e.g. from
        ``load_cifar10(dtype="uint8")``, are scaled to 0-1 batch by batch, exactly as
        ``load_cifar10`` scales them, so they train the same model from a quarter of
        the memory.
    epochs, batch_size : int
        Passes over the training images, and images per gradient step.
    seed : int or None
        ``None`` (the default) leaves the session's random generators alone: the
        shuffling order is drawn from NumPy's global generator, so after
        :func:`set_seed` (called before building the model, as the lesson does) the
        whole run is repeatable. An integer reseeds every generator first
        (:func:`set_seed`) and seeds the shuffling with it.
    callbacks : list, optional
        Keras callbacks, e.g. ``keras.callbacks.EarlyStopping``.
    verbose : "auto", 0, 1 or 2
        Progress display, as in ``model.fit``.
    initial_epoch : int
        Continue a run: the number of epochs the model has already trained, as in
        ``model.fit``. ``epochs`` still counts from the first epoch, so
        ``train(model, data, epochs=30, initial_epoch=10)`` trains epochs 11 to 30 at
        most. With the same ``seed`` on the TensorFlow backend, the continued epochs see
        the images in the order the uninterrupted run would have: 10 epochs and then
        epochs 11 to 14 give the numbers of one 14-epoch run (on the same machine).

    Returns
    -------
    keras.callbacks.History
        ``history.history`` holds loss and accuracy per epoch (and ``val_...``).

    Notes
    -----
    This is ``model.fit`` with the same model, loss, optimizer and batch size; on the
    TensorFlow backend it only feeds the data faster: a ``tf.data`` pipeline that
    shuffles indices and gathers each batch from the arrays, one iterator for the whole
    run, up to 32 batches per call into TensorFlow (``steps_per_execution``; progress
    bars and batch callbacks then advance in such chunks) and validation in batches of
    256. On a 2-core CPU that makes the lesson's 10 epochs about 1.5 times faster than
    a plain ``model.fit(x, y)`` (``docs/benchmarks.md``).
    """
    from .models import require_model

    require_model(model, "train")
    epochs = require_count("epochs", epochs)
    batch_size = require_count("batch_size", batch_size)
    initial_epoch = require_count("initial_epoch", initial_epoch, minimum=0)
    if initial_epoch >= epochs:
        raise ValueError(
            f"initial_epoch={initial_epoch} with epochs={epochs} trains nothing: epochs counts from the "
            f"first epoch, as in model.fit. To train {epochs} more epochs after epoch {initial_epoch}, "
            f"pass epochs={initial_epoch + epochs}"
        )
    x_train, y_train, x_val, y_val = split_data(data)
    x_train, y_train = require_arrays(model, x_train, y_train, "training")
    validation = None
    if x_val is not None and len(x_val):
        validation = require_arrays(model, x_val, y_val, "validation")
    if not model.compiled:
        one_hot = y_train.ndim == 2
        compile_model(model, loss="categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy")
    _require_loss_matches(model, y_train)
    if seed is not None:
        set_seed(seed)
    import keras

    # A failed first trace would leave a broken step on the model: reset_on_failure
    # replaces it, so the learner's next, corrected call trains (cifar_cnn.recovery).
    with reset_on_failure(model):
        if keras.backend.backend() == "tensorflow":
            if seed is None:  # drawn, not reset: set_seed before the model makes it repeatable
                seed = int(np.random.randint(0, 2**31 - 1))
            return fit_tensorflow(model, x_train, y_train, validation, epochs, batch_size, seed, callbacks, verbose,
                                  initial_epoch)
        if validation is not None:
            validation = (scaled(validation[0]), validation[1])
        return model.fit(
            scaled(x_train),
            y_train,
            epochs=epochs,
            initial_epoch=initial_epoch,
            batch_size=batch_size,
            validation_data=validation,
            callbacks=callbacks,
            verbose=verbose,
        )


def train_fast(model, data, *, epochs=15, batch_size=128, peak_learning_rate=3e-3, warmup_epochs=None,
               seed=None, callbacks=None, verbose="auto"):
    """The training recipe for :func:`cifar_cnn.create_model_fast`.

    Adam whose learning rate rises linearly from 0 to ``peak_learning_rate`` over
    ``warmup_epochs`` (default: 2, fewer in runs shorter than 8 epochs) and then falls
    to 0 along a cosine by the last epoch, with batches of 128 images. Batch normalization makes the high peak rate safe; the decay to 0
    lets the last epochs settle into a minimum, so the final epoch is the best one.
    The model is (re)compiled here, because the schedule depends on the number of steps.
    ``seed`` works as in :func:`train` (``None``: the session's generators are left alone).

    Returns the ``keras.callbacks.History`` of :func:`train`.
    """
    import keras

    from .models import require_model

    require_model(model, "train_fast")
    epochs = require_count("epochs", epochs)
    batch_size = require_count("batch_size", batch_size)
    if warmup_epochs is None:
        warmup_epochs = min(2, epochs // 4)
    warmup_epochs = require_count("warmup_epochs", warmup_epochs, minimum=0, maximum=epochs - 1)
    peak_learning_rate = require_real("peak_learning_rate", peak_learning_rate)
    x_train = split_data(data)[0]
    steps = math.ceil(len(x_train) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        warmup_target=float(peak_learning_rate),
        warmup_steps=warmup_epochs * steps,
        decay_steps=(epochs - warmup_epochs) * steps,
    )
    compile_model(model, optimizer=keras.optimizers.Adam(learning_rate=schedule))
    return train(model, data, epochs=epochs, batch_size=batch_size, seed=seed, callbacks=callbacks, verbose=verbose)


def evaluate(model, x, y, *, batch_size=256, verbose=0) -> dict:
    """Loss and metrics of a compiled model on ``(x, y)``, as a dict.

    Use it on the test images once, at the very end: choices made by looking at the
    test score are no longer tested by it.
    """
    if not getattr(model, "compiled", False):
        raise ValueError("the model is not compiled: call compile_model(model) or train it first")
    x, y = require_arrays(model, x, y, "evaluation")
    _require_loss_matches(model, y)
    import keras

    with reset_on_failure(model):
        if keras.backend.backend() == "tensorflow":
            pipeline, _ = batches(x, y, batch_size, shuffle=False, repeat=False)
            with quiet_retracing():  # a new model traces anew: expected, not a learner's problem
                return model.evaluate(pipeline, verbose=verbose, return_dict=True)
        return model.evaluate(scaled(x), y, batch_size=batch_size, verbose=verbose, return_dict=True)

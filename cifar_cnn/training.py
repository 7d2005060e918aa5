"""Training: seeding, compiling with the lesson's defaults, fitting and evaluating.

Arguments are checked before Keras runs, so a mismatch between the data and the model
("your images are 28x28x1 but the model expects 32x32x3") is reported in plain words
instead of as a stack trace from inside the backend.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import lesson

__all__ = ["set_seed", "compile_model", "train", "train_fast", "evaluate"]


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy and the Keras backend in one call.

    Call it *before* building a model: the initial weights are drawn when the layers are
    created, so the same seed then gives the same weights and, on the same machine, the
    same training curve.
    """
    if not _is_int(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
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
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
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


def _split_data(data):
    """(x_train, y_train, x_val, y_val) from a CIFAR10 tuple, or a 2- or 4-tuple."""
    if hasattr(data, "x_train"):
        return data.x_train, data.y_train, getattr(data, "x_val", None), getattr(data, "y_val", None)
    if isinstance(data, (tuple, list)) and len(data) in (2, 4):
        return (*data, None, None)[:4]
    raise TypeError(
        "data must be what load_cifar10() returns, or a tuple (x_train, y_train) or "
        f"(x_train, y_train, x_val, y_val); got {type(data).__name__}"
    )


def _check_arrays(model, x, y, what):
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


def _check_loss_matches(model, y):
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
          verbose="auto"):
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
    a plain ``model.fit(x, y)`` (``benchmarks/README.md``).
    """
    from .models import require_model

    require_model(model, "train")
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    x_train, y_train, x_val, y_val = _split_data(data)
    x_train, y_train = _check_arrays(model, x_train, y_train, "training")
    validation = None
    if x_val is not None and len(x_val):
        validation = _check_arrays(model, x_val, y_val, "validation")
    if not model.compiled:
        one_hot = y_train.ndim == 2
        compile_model(model, loss="categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy")
    _check_loss_matches(model, y_train)
    if seed is not None:
        set_seed(seed)
    import keras

    if keras.backend.backend() == "tensorflow":
        if seed is None:  # drawn, not reset: set_seed before the model makes it repeatable
            seed = int(np.random.randint(0, 2**31 - 1))
        return _fit_tensorflow(model, x_train, y_train, validation, epochs, batch_size, seed, callbacks, verbose)
    if validation is not None:
        validation = (_scaled(validation[0]), validation[1])
    return model.fit(
        _scaled(x_train),
        y_train,
        epochs=epochs,
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
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if warmup_epochs is None:
        warmup_epochs = min(2, epochs // 4)
    if not _is_int(warmup_epochs) or not 0 <= warmup_epochs < epochs:
        raise ValueError(f"warmup_epochs must be an integer from 0 to epochs - 1, got {warmup_epochs!r}")
    if isinstance(peak_learning_rate, bool) or not isinstance(peak_learning_rate, numbers.Real) or peak_learning_rate <= 0:
        raise ValueError(f"peak_learning_rate must be a positive number, got {peak_learning_rate!r}")
    x_train = _split_data(data)[0]
    steps = math.ceil(len(x_train) / batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        warmup_target=float(peak_learning_rate),
        warmup_steps=warmup_epochs * steps,
        decay_steps=(epochs - warmup_epochs) * steps,
    )
    compile_model(model, optimizer=keras.optimizers.Adam(learning_rate=schedule))
    return train(model, data, epochs=epochs, batch_size=batch_size, seed=seed, callbacks=callbacks, verbose=verbose)


# Batches handed to TensorFlow per call from Python. Each call costs about a millisecond
# of Python overhead, as much as a whole step of the intro model at batch size 32.
MAX_STEPS_PER_EXECUTION = 32
# Validation only predicts, so larger batches are faster and give the same accuracy.
VALIDATION_BATCH_SIZE = 256
# Batches gathered ahead while the model computes (0: none).
PREFETCH = 2


def _divisor_at_most(steps, limit):
    """The largest divisor of ``steps`` that is at most ``limit``."""
    return next(d for d in range(min(steps, limit), 0, -1) if steps % d == 0)


def _shared_tensor(a):
    """A TensorFlow tensor on the same memory as the NumPy array ``a`` (no copy), or None.

    TensorFlow needs the data to start on a 64-byte boundary, as ``load_cifar10``'s arrays
    (and slices of them from the start) do; other arrays are read batch by batch instead.
    """
    import tensorflow as tf

    if not (a.flags.c_contiguous and a.flags.writeable and a.ctypes.data % 64 == 0 and a.size):
        return None
    return tf.experimental.dlpack.from_dlpack(a.__dlpack__())


def _batches(x, y, batch_size, *, shuffle, seed=None, repeat=True, prefetch=PREFETCH):
    """A tf.data pipeline of (images, labels) batches, and the number of batches per pass.

    Only the indices are shuffled; each batch is then gathered straight from the NumPy
    arrays, which are never copied as a whole: a tensor sharing their memory when they
    are aligned as ``load_cifar10`` aligns them, else a ``tf.numpy_function`` reading
    each batch. (Converting them to a tensor, and tf.data's graph rewrites copying that
    tensor once more, held two more copies of the training set: 1 GB more at float32.)
    uint8 images (``load_cifar10(dtype="uint8")``) are scaled to 0-1 batch by batch, the
    same float32 division ``load_cifar10`` does, so the model sees the same numbers from a
    quarter of the memory. With ``repeat`` the pipeline runs forever and ``fit`` is told
    how many steps make an epoch, so Keras keeps one iterator for the whole run instead of
    building a new one every epoch (which stalled for about two seconds in about half the
    epochs on our 2-core benchmark machine).
    """
    import tensorflow as tf

    x = np.asarray(x)
    y = np.asarray(y)
    image_shape, label_shape = (None, *x.shape[1:]), (None, *y.shape[1:])
    images = _shared_tensor(x)
    labels = tf.constant(y)  # small: 8 bytes an image

    if images is not None:
        def gather(i):
            return tf.gather(images, i), tf.gather(labels, i)
    else:
        def read(i):  # runs in Python, on one batch of indices
            return x[i]

        def gather(i):
            batch = tf.numpy_function(read, [i], tf.as_dtype(x.dtype), stateful=False)
            batch.set_shape(image_shape)
            return batch, tf.gather(labels, i)

    def load(i):
        batch, batch_labels = gather(i)
        if x.dtype == np.uint8:
            batch = tf.cast(batch, tf.float32) / 255.0
        batch_labels.set_shape(label_shape)
        return batch, batch_labels

    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size).map(load)
    if repeat:
        batches = batches.repeat()
    if prefetch:
        batches = batches.prefetch(prefetch)
    # tf.data's default graph rewrites serialize the pipeline, copying every tensor it holds
    # (the whole training set); this pipeline is already as simple as they would make it.
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return batches.with_options(options), math.ceil(len(x) / batch_size)


def _validation_layout(n, steps_per_execution):
    """(batch size, steps) for one pass over ``n`` validation images in a whole number of
    executions, with batches near VALIDATION_BATCH_SIZE; None if there is no such layout."""
    per_call = VALIDATION_BATCH_SIZE * steps_per_execution
    for calls in range(max(1, round(n / per_call)), max(1, round(n / per_call)) + 3):
        steps = calls * steps_per_execution
        batch_size = math.ceil(n / steps)
        if math.ceil(n / batch_size) == steps:
            return batch_size, steps
    return None


def _fit_tensorflow(model, x, y, validation, epochs, batch_size, seed, callbacks, verbose):
    """``model.fit`` through a tf.data pipeline: the same training, less overhead."""
    dataset, steps = _batches(x, y, batch_size, shuffle=True, seed=seed)
    steps_per_execution = _divisor_at_most(steps, MAX_STEPS_PER_EXECUTION)
    _set_steps_per_execution(model, steps_per_execution)
    validation_data = validation_steps = None
    if validation is not None:
        layout = _validation_layout(len(validation[0]), steps_per_execution)
        if layout is None:  # a finite pass instead: Keras then restarts it every epoch
            validation_data, _ = _batches(*validation, VALIDATION_BATCH_SIZE, shuffle=False, repeat=False)
        else:  # repeated like the training data, so one iterator serves every epoch
            validation_data, validation_steps = _batches(*validation, layout[0], shuffle=False)
    return model.fit(
        dataset,
        steps_per_epoch=steps,
        epochs=epochs,
        shuffle=False,  # the pipeline shuffles already
        validation_data=validation_data,
        validation_steps=validation_steps,
        callbacks=callbacks,
        verbose=verbose,
    )


def _set_steps_per_execution(model, steps):
    """Run ``steps`` batches per call; the compiled step functions are rebuilt if needed."""
    if model.steps_per_execution != steps:
        model.steps_per_execution = steps
        model.train_function = model.test_function = model.predict_function = None


def evaluate(model, x, y, *, batch_size=256, verbose=0) -> dict:
    """Loss and metrics of a compiled model on ``(x, y)``, as a dict.

    Use it on the test images once, at the very end: choices made by looking at the
    test score are no longer tested by it.
    """
    if not getattr(model, "compiled", False):
        raise ValueError("the model is not compiled: call compile_model(model) or train it first")
    x, y = _check_arrays(model, x, y, "evaluation")
    _check_loss_matches(model, y)
    import keras

    if keras.backend.backend() == "tensorflow":
        batches, _ = _batches(x, y, batch_size, shuffle=False, repeat=False)
        return model.evaluate(batches, verbose=verbose, return_dict=True)
    return model.evaluate(_scaled(x), y, batch_size=batch_size, verbose=verbose, return_dict=True)


def _scaled(x):
    """uint8 pixels as float32 0-1 (as load_cifar10 scales them); other arrays unchanged.

    Only the other backends need it whole; the TensorFlow pipeline scales batch by batch.
    """
    if x.dtype != np.uint8:
        return x
    x = x.astype(np.float32)
    x /= 255.0
    return x


# Public for cifar_cnn.gradients, which checks its batch against the model the same way.
check_arrays = _check_arrays

"""The input pipeline behind :func:`cifar_cnn.training.train`: ``model.fit`` with less overhead.

On the TensorFlow backend ``train`` hands Keras a ``tf.data`` pipeline instead of NumPy
arrays: indices are shuffled, each batch is gathered from the arrays held once in memory
(uint8 images are scaled to 0-1 per batch), one iterator serves the whole run and several
batches go to TensorFlow per call. The model, the loss, the optimizer and the batch size
are the caller's; only the way the data arrives changes (``docs/benchmarks.md``).
"""

from __future__ import annotations

import contextlib
import logging
import math

import numpy as np

from .data.load import ALIGNMENT

__all__ = [
    "MAX_STEPS_PER_EXECUTION", "VALIDATION_BATCH_SIZE", "PREFETCH", "divisor_at_most", "shared_tensor",
    "batches", "validation_layout", "fit_tensorflow", "set_steps_per_execution", "scaled",
    "quiet_retracing",
    "replicas", "max_steps_per_execution",
]


# Batches handed to TensorFlow per call from Python. Each call costs about a millisecond
# of Python overhead, as much as a whole step of the intro model at batch size 32.
MAX_STEPS_PER_EXECUTION = 32
# Validation only predicts, so larger batches are faster and give the same accuracy.
VALIDATION_BATCH_SIZE = 256
# Batches gathered ahead while the model computes (0: none).
PREFETCH = 2


def divisor_at_most(steps, limit):
    """The largest divisor of ``steps`` that is at most ``limit``."""
    return next(d for d in range(min(steps, limit), 0, -1) if steps % d == 0)


def shared_tensor(a):
    """A TensorFlow tensor on the same memory as the NumPy array ``a`` (no copy), or None.

    TensorFlow needs the data to start on a 64-byte boundary, as ``load_cifar10``'s arrays
    (and slices of them from the start) do; other arrays are read batch by batch instead.
    """
    import tensorflow as tf

    if not (a.flags.c_contiguous and a.flags.writeable and a.ctypes.data % ALIGNMENT == 0 and a.size):
        return None
    return tf.experimental.dlpack.from_dlpack(a.__dlpack__())


def batches(x, y, batch_size, *, shuffle, seed=None, repeat=True, prefetch=PREFETCH, skip_passes=0):
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
    epochs on our 2-core benchmark machine). ``skip_passes`` starts at the pass after
    that many: a run continued at epoch 11 sees the order a run from epoch 1 would have
    shuffled for its 11th epoch (only the indices are drawn for the skipped passes).
    """
    import tensorflow as tf

    x = np.asarray(x)
    y = np.asarray(y)
    image_shape, label_shape = (None, *x.shape[1:]), (None, *y.shape[1:])
    images = shared_tensor(x)
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

    steps = math.ceil(len(x) / batch_size)  # batches per pass
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    pipeline = indices.batch(batch_size)
    if repeat:
        pipeline = pipeline.repeat()
    if skip_passes:
        pipeline = pipeline.skip(skip_passes * steps)
    pipeline = pipeline.map(load)  # after the skip: skipped batches are never gathered
    if prefetch:
        pipeline = pipeline.prefetch(prefetch)
    # tf.data's default graph rewrites serialize the pipeline, copying every tensor it holds
    # (the whole training set); this pipeline is already as simple as they would make it.
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False
    return pipeline.with_options(options), steps


def validation_layout(n, steps_per_execution):
    """(batch size, steps) for one pass over ``n`` validation images in a whole number of
    executions, with batches near VALIDATION_BATCH_SIZE; None if there is no such layout."""
    per_call = VALIDATION_BATCH_SIZE * steps_per_execution
    for calls in range(max(1, round(n / per_call)), max(1, round(n / per_call)) + 3):
        steps = calls * steps_per_execution
        batch_size = math.ceil(n / steps)
        if math.ceil(n / batch_size) == steps:
            return batch_size, steps
    return None


class _DropRetracing(logging.Filter):
    def filter(self, record):
        return "tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def quiet_retracing():
    """Mute TensorFlow's "tf.function retracing" warning for the duration.

    Keras traces its training and evaluation functions anew for every new model, and
    TensorFlow counts the traces of all models together: from the third or so model of a
    session (episode 5 trains many) it warns about "excessive retracing". That is the
    expected cost of a new model, nothing a learner can or should fix.
    """
    logger = logging.getLogger("tensorflow")
    quiet = _DropRetracing()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def fit_tensorflow(model, x, y, validation, epochs, batch_size, seed, callbacks, verbose, initial_epoch=0):
    """``model.fit`` through a tf.data pipeline: the same training, less overhead."""
    dataset, steps = batches(x, y, batch_size, shuffle=True, seed=seed, skip_passes=initial_epoch)
    steps_per_execution = divisor_at_most(steps, max_steps_per_execution())
    set_steps_per_execution(model, steps_per_execution)
    validation_data = validation_steps = None
    if validation is not None:
        layout = validation_layout(len(validation[0]), steps_per_execution)
        if layout is None:  # a finite pass instead: Keras then restarts it every epoch
            validation_data, _ = batches(*validation, VALIDATION_BATCH_SIZE, shuffle=False, repeat=False)
        else:  # repeated like the training data, so one iterator serves every epoch
            validation_data, validation_steps = batches(*validation, layout[0], shuffle=False)
    with quiet_retracing():
        return _fit(model, dataset, steps, epochs, validation_data, validation_steps, callbacks, verbose,
                    initial_epoch)


def _fit(model, dataset, steps, epochs, validation_data, validation_steps, callbacks, verbose, initial_epoch=0):
    return model.fit(
        dataset,
        steps_per_epoch=steps,
        epochs=epochs,
        initial_epoch=initial_epoch,
        shuffle=False,  # the pipeline shuffles already
        validation_data=validation_data,
        validation_steps=validation_steps,
        callbacks=callbacks,
        verbose=verbose,
    )


def replicas():
    """How many devices share each step: more than 1 inside a ``tf.distribute`` strategy's
    scope (e.g. ``MirroredStrategy`` over several GPUs, or logical CPU devices)."""
    import tensorflow as tf

    return tf.distribute.get_strategy().num_replicas_in_sync if tf.distribute.has_strategy() else 1


def max_steps_per_execution():
    """MAX_STEPS_PER_EXECUTION, or 1 under a strategy with several replicas.

    Keras's multi-step loop fails on a distributed iterator (TensorFlow 2.21, Keras 3.15:
    ``InvalidArgumentError`` at ``while/cond/Placeholder``); one step per call works and
    the per-call overhead is small beside a step split over several devices.
    """
    return 1 if replicas() > 1 else MAX_STEPS_PER_EXECUTION


def set_steps_per_execution(model, steps):
    """Run ``steps`` batches per call; the compiled step functions are rebuilt if needed.

    The one place the package touches Keras internals. Keras 3 has no public way to change
    ``steps_per_execution`` after ``compile`` (it is a ``compile`` argument, and compiling
    again would reset the optimizer the caller chose), and a step function already traced
    keeps the old number of steps: setting ``model.train_function`` (and its test and
    predict siblings) to None is how Keras itself marks them to be traced again
    (``make_train_function(force=True)`` does the same for one of them).
    """
    if model.steps_per_execution != steps:
        model.steps_per_execution = steps
        model.train_function = model.test_function = model.predict_function = None


def scaled(x):
    """uint8 pixels as float32 0-1 (as load_cifar10 scales them); other arrays unchanged.

    Only the other backends need it whole; the TensorFlow pipeline scales batch by batch.
    """
    if x.dtype != np.uint8:
        return x
    x = x.astype(np.float32)
    x /= 255.0
    return x

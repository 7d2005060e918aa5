"""A speed-run recipe: as much test accuracy as two CPU cores reach in ten minutes.

:func:`create_model_speedrun` and :func:`train_speedrun` carry the published CIFAR-10
speed-run techniques (David Page's ResNet-9 for DAWNBench, Keller Jordan's hlb-cifar10 and
airbench) over to a laptop CPU, sized for its throughput rather than a GPU's:

- a first layer of fixed 2x2 *patch-whitening* filters, computed from the training images
  (the eigenvectors of the covariance of 2x2 patches, scaled to unit variance): the network
  starts from decorrelated inputs and spends no training on learning them;
- wide-then-pooled blocks: convolution, 2x2 max pooling, batch normalization, ReLU, then a
  second convolution at the pooled size, so most convolutions run at a quarter of the
  pixels of the block before;
- global max pooling and a dense layer whose outputs are scaled down (``logit_scale``),
  which keeps the softmax soft early in training;
- label smoothing 0.2, random horizontal flips and random translations of up to 2 pixels
  (reflected at the border), Nesterov SGD with L2 weight decay and a one-cycle learning
  rate (linear warm-up, then linear decay to 0 at the last step), batches of 256;
- flip test-time augmentation: :func:`evaluate_speedrun` averages the predictions for each
  image and its mirror image.

The lesson's models are not changed by any of this; this module is the frontier the
benchmarks measure (``benchmarks/speedrun.py``, ``docs/benchmarks.md``).
"""

from __future__ import annotations

import math

import numpy as np

from ..lesson import SEED
from ..validation import require_count, require_flag, require_int_tuple, require_real

__all__ = ["create_model_speedrun", "whitening_filters", "train_speedrun", "evaluate_speedrun"]

WHITENING_PATCH = 2  # 2x2 patches: 12 numbers per patch for colour images


def create_model_speedrun(input_shape=(32, 32, 3), num_classes=10, *, filters=(32, 64, 128), logit_scale=0.125,
                          weight_decay=5e-4, name="cifar_model_speedrun"):
    """The speed-run network: fixed whitening layer, three wide-then-pooled blocks.

    Parameters
    ----------
    input_shape : tuple of 3 ints
        Images as (height, width, channels), pixels scaled to 0-1.
    num_classes : int
        Outputs of the softmax layer.
    filters : tuple of 3 ints
        Feature maps of the three blocks (each block halves the height and width).
    logit_scale : float
        Multiplies the dense layer's outputs before the softmax.
    weight_decay : float
        L2 penalty on the convolution and dense kernels (0 for none).

    The whitening layer (``"whiten"``) starts as zeros and is not trained: set its
    filters with :func:`whitening_filters` (``train_speedrun`` does).

    Returns
    -------
    keras.Model
        The uncompiled model.
    """
    from ..factory_parts import require_fits, require_input_shape  # imports Keras

    input_shape = require_input_shape(input_shape, num_classes, "create_model_speedrun", "filters")
    filters = require_int_tuple("filters", filters)
    if len(filters) != 3:
        raise ValueError(f"filters must be 3 numbers of feature maps such as (32, 64, 128), got {filters!r}")
    logit_scale = require_real("logit_scale", logit_scale, positive=False)
    weight_decay = require_real("weight_decay", weight_decay, positive=False)
    # the whitening convolution (2x2, valid), then a 2x2 pooling per block
    require_fits("create_model_speedrun", input_shape, [("conv", WHITENING_PATCH, 0)] + [("pool", 2, 0)] * 3)

    import keras
    from keras import layers

    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None  # L2's gradient is 2*l2*w

    def conv(x, width, name):
        return layers.Conv2D(width, 3, padding="same", use_bias=False, kernel_regularizer=regularizer,
                             name=name)(x)

    def bn_relu(x, name):
        x = layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=f"{name}_bn")(x)
        return layers.ReLU(name=f"{name}_relu")(x)

    inputs = keras.Input(shape=input_shape, name="images")
    patch_features = 2 * WHITENING_PATCH * WHITENING_PATCH * input_shape[2]  # each eigenvector and its negative
    x = layers.Conv2D(patch_features, WHITENING_PATCH, padding="valid", use_bias=True, trainable=False,
                      kernel_initializer="zeros", name="whiten")(inputs)
    x = layers.ReLU(name="whiten_relu")(x)
    for block, width in enumerate(filters, start=1):
        x = conv(x, width, f"block{block}_conv1")
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        x = bn_relu(x, f"block{block}_conv1")
        x = conv(x, width, f"block{block}_conv2")
        x = bn_relu(x, f"block{block}_conv2")
    x = layers.GlobalMaxPooling2D(name="pool")(x)
    x = layers.Dense(num_classes, use_bias=False, kernel_regularizer=regularizer, name="logits")(x)
    x = layers.Rescaling(logit_scale, name="logit_scale")(x)
    outputs = layers.Activation("softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)


def whitening_filters(images, *, patch=WHITENING_PATCH, epsilon=5e-4, max_patches=500_000, seed=SEED):
    """(kernel, bias) of a convolution that whitens ``patch`` x ``patch`` patches.

    The kernel's filters are the eigenvectors of the patches' covariance, each divided by
    the square root of its eigenvalue (plus ``epsilon``), and their negatives, so a ReLU
    after it keeps both signs. The bias subtracts the mean patch. ``images`` are float
    0-1 or uint8 (scaled here).
    """
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images.astype(np.float32) / 255.0
    n, h, w, c = images.shape
    rng = np.random.default_rng(seed)
    # Patches at random positions of random images: enough for a 12x12 covariance.
    count = min(max_patches, n * (h - patch + 1) * (w - patch + 1))
    which = rng.integers(0, n, count)
    rows = rng.integers(0, h - patch + 1, count)
    cols = rng.integers(0, w - patch + 1, count)
    patches = np.stack([images[which, rows + i, cols + j] for i in range(patch) for j in range(patch)], axis=1)
    patches = patches.reshape(count, patch * patch * c).astype(np.float64)  # (i, j, channel) order
    mean = patches.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    filters = eigenvectors / np.sqrt(eigenvalues + epsilon)  # columns
    filters = np.concatenate([filters, -filters], axis=1)
    kernel = filters.reshape(patch, patch, c, -1).astype(np.float32)
    bias = (-mean @ filters).astype(np.float32)
    return kernel, bias


def _augmented_batches(x, y, batch_size, num_classes, *, seed, shuffle, augment, repeat):
    """tf.data batches gathered from the uint8 or float arrays, augmented in NumPy.

    Flips and shifts are drawn per image from a NumPy generator seeded once, in the
    pipeline's single (sequential) map, so a seed gives the same batches every run.
    """
    import tensorflow as tf

    x = np.asarray(x)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    pad = 2
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect") if augment else x
    h, w = x.shape[1:3]
    eye = np.eye(num_classes, dtype=np.float32)

    def gather(i):
        if augment:
            dy = rng.integers(0, 2 * pad + 1, len(i))
            dx = rng.integers(0, 2 * pad + 1, len(i))
            rows = dy[:, None] + np.arange(h)[None, :]
            cols = dx[:, None] + np.arange(w)[None, :]
            flip = rng.random(len(i)) < 0.5
            cols[flip] = cols[flip, ::-1]
            images = padded[i[:, None, None], rows[:, :, None], cols[:, None, :]]
        else:
            images = x[i]
        return images, eye[y[i]]

    def load(i):
        images, labels = tf.numpy_function(gather, [i], (tf.as_dtype(x.dtype), tf.float32), stateful=True)
        images.set_shape((None, *x.shape[1:]))
        labels.set_shape((None, num_classes))
        if x.dtype == np.uint8:
            images = tf.cast(images, tf.float32) / 255.0
        return images, labels

    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size).map(load)
    if repeat:
        batches = batches.repeat()
    return batches.prefetch(2), math.ceil(len(x) / batch_size)


def _one_cycle(peak, warmup, total):
    """Learning rate rising linearly from 0 to ``peak`` over ``warmup`` steps, then
    falling linearly to 0 at ``total`` steps."""
    import keras

    class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            step = keras.ops.cast(step, "float32")
            up = step / max(float(warmup), 1.0)
            down = (float(total) - step) / max(float(total - warmup), 1.0)
            return float(peak) * keras.ops.maximum(keras.ops.minimum(up, down), 0.0)

        def get_config(self):
            return {"peak": peak, "warmup": warmup, "total": total}

    return OneCycle()


def train_speedrun(model, data, *, epochs=12, batch_size=256, peak_learning_rate=0.2, warmup_epochs=None,
                   momentum=0.9, label_smoothing=0.2, validation_every=1, seed=None, callbacks=None,
                   verbose="auto"):
    """Train :func:`create_model_speedrun`'s network with the speed-run recipe.

    ``data`` is what :func:`cifar_cnn.load_cifar10` returns (float32 or, with less memory,
    ``dtype="uint8"``) or ``(x_train, y_train, x_val, y_val)``; labels are class numbers.
    The whitening filters are computed from the training images, the model is compiled
    (Nesterov SGD, one-cycle learning rate, label-smoothed cross-entropy) and trained;
    validation runs every ``validation_every`` epochs and after the last. The learning
    rate warms up over ``warmup_epochs`` (default: 2, or every epoch of a shorter run). ``seed=None``
    draws the shuffling and augmentation seed from NumPy's global generator (repeatable
    after :func:`cifar_cnn.set_seed`). Returns the Keras ``History``.

    12 epochs, not 10: 10 reached 0.847-0.854 test accuracy over three seeds on one
    processor, 12 reached 0.854-0.859 on two numerics paths (``docs/benchmarks.md``).
    """
    import keras

    from ..models import require_model
    from ..pipeline import set_steps_per_execution
    from ..training import set_seed, split_data

    require_model(model, "train_speedrun")
    epochs = require_count("epochs", epochs)
    batch_size = require_count("batch_size", batch_size)
    peak_learning_rate = require_real("peak_learning_rate", peak_learning_rate)
    if warmup_epochs is None:
        warmup_epochs = min(2, epochs)
    warmup_epochs = require_count("warmup_epochs", warmup_epochs, minimum=0, maximum=epochs)
    validation_every = require_count("validation_every", validation_every)
    x_train, y_train, x_val, y_val = split_data(data)
    y_train = np.asarray(y_train).reshape(len(y_train))
    if seed is not None:
        set_seed(seed)
    else:
        seed = int(np.random.randint(0, 2**31 - 1))
    kernel, bias = whitening_filters(x_train, seed=seed)
    model.get_layer("whiten").set_weights([kernel, bias])
    num_classes = model.output_shape[-1]
    train_batches, steps = _augmented_batches(x_train, y_train, batch_size, num_classes, seed=seed,
                                              shuffle=True, augment=True, repeat=True)
    schedule = _one_cycle(peak_learning_rate, warmup_epochs * steps, epochs * steps)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=momentum, nesterov=True),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
        metrics=["accuracy"],
    )
    from ..pipeline import MAX_STEPS_PER_EXECUTION, divisor_at_most

    set_steps_per_execution(model, divisor_at_most(steps, MAX_STEPS_PER_EXECUTION))
    validation_data = validation_steps = None
    freq = 1
    if x_val is not None and len(x_val):
        y_val = np.asarray(y_val).reshape(len(y_val))
        validation_data, validation_steps = _augmented_batches(x_val, y_val, 500, num_classes, seed=seed,
                                                               shuffle=False, augment=False, repeat=True)
        freq = sorted(set(range(validation_every, epochs + 1, validation_every)) | {epochs})
    history = model.fit(train_batches, steps_per_epoch=steps, epochs=epochs, shuffle=False,
                        validation_data=validation_data, validation_steps=validation_steps, validation_freq=freq,
                        callbacks=callbacks, verbose=verbose)
    # The schedule has ended at a learning rate of 0. Compiled with that plain number instead,
    # the model saves and loads like any other: a saved schedule class defined in Python
    # would have to be imported before every load. Further fit() calls change nothing either way.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0, momentum=momentum, nesterov=True),
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing), metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)  # saved with its slots, as a trained model's is
    return history


def evaluate_speedrun(model, x, y, *, batch_size=500, flip=True) -> dict:
    """Accuracy of ``model`` on ``(x, y)``, averaging each image's prediction with its
    mirror image's when ``flip`` (test-time augmentation). Returns ``{"accuracy": ...}``."""
    flip = require_flag("flip", flip)
    x = np.asarray(x)
    y = np.asarray(y).reshape(len(y))
    correct = 0
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        if batch.dtype == np.uint8:
            batch = batch.astype(np.float32) / np.float32(255)
        probabilities = np.asarray(model(batch, training=False))
        if flip:
            probabilities = probabilities + np.asarray(model(batch[:, :, ::-1], training=False))
        correct += int((probabilities.argmax(axis=1) == y[start:start + batch_size]).sum())
    return {"accuracy": correct / len(x)}

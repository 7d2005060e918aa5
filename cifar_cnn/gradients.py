"""Vanishing gradients, measured: how much of the loss gradient reaches each layer.

:func:`gradient_norms` computes, on one batch of images, the gradient of the loss with
respect to every convolution kernel of a model and returns the size (L2 norm) of each.
:func:`gradient_flow` does it for plain and residual stacks of several depths
(:func:`cifar_cnn.models.create_model_deep`), freshly initialised with the same seed,
and :func:`cifar_cnn.plots.plot_gradient_flow` draws the result::

    from cifar_cnn.gradients import gradient_flow
    from cifar_cnn.plots import plot_gradient_flow

    results = gradient_flow((5, 10, 20), data.x_train[:32], data.y_train[:32])
    plot_gradient_flow(results)

In a deep plain stack the gradient shrinks on its way back from the loss, so the first
layers get almost none of it and barely learn; with skip connections it reaches them.

Only the gradient computation itself depends on the Keras backend; it lives in one small
function per backend (``_GRADIENT_BACKENDS``).
"""

from __future__ import annotations

import numpy as np

from .pixels import to_unit_range
from .models import conv_layers
from .training import require_arrays
from .validation import require_count, is_int

__all__ = ["gradient_norms", "gradient_flow"]


# ---------------------------------------------------------------- input checks


def _require_batch(model, images, labels):
    """Images as float32 in [0, 1] matching the model, labels as class numbers."""
    images, labels = require_arrays(model, images, labels, "batch")
    images = to_unit_range(images, "images")  # uint8 is scaled as load_cifar10 does
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)  # one-hot rows
    return images, labels.astype(np.int32)


# ---------------------------------------------------------------- backends


def _softmax_head(model):
    """The output layer if it is a Dense layer with a softmax activation, else None."""
    import keras

    head = model.layers[-1]
    if (
        len(model.outputs) == 1
        and isinstance(head, keras.layers.Dense)
        and getattr(head.activation, "__name__", "") == "softmax"
    ):
        return head
    return None


def _loss(model, images, labels):
    """Mean sparse categorical cross-entropy of the model's softmax output (keras.ops only).

    When the model ends in a ``Dense(..., activation="softmax")`` layer (all the lesson's
    models do), the loss is computed from that layer's logits: the same number, but it
    stays accurate when a badly scaled network (a deep residual stack at initialisation)
    pushes the softmax to exactly 0 or 1, where the clipped probabilities would report a
    gradient of zero.
    """
    import keras

    head = _softmax_head(model)
    if head is None:
        probabilities = model(images, training=False)
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities))
    features = keras.Model(model.inputs, head.input)([images], training=False)
    logits = keras.ops.matmul(features, head.kernel)
    if head.use_bias:
        logits = logits + head.bias
    return keras.ops.mean(
        keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    )


def _gradients_tensorflow(model, kernels, images, labels):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = _loss(model, images, labels)
    return tape.gradient(loss, kernels)


def _gradients_jax(model, kernels, images, labels):
    import jax
    import keras

    def loss_of(kernel_values):
        with keras.StatelessScope(state_mapping=list(zip(kernels, kernel_values))):
            return _loss(model, images, labels)

    return jax.grad(loss_of)([k.value for k in kernels])


def _gradients_torch(model, kernels, images, labels):
    import torch

    loss = _loss(model, images, labels)
    return torch.autograd.grad(loss, [k.value for k in kernels])


_GRADIENT_BACKENDS = {
    "tensorflow": _gradients_tensorflow,
    "jax": _gradients_jax,
    "torch": _gradients_torch,
}


# ---------------------------------------------------------------- public functions


def gradient_norms(model, images, labels) -> np.ndarray:
    """L2 norm of the loss gradient with respect to each Conv2D kernel, on one batch.

    The loss is the mean sparse categorical cross-entropy of the model's softmax output
    on ``images`` (inference mode: no dropout). The model's weights are not changed.

    Parameters
    ----------
    model : keras.Model
        A model with at least one ``Conv2D`` layer and a softmax output, e.g. from
        :func:`cifar_cnn.models.create_model_deep`. It need not be compiled.
    images : array, shape (n, height, width, channels)
        One batch of images, float in [0, 1] or uint8 (scaled to [0, 1] here).
    labels : array
        Class numbers (n,), or one-hot rows (n, num_classes).

    Returns
    -------
    numpy.ndarray of float, one entry per Conv2D layer in layer order
        Entry 0 is the convolution next to the input. Small numbers mean the layer gets
        little of the gradient and so learns slowly.
    """
    import keras

    convs = conv_layers(model)
    if not convs:
        raise ValueError(f"{model.name} has no Conv2D layers: there are no convolution kernels to measure")
    images, labels = _require_batch(model, images, labels)
    backend = keras.backend.backend()
    compute = _GRADIENT_BACKENDS.get(backend)
    if compute is None:
        raise NotImplementedError(
            f"gradient_norms supports the TensorFlow, JAX and PyTorch backends of Keras; "
            f"this Keras runs on the {backend!r} backend"
        )
    kernels = [conv.kernel for conv in convs]
    grads = compute(model, kernels, keras.ops.convert_to_tensor(images), keras.ops.convert_to_tensor(labels))
    norms = []
    for conv, grad in zip(convs, grads):
        if grad is None:
            raise ValueError(
                f"the loss does not depend on layer {conv.name!r}'s kernel: is it connected to the output?"
            )
        norms.append(float(np.linalg.norm(np.asarray(keras.ops.convert_to_numpy(grad), dtype=np.float64))))
    return np.array(norms)


def gradient_flow(depths=(5, 10, 20), images=None, labels=None, *, seed=None, filters=16, activation="relu"):
    """Kernel-gradient norms of plain and residual stacks of several depths.

    For every depth and for ``residual=False`` then ``residual=True``: seed with
    :func:`cifar_cnn.training.set_seed` when ``seed`` is given, build
    ``create_model_deep(depth=depth, residual=..., filters=filters)`` with the images' shape,
    and measure :func:`gradient_norms` on ``(images, labels)``. The models are not
    trained: this is the gradient the very first training step would use.

    Parameters
    ----------
    depths : sequence of int
        Numbers of convolutional layers to compare (a tuple, a list or ``np.arange``).
    images, labels
        One batch, as for :func:`gradient_norms` (e.g. 32 training images). Required.
    seed : int or None
        Reseed before every model with this seed, so that every model starts from the same
        random numbers and the comparison is fair and repeatable (the lesson passes
        ``seed=42``). None (the default) leaves the session's random state alone, like
        every other function of the package that is not asked for a seed.
    filters : int
        Feature maps per layer.
    activation : str
        Activation of every convolution ("relu", "tanh", "sigmoid", ...).

    Returns
    -------
    list of dict
        One dict per model, in the order depth by depth, plain before residual, with keys
        ``depth``, ``residual`` (bool), ``norms`` (numpy array, one per conv layer,
        first layer first) and ``label`` (e.g. ``"depth 20, plain"``). Pass it to
        :func:`cifar_cnn.plots.plot_gradient_flow`.
    """
    from .models import create_model_deep
    from .training import set_seed

    usage = "call it as gradient_flow((5, 10, 20), images, labels)"
    if is_int(depths):
        depths = (depths,)
    elif isinstance(depths, np.ndarray) and depths.ndim == 1 and np.issubdtype(depths.dtype, np.integer):
        depths = depths.tolist()  # np.arange(5, 25, 5) works like (5, 10, 15, 20)
    if not isinstance(depths, (tuple, list, range)) or not depths:
        shown = f"an array of shape {np.shape(depths)}" if hasattr(depths, "shape") else repr(depths)
        raise ValueError(f"depths must be a list of layer counts such as (5, 10, 20), got {shown}: {usage}")
    if images is None or labels is None:
        raise ValueError(f"gradient_flow needs a batch of images and their labels: {usage}")
    for depth in depths:
        if not is_int(depth) or not 1 <= depth <= 200:
            raise ValueError(f"every depth must be an integer between 1 and 200, got {depth!r}")
    depths = [int(depth) for depth in depths]  # np.int64 from np.arange works too
    filters = require_count("filters", filters)
    if seed is not None:
        seed = require_count("seed", seed, minimum=0)
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be a batch of shape (n, height, width, channels), got shape {images.shape}")
    labels = np.asarray(labels)
    num_classes = labels.shape[1] if labels.ndim == 2 and labels.shape[1] > 1 else 10

    results = []
    for depth in depths:
        for residual in (False, True):
            if seed is not None:
                set_seed(seed)
            model = create_model_deep(
                input_shape=tuple(images.shape[1:]), depth=depth, residual=residual,
                num_classes=num_classes, filters=filters, activation=activation,
            )
            results.append(
                {
                    "depth": int(depth),
                    "residual": residual,
                    "norms": gradient_norms(model, images, labels),
                    "label": f"depth {depth}, {'residual' if residual else 'plain'}",
                }
            )
    return results

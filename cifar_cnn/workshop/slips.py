"""Plain Python slips that a CNN lesson sees every workshop, explained in its words.

:mod:`cifar_cnn.workshop.friendly` asks :func:`explain_slip` after its catalogue of Keras's errors.
Each answer ends in the line to write or the thing to do:

* a misspelled name in a module or on an object (``keras.layers.Conv2d``): the close
  matches from the module itself, case first (``Conv2D``), then :mod:`difflib`;
* a bare name that is one of the lesson's strings (``activation=softmax``): put it in quotes;
* a name that an earlier cell makes (``data``, ``model``, ``x``), in a kernel that has not
  run that cell, as after a restart: run the cells above first;
* ``fit`` or ``evaluate`` without the labels (Keras says only "None values not supported.").
"""

from __future__ import annotations

import difflib
import re

from .restart_hint import RUN_ABOVE, earlier_cell_hint, explain_in_kernel

__all__ = ["explain_slip", "LESSON_STRINGS", "LESSON_NAMES"]

# The strings the lesson passes to Keras, and the argument each one goes to.
LESSON_STRINGS = {
    **{name: "activation" for name in ("relu", "softmax", "sigmoid", "tanh", "linear", "elu", "selu", "gelu", "swish")},
    **{name: "optimizer" for name in ("adam", "sgd", "rmsprop", "adamw")},
    **{name: "metrics" for name in ("accuracy", "sparse_categorical_accuracy", "categorical_accuracy")},
    **{name: "loss" for name in ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy", "mse")},
    **{name: "padding" for name in ("same", "valid")},
    **{name: "monitor" for name in ("val_loss", "val_accuracy")},
    "horizontal": "mode",
}
_EXAMPLE = {
    "activation": 'activation="{0}"', "optimizer": 'optimizer="{0}"', "metrics": 'metrics=["{0}"]',
    "loss": 'loss="{0}"', "padding": 'padding="{0}"', "monitor": 'monitor="{0}"', "mode": 'RandomFlip("{0}")',
}

# Names that the episodes' cells make: missing in a kernel that has not run those cells.
LESSON_NAMES = frozenset({
    "data", "raw", "onehot", "model", "models", "inputs", "outputs", "x", "history", "epochs", "max_epochs",
    "QUICK", "tag", "models_dir", "saved", "scores", "final", "gap", "images", "labels", "predictions",
    "probabilities", "predicted", "model_dropout", "model_augmented", "history_dropout", "history_augmented",
    "history_fit", "early_stopping", "my_model", "my_dropout", "loaded", "optimizer", "batch_size", "steps",
    "image", "kernel", "feature_maps", "results", "best", "plot_validation", "create_model_augmented",
})
_SETUP_MODULES = {"keras": "import keras", "np": "import numpy as np", "tf": "import tensorflow as tf",
                  "plt": "import matplotlib.pyplot as plt", "math": "import math", "time": "import time",
                  "Path": "from pathlib import Path", "cifar_cnn": "import cifar_cnn"}
_FIT_EXAMPLE = {
    "fit": "model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=epochs)",
    "evaluate": "model.evaluate(data.x_val, data.y_val)",
    "train_on_batch": "model.train_on_batch(images, labels)",
    "test_on_batch": "model.test_on_batch(images, labels)",
}


def _package_names():
    import cifar_cnn

    return set(getattr(cifar_cnn, "__all__", ()))


def _name_error(error):
    match = re.match(r"name '(\w+)' is not defined", str(error))
    if not match:
        return None
    name = match[1]
    argument = LESSON_STRINGS.get(name.lower())
    if argument:
        example = _EXAMPLE[argument].format(name.lower())
        return (
            f'{name} without quotes is a Python variable, and there is none; Keras wants the text '
            f'"{name.lower()}": write {example}'
        )
    if name in _SETUP_MODULES:
        return f"{name} comes from the setup cell at the top ({_SETUP_MODULES[name]}): {RUN_ABOVE}"
    if name in _package_names():
        return f"{name} comes from the package, imported in the setup cell at the top: {RUN_ABOVE}"
    if name in LESSON_NAMES:
        return earlier_cell_hint(name)
    return explain_in_kernel(error)  # any other name an earlier cell binds


def _close(name, candidates):
    """Same name in another case first (Conv2d -> Conv2D), else the nearest spellings."""
    public = [c for c in candidates if not c.startswith("_")]
    same = [c for c in public if c.lower() == name.lower()]
    return same or difflib.get_close_matches(name, public, n=3, cutoff=0.7)


def _attribute_error(error):
    obj, name = getattr(error, "obj", None), getattr(error, "name", None)
    if name is None:
        return None
    match = re.match(r"module '([\w.]+)' has no attribute", str(error))
    owner = match[1] if match else type(obj).__name__
    try:
        choices = _close(name, dir(obj)) if obj is not None else []
    except Exception:  # dir() of a broken object: no suggestion rather than a second error
        choices = []
    if not choices:
        return None
    spelled = " or ".join(f"{owner}.{c}" if match else c for c in choices)
    rule = " (Keras's names are case sensitive: Conv2D, MaxPooling2D, Dense)" if owner.startswith("keras") else ""
    return f"{owner} has no {name}: did you mean {spelled}?{rule}"


def _none_values(error):
    if "None values not supported" not in str(error):
        return None
    from ..recovery import calls_in_traceback

    calls = [name for name, _ in calls_in_traceback(error.__traceback__) if name in _FIT_EXAMPLE]
    call = calls[0] if calls else None
    if call is None:
        return None
    return (
        f"model.{call} got the images but no labels (a None where the labels go): pass both, "
        f"write {_FIT_EXAMPLE[call]}"
    )


def explain_slip(error):
    """The explanation and fix for a plain Python slip of the lesson, else None."""
    if isinstance(error, NameError):
        return _name_error(error)
    if isinstance(error, AttributeError):
        return _attribute_error(error)
    if isinstance(error, ValueError):
        return _none_values(error)
    return None

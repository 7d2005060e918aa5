"""The compile check: did ``model.compile`` succeed, with Adam, a loss that fits the
lesson's labels, and accuracy among the metrics?

Everything is read through public Keras API: ``model.compiled`` (False after a compile
that raised), ``model.get_compile_config()`` (the arguments as passed, serialised) and
``model.optimizer``.
"""

from __future__ import annotations

import re

import numpy as np

from .graph import activation_name
from .passed import keras, not_a_model
from .verdict import FAIL, NOTE, PASS, Problem, checker

__all__ = ["fmt_name", "check_compile"]

_UNKNOWN = object()


def _compile_line(one_hot):
    loss = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
    return f'model.compile(optimizer="adam", loss="{loss}", metrics=["accuracy"])'


def _compile_arguments(model):
    """What the learner passed to ``model.compile``, or None if it is not compiled."""
    if not getattr(model, "compiled", False):
        return None
    try:
        config = model.get_compile_config()
    except Exception:
        config = None
    if isinstance(config, dict) and config:
        return dict(config)
    return {"optimizer": getattr(model, "optimizer", None), "loss": getattr(model, "loss", None), "metrics": _UNKNOWN}


def _object_name(value):
    """A readable name for an optimizer, loss or metric given as a string, an object,
    a function or a serialised dict."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        config = value.get("config")
        name = config.get("name") if isinstance(config, dict) else None
        return name or value.get("class_name") or repr(value)
    function = getattr(value, "fn", None)  # keras.losses.LossFunctionWrapper
    if getattr(function, "__name__", None):
        return function.__name__
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    return getattr(value, "__name__", None) or type(value).__name__


def _unknown_to_keras(kind, name):
    """True when ``name`` is a string Keras cannot resolve as a loss or metric: compile
    accepts it, and only fit stops ("Could not interpret ... identifier")."""
    if not isinstance(name, str) or name in ("accuracy", "acc", "crossentropy", "ce"):
        return False  # not a string, or one compile itself resolves
    import keras

    try:
        return getattr(keras, kind).get(name) is None
    except Exception:
        return True


def _squash(name):
    return re.sub(r"[^a-z]", "", str(name).lower())


def _optimizer_lines(config_optimizer, optimizer):
    if config_optimizer is None and optimizer is None:
        return [f'{FAIL} no optimizer: add optimizer="adam"']
    if isinstance(config_optimizer, str):
        name = config_optimizer
    elif isinstance(config_optimizer, dict):
        name = config_optimizer.get("class_name", "?")
    else:
        inner = getattr(optimizer, "inner_optimizer", None)  # mixed precision wraps the optimizer
        name = type(inner if inner is not None else optimizer).__name__
    if _squash(name) != "adam":
        return [f'{FAIL} optimizer {name}; the lesson uses Adam: use optimizer="adam"']
    lines = [f"{PASS} optimizer Adam"]
    try:
        rate = float(np.asarray(optimizer.learning_rate))
        if abs(rate - 0.001) > 1e-9:
            lines.append(f"{NOTE} learning rate {rate:g}; Adam's default, which the lesson uses, is 0.001")
    except Exception:
        pass
    return lines


def _loss_kind(loss):
    if loss is None:
        return None, None
    if isinstance(loss, (list, tuple)) and len(loss) == 1:
        loss = loss[0]
    if isinstance(loss, dict) and "class_name" not in loss and len(loss) == 1:
        loss = next(iter(loss.values()))
    name = _object_name(loss)
    key = _squash(name)
    if key in ("sparsecategoricalcrossentropy", "scce"):
        return "sparse", name
    if key in ("categoricalcrossentropy", "cce"):
        return "categorical", name
    if "binary" in key:
        return "binary", name
    regression = (
        "mse", "mae", "msle", "mape", "huber", "logcosh", "meansquarederror", "meanabsoluteerror",
        "meansquaredlogarithmicerror", "meanabsolutepercentageerror",
    )
    return ("regression" if key in regression else "other"), name


def _from_logits(loss):
    if isinstance(loss, dict):
        config = loss.get("config")
        return isinstance(config, dict) and bool(config.get("from_logits", False))
    try:
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        return bool(config.get("from_logits", False))
    except Exception:
        return False


def _output_activation(model):
    try:
        return activation_name(getattr(model.layers[-1], "activation", None))
    except Exception:
        return None


def _loss_lines(loss, model, one_hot):
    kind, name = _loss_kind(loss)
    wanted = "categorical" if one_hot else "sparse"
    loss_name = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
    fix = f'use loss="{loss_name}"'
    labels = "one-hot rows (load_cifar10(one_hot=True))" if one_hot else "class numbers 0 to 9"
    if kind is None:
        lines = [f'{FAIL} no loss: add loss="{loss_name}"']
    elif _unknown_to_keras("losses", loss):
        return [f'{FAIL} Keras has no loss named "{loss}", so training would stop: {fix}'], None
    elif kind == wanted:
        lines = [f"{PASS} loss: {'' if one_hot else 'sparse '}categorical cross-entropy (the labels are {labels})"]
    elif kind in ("sparse", "categorical"):
        other = "one-hot labels" if kind == "categorical" else "class-number labels"
        lines = [
            f"{FAIL} loss {fmt_name(name)} expects {other}, but the labels are {labels}, so training "
            f"would fail: {fix} (or check_compile(model, one_hot={not one_hot}) if you load the data "
            f"with one_hot={not one_hot})"
        ]
    elif kind == "binary":
        lines = [f"{FAIL} loss {fmt_name(name)} is for two classes; CIFAR-10 has 10: {fix}"]
    elif kind == "regression":
        lines = [
            f"{FAIL} loss {fmt_name(name)} measures distances between numbers (regression), "
            f"not how well classes are predicted: {fix}"
        ]
    else:
        lines = [f"{FAIL} loss {fmt_name(name)}; the lesson uses cross-entropy: {fix}"]
    if kind in ("sparse", "categorical") and _from_logits(loss) and _output_activation(model) == "softmax":
        lines.append(
            f"{FAIL} the loss has from_logits=True, but your output layer already applies softmax: "
            f"{fix}, without from_logits=True"
        )
    return lines, kind


def fmt_name(name):
    return f'"{name}"'


def _metric_items(metrics):
    if isinstance(metrics, dict):
        return [item for value in metrics.values() for item in _metric_items(value)]
    if isinstance(metrics, (list, tuple)):
        return [item for value in metrics for item in (_metric_items(value) if isinstance(value, (list, tuple)) else [value])]
    return [] if metrics is None else [metrics]


def _metric_lines(metrics, loss_kind):
    fix = 'use metrics=["accuracy"]'
    if metrics is _UNKNOWN:
        return [f"{NOTE} this Keras version does not say which metrics were passed; the lesson uses metrics=[\"accuracy\"]"]
    items = _metric_items(metrics)
    if not items:
        return [f'{FAIL} no metrics, so training reports only the loss: add metrics=["accuracy"]']
    lines, accuracy = [], False
    for item in items:
        key = _squash(_object_name(item))
        if _unknown_to_keras("metrics", item):
            lines.append(f'{FAIL} Keras has no metric named "{item}", so training would stop: {fix}')
        elif key in ("accuracy", "acc") and isinstance(item, str):
            accuracy = True  # the string: Keras picks the accuracy that fits the loss
        elif key in ("accuracy", "acc"):  # keras.metrics.Accuracy(): exact equality
            lines.append(
                f"{FAIL} keras.metrics.Accuracy() compares the 10 probabilities with the label one "
                f"for one and reports nearly 0: {fix}, and Keras picks the right accuracy"
            )
        elif key == "sparsecategoricalaccuracy":
            if loss_kind == "categorical":
                lines.append(f"{FAIL} sparse categorical accuracy expects class-number labels, but your loss expects one-hot labels: {fix}")
            accuracy = True
        elif key == "categoricalaccuracy":
            if loss_kind == "sparse":
                lines.append(f"{FAIL} categorical accuracy expects one-hot labels; with class numbers {fix}")
            accuracy = True
    if accuracy and not lines:
        lines.append(f"{PASS} the metrics include accuracy")
    elif not accuracy and not lines:
        lines.append(f"{FAIL} the metrics do not include accuracy: {fix}")
    return lines


@checker("Compiling the model")
def check_compile(model, *, one_hot=False):
    """Did ``model.compile`` succeed the lesson's way: Adam, sparse categorical
    cross-entropy (categorical with ``one_hot=True``, for ``load_cifar10(one_hot=True)``),
    and accuracy among the metrics?"""
    if not isinstance(model, keras().Model):
        raise Problem(f"{FAIL} {not_a_model(model)}")
    arguments = _compile_arguments(model)
    if arguments is None:
        if getattr(model, "optimizer", None) is not None:
            return [
                f"{FAIL} the model is not compiled: the last model.compile(...) failed (its error says why). "
                f"Fix it and run it again: {_compile_line(one_hot)}"
            ]
        return [f"{FAIL} the model is not compiled yet: {_compile_line(one_hot)}"]
    lines = [f"{PASS} the model is compiled"]
    lines += _optimizer_lines(arguments.get("optimizer"), getattr(model, "optimizer", None))
    loss_lines, loss_kind = _loss_lines(arguments.get("loss"), model, one_hot)
    lines += loss_lines
    lines += _metric_lines(arguments.get("metrics"), loss_kind)
    return lines

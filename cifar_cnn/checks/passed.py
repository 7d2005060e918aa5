"""What the learner passed to a check: a tensor or a model becomes a layer chain;
anything else (None, a layer, a NumPy array, a function ...) becomes a ✗ line that says
what to pass instead."""

from __future__ import annotations

import re

import numpy as np

from . import graph
from .verdict import FAIL, NOTE, Problem
from .wording import a

__all__ = [
    "short_repr", "not_a_tensor", "not_a_model", "branch_note", "tensor_chain",
    "model_chain",
]


def keras():
    import keras as _keras

    return _keras


def short_repr(value, limit=40):
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def not_a_tensor(obj, var, line):
    """Why ``obj`` is not the Keras tensor a step check wants."""
    k = keras()
    fix = f"pass {var} after {line}"
    if obj is None:
        return f"you passed None, not a tensor: did a line forget to assign its result? Write {line}"
    if isinstance(obj, type):
        if issubclass(obj, k.Model):
            return f"you passed the class keras.{obj.__name__} itself, not a tensor: {fix}"
        if issubclass(obj, k.layers.Layer):
            return (
                f"you passed the class keras.layers.{obj.__name__} itself: create the layer with its "
                f"settings, then call it on the previous tensor: {line}"
            )
        return f"you passed the class {obj.__name__}, not a tensor: {fix}"
    if isinstance(obj, k.Model):
        return (
            f"you passed a whole model ({type(obj).__name__}), not the tensor of one step: "
            f"{fix}; check a model with check_model_intro(model)"
        )
    if isinstance(obj, k.layers.Layer):
        return (
            f"you passed {a(type(obj).__name__)} layer, not its output: a layer does nothing until "
            f"you call it on the previous tensor, with a second pair of parentheses: {line}"
        )
    if isinstance(obj, np.ndarray):
        return (
            f"you passed a NumPy array of shape {obj.shape}: the checks want the symbolic tensor "
            f"that Keras layers return, {var} from {line}"
        )
    if isinstance(obj, (list, tuple)):
        count = f"{len(obj)} item{'' if len(obj) == 1 else 's'}"
        return f"you passed a {type(obj).__name__} of {count}: pass the single tensor {var} itself"
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        return (
            f"you passed a tensor of actual numbers (shape {graph.shape_of(obj)}): call the layers on the "
            f"symbolic inputs from keras.Input, not on data: {line}"
        )
    if callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        return f"you passed the function {name} itself, not a tensor: {fix}"
    return f"you passed {a(type(obj).__name__)} ({short_repr(obj)}), not a Keras tensor: {fix}"


def not_a_model(obj):
    """Why ``obj`` is not the Keras model a model check wants."""
    k = keras()
    fix = 'build it with model = keras.Model(inputs=inputs, outputs=outputs, name="...")'
    if obj is None:
        return (
            "you passed None, not a model: did the line or function that builds it forget to "
            f"assign or return it? {fix}"
        )
    if isinstance(obj, type):
        if issubclass(obj, k.layers.Layer):
            return f"you passed the class {obj.__name__} itself, not a model: {fix}"
        return f"you passed the class {obj.__name__}, not a model: {fix}"
    if isinstance(obj, k.KerasTensor) or hasattr(obj, "_keras_history"):
        return f"you passed a tensor, not a model: {fix}"
    if isinstance(obj, k.layers.Layer):
        return f"you passed {a(type(obj).__name__)} layer, not a model: {fix}"
    if isinstance(obj, np.ndarray):
        return f"you passed a NumPy array of shape {obj.shape}, not a model: {fix}"
    if callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        return f"you passed the function {name} itself, not a model: call it, {name}(), or {fix}"
    return f"you passed {a(type(obj).__name__)} ({short_repr(obj)}), not a Keras model: {fix}"


def branch_note(branches):
    kinds = ", ".join(sorted(set(branches)))
    return f"{NOTE} your network joins several tensors ({kinds}); the check follows the first one"


def tensor_chain(obj, var, line):
    """(chain or None, notes) of a symbolic tensor; None when its history is unreadable."""
    if not isinstance(obj, keras().KerasTensor) and not hasattr(obj, "_keras_history"):
        raise Problem(f"{FAIL} {not_a_tensor(obj, var, line)}")
    try:
        chain, branches = graph.walk(obj)
    except Exception:  # Keras internals changed, or an unusual graph: check the shape only
        return None, [f"{NOTE} could not follow where {var} comes from, layer by layer: only its shape is checked"]
    return chain, [branch_note(branches)] if branches else []


def model_chain(model):
    """(chain, notes, parameter count or None) of a functional or Sequential model."""
    k = keras()
    if not isinstance(model, k.Model):
        raise Problem(f"{FAIL} {not_a_model(model)}")
    notes = []
    sequential = isinstance(model, k.Sequential)
    if sequential:
        notes.append(
            f"{NOTE} a Sequential model: equivalent, but the lesson uses the functional API "
            "(keras.Input, then keras.Model(inputs=..., outputs=...))"
        )
    try:
        outputs, inputs = list(model.outputs), list(model.inputs)
    except Exception:
        outputs = inputs = None
    if not outputs or not inputs:
        if sequential:
            raise Problem(
                f"{FAIL} your Sequential model has no input shape yet, so its layers have no shapes: "
                "start it with keras.Input(shape=(32, 32, 3))",
                *notes,
            )
        raise Problem(
            f"{FAIL} the check cannot see how this model's layers connect: build it with the "
            "functional API, from keras.Input to keras.Model(inputs=..., outputs=...)"
        )
    if len(outputs) != 1 or len(inputs) != 1:
        raise Problem(
            f"{FAIL} your model has {len(inputs)} input(s) and {len(outputs)} output(s); "
            "the lesson's networks have one of each"
        )
    try:
        chain, branches = graph.describe_model(model, outputs, inputs)
    except Exception:
        raise Problem(f"{FAIL} could not follow this model's layers from its input to its output") from None
    if branches:
        notes.append(branch_note(branches))
    try:
        params = int(model.count_params())
    except Exception:
        params = None
    return chain, notes, params

"""Exercise checks: a short, friendly verdict on each step of building the lesson's CNN.

Learners build the network one line at a time with the functional API and, after each
step, call the matching check::

    inputs = keras.Input(shape=(32, 32, 3), name="images")
    check_input(inputs)
    x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")(inputs)
    check_conv2d(x)
    ...
    model = keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_intro")
    check_model_intro(model)

Every check prints its verdict, one line per fact, ``✓`` for what matches the challenge and
``✗`` for what differs, with what to write instead::

    The first convolution: ✗ not yet
      ✓ x is the output of a Conv2D
      ✓ the earlier steps match the challenge
      ✓ your Conv2D: filters=16, kernel_size=(3, 3)
      ✗ your Conv2D has no activation (the default is none, "linear"); the challenge asks for "relu": add activation="relu"
      ✓ x has shape (None, 30, 30, 16)

and returns it as a :class:`Verdict` (``.ok``, ``.messages``). In a notebook a cell that ends
with a check shows the verdict once: the Verdict does not display itself again in the cell
that printed it (``print(verdict)`` shows it any time).

How it works: one engine describes a tensor or a model as the chain of layers that leads
from the ``keras.Input`` to it (following each Keras tensor's ``_keras_history`` back, layer
by layer), as plain facts (kind, settings such as filters or activation, output shape), and
compares that chain with the same description of the reference network from
:mod:`cifar_cnn.models` (built on demand, cached, without disturbing the learner's random
seeds). The public checks only say which reference and which part of it a step is about.
Whatever a learner passes (None, a layer instead of its output, a NumPy array, a
Sequential model, a tensor from another step, an uncompiled model...) becomes a verdict;
no check raises.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import inspect
import random
import re
import sys
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Verdict",
    "check_input",
    "check_conv2d",
    "check_pooling",
    "check_second_block",
    "check_flatten",
    "check_dense",
    "check_output",
    "check_model_intro",
    "check_model_dropout",
    "check_model_one_conv",
    "check_model_two_conv",
    "check_model_vgg",
    "check_compile",
]

PASS, FAIL, NOTE = "✓", "✗", "•"
_MAX_DIFFERENCES = 5  # ✗ lines about the network itself; the rest are summarised


# ---------------------------------------------------------------- the verdict


def _cell_number():
    """The IPython execution count while a cell runs, or None outside IPython."""
    if "IPython" not in sys.modules:
        return None
    try:
        shell = sys.modules["IPython"].get_ipython()
        return None if shell is None else shell.execution_count
    except Exception:
        return None


class Verdict:
    """What a check found: ``ok`` (nothing to fix) and ``messages`` (one line per fact).

    Lines start with ``✓`` (matches the challenge), ``✗`` (differs: what and how to fix
    it) or ``•`` (a note that needs no fix). ``str(verdict)`` is the text the check
    printed: a title line, then the messages indented.
    """

    def __init__(self, title, messages, ok=None):
        self.title = str(title)
        self.messages = [str(message) for message in messages]
        if ok is None:
            ok = not any(message.startswith(FAIL) for message in self.messages)
        self.ok = bool(ok)
        self._printed_in = None

    def __str__(self):
        head = f"{self.title}: {PASS} all correct" if self.ok else f"{self.title}: {FAIL} not yet"
        return "\n".join([head, *("  " + message for message in self.messages)])

    def __repr__(self):
        return f"<Verdict {PASS if self.ok else FAIL} {self.title}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _ipython_display_(self):
        # The check has already printed the verdict in this cell: showing the returned
        # object as the cell's result too would print it twice.
        if self._printed_in is None or self._printed_in != _cell_number():
            print(self)

    def _show(self):
        print(self)
        self._printed_in = _cell_number()
        return self


class _Problem(Exception):
    """What was passed cannot be compared at all; ``args`` are the verdict's lines."""


# ---------------------------------------------------------------- layer facts

# Settings compared for each kind of layer, in the order they are reported.
_SETTINGS = {
    "InputLayer": ("shape",),
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "Conv1D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "Conv3D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "MaxPooling1D": ("pool_size", "strides", "padding"),
    "Dense": ("units", "activation"),
    "Dropout": ("rate",),
    "SpatialDropout2D": ("rate",),
    "Activation": ("activation",),
}
_POOLING = {"MaxPooling1D", "MaxPooling2D", "AveragePooling2D"}
_DEFAULTS = {"padding": "valid", "activation": "linear"}

_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


@dataclass
class _Fact:
    """One layer in a chain: its kind, the settings that matter, its output shape."""

    kind: str
    settings: dict
    shape: tuple | None
    position: int = 0  # 1-based place in the learner's chain; the input is layer 1
    nth: int = 1  # the nth layer of this kind in the chain
    of: int = 1  # how many layers of this kind the chain has

    def token(self, shape=False):
        """What makes two layers the same; with ``shape``, also their output shape."""
        settings = repr(sorted(self.settings.items()))
        if shape:
            return (self.kind, settings, None if self.shape is None else self.shape[1:])
        return (self.kind, settings)


def _activation_name(value):
    if value is None:
        return "linear"
    if isinstance(value, str):
        return value.lower()
    name = getattr(value, "__name__", None)
    if isinstance(name, str):
        return name
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", type(value).__name__).lower()  # ReLU() -> "relu"


def _int_tuple(value):
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _setting(layer, key):
    value = getattr(layer, key, None)
    if key == "activation":
        return _activation_name(value)
    if value is None:
        return None
    if key in ("kernel_size", "pool_size", "strides"):
        return _int_tuple(value)
    if key in ("filters", "units"):
        return int(value)
    if key == "rate":
        return float(value)
    if key == "padding":
        return str(value).lower()
    return value if isinstance(value, (int, float, str, tuple)) else repr(value)


def _shape(tensor):
    if tensor is None:
        return None
    try:
        return tuple(None if d is None else int(d) for d in tensor.shape)
    except Exception:
        return None


def _input_fact(tensor):
    shape = _shape(tensor)
    return _Fact("InputLayer", {"shape": None if shape is None else shape[1:]}, shape)


def _layer_fact(layer, tensor):
    kind = type(layer).__name__
    settings = {}
    for key in _SETTINGS.get(kind, ()):
        try:
            settings[key] = _setting(layer, key)
        except Exception:
            settings[key] = None
    return _Fact(kind, settings, _shape(tensor))


def _number(chain):
    totals = {}
    for fact in chain:
        totals[fact.kind] = totals.get(fact.kind, 0) + 1
    seen = {}
    for position, fact in enumerate(chain, start=1):
        seen[fact.kind] = seen.get(fact.kind, 0) + 1
        fact.position, fact.nth, fact.of = position, seen[fact.kind], totals[fact.kind]
    return chain


def _walk(tensor, stop_at=()):
    """The chain of layers from the input to ``tensor``, and the kinds of layers that
    joined several tensors (the walk follows their first input)."""
    facts, branches = [], []
    current = tensor
    for _ in range(10_000):
        if any(current is stop for stop in stop_at):
            facts.append(_input_fact(current))
            break
        history = getattr(current, "_keras_history", None)
        if history is None:
            raise _Problem("no Keras history")
        operation, node_index = history[0], history[1]
        if type(operation).__name__ == "InputLayer":
            facts.append(_input_fact(current))
            break
        facts.append(_layer_fact(operation, current))
        node = operation._inbound_nodes[node_index]
        parents = [t for t in node.input_tensors if hasattr(t, "_keras_history")]
        if not parents:
            break
        if len(parents) > 1:
            branches.append(type(operation).__name__)
        current = parents[0]
    else:
        raise _Problem("the network is too deep to follow")
    facts.reverse()
    return _number(facts), branches


# ---------------------------------------------------------------- wording


def _fmt(value):
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _a(kind):
    kind = "Input" if kind == "InputLayer" else kind
    return ("an " if kind[:1].upper() in "AEIOU" else "a ") + kind


def _ordinal(n):
    return _ORDINALS[n - 1] if 1 <= n <= len(_ORDINALS) else f"{n}th"


def _the(fact, own=False):
    """'the input', 'the second Conv2D', 'your Flatten' ..."""
    if fact.kind == "InputLayer":
        return "your input" if own else "the input"
    ordinal = "" if fact.of == 1 else _ordinal(fact.nth) + " "
    return f"{'your' if own else 'the'} {ordinal}{fact.kind}"


def _who(fact, style):
    if style == "tensor":
        return _the(fact, own=True)
    if fact.kind == "InputLayer":
        return "the input (layer 1)"
    return f"layer {fact.position} ({_the(fact)})"


def _size(shape):
    if shape and len(shape) == 4 and None not in shape[1:3]:
        return f"{shape[1]}x{shape[2]}"
    return None


def _args(fact):
    """The non-default settings as keyword arguments, the way the lesson writes them."""
    settings = fact.settings
    parts = []
    for key in _SETTINGS.get(fact.kind, ()):
        value = settings.get(key)
        if value is None or key == "shape":
            continue
        if key == "strides":
            default = settings.get("pool_size") if fact.kind in _POOLING else (1,) * len(value)
            if value == default:
                continue
        elif _DEFAULTS.get(key) == value:
            continue
        parts.append(f"{key}={_fmt(value)}")
    return ", ".join(parts)


def _code(fact):
    if fact.kind == "InputLayer":
        return f"keras.Input(shape={_fmt(fact.settings.get('shape'))})"
    if fact.kind in _SETTINGS or fact.kind in ("Flatten", "GlobalAveragePooling2D"):
        return f"keras.layers.{fact.kind}({_args(fact)})"
    return fact.kind


def _input_message(who, mine, ref, target):
    text = f"{who} has shape={_fmt(mine)}; {_wants(target)} shape={_fmt(ref)}"
    hint = None
    if isinstance(mine, tuple) and isinstance(ref, tuple):
        if len(mine) == len(ref) - 1 and mine == ref[:-1]:
            hint = "the colour channels are missing: one image is height x width x channels"
        elif len(mine) == len(ref) and mine[0] == ref[-1] and mine[1:] == ref[:-1]:
            hint = "channels first: Keras expects height, width, channels"
        elif len(mine) == len(ref) and mine[:-1] == ref[:-1]:
            hint = f"{mine[-1]} channel{'s' if mine[-1] != 1 else ''}; the images have {ref[-1]} (red, green, blue)"
        elif len(mine) == len(ref) + 1:
            hint = "give the shape of one image, without the number of images"
    return f"{text}{f' ({hint})' if hint else ''}: use keras.Input(shape={_fmt(ref)})"


def _wants(target):
    return "the reference has" if target == "the reference" else f"{target} asks for"


def _setting_message(key, mine, ref, style, target):
    who = _who(mine, style)
    a, b = mine.settings.get(key), ref.settings.get(key)
    if key == "shape":
        return _input_message(who, a, b, target)
    if key == "filters":
        return f"{who} has {a} filters; {_wants(target)} {b}: use keras.layers.{ref.kind}(filters={b}, ...)"
    if key == "units":
        per_class = " (one per class)" if ref.settings.get("activation") == "softmax" else ""
        return f"{who} has {a} units; {_wants(target)} {b}{per_class}: use keras.layers.Dense(units={b}, ...)"
    if key in ("kernel_size", "pool_size") and a and b:
        noun = "a {} kernel" if key == "kernel_size" else "{} pooling"
        return (
            f"{who} has {noun.format('x'.join(map(str, a)))}; {_wants(target)} "
            f"{'x'.join(map(str, b))}: use {key}={_fmt(b)}"
        )
    if key == "activation":
        if a == "linear":
            text = (
                f'{who} has no activation (the default is none, "linear"); '
                f'{_wants(target)} "{b}": add activation="{b}"'
            )
        elif b == "linear":
            text = f'{who} has activation="{a}"; {target} has none: remove activation="{a}"'
        else:
            text = f'{who} has activation="{a}"; {_wants(target)} "{b}": use activation="{b}"'
        if b == "softmax":
            text += " (softmax turns the scores into probabilities that add up to 1)"
        return text
    if key == "padding":
        mine_size, ref_size = _size(mine.shape), _size(ref.shape)
        sizes = ""
        if mine_size and ref_size and mine_size != ref_size:
            sizes = f", so its output is {mine_size} instead of {ref_size}"
        if b == "valid":
            return f'{who} uses padding="{a}"{sizes}: remove padding="{a}" ({target} uses the default, padding="valid")'
        if a == "valid":
            return f'{who} has no padding{sizes}: add padding="{b}"'
        return f'{who} uses padding="{a}"{sizes}; {_wants(target)} padding="{b}"'
    if key == "strides":
        default = ref.settings.get("pool_size") if ref.kind in _POOLING else (1,) * len(b or ())
        fix = f"remove strides={_fmt(a)} (the default)" if b == default else f"use strides={_fmt(b)}"
        return f"{who} has strides={_fmt(a)}; {target} uses strides={_fmt(b)}: {fix}"
    if key == "rate":
        return f"{who} has rate={_fmt(a)}; {_wants(target)} rate={_fmt(b)}: use keras.layers.Dropout(rate={_fmt(b)})"
    return f"{who} has {key}={_fmt(a)}; {target} has {key}={_fmt(b)}"


# ---------------------------------------------------------------- the comparison engine


@dataclass
class _Event:
    text: str
    ref_index: int | None  # the reference layer it is about, if any
    mine_index: int | None  # the learner's layer it is about, if any
    structural: bool  # a layer missing, extra or of another kind


def _keys(mine, ref):
    keys = list(_SETTINGS.get(ref.kind, ()))
    if ref.kind in _POOLING and mine.settings.get("pool_size") != ref.settings.get("pool_size"):
        keys.remove("strides")  # default strides follow the pool size: one message is enough
    return keys


def _alignment(mine, ref):
    """Steps in chain order: ("pair", m, r), ("swap", m, r), ("missing", None, r),
    ("extra", m, None). Layers are first matched on kind, settings and output shape,
    then, where they differ, on kind alone: an extra Dense(32) is reported as extra
    rather than as a wrong Dense(10), and of two identical Conv2D layers where the
    reference has one, the second (the one that changes the shapes) is the extra one."""
    steps = []
    outer = difflib.SequenceMatcher(
        None, [f.token(shape=True) for f in ref], [f.token(shape=True) for f in mine], autojunk=False
    )
    for tag, r1, r2, m1, m2 in outer.get_opcodes():
        if tag == "equal":
            steps += [("pair", m, r) for m, r in zip(range(m1, m2), range(r1, r2))]
            continue
        inner = difflib.SequenceMatcher(
            None, [f.kind for f in ref[r1:r2]], [f.kind for f in mine[m1:m2]], autojunk=False
        )
        for tag2, a1, a2, b1, b2 in inner.get_opcodes():
            refs, mines = list(range(r1 + a1, r1 + a2)), list(range(m1 + b1, m1 + b2))
            if tag2 == "equal":
                steps += [("pair", m, r) for m, r in zip(mines, refs)]
                continue
            common = min(len(refs), len(mines))
            steps += [("swap", m, r) for m, r in zip(mines[:common], refs[:common])]
            steps += [("missing", None, r) for r in refs[common:]]
            steps += [("extra", m, None) for m in mines[common:]]
    return steps


def _compare(mine, ref, style, target, var="x"):
    """Every difference between two chains, in chain order, as events."""
    events = []
    explained = False  # a reported difference explains the shapes that follow it
    matching = 0
    for tag, m, r in _alignment(mine, ref):
        if tag == "pair":
            mf, rf = mine[m], ref[r]
            differing = [k for k in _keys(mf, rf) if mf.settings.get(k) != rf.settings.get(k)]
            for key in differing:
                events.append(_Event(_setting_message(key, mf, rf, style, target), r, m, False))
            same_shape = mf.shape is None or rf.shape is None or mf.shape[1:] == rf.shape[1:]
            if differing:
                explained = True
            elif not same_shape and not explained:
                events.append(
                    _Event(f"{_who(mf, style)} outputs {mf.shape}; {target} expects {rf.shape}", r, m, False)
                )
                explained = True
            matching += not differing and same_shape
        elif tag == "swap":
            mf, rf = mine[m], ref[r]
            if style == "tensor":
                text = f"{_the(mf, own=True)} should be {_a(rf.kind)}: use {_code(rf)}"
            else:
                text = f"layer {mf.position} is {_a(mf.kind)}; {target} has {_a(rf.kind)} there: use {_code(rf)}"
            events.append(_Event(text, r, m, True))
            explained = True
        elif tag == "missing":
            rf = ref[r]
            after = f"after {_the(ref[r - 1])}" if r > 0 else "first"
            why = " (Dense layers need a flat vector of features)" if rf.kind == "Flatten" else ""
            if style == "tensor":
                text = f"missing {_a(rf.kind)} {after}: add {var} = {_code(rf)}({var}){why}"
            else:
                text = (
                    f"missing {_a(rf.kind)} as layer {rf.position}, {after}: add "
                    f"x = {_code(rf)}(x) there{why}"
                )
            events.append(_Event(text, r, None, True))
            explained = True
        else:  # extra
            mf = mine[m]
            if style == "tensor":
                after = f" after {_the(mine[m - 1], own=True)}" if m > 0 else ""
                text = f"an extra {_code(mf)}{after} that {target} does not have: remove it"
                if m > 0 and mine[m - 1].token() == mf.token():
                    text += " (running a cell twice applies its layer twice: re-run the cells from keras.Input on)"
            else:
                text = f"extra layer {mf.position}: {_code(mf)}, which {target} does not have: remove it"
            events.append(_Event(text, None, m, True))
            explained = True
    return events, matching


def _capped(events):
    lines = [f"{FAIL} {event.text}" for event in events[:_MAX_DIFFERENCES]]
    if len(events) > _MAX_DIFFERENCES:
        more = len(events) - _MAX_DIFFERENCES
        plural = "s" if more > 1 else ""
        lines.append(f"{FAIL} ... and {more} more difference{plural}: fix the ones above first, then check again")
    return lines


# ---------------------------------------------------------------- what was passed


def _keras():
    import keras

    return keras


def _short_repr(value, limit=40):
    text = repr(value)
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _not_a_tensor(obj, var, code):
    """Lines explaining why ``obj`` is not the Keras tensor a step check wants, or None."""
    keras = _keras()
    fix = f"pass {var} after {code}"
    if obj is None:
        return f"you passed None, not a tensor: did a line forget to assign its result? Write {code}"
    if isinstance(obj, type):
        if issubclass(obj, keras.Model):
            return f"you passed the class keras.{obj.__name__} itself, not a tensor: {fix}"
        if issubclass(obj, keras.layers.Layer):
            return (
                f"you passed the class keras.layers.{obj.__name__} itself: create the layer with its "
                f"settings, then call it on the previous tensor: {code}"
            )
        return f"you passed the class {obj.__name__}, not a tensor: {fix}"
    if isinstance(obj, keras.Model):
        return (
            f"you passed a whole model ({type(obj).__name__}), not the tensor of one step: "
            f"{fix}; check a model with check_model_intro(model)"
        )
    if isinstance(obj, keras.layers.Layer):
        return (
            f"you passed {_a(type(obj).__name__)} layer, not its output: a layer does nothing until "
            f"you call it on the previous tensor, with a second pair of parentheses: {code}"
        )
    if isinstance(obj, np.ndarray):
        return (
            f"you passed a NumPy array of shape {obj.shape}: the checks want the symbolic tensor "
            f"that Keras layers return, {var} from {code}"
        )
    if isinstance(obj, (list, tuple)):
        count = f"{len(obj)} item{'' if len(obj) == 1 else 's'}"
        return f"you passed a {type(obj).__name__} of {count}: pass the single tensor {var} itself"
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        return (
            f"you passed a tensor of actual numbers (shape {_shape(obj)}): call the layers on the "
            f"symbolic inputs from keras.Input, not on data: {code}"
        )
    if callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        return f"you passed the function {name} itself, not a tensor: {fix}"
    return f"you passed {_a(type(obj).__name__)} ({_short_repr(obj)}), not a Keras tensor: {fix}"


def _branch_note(branches):
    kinds = ", ".join(sorted(set(branches)))
    return f"{NOTE} your network joins several tensors ({kinds}); the check follows the first one"


def _tensor_chain(obj, var, code):
    keras = _keras()
    if not isinstance(obj, keras.KerasTensor) and not hasattr(obj, "_keras_history"):
        raise _Problem(f"{FAIL} {_not_a_tensor(obj, var, code)}")
    try:
        chain, branches = _walk(obj)
    except Exception:  # Keras internals changed, or an unusual graph: check the shape only
        return None, [f"{NOTE} could not follow where {var} comes from, layer by layer: only its shape is checked"]
    notes = []
    if branches:
        notes.append(_branch_note(branches))
    return chain, notes


def _not_a_model(obj):
    keras = _keras()
    fix = 'build it with model = keras.Model(inputs=inputs, outputs=outputs, name="...")'
    if obj is None:
        return (
            "you passed None, not a model: did the line or function that builds it forget to "
            f"assign or return it? {fix}"
        )
    if isinstance(obj, type):
        if issubclass(obj, keras.layers.Layer):
            return f"you passed the class {obj.__name__} itself, not a model: {fix}"
        return f"you passed the class {obj.__name__}, not a model: {fix}"
    if isinstance(obj, keras.KerasTensor) or hasattr(obj, "_keras_history"):
        return f"you passed a tensor, not a model: {fix}"
    if isinstance(obj, keras.layers.Layer):
        return f"you passed {_a(type(obj).__name__)} layer, not a model: {fix}"
    if isinstance(obj, np.ndarray):
        return f"you passed a NumPy array of shape {obj.shape}, not a model: {fix}"
    if callable(obj):
        name = getattr(obj, "__name__", type(obj).__name__)
        return f"you passed the function {name} itself, not a model: call it, {name}(), or {fix}"
    return f"you passed {_a(type(obj).__name__)} ({_short_repr(obj)}), not a Keras model: {fix}"


def _layers_chain(model):
    """The fallback description of a model: ``model.layers`` in order, each with the shape
    of its output where Keras can tell it."""
    chain = [_input_fact(model.inputs[0])]
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            output = layer.output
        except Exception:
            output = None
        chain.append(_layer_fact(layer, output))
    return _number(chain)


def _describe_model(model, outputs, inputs):
    """(chain, branches): from the output back along the Keras history, or else from
    ``model.layers``."""
    try:
        return _walk(outputs[0], stop_at=inputs)
    except Exception:
        return _layers_chain(model), []


def _model_chain(model):
    """(chain, notes, parameter count or None) of a functional or Sequential model."""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise _Problem(f"{FAIL} {_not_a_model(model)}")
    notes = []
    sequential = isinstance(model, keras.Sequential)
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
            raise _Problem(
                f"{FAIL} your Sequential model has no input shape yet, so its layers have no shapes: "
                "start it with keras.Input(shape=(32, 32, 3))",
                *notes,
            )
        raise _Problem(
            f"{FAIL} the check cannot see how this model's layers connect: build it with the "
            "functional API, from keras.Input to keras.Model(inputs=..., outputs=...)"
        )
    if len(outputs) != 1 or len(inputs) != 1:
        raise _Problem(
            f"{FAIL} your model has {len(inputs)} input(s) and {len(outputs)} output(s); "
            "the lesson's networks have one of each"
        )
    try:
        chain, branches = _describe_model(model, outputs, inputs)
    except Exception:
        raise _Problem(f"{FAIL} could not follow this model's layers from its input to its output") from None
    if branches:
        notes.append(_branch_note(branches))
    try:
        params = int(model.count_params())
    except Exception:
        params = None
    return chain, notes, params


# ---------------------------------------------------------------- the references


@contextlib.contextmanager
def _rng_preserved():
    """Building a reference draws initial weights from the global random state; restore
    it, so that calling a check never changes the learner's seeded numbers."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    generator, generator_state = None, None
    try:
        from keras.src.backend.common import global_state

        generator = global_state.get_global_attribute("global_seed_generator")
        if generator is not None:
            generator_state = np.array(generator.state.value)
    except Exception:
        generator = None
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        try:
            if generator is not None and generator_state is not None:
                generator.state.assign(generator_state)
        except Exception:
            pass


_REFERENCES: dict = {}


@dataclass
class _Reference:
    chain: list
    params: int
    name: str
    call: str  # how the learner would build it, e.g. "create_model_vgg(filters=(16, 32))"


def _reference(factory_name, kwargs):
    key = (factory_name, repr(sorted(kwargs.items())))
    cached = _REFERENCES.get(key)
    if cached is not None:
        return cached
    from . import models

    factory = getattr(models, factory_name)
    defaults = _defaults(factory_name)
    shown = {k: v for k, v in kwargs.items() if k not in defaults or not _same(v, defaults[k])}
    call = f"{factory_name}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"
    with _rng_preserved():
        try:
            model = factory(**kwargs)
        except (TypeError, ValueError) as error:
            raise _Problem(f"{FAIL} the reference {call} cannot be built: {error}") from None
        chain, _ = _describe_model(model, model.outputs, list(model.inputs))
        reference = _Reference(chain, int(model.count_params()), model.name, call)
    _REFERENCES[key] = reference
    return reference


# ---------------------------------------------------------------- running a check


def _checker(title):
    """Turn a check's body into a public check: bind the arguments, catch everything,
    print the verdict and return it."""

    def decorate(body):
        signature = inspect.signature(body)

        @functools.wraps(body)
        def check(*args, **kwargs):
            try:
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as error:
                    parameters = list(signature.parameters)
                    verdict = Verdict(title, [
                        f"{FAIL} {body.__name__}() was called with the wrong arguments ({error}): "
                        f"call it like {body.__name__}({parameters[0]})"
                    ])
                else:
                    try:
                        verdict = Verdict(title, body(*args, **kwargs))
                    except _Problem as problem:
                        verdict = Verdict(title, problem.args, ok=False)
            except Exception as error:  # a check must never show a learner a traceback
                message = re.sub(r" at 0x[0-9a-fA-F]+", "", str(error))[:200]
                verdict = Verdict(title, [
                    f"{FAIL} the checker could not read what you passed ({type(error).__name__}: {message}); "
                    "please show this to an instructor"
                ], ok=False)
            return verdict._show()

        return check

    return decorate


# ---------------------------------------------------------------- the steps of challenge 1-7


@dataclass
class _Step:
    upto: int  # the step's tensor is the output of the reference's layer number `upto`
    size: int  # how many layers this step adds
    var: str
    code: str
    func: str


_STEPS = {
    "input": _Step(1, 1, "inputs", "inputs = keras.Input(shape=(32, 32, 3))", "check_input"),
    "conv2d": _Step(
        2, 1, "x",
        'x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu")(inputs)',
        "check_conv2d",
    ),
    "pooling": _Step(3, 1, "x", "x = keras.layers.MaxPooling2D(pool_size=(2, 2))(x)", "check_pooling"),
    "second_block": _Step(
        5, 2, "x",
        'x = keras.layers.Conv2D(filters=32, kernel_size=(3, 3), activation="relu")(x), '
        "then x = keras.layers.MaxPooling2D(pool_size=(2, 2))(x)",
        "check_second_block",
    ),
    "flatten": _Step(6, 1, "x", "x = keras.layers.Flatten()(x)", "check_flatten"),
    "dense": _Step(7, 1, "x", 'x = keras.layers.Dense(units=64, activation="relu")(x)', "check_dense"),
    "output": _Step(
        8, 1, "outputs", 'outputs = keras.layers.Dense(units=10, activation="softmax")(x)', "check_output"
    ),
}


def _step_lines(step_name, tensor):
    step = _STEPS[step_name]
    var = step.var
    full = _reference("create_model_intro", {}).chain
    ref = full[: step.upto]
    mine, lines = _tensor_chain(tensor, var, step.code)
    if mine is None:
        shape, expected = _shape(tensor), ref[-1].shape
        if shape is not None and shape[1:] == expected[1:]:
            return lines + [f"{PASS} {var} has shape {shape}"]
        return lines + [f"{FAIL} {var} has shape {shape}; the challenge expects {expected}"]
    mine_kinds, ref_kinds = [f.kind for f in mine], [f.kind for f in ref]
    this = "keras.Input" if ref[-1].kind == "InputLayer" else _a(ref[-1].kind)
    partial = False  # the tensor is from another step: compare the part they share
    beyond = mine[len(ref):]  # layers after this step's: a later step's, or a cell run twice
    if (
        beyond
        and mine_kinds[: len(ref)] == ref_kinds
        and [f.token() for f in beyond] == [f.token() for f in full[len(ref): len(mine)]]
    ):
        lines.append(
            f"{FAIL} {var} comes from {_a(mine[-1].kind)}, a later step: {step.func}() wants {var} "
            f"right after {this} ({step.code})"
        )
        mine, partial = mine[: len(ref)], True
    elif beyond and mine_kinds[: len(ref)] == ref_kinds and beyond[0].token() == mine[len(ref) - 1].token():
        repeats = 1 + next((i for i, f in enumerate(beyond) if f.token() != beyond[0].token()), len(beyond))
        lines.append(
            f"{FAIL} {var} has been through {repeats} identical {beyond[0].kind} layers: running a cell "
            "twice applies its layer twice; re-run the cells from keras.Input on"
        )
        mine, partial = mine[: len(ref)], True
    elif len(mine) < len(ref) and ref_kinds[: len(mine)] == mine_kinds:
        lines.append(
            f"{FAIL} {var} comes from {_a(mine[-1].kind)}, an earlier step; this step asks for "
            f"the output of {this}: {step.code}"
        )
        ref, partial = ref[: len(mine)], True
    elif mine_kinds[-1] != ref_kinds[-1]:
        swapped = [tag for tag, m, r in _alignment(mine, ref) if tag == "swap" and m == len(mine) - 1]
        if not swapped:  # a swap says the same in its own line
            lines.append(f"{FAIL} {var} comes from {_a(mine[-1].kind)}, but this step asks for the output of {this}")
    elif ref[-1].kind == "InputLayer":
        lines.append(f"{PASS} {var} is a keras.Input")
    else:
        lines.append(f"{PASS} {var} is the output of {_a(ref[-1].kind)}")

    events, _ = _compare(mine, ref, "tensor", "the challenge")
    first_of_step = max(step.upto - step.size, 0)

    def in_step(event):
        if event.ref_index is not None:
            return event.ref_index >= first_of_step
        return event.mine_index >= len(mine) - step.size

    shown = _capped(events)
    n_earlier = min(sum(not in_step(e) for e in events), len(shown))
    if step.upto > 1 and n_earlier == 0 and not partial:
        lines.append(f"{PASS} the earlier steps match the challenge")
    lines += shown[:n_earlier]
    lines += _step_passes(mine, ref, first_of_step)
    lines += shown[n_earlier:]
    if not partial and mine[-1].shape is not None and ref[-1].shape is not None:
        if mine[-1].shape[1:] == ref[-1].shape[1:]:
            lines.append(f"{PASS} {var} has shape {mine[-1].shape}")
        else:
            lines.append(f"{FAIL} {var} has shape {mine[-1].shape}; the challenge expects {ref[-1].shape}")
    return lines


def _step_passes(mine, ref, first_of_step):
    """✓ lines for what the step's own layers get right."""
    lines = []
    for tag, m, r in _alignment(mine, ref):
        if tag != "pair" or r < first_of_step:
            continue
        mf, rf = mine[m], ref[r]
        keys = _keys(mf, rf)
        right = [k for k in keys if mf.settings.get(k) == rf.settings.get(k)]
        if rf.kind == "InputLayer":
            if right:
                lines.append(f"{PASS} shape={_fmt(rf.settings['shape'])}")
        elif len(right) == len(keys):
            lines.append(f"{PASS} {_code(rf).removeprefix('keras.layers.')}")
        else:
            shown = [k for k in right if f"{k}=" in _args(rf)]
            if shown:
                settings = ", ".join(f"{k}={_fmt(rf.settings[k])}" for k in shown)
                lines.append(f"{PASS} {_the(mf, own=True)}: {settings}")
    return lines


@_checker("The input")
def check_input(inputs):
    """Challenge: ``inputs = keras.Input(shape=(32, 32, 3))``."""
    return _step_lines("input", inputs)


@_checker("The first convolution")
def check_conv2d(x):
    """Challenge: ``x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu")(inputs)``;
    ``x`` has shape (None, 30, 30, 16)."""
    return _step_lines("conv2d", x)


@_checker("The pooling layer")
def check_pooling(x):
    """Challenge: ``x = keras.layers.MaxPooling2D(pool_size=(2, 2))(x)``; (None, 15, 15, 16)."""
    return _step_lines("pooling", x)


@_checker("The second convolution block")
def check_second_block(x):
    """Challenge: Conv2D(32, 3x3, relu) then MaxPooling2D(2x2); (None, 13, 13, 32) then (None, 6, 6, 32)."""
    return _step_lines("second_block", x)


@_checker("Flatten")
def check_flatten(x):
    """Challenge: ``x = keras.layers.Flatten()(x)``; (None, 1152)."""
    return _step_lines("flatten", x)


@_checker("The hidden dense layer")
def check_dense(x):
    """Challenge: ``x = keras.layers.Dense(64, activation="relu")(x)``; (None, 64)."""
    return _step_lines("dense", x)


@_checker("The output layer")
def check_output(outputs):
    """Challenge: ``outputs = keras.layers.Dense(10, activation="softmax")(x)``; (None, 10)."""
    return _step_lines("output", outputs)


# ---------------------------------------------------------------- whole models


def _model_lines(model, factory_name, kwargs, *, strip=(), name_hint=False, extra=None):
    ref = _reference(factory_name, kwargs)
    mine, notes, params = _model_chain(model)
    target = "the reference"
    ref_chain = [f for f in ref.chain if f.kind not in strip]
    my_chain = [f for f in mine if f.kind not in strip]
    events, matching = _compare(my_chain, ref_chain, "model", target)
    lines = []
    if not any(event.structural for event in events):
        kinds = ", ".join("Input" if f.kind == "InputLayer" else f.kind for f in ref_chain)
        besides = f" besides the {' and '.join(strip)}" if strip else ""
        lines.append(f"{PASS} {len(ref_chain)} layers{besides}, in the reference's order: {kinds}")
    if not events:
        lines.append(f"{PASS} every layer's settings and output shape match")
    elif matching:
        lines.append(f"{PASS} {matching} of the reference's {len(ref_chain)} layers match exactly")
    lines += _capped(events)
    if extra is not None:
        lines += extra(mine, ref)
    mine_out, ref_out = mine[-1].shape, ref.chain[-1].shape
    if mine_out is not None and mine_out[1:] == ref_out[1:]:
        lines.append(f"{PASS} output shape {mine_out}")
    elif mine_out is not None:
        lines.append(f"{FAIL} the model outputs {mine_out}; the reference outputs {ref_out}")
    if params == ref.params:
        lines.append(f"{PASS} {params:,} parameters")
    elif params is not None:
        lines.append(f"{FAIL} {params:,} parameters; the reference has {ref.params:,}")
    lines += notes
    if name_hint and getattr(model, "name", None) != ref.name:
        lines.append(
            f'{NOTE} your model is not named "{ref.name}"; the challenge names it: '
            f'keras.Model(inputs=inputs, outputs=outputs, name="{ref.name}")'
        )
    return lines


@_checker("Your model against create_model_intro()")
def check_model_intro(model, input_shape=(32, 32, 3), num_classes=10):
    """Compare ``model`` layer by layer with :func:`cifar_cnn.create_model_intro`: kinds in
    order, filters, kernel sizes, activations, pool sizes, units, output shapes and the
    parameter count (79,530)."""
    kwargs = {"input_shape": input_shape, "num_classes": num_classes}
    return _model_lines(model, "create_model_intro", kwargs, name_hint=True)


def _dropout_lines(rate):
    def lines_for(mine, ref):
        lines = []
        drops = [f for f in mine if f.kind == "Dropout"]
        if not drops:
            return [
                f"{FAIL} no Dropout layer: add x = keras.layers.Dropout(rate={_fmt(rate)})(x), "
                "for example right after Flatten"
            ]
        if len(drops) > 1:
            where = ", ".join(str(f.position) for f in drops)
            lines.append(
                f"{FAIL} {len(drops)} Dropout layers (layers {where}); the challenge asks for one: remove the others"
            )
        for drop in drops:
            good = True
            if drop.position == len(mine):
                lines.append(
                    f"{FAIL} the Dropout (layer {drop.position}) comes after the output layer, where it "
                    "would zero some of the predictions: move it before the last Dense"
                )
                good = False
            mine_rate = drop.settings.get("rate")
            if mine_rate is None or abs(mine_rate - rate) > 1e-9:
                lines.append(
                    f"{FAIL} the Dropout (layer {drop.position}) has rate={_fmt(mine_rate)}; the challenge "
                    f"asks for rate={_fmt(rate)}: use keras.layers.Dropout(rate={_fmt(rate)})"
                )
                good = False
            if good:
                lines.append(f"{PASS} Dropout(rate={_fmt(rate)}) as layer {drop.position}, before the output layer")
        return lines

    return lines_for


@_checker("Your model against create_model_dropout()")
def check_model_dropout(model, rate=0.5, input_shape=(32, 32, 3), num_classes=10):
    """The intro network with one ``Dropout(rate)`` layer anywhere before the output layer
    (the lesson puts it after Flatten); 79,530 parameters, as Dropout has none."""
    kwargs = {"rate": rate, "input_shape": input_shape, "num_classes": num_classes}
    reference = _reference("create_model_dropout", kwargs)  # checks the rate too
    ref_rate = next(f.settings["rate"] for f in reference.chain if f.kind == "Dropout")
    return _model_lines(model, "create_model_dropout", kwargs, strip=("Dropout",), extra=_dropout_lines(ref_rate))


@_checker("Your model against create_model_one_conv()")
def check_model_one_conv(model, filters=10, kernel_size=3, input_shape=(32, 32, 3), num_classes=10):
    """Conv2D(10, 3x3, relu) -> Flatten -> Dense(10, softmax): 90,290 parameters."""
    kwargs = {"filters": filters, "kernel_size": kernel_size, "input_shape": input_shape, "num_classes": num_classes}
    return _model_lines(model, "create_model_one_conv", kwargs)


@_checker("Your model against create_model_two_conv()")
def check_model_two_conv(model, filters=10, kernel_size=3, input_shape=(32, 32, 3), num_classes=10):
    """Two Conv2D(10, 3x3, relu) -> Flatten -> Dense(10, softmax): 79,600 parameters."""
    kwargs = {"filters": filters, "kernel_size": kernel_size, "input_shape": input_shape, "num_classes": num_classes}
    return _model_lines(model, "create_model_two_conv", kwargs)


@_checker("Your model against create_model_vgg()")
def check_model_vgg(
    model, filters=(16, 32, 64), convs_per_block=2, dense_units=128, dropout=0.5,
    input_shape=(32, 32, 3), num_classes=10,
):
    """Compare with ``create_model_vgg`` built with the same arguments (204,570 parameters
    with the defaults)."""
    kwargs = {
        "filters": filters, "convs_per_block": convs_per_block, "dense_units": dense_units,
        "dropout": dropout, "input_shape": input_shape, "num_classes": num_classes,
    }
    return _model_lines(model, "create_model_vgg", kwargs)


def _defaults(factory_name):
    from . import models

    signature = inspect.signature(getattr(models, factory_name))
    return {name: p.default for name, p in signature.parameters.items() if p.default is not p.empty}


def _same(a, b):
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


# ---------------------------------------------------------------- compiling

_COMPILE = 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'
_UNKNOWN = object()


def _compile_arguments(model):
    """What the learner passed to ``model.compile``, or None if it was never compiled.

    Keras 3 keeps the arguments as given in ``model._compile_config.config`` (metrics
    are only turned into metric objects when training starts); ``get_compile_config()``
    is the serialised copy of the same, and ``model.optimizer`` / ``model.loss`` the
    last resort, without the metrics."""
    config = getattr(getattr(model, "_compile_config", None), "config", None)
    if isinstance(config, dict) and config:
        return dict(config)
    try:
        config = model.get_compile_config()
    except Exception:
        config = None
    if isinstance(config, dict) and config:
        return dict(config)
    if getattr(model, "compiled", False) or getattr(model, "optimizer", None) is not None:
        return {
            "optimizer": getattr(model, "optimizer", None),
            "loss": getattr(model, "loss", None),
            "metrics": _UNKNOWN,
        }
    return None


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


def _squash(name):
    return re.sub(r"[^a-z]", "", str(name).lower())


def _optimizer_lines(optimizer):
    if optimizer is None:
        return [f'{FAIL} no optimizer: add optimizer="adam"']
    inner = getattr(optimizer, "inner_optimizer", None)  # mixed precision wraps the optimizer
    optimizer = inner if inner is not None else optimizer
    if isinstance(optimizer, (str, dict)):
        name = _object_name(optimizer) if isinstance(optimizer, str) else optimizer.get("class_name", "?")
    else:
        name = type(optimizer).__name__
    if _squash(name) != "adam":
        return [f'{FAIL} optimizer {name}; the lesson uses Adam: optimizer="adam"']
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
        kind = "sparse"
    elif key in ("categoricalcrossentropy", "cce"):
        kind = "categorical"
    elif "binary" in key:
        kind = "binary"
    elif key in (
        "mse", "mae", "msle", "mape", "huber", "logcosh", "meansquarederror", "meanabsoluteerror",
        "meansquaredlogarithmicerror", "meanabsolutepercentageerror",
    ):
        kind = "regression"
    else:
        kind = "other"
    return kind, name


def _from_logits(loss):
    try:
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        return bool(config.get("from_logits", False))
    except Exception:
        return False


def _output_activation(model):
    try:
        return _activation_name(getattr(model.layers[-1], "activation", None))
    except Exception:
        return None


def _loss_lines(loss, model):
    kind, name = _loss_kind(loss)
    fix = 'loss="sparse_categorical_crossentropy"'
    if kind is None:
        lines = [f"{FAIL} no loss: add {fix}"]
    elif kind == "sparse":
        lines = [f"{PASS} loss: sparse categorical cross-entropy (the labels are class numbers 0 to 9)"]
    elif kind == "categorical":
        lines = [
            f"{NOTE} loss: categorical cross-entropy, which needs one-hot labels "
            "(load_cifar10(one_hot=True)); for the lesson's class-number labels use " + fix
        ]
    elif kind == "binary":
        lines = [f"{FAIL} loss {_fmt(name)} is for two classes; CIFAR-10 has 10: use {fix}"]
    elif kind == "regression":
        lines = [
            f"{FAIL} loss {_fmt(name)} measures distances between numbers (regression), "
            f"not how well classes are predicted: use {fix}"
        ]
    else:
        lines = [f"{FAIL} loss {_fmt(name)}; the lesson uses {fix}"]
    if kind in ("sparse", "categorical") and _from_logits(loss) and _output_activation(model) == "softmax":
        lines.append(
            f"{FAIL} the loss has from_logits=True, but your output layer already applies softmax: "
            "remove from_logits=True"
        )
    return lines, kind


def _metric_items(metrics):
    if isinstance(metrics, dict):
        items = []
        for value in metrics.values():
            items += _metric_items(value)
        return items
    if isinstance(metrics, (list, tuple)):
        items = []
        for value in metrics:
            items += _metric_items(value) if isinstance(value, (list, tuple)) else [value]
        return items
    return [] if metrics is None else [metrics]


def _metric_lines(metrics, loss_kind):
    if metrics is _UNKNOWN:
        return [
            f"{NOTE} this Keras version does not say which metrics were passed; "
            'the lesson uses metrics=["accuracy"]'
        ]
    items = _metric_items(metrics)
    fix = 'metrics=["accuracy"]'
    if not items:
        return [f"{FAIL} no metrics: add {fix}, so that training reports the accuracy"]
    lines, accuracy = [], False
    for item in items:
        key = _squash(_object_name(item))
        if key in ("accuracy", "acc") and isinstance(item, str):
            accuracy = True  # the string: Keras picks the accuracy that fits the loss
        elif key in ("accuracy", "acc"):  # keras.metrics.Accuracy() or .accuracy: exact equality
            lines.append(
                f"{FAIL} keras.metrics.Accuracy() compares the 10 probabilities with the label one "
                f"for one and reports nearly 0: use {fix}, and Keras picks the right accuracy"
            )
        elif key == "sparsecategoricalaccuracy":
            if loss_kind == "categorical":
                lines.append(
                    f"{FAIL} sparse categorical accuracy expects class-number labels, but your loss "
                    f"expects one-hot labels: use {fix}"
                )
            accuracy = True
        elif key == "categoricalaccuracy":
            if loss_kind == "sparse":
                lines.append(f"{FAIL} categorical accuracy expects one-hot labels; with class numbers use {fix}")
            accuracy = True
    if accuracy and not lines:
        lines.append(f"{PASS} the metrics include accuracy")
    elif not accuracy and not lines:
        lines.append(f"{FAIL} the metrics do not include accuracy: add it, {fix}")
    return lines


@_checker("Compiling the model")
def check_compile(model):
    """Is ``model`` compiled the lesson's way: Adam, sparse categorical cross-entropy
    (categorical cross-entropy is accepted, with a note about one-hot labels), and
    accuracy among the metrics?"""
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise _Problem(f"{FAIL} {_not_a_model(model)}")
    arguments = _compile_arguments(model)
    if arguments is None:
        return [f"{FAIL} the model is not compiled yet: {_COMPILE}"]
    lines = [f"{PASS} the model is compiled"]
    lines += _optimizer_lines(arguments.get("optimizer"))
    loss_lines, loss_kind = _loss_lines(arguments.get("loss"), model)
    lines += loss_lines
    lines += _metric_lines(arguments.get("metrics"), loss_kind)
    return lines

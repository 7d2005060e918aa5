"""Read the learner's layer chain as it really is.

A tensor or a model becomes the list of layers from the ``keras.Input`` to it, as plain
facts: kind, the settings that matter (filters, activation, ...), name, output shape.
Keras has no public API that leads from a symbolic tensor back to the layer that made
it; ``tensor._keras_history`` is what Keras's own functional ``Model`` reads for this, so
this module reads it too, in one place (:func:`walk`). When it cannot be read, models
fall back to the public ``model.layers`` and tensors to their shape alone.

The chain also tells two messes apart that a notebook produces: layers left over from a
cell that ran twice (the same name twice, :func:`rerun_blocks`) and a step called on
``inputs`` instead of ``x`` (:func:`skipped_from`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "SETTINGS", "POOLING", "DEFAULTS", "snake_case", "Fact", "activation_name", "shape_of",
    "input_fact", "layer_fact", "number", "Unreadable", "walk", "layers_chain",
    "describe_model", "rerun_blocks", "without", "skipped_from",
]

# Settings compared for each kind of layer, in the order they are reported.
SETTINGS = {
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
POOLING = {"MaxPooling1D", "MaxPooling2D", "AveragePooling2D"}
DEFAULTS = {"padding": "valid", "activation": "linear"}


def snake_case(kind):
    """Keras's own rule for the default name of a layer class: Conv2D -> conv2d."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", kind)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


@dataclass
class Fact:
    """One layer in a chain: its kind, the settings that matter, its output shape."""

    kind: str
    settings: dict
    shape: tuple | None
    name: str | None = None
    position: int = 0  # 1-based place in the chain; the input is layer 1
    nth: int = 1  # the nth layer of this kind in the chain
    of: int = 1  # how many layers of this kind the chain has

    @property
    def named(self):
        """False for Keras's numbered default names (conv2d_3, input_layer_1), which say
        nothing to the learner. A plain "dense" or "flatten" may be either Keras's first
        default or the lesson's own name: it counts as a name."""
        if not self.name:
            return False
        own = "input_layer" if self.kind == "InputLayer" else snake_case(self.kind)
        return re.fullmatch(re.escape(own) + r"_\d+", self.name) is None

    @property
    def default_name(self):
        """True for a name Keras gave (conv2d, conv2d_3), not the learner."""
        if not self.name:
            return True
        own = "input_layer" if self.kind == "InputLayer" else snake_case(self.kind)
        return re.fullmatch(re.escape(own) + r"(_\d+)?", self.name) is not None

    def token(self, shape=False):
        """What makes two layers the same; with ``shape``, also their output shape."""
        settings = repr(sorted(self.settings.items()))
        if shape:
            return (self.kind, settings, None if self.shape is None else self.shape[1:])
        return (self.kind, settings)


def activation_name(value):
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
        return activation_name(value)
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


def shape_of(tensor):
    if tensor is None:
        return None
    try:
        return tuple(None if d is None else int(d) for d in tensor.shape)
    except Exception:
        return None


def input_fact(tensor, name=None):
    shape = shape_of(tensor)
    return Fact("InputLayer", {"shape": None if shape is None else shape[1:]}, shape, name)


def layer_fact(layer, tensor):
    kind = type(layer).__name__
    settings = {}
    for key in SETTINGS.get(kind, ()):
        try:
            settings[key] = _setting(layer, key)
        except Exception:
            settings[key] = None
    return Fact(kind, settings, shape_of(tensor), getattr(layer, "name", None))


def number(chain):
    """Set every fact's position, and its place among the layers of its kind."""
    totals = {}
    for fact in chain:
        totals[fact.kind] = totals.get(fact.kind, 0) + 1
    seen = {}
    for position, fact in enumerate(chain, start=1):
        seen[fact.kind] = seen.get(fact.kind, 0) + 1
        fact.position, fact.nth, fact.of = position, seen[fact.kind], totals[fact.kind]
    return chain


class Unreadable(Exception):
    """The tensor's history cannot be followed."""


def walk(tensor, stop_at=()):
    """The chain of layers from the input to ``tensor``, and the kinds of layers that
    joined several tensors (the walk follows their first input)."""
    facts, branches = [], []
    current = tensor
    for _ in range(10_000):
        if any(current is stop for stop in stop_at):
            facts.append(input_fact(current, _input_name(current)))
            break
        history = getattr(current, "_keras_history", None)
        if history is None:
            raise Unreadable("no Keras history")
        operation, node_index = history[0], history[1]
        if type(operation).__name__ == "InputLayer":
            facts.append(input_fact(current, getattr(operation, "name", None)))
            break
        facts.append(layer_fact(operation, current))
        node = operation._inbound_nodes[node_index]
        parents = [t for t in node.input_tensors if hasattr(t, "_keras_history")]
        if not parents:
            break
        if len(parents) > 1:
            branches.append(type(operation).__name__)
        current = parents[0]
    else:
        raise Unreadable("the network is too deep to follow")
    facts.reverse()
    return number(facts), branches


def _input_name(tensor):
    history = getattr(tensor, "_keras_history", None)
    operation = history[0] if history else None
    return getattr(operation, "name", None) if type(operation).__name__ == "InputLayer" else None


def layers_chain(model):
    """The fallback description of a model: ``model.layers`` in order, each with the shape
    of its output where Keras can tell it."""
    chain = [input_fact(model.inputs[0], getattr(model.layers[0], "name", None) if model.layers else None)]
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            output = layer.output
        except Exception:
            output = None
        chain.append(layer_fact(layer, output))
    return number(chain)


def describe_model(model, outputs, inputs):
    """(chain, branches): from the output back along the Keras history, or else from
    ``model.layers``."""
    try:
        return walk(outputs[0], stop_at=inputs)
    except Exception:
        return layers_chain(model), []


# ---------------------------------------------------------------- messes


def rerun_blocks(chain):
    """Layers that a cell left behind when it ran again: [(stale, fresh)] pairs of index
    lists. A block of named layers followed, right away or later, by layers of the same
    names in the same order is a cell that ran twice; its first copy is stale."""
    found = []
    names = [f.name if f.named else None for f in chain]
    index = 0
    while index < len(chain):
        name = names[index]
        later = [j for j in range(index + 1, len(chain)) if name is not None and names[j] == name]
        if not later:
            index += 1
            continue
        j = later[0]
        size = 1
        while index + size < j and j + size < len(chain) and names[index + size] is not None \
                and names[index + size] == names[j + size]:
            size += 1
        found.append((list(range(index, index + size)), list(range(j, j + size))))
        index += size
    return found


def without(chain, indices):
    """A copy of ``chain`` without the layers at ``indices``, renumbered."""
    drop = set(indices)
    kept = [Fact(f.kind, dict(f.settings), f.shape, f.name) for i, f in enumerate(chain) if i not in drop]
    return number(kept)


def skipped_from(mine, ref):
    """Where ``mine`` would fit into ``ref`` if its first layer was called on ``inputs``
    instead of ``x``: the reference index of that layer (2 or more), else None.

    ``mine``'s layers after the input must match, kind for kind (and name for name when
    both are named), a stretch of ``ref`` that starts later than the reference's first layer.
    """
    if len(mine) < 2 or len(ref) < 3:
        return None
    body = mine[1:]

    def fits(start):
        stretch = ref[start:start + len(body)]
        if len(stretch) != len(body):
            return False
        for a, b in zip(body, stretch):
            if a.kind != b.kind or (a.named and b.name and a.name != b.name):
                return False
        return True

    if fits(1):
        return None
    return next((start for start in range(2, len(ref)) if fits(start)), None)

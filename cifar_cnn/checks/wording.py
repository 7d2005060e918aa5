"""How verdicts word layers, settings and fixes: one sentence per difference, ending in
what to write instead, the way the lesson writes its code."""

from __future__ import annotations

from .graph import DEFAULTS, POOLING, SETTINGS

__all__ = [
    "RERUN", "fmt", "a", "ordinal", "the", "who", "size", "args", "code", "wants",
    "setting_message",
]

_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
RERUN = "run the cells again from keras.Input on, each once"


def fmt(value):
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def a(kind):
    kind = "Input" if kind == "InputLayer" else kind
    return ("an " if kind[:1].upper() in "AEIOU" else "a ") + kind


def ordinal(n):
    return _ORDINALS[n - 1] if 1 <= n <= len(_ORDINALS) else f"{n}th"


def the(fact, own=False):
    """'the input', 'your Conv2D "conv2"', 'the second Conv2D' ..."""
    if fact.kind == "InputLayer":
        return "your input" if own else "the input"
    if own and fact.named:
        return f'your {fact.kind} "{fact.name}"'
    nth = "" if fact.of == 1 else ordinal(fact.nth) + " "
    return f"{'your' if own else 'the'} {nth}{fact.kind}"


def who(fact, style):
    if style == "tensor":
        return the(fact, own=True)
    if fact.kind == "InputLayer":
        return "the input (layer 1)"
    label = f'{fact.kind} "{fact.name}"' if fact.named else the(fact).removeprefix("the ")
    return f"layer {fact.position} ({label})"


def size(shape):
    if shape and len(shape) == 4 and None not in shape[1:3]:
        return f"{shape[1]}x{shape[2]}"
    return None


def args(fact, name=False):
    """The non-default settings as keyword arguments; with ``name``, the layer's name too."""
    settings = fact.settings
    parts = []
    for key in SETTINGS.get(fact.kind, ()):
        value = settings.get(key)
        if value is None or key == "shape":
            continue
        if key == "strides":
            default = settings.get("pool_size") if fact.kind in POOLING else (1,) * len(value)
            if value == default:
                continue
        elif DEFAULTS.get(key) == value:
            continue
        parts.append(f"{key}={fmt(value)}")
    if name and fact.name:
        parts.append(f"name={fmt(fact.name)}")
    return ", ".join(parts)


def code(fact, name=False):
    """The call that creates the layer: keras.layers.Conv2D(filters=16, ...)."""
    if fact.kind == "InputLayer":
        shape = f"shape={fmt(fact.settings.get('shape'))}"
        return f"keras.Input({shape}{f', name={fmt(fact.name)}' if name and fact.name else ''})"
    if fact.kind in SETTINGS or fact.kind in ("Flatten", "GlobalAveragePooling2D"):
        return f"keras.layers.{fact.kind}({args(fact, name)})"
    return fact.kind


def wants(target):
    return "the reference has" if target == "the reference" else f"{target} asks for"


def _input_message(who_, mine, ref, target):
    text = f"{who_} has shape={fmt(mine)}; {wants(target)} shape={fmt(ref)}"
    hint = None
    if isinstance(mine, tuple) and isinstance(ref, tuple):
        if len(mine) == len(ref) - 1 and mine == ref[:-1]:
            hint = "the colour channels are missing: one image is height x width x channels"
        elif len(mine) == len(ref) and mine[0] == ref[-1] and mine[1:] == ref[:-1]:
            hint = "channels first: Keras expects height, width, channels"
        elif len(mine) == len(ref) and mine[:-1] == ref[:-1]:
            hint = f"{mine[-1]} channel{'s' if mine[-1] != 1 else ''}; the images have {ref[-1]} (red, green, blue)"
        elif len(mine) == len(ref) + 1:
            hint = "give the shape of one image, without the number of images: data.x_train.shape[1:]"
    return f"{text}{f' ({hint})' if hint else ''}: use shape={fmt(ref)}"


def setting_message(key, mine, ref, style, target):
    """One ✗ sentence about one setting of one layer, ending in the fix."""
    who_ = who(mine, style)
    x, y = mine.settings.get(key), ref.settings.get(key)
    if key == "shape":
        return _input_message(who_, x, y, target)
    if key == "filters":
        return f"{who_} has {x} filters; {wants(target)} {y}: use filters={y}"
    if key == "units":
        per_class = " (one per class)" if ref.settings.get("activation") == "softmax" else ""
        return f"{who_} has {x} units; {wants(target)} {y}{per_class}: use units={y}"
    if key in ("kernel_size", "pool_size") and x and y:
        noun = "a {} kernel" if key == "kernel_size" else "{} pooling"
        return (
            f"{who_} has {noun.format('x'.join(map(str, x)))}; {wants(target)} "
            f"{'x'.join(map(str, y))}: use {key}={fmt(y)}"
        )
    if key == "activation":
        if x == "linear":
            text = f'{who_} has no activation (the default is none, "linear"); {wants(target)} "{y}": add activation="{y}"'
        elif y == "linear":
            text = f'{who_} has activation="{x}"; {target} has none: remove activation="{x}"'
        else:
            text = f'{who_} has activation="{x}"; {wants(target)} "{y}": use activation="{y}"'
        if y == "softmax":
            text += " (softmax turns the scores into probabilities that add up to 1)"
        return text
    if key == "padding":
        mine_size, ref_size = size(mine.shape), size(ref.shape)
        sizes = f", so its output is {mine_size} instead of {ref_size}" if mine_size and ref_size and mine_size != ref_size else ""
        if y == "valid":
            return f'{who_} uses padding="{x}"{sizes} ({target} uses the default, "valid"): remove padding="{x}"'
        if x == "valid":
            return f'{who_} has no padding{sizes}: add padding="{y}"'
        return f'{who_} uses padding="{x}"{sizes}; {wants(target)} padding="{y}": use padding="{y}"'
    if key == "strides":
        default = ref.settings.get("pool_size") if ref.kind in POOLING else (1,) * len(y or ())
        fix = f"remove strides={fmt(x)} (the default)" if y == default else f"use strides={fmt(y)}"
        return f"{who_} has strides={fmt(x)}; {target} uses strides={fmt(y)}: {fix}"
    if key == "rate":
        return f"{who_} has rate={fmt(x)}; {wants(target)} rate={fmt(y)}: use rate={fmt(y)}"
    return f"{who_} has {key}={fmt(x)}; {target} has {key}={fmt(y)}: use {key}={fmt(y)}"

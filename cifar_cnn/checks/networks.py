"""Whole-model checks: the learner's model against a reference factory, layer by layer.

Each check takes the model, then its factory's arguments with the same names, order and
defaults: ``check_model_dropout(model, input_shape=(32, 32, 3), num_classes=10, *, rate=0.5)``
follows ``create_model_dropout(input_shape=(32, 32, 3), num_classes=10, *, rate=0.5)``.
"""

from __future__ import annotations

from . import graph
from .compare import capped, compare
from .passed import model_chain
from .reference import reference
from .verdict import FAIL, NOTE, PASS, Problem, checker
from .wording import RERUN, fmt, the, who

__all__ = [
    "model_lines", "check_model_intro", "check_model_dropout", "check_model_one_conv",
    "check_model_two_conv", "check_model_vgg",
]

_SHAPE, _CLASSES = (32, 32, 3), 10


def _check_shape_argument(check, input_shape, first_setting):
    """A number where input_shape goes: the learner meant an architecture argument."""
    if isinstance(input_shape, (int, float)) and not isinstance(input_shape, bool):
        raise Problem(
            f"{FAIL} {check}'s second argument is input_shape, the shape of one image; its other settings "
            f"are given by name: {check}(model, {first_setting}={input_shape!r})"
        )


def _skipped_lines(mine, ref):
    start = graph.skipped_from(mine, ref)
    if start is None:
        return None
    first = mine[1]
    layers = ", ".join(f"{f.kind}{f' {fmt(f.name)}' if f.name else ''}" for f in ref[1:start])
    numbers = "layer 2" if start == 2 else f"layers 2 to {start}"
    return [
        f"{FAIL} {who(first, 'model')} is called on inputs instead of x, so the model skips the reference's "
        f"{numbers} ({layers}): in its line write (x) instead of (inputs), then {RERUN}, then build the model again"
    ]


def model_lines(model, factory_name, kwargs, *, strip=(), name_hint=False, extra=None):
    """The verdict's lines for ``model`` against ``factory_name(**kwargs)``."""
    ref = reference(factory_name, kwargs)
    mine, notes, params = model_chain(model)
    target = "the reference"
    ref_chain = graph.without(ref.chain, [i for i, f in enumerate(ref.chain) if f.kind in strip])
    my_chain = graph.without(mine, [i for i, f in enumerate(mine) if f.kind in strip])
    skipped = _skipped_lines(my_chain, ref_chain)
    if skipped is not None:
        events, matching = [], 0
        lines = list(skipped)
    else:
        events, matching = compare(my_chain, ref_chain, "model", target)
        lines = []
        if not any(event.structural for event in events):
            kinds = ", ".join("Input" if f.kind == "InputLayer" else f.kind for f in ref_chain)
            besides = f" besides the {' and '.join(strip)}" if strip else ""
            lines.append(f"{PASS} {len(ref_chain)} layers{besides}, in the reference's order: {kinds}")
        if not events:
            lines.append(f"{PASS} every layer's settings and output shape match")
        elif matching:
            lines.append(f"{PASS} {matching} of the reference's {len(ref_chain)} layers match exactly")
        lines += capped(events)
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
    if any(line.startswith(FAIL) for line in lines) and not skipped:
        lines.append(f"{NOTE} after a fix, {RERUN}, then build the model again")
    lines += notes
    if name_hint and getattr(model, "name", None) != ref.name:
        lines.append(
            f'{NOTE} your model is not named "{ref.name}"; the challenge names it: '
            f'keras.Model(inputs=inputs, outputs=outputs, name="{ref.name}")'
        )
    return lines


@checker("Your model against create_model_intro()")
def check_model_intro(model, input_shape=_SHAPE, num_classes=_CLASSES):
    """Compare ``model`` layer by layer with :func:`cifar_cnn.create_model_intro`: kinds in
    order, filters, kernel sizes, activations, pool sizes, units, output shapes and the
    parameter count (79,530)."""
    kwargs = {"input_shape": input_shape, "num_classes": num_classes}
    return model_lines(model, "create_model_intro", kwargs, name_hint=True)


def _dropout_lines(rate):
    """✓/✗ lines for the Dropout: one, with the rate asked for, where the reference has it
    (between Flatten and the 64-unit Dense)."""

    def lines_for(mine, ref):
        at = next(i for i, f in enumerate(ref.chain) if f.kind == "Dropout")
        before, after = ref.chain[at - 1], ref.chain[at + 1]
        between = f"between {before.kind} and the {after.settings.get('units')}-unit {after.kind}"
        line = f"x = keras.layers.Dropout(rate={fmt(rate)}, name={fmt(ref.chain[at].name)})(x)"
        drops = [f for f in mine if f.kind == "Dropout"]
        if not drops:
            return [f"{FAIL} no Dropout layer: add the line {line} right after the Flatten line"]
        lines = []
        if len(drops) > 1:
            where = ", ".join(str(f.position) for f in drops)
            lines.append(
                f"{FAIL} {len(drops)} Dropout layers (layers {where}); the challenge asks for one, {between}: "
                "remove the lines of the others"
            )
        for drop in drops:
            i = drop.position - 1
            good = True
            placed = 0 < i < len(mine) - 1 and mine[i - 1].kind == before.kind and mine[i + 1].kind == after.kind
            if len(drops) == 1 and not placed:
                previous = the(mine[i - 1], own=True) if i > 0 else "the input"
                lines.append(
                    f"{FAIL} {the(drop, own=True)} is layer {drop.position}, after {previous}; the challenge puts it "
                    f"{between}: move its line to right after the Flatten line"
                )
                good = False
            mine_rate = drop.settings.get("rate")
            if mine_rate is None or abs(mine_rate - rate) > 1e-9:
                lines.append(
                    f"{FAIL} the Dropout (layer {drop.position}) has rate={fmt(mine_rate)}; the challenge "
                    f"asks for rate={fmt(rate)}: use rate={fmt(rate)}"
                )
                good = False
            if good and len(drops) == 1:
                lines.append(f"{PASS} Dropout(rate={fmt(rate)}) as layer {drop.position}, {between}")
        return lines

    return lines_for


@checker("Your model against create_model_dropout()")
def check_model_dropout(model, input_shape=_SHAPE, num_classes=_CLASSES, *, rate=0.5):
    """The intro network with one ``Dropout(rate)`` layer between Flatten and the 64-unit
    Dense layer, as :func:`cifar_cnn.create_model_dropout` has it; 79,530 parameters, as
    Dropout has none."""
    _check_shape_argument("check_model_dropout", input_shape, "rate")
    kwargs = {"input_shape": input_shape, "num_classes": num_classes, "rate": rate}
    ref = reference("create_model_dropout", kwargs)  # checks the rate too
    ref_rate = next(f.settings["rate"] for f in ref.chain if f.kind == "Dropout")
    return model_lines(model, "create_model_dropout", kwargs, strip=("Dropout",), extra=_dropout_lines(ref_rate))


@checker("Your model against create_model_one_conv()")
def check_model_one_conv(model, input_shape=_SHAPE, num_classes=_CLASSES, *, filters=10, kernel_size=3):
    """Conv2D(10, 3x3, relu) -> Flatten -> Dense(10, softmax): 90,290 parameters."""
    _check_shape_argument("check_model_one_conv", input_shape, "filters")
    kwargs = {"input_shape": input_shape, "num_classes": num_classes, "filters": filters, "kernel_size": kernel_size}
    return model_lines(model, "create_model_one_conv", kwargs)


@checker("Your model against create_model_two_conv()")
def check_model_two_conv(model, input_shape=_SHAPE, num_classes=_CLASSES, *, filters=10, kernel_size=3):
    """Two Conv2D(10, 3x3, relu) -> Flatten -> Dense(10, softmax): 79,600 parameters."""
    _check_shape_argument("check_model_two_conv", input_shape, "filters")
    kwargs = {"input_shape": input_shape, "num_classes": num_classes, "filters": filters, "kernel_size": kernel_size}
    return model_lines(model, "create_model_two_conv", kwargs)


@checker("Your model against create_model_vgg()")
def check_model_vgg(
    model, input_shape=_SHAPE, num_classes=_CLASSES, *, filters=(16, 32, 64), convs_per_block=2,
    dense_units=128, rate=0.5,
):
    """Compare with ``create_model_vgg`` built with the same arguments (204,570 parameters
    with the defaults)."""
    _check_shape_argument("check_model_vgg", input_shape, "filters")
    kwargs = {
        "input_shape": input_shape, "num_classes": num_classes, "filters": filters,
        "convs_per_block": convs_per_block, "dense_units": dense_units, "rate": rate,
    }
    return model_lines(model, "create_model_vgg", kwargs)

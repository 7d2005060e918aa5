"""The building episode's steps (challenges 1 to 7 of episode 4) and their checks.

The step table is derived from the reference network, :func:`cifar_cnn.create_model_intro`:
each step names the reference layers it adds, and the code a step asks for, the shapes
and the layer names all come from the reference model itself. Change the network there
and the checks follow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from . import graph
from .compare import alignment, capped, compare, keys
from .passed import tensor_chain
from .reference import reference
from .verdict import FAIL, NOTE, PASS, checker
from .wording import RERUN, a, args, code, fmt, the

__all__ = [
    "STEP_LAYERS", "FACTORY", "Step", "steps", "step_lines", "check_input", "check_conv2d",
    "check_pooling", "check_second_block", "check_flatten", "check_dense", "check_output",
]

# step -> the names of the reference layers it adds, in the order of the challenges
STEP_LAYERS = {
    "input": ("images",),
    "conv2d": ("conv1",),
    "pooling": ("pool1",),
    "second_block": ("conv2", "pool2"),
    "flatten": ("flatten",),
    "dense": ("dense",),
    "output": ("predictions",),
}
FACTORY = "create_model_intro"
_AFTER_A_FIX = (
    f"{NOTE} to apply a fix, {RERUN}: each cell reads x and replaces it, so running only "
    "the changed cell would add its layer a second time"
)


@dataclass
class Step:
    first: int  # index in the reference chain of the step's first layer
    end: int  # one past the index of its last layer
    var: str  # the variable the step assigns
    line: str  # the code the step asks for
    func: str  # the check's name


def _assignment(chain, index):
    fact = chain[index]
    if fact.kind == "InputLayer":
        return "inputs", f"inputs = {code(fact, name=True)}"
    var = "outputs" if index == len(chain) - 1 else "x"
    source = "inputs" if index == 1 else "x"
    return var, f"{var} = {code(fact, name=True)}({source})"


@functools.lru_cache(maxsize=None)
def steps():
    """{step name: Step} from the reference model's layers."""
    chain = reference(FACTORY, {}).chain
    index = {fact.name: i for i, fact in enumerate(chain)}
    table = {}
    for name, layer_names in STEP_LAYERS.items():
        positions = [index[layer] for layer in layer_names]
        lines = [_assignment(chain, i) for i in positions]
        table[name] = Step(positions[0], positions[-1] + 1, lines[-1][0], ", then ".join(l for _, l in lines), f"check_{name}")
    return table


def _shape_only(tensor, var, ref, lines):
    shape, expected = graph.shape_of(tensor), ref[-1].shape
    if shape is not None and shape[1:] == expected[1:]:
        return lines + [f"{PASS} {var} has shape {shape}"]
    return lines + [f"{FAIL} {var} has shape {shape}; the challenge expects {expected}"]


def _shape_line(var, shape, expected):
    if shape is None or expected is None:
        return []
    if shape[1:] == expected[1:]:
        return [f"{PASS} {var} has shape {shape}"]
    return [f"{FAIL} {var} has shape {shape}; the challenge expects {expected}"]


def _reruns(mine, ref, var):
    """✗ lines about layers left over from cells that ran again, and the chain as it
    will be once the cells have run once each (None when that cannot be told)."""
    blocks = graph.rerun_blocks(mine)
    if not blocks:
        return [], mine
    lines, stale = [], []
    # Every layer where the reference has one of its kind: not a re-run but one name used twice.
    kinds_fit = len(mine) <= len(ref) and all(m.kind == r.kind for m, r in zip(mine, ref))
    for old, new in blocks:
        names = " and ".join(f'"{mine[i].name}"' for i in new)
        where = ", ".join(str(mine[i].position) for i in old + new)
        if old[-1] + 1 == new[0] and not kinds_fit:
            count = "layer" if len(new) == 1 else "layers"
            lines.append(
                f"{FAIL} {var} has been through the {count} {names} twice (layers {where}): a cell ran "
                f"a second time, and its first run's {count} stayed in the chain: {RERUN}"
            )
            stale += old
        else:
            later = new[0]
            wanted = ref[later].name if later < len(ref) and ref[later].name != mine[later].name else None
            if wanted and kinds_fit:
                rename = f'use name="{wanted}" in the later one, then '
            elif wanted:
                rename = f'if two of your cells say name="{mine[later].name}", use name="{wanted}" in the later one; then '
            else:
                rename = ""
            lines.append(
                f"{FAIL} two layers are named {names} (layers {where}); Keras will refuse to build a model "
                f"from them: {rename}{RERUN}"
            )
            return lines, None
    return lines, graph.without(mine, stale)


def _called_on_inputs(mine, ref, var, step):
    """✗ lines when the learner's first layer was called on inputs instead of x, or None."""
    start = graph.skipped_from(mine, ref)
    if start is None:
        return None
    first = mine[1]
    skipped = ", ".join(f"{f.kind}{f' {fmt(f.name)}' if f.name else ''}" for f in ref[1:start])
    lines = [
        f"{FAIL} {the(first, own=True)} was called on inputs instead of x, so {var} skips the "
        f"layers before it ({skipped}): in its line write (x) instead of (inputs), then {RERUN}"
    ]
    fitted = [ref[0]] + ref[start:start + len(mine) - 1]
    events, _ = compare([mine[0]] + mine[1:], fitted, "tensor", "the challenge")
    # Settings only: the shapes differ anyway, because of the layers skipped.
    lines += capped([e for e in events if e.ref_index != 0 and " outputs (" not in e.text])
    return lines + _shape_line(var, mine[-1].shape, ref[step.end - 1].shape)


def _name_lines(mine, ref, first):
    """✗ lines for the step's own layers that are not named as the challenge asks."""
    lines = []
    for tag, m, r in alignment(mine, ref):
        if tag != "pair" or r < first or not ref[r].name:
            continue
        mf, rf = mine[m], ref[r]
        if mf.name == rf.name:
            continue
        if not mf.default_name:
            lines.append(f'{FAIL} {the(mf, own=True)} is named "{mf.name}"; the challenge names it "{rf.name}": use name="{rf.name}"')
        else:
            given = "Keras's default name" if mf.named else f'no name of its own (Keras called it "{mf.name}")'
            lines.append(
                f'{FAIL} {the(mf, own=True)} has {given}; the challenge names it "{rf.name}": add name="{rf.name}"'
            )
    return lines


def _step_passes(mine, ref, first):
    """✓ lines for what the step's own layers get right."""
    lines = []
    for tag, m, r in alignment(mine, ref):
        if tag != "pair" or r < first:
            continue
        mf, rf = mine[m], ref[r]
        compared = keys(mf, rf)
        right = [k for k in compared if mf.settings.get(k) == rf.settings.get(k)]
        named = mf.name == rf.name
        if rf.kind == "InputLayer":
            shown = ([f"shape={fmt(rf.settings['shape'])}"] if right else []) + ([f"name={fmt(rf.name)}"] if named else [])
            if shown:
                lines.append(f"{PASS} {', '.join(shown)}")
        elif len(right) == len(compared) and named:
            lines.append(f"{PASS} {code(rf, name=True).removeprefix('keras.layers.')}")
        else:
            shown = [k for k in right if f"{k}=" in args(rf)]
            settings = [f"{k}={fmt(rf.settings[k])}" for k in shown]
            if named and not mf.named:
                settings.append(f"name={fmt(rf.name)}")
            if settings:
                lines.append(f"{PASS} {the(mf, own=True)}: {', '.join(settings)}")
    return lines


def step_lines(step_name, tensor):
    """The verdict's lines for one step of the building episode."""
    step = steps()[step_name]
    var = step.var
    full = reference(FACTORY, {}).chain
    ref = full[: step.end]
    mine, lines = tensor_chain(tensor, var, step.line)
    if mine is None:
        return _shape_only(tensor, var, ref, lines)
    actual_shape = mine[-1].shape
    rerun_lines, mine = _reruns(mine, ref, var)
    if mine is None:
        return lines + rerun_lines + _shape_line(var, actual_shape, ref[-1].shape)
    lines += rerun_lines
    stale = bool(rerun_lines)
    wrong_input = _called_on_inputs(mine, ref, var, step)
    if wrong_input is not None:
        return lines + wrong_input

    mine_kinds, ref_kinds = [f.kind for f in mine], [f.kind for f in ref]
    this = "keras.Input" if ref[-1].kind == "InputLayer" else a(ref[-1].kind)
    partial = False  # the tensor is from another step: compare the part they share
    beyond = mine[len(ref):]  # layers after this step's: a later step's, or a cell run twice
    if (
        beyond
        and mine_kinds[: len(ref)] == ref_kinds
        and [f.token() for f in beyond] == [f.token() for f in full[len(ref): len(mine)]]
    ):
        lines.append(
            f"{FAIL} {var} comes from {a(mine[-1].kind)}, a later step: {step.func}() wants {var} "
            f"right after {this} ({step.line})"
        )
        mine, partial = mine[: len(ref)], True
    elif beyond and mine_kinds[: len(ref)] == ref_kinds and beyond[0].token() == mine[len(ref) - 1].token():
        repeats = 1 + next((i for i, f in enumerate(beyond) if f.token() != beyond[0].token()), len(beyond))
        lines.append(
            f"{FAIL} {var} has been through {repeats} identical {beyond[0].kind} layers: running a cell "
            f"twice applies its layer twice: {RERUN}"
        )
        mine, partial = mine[: len(ref)], True
    elif len(mine) < len(ref) and ref_kinds[: len(mine)] == mine_kinds:
        lines.append(
            f"{FAIL} {var} comes from {a(mine[-1].kind)}, an earlier step; this step asks for "
            f"the output of {this}: {step.line}"
        )
        ref, partial = ref[: len(mine)], True
    elif mine_kinds[-1] != ref_kinds[-1]:
        swapped = [tag for tag, m, r in alignment(mine, ref) if tag == "swap" and m == len(mine) - 1]
        if not swapped:  # a swap says the same in its own line
            lines.append(
                f"{FAIL} {var} comes from {a(mine[-1].kind)}, but this step asks for the output of {this}: {step.line}"
            )
    elif ref[-1].kind == "InputLayer":
        lines.append(f"{PASS} {var} is a keras.Input")
    else:
        lines.append(f"{PASS} {var} is the output of {a(ref[-1].kind)}")

    events, _ = compare(mine, ref, "tensor", "the challenge")

    def in_step(event):
        if event.ref_index is not None:
            return event.ref_index >= step.first
        return event.mine_index >= len(mine) - (step.end - step.first)

    if stale:  # the fresh layers were called on the stale ones: their shapes say nothing yet
        events = [e for e in events if " outputs (" not in e.text]
    shown = capped(events)
    n_earlier = min(sum(not in_step(e) for e in events), len(shown))
    if step.first > 0 and n_earlier == 0 and not partial and not stale:
        lines.append(f"{PASS} the earlier steps match the challenge")
    lines += shown[:n_earlier]
    lines += _step_passes(mine, ref, step.first)
    lines += shown[n_earlier:]
    if not partial:
        lines += _name_lines(mine, ref, step.first)
    if not partial or stale:
        lines += _shape_line(var, actual_shape, ref[-1].shape)
    if step.first > 1 and any(line.startswith(FAIL) for line in lines) and not any(RERUN in line for line in lines):
        lines.append(_AFTER_A_FIX)
    return lines


@checker("The input")
def check_input(inputs):
    """Challenge 1: ``inputs = keras.Input(shape=(32, 32, 3), name="images")``."""
    return step_lines("input", inputs)


@checker("The first convolution")
def check_conv2d(x):
    """Challenge 2: ``x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu",
    name="conv1")(inputs)``; ``x`` has shape (None, 30, 30, 16)."""
    return step_lines("conv2d", x)


@checker("The pooling layer")
def check_pooling(x):
    """Challenge 3: ``x = keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool1")(x)``; (None, 15, 15, 16)."""
    return step_lines("pooling", x)


@checker("The second convolution block")
def check_second_block(x):
    """Challenge 4: Conv2D(32, 3x3, relu) "conv2" then MaxPooling2D(2x2) "pool2"; (None, 6, 6, 32)."""
    return step_lines("second_block", x)


@checker("Flatten")
def check_flatten(x):
    """Challenge 5: ``x = keras.layers.Flatten(name="flatten")(x)``; (None, 1152)."""
    return step_lines("flatten", x)


@checker("The hidden dense layer")
def check_dense(x):
    """Challenge 6: ``x = keras.layers.Dense(units=64, activation="relu", name="dense")(x)``; (None, 64)."""
    return step_lines("dense", x)


@checker("The output layer")
def check_output(outputs):
    """Challenge 7: ``outputs = keras.layers.Dense(units=10, activation="softmax", name="predictions")(x)``;
    (None, 10)."""
    return step_lines("output", outputs)

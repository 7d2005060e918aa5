"""Compare two layer chains: align them, then list every difference in chain order."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .graph import POOLING, SETTINGS
from .verdict import FAIL
from .wording import a, code, setting_message, the, who

__all__ = ["MAX_DIFFERENCES", "Event", "keys", "alignment", "compare", "capped"]

MAX_DIFFERENCES = 5  # ✗ lines about the network itself; the rest are summarised


@dataclass
class Event:
    text: str
    ref_index: int | None  # the reference layer it is about, if any
    mine_index: int | None  # the learner's layer it is about, if any
    structural: bool  # a layer missing, extra or of another kind


def keys(mine, ref):
    """The settings to compare for a pair of layers of the same kind."""
    result = list(SETTINGS.get(ref.kind, ()))
    if ref.kind in POOLING and mine.settings.get("pool_size") != ref.settings.get("pool_size"):
        result.remove("strides")  # default strides follow the pool size: one message is enough
    return result


def alignment(mine, ref):
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


def compare(mine, ref, style, target, var="x"):
    """Every difference between two chains, in chain order, as events, and the number
    of layers that match exactly. ``style`` is "tensor" (a step: "your Conv2D") or
    "model" ("layer 4 (the second Conv2D)")."""
    events = []
    explained = False  # a reported difference explains the shapes that follow it
    matching = 0
    last_mine = None  # the learner's layer before the current place in the alignment
    for tag, m, r in alignment(mine, ref):
        if tag == "pair":
            mf, rf = mine[m], ref[r]
            differing = [k for k in keys(mf, rf) if mf.settings.get(k) != rf.settings.get(k)]
            for key in differing:
                events.append(Event(setting_message(key, mf, rf, style, target), r, m, False))
            same_shape = mf.shape is None or rf.shape is None or mf.shape[1:] == rf.shape[1:]
            if differing:
                explained = True
            elif not same_shape and not explained:
                events.append(Event(f"{who(mf, style)} outputs {mf.shape}; {target} expects {rf.shape}", r, m, False))
                explained = True
            matching += not differing and same_shape
        elif tag == "swap":
            mf, rf = mine[m], ref[r]
            if style == "tensor":
                text = f"{the(mf, own=True)} should be {a(rf.kind)}: use {code(rf)}"
            else:
                text = f"{who(mf, style)} is {a(mf.kind)}; {target} has {a(rf.kind)} there: use {code(rf)}"
            events.append(Event(text, r, m, True))
            explained = True
        elif tag == "missing":
            rf = ref[r]
            why = " (Dense layers need a flat vector of features)" if rf.kind == "Flatten" else ""
            line = f"{var} = {code(rf, name=True)}({var})"
            if last_mine is None:
                text = f"missing {a(rf.kind)} at the start{why}: add the line {line}"
            elif style == "tensor":
                text = (
                    f"missing {a(rf.kind)} after {the(mine[last_mine], own=True)}{why}: add the line "
                    f"{line} after that layer's line"
                )
            else:
                text = (
                    f"missing {a(rf.kind)} as layer {rf.position}, after {who(mine[last_mine], style)}{why}: "
                    f"add the line {line} after that layer's line"
                )
            events.append(Event(text, r, None, True))
            explained = True
        else:  # extra
            mf = mine[m]
            if style == "tensor":
                after = f" after {the(mine[m - 1], own=True)}" if m > 0 else ""
                text = f"{the(mf, own=True)}, {code(mf)}{after}, is not in {target}: remove its line"
            else:
                text = f"extra {who(mf, style)}: {code(mf)}, which {target} does not have: remove its line"
            events.append(Event(text, None, m, True))
            explained = True
        if m is not None:
            last_mine = m
    return events, matching


def capped(events):
    lines = [f"{FAIL} {event.text}" for event in events[:MAX_DIFFERENCES]]
    if len(events) > MAX_DIFFERENCES:
        more = len(events) - MAX_DIFFERENCES
        plural = "s" if more > 1 else ""
        lines.append(f"{FAIL} ... and {more} more difference{plural}: fix the ones above first, then check again")
    return lines

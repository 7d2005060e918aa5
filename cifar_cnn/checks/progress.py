"""What the learner has done so far: the question a notebook's reference solution asks
before it runs.

A learner notebook keeps each challenge's reference solution in a collapsed cell that
still runs (Run All, or Shift+Enter through it), so that the rest of the notebook works
whatever the learner typed. It must never replace a right answer, so it starts with a
guard::

    if not passed("pooling"):   # the last check_pooling(...) did not say "all correct"
        x = checked("conv2d")    # start again from the tensor check_conv2d last passed
        x = keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool1")(x)

or, for a challenge without a checker, ``if not defined("history_fit"):``. The state
lives in this module, so a restarted kernel starts with nothing passed.
"""

from __future__ import annotations

import sys

__all__ = ["record", "passed", "checked", "defined", "forget"]

_last: dict[str, bool] = {}  # step -> did its last check pass?
_value: dict[str, object] = {}  # step -> what its last passing check was given


def record(step: str, ok: bool, value=None) -> None:
    """Called by every check (see :func:`.verdict.checker`) with its verdict."""
    _last[step] = bool(ok)
    if ok:
        _value[step] = value


def passed(step: str) -> bool:
    """True when the last ``check_<step>(...)`` said "all correct"."""
    return _last.get(step, False)


def checked(step: str):
    """What the last passing ``check_<step>(...)`` was given (a tensor or a model)."""
    if step not in _value:
        raise NameError(
            f"check_{step}() has not passed yet in this kernel: run the cells above first "
            "(Run > Run All Above)"
        )
    return _value[step]


def defined(*names: str) -> bool:
    """True when every name is already defined in the notebook (by the learner's own cell)."""
    namespace = sys._getframe(1).f_globals  # the caller's: a notebook cell's globals
    return all(name in namespace for name in names)


def forget() -> None:
    """Start again with nothing passed (for tests)."""
    _last.clear()
    _value.clear()

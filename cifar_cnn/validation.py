"""Argument checks shared by the whole package: one rule, one wording, one place.

Every public function that takes a count (epochs, filters, images, a seed) accepts any
integer type, so ``np.int64(32)`` from ``np.arange`` works where ``32`` does; ``True`` is
refused, because ``epochs=True`` is a typo, not a number. The messages are written for a
learner: they name the argument, what is allowed and what was given.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["is_int", "require_count", "require_real", "require_rate", "require_int_tuple", "require_same_length", "require_flag", "FlagError"]


def is_int(value: object) -> bool:
    """True for any integer type (``int``, ``np.int64``, ...), False for ``bool`` and floats."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def require_count(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as a Python ``int`` if it is a whole number in range, else raise.

    ``ValueError`` (not ``TypeError``) for every refusal, so callers and learners catch one
    kind of mistake in one way.
    """
    if not is_int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value:,}")
    return value


def require_real(name: str, value: object, *, positive: bool = True) -> float:
    """A finite real number above 0 (``positive``) or at least 0 (not ``positive``), such as
    a learning rate or a number of minutes; returned as a Python ``float``."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or not (value > 0 if positive else value >= 0)):
        raise ValueError(f"{name} must be {'a positive number' if positive else 'a number 0 or more'}, got {value!r}")
    return float(value)


def require_rate(name: str, value: object) -> float:
    """A fraction in [0, 1), such as a dropout rate; returned as a Python ``float``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number from 0 up to (not including) 1, got {value!r}")
    return float(value)


def require_int_tuple(name: str, values: object, minimum: int = 1, allow_empty: bool = False) -> tuple:
    """A tuple or list of whole numbers, each at least ``minimum``; returned as a tuple of ints."""
    if not isinstance(values, (tuple, list)) or (not values and not allow_empty):
        raise ValueError(f"{name} must be a tuple of whole numbers such as (16, 32), got {values!r}")
    return tuple(require_count(f"{name}[{i}]", v, minimum) for i, v in enumerate(values))


def require_same_length(**arrays) -> None:
    """Refuse arrays that should pair up one to one but differ in length, naming each."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{n} {name}" for name, n in lengths.items())
        raise ValueError(f"got {described}: they must match one to one")


class FlagError(TypeError, ValueError):
    """An on/off argument given something else. A TypeError; also a ValueError, so code
    that catches every argument refusal of this package as ValueError still does."""


def require_flag(name: str, value: object, *, allow_none: bool = False) -> bool | None:
    """An on/off argument: ``True`` or ``False`` (or a numpy bool) only, returned as ``bool``.

    ``TypeError``, with the fix, for anything else: ``bool("no")`` is True, so
    ``trust_code="no"`` would silently mean yes; a string or a number is a mistake.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    shown = repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
    hint = " (without quotes)" if isinstance(value, str) else ""
    raise FlagError(f"{name} must be True or False{hint}, got {shown}: write {name}=True or {name}=False")

"""Array *descriptions* from a recognised CIFAR-10 pickle, and the arrays built from them.

numpy's own unpickling trusts what the file says (a dtype's flags, a shape with no
bytes behind it).  Here the pickle only describes each array (type name, shape, raw
bytes); :func:`as_array` checks that description against the bytes actually present
and builds a read-only view with a dtype from this module's own table.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InvalidFile
from .text import shown

__all__ = [
    "MAX_DIM", "DtypeDescription", "ArrayDescription", "is_array", "describe_array", "as_array",
]

MAX_DIM = 2**31



# Every element type this package will build an array of, by the name numpy
# pickles.  Only the integer ones are accepted; the rest are named in the refusal.
_INTEGER_DTYPES = {name: np.dtype(name) for name in ("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8")}
_OTHER_DTYPES = {
    name: np.dtype(name) for name in ("b1", "f2", "f4", "f8", "c8", "c16", "M8", "m8")
}
_OTHER_DTYPES.update({"O8": np.dtype(object), "O4": np.dtype(object)})


class DtypeDescription:
    """A pickled ``numpy.dtype(name, align, copy)`` and its state: a description only."""

    __slots__ = ("name", "state", "has_state")

    def __init__(self, name):
        self.name = name.decode("latin-1") if isinstance(name, bytes) else name
        self.state = None
        self.has_state = False

    def build(self, state):
        if self.has_state:
            raise InvalidFile("is corrupt (an array type described twice)")
        self.state, self.has_state = state, True

    def resolve(self) -> np.dtype:
        """This package's own dtype for the description, if it is a plain integer type."""
        name = self.name
        if not isinstance(name, str) or len(name) > 8:
            raise InvalidFile(f"contains an array of an unknown type ({shown(name, 16)})")
        if name in _OTHER_DTYPES:
            raise InvalidFile(
                f"contains an array of type {_OTHER_DTYPES[name]}, but CIFAR-10 files "
                "hold only uint8 pixels and integer labels"
            )
        if name not in _INTEGER_DTYPES:
            raise InvalidFile(f"contains an array of an unknown type ({shown(name, 16)})")
        dtype = _INTEGER_DTYPES[name]
        # numpy pickles a plain integer type's state as exactly this tuple, with its
        # byte order second ("|" for one byte); anything else (flags, fields, sizes)
        # is damage or a trick, refused rather than passed on.
        state = self.state
        if not (
            self.has_state
            and type(state) is tuple
            and len(state) == 8
            and type(state[0]) is int
            and state[0] == 3
            and state[2:5] == (None, None, None)
            and all(type(v) is int for v in state[5:])
            and state[5:] == (-1, -1, 0)
        ):
            raise InvalidFile(f"holds a damaged description of its {dtype} array type")
        order = state[1].decode("latin-1") if isinstance(state[1], bytes) else state[1]
        if dtype.itemsize == 1 and order == "|":
            return dtype
        if dtype.itemsize > 1 and order in ("<", ">"):
            return dtype.newbyteorder(order)
        raise InvalidFile(f"holds a damaged description of its {dtype} array type")


class ArrayDescription:
    """A pickled numpy array: shape, type and raw bytes, not yet an array."""

    __slots__ = ("state", "has_state")

    def __init__(self, state=None):
        self.state, self.has_state = state, state is not None

    def build(self, state):
        if self.has_state:
            raise InvalidFile("is corrupt (an array filled twice)")
        self.state, self.has_state = state, True

    def describe(self) -> str:
        """E.g. 'a float32 array of shape (4, 3072)', for messages; never raises."""
        try:
            shape, dtype = self.state[-4], self.state[-3]
            name = _INTEGER_DTYPES.get(dtype.name) or _OTHER_DTYPES.get(dtype.name) or "unknown"
            if type(shape) is tuple and len(shape) <= 32 and all(type(n) is int for n in shape):
                return f"a {name} array of shape {shape}"
            return f"a {name} array"
        except Exception:
            return "a damaged array"


def is_array(value: object) -> bool:
    """Whether `value` is an array as the recogniser returns it (not yet built)."""
    return isinstance(value, ArrayDescription)


def describe_array(value: object) -> str:
    return value.describe() if isinstance(value, ArrayDescription) else f"a {type(value).__name__}"


def as_array(value: ArrayDescription, *, max_dims: int = 32) -> np.ndarray:
    """Build the numpy array a description stands for, from its raw bytes.

    The dtype is this package's own (an integer type from the table above), the
    shape is checked against the number of bytes actually there, and the array
    is a read-only view of those bytes: nothing is allocated on the file's word.
    Raises InvalidFile for anything else.
    """
    if not value.has_state:
        raise InvalidFile("is corrupt (an array with no contents)")
    state = value.state
    if type(state) is not tuple or len(state) not in (4, 5):
        raise InvalidFile("is corrupt (an array pickled in an unknown way)")
    if len(state) == 5:
        if type(state[0]) is not int or state[0] != 1:
            raise InvalidFile("is corrupt (an array pickled in an unknown way)")
        state = state[1:]
    shape, dtype, fortran, raw = state
    if not isinstance(dtype, DtypeDescription):
        raise InvalidFile("is corrupt (an array of no known type)")
    dt = dtype.resolve()
    if type(fortran) not in (bool, int) or fortran not in (0, 1):
        raise InvalidFile("is corrupt (an array with an unknown memory order)")
    if not isinstance(raw, bytes):
        raise InvalidFile(f"is corrupt (the contents of its {dt} array are not raw bytes)")
    if (
        type(shape) is not tuple
        or len(shape) > max_dims
        # Bounded before multiplying: a product of huge ints from the file is slow,
        # and numpy refuses a shape of (2**40, 2**40, 0) even with no elements.
        or not all(type(n) is int and 0 <= n <= MAX_DIM for n in shape)
        or math.prod(max(n, 1) for n in shape) > MAX_DIM
    ):
        raise InvalidFile(f"is corrupt (a {dt} array with an impossible shape)")
    # Compared before anything is built: the shape must fit the bytes that are there.
    count = math.prod(shape)
    if count * dt.itemsize != len(raw):
        raise InvalidFile(
            f"is truncated or corrupt (a {dt} array of shape {shape} needs "
            f"{count * dt.itemsize:,} bytes, but the file holds {len(raw):,})"
        )
    flat = np.frombuffer(raw, dtype=dt, count=count)
    return flat.reshape(shape, order="F" if fortran else "C")

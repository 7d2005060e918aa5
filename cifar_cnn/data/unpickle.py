"""Unpickle CIFAR-10 files without letting them run code, crash Python or eat memory.

Batch files are pickles, and unpickling an untrusted pickle can run arbitrary
code, so they are read with a restricted unpickler that knows only the few
names an array pickle uses.  Even those are never handed to numpy: numpy's
own reconstruction (``ndarray.__setstate__``, a dtype's pickled state) trusts
what the file says, and a file that sets a dtype's internal flags can crash
the process.  Instead the pickle only *describes* each array (its type name,
shape and raw bytes); :func:`as_array` checks that description against the
bytes actually present and builds the array itself, with a dtype taken from
this module's own table.

Before any of that, :func:`_check_opcodes` walks the pickle's opcodes once:
it refuses the opcodes a CIFAR-10 file never needs and the ones whose
arguments make the unpickler allocate memory out of proportion to the file.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools

import numpy as np

from .errors import InvalidFile


class _Forbidden(Exception):
    """A pickle asked for a global or an opcode that a CIFAR-10 file never needs."""


# The real files have about 30,000 opcodes (one per label and file name); a batch
# re-pickled by Python 3 has a few times more.  The cap bounds the objects, and so
# the memory, a file can make the unpickler create, whatever its size.
MAX_OPCODES = 1_000_000
# pickle's C unpickler sizes its memo table by the largest index a PUT names: an
# index of 2**31 in a 10-byte file would make it allocate gigabytes.
MAX_MEMO_INDEX = 1 << 20

_REFUSED_OPCODES = {
    # would call a class or look up an object by an outside id
    "PERSID", "BINPERSID", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "EXT1", "EXT2", "EXT4",
    "NEXT_BUFFER", "READONLY_BUFFER",
    # protocol 0's text forms, which CIFAR-10 files (binary pickles) never use
    "INT", "LONG", "FLOAT", "STRING", "UNICODE", "PUT", "GET",
}
_MEMO_PUTS = {"BINPUT", "LONG_BINPUT"}


def _check_opcodes(data: bytes) -> None:
    """Walk the opcodes once (nothing is built); refuse what a CIFAR-10 file never has.

    ``pickletools.genops`` reads each argument with a length check against the
    bytes actually left, so a length field cannot make it allocate more than
    the file holds.
    """
    count = 0
    for opcode, arg, pos in pickletools.genops(io.BytesIO(data)):
        name = opcode.name
        count += 1
        if count > MAX_OPCODES:
            raise InvalidFile(
                f"is not a CIFAR-10 batch: it holds over {MAX_OPCODES:,} pickle opcodes "
                "(a real batch holds about 30,000)"
            )
        if name in _REFUSED_OPCODES:
            raise _Forbidden(f"the pickle opcode {name}")
        if name in _MEMO_PUTS and arg > MAX_MEMO_INDEX:
            raise InvalidFile(f"is corrupt (a pickle memo index of {arg:,})")
        if name == "FRAME" and arg > len(data) - pos:
            raise InvalidFile(f"is truncated or corrupt (a pickle frame of {arg:,} bytes in a {len(data):,}-byte file)")


# ------------------------------------------------- what the pickle describes

class _NDArrayToken:
    """Stands in for ``numpy.ndarray``: the pickle can name it, never call it."""


_NDARRAY = _NDArrayToken()

# Every element type this package will build an array of, by the name numpy
# pickles (``np.dtype("u1").__reduce__()`` gives ``("u1", False, True)``).  Only
# the integer ones are accepted; the rest are named in the refusal.
_INTEGER_DTYPES = {name: np.dtype(name) for name in ("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8")}
_OTHER_DTYPES = {
    name: np.dtype(name) for name in ("b1", "f2", "f4", "f8", "c8", "c16", "M8", "m8")
}
_OTHER_DTYPES.update({"O8": np.dtype(object), "O4": np.dtype(object)})


def _text(value, limit=16):
    """A short, printable version of a name from the file, for messages."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return f"a {type(value).__name__}"
    return repr(value[:limit] + ("..." if len(value) > limit else ""))


class _Dtype:
    """A pickled ``numpy.dtype(name, align, copy)`` and its state: a description only."""

    __slots__ = ("name", "state", "has_state")

    def __init__(self, name):
        self.name = name.decode("latin-1") if isinstance(name, bytes) else name
        self.state = None
        self.has_state = False

    def __setstate__(self, state):
        if self.has_state:
            raise InvalidFile("is corrupt (an array type described twice)")
        self.state, self.has_state = state, True

    def resolve(self) -> np.dtype:
        """This package's own dtype for the description, if it is a plain integer type."""
        name = self.name
        if not isinstance(name, str) or len(name) > 8:
            raise InvalidFile(f"contains an array of an unknown type ({_text(name)})")
        if name in _OTHER_DTYPES:
            raise InvalidFile(
                f"contains an array of type {_OTHER_DTYPES[name]}, but CIFAR-10 files "
                "hold only uint8 pixels and integer labels"
            )
        if name not in _INTEGER_DTYPES:
            raise InvalidFile(f"contains an array of an unknown type ({_text(name)})")
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


def _make_dtype(name, align=False, copy=True):
    return _Dtype(name)


class _Array:
    """A pickled numpy array: shape, type and raw bytes, not yet an array."""

    __slots__ = ("state", "has_state")

    def __init__(self, state=None):
        self.state, self.has_state = state, state is not None

    def __setstate__(self, state):
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


def _reconstruct(subtype, shape, typecode):
    if subtype is not _NDARRAY:
        raise _Forbidden("numpy _reconstruct of a non-ndarray type")
    # numpy always pickles an empty array here and fills it by BUILD.
    if type(shape) is not tuple or shape != (0,) or typecode not in (b"b", "b"):
        raise InvalidFile("is corrupt (an array pickled in an unknown way)")
    return _Array()


def _frombuffer(buffer, dtype, shape, order):
    # Pickle protocol 5 writes the array's bytes, type and shape in one call.
    if isinstance(order, bytes):
        order = order.decode("latin-1")
    if order not in ("C", "F"):
        raise InvalidFile("is corrupt (an array with an unknown memory order)")
    return _Array((1, shape, dtype, order == "F", buffer))


def _scalar(dtype, data=None):
    """A pickled numpy integer (e.g. a label), decoded here as a Python int."""
    if not isinstance(dtype, _Dtype):
        raise InvalidFile("is corrupt (a number of no known type)")
    dt = dtype.resolve()
    if not isinstance(data, bytes) or len(data) != dt.itemsize:
        raise InvalidFile("is corrupt (a number whose bytes do not match its type)")
    return int(np.frombuffer(data, dtype=dt)[0])


def _latin1_encode(text, encoding="utf-8"):
    # Python 3 pickles bytes this way under protocol 2: _codecs.encode(s, "latin1").
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Forbidden("_codecs.encode with anything but latin-1 text")
    return text.encode("latin-1")


def _empty_bytes(*args):
    # ... and an empty bytes object as bytes(); with an argument it could be huge.
    if args:
        raise _Forbidden("bytes() with arguments")
    return b""


_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _make_dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.multiarray", "scalar"): _scalar,
    ("numpy._core.multiarray", "scalar"): _scalar,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds dicts, lists, strings, numbers and array *descriptions* only.

    Every other global (``os.system``, ``builtins.eval``, ...) is refused, so a
    tampered file cannot run code while it is read.
    """

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except (KeyError, TypeError):
            raise _Forbidden(f"{_text(module, 40)[1:-1]}.{_text(name, 40)[1:-1]}") from None


def restricted_unpickle(data: bytes) -> object:
    """Unpickle one CIFAR-10 file's bytes, or raise InvalidFile saying why not.

    Arrays come back as descriptions (:class:`_Array`); :func:`as_array` turns
    the ones the caller needs into numpy arrays.
    """
    try:
        _check_opcodes(data)
        return _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except InvalidFile:
        raise
    except _Forbidden as e:
        raise InvalidFile(
            "is not a plain CIFAR-10 file: this package refuses to load it because "
            f"unpickling it would run code ({e}); the file may be malicious, "
            "do not open it with pickle.load"
        ) from None
    except RecursionError:
        raise InvalidFile("is truncated or corrupt (nested too deeply)") from None
    except Exception as e:  # any failure to parse means a damaged file
        raise InvalidFile(f"is truncated or corrupt ({type(e).__name__}: {str(e)[:200]})") from None


def is_array(value: object) -> bool:
    """Whether `value` is an array as the unpickler returns it (not yet built)."""
    return isinstance(value, _Array)


def describe_array(value: object) -> str:
    return value.describe() if isinstance(value, _Array) else f"a {type(value).__name__}"


def as_array(value: _Array, *, max_dims: int = 32) -> np.ndarray:
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
    if not isinstance(dtype, _Dtype):
        raise InvalidFile("is corrupt (an array of no known type)")
    dt = dtype.resolve()
    if type(fortran) not in (bool, int) or fortran not in (0, 1):
        raise InvalidFile("is corrupt (an array with an unknown memory order)")
    if isinstance(raw, bytearray):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise InvalidFile(f"is corrupt (the contents of its {dt} array are not raw bytes)")
    if (
        type(shape) is not tuple
        or len(shape) > max_dims
        # Bounded before multiplying: a product of huge ints from the file is slow.
        or not all(type(n) is int and 0 <= n <= 2**40 for n in shape)
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

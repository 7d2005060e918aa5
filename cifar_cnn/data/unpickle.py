"""Recognise a CIFAR-10 file's pickle, without interpreting it.

Batch files are pickles, and a pickle is a program: unpickling an untrusted one can
run code, build structures that crash Python when hashed (a tuple nested 300,000
deep), hang it (a dict of colliding keys) or amplify a small file into gigabytes.
So nothing here unpickles.  :func:`recognise` walks the opcodes once, with
``pickletools.genops`` (which reads every argument with a length check against the
bytes present), and accepts only the grammar the official files and their Python 3
re-pickles use:

* the top level is one dict of at most ``MAX_KEYS`` short text keys;
* its values are numbers, byte strings, text, lists of those (no nesting), or a
  numpy array written as numpy writes one (``_reconstruct`` + ``BUILD``, or protocol
  5's ``_frombuffer``);
* tuples only as the arguments and states of those few calls, at most 2 deep;
* the only "calls" are a fixed table of names, each checked for its argument shape
  and mapped to this module's own code: nothing from the file is ever called.

Each value is built directly (bytes, a list of small ints, an array *description*
that :func:`as_array` turns into a read-only numpy view of the raw bytes with this
package's own dtype).  Every dimension has a budget: opcodes, stack depth, memo
entries, list lengths, string sizes, and the bytes that codec calls may produce.
"""

from __future__ import annotations

import io
import pickletools

import numpy as np

from .errors import InvalidFile
from .text import shown
from .arrays import ArrayDescription, DtypeDescription, as_array, describe_array, is_array  # noqa: F401

__all__ = [
    "MAX_OPCODES", "MAX_MEMO_INDEX", "MAX_STACK", "MAX_MARKS", "MAX_KEYS", "MAX_KEY_CHARS",
    "MAX_LIST", "MAX_ITEM_CHARS", "MAX_TUPLE", "MAX_TUPLE_DEPTH", "INT_RANGE", "recognise",
    "restricted_unpickle",
]


class _Forbidden(Exception):
    """A pickle asked for a global or an opcode that a CIFAR-10 file never needs."""


# The real files have about 30,000 opcodes (one per label and file name); a batch
# re-pickled by Python 3 has a few times more.
MAX_OPCODES = 1_000_000
# pickle's memo indexes: the real files use about 10,000.
MAX_MEMO_INDEX = 1 << 20
MAX_STACK = 1100  # Python's pickler appends 1,000 items per MARK
MAX_MARKS = 8  # marks open at once: the real files need 3
MAX_KEYS = 8  # a batch has 4 keys, batches.meta 3
MAX_KEY_CHARS = 64
MAX_LIST = 10_000  # one label or file name per image; a batch holds 10,000 images
MAX_ITEM_CHARS = 1024  # a file name or class name inside a list
MAX_TUPLE = 32  # a shape has at most 32 dimensions; numpy's dtype state has 8 items
MAX_TUPLE_DEPTH = 2  # _reconstruct's (ndarray, (0,), b'b'), BUILD's (1, shape, ...)
INT_RANGE = range(-(2**63), 2**63)  # a label, a shape or a count fits 64 bits

# Opcodes that call a class or look up an outside object: refused as possibly malicious.
_CODE_OPCODES = {"INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID"}
_TOO_LARGE = "holds a number of over 64 bits (e.g. a label outside 0-9)"


class _Global:
    """One of the few names a CIFAR-10 pickle may mention; never called, only matched."""

    __slots__ = ("role",)

    def __init__(self, role: str):
        self.role = role


_GLOBALS = {
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("numpy.core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy._core.multiarray", "_reconstruct"): "reconstruct",
    ("numpy.core.multiarray", "scalar"): "scalar",
    ("numpy._core.multiarray", "scalar"): "scalar",
    ("numpy.core.numeric", "_frombuffer"): "frombuffer",
    ("numpy._core.numeric", "_frombuffer"): "frombuffer",
    # Python 3 pickles bytes under protocol 2 as _codecs.encode(text, "latin1"), and b"" as bytes().
    ("_codecs", "encode"): "encode",
    ("__builtin__", "bytes"): "bytes",
    ("builtins", "bytes"): "bytes",
}



# ------------------------------------------------------------- the grammar

_SCALARS = (int, bytes, str, bool, type(None))


def _depth(value) -> int:
    """Nesting depth of a tuple built here (its items are already bounded)."""
    if type(value) is not tuple:
        return 0
    return 1 + max((_depth(v) for v in value), default=0)


def _call(role: str, args: tuple, budget: list) -> object:
    """What one of the allowed calls stands for, built here; refuses any other argument shape."""
    if role == "reconstruct":
        # numpy pickles an empty array here and fills it by BUILD.
        if (len(args) != 3 or not (isinstance(args[0], _Global) and args[0].role == "ndarray")
                or args[1] != (0,) or args[2] not in (b"b", "b")):
            raise InvalidFile("is corrupt (an array pickled in an unknown way)")
        return ArrayDescription()
    if role == "dtype":
        if len(args) != 3 or not isinstance(args[0], (bytes, str)) or len(args[0]) > 8:
            raise InvalidFile("is corrupt (an array type pickled in an unknown way)")
        return DtypeDescription(args[0])
    if role == "scalar":
        # A numpy integer (e.g. a label), decoded here as a Python int.
        if len(args) != 2 or not isinstance(args[0], DtypeDescription):
            raise InvalidFile("is corrupt (a number of no known type)")
        dt = args[0].resolve()
        if not isinstance(args[1], bytes) or len(args[1]) != dt.itemsize:
            raise InvalidFile("is corrupt (a number whose bytes do not match its type)")
        return int(np.frombuffer(args[1], dtype=dt)[0])
    if role == "frombuffer":
        # Pickle protocol 5 writes the array's bytes, type and shape in one call.
        if len(args) != 4 or not isinstance(args[0], bytes) or not isinstance(args[1], DtypeDescription):
            raise InvalidFile("is corrupt (an array pickled in an unknown way)")
        if args[3] not in ("C", "F", b"C", b"F"):
            raise InvalidFile("is corrupt (an array with an unknown memory order)")
        return ArrayDescription((1, args[2], args[1], args[3] in ("F", b"F"), args[0]))
    if role == "encode":
        if len(args) != 2 or not isinstance(args[0], str) or args[1] not in ("latin1", "latin-1"):
            raise _Forbidden("_codecs.encode with anything but latin-1 text")
        # The same memoised text may be encoded again and again: each copy is new memory.
        budget[0] -= len(args[0])
        if budget[0] < 0:
            raise InvalidFile("is not a CIFAR-10 file: it decodes the same text over and over")
        try:
            return args[0].encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidFile("is corrupt (a byte string that is not latin-1 text)") from None
    if role == "bytes":
        if args:
            raise _Forbidden("bytes() with arguments")
        return b""
    raise _Forbidden(f"a call to numpy.{role}")


def _pop_mark(stack: list, marks: list) -> list:
    if not marks:
        raise InvalidFile("is corrupt (a pickle MARK is missing)")
    at = marks.pop()
    items = stack[at:]
    del stack[at:]
    return items


def _list_item(value):
    if type(value) not in (int, bool, bytes, str) or (type(value) in (bytes, str) and len(value) > MAX_ITEM_CHARS):
        raise InvalidFile(
            "is not a CIFAR-10 file: its lists must hold only numbers and short names, "
            f"not {describe_array(value) if isinstance(value, ArrayDescription) else 'a ' + type(value).__name__}"
        )
    if type(value) is int and value not in INT_RANGE:
        raise InvalidFile(_TOO_LARGE)
    return value


def _walk(data: bytes) -> dict:
    """The stack machine: one pass over the opcodes, building only what the grammar allows."""
    stack: list = []
    marks: list = []
    memo: dict = {}
    top: dict | None = None
    budget = [len(data)]  # bytes codec calls may produce in all
    count = last_pos = frame_end = 0
    for opcode, arg, pos in pickletools.genops(io.BytesIO(data)):
        count += 1
        if count > MAX_OPCODES:
            raise InvalidFile(
                f"is not a CIFAR-10 batch: it holds over {MAX_OPCODES:,} pickle opcodes "
                "(a real batch holds about 30,000)"
            )
        if len(stack) > MAX_STACK or len(marks) > MAX_MARKS:
            raise InvalidFile("is not a CIFAR-10 file: its pickle nests deeper than any CIFAR-10 file")
        name = opcode.name
        # An opcode may not straddle the end of a frame (pickle's own reader refuses that too).
        if last_pos < frame_end < pos:
            raise InvalidFile("is truncated or corrupt (a pickle opcode runs past the end of its frame)")
        last_pos = pos
        if name == "PROTO":
            if not 2 <= arg <= 5:
                raise InvalidFile(f"is not a CIFAR-10 file (pickle protocol {arg}; CIFAR-10 uses 2)")
        elif name == "FRAME":
            if arg > len(data) - pos - 9 or pos < frame_end:
                raise InvalidFile(
                    f"is truncated or corrupt (a pickle frame of {arg:,} bytes in a {len(data):,}-byte file)")
            frame_end = pos + 9 + arg
        elif name == "STOP":
            if len(stack) != 1 or stack[0] is not top or top is None or marks:
                kind = type(stack[-1]).__name__.strip("_").lower() if stack else "nothing"
                raise InvalidFile(f"holds a {kind}, not the dict of a CIFAR-10 file")
            return top
        elif name == "EMPTY_DICT":
            if top is not None or stack:
                raise InvalidFile("is not a CIFAR-10 file: it holds a dict inside another value")
            top = {}
            stack.append(top)
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "MARK":
            marks.append(len(stack))
        elif name in ("BININT", "BININT1", "BININT2"):
            stack.append(arg)
        elif name == "LONG1":
            if arg not in INT_RANGE:
                raise InvalidFile(_TOO_LARGE)
            stack.append(arg)
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name in ("SHORT_BINSTRING", "BINSTRING"):
            stack.append(arg.encode("latin-1"))  # Python 2 str: bytes, as encoding="bytes" reads it
        elif name in ("SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BYTEARRAY8"):
            stack.append(bytes(arg))
        elif name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"):
            stack.append(arg)
        elif name in ("GLOBAL", "STACK_GLOBAL"):
            if name == "GLOBAL":
                module, _, attr = arg.partition(" ")
            else:
                if len(stack) < 2:
                    raise InvalidFile("is corrupt (a pickle stack underflow)")
                module, attr = stack.pop(-2), stack.pop()
            role = _GLOBALS.get((module, attr)) if type(module) is str and type(attr) is str else None
            if role is None:
                raise _Forbidden(f"{shown(module, 40)[1:-1]}.{shown(attr, 40)[1:-1]}")
            stack.append(_Global(role))
        elif name in ("EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "TUPLE"):
            size = {"EMPTY_TUPLE": 0, "TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}.get(name)
            if size is None:
                items = _pop_mark(stack, marks)
            else:
                if len(stack) < size or (marks and len(stack) - size < marks[-1]):
                    raise InvalidFile("is corrupt (a pickle stack underflow)")
                items = stack[len(stack) - size:] if size else []
                del stack[len(stack) - size:]
            if len(items) > MAX_TUPLE:
                raise InvalidFile("is not a CIFAR-10 file: it holds a tuple longer than any array shape")
            for item in items:
                if not (type(item) in _SCALARS or type(item) is tuple or isinstance(item, (DtypeDescription, _Global))):
                    raise InvalidFile("is not a CIFAR-10 file: it holds a tuple of containers")
            value = tuple(items)
            if _depth(value) > MAX_TUPLE_DEPTH:
                raise InvalidFile("is not a CIFAR-10 file: it holds tuples nested deeper than any array")
            stack.append(value)
        elif name == "REDUCE":
            if len(stack) < 2 or (marks and len(stack) - 2 < marks[-1]):
                raise InvalidFile("is corrupt (a pickle stack underflow)")
            args, func = stack.pop(), stack.pop()
            if not isinstance(func, _Global) or type(args) is not tuple:
                raise _Forbidden("a call to something that is not a numpy array part")
            stack.append(_call(func.role, args, budget))
        elif name == "BUILD":
            if len(stack) < 2 or (marks and len(stack) - 2 < marks[-1]):
                raise InvalidFile("is corrupt (a pickle stack underflow)")
            state = stack.pop()
            target = stack[-1]
            if not isinstance(target, (ArrayDescription, DtypeDescription)) or type(state) is not tuple:
                raise _Forbidden("setting the state of something that is not an array")
            target.build(state)
        elif name in ("APPEND", "APPENDS"):
            items = _pop_mark(stack, marks) if name == "APPENDS" else [stack.pop()] if stack else None
            if not stack or type(stack[-1]) is not list or items is None:
                raise InvalidFile("is corrupt (a pickle APPEND without a list)")
            target = stack[-1]
            if len(target) + len(items) > MAX_LIST:
                raise InvalidFile(f"is not a CIFAR-10 file: it holds a list of over {MAX_LIST:,} items")
            target.extend(_list_item(v) for v in items)
        elif name in ("SETITEM", "SETITEMS"):
            items = _pop_mark(stack, marks) if name == "SETITEMS" else stack[-2:] if len(stack) >= 3 else None
            if name == "SETITEM" and items is not None:
                del stack[-2:]
            if items is None or len(items) % 2 or not stack or stack[-1] is not top or top is None:
                raise InvalidFile("is not a CIFAR-10 file: it sets items of something that is not its dict")
            for key, value in zip(items[::2], items[1::2]):
                if type(key) not in (bytes, str) or len(key) > MAX_KEY_CHARS:
                    raise InvalidFile("is not a CIFAR-10 file: its dict has a key that is not a short name")
                if not (type(value) in _SCALARS or type(value) is list or isinstance(value, ArrayDescription)):
                    raise InvalidFile(f"is not a CIFAR-10 file: its entry {shown(key, 16)} holds a tuple or a call")
                if key in top:
                    raise InvalidFile(f"is corrupt (its entry {shown(key, 16)} is given twice)")
                if len(top) >= MAX_KEYS:
                    raise InvalidFile(f"is not a CIFAR-10 file: its dict has over {MAX_KEYS} entries")
                top[key] = value
        elif name in ("BINPUT", "LONG_BINPUT", "MEMOIZE"):
            index = len(memo) if name == "MEMOIZE" else arg
            if index > MAX_MEMO_INDEX or len(memo) > MAX_MEMO_INDEX:
                raise InvalidFile(f"is corrupt (a pickle memo index of {index:,})")
            if not stack:
                raise InvalidFile("is corrupt (a pickle stack underflow)")
            memo[index] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            if arg not in memo:
                raise InvalidFile("is corrupt (a pickle memo entry that was never stored)")
            value = memo[arg]
            if value is top or type(value) is list:
                # A list (or the dict) fetched again could be nested in itself.
                raise InvalidFile("is not a CIFAR-10 file: it reuses a container")
            stack.append(value)
        elif name in _CODE_OPCODES:
            raise _Forbidden(f"the pickle opcode {name}")
        else:  # LONG4, POP, DUP, protocol 0's text forms, ...: never in a CIFAR-10 file
            raise InvalidFile(f"is not a CIFAR-10 file: it uses the pickle opcode {name}, which CIFAR-10 files never do")
    raise InvalidFile("is truncated or corrupt (the pickle has no end)")


def recognise(data: bytes) -> dict:
    """The dict a CIFAR-10 file holds, recognised opcode by opcode; or raise InvalidFile.

    Arrays come back as descriptions (:class:`ArrayDescription`); :func:`as_array` turns
    the ones the caller needs into numpy arrays.
    """
    try:
        return _walk(data)
    except InvalidFile:
        raise
    except _Forbidden as e:
        raise InvalidFile(
            "is not a plain CIFAR-10 file: this package refuses to load it because "
            f"unpickling it would run code ({e}); the file may be malicious, "
            "do not open it with pickle.load"
        ) from None
    except Exception as e:  # genops's own complaints (truncated argument, unknown opcode)
        raise InvalidFile(f"is truncated or corrupt ({type(e).__name__}: {shown(str(e), 120)[1:-1]})") from None


restricted_unpickle = recognise  # the name the rest of the package (and older code) uses

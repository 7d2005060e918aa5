"""Unpickle CIFAR-10 files without letting them run code.

Batch files are pickles, and unpickling an untrusted pickle can run arbitrary
code, so they are read with a restricted unpickler that can only rebuild
integer numpy arrays (and the dicts, lists, strings and numbers around them).
"""

from __future__ import annotations

import io
import pickle

import numpy as np

from .errors import _Invalid


class _Forbidden(Exception):
    """A pickle asked for a global that a CIFAR-10 file never needs."""


class _NDArrayToken:
    """Stands in for ``numpy.ndarray`` while unpickling.

    Pickles name ``numpy.ndarray`` only as the first argument of
    ``_reconstruct``; handing out this inert token instead of the class means
    a pickle cannot call ``ndarray(...)`` with arguments of its choosing.
    """


_NDARRAY = _NDArrayToken()
# The real numpy functions behind the names that array pickles use, taken
# from the installed numpy (1.x calls the module numpy.core, 2.x numpy._core).
_EMPTY = np.empty(0, dtype=np.uint8)
_RECONSTRUCT = _EMPTY.__reduce__()[0]
_FROMBUFFER = _EMPTY.__reduce_ex__(5)[0]  # pickle protocol 5
_SCALAR = np.int64(0).__reduce__()[0]


def _integer_dtype(dtype: np.dtype) -> np.dtype:
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu":
        raise _Invalid(
            f"contains an array of type {dtype}, but CIFAR-10 files hold only "
            "uint8 pixels and integer labels"
        )
    return dtype


def _safe_dtype(*args):
    return _integer_dtype(np.dtype(*args))


def _safe_reconstruct(subtype, shape, typecode):
    if subtype is not _NDARRAY:
        raise _Forbidden("numpy _reconstruct of a non-ndarray type")
    # numpy always pickles an empty array here, then fills it from checked
    # bytes; any other shape would only allocate memory for nothing.
    if shape != (0,):
        raise _Invalid(f"is corrupt (an array pickled with shape {shape!r})")
    return _RECONSTRUCT(np.ndarray, shape, typecode)


def _safe_frombuffer(buffer, dtype, shape, order):
    return _FROMBUFFER(buffer, _integer_dtype(dtype), shape, order)


def _safe_scalar(dtype, data=None):
    return _SCALAR(_integer_dtype(dtype), data)


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
    ("numpy", "dtype"): _safe_dtype,
    ("numpy.core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _safe_reconstruct,
    ("numpy.core.multiarray", "scalar"): _safe_scalar,
    ("numpy._core.multiarray", "scalar"): _safe_scalar,
    ("numpy.core.numeric", "_frombuffer"): _safe_frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _safe_frombuffer,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
}


class _RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds dicts, lists, strings, numbers and integer numpy arrays only.

    Every other global (``os.system``, ``builtins.eval``, ...) is refused, so a
    tampered file cannot run code while it is read.
    """

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise _Forbidden(f"{module}.{name}") from None


def _unpickle(data: bytes) -> object:
    """Unpickle one CIFAR-10 file's bytes, or raise _Invalid saying why not."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except _Invalid:
        raise
    except _Forbidden as e:
        raise _Invalid(
            "is not a plain CIFAR-10 file: this package refuses to load it because "
            f"unpickling it would run code ({e}); the file may be malicious, "
            "do not open it with pickle.load"
        ) from None
    except Exception as e:  # any failure to parse means a damaged file
        raise _Invalid(f"is truncated or corrupt ({type(e).__name__}: {e})") from None

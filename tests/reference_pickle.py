"""The reference decoder of the loader's property tests: what a batch file's bytes stand for.

Independent of cifar_cnn.data: plain pickle with numpy's own functions, plus the documented
format rules. Its own module so a test can run it in a child process without Keras.
"""

from __future__ import annotations

import importlib
import io
import math
import pickle
import warnings

import numpy as np

# The globals a numpy array pickle uses, mapped to the real functions (numpy 1.x calls
# the module numpy.core, 2.x numpy._core; older pickles name __builtin__).
_REFERENCE_GLOBALS = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}
_MAX_ELEMENTS = 10**7  # a corrupted length must not make the reference allocate gigabytes


def _refuse():
    raise pickle.UnpicklingError("refused by the reference")


# Real pickle and numpy can crash the interpreter on damaged bytes (a SEGFAULT that kills
# the whole run): a dtype state can turn uint8 into a type holding object pointers, or give
# datetime64 a state it lacks, and numpy then reads raw bytes as pointers. So the reference
# still uses numpy's real dtype, __setstate__, _reconstruct, scalar and _frombuffer, but
# only ever on plain numeric types whose states and buffers were checked first.


def _plain(dt) -> np.dtype:
    """`dt` if it is a plain numeric dtype (as numpy makes it from its own name), else refuse."""
    if not (isinstance(dt, np.dtype) and dt.kind in "biuf" and dt.fields is None
            and dt.subdtype is None and not dt.hasobject and dt.metadata is None):
        _refuse()
    base = np.dtype(dt.str)
    if dt.flags != base.flags or dt.itemsize != base.itemsize:
        _refuse()
    return dt


class _DtypeCall:
    """A pickled `numpy.dtype(name, align, copy)`: made and given its state only once checked."""

    def __init__(self, *args):
        if not 1 <= len(args) <= 3:
            _refuse()
        self.made = _plain(np.dtype(*args[:2], copy=True))  # a copy: never set a shared dtype's state
        self.has_state = False

    def __setstate__(self, state):
        if self.has_state or type(state) is not tuple or len(state) != 8 or state[0] not in (3, 4):
            _refuse()
        if state[2:5] != (None, None, None) or state[7] != np.dtype(self.made.str).flags:
            _refuse()  # a subarray, fields or flags: not a plain numeric type
        self.made.__setstate__(state)
        self.made, self.has_state = _plain(self.made), True


def _dtype_of(value) -> np.dtype:
    return _plain(value.made) if isinstance(value, _DtypeCall) else _refuse()


class _CheckedArray(np.ndarray):
    """numpy.ndarray, whose state is checked before numpy's own __setstate__ uses it."""

    def __setstate__(self, state):
        if type(state) is not tuple or len(state) not in (4, 5):
            _refuse()
        shape, dtype, fortran, raw = state[-4:]
        if not (type(shape) is tuple and all(type(n) is int and n >= 0 for n in shape)):
            _refuse()
        dtype = _dtype_of(dtype)
        if type(raw) is not bytes or len(raw) != math.prod(shape) * dtype.itemsize:
            _refuse()
        super().__setstate__(state[:-4] + (shape, dtype, fortran, raw))


class _ReferenceUnpickler(pickle._Unpickler):  # pure Python: the C one can free a bytearray still in use
    """Plain unpickling with numpy's real functions; unrelated globals and unsafe types refused."""

    def find_class(self, module, name):
        if module in ("__builtin__", "builtins") and name == "bytes":
            return lambda *args: b"" if not args else _refuse()
        if (module, name) not in _REFERENCE_GLOBALS:
            raise pickle.UnpicklingError(f"{module}.{name}")
        real = getattr(importlib.import_module(module), name)
        if name == "ndarray":
            return _CheckedArray
        if name == "dtype":
            return _DtypeCall
        if name == "_reconstruct":
            def reconstruct(cls, shape, typecode):
                if cls is not _CheckedArray or math.prod(shape) > _MAX_ELEMENTS:
                    _refuse()
                return real(cls, shape, typecode)
            return reconstruct
        if name == "scalar":
            def scalar(dtype, *data):
                dtype = _dtype_of(dtype)
                if len(data) != 1 or type(data[0]) is not bytes or len(data[0]) != dtype.itemsize:
                    _refuse()
                return real(dtype, data[0])
            return scalar
        if name == "_frombuffer":
            def frombuffer(buffer, dtype, shape, order):
                dtype = _dtype_of(dtype)
                if not (type(shape) is tuple and all(type(n) is int and n >= 0 for n in shape)
                        and len(memoryview(buffer)) == math.prod(shape) * dtype.itemsize):
                    _refuse()
                return real(buffer, dtype, shape, order)
            return frombuffer
        return real


def reference_batch(blob: bytes):
    """(images, labels) that a batch file's bytes stand for, or None if not a valid batch.

    The format: a pickled dict (bytes or str keys) with 'data', a uint8 array (n, 3072),
    n >= 1, of R, G, B planes, and 'labels', n whole numbers in 0-9 (a list, or a 1-D
    integer array).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy.core's deprecation notice
            obj = _ReferenceUnpickler(io.BytesIO(blob), encoding="bytes").load()
    except Exception:
        return None
    if not isinstance(obj, dict):
        return None
    entries = {}
    for key, value in obj.items():
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if isinstance(key, str):  # arrays as plain numpy arrays, not the checking subclass
            entries[key] = np.array(value, copy=True) if isinstance(value, np.ndarray) else value
    data, labels = entries.get("data"), entries.get("labels")
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3072 and data.shape[0] >= 1):
        return None
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            return None
        labels = labels.tolist()
    elif not isinstance(labels, (list, tuple)):
        return None
    if len(labels) != len(data):
        return None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v <= 9 for v in labels):
        return None
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, np.array([int(v) for v in labels], dtype=np.int64)

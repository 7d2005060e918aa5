"""Read and check the files of a ``cifar-10-batches-py`` folder.

``batches.meta`` holds the class names; ``data_batch_1`` .. ``data_batch_5``
and ``test_batch`` hold the images and labels.  Every field is checked, and a
problem raises DataError naming the file and the fix.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np

from .constants import CLASS_NAMES, META_FILE, REQUIRED_FILES, TEST_FILE, TRAIN_FILES
from .errors import PERMISSION_FIX, DataError, file_error, InvalidFile
from .locate import require_complete
from .text import shown
from .unpickle import recognise, as_array, describe_array, is_array

__all__ = [
    "MAX_BATCH_BYTES", "MAX_META_BYTES", "MAX_CLASS_NAME", "MAX_IMAGES_PER_BATCH", "read_bytes",
    "parse_batch", "parse_meta", "read_batch", "read_class_names", "read_folder",
    "validate_folder", "load_raw",
]


_IMAGE_SIZE = 32 * 32 * 3


# The largest file each name may be.  Real batches are 31.1 MB; a batch
# re-pickled by Python 3 (protocol 2 stores bytes as UTF-8 text) can reach about
# 62 MB.  Anything larger is refused before it is read, so a huge or sparse file
# cannot exhaust memory.
MAX_BATCH_BYTES = 64 * 2**20
MAX_META_BYTES = 64 * 2**10
# The real names are at most 10 characters ("automobile").
MAX_CLASS_NAME = 40
# A CIFAR-10 batch holds 10,000 images.
MAX_IMAGES_PER_BATCH = 10_000


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, if it is a regular file of at most `limit` bytes.

    The default limit depends on the name: batches.meta is tiny, a batch is not.
    """
    if limit is None:
        limit = MAX_META_BYTES if path.name == META_FILE else MAX_BATCH_BYTES
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InvalidFile("is missing") from None
    except ValueError:  # a NUL in the path
        raise InvalidFile("cannot be read: its name holds a NUL character") from None
    except PermissionError:
        raise InvalidFile("cannot be read: permission denied", fix=PERMISSION_FIX) from None
    except OSError as e:
        raise InvalidFile(f"cannot be read ({e.strerror or e})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise InvalidFile("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InvalidFile("is not a regular file (a pipe, socket or device has taken its name)")
        if info.st_size > limit:
            raise InvalidFile(
                f"is {info.st_size:,} bytes, larger than any CIFAR-10 file "
                f"(at most {limit:,} bytes), so it was not read"
            )
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise InvalidFile(f"cannot be read ({e.strerror or e})") from None
    if len(data) > limit:  # it grew while being read
        raise InvalidFile(f"is larger than any CIFAR-10 file (at most {limit:,} bytes), so it was not read")
    return data


# ------------------------------------------------------ parsing file contents


def _str_keys(obj: object, what: str) -> dict:
    """The pickled dict with its keys as str (originals use bytes keys)."""
    if not isinstance(obj, dict):
        raise InvalidFile(f"holds a {type(obj).__name__}, not the dict of a CIFAR-10 {what}")
    return {
        (k.decode("latin-1") if isinstance(k, bytes) else k): v
        for k, v in obj.items()
        if isinstance(k, (bytes, str))
    }


def _require_keys(d: dict, keys: tuple[str, ...], cifar100_key: str) -> None:
    missing = [k for k in keys if k not in d]
    if not missing:
        return
    if cifar100_key in d:
        raise InvalidFile(f"looks like a CIFAR-100 file (it has '{cifar100_key}'), not CIFAR-10")
    # The recogniser allows a few short keys only; each is still shown escaped.
    present = ", ".join(shown(k, 24) for k in list(d)[:8]) or "nothing"
    raise InvalidFile(f"has no {' or '.join(repr(k) for k in missing)} entry (it has {present})")


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return describe_array(value)


def _images(data: object) -> np.ndarray:
    """(n, 3072) planes of 1024 R, 1024 G, 1024 B values -> (n, 32, 32, 3) uint8."""
    expected = f"expected a uint8 array of shape (n, {_IMAGE_SIZE})"
    if not is_array(data):
        raise InvalidFile(f"holds image data that is {_describe(data)}; {expected}")
    # Built here from the raw bytes, with this package's dtype: numpy never sees the
    # file's own description of the array.
    array = as_array(data)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != _IMAGE_SIZE:
        raise InvalidFile(f"holds image data that is {_describe(array)}; {expected}")
    if array.shape[0] == 0:
        raise InvalidFile("holds no images")
    if array.shape[0] > MAX_IMAGES_PER_BATCH:
        raise InvalidFile(
            f"holds {array.shape[0]:,} images; a CIFAR-10 batch holds at most {MAX_IMAGES_PER_BATCH:,}"
        )
    # The copy makes the array contiguous (fast to train on) and writable.
    return np.ascontiguousarray(array.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _labels(raw: object, n: int) -> np.ndarray:
    """Labels as int64 (n,), checked to be n whole numbers in 0-9."""
    if isinstance(raw, (list, tuple)):
        if not all(type(v) is int for v in raw):
            raise InvalidFile("has labels that are not whole numbers")
        # Checked in Python first: a huge int would overflow int64.
        bad = [v for v in raw if not 0 <= v <= 9]
        if bad:
            raise InvalidFile(f"has labels outside 0-9 (e.g. {bad[0]})")
        raw = np.array(raw, dtype=np.int64)
    elif is_array(raw):
        raw = as_array(raw)  # integer types only, built from the raw bytes
    else:
        raise InvalidFile(f"holds labels that are {_describe(raw)}; expected a list of ints")
    if raw.ndim != 1 or raw.dtype.kind not in "iu":
        raise InvalidFile(f"holds labels that are {_describe(raw)}; expected a list of ints")
    if len(raw) != n:
        raise InvalidFile(f"has {len(raw)} labels for {n} images")
    out_of_range = raw[(raw < 0) | (raw > 9)]
    if out_of_range.size:
        raise InvalidFile(f"has labels outside 0-9 (e.g. {out_of_range[0]})")
    return raw.astype(np.int64)


def parse_batch(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    d = _str_keys(recognise(data), "batch")
    _require_keys(d, ("data", "labels"), cifar100_key="fine_labels")
    images = _images(d["data"])
    return images, _labels(d["labels"], len(images))


def parse_meta(data: bytes) -> tuple[str, ...]:
    d = _str_keys(recognise(data), "batches.meta")
    _require_keys(d, ("label_names",), cifar100_key="fine_label_names")
    names = d["label_names"]
    if not isinstance(names, (list, tuple)) or len(names) != len(CLASS_NAMES):
        raise InvalidFile(f"should list {len(CLASS_NAMES)} class names, but holds {_describe(names)}")
    try:
        names = tuple(n.decode("utf-8") if isinstance(n, bytes) else n for n in names)
    except UnicodeDecodeError:
        raise InvalidFile("has class names that are not text") from None
    if not all(isinstance(n, str) and n for n in names):
        raise InvalidFile("has class names that are not text")
    # Names are printed (data info, plots): an escape sequence would drive the terminal.
    odd = [n for n in names if len(n) > MAX_CLASS_NAME or not n.isprintable()]
    if odd:
        raise InvalidFile(f"has a class name that is not a plain word ({shown(odd[0], 24)})")
    return names


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 batch file, safely and with every field checked.

    Parameters
    ----------
    path : path-like
        A ``data_batch_*`` or ``test_batch`` file.

    Returns
    -------
    images : ndarray of uint8, shape (n, 32, 32, 3)
        Height, width, then the R, G, B channels.
    labels : ndarray of int64, shape (n,)
        Class numbers 0-9.

    Raises
    ------
    DataError
        If the file is missing, truncated, malicious or not a CIFAR-10 batch;
        the message names the file and the fix.
    """
    path = Path(path)
    try:
        return parse_batch(read_bytes(path))
    except InvalidFile as e:
        raise file_error(path, e) from None


def read_class_names(folder: str | os.PathLike) -> tuple[str, ...]:
    """The 10 class names stored in ``batches.meta`` of `folder`.

    `folder` may also be the ``batches.meta`` file itself.  Raises DataError
    like :func:`read_batch`.
    """
    path = Path(folder)
    if path.is_dir():
        path = path / META_FILE
    try:
        return parse_meta(read_bytes(path))
    except InvalidFile as e:
        raise file_error(path, e) from None


# ------------------------------------------------------------ whole folders


def read_folder(folder: str | os.PathLike) -> tuple[tuple[str, ...], list[np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Read a ``cifar-10-batches-py`` folder already found complete (by ``find_data_dir`` or
    ``require_complete``), every file once, in order: the class names (``batches.meta``),
    the five training batches, the test batch.

    Returns ``(class_names, training images, training labels, (test images, test labels))``:
    the training images one array per file (not concatenated: a caller picking images from
    them needs no 150 MB copy of all of them), the labels concatenated. Raises DataError
    naming a missing or damaged file.
    """
    folder = Path(folder)
    class_names = read_class_names(folder)
    batches = [read_batch(folder / name) for name in TRAIN_FILES]
    return class_names, [x for x, _ in batches], np.concatenate([y for _, y in batches]), read_batch(folder / TEST_FILE)


def validate_folder(folder: Path) -> None:
    """Read every file of `folder` (one at a time, each let go), raising DataError on the first problem."""
    require_complete(folder)
    read_class_names(folder)
    for name in (*TRAIN_FILES, TEST_FILE):
        read_batch(folder / name)


def load_raw(
    folder: str | os.PathLike,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], tuple[str, ...]]:
    """Read a ``cifar-10-batches-py`` folder as it is: no split, no scaling.

    Returns
    -------
    (x_train, y_train) : the five training batches concatenated in order
    (x_test, y_test) : the test batch
    class_names : tuple of str

    Images are uint8 (n, 32, 32, 3), labels int64 (n,).  Batches may hold any
    number of images.  Raises DataError naming missing or damaged files.
    """
    require_complete(Path(folder))
    class_names, images, labels, test = read_folder(folder)
    # Every batch decodes to (n, 32, 32, 3), so the batches always concatenate.
    return (np.concatenate(images), labels), test, class_names

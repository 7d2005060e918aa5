"""Load CIFAR-10 as training, validation and test arrays: :func:`load_cifar10`."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
import numpy as np

from ..lesson import SEED
from ..validation import require_count, require_flag
from .batches import read_batch, read_folder
from .constants import TEST_FILE
from .constants import ENV_VAR
from .download import download_cifar10
from .errors import DataError, DataNotFoundError, how_to_provide
from .locate import resolve_data_home, find_data_dir
from .split import split_train_val, stratified_indices

__all__ = [
    "FIELDS", "CIFAR10", "ALIGNMENT", "aligned_empty", "return_freed_memory",
    "load_cifar10",
]


FIELDS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "class_names")


class CIFAR10:
    """CIFAR-10 split into training, validation and test sets.

    Behaves like a named tuple of seven fields (``x_train, y_train, x_val, y_val,
    x_test, y_test, class_names``), which also unpack in that order. The test
    images are the exception to "everything in memory": they stay on disk until
    ``x_test`` is first used (usually by an evaluation at the very end), so a
    training run does not carry them. ``x_test`` may be given as an array or as a
    function returning one.
    """

    __slots__ = ("x_train", "y_train", "x_val", "y_val", "_x_test", "y_test", "class_names")
    _fields = FIELDS

    def __init__(self, x_train, y_train, x_val, y_val, x_test, y_test, class_names):
        self.x_train, self.y_train = x_train, y_train
        self.x_val, self.y_val = x_val, y_val
        self._x_test, self.y_test = x_test, y_test
        self.class_names = class_names

    @property
    def x_test(self) -> np.ndarray:
        if callable(self._x_test):
            self._x_test = self._x_test()  # read once, kept from then on
        return self._x_test

    @property
    def test_loaded(self) -> bool:
        """Whether the test images are in memory yet."""
        return not callable(self._x_test)

    def __iter__(self):
        return (getattr(self, name) for name in FIELDS)

    def __len__(self):
        return len(FIELDS)

    def __getitem__(self, index):
        return tuple(self)[index]

    def __reduce__(self):
        return (CIFAR10, tuple(self))

    def _asdict(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}

    def __repr__(self):
        # One line, not 60,000 images: Keras quotes it whole in its errors (model.fit(data)).
        # len(y_test), not len(x_test): a repr must not read the test images.
        one_hot = getattr(self.y_train, "ndim", 1) == 2
        return (
            f"CIFAR10(train={len(self.x_train)}, val={len(self.x_val)}, test={len(self.y_test)}, "
            f"dtype={getattr(self.x_train, 'dtype', '?')}{', one_hot=True' if one_hot else ''})"
        )


def _verify_arguments(n_train, n_val, n_test, seed, dtype) -> np.dtype:
    """Check load_cifar10's arguments before any disk access; return the dtype."""
    if n_train is not None:
        require_count("n_train", n_train)
    require_count("n_val", n_val, minimum=0)
    if n_test is not None:
        require_count("n_test", n_test)
    require_count("seed", seed, minimum=0)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.uint8)):
        raise ValueError(
            'dtype must be "float32" (pixels scaled to 0-1) or "uint8" '
            f"(raw pixel values 0-255), got {dtype!r}."
        )
    return dt


def _verify_sizes(n_available: int, n_test_available: int, n_train, n_val, n_test) -> None:
    """Check the requested sizes against the images there are."""
    if n_val >= n_available:
        raise ValueError(
            f"n_val={n_val} leaves no training images: there are only {n_available} "
            f"training images. Pass n_val smaller than {n_available}."
        )
    left = n_available - n_val
    if n_train is not None and n_train > left:
        raise ValueError(
            f"n_train={n_train} is too large: of the {n_available} training images, "
            f"n_val={n_val} are kept for validation, leaving {left}. "
            f"Pass n_train={left} or less, or a smaller n_val."
        )
    if n_test is not None and n_test > n_test_available:
        raise ValueError(
            f"n_test={n_test} is too large: there are {n_test_available} test images. "
            f"Pass n_test={n_test_available} or less, or None for all of them."
        )


def _locate(data_dir, data_home, download_if_missing: bool) -> Path:
    folder, _ = find_data_dir(data_dir, data_home=data_home)
    if folder is not None:
        return folder
    if not download_if_missing:
        home = resolve_data_home(data_home)
        reason = (
            f"It is not in the Keras cache ({home}), {ENV_VAR} is not set, and "
            "download_if_missing=False."
        )
        raise DataNotFoundError(how_to_provide(home, reason))
    return download_cifar10(data_home)


# TensorFlow works on memory aligned to 64 bytes. Arrays that start on such an address can be
# handed to it without a copy (training.train gathers its batches straight from them), so
# the images are stored there; NumPy itself only promises 16 bytes.
ALIGNMENT = 64
CHUNK = 2048  # images copied at a time while loading


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffer = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    offset = -buffer.ctypes.data % ALIGNMENT
    return buffer[offset:offset + nbytes].view(dtype).reshape(shape)


def _gather_images(batches: list, index_sets, dtype: np.dtype) -> list:
    """For each array of indices into the concatenated ``batches``, those images as uint8
    or scaled to float32 0-1, in aligned memory.

    ``batches`` (a list of image arrays) is emptied as it is read: each batch is let go
    once its images are copied, so loading never holds all the raw images and all the
    outputs at once (at float32 that saved 200 MB of peak memory).
    """
    index_sets = [np.asarray(indices) for indices in index_sets]
    outs = [aligned_empty((len(indices), *batches[0].shape[1:]), dtype) for indices in index_sets]
    start = 0
    while batches:
        x = batches.pop(0)
        for indices, out in zip(index_sets, outs):
            where = np.flatnonzero((indices >= start) & (indices < start + len(x)))
            # A few thousand images at a time: assigning uint8 to float32 makes a float32
            # temporary of the whole right-hand side (100 MB for one file's images).
            for chunk in np.array_split(where, -(-len(where) // CHUNK) or 1):
                out[chunk] = x[indices[chunk] - start]  # uint8 to float32 exactly as astype
        start += len(x)
        del x
        return_freed_memory()  # before the next file's images grow the outputs further
    if dtype != np.uint8:
        for out in outs:
            out /= 255.0  # in place: the float copy of 60,000 images is already 700 MB
    return outs


def return_freed_memory() -> None:
    """Hand the memory freed while reading the files back to the operating system.

    Reading leaves 30 MB blocks (each file's bytes and images) freed inside the C heap,
    where glibc keeps them: 230 MB stayed resident after loading at float32. Linux with
    glibc only; elsewhere (or without ``malloc_trim``) nothing happens.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl, ...)
            pass


def _prepare_labels(y: np.ndarray, one_hot: bool, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[y] if one_hot else y


def load_cifar10(
    data_dir: str | os.PathLike | None = None,
    *,
    n_train: int | None = None,
    n_val: int = 10_000,
    n_test: int | None = None,
    seed: int = SEED,
    dtype: str = "float32",
    one_hot: bool = False,
    download_if_missing: bool = True,
    data_home: str | os.PathLike | None = None,
) -> CIFAR10:
    """Load CIFAR-10 as training, validation and test arrays.

    The 50,000 training images are split into a validation set of `n_val`
    images and a training set of the rest, both stratified (each class in
    the same proportion) and in the original order.  The same arguments
    always give the same arrays.

    Parameters
    ----------
    data_dir : path-like, optional
        The ``cifar-10-batches-py`` folder or its parent.  Default: the
        ``CIFAR_CNN_DATA`` environment variable, then the Keras cache.
    n_train : int, optional
        Use a stratified subset of this many training images (for quick runs).
    n_val : int, default 10000
        Validation images taken from the training images; 0 for none (the
        validation arrays are then empty).
    n_test : int, optional
        Use a stratified subset of this many test images; default all 10,000
        in the original order.
    seed : int, default 42 (``cifar_cnn.lesson.SEED``)
        Chooses the validation set and the subsets.
    dtype : {"float32", "uint8"}
        float32 scales pixels to [0, 1]; uint8 keeps the raw values 0-255.
    one_hot : bool
        Labels as float32 one-hot rows (n, 10) instead of int64 (n,).
    download_if_missing : bool
        Download into the Keras cache when the data is found nowhere.
    data_home : path-like, optional
        The Keras cache to search and download to.

    Returns
    -------
    CIFAR10
        ``x_*`` of shape (n, 32, 32, 3), ``y_*`` and ``class_names``.

    Raises
    ------
    ValueError
        Invalid arguments, or sizes larger than the data.
    DataNotFoundError
        No data and no download; the message lists the four ways to provide it.
    DataError
        Damaged data; the message names the file and the fix.
    """
    one_hot = require_flag("one_hot", one_hot)
    download_if_missing = require_flag("download_if_missing", download_if_missing)
    out_dtype = _verify_arguments(n_train, n_val, n_test, seed, dtype)
    folder = _locate(data_dir, data_home, download_if_missing)  # found once: complete
    class_names, batches, y_all, (test_images, y_test) = read_folder(folder)
    # The test labels are needed now (sizes, stratified subsets); the test images are let
    # go and read again when data.x_test is first used, so a training run does not carry
    # them (docs/benchmarks.md, "Memory": the one file read twice, on purpose).
    del test_images
    _verify_sizes(len(y_all), len(y_test), n_train, n_val, n_test)
    train, val = split_train_val(y_all, n_train, n_val, seed)
    test = np.arange(len(y_test)) if n_test is None else stratified_indices(y_test, n_test, seed)
    n_classes = len(class_names)
    x_train, x_val = _gather_images(batches, (train, val), out_dtype)
    return CIFAR10(
        x_train=x_train,
        y_train=_prepare_labels(y_all[train], one_hot, n_classes),
        x_val=x_val,
        y_val=_prepare_labels(y_all[val], one_hot, n_classes),
        x_test=_TestImages(folder / TEST_FILE, y_test, test, out_dtype),
        y_test=_prepare_labels(y_test[test], one_hot, n_classes),
        class_names=class_names,
    )


class _TestImages:
    """Reads the test images when first called: the deferred half of load_cifar10."""

    def __init__(self, path: Path, labels: np.ndarray, indices: np.ndarray, dtype: np.dtype):
        self.path, self.labels, self.indices, self.dtype = path, labels, indices, dtype

    def __call__(self) -> np.ndarray:
        images, labels = read_batch(self.path)
        if not np.array_equal(labels, self.labels):
            # The file changed after load_cifar10 read its labels: images and labels would not match.
            raise DataError(
                f"{self.path} changed after load_cifar10() read it (its labels are no longer "
                "the same). Call load_cifar10() again to load the data as it is now."
            )
        batches = [images]
        del images  # the list is the only reference: gathering lets the raw images go
        return _gather_images(batches, (self.indices,), self.dtype)[0]

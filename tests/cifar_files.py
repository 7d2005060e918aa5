"""Tiny fake CIFAR-10 folders and archives, in the real file format, for tests.

The files are written the way the original CIFAR-10 files were: protocol-2
pickles produced by Python 2, where every byte string (the dict keys, the
filenames, the raw pixel buffer) is a pickle STRING, so they load with
``pickle.load(f, encoding="bytes")`` and need no global beyond numpy's array
reconstruction.  Python 3's own pickler would instead wrap each byte string
in a ``_codecs.encode`` call; :func:`write_batch` can also write that form
(``python2_style=False``), as a batch re-pickled under Python 3 would be.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pytest

FOLDER_NAME = "cifar-10-batches-py"
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
# The order of the members in the official cifar-10-python.tar.gz.
ARCHIVE_ORDER = (
    "data_batch_4",
    "readme.html",
    "test_batch",
    "data_batch_3",
    "batches.meta",
    "data_batch_2",
    "data_batch_5",
    "data_batch_1",
)


class _Python2StylePickler(pickle._Pickler):
    """Pickles bytes as Python 2 did (STRING opcodes), like the original files."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_bytes(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes


def dumps_like_original(obj: object) -> bytes:
    """Protocol-2 pickle of `obj` with bytes written as Python 2 strings."""
    buffer = io.BytesIO()
    _Python2StylePickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def planes_to_rows(images: np.ndarray) -> np.ndarray:
    """(n, 32, 32, 3) images -> (n, 3072) rows of R, G, B planes, as in the files."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


def write_batch(
    path: Path,
    data: np.ndarray,
    labels,
    *,
    batch_label: str = "training batch 1 of 5",
    python2_style: bool = True,
) -> Path:
    """Write one batch file holding `data` (n, 3072) uint8 and `labels`."""
    batch = {
        b"batch_label": batch_label.encode(),
        b"labels": [int(label) for label in labels],
        b"data": data,
        b"filenames": [f"image_{i:05d}.png".encode() for i in range(len(data))],
    }
    blob = dumps_like_original(batch) if python2_style else pickle.dumps(batch, protocol=2)
    Path(path).write_bytes(blob)
    return Path(path)


def write_meta(folder: Path, n_per_batch: int = 10_000) -> Path:
    """Write batches.meta with the 10 class names."""
    meta = {
        b"num_cases_per_batch": n_per_batch,
        b"label_names": [name.encode() for name in CLASS_NAMES],
        b"num_vis": 3072,
    }
    path = Path(folder) / "batches.meta"
    path.write_bytes(dumps_like_original(meta))
    return path


def cycling_labels(n: int, start: int = 0) -> np.ndarray:
    """Labels start, start+1, ... modulo 10: every class, evenly."""
    return (np.arange(n) + start) % 10


def write_cifar_folder(
    parent: Path, n_per_batch: int = 20, n_test: int = 20, seed: int = 0
) -> Path:
    """Write a complete tiny ``parent/cifar-10-batches-py`` folder; return it.

    Each of the five training batches holds `n_per_batch` random images and
    the test batch `n_test`; labels cycle through all 10 classes across the
    concatenated training set, so stratified splits have every class.
    """
    folder = Path(parent) / FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    write_meta(folder, n_per_batch)
    for i, name in enumerate(TRAIN_FILES):
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = cycling_labels(n_per_batch, start=i * n_per_batch)
        write_batch(folder / name, data, labels, batch_label=f"training batch {i + 1} of 5")
    data = rng.integers(0, 256, size=(n_test, 3072), dtype=np.uint8)
    labels = cycling_labels(n_test)
    write_batch(folder / "test_batch", data, labels, batch_label="testing batch 1 of 1")
    (folder / "readme.html").write_text("<html>tiny fake CIFAR-10 for tests</html>\n")
    return folder


def _add_tree(tar: tarfile.TarFile, folder: Path) -> None:
    """Add the folder as the official archive has it, with fixed metadata."""
    def info(name: str, **fields) -> tarfile.TarInfo:
        member = tarfile.TarInfo(name)
        member.mtime = 1_244_000_000  # fixed: the same arguments give the same archive
        for key, value in fields.items():
            setattr(member, key, value)
        return member

    tar.addfile(info(FOLDER_NAME, type=tarfile.DIRTYPE, mode=0o755))
    for name in ARCHIVE_ORDER:
        data = (folder / name).read_bytes()
        tar.addfile(info(f"{FOLDER_NAME}/{name}", size=len(data), mode=0o644), io.BytesIO(data))


def make_cifar_archive(path: Path, **kwargs) -> str:
    """Write a tiny ``cifar-10-python.tar.gz`` look-alike to `path`.

    Keyword arguments are those of :func:`write_cifar_folder`.  The archive
    has the official layout (``cifar-10-batches-py/<file>``) and is
    byte-for-byte reproducible.  Returns its SHA-256 in hex.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_cifar_folder(Path(tmp), **kwargs)
        with open(path, "wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                _add_tree(tar, folder)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------ shared by the tests of cifar_cnn.data

# Read at import, before the clean_environment fixture removes it from a test's environment.
REAL_DATA = os.environ.get("CIFAR_CNN_DATA")
needs_real_data = pytest.mark.skipif(
    not REAL_DATA, reason="set CIFAR_CNN_DATA to a real cifar-10-batches-py folder"
)

# What every "no data" message offers.
THREE_WAYS = ("data_dir=", "--data-dir", "CIFAR_CNN_DATA", "cifar-cnn data download")


def leftovers(folder: Path) -> list[str]:
    """What is in `folder` (nothing when it does not exist)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def rows(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3072), dtype=np.uint8)


def image_index(x_all: np.ndarray) -> dict[bytes, int]:
    """Position of each (distinct, random) image in the full training set."""
    return {img.tobytes(): i for i, img in enumerate(x_all)}


def positions(x: np.ndarray, index: dict[bytes, int]) -> list[int]:
    return [index[img.tobytes()] for img in x]


def batch_bytes(**entries) -> bytes:
    batch = {b"batch_label": b"x", b"data": rows(4), b"labels": [0, 1, 2, 3]}
    for key, value in entries.items():
        if value is None:
            del batch[key.encode()]
        else:
            batch[key.encode()] = value
    return dumps_like_original(batch)


def cifar100_batch() -> bytes:
    batch = {b"data": rows(2), b"fine_labels": [55, 3], b"coarse_labels": [1, 2]}
    return dumps_like_original(batch)


def cifar100_folder(parent: Path) -> Path:
    folder = parent / "cifar-100-python"
    folder.mkdir(parents=True)
    for name in ("train", "test", "meta"):
        (folder / name).write_bytes(cifar100_batch())
    return folder

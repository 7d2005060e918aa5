"""What the data is and whether it is sound: ``cifar-cnn data verify`` and ``data info``."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .text import shown, shown_path
from .batches import parse_batch, parse_meta, read_bytes, load_raw
from .locate import missing_files
from .constants import (
    CLASS_NAMES,
    ENV_VAR,
    FOLDER_NAME,
    META_FILE,
    REQUIRED_FILES,
    TEST_FILE,
    TRAIN_FILES,
)
from .errors import (
    FOLDER_FIX,
    DataError,
    DataNotFoundError,
    fix_for,
    how_to_provide,
    InvalidFile,
    ways_to_provide,
)
from .locate import resolve_data_home, find_in, default_data_home, find_data_dir

__all__ = ["OFFICIAL_MD5", "FileStatus", "VerifyReport", "verify", "info", "format_info"]


# MD5 of each extracted file of the official archive (the values torchvision checks).
OFFICIAL_MD5 = {
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}


# ------------------------------------------------------------------- verify


@dataclass(frozen=True)
class FileStatus:
    """The result of checking one file of the CIFAR-10 folder."""

    name: str
    ok: bool  # structurally valid
    n_images: int | None  # None for batches.meta and for broken files
    md5: str | None  # None when the file is missing
    official: bool  # md5 equals the official file's
    message: str
    class_counts: tuple[int, ...] | None = None  # images per class


@dataclass
class VerifyReport:
    """What :func:`verify` found; ``format()`` makes it readable."""

    folder: Path
    files: list[FileStatus] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every file is valid CIFAR-10 data (checksums aside)."""
        return all(f.ok for f in self.files)

    @property
    def official(self) -> bool:
        """Every file is byte for byte the official one."""
        return all(f.official for f in self.files)

    def _counts(self, names: tuple[str, ...]) -> np.ndarray:
        counts = [f.class_counts for f in self.files if f.name in names and f.class_counts]
        return np.sum(counts, axis=0) if counts else np.zeros(len(CLASS_NAMES), dtype=int)

    def _summary(self) -> str:
        if not self.ok:
            bad = [f.name for f in self.files if not f.ok]
            return f"Result: PROBLEM: {', '.join(bad)} missing or damaged (see the fix above)."
        if self.official:
            return "Result: ok, all files are the official CIFAR-10 files."
        n_differ = sum(not f.official for f in self.files)
        return (
            f"Result: ok, all files are valid CIFAR-10 data, but {n_differ} of "
            f"{len(self.files)} differ from the official files (e.g. a re-encoded copy): "
            "fine for learning, but accuracies may differ slightly from published ones."
        )

    def format(self) -> str:
        """A multi-line report for ``cifar-cnn data verify``."""
        lines = [f"CIFAR-10 folder: {self.folder}"]
        for f in self.files:
            images = f"{f.n_images:>6} images" if f.n_images is not None else " " * 13
            lines.append(f"  {f.name:<13} {images}  {f.message}")
        if self.ok:
            train = self._counts(TRAIN_FILES)
            test = self._counts((TEST_FILE,))
            lines.append(f"Images: {int(train.sum())} train, {int(test.sum())} test")
            lines.append("Per class (train/test):")
            lines += [
                f"  {i} {name:<11} {int(a):>6} / {int(b)}"
                for i, (name, a, b) in enumerate(zip(CLASS_NAMES, train, test))
            ]
        lines.append(self._summary())
        return "\n".join(lines)


def _verify_file(folder: Path, name: str) -> FileStatus:
    path = folder / name
    if not path.is_file():
        return FileStatus(name, False, None, None, False, "MISSING")
    fix = FOLDER_FIX.format(folder=folder)
    try:
        data = read_bytes(path)
    except InvalidFile as e:
        return FileStatus(name, False, None, None, False, f"UNREADABLE: the file {e}. fix: {fix_for(path, e)}")
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    official = md5 == OFFICIAL_MD5[name]
    n_images = counts = None
    try:
        if name == META_FILE:
            parse_meta(data)
        else:
            _, labels = parse_batch(data)
            n_images = len(labels)
            counts = tuple(int(c) for c in np.bincount(labels, minlength=len(CLASS_NAMES)))
    except InvalidFile as e:
        return FileStatus(name, False, None, md5, official, f"CORRUPT: the file {e}. fix: {fix}")
    message = "ok" if official else "valid, but not the official file (checksum differs)"
    return FileStatus(name, True, n_images, md5, official, message, counts)


def _folder_to_verify(folder: Path) -> Path:
    """`folder`, or the data folder inside it when `folder` is its parent."""
    if len(missing_files(folder)) < len(REQUIRED_FILES):
        return folder  # it has some CIFAR-10 files: report on it
    inner = find_in(folder)
    if inner is None and (folder / FOLDER_NAME).is_dir():
        inner = folder / FOLDER_NAME  # incomplete: verify says what is missing
    return inner or folder


def verify(folder: str | os.PathLike | None = None) -> VerifyReport:
    """Check every file of a CIFAR-10 folder: structure, counts, checksums.

    Parameters
    ----------
    folder : path-like, optional
        The folder (or its parent); default what :func:`find_data_dir` finds.

    Returns
    -------
    VerifyReport
        ``.ok`` is True when every file is valid data; a checksum that differs
        from the official one is a warning (``.official`` False), not a failure.
    """
    if folder is None:
        found, _ = find_data_dir()
        if found is None:
            home = default_data_home()
            raise DataNotFoundError(how_to_provide(home, "There is no folder to verify."))
        folder = found
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise DataError(f"Cannot verify {folder}: it is not a folder.")
    folder = _folder_to_verify(folder)
    return VerifyReport(folder, [_verify_file(folder, name) for name in REQUIRED_FILES])


# --------------------------------------------------------------------- info


def _folder_size(folder: Path) -> int:
    """Bytes of the folder's own files: not recursive (a 1,100-deep subfolder costs nothing)."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


def info(data_dir: str | os.PathLike | None = None, *, data_home=None) -> dict:
    """Where the data is and what it holds, for ``cifar-cnn data info``.

    Returns
    -------
    dict
        ``found``, ``folder`` (str or None), ``source``, ``size_bytes``,
        ``n_train``, ``n_test``, ``class_names``, ``keras_cache``,
        ``env_var``, ``env_value`` and ``error`` (the message of a problem
        found on the way, or None).  Never raises DataError.
    """
    home = resolve_data_home(data_home)
    result = {
        "found": False,
        "folder": None,
        "source": "",
        "size_bytes": None,
        "n_train": None,
        "n_test": None,
        "class_names": None,
        "keras_cache": str(home),
        "env_var": ENV_VAR,
        "env_value": os.environ.get(ENV_VAR),
        "error": None,
    }
    try:
        folder, source = find_data_dir(data_dir, data_home=home)
        if folder is None:
            return result
        result.update(found=True, folder=str(folder), source=source)
        result["size_bytes"] = _folder_size(folder)
        (_, y_train), (_, y_test), names = load_raw(folder)
        result.update(n_train=len(y_train), n_test=len(y_test), class_names=names)
    except DataError as e:
        result["error"] = str(e)
    return result


def format_info(d: dict) -> str:
    """Human-readable text for the dict returned by :func:`info`."""
    lines = [f"CIFAR-10 data: {'found' if d['found'] else 'not found'}"]
    if d["found"]:
        lines.append(f"  folder:        {shown_path(d['folder'])} (from {d['source']})")
        lines.append(f"  size on disk:  {d['size_bytes'] / 1e6:.1f} MB")
    if d["n_train"] is not None:
        lines.append(f"  images:        {d['n_train']} train, {d['n_test']} test")
        lines.append(f"  classes:       {', '.join(shown(n, 20)[1:-1] for n in d['class_names'])}")
    lines.append(f"  Keras cache:   {shown_path(d['keras_cache'])}")
    lines.append(f"  {d['env_var']}: {shown_path(d['env_value']) if d['env_value'] else '(not set)'}")
    if d["error"]:
        lines.append(f"Problem: {d['error']}")
    elif not d["found"]:
        lines.append(ways_to_provide(Path(d["keras_cache"])))
    return "\n".join(lines)

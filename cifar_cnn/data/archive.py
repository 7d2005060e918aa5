"""Install a ``cifar-10-python.tar.gz`` archive into the data cache, safely.

Only the known files of the CIFAR-10 folder are extracted, under their known
names; every file is read back and checked before the folder is moved into
place in one step.  An install that fails halfway never leaves anything
behind that a later call would mistake for good data.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path, PurePosixPath

from .._files import give_default_permissions
from .batches import (
    parse_batch,
    parse_meta,
    read_bytes,
    validate_folder,
)
from .constants import FOLDER_NAME, META_FILE, REQUIRED_FILES
from .errors import DataError, InvalidFile
from .locate import is_cifar10_folder, resolve_data_home
from .tarscan import MAX_ARCHIVE_BYTES, extract, scan
from .text import shown, shown_path

__all__ = [
    "PARTIAL_PREFIX", "sha256_of", "prepare_data_home", "remove_stale_downloads",
    "require_archive_size", "install_archive",
]


_ARCHIVE_FILES = frozenset(REQUIRED_FILES) | {"readme.html"}

# Downloads and extractions in progress carry this prefix: it never equals
# FOLDER_NAME, so a leftover from a killed process is never taken for data.
PARTIAL_PREFIX = "cifar-10-partial-"
# A leftover untouched this long belongs to a dead process, not to a
# concurrent one (a download writes to its file continuously).
_STALE_AFTER_S = 3600


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def prepare_data_home(data_home: Path) -> None:
    try:
        data_home.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(
            f"Cannot create the data folder {data_home} ({e}).\n"
            "Set KERAS_HOME (or pass data_home=) to a folder you can write to."
        ) from None
    if not os.access(data_home, os.W_OK):
        raise DataError(
            f"Cannot write to the data folder {data_home}.\n"
            "Set KERAS_HOME (or pass data_home=) to a folder you can write to."
        )


def remove_stale_downloads(data_home: Path) -> None:
    """Delete what killed downloads or extractions left in `data_home`."""
    now = time.time()
    for entry in data_home.glob(PARTIAL_PREFIX + "*"):
        try:
            if now - entry.lstat().st_mtime < _STALE_AFTER_S:
                continue  # may belong to a download running right now
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except OSError:
            pass  # best effort: a leftover is harmless, it is never read


def _wrong_archive_hint(top_level: set[str]) -> str:
    if "cifar-100-python" in top_level:
        return "it is the CIFAR-100 archive"
    if "cifar-10-batches-bin" in top_level or "cifar-10-batches-mat" in top_level:
        return "it is the binary or MATLAB version; use the python version, cifar-10-python.tar.gz"
    return f"its top-level entries are {', '.join(shown(t, 30) for t in sorted(top_level)[:5]) or 'none'}"


def _wanted(name: str) -> bool:
    """Only the known files of the CIFAR-10 folder are extracted, under their known names."""
    parts = PurePosixPath(name).parts
    return len(parts) == 2 and parts[0] == FOLDER_NAME and parts[1] in _ARCHIVE_FILES


def _verify_member(name: str, data: bytes) -> None:
    base = PurePosixPath(name).name
    if base in REQUIRED_FILES:
        try:
            (parse_meta if base == META_FILE else parse_batch)(data)
        except InvalidFile as e:
            raise InvalidFile(f"cannot be used: its member {FOLDER_NAME}/{base} {e}") from None


def _archive_error(archive: Path, problem) -> DataError:
    return DataError(f"The archive {shown_path(archive)} {problem}. Get a fresh copy of the archive.")


def require_archive_size(archive: Path) -> None:
    """Refuse an archive far larger than CIFAR-10 (e.g. a 100 GB sparse file) before hashing it."""
    try:
        size = archive.stat().st_size
    except OSError as e:
        raise DataError(f"Cannot read the archive {shown_path(archive)} ({e.strerror or e}).") from None
    if size > MAX_ARCHIVE_BYTES:
        raise _archive_error(
            archive, f"is {size:,} bytes, far larger than the CIFAR-10 archive (170 MB), so it was not read"
        )


def _extract_checked(archive: Path, into: Path) -> None:
    """Check the whole archive in one bounded pass, then extract it into `into`, or raise DataError."""
    try:
        members, top_level = scan(archive, _wanted, _verify_member)
    except InvalidFile as e:
        raise _archive_error(archive, e) from None
    found = {PurePosixPath(m.name).name for m in members}
    missing = [name for name in REQUIRED_FILES if name not in found]
    if missing:
        raise DataError(
            f"The archive {shown_path(archive)} is not the CIFAR-10 python archive: it lacks "
            f"{', '.join(FOLDER_NAME + '/' + m for m in missing)} "
            f"({_wrong_archive_hint(top_level)})."
        )
    try:
        extract(archive, members, lambda name: into / PurePosixPath(name).name)
    except InvalidFile as e:
        raise _archive_error(archive, e) from None
    except OSError as e:
        raise DataError(
            f"Cannot extract the archive {shown_path(archive)} into {shown_path(into.parent)} "
            f"({e.strerror or e}): nothing was installed. Free some space (about 190 MB) or set "
            "KERAS_HOME to a folder on a drive with room."
        ) from None
    # Read back from the disk: what was written is what was checked.
    for name in REQUIRED_FILES:
        try:
            (parse_meta if name == META_FILE else parse_batch)(read_bytes(into / name))
        except InvalidFile as e:
            raise _archive_error(archive, f"cannot be used: its member {FOLDER_NAME}/{name} {e}") from None


def _publish(staged: Path, destination: Path) -> None:
    """Move the finished folder into place in one step (same filesystem)."""
    try:
        os.replace(staged, destination)
    except OSError:
        # Another process may have installed the data meanwhile; reuse it.
        if is_cifar10_folder(destination):
            return
        raise


def install_archive(
    archive_path: str | os.PathLike,
    data_home: str | os.PathLike | None = None,
    *,
    sha256: str | None = None,
) -> Path:
    """Install a ``cifar-10-python.tar.gz`` archive into the data cache.

    The archive is extracted into a fresh temporary folder next to the
    destination, every file is read back and checked, and only then is the
    folder renamed to ``<data_home>/cifar-10-batches-py``, so an interrupted
    install leaves nothing a later call could take for data.

    Parameters
    ----------
    archive_path : path-like
        The archive.  It is only read; the caller owns it.
    data_home : path-like, optional
        Where to install; default :func:`default_data_home`.
    sha256 : str, optional
        Expected SHA-256 of the archive (e.g. :data:`OFFICIAL_SHA256`).

    Returns
    -------
    Path
        The installed (or already present and valid) folder.

    Raises
    ------
    DataError
        Wrong checksum, damaged or unsafe archive (absolute paths, ``..``,
        links, devices), or an existing but invalid destination.
    """
    archive = Path(archive_path).expanduser().absolute()
    data_home = resolve_data_home(data_home)
    destination = data_home / FOLDER_NAME
    if destination.exists() or destination.is_symlink():
        validate_folder(destination)  # its error says to delete the folder
        return destination
    if not archive.is_file():
        raise DataError(f"The archive {shown_path(archive)} does not exist or is not a file.")
    require_archive_size(archive)
    if sha256 is not None:
        actual = sha256_of(archive)
        if actual != sha256.lower():
            raise DataError(
                f"The archive {archive} has SHA-256 {actual}, but {sha256} was expected: "
                "it is incomplete, corrupted or not the official CIFAR-10 archive. "
                "Get a fresh copy of the archive."
            )
    prepare_data_home(data_home)
    remove_stale_downloads(data_home)
    staged = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=data_home))
    try:
        give_default_permissions(staged, directory=True)
        _extract_checked(archive, staged)
        _publish(staged, destination)
    finally:
        # Also on KeyboardInterrupt; after a successful publish there is nothing left.
        shutil.rmtree(staged, ignore_errors=True)
    return destination

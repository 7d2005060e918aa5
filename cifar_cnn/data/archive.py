"""Install a ``cifar-10-python.tar.gz`` archive into the data cache, safely.

Only the known files of the CIFAR-10 folder are extracted, under their known
names; every file is read back and checked before the folder is moved into
place in one step.  An install that fails halfway never leaves anything
behind that a later call would mistake for good data.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath

from .._files import give_default_permissions
from .batches import (
    is_cifar10_folder,
    missing_files,
    parse_batch,
    parse_meta,
    read_bytes,
    validate_folder,
)
from .constants import FOLDER_NAME, META_FILE, REQUIRED_FILES
from .errors import DataError, InvalidFile
from .locate import resolve_data_home


_ARCHIVE_FILES = frozenset(REQUIRED_FILES) | {"readme.html"}

# Downloads and extractions in progress carry this prefix: it never equals
# FOLDER_NAME, so a leftover from a killed process is never taken for data.
PARTIAL_PREFIX = "cifar-10-partial-"
# The real batch files are 31 MB: a member far larger is a decompression
# bomb or not CIFAR-10, and extracting it could fill the disk.
_MAX_MEMBER_BYTES = 256 * 2**20
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


def remove_stale_partials(data_home: Path) -> None:
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


def _unsafe_member(member: tarfile.TarInfo) -> str | None:
    """Why `member` must not be extracted, or None when it is safe."""
    name = member.name
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts or ".." in name.split("\\"):
        return "a path that climbs out of the folder ('..')"
    if member.issym() or member.islnk():
        return f"a link (to {member.linkname!r})"
    if not (member.isfile() or member.isdir()):
        return "a device or other special file"
    return None


def _member_target(member: tarfile.TarInfo, archive: Path) -> str | None:
    """The file name to extract `member` to, or None to skip it.

    Only the known regular files of the CIFAR-10 folder are extracted, and
    under their known names: a member's own path is never used as a path.
    """
    reason = _unsafe_member(member)
    if reason is not None:
        raise DataError(
            f"The archive {archive} holds a member {member.name!r} with {reason}. "
            "The official CIFAR-10 archive has none: this file was tampered with "
            "and nothing was extracted. Get a fresh copy of the archive."
        )
    parts = PurePosixPath(member.name).parts
    wanted = len(parts) == 2 and parts[0] == FOLDER_NAME and parts[1] in _ARCHIVE_FILES
    if not (wanted and member.isfile()):
        return None
    if member.size > _MAX_MEMBER_BYTES:
        raise DataError(
            f"The archive {archive} holds a member {member.name!r} of {member.size} bytes, "
            "far larger than any CIFAR-10 file: it is not the CIFAR-10 archive."
        )
    return parts[1]


def _extract_members(archive: Path, into: Path) -> set[str]:
    """Stream the wanted members into `into`; return the top-level names seen."""
    top_level = set()
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:  # reads the archive once, front to back
            parts = PurePosixPath(member.name).parts
            top_level.update(parts[:1])
            name = _member_target(member, archive)
            if name is None:
                continue
            source = tar.extractfile(member)
            try:
                with source, open(into / name, "xb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            except FileExistsError:
                raise DataError(
                    f"The archive {archive} lists {member.name} twice: it is not "
                    "the official CIFAR-10 archive. Get a fresh copy."
                ) from None
    return top_level


def _wrong_archive_hint(top_level: set[str]) -> str:
    if "cifar-100-python" in top_level:
        return "it is the CIFAR-100 archive"
    if "cifar-10-batches-bin" in top_level or "cifar-10-batches-mat" in top_level:
        return "it is the binary or MATLAB version; use the python version, cifar-10-python.tar.gz"
    return f"its top-level entries are {sorted(top_level) or 'none'}"


def _extract_checked(archive: Path, into: Path) -> None:
    """Extract `archive` into `into` and read back every file, or raise DataError."""
    try:
        top_level = _extract_members(archive, into)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataError(
            f"The archive {archive} is truncated or corrupt ({type(e).__name__}: {e}). "
            "Get a fresh copy of the archive."
        ) from None
    missing = missing_files(into)
    if missing:
        raise DataError(
            f"The archive {archive} is not the CIFAR-10 python archive: it lacks "
            f"{', '.join(FOLDER_NAME + '/' + m for m in missing)} "
            f"({_wrong_archive_hint(top_level)})."
        )
    for name in REQUIRED_FILES:
        parse = parse_meta if name == META_FILE else parse_batch
        try:
            parse(read_bytes(into / name))
        except InvalidFile as e:
            raise DataError(
                f"The archive {archive} cannot be used: its member {FOLDER_NAME}/{name} "
                f"{e}. Get a fresh copy of the archive."
            ) from None


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
        raise DataError(f"The archive {archive} does not exist or is not a file.")
    if sha256 is not None:
        actual = sha256_of(archive)
        if actual != sha256.lower():
            raise DataError(
                f"The archive {archive} has SHA-256 {actual}, but {sha256} was expected: "
                "it is incomplete, corrupted or not the official CIFAR-10 archive. "
                "Get a fresh copy of the archive."
            )
    prepare_data_home(data_home)
    remove_stale_partials(data_home)
    staged = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=data_home))
    try:
        give_default_permissions(staged, directory=True)
        _extract_checked(archive, staged)
        _publish(staged, destination)
    finally:
        # Also on KeyboardInterrupt; after a successful publish there is nothing left.
        shutil.rmtree(staged, ignore_errors=True)
    return destination

"""Pack the data into an archive for a USB stick, and install such an archive.

For a workshop without internet: on a machine that has the data,
``cifar-cnn data pack /media/usb`` writes ``cifar-10-python.tar.gz`` (the layout of
the official archive: ``cifar-10-batches-py/<file>``) and ``cifar-10-python.tar.gz.sha256``
next to it; on each learner's machine, ``cifar-cnn data download --from
/media/usb/cifar-10-python.tar.gz`` checks the archive and installs it exactly like a
download (:func:`install_archive`).

Every file is read and checked before it goes into the archive, and the archive is
written under a temporary name and renamed when complete, so an interrupted pack
never leaves a partial archive behind.  The same data always gives the same
archive, byte for byte (fixed timestamps and owners), hence the same SHA-256.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tarfile
from pathlib import Path

from .._files import atomic_path, remove_stale_partials
from .archive import require_archive_size, sha256_of, install_archive
from .batches import parse_batch, parse_meta, read_bytes
from .locate import require_complete
from .constants import FOLDER_NAME, META_FILE
from .download import OFFICIAL_SHA256
from .errors import DataError, DataNotFoundError, file_error, how_to_provide, InvalidFile
from .locate import resolve_data_home, find_data_dir
from .text import shown, shown_path

__all__ = ["ARCHIVE_NAME", "pack_data", "install_packed", "read_sha256_file"]

ARCHIVE_NAME = "cifar-10-python.tar.gz"
# The order of the members in the official archive.
_MEMBER_ORDER = (
    "data_batch_4",
    "readme.html",
    "test_batch",
    "data_batch_3",
    "batches.meta",
    "data_batch_2",
    "data_batch_5",
    "data_batch_1",
)
_MTIME = 1_244_000_000  # fixed (June 2009, as in the official archive): reproducible output
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
MAX_SHA256_FILE = 512


def archive_target(archive_path: str | os.PathLike) -> Path:
    """The archive's path: `archive_path`, or ARCHIVE_NAME inside it when it is a folder."""
    path = Path(archive_path).expanduser().absolute()
    if path.is_dir():
        return path / ARCHIVE_NAME
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise ValueError(
            f"{path} is not a folder and does not end in .tar.gz: name the archive "
            f"e.g. {path.parent / ARCHIVE_NAME}, or give an existing folder to put "
            f"{ARCHIVE_NAME} in"
        )
    if not path.parent.is_dir():
        raise DataError(f"Cannot write {path}: the folder {path.parent} does not exist.")
    return path


def _verified_bytes(folder: Path, name: str) -> bytes:
    """The bytes of one data file, read once and verified; DataError if damaged."""
    path = folder / name
    if path.is_symlink() and not _inside(path.resolve(), folder.resolve()):
        # A link could make the archive carry any file of this machine (a readme.html
        # pointing at ~/.ssh/id_rsa): only the data folder's own files are packed.
        raise DataError(
            f"{shown_path(path)} is a link to a file outside the data folder; `data pack` packs "
            "only the folder's own files. Replace the link by the file itself, or delete it."
        )
    try:
        data = read_bytes(path)
        if name == META_FILE:
            parse_meta(data)
        elif name != "readme.html":
            parse_batch(data)
    except InvalidFile as e:
        raise file_error(path, e) from None
    return data


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _member(name: str, **fields) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = _MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def _write_archive(folder: Path, target: Path) -> None:
    """Write the tar.gz of `folder`'s files to `target` (a temporary path)."""
    with open(target, "wb") as raw, gzip.GzipFile("", "wb", compresslevel=6, fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
            tar.addfile(_member(FOLDER_NAME, type=tarfile.DIRTYPE, mode=0o755))
            for name in _MEMBER_ORDER:
                if name == "readme.html" and not (folder / name).is_file():
                    continue  # optional: not a data file
                data = _verified_bytes(folder, name)
                member = _member(f"{FOLDER_NAME}/{name}", size=len(data), mode=0o644)
                tar.addfile(member, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())  # on a USB stick: really on it before we say it is done


def _sha256_line(sha256: str, archive: Path) -> str:
    """The line ``sha256sum`` writes (and ``sha256sum -c`` reads)."""
    return f"{sha256}  {archive.name}\n"


def pack_data(archive_path: str | os.PathLike, data_dir: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Write the CIFAR-10 folder into a ``cifar-10-python.tar.gz``-style archive.

    Parameters
    ----------
    archive_path : path-like
        The archive to write (ending in ``.tar.gz`` or ``.tgz``), or an existing folder
        to write ``cifar-10-python.tar.gz`` into.  An existing archive is replaced.
    data_dir : path-like, optional
        The data folder (or its parent); default what :func:`find_data_dir` finds.

    Returns
    -------
    (Path, str)
        The archive and its SHA-256 (hex), which is also written to
        ``<archive>.sha256`` in the format of ``sha256sum``.

    Raises
    ------
    DataNotFoundError
        There is no data to pack.
    DataError
        A data file is missing or damaged (nothing is written), or the archive
        cannot be written (no space, read-only drive).
    ValueError
        `archive_path` is neither a folder nor a ``.tar.gz`` name.
    """
    folder, _ = find_data_dir(data_dir)
    if folder is None:
        home = resolve_data_home(None)
        raise DataNotFoundError(how_to_provide(home, "There is no data to pack."))
    require_complete(folder)
    target = archive_target(archive_path)
    if target.parent.resolve() == folder.resolve():
        raise ValueError(
            f"{target} would be written inside the data folder it packs: choose another "
            "place, e.g. the USB stick"
        )
    checksum_file = target.with_name(target.name + ".sha256")
    # A pack that was killed (not interrupted) leaves its hidden temporary archive.
    remove_stale_partials(target)
    remove_stale_partials(checksum_file)
    try:
        with atomic_path(target) as tmp:
            _write_archive(folder, tmp)
            sha256 = sha256_of(tmp)
            # The old checksum would not match the new archive: remove it before the swap.
            checksum_file.unlink(missing_ok=True)
        with atomic_path(checksum_file) as tmp:
            tmp.write_text(_sha256_line(sha256, target))
    except OSError as e:
        reason = e.strerror or str(e)
        raise DataError(
            f"Cannot write the archive {target} ({reason}). It needs about 180 MB: "
            "check that the drive has space and is not read-only, or choose another place."
        ) from None
    return target, sha256


# ------------------------------------------------------------------ install


def read_sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 in a ``sha256sum``-style file (``<hex>  <name>``), lower case."""
    path = Path(path)
    try:
        # A checksum line is 64 digits and a name: the first few hundred bytes are enough,
        # whatever the file's size (a 1.5 GB sparse .sha256 is not read whole).
        with open(path, "rb") as f:
            text = f.read(MAX_SHA256_FILE).decode("utf-8", errors="replace")
    except OSError as e:
        raise DataError(f"Cannot read the checksum file {shown_path(path)} ({e.strerror or e}).") from None
    first = text.split()[0].lstrip("\\") if text.split() else ""
    if not _SHA256_RE.fullmatch(first):
        raise DataError(
            f"The checksum file {shown_path(path)} does not start with a SHA-256 (64 hexadecimal digits). "
            "Write it again with `cifar-cnn data pack`, or delete it to install without it."
        )
    return first.lower()


def _normalise_sha256(sha256: str) -> str:
    text = sha256.strip()
    if not _SHA256_RE.fullmatch(text):
        raise ValueError(f"a SHA-256 is 64 hexadecimal digits, got {shown(sha256, 80)}")
    return text.lower()


def _find_archive(archive_path: str | os.PathLike) -> Path:
    path = Path(archive_path).expanduser().absolute()
    if path.is_dir():
        if (path / ARCHIVE_NAME).is_file():
            return path / ARCHIVE_NAME
        raise DataError(f"The folder {path} holds no {ARCHIVE_NAME}: give the archive's own path.")
    if not path.is_file():
        raise DataError(
            f"There is no archive at {path}. Make one on a machine that has the data with "
            "`cifar-cnn data pack FILE`."
        )
    return path


def install_packed(
    archive_path: str | os.PathLike,
    data_home: str | os.PathLike | None = None,
    *,
    sha256: str | None = None,
) -> tuple[Path, str]:
    """Check an archive's SHA-256 and install it with :func:`install_archive`.

    The expected checksum is `sha256` if given, else the one in ``<archive>.sha256``
    next to the archive.  Without either, the archive is accepted when it is the
    official download (:data:`OFFICIAL_SHA256`) and otherwise installed with the
    structural checks alone (every file is read and checked either way).

    Returns
    -------
    (Path, str)
        The installed folder, and how the archive's checksum was checked, in words.

    Raises
    ------
    DataError
        Missing archive, wrong checksum (nothing is installed), damaged or unsafe
        archive.
    ValueError
        `sha256` is not 64 hexadecimal digits.
    """
    expected = None if sha256 is None else _normalise_sha256(sha256)
    archive = _find_archive(archive_path)
    checksum_file = archive.with_name(archive.name + ".sha256")
    if expected is not None:
        how = "SHA-256 matches the one given"
    elif checksum_file.is_file():
        expected = read_sha256_file(checksum_file)
        how = f"SHA-256 matches {checksum_file.name}"
    require_archive_size(archive)  # before hashing: a 100 GB sparse file is not read
    actual = sha256_of(archive)
    if expected is None:
        if actual == OFFICIAL_SHA256:
            how = "SHA-256 is the official CIFAR-10 archive's"
        else:
            # install_archive reads the whole archive under its size, member and header
            # budgets, gzip's CRC included, before it extracts anything.
            how = (
                f"no checksum to compare with (no {checksum_file.name}, and not the official "
                "archive); its gzip checksum and every file were checked instead"
            )
    elif actual != expected:
        raise DataError(
            f"The archive {archive} has SHA-256 {actual}, but {expected} was expected: "
            "it is incomplete, damaged or not the archive that was packed. Nothing was "
            "installed. Copy the archive again (and its .sha256 file)."
        )
    folder = install_archive(archive, data_home)
    return folder, how

"""Download the official CIFAR-10 archive into the Keras cache.

Importing this module does not import Keras or TensorFlow (seconds of start-up
time); only :func:`download_cifar10` does, to use ``keras.utils.get_file``.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from pathlib import Path
from urllib.error import HTTPError, URLError

from .archive import (
    PARTIAL_PREFIX,
    prepare_data_home,
    remove_stale_downloads,
    sha256_of,
    install_archive,
)
from .batches import validate_folder
from .constants import FOLDER_NAME
from .errors import DataError, DataNotFoundError, how_to_provide
from .locate import resolve_data_home, find_in
from ..validation import require_flag

__all__ = ["OFFICIAL_URL", "OFFICIAL_SHA256", "download_cifar10"]


OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# The same value keras.datasets.cifar10.load_data() checks the archive against.
OFFICIAL_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def _fetch(url: str, target: Path, progress: bool) -> Path:
    """Download `url` to `target` with Keras's downloader and progress bar.

    Raises DataNotFoundError when the transfer fails.
    """
    from keras.utils import get_file  # lazy: importing Keras loads TensorFlow

    quiet = contextlib.redirect_stdout(io.StringIO())
    try:
        with quiet if not progress else contextlib.nullcontext():
            # get_file deletes its partial file when the transfer fails.  The
            # checksum is checked by the caller, as get_file keeps a file with
            # a wrong checksum and raises a bare ValueError.
            path = get_file(
                fname=target.name,
                origin=url,
                cache_dir=str(target.parent),
                cache_subdir=str(target.parent),  # absolute: used as the folder itself
                force_download=True,
            )
    except Exception as e:
        reason = f"Downloading {url} failed: {_network_error(e)}."
        raise DataNotFoundError(how_to_provide(target.parent, reason)) from e
    return Path(path)


def _network_error(error: Exception) -> str:
    """The network error in plain words.

    get_file re-raises urllib's errors as a bare Exception whose text repeats
    the URL; the original error is still attached as its context.
    """
    cause = error.__context__ if isinstance(error.__context__, URLError) else error
    if isinstance(cause, HTTPError):
        return f"the server answered HTTP {cause.code} {cause.reason}"
    if isinstance(cause, URLError):
        return str(cause.reason)
    return str(error)


def download_cifar10(
    data_home: str | os.PathLike | None = None,
    *,
    url: str = OFFICIAL_URL,
    sha256: str | None = OFFICIAL_SHA256,
    progress: bool = True,
) -> Path:
    """Download CIFAR-10 into the Keras cache (once) and return its folder.

    Data already in the cache, in any layout Keras uses, is checked and
    reused.  The archive (about 170 MB) is hash-checked, installed with
    :func:`install_archive`, then deleted.

    Parameters
    ----------
    data_home : path-like, optional
        Default :func:`default_data_home`.
    url, sha256 : str
        Where to download from, and the archive's expected SHA-256
        (None skips the check, e.g. for a trusted mirror of another build).
    progress : bool
        Show Keras's progress bar.

    Raises
    ------
    DataNotFoundError
        The download failed (no network, HTTP error, connection lost).
    DataError
        The download arrived with the wrong checksum (it is deleted), or the
        data in the cache is damaged.
    """
    progress = require_flag("progress", progress)
    data_home = resolve_data_home(data_home)
    existing = find_in(data_home)
    if existing is None and (data_home / FOLDER_NAME).exists():
        existing = data_home / FOLDER_NAME  # damaged: say so before downloading
    if existing is not None:
        validate_folder(existing)
        return existing
    prepare_data_home(data_home)
    remove_stale_downloads(data_home)
    # A unique name per download: concurrent downloads do not collide, and a
    # killed one leaves a file named as partial, never as the archive.
    target = archive = data_home / f"{PARTIAL_PREFIX}{uuid.uuid4().hex[:12]}.tar.gz"
    try:
        archive = _fetch(url, target, progress)
        if sha256 is not None and sha256_of(archive) != sha256.lower():
            raise DataError(
                f"The file downloaded from {url} does not have the expected SHA-256 "
                f"({sha256}): it was corrupted in transit or tampered with. It has been "
                "deleted; run the download again. If this keeps happening, download the "
                "data on another network."
            )
        return install_archive(archive, data_home)
    finally:
        target.unlink(missing_ok=True)
        archive.unlink(missing_ok=True)  # the same file, unless Keras chose another place

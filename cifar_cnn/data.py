"""Find, download, check and load the CIFAR-10 data set.

The data is the "python version" of CIFAR-10: a folder ``cifar-10-batches-py``
holding ``batches.meta``, ``data_batch_1`` .. ``data_batch_5`` and
``test_batch``, each a pickled dict.  :func:`load_cifar10` is the one call a
notebook needs; the other public functions back the ``cifar-cnn data``
commands (``download``, ``verify``, ``info``).

Where the data comes from, first match wins:

1. the ``data_dir`` argument (``--data-dir`` on the command line);
2. the ``CIFAR_CNN_DATA`` environment variable;
3. the Keras dataset cache (``$KERAS_HOME/datasets``, else ``~/.keras/datasets``),
   including the folder that ``keras.datasets.cifar10.load_data()`` extracts;
4. a download of the official archive into that cache.

Two safety rules shape this module.  Batch files are pickles, and unpickling
an untrusted pickle can run arbitrary code, so they are read with a restricted
unpickler that can only rebuild integer numpy arrays.  And a download or
extraction that fails halfway never leaves anything behind that a later call
would mistake for good data.

Importing this module does not import Keras or TensorFlow (seconds of start-up
time); only :func:`download_cifar10` does, to use ``keras.utils.get_file``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import numbers
import os
import pickle
import shutil
import tarfile
import tempfile
import time
import uuid
import zlib
from urllib.error import HTTPError, URLError
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

import numpy as np

__all__ = [
    "CIFAR10",
    "CLASS_NAMES",
    "DataError",
    "DataNotFoundError",
    "ENV_VAR",
    "FOLDER_NAME",
    "FileCheck",
    "OFFICIAL_MD5",
    "OFFICIAL_SHA256",
    "OFFICIAL_URL",
    "VerifyReport",
    "default_data_home",
    "download_cifar10",
    "find_data_dir",
    "format_info",
    "info",
    "install_archive",
    "load_cifar10",
    "load_raw",
    "read_batch",
    "read_class_names",
    "stratified_indices",
    "verify",
]

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
FOLDER_NAME = "cifar-10-batches-py"
ENV_VAR = "CIFAR_CNN_DATA"
OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# The same value keras.datasets.cifar10.load_data() checks the archive against.
OFFICIAL_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
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

META_FILE = "batches.meta"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
REQUIRED_FILES = (META_FILE, *TRAIN_FILES, TEST_FILE)
_ARCHIVE_FILES = frozenset(REQUIRED_FILES) | {"readme.html"}
_CIFAR100_FILES = ("train", "test", "meta")
_IMAGE_SIZE = 32 * 32 * 3

# Where the folder can sit inside a Keras cache: directly (this package's own
# downloads, tf.keras and older Keras); inside "cifar-10-batches-py-target", as
# keras.datasets.cifar10.load_data() of Keras 3.15 extracts it; nested in a
# folder of its own name (an intermediate Keras 3 layout; checking is free).
_KERAS_LAYOUTS = (
    Path(FOLDER_NAME),
    Path(f"{FOLDER_NAME}-target") / FOLDER_NAME,
    Path(FOLDER_NAME) / FOLDER_NAME,
)

# Downloads and extractions in progress carry this prefix: it never equals
# FOLDER_NAME, so a leftover from a killed process is never taken for data.
_PARTIAL_PREFIX = "cifar-10-partial-"
# The real batch files are 31 MB: a member far larger is a decompression
# bomb or not CIFAR-10, and extracting it could fill the disk.
_MAX_MEMBER_BYTES = 256 * 2**20
# A leftover untouched this long belongs to a dead process, not to a
# concurrent one (a download writes to its file continuously).
_STALE_AFTER_S = 3600

_FOLDER_FIX = (
    "delete the folder {folder} and run `cifar-cnn data download` again, "
    f"or point {ENV_VAR} at an intact copy"
)


# --------------------------------------------------------------------- errors


class DataError(Exception):
    """CIFAR-10 data that is missing, damaged or not CIFAR-10.

    The message names the file and says how to fix it.
    """


class DataNotFoundError(DataError, FileNotFoundError):
    """No CIFAR-10 data anywhere, and it could not be downloaded."""


class _Invalid(Exception):
    """What is wrong inside one file; the caller adds which file and the fix."""


def _file_error(path: Path, problem: _Invalid | str) -> DataError:
    fix = _FOLDER_FIX.format(folder=path.parent)
    return DataError(f"CIFAR-10 file {path} {problem}.\nTo fix it: {fix}.")


def _three_ways(data_home: Path) -> str:
    """Every way to give this package the data, for messages."""
    path = "/path/to/" + FOLDER_NAME
    return (
        "Provide it in one of three ways:\n"
        f"  1. pass data_dir='{path}' (on the command line: --data-dir {path});\n"
        f"  2. set the environment variable {ENV_VAR}={path};\n"
        "  3. run `cifar-cnn data download` on a machine with internet: it saves "
        f"the data to the Keras cache, {data_home / FOLDER_NAME} "
        "(copy that folder to the same place here)."
    )


def _how_to_provide(data_home: Path, reason: str) -> str:
    return f"CIFAR-10 data not found. {reason}\n{_three_ways(data_home)}"


# ------------------------------------------------------- restricted unpickling


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


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _Invalid("is missing") from None
    except OSError as e:
        raise _Invalid(f"cannot be read ({e})") from None


# ------------------------------------------------------ parsing file contents


def _str_keys(obj: object, what: str) -> dict:
    """The pickled dict with its keys as str (originals use bytes keys)."""
    if not isinstance(obj, dict):
        raise _Invalid(f"holds a {type(obj).__name__}, not the dict of a CIFAR-10 {what}")
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
        raise _Invalid(f"looks like a CIFAR-100 file (it has '{cifar100_key}'), not CIFAR-10")
    raise _Invalid(f"has no {' or '.join(repr(k) for k in missing)} entry (it has {sorted(d)})")


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _images(data: object) -> np.ndarray:
    """(n, 3072) planes of 1024 R, 1024 G, 1024 B values -> (n, 32, 32, 3) uint8."""
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != _IMAGE_SIZE
    ):
        raise _Invalid(
            f"holds image data that is {_describe(data)}; "
            f"expected a uint8 array of shape (n, {_IMAGE_SIZE})"
        )
    if data.shape[0] == 0:
        raise _Invalid("holds no images")
    # The copy makes the array contiguous (fast to train on) and writable.
    return np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _labels(raw: object, n: int) -> np.ndarray:
    """Labels as int64 (n,), checked to be n whole numbers in 0-9."""
    if isinstance(raw, (list, tuple)):
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in raw):
            raise _Invalid("has labels that are not whole numbers")
        # Checked in Python first: a huge int would overflow int64.
        bad = [v for v in raw if not 0 <= v <= 9]
        if bad:
            raise _Invalid(f"has labels outside 0-9 (e.g. {bad[0]})")
        raw = np.array(raw, dtype=np.int64)
    elif not isinstance(raw, np.ndarray):
        raise _Invalid(f"holds labels that are {_describe(raw)}; expected a list of ints")
    if raw.ndim != 1 or raw.dtype.kind not in "iu":
        raise _Invalid(f"holds labels that are {_describe(raw)}; expected a list of ints")
    if len(raw) != n:
        raise _Invalid(f"has {len(raw)} labels for {n} images")
    out_of_range = raw[(raw < 0) | (raw > 9)]
    if out_of_range.size:
        raise _Invalid(f"has labels outside 0-9 (e.g. {out_of_range[0]})")
    return raw.astype(np.int64)


def _parse_batch(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    d = _str_keys(_unpickle(data), "batch")
    _require_keys(d, ("data", "labels"), cifar100_key="fine_labels")
    images = _images(d["data"])
    return images, _labels(d["labels"], len(images))


def _parse_meta(data: bytes) -> tuple[str, ...]:
    d = _str_keys(_unpickle(data), "batches.meta")
    _require_keys(d, ("label_names",), cifar100_key="fine_label_names")
    names = d["label_names"]
    if not isinstance(names, (list, tuple)) or len(names) != len(CLASS_NAMES):
        raise _Invalid(f"should list {len(CLASS_NAMES)} class names, but holds {_describe(names)}")
    try:
        names = tuple(n.decode("utf-8") if isinstance(n, bytes) else n for n in names)
    except UnicodeDecodeError:
        raise _Invalid("has class names that are not text") from None
    if not all(isinstance(n, str) and n for n in names):
        raise _Invalid("has class names that are not text")
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
        return _parse_batch(_read_bytes(path))
    except _Invalid as e:
        raise _file_error(path, e) from None


def read_class_names(folder: str | os.PathLike) -> tuple[str, ...]:
    """The 10 class names stored in ``batches.meta`` of `folder`.

    `folder` may also be the ``batches.meta`` file itself.  Raises DataError
    like :func:`read_batch`.
    """
    path = Path(folder)
    if path.is_dir():
        path = path / META_FILE
    try:
        return _parse_meta(_read_bytes(path))
    except _Invalid as e:
        raise _file_error(path, e) from None


# ------------------------------------------------------------ whole folders


def _missing_files(folder: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (folder / name).is_file()]


def _is_cifar10_folder(folder: Path) -> bool:
    """Cheap check: are all the files there?  (Contents are checked on reading.)"""
    return folder.is_dir() and not _missing_files(folder)


def _looks_like_cifar100(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _CIFAR100_FILES) or (
        folder / "cifar-100-python"
    ).is_dir()


def _require_complete(folder: Path) -> None:
    missing = _missing_files(folder)
    if not missing:
        return
    fix = _FOLDER_FIX.format(folder=folder)
    if _looks_like_cifar100(folder):
        raise DataError(
            f"{folder} holds CIFAR-100 (files train, test, meta), not CIFAR-10.\nTo fix it: {fix}."
        )
    raise DataError(
        f"The CIFAR-10 folder {folder} is incomplete: it lacks {', '.join(missing)}.\n"
        f"To fix it: {fix}."
    )


def _validate_folder(folder: Path) -> None:
    """Read every file of `folder` (one at a time), raising DataError on the first problem."""
    _require_complete(folder)
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
    folder = Path(folder)
    _require_complete(folder)
    class_names = read_class_names(folder)
    # Every batch decodes to (n, 32, 32, 3), so the batches always concatenate.
    train = [read_batch(folder / name) for name in TRAIN_FILES]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (x_train, y_train), read_batch(folder / TEST_FILE), class_names


# ------------------------------------------------------------ finding the data


def default_data_home() -> Path:
    """Keras's dataset cache: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``.

    This is the rule of ``keras.utils.get_file``, reproduced so that finding
    the data does not import Keras (including its fallback to ``/tmp/.keras``
    when the home directory is not writable).
    """
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        return Path(keras_home).expanduser() / "datasets"
    base = Path.home()
    if not os.access(base, os.W_OK):
        base = Path("/tmp")
    return base / ".keras" / "datasets"


def _data_home(data_home: str | os.PathLike | None) -> Path:
    if data_home is None:
        return default_data_home().absolute()
    return Path(data_home).expanduser().absolute()


def _find_in(parent: Path) -> Path | None:
    """The CIFAR-10 folder inside `parent`, in any layout Keras leaves behind."""
    for layout in _KERAS_LAYOUTS:
        if _is_cifar10_folder(parent / layout):
            return parent / layout
    return None


def _not_a_cifar10_folder(path: Path) -> str:
    """Why `path` is not (and does not contain) a CIFAR-10 folder, in plain words."""
    if not path.exists():
        return f"{path}, which does not exist"
    if path.is_file():
        if path.name.endswith((".tar.gz", ".tgz")):
            return (
                f"{path}, which is an archive, not a folder: extract it "
                f"(tar xzf {path.name}) and point at the {FOLDER_NAME} folder inside"
            )
        return f"{path}, which is a file, not a folder"
    if _looks_like_cifar100(path):
        return f"{path}, which holds CIFAR-100 (train, test, meta), not CIFAR-10"
    inner = path / FOLDER_NAME if (path / FOLDER_NAME).is_dir() else path
    missing = _missing_files(inner)
    if len(missing) < len(REQUIRED_FILES):
        return f"{inner}, which is incomplete: it lacks {', '.join(missing)}"
    return (
        f"{path}, which holds neither the CIFAR-10 files "
        f"({', '.join(REQUIRED_FILES)}) nor a {FOLDER_NAME} folder"
    )


def _explicit_folder(path: str | os.PathLike, what: str) -> Path:
    """The folder an explicit setting names: the data folder itself or its parent."""
    path = Path(path).expanduser().absolute()
    if _is_cifar10_folder(path):
        return path
    inside = _find_in(path) if path.is_dir() else None
    if inside is not None:
        return inside
    # Never fall back to another source: the user asked for this one.
    raise DataError(
        f"{what} points at {_not_a_cifar10_folder(path)}.\n"
        f"Point it at a complete {FOLDER_NAME} folder (or the folder that contains it)."
    )


def find_data_dir(
    data_dir: str | os.PathLike | None = None,
    *,
    data_home: str | os.PathLike | None = None,
) -> tuple[Path | None, str]:
    """Locate an existing ``cifar-10-batches-py`` folder; download nothing.

    Parameters
    ----------
    data_dir : path-like, optional
        The folder, or the folder containing it.  Wins over everything else.
    data_home : path-like, optional
        The Keras dataset cache to search; default :func:`default_data_home`.

    Returns
    -------
    folder : Path or None
    source : str
        ``"argument"``, ``"CIFAR_CNN_DATA"``, ``"keras cache"``, or ``""`` when
        nothing was found.

    Raises
    ------
    DataError
        If `data_dir` or ``$CIFAR_CNN_DATA`` is given but is not CIFAR-10 data.
    """
    if data_dir is not None:
        return _explicit_folder(data_dir, "data_dir"), "argument"
    env_value = os.environ.get(ENV_VAR)
    if env_value:
        return _explicit_folder(env_value, f"The environment variable {ENV_VAR}"), ENV_VAR
    folder = _find_in(_data_home(data_home))
    if folder is not None:
        return folder, "keras cache"
    return None, ""


# ---------------------------------------------------- installing the archive


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _prepare_data_home(data_home: Path) -> None:
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


def _remove_stale_partials(data_home: Path) -> None:
    """Delete what killed downloads or extractions left in `data_home`."""
    now = time.time()
    for entry in data_home.glob(_PARTIAL_PREFIX + "*"):
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
    missing = _missing_files(into)
    if missing:
        raise DataError(
            f"The archive {archive} is not the CIFAR-10 python archive: it lacks "
            f"{', '.join(FOLDER_NAME + '/' + m for m in missing)} "
            f"({_wrong_archive_hint(top_level)})."
        )
    for name in REQUIRED_FILES:
        parse = _parse_meta if name == META_FILE else _parse_batch
        try:
            parse(_read_bytes(into / name))
        except _Invalid as e:
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
        if _is_cifar10_folder(destination):
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
    data_home = _data_home(data_home)
    destination = data_home / FOLDER_NAME
    if destination.exists() or destination.is_symlink():
        _validate_folder(destination)  # its error says to delete the folder
        return destination
    if not archive.is_file():
        raise DataError(f"The archive {archive} does not exist or is not a file.")
    if sha256 is not None:
        actual = _sha256_of(archive)
        if actual != sha256.lower():
            raise DataError(
                f"The archive {archive} has SHA-256 {actual}, but {sha256} was expected: "
                "it is incomplete, corrupted or not the official CIFAR-10 archive. "
                "Get a fresh copy of the archive."
            )
    _prepare_data_home(data_home)
    _remove_stale_partials(data_home)
    staged = Path(tempfile.mkdtemp(prefix=_PARTIAL_PREFIX, dir=data_home))
    try:
        _extract_checked(archive, staged)
        _publish(staged, destination)
    finally:
        # Also on KeyboardInterrupt; after a successful publish there is nothing left.
        shutil.rmtree(staged, ignore_errors=True)
    return destination


# ------------------------------------------------------------- downloading


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
        raise DataNotFoundError(_how_to_provide(target.parent, reason)) from e
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
    data_home = _data_home(data_home)
    existing = _find_in(data_home)
    if existing is None and (data_home / FOLDER_NAME).exists():
        existing = data_home / FOLDER_NAME  # damaged: say so before downloading
    if existing is not None:
        _validate_folder(existing)
        return existing
    _prepare_data_home(data_home)
    _remove_stale_partials(data_home)
    # A unique name per download: concurrent downloads do not collide, and a
    # killed one leaves a file named as partial, never as the archive.
    target = archive = data_home / f"{_PARTIAL_PREFIX}{uuid.uuid4().hex[:12]}.tar.gz"
    try:
        archive = _fetch(url, target, progress)
        if sha256 is not None and _sha256_of(archive) != sha256.lower():
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


# ---------------------------------------------------------------- the split


def _check_count(name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")


def stratified_indices(labels, n: int, seed: int) -> np.ndarray:
    """Indices of a random subset of size `n` with the class mix of `labels`.

    Each class gets ``n * count / len(labels)`` places, rounded by largest
    remainder so the total is exactly `n`.  The members of each class are
    drawn with ``np.random.default_rng(seed)``.

    Parameters
    ----------
    labels : array-like, shape (N,)
    n : int
        Subset size, 1 to N.
    seed : int

    Returns
    -------
    ndarray of int64
        Sorted, so the subset keeps the original order.

    Raises
    ------
    ValueError
        If `n` is not a whole number from 1 to N.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}.")
    _check_count("n", n)
    if n > len(labels):
        raise ValueError(
            f"Cannot take {n} items from {len(labels)}: n must be at most {len(labels)}."
        )
    classes, counts = np.unique(labels, return_counts=True)
    # Integer arithmetic keeps the remainders exact (no float ties).
    quota, remainder = np.divmod(counts * n, len(labels))
    short = n - int(quota.sum())
    quota[np.argsort(-remainder, kind="stable")[:short]] += 1
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
        for c, k in zip(classes, quota)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def _split(
    y: np.ndarray, n_train: int | None, n_val: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices, each in the original order."""
    in_val = np.zeros(len(y), dtype=bool)
    if n_val:
        in_val[stratified_indices(y, n_val, seed)] = True
    train = np.flatnonzero(~in_val)
    if n_train is not None:
        train = train[stratified_indices(y[train], n_train, seed)]
    return train, np.flatnonzero(in_val)


# ------------------------------------------------------------------ loading


class CIFAR10(NamedTuple):
    """CIFAR-10 split into training, validation and test sets."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


def _check_arguments(n_train, n_val, n_test, seed, dtype) -> np.dtype:
    """Check load_cifar10's arguments before any disk access; return the dtype."""
    if n_train is not None:
        _check_count("n_train", n_train)
    _check_count("n_val", n_val, minimum=0)
    if n_test is not None:
        _check_count("n_test", n_test)
    _check_count("seed", seed, minimum=0)
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


def _check_sizes(n_available: int, n_test_available: int, n_train, n_val, n_test) -> None:
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
        home = _data_home(data_home)
        reason = (
            f"It is not in the Keras cache ({home}), {ENV_VAR} is not set, and "
            "download_if_missing=False."
        )
        raise DataNotFoundError(_how_to_provide(home, reason))
    return download_cifar10(data_home)


def _prepare_images(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.uint8:
        return x
    x = x.astype(np.float32)
    x /= 255.0  # in place: the float copy of 60,000 images is already 700 MB
    return x


def _prepare_labels(y: np.ndarray, one_hot: bool, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[y] if one_hot else y


def load_cifar10(
    data_dir: str | os.PathLike | None = None,
    *,
    n_train: int | None = None,
    n_val: int = 10_000,
    n_test: int | None = None,
    seed: int = 42,
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
    seed : int, default 42
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
        No data and no download; the message lists the three ways to provide it.
    DataError
        Damaged data; the message names the file and the fix.
    """
    out_dtype = _check_arguments(n_train, n_val, n_test, seed, dtype)
    folder = _locate(data_dir, data_home, download_if_missing)
    (x_all, y_all), (x_test, y_test), class_names = load_raw(folder)
    _check_sizes(len(y_all), len(y_test), n_train, n_val, n_test)
    train, val = _split(y_all, n_train, n_val, seed)
    if n_test is not None:
        test = stratified_indices(y_test, n_test, seed)
        x_test, y_test = x_test[test], y_test[test]
    n_classes = len(class_names)
    return CIFAR10(
        x_train=_prepare_images(x_all[train], out_dtype),
        y_train=_prepare_labels(y_all[train], one_hot, n_classes),
        x_val=_prepare_images(x_all[val], out_dtype),
        y_val=_prepare_labels(y_all[val], one_hot, n_classes),
        x_test=_prepare_images(x_test, out_dtype),
        y_test=_prepare_labels(y_test, one_hot, n_classes),
        class_names=class_names,
    )


# ------------------------------------------------------------------- verify


@dataclass(frozen=True)
class FileCheck:
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
    files: list[FileCheck] = field(default_factory=list)

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


def _check_file(folder: Path, name: str) -> FileCheck:
    path = folder / name
    if not path.is_file():
        return FileCheck(name, False, None, None, False, "MISSING")
    fix = _FOLDER_FIX.format(folder=folder)
    try:
        data = _read_bytes(path)
    except _Invalid as e:
        return FileCheck(name, False, None, None, False, f"CORRUPT: the file {e}. fix: {fix}")
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    official = md5 == OFFICIAL_MD5[name]
    n_images = counts = None
    try:
        if name == META_FILE:
            _parse_meta(data)
        else:
            _, labels = _parse_batch(data)
            n_images = len(labels)
            counts = tuple(int(c) for c in np.bincount(labels, minlength=len(CLASS_NAMES)))
    except _Invalid as e:
        return FileCheck(name, False, None, md5, official, f"CORRUPT: the file {e}. fix: {fix}")
    message = "ok" if official else "valid, but not the official file (checksum differs)"
    return FileCheck(name, True, n_images, md5, official, message, counts)


def _folder_to_verify(folder: Path) -> Path:
    """`folder`, or the data folder inside it when `folder` is its parent."""
    if len(_missing_files(folder)) < len(REQUIRED_FILES):
        return folder  # it has some CIFAR-10 files: report on it
    inner = _find_in(folder)
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
            raise DataNotFoundError(_how_to_provide(home, "There is no folder to verify."))
        folder = found
    folder = Path(folder).expanduser().absolute()
    if not folder.is_dir():
        raise DataError(f"Cannot verify {folder}: it is not a folder.")
    folder = _folder_to_verify(folder)
    return VerifyReport(folder, [_check_file(folder, name) for name in REQUIRED_FILES])


# --------------------------------------------------------------------- info


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


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
    home = _data_home(data_home)
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
        lines.append(f"  folder:        {d['folder']} (from {d['source']})")
        lines.append(f"  size on disk:  {d['size_bytes'] / 1e6:.1f} MB")
    if d["n_train"] is not None:
        lines.append(f"  images:        {d['n_train']} train, {d['n_test']} test")
        lines.append(f"  classes:       {', '.join(d['class_names'])}")
    lines.append(f"  Keras cache:   {d['keras_cache']}")
    lines.append(f"  {d['env_var']}: {d['env_value'] or '(not set)'}")
    if d["error"]:
        lines.append(f"Problem: {d['error']}")
    elif not d["found"]:
        lines.append(_three_ways(Path(d["keras_cache"])))
    return "\n".join(lines)

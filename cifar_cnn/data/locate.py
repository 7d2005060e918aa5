"""Find an existing ``cifar-10-batches-py`` folder; download nothing.

Where the data comes from, first match wins: the ``data_dir`` argument, the
``CIFAR_CNN_DATA`` environment variable, then the Keras dataset cache (in any
layout Keras leaves behind).
"""

from __future__ import annotations

import os
from pathlib import Path

from .constants import ENV_VAR, FOLDER_NAME, REQUIRED_FILES
from .errors import FOLDER_FIX, DataError

__all__ = [
    "missing_files", "is_cifar10_folder", "looks_like_cifar100", "require_complete",
    "default_data_home", "resolve_data_home", "find_in", "find_data_dir",
]


# Where the folder can sit inside a Keras cache: directly (this package's own
# downloads, tf.keras and older Keras); inside "cifar-10-batches-py-target", as
# keras.datasets.cifar10.load_data() of Keras 3.15 extracts it; nested in a
# folder of its own name (an intermediate Keras 3 layout; checking is free).
_KERAS_LAYOUTS = (
    Path(FOLDER_NAME),
    Path(f"{FOLDER_NAME}-target") / FOLDER_NAME,
    Path(FOLDER_NAME) / FOLDER_NAME,
)


# A folder of these is CIFAR-100, a common mix-up: said so by name.
_CIFAR100_FILES = ("train", "test", "meta")


def missing_files(folder: Path) -> list[str]:
    return [name for name in REQUIRED_FILES if not (folder / name).is_file()]


def is_cifar10_folder(folder: Path) -> bool:
    """Cheap check: are all the files there?  (Contents are checked on reading.)"""
    return folder.is_dir() and not missing_files(folder)


def looks_like_cifar100(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _CIFAR100_FILES) or (
        folder / "cifar-100-python"
    ).is_dir()


def require_complete(folder: Path) -> None:
    missing = missing_files(folder)
    if not missing:
        return
    fix = FOLDER_FIX.format(folder=folder)
    if looks_like_cifar100(folder):
        raise DataError(
            f"{folder} holds CIFAR-100 (files train, test, meta), not CIFAR-10.\nTo fix it: {fix}."
        )
    raise DataError(
        f"The CIFAR-10 folder {folder} is incomplete: it lacks {', '.join(missing)}.\n"
        f"To fix it: {fix}."
    )


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


def resolve_data_home(data_home: str | os.PathLike | None) -> Path:
    if data_home is None:
        return default_data_home().absolute()
    return Path(data_home).expanduser().absolute()


def find_in(parent: Path) -> Path | None:
    """The CIFAR-10 folder inside `parent`, in any layout Keras leaves behind."""
    for layout in _KERAS_LAYOUTS:
        if is_cifar10_folder(parent / layout):
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
    if looks_like_cifar100(path):
        return f"{path}, which holds CIFAR-100 (train, test, meta), not CIFAR-10"
    inner = path / FOLDER_NAME if (path / FOLDER_NAME).is_dir() else path
    missing = missing_files(inner)
    if len(missing) < len(REQUIRED_FILES):
        return f"{inner}, which is incomplete: it lacks {', '.join(missing)}"
    return (
        f"{path}, which holds neither the CIFAR-10 files "
        f"({', '.join(REQUIRED_FILES)}) nor a {FOLDER_NAME} folder"
    )


def _explicit_folder(path: str | os.PathLike, what: str) -> Path:
    """The folder an explicit setting names: the data folder itself or its parent."""
    path = Path(path).expanduser().absolute()
    if is_cifar10_folder(path):
        return path
    inside = find_in(path) if path.is_dir() else None
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
    folder = find_in(resolve_data_home(data_home))
    if folder is not None:
        return folder, "keras cache"
    return None, ""

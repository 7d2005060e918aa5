"""The errors this package raises about the data, and the advice in their messages.

Every message says what is wrong, names the file or folder, and says how to fix it.
"""

from __future__ import annotations

from pathlib import Path

from .constants import ENV_VAR, FOLDER_NAME


_FOLDER_FIX = (
    "delete the folder {folder} and run `cifar-cnn data download` again, "
    f"or point {ENV_VAR} at an intact copy"
)


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

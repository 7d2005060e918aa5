"""The errors this package raises about the data, and the advice in their messages.

Every message says what is wrong, names the file or folder, and says how to fix it.
"""

from __future__ import annotations

from pathlib import Path

from .constants import ENV_VAR, FOLDER_NAME
from .text import shown_path

__all__ = [
    "FOLDER_FIX", "DataError", "DataNotFoundError", "InvalidFile", "fix_for", "file_error",
    "PERMISSION_FIX", "ways_to_provide", "how_to_provide",
]


FOLDER_FIX = (
    "delete the folder {folder} and run `cifar-cnn data download` again, "
    f"or point {ENV_VAR} at an intact copy"
)


class DataError(Exception):
    """CIFAR-10 data that is missing, damaged or not CIFAR-10.

    The message names the file and says how to fix it.
    """


class DataNotFoundError(DataError, FileNotFoundError):
    """No CIFAR-10 data anywhere, and it could not be downloaded."""


class InvalidFile(Exception):
    """What is wrong inside one file; the caller adds which file and the fix.

    ``fix`` replaces the usual advice (a fresh copy of the data) when the file
    itself is fine but cannot be read, e.g. for lack of permission.
    """

    def __init__(self, problem: str, fix: str | None = None):
        super().__init__(problem)
        self.fix = fix


def fix_for(path: Path, problem: InvalidFile | str) -> str:
    fix = getattr(problem, "fix", None)
    path, folder = shown_path(path), shown_path(path.parent)
    return fix.format(path=path, folder=folder) if fix else FOLDER_FIX.format(folder=folder)


def file_error(path: Path, problem: InvalidFile | str) -> DataError:
    # The path is escaped and shortened: it may hold terminal escapes or be 4,000 characters long.
    return DataError(f"CIFAR-10 file {shown_path(path)} {problem}.\nTo fix it: {fix_for(path, problem)}.")


# Advice for a file that is there but cannot be read: the data is not at fault.
PERMISSION_FIX = (
    "give your user permission to read it (e.g. `chmod a+r {path}` on Linux or macOS, "
    f"or ask whoever installed it), or point {ENV_VAR} at a copy you can read"
)


def ways_to_provide(data_home: Path) -> str:
    """Every way to give this package the data, for messages."""
    path = "/path/to/" + FOLDER_NAME
    return (
        "Provide it in one of these ways:\n"
        f"  1. pass data_dir='{path}' (on the command line: --data-dir {path});\n"
        f"  2. set the environment variable {ENV_VAR}={path};\n"
        "  3. run `cifar-cnn data download` on a machine with internet: it saves "
        f"the data to the Keras cache, {data_home / FOLDER_NAME} "
        "(copy that folder to the same place here);\n"
        "  4. from an archive (a USB stick, or the official download): "
        "`cifar-cnn data download --from /path/to/cifar-10-python.tar.gz`."
    )


def how_to_provide(data_home: Path, reason: str) -> str:
    return f"CIFAR-10 data not found. {reason}\n{ways_to_provide(data_home)}"

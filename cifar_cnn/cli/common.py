"""What every ``cifar-cnn`` command shares: the one-line error, exit codes, quiet Keras
import, the argparse types for numbers, and printing helpers."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile

__all__ = [
    "EXIT_ERROR", "EXIT_USAGE", "CliError", "quiet_tensorflow", "whole_number", "MAX_BATCH_SIZE",
    "positive_int", "batch_size_type", "epochs_type", "MAX_EPOCHS", "non_negative_int", "positive_number", "sha256_hex",
    "can_print",
]

EXIT_ERROR = 1  # a problem with the data or the arguments' values
EXIT_USAGE = 2  # argparse's code for malformed command lines


class CliError(Exception):
    """A problem to report in one line, without a traceback."""


def quiet_tensorflow():
    """Import Keras with TensorFlow's C++ start-up banner kept off the terminal.

    TensorFlow writes its oneDNN/absl notices straight to file descriptor 2, past
    Python's ``sys.stderr``, whatever ``TF_CPP_MIN_LOG_LEVEL`` says. They are noise for
    learners, so stderr is parked in a temporary file during the import and replayed
    only if the import fails.
    """
    if "keras" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import keras  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def whole_number(minimum, wording, maximum=None, why=""):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {_short(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {wording}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}{why}, got {_short(text)}")
        return value

    return convert


def _short(text):
    """An argument for a message: escaped, and cut if long (a 1 MB argument is not echoed)."""
    return repr(text[:40]) + ("..." if len(text) > 40 else "")


# What `cifar-cnn train intro` needs, peak (measured on CPU, TensorFlow 2.x, 1 epoch): batch 256:
# 0.95 GB; 2,048: 1.3 GB; 8,192: 2.7 GB; 16,384: 4.0 GB (about 0.17 MB per image in a batch).
# 4,096 (about 1.7 GB) still trains on a learner's 8 GB laptop beside a browser; 50,000
# (the old limit) was killed at 3.5 GB in its first step.
MAX_BATCH_SIZE = 4_096
MAX_EPOCHS = 1_000  # 1,000 epochs of the intro model is days on a laptop
positive_int = whole_number(1, "at least 1")
epochs_type = whole_number(1, "at least 1", MAX_EPOCHS)
batch_size_type = whole_number(
    1, "at least 1", MAX_BATCH_SIZE, " (about 1.7 GB of memory for the intro model: larger batches "
    "run out of memory on a laptop)")
non_negative_int = whole_number(0, "0 or more")


def positive_number(text):
    """An argparse type: a number greater than 0, such as 5 or 2.5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 5 or 2.5, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def sha256_hex(text):
    value = text.strip()
    if len(value) != 64 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise argparse.ArgumentTypeError(f"expected a SHA-256: 64 hexadecimal digits, got {text!r}")
    return value.lower()


def can_print(text):
    """Whether stdout's encoding (e.g. a Windows console's cp1252) can show `text`."""
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True

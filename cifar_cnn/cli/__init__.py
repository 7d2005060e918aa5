"""The ``cifar-cnn`` command line.

    cifar-cnn models                         the model factories and their sizes
    cifar-cnn summary intro                  Keras summary plus the formula table
    cifar-cnn train intro --epochs 10        train, evaluate on the test set, save
    cifar-cnn data download | verify | info  fetch, check and locate CIFAR-10
    cifar-cnn data pack FILE                 archive the data for a USB stick
    cifar-cnn data download --from FILE      install that archive offline
    cifar-cnn doctor                         is this machine ready for the lesson?
    cifar-cnn plan --minutes 5               what training fits in 5 minutes here?
    cifar-cnn workshop DIR                   the workshop folder for a USB stick
    cifar-cnn notebooks DIR                  copy the lesson notebooks into DIR

Errors the user can fix (unknown model, bad number, missing data) are printed as
``cifar-cnn: error: ...`` with a non-zero exit code, never as a traceback.

One module per command group: :mod:`.model_commands` (models, summary, train),
:mod:`.lesson_commands` (plan, figures, doctor, workshop, notebooks), :mod:`.data_commands` (data ...), and
:mod:`.common` for what they share. The entry point is ``cifar_cnn.cli:main``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import data_commands, lesson_commands, model_commands
from ..data.text import shown_path
from ..messages import one_line
from .common import EXIT_ERROR, EXIT_USAGE, MAX_BATCH_SIZE, CliError

__all__ = ["main", "build_parser", "CliError", "EXIT_ERROR", "EXIT_USAGE", "MAX_BATCH_SIZE"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="cifar-cnn",
        description="Convolutional neural networks on CIFAR-10: models, training and data.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"cifar-cnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    model_commands.add_parsers(commands)
    lesson_commands.add_plan_and_figures_parsers(commands)
    data_commands.add_parser(commands)
    lesson_commands.add_doctor_parser(commands)
    lesson_commands.add_workshop_parsers(commands)
    return parser


def _tolerant_output():
    """Never fail on printing: a path or message the terminal's encoding cannot show
    (e.g. PYTHONIOENCODING=ascii) is printed with backslash escapes instead."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text file (e.g. replaced in tests)
            pass


def _stdout_gone():
    """The reader of our output went away (`cifar-cnn data info | head -1`): stop quietly.

    Python would otherwise report a BrokenPipeError when it flushes stdout at exit.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _errors_not_signals():
    """A write past the file-size limit (ulimit -f) fails with EFBIG, reported in one
    line, instead of killing the process with SIGXFSZ halfway through a file."""
    if hasattr(signal, "SIGXFSZ"):
        try:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread
            pass


def main(argv=None) -> int:
    _tolerant_output()
    _errors_not_signals()
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..data import DataError

    try:
        result = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, where it is handled
        return result
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_ERROR
    except (CliError, DataError, ValueError, FileNotFoundError, PermissionError) as error:
        print(f"cifar-cnn: error: {one_line(error)}", file=sys.stderr)
        from ..workshop.friendly import explain

        hint = explain(error)  # a known Keras mistake: what it means and the fix
        if hint:
            print(f"cifar-cnn: hint: {hint}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:  # a full disk, a file-size limit, a folder where a file should go
        reason = one_line(error.strerror or error)
        if reason.startswith("cannot "):  # already says which file and what to do (save_model, figures)
            print(f"cifar-cnn: error: {reason}", file=sys.stderr)
        else:
            where = f" {shown_path(error.filename)}" if error.filename else ""
            print(f"cifar-cnn: error: cannot write or read{where} ({reason}): "
                  "free some space or choose another place", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("cifar-cnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

"""Messages on one line: what the command line, the doctor and the hints print.

An exception's text may span lines (Keras's do, with a dump of the tensors); a report
line or a ``cifar-cnn: error: ...`` line must not.
"""

from __future__ import annotations

__all__ = ["one_line"]


def one_line(text) -> str:
    """``text`` (a message or an exception) on one line, runs of whitespace made one space."""
    return " ".join(str(text).split())

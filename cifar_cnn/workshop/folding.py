"""What :func:`cifar_cnn.friendly_errors` shows of a known mistake, besides the hint: Keras's
message without the dump of the tensors it was called with, and the learner's own line
(the rest of the traceback is Keras's internals, folded away; IPython's ``%tb`` shows it)."""

from __future__ import annotations

import copy
import linecache

__all__ = ["without_arguments_dump", "your_line"]


def your_line(tb):
    """The learner's own line that failed: the innermost frame of a notebook cell."""
    line = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith("<ipython-input") or "ipykernel_" in filename:
            line = linecache.getline(filename, tb.tb_lineno).strip() or line
        tb = tb.tb_next
    return line


def without_arguments_dump(value):
    """The error with Keras's "Arguments received by ...:" list cut off its message (the
    tensors passed in, a screen of internals); the error itself if there is none."""
    message = str(value)
    cut = message.find("\n\nArguments received by ")
    if cut < 0 or len(value.args) != 1:
        return value
    try:
        short = copy.copy(value)
        short.args = (message[:cut].rstrip(),)
    except Exception:
        return value
    return short

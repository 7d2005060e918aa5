"""Strings from files, made safe to print: escaped and shortened.

Class names, dict keys, member names and paths come from files a learner may have
been handed.  Printed raw, an escape sequence in one can clear the terminal or fake
a "Problem:" line, and a long one can flood it.  Every such string goes through
:func:`shown` before it reaches a message.
"""

from __future__ import annotations

import os

__all__ = ["shown", "shown_path", "MAX_SHOWN"]

MAX_SHOWN = 60


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """`value` as a short, printable quoted string: control and non-ASCII characters escaped.

    Bytes are decoded as latin-1 (every byte is shown).  Only the first `limit`
    characters are examined, so a 1 GB string costs no more than a short one.
    """
    if isinstance(value, (bytes, bytearray)):
        head = bytes(value[: limit + 1]).decode("latin-1")
    elif isinstance(value, str):
        head = value[: limit + 1]
    else:
        return f"a {type(value).__name__}"
    cut = len(head) > limit
    text = head[:limit].encode("ascii", "backslashreplace").decode("ascii")
    # ascii() escapes control characters (ESC, NUL, newlines) that backslashreplace keeps.
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return "'" + text.replace("'", "\\'") + ("...'" if cut else "'")


def shown_path(path: object, limit: int = 160) -> str:
    """A path for a message: escaped like :func:`shown`, long ones cut in the middle."""
    text = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else str(path)
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > limit:
        half = (limit - 3) // 2
        text = text[:half] + "..." + text[-half:]
    return text

"""The verdict a check prints and returns, and the wrapper that turns a check's body into
a public check that never raises."""

from __future__ import annotations

import functools
import inspect
import re
import sys

from . import progress

__all__ = ["Verdict", "Problem", "checker"]

PASS, FAIL, NOTE = "✓", "✗", "•"


def _cell_number():
    """The IPython execution count while a cell runs, or None outside IPython."""
    if "IPython" not in sys.modules:
        return None
    try:
        shell = sys.modules["IPython"].get_ipython()
        return None if shell is None else shell.execution_count
    except Exception:
        return None


class Verdict:
    """What a check found: ``ok`` (nothing to fix) and ``messages`` (one line per fact).

    Lines start with ``✓`` (matches the challenge), ``✗`` (differs: what and how to fix
    it) or ``•`` (a note that needs no fix). ``str(verdict)`` is the text the check
    printed: a title line, then the messages indented. A verdict with any ``✗`` line is
    never ``ok``.
    """

    def __init__(self, title, messages, ok=None):
        self.title = str(title)
        self.messages = [str(message) for message in messages]
        failed = any(message.startswith(FAIL) for message in self.messages)
        self.ok = (not failed) if ok is None else (bool(ok) and not failed)
        self._printed_in = None

    def __str__(self):
        head = f"{self.title}: {PASS} all correct" if self.ok else f"{self.title}: {FAIL} not yet"
        return "\n".join([head, *("  " + message for message in self.messages)])

    def __repr__(self):
        return f"<Verdict {PASS if self.ok else FAIL} {self.title}>"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _ipython_display_(self):
        # The check has already printed the verdict in this cell: showing the returned
        # object as the cell's result too would print it twice.
        if self._printed_in is None or self._printed_in != _cell_number():
            print(self)

    def _show(self):
        print(self)
        self._printed_in = _cell_number()
        return self


class Problem(Exception):
    """What was passed cannot be compared at all; ``args`` are the verdict's lines."""


def checker(title):
    """Turn a check's body (which returns the verdict's lines) into a public check: bind
    the arguments, catch everything, print the verdict and return it."""

    def decorate(body):
        signature = inspect.signature(body)
        first_name = next(iter(signature.parameters))

        @functools.wraps(body)
        def check(*args, **kwargs):
            try:
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as error:
                    first = next(iter(signature.parameters))
                    verdict = Verdict(title, [
                        f"{FAIL} {body.__name__}() was called with the wrong arguments ({error}): "
                        f"call it like {body.__name__}({first})"
                    ])
                else:
                    try:
                        verdict = Verdict(title, body(*args, **kwargs))
                    except Problem as problem:
                        verdict = Verdict(title, problem.args, ok=False)
            except Exception as error:  # a check must never show a learner a traceback
                message = re.sub(r" at 0x[0-9a-fA-F]+", "", str(error))[:200]
                verdict = Verdict(title, [
                    f"{FAIL} the checker could not read what you passed ({type(error).__name__}: {message}); "
                    "please show this to an instructor"
                ], ok=False)
            # what a notebook's reference solution asks before it runs (progress.passed)
            progress.record(body.__name__.removeprefix("check_"), verdict.ok, args[0] if args else kwargs.get(first_name))
            return verdict._show()

        return check

    return decorate

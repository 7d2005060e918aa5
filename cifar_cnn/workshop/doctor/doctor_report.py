"""Run the doctor's checks in order and word the report (``cifar-cnn doctor``, ``--json``).

The checks are looked up in their modules when they run (``machine.probe_memory``), so a
test can replace one with ``monkeypatch.setattr``.
"""

from __future__ import annotations

import platform
from typing import Callable, Iterator

from . import data_probe, libraries, machine, training_probe
from ...messages import one_line
from .probe_result import FAIL, OK, WARN, ProbeResult

__all__ = ["iter_probes", "run_probes", "format_result", "summary_line", "format_report", "report_dict"]


def _guarded(name: str, check: Callable[[], ProbeResult]) -> ProbeResult:
    """Run one check; a check that crashes becomes a warning, not a traceback."""
    try:
        return check()
    except Exception as e:
        return ProbeResult(
            name, WARN, f"The {name} check could not run ({type(e).__name__}: {one_line(e)[:300]})",
            "report this to your instructor with the output of `cifar-cnn doctor`",
        )


def _not_run(name: str) -> ProbeResult:
    return ProbeResult(
        name, FAIL, f"The {name} check was not run: Keras cannot be imported", "fix Keras first (see above)"
    )


def iter_probes(data_dir=None, *, speed: bool = True, speed_seconds: float | None = None) -> Iterator[ProbeResult]:
    """Run every check in turn, yielding each result as soon as it is known."""
    yield _guarded("python", libraries.probe_python)
    keras = _guarded("keras", libraries.probe_keras)
    yield keras
    keras_imports = "version" in keras.details  # installed and importable, whatever its version

    def needs_keras(name, check):
        return _guarded(name, check) if keras_imports else _not_run(name)

    yield needs_keras("backend", libraries.probe_backend)
    for name, check in (("numpy", libraries.probe_numpy), ("matplotlib", libraries.probe_matplotlib),
                        ("disk", machine.probe_disk), ("memory", machine.probe_memory)):
        yield _guarded(name, check)
    yield _guarded("data", lambda: data_probe.probe_data(data_dir))
    yield needs_keras("model", training_probe.probe_model)
    if speed:
        yield needs_keras("speed", lambda: training_probe.probe_speed(speed_seconds))


def run_probes(data_dir=None, *, speed: bool = True, speed_seconds: float | None = None) -> list[ProbeResult]:
    """Every check, in order: Python and libraries, disk and memory, data, model, speed.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder to check; default where :func:`cifar_cnn.load_cifar10` looks.
    speed : bool
        Time the training speed (about 5 s); False skips it.
    speed_seconds : float, optional
        How long to time it (default: what ``cifar-cnn plan`` spends on the lesson's batch size).
    """
    return list(iter_probes(data_dir, speed=speed, speed_seconds=speed_seconds))


_MARKS = {OK: "✓", WARN: "⚠", FAIL: "✗"}
_ASCII_MARKS = {OK: "[ok]", WARN: "[warn]", FAIL: "[FAIL]"}


def format_result(result: ProbeResult, ascii: bool = False) -> str:
    """One line: '✓ Python 3.11.7', '✗ CIFAR-10 not found — fix: run ...'."""
    mark = (_ASCII_MARKS if ascii else _MARKS)[result.status]
    dash = "-" if ascii else "—"
    line = f"{mark} {result.message}"
    return f"{line} {dash} fix: {result.fix}" if result.fix else line


def summary_line(results: list[ProbeResult]) -> str:
    fails = sum(r.status == FAIL for r in results)
    warns = sum(r.status == WARN for r in results)
    if fails:
        return (
            f"{fails} problem{'s' if fails > 1 else ''} would stop the lesson: do what the "
            "fix says, then run `cifar-cnn doctor` again."
        )
    if warns:
        return f"Ready for the lesson, with {warns} warning{'s' if warns > 1 else ''}."
    return "Ready for the lesson."


def format_report(results: list[ProbeResult], ascii: bool = False) -> str:
    """Every result on its line, then a summary."""
    lines = [format_result(r, ascii) for r in results]
    return "\n".join([*lines, "", summary_line(results)])


def report_dict(results: list[ProbeResult]) -> dict:
    """Everything ``--json`` prints: the results and what machine they come from."""
    from ... import __version__

    return {
        "ok": all(r.ok for r in results),
        "summary": summary_line(results),
        "cifar_cnn": __version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "checks": [r.to_dict() for r in results],
    }

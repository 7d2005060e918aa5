"""The workshop doctor: is this machine ready for the lesson? (``cifar-cnn doctor``)

Each check returns a :class:`CheckResult` with a status (``ok``, ``warn`` or ``fail``),
a message in plain words and, when something is wrong, the fix. A ``fail`` means
something that would stop the lesson (missing or damaged data, a library too old,
a model that cannot train); a ``warn`` something to know about (unofficial data, a
slow machine, little disk or memory).

    from cifar_cnn.doctor import run_checks, format_report
    print(format_report(run_checks()))

``cifar-cnn doctor --json`` prints the same results as JSON, for an instructor
collecting the reports of a whole class.

One module per job: :mod:`.result` (:class:`CheckResult`), :mod:`.libraries` (Python,
Keras, its backend, numpy, matplotlib), :mod:`.machine` (disk, memory),
:mod:`.data_check`, :mod:`.training_check` (a model trains; the speed) and :mod:`.report`
(running them in order, the printed and JSON report).
"""

from __future__ import annotations

from . import data_check, libraries, machine, report, result, training_check
from .data_check import check_data
from .libraries import (
    DISTRIBUTION,
    Requirement,
    check_backend,
    check_keras,
    check_matplotlib,
    check_numpy,
    check_python,
    get_version,
    python_version,
    requirement,
    requirements,
)
from .machine import GB, MIN_FREE_DISK, MIN_MEMORY, check_disk, check_memory, memory_bytes
from .report import format_report, format_result, iter_checks, report_dict, run_checks, summary_line
from .result import FAIL, OK, WARN, CheckResult
from .training_check import check_model, check_speed

__all__ = [
    "CheckResult",
    "OK",
    "WARN",
    "FAIL",
    "run_checks",
    "iter_checks",
    "format_result",
    "format_report",
    "summary_line",
    "report_dict",
    "check_python",
    "check_keras",
    "check_backend",
    "check_numpy",
    "check_matplotlib",
    "check_disk",
    "check_memory",
    "check_data",
    "check_model",
    "check_speed",
    "Requirement",
    "requirements",
    "requirement",
]

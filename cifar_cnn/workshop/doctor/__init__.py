"""The workshop doctor: is this machine ready for the lesson? (``cifar-cnn doctor``)

Each probe returns a :class:`ProbeResult` with a status (``ok``, ``warn`` or ``fail``),
a message in plain words and, when something is wrong, the fix. A ``fail`` means
something that would stop the lesson (missing or damaged data, a library too old,
a model that cannot train); a ``warn`` something to know about (unofficial data, a
slow machine, little disk or memory).

    from cifar_cnn.workshop.doctor import run_probes, format_report
    print(format_report(run_probes()))

``cifar-cnn doctor --json`` prints the same results as JSON, for an instructor
collecting the reports of a whole class.

One module per job: :mod:`.probe_result` (:class:`ProbeResult`), :mod:`.libraries` (Python,
Keras, its backend, numpy, matplotlib), :mod:`.machine` (disk, memory),
:mod:`.data_probe`, :mod:`.training_probe` (a model trains; the speed) and :mod:`.doctor_report`
(running them in order, the printed and JSON report).
"""

from __future__ import annotations

from . import data_probe, doctor_report, libraries, machine, probe_result, training_probe
from .data_probe import probe_data
from .libraries import (
    DISTRIBUTION,
    Requirement,
    probe_backend,
    probe_keras,
    probe_matplotlib,
    probe_numpy,
    probe_python,
    get_version,
    python_version,
    requirement,
    requirements,
)
from .machine import GB, MIN_FREE_DISK, MIN_MEMORY, probe_disk, probe_memory, memory_bytes
from .doctor_report import format_report, format_result, iter_probes, report_dict, run_probes, summary_line
from .probe_result import FAIL, OK, WARN, ProbeResult
from .training_probe import probe_model, probe_speed

__all__ = [
    "ProbeResult",
    "OK",
    "WARN",
    "FAIL",
    "run_probes",
    "iter_probes",
    "format_result",
    "format_report",
    "summary_line",
    "report_dict",
    "probe_python",
    "probe_keras",
    "probe_backend",
    "probe_numpy",
    "probe_matplotlib",
    "probe_disk",
    "probe_memory",
    "probe_data",
    "probe_model",
    "probe_speed",
    "Requirement",
    "requirements",
    "requirement",
]

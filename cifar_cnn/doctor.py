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
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

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

OK, WARN, FAIL = "ok", "warn", "fail"

# The run the speed check predicts, and when it counts as slow, come from cifar_cnn/lesson.py;
# the version ranges from the installed package's metadata (pyproject.toml), see requirements().
DISTRIBUTION = "cifar-cnn"

GB = 10**9
MIN_FREE_DISK = 1 * GB
MIN_MEMORY = 4 * GB


@dataclass
class CheckResult:
    """The outcome of one check."""

    name: str  # short and stable, e.g. "python", "data", "speed": for scripts
    status: str  # OK, WARN or FAIL
    message: str  # what was found, in plain words
    fix: str = ""  # what to do about it ("" when nothing needs doing)
    details: dict = field(default_factory=dict)  # numbers, for --json

    @property
    def ok(self) -> bool:
        """Not a failure (a warning does not stop the lesson)."""
        return self.status != FAIL

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------- versions


def python_version() -> tuple[int, int, int]:
    """The running Python's version (a function, so tests can pretend another)."""
    return tuple(sys.version_info[:3])


def get_version(module: str) -> str | None:
    """The installed version of `module`, or None when it is not installed.

    The module is imported, so the version is that of the code that really runs
    (TensorFlow is installed as ``tensorflow-cpu`` on Linux, for example). A module
    that is installed but fails to import raises that error.
    """
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module or (e.name or "").split(".")[0] == module:
            return None
        raise
    version = getattr(mod, "__version__", None)
    if version is None:
        try:
            version = importlib.metadata.version(module)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
    return str(version)


def _parse_version(text: str) -> tuple[int, ...]:
    """'2.16.0rc0' -> (2, 16, 0); only the leading numbers count."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text or "")
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version)


@dataclass(frozen=True)
class Requirement:
    """A supported version range, [minimum, below), for a distribution on this machine."""

    distribution: str
    minimum: tuple = ()
    below: tuple = ()

    def spec(self) -> str:
        parts = [f">={_dotted(self.minimum)}"] if self.minimum else []
        parts += [f"<{_dotted(self.below)}"] if self.below else []
        return self.distribution + ",".join(parts)


def _bounds(specifier) -> tuple[tuple, tuple]:
    minimum, below = (), ()
    for clause in specifier:
        if clause.operator in (">=", "~=", "=="):
            minimum = max(minimum, _parse_version(clause.version))
        elif clause.operator == "<":
            below = min(below, _parse_version(clause.version)) if below else _parse_version(clause.version)
    return minimum, below


def requirements() -> dict[str, Requirement]:
    """What the installed cifar-cnn requires on this machine, from its metadata (pyproject.toml).

    Keyed by the name the doctor checks ('python', 'keras', 'tensorflow', 'numpy', ...):
    the TensorFlow entry is whichever of tensorflow-cpu or tensorflow applies here.
    Raises importlib.metadata.PackageNotFoundError when cifar-cnn is not installed.
    """
    from packaging.requirements import Requirement as Parsed
    from packaging.specifiers import SpecifierSet

    found = {}
    for text in importlib.metadata.requires(DISTRIBUTION) or []:
        parsed = Parsed(text)
        if parsed.marker is not None and not parsed.marker.evaluate({"extra": ""}):
            continue  # another platform's wheel, or an optional extra
        name = parsed.name.lower().replace("_", "-")
        key = "tensorflow" if name.startswith("tensorflow") else name
        found[key] = Requirement(parsed.name, *_bounds(parsed.specifier))
    python = importlib.metadata.metadata(DISTRIBUTION).get("Requires-Python") or ""
    found["python"] = Requirement("python", *_bounds(SpecifierSet(python)))
    return found


def requirement(name: str) -> Requirement:
    """The range for one of requirements(), or no range when it cannot be told."""
    try:
        return requirements().get(name) or Requirement(name)
    except importlib.metadata.PackageNotFoundError:
        return Requirement(name)


def _pip(args: str) -> str:
    return f"run `python -m pip install {args}` in the lesson's virtual environment"


def _check_package(name: str, label: str, module: str, *, extra: str = "") -> CheckResult:
    """A library is importable and its version within the range the package requires."""
    need = requirement(name)
    minimum, below = need.minimum, need.below
    spec = need.spec()
    upgrade = f'--upgrade "{spec}"' + (f" {extra}" if extra else "")
    try:
        version = get_version(module)
    except Exception as e:  # installed, but broken: a failed or mixed install
        return CheckResult(
            name, FAIL,
            f"{label} is installed but cannot be imported ({type(e).__name__}: {_one_line(e)})",
            _pip(f'--force-reinstall "{spec}"') + ", or make a fresh virtual environment",
        )
    if version is None:
        return CheckResult(name, FAIL, f"{label} is not installed", _pip(f'"{spec}"'))
    parsed = _parse_version(version)
    details = {"version": version, "required": spec}
    if parsed and minimum and parsed < minimum:
        return CheckResult(
            name, FAIL, f"{label} {version} is too old: the lesson needs {label} {_dotted(minimum)} or newer",
            _pip(upgrade), details,
        )
    if parsed and below and parsed >= below:
        return CheckResult(
            name, FAIL,
            f"{label} {version} is newer than the lesson supports (it needs {spec})",
            _pip(f'"{spec}"'), details,
        )
    return CheckResult(name, OK, f"{label} {version}", "", details)


def check_python() -> CheckResult:
    version = python_version()
    text = _dotted(version)
    where = sys.executable or "python"
    need = requirement("python")
    details = {"version": text, "executable": where, "required": need.spec()}
    fix = (
        "install a Python the lesson supports (python.org, or conda), then make the virtual "
        "environment again with it, e.g. `python3.12 -m venv .venv`"
    )
    if need.minimum and tuple(version) < need.minimum:
        return CheckResult(
            "python", FAIL, f"Python {text} is too old: the lesson needs Python {_dotted(need.minimum)} or newer",
            fix, details,
        )
    if need.below and tuple(version) >= need.below:
        return CheckResult(
            "python", FAIL,
            f"Python {text} is newer than the lesson supports (it needs Python {need.spec()[len('python'):]}: "
            "TensorFlow has no release for it yet)",
            fix, details,
        )
    return CheckResult("python", OK, f"Python {text}", "", details)


def check_keras() -> CheckResult:
    return _check_package("keras", "Keras", "keras", extra=f'"{requirement("tensorflow").spec()}"')


def check_numpy() -> CheckResult:
    return _check_package("numpy", "NumPy", "numpy")


def check_matplotlib() -> CheckResult:
    return _check_package("matplotlib", "matplotlib", "matplotlib")


def _backend_source() -> str:
    """Where Keras's backend choice comes from, in words."""
    if os.environ.get("KERAS_BACKEND"):
        return "set by KERAS_BACKEND"
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")
    config = keras_home / "keras.json"
    try:
        if "backend" in json.loads(config.read_text()):
            return f"set in {config}"
    except (OSError, ValueError, TypeError):
        pass
    return "the default"


_USE_TENSORFLOW = "unset KERAS_BACKEND (or set it to tensorflow) and remove \"backend\" from ~/.keras/keras.json"


def check_backend() -> CheckResult:
    """The Keras backend in use, and its version."""
    import keras

    backend = keras.backend.backend()
    source = _backend_source()
    if backend == "tensorflow":
        result = _check_package("tensorflow", "TensorFlow", "tensorflow")
        result.name = "backend"
        result.details["backend"] = backend
        if result.status == OK:
            result.message = f"Keras backend: tensorflow, TensorFlow {result.details['version']}"
        return result
    if backend in ("jax", "torch"):
        label = {"jax": "JAX", "torch": "PyTorch"}[backend]
        version = get_version(backend)
        return CheckResult(
            "backend", WARN,
            f"Keras backend: {backend} ({source}), {label} {version}; the lesson was written "
            "and tested with TensorFlow: it runs, but your numbers will differ from the lesson's",
            f"to match the lesson exactly, {_USE_TENSORFLOW}",
            {"backend": backend, "version": version},
        )
    return CheckResult(
        "backend", FAIL,
        f"Keras backend: {backend} ({source}), which cannot train models",
        _USE_TENSORFLOW,
        {"backend": backend},
    )


# --------------------------------------------------------------- the machine


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> CheckResult:
    """Free space on the drive of the Keras cache, where the data and models go."""
    from .data import default_data_home

    home = default_data_home()
    free = shutil.disk_usage(_existing_parent(home)).free
    details = {"free_bytes": free, "path": str(home)}
    message = f"Disk: {free / GB:.1f} GB free on the drive of the Keras cache ({home})"
    if free < MIN_FREE_DISK:
        return CheckResult(
            "disk", WARN, message + f", less than {MIN_FREE_DISK / GB:.0f} GB",
            "free some space: the data needs about 350 MB while it downloads (170 MB once "
            "installed), and each saved model a few MB; or set KERAS_HOME to a folder on "
            "a drive with more space",
            details,
        )
    return CheckResult("disk", OK, message, "", details)


def _windows_memory() -> tuple[int, int] | None:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return status.ullTotalPhys, status.ullAvailPhys


def memory_bytes() -> tuple[int | None, int | None]:
    """(total, available) physical memory in bytes; None where it cannot be told."""
    if sys.platform == "win32":
        try:
            return _windows_memory() or (None, None)
        except (OSError, AttributeError):
            return None, None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None, None
    available = None
    try:  # Linux: what can be used without swapping (free memory plus caches)
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    return (total if total > 0 else None), available


_LESS_DATA = (
    "close other programs, and train on part of the data: "
    "`cifar-cnn train intro --n-train 10000` (in a notebook: load_cifar10(n_train=10000))"
)


def check_memory() -> CheckResult:
    total, available = memory_bytes()
    details = {"total_bytes": total, "available_bytes": available}
    if total is None:
        return CheckResult(
            "memory", WARN, "Memory: could not tell how much this machine has",
            f"make sure it has at least {MIN_MEMORY / GB:.0f} GB", details,
        )
    message = f"Memory: {total / GB:.1f} GB"
    if available is not None:
        message += f" ({available / GB:.1f} GB available now)"
    if total < MIN_MEMORY:
        return CheckResult(
            "memory", WARN, message + f", less than the {MIN_MEMORY / GB:.0f} GB the lesson expects",
            _LESS_DATA, details,
        )
    from .memory import free_memory_warning  # the lesson's measured needs

    warning = free_memory_warning(available)
    if warning is not None:
        return CheckResult("memory", WARN, f"{message}: {warning}", _LESS_DATA, details)
    return CheckResult("memory", OK, message, "", details)


# ---------------------------------------------------------------- the data

_DOWNLOAD = "run `cifar-cnn data download`"


def check_data(data_dir=None) -> CheckResult:
    """The data is present and every file intact; official checksums or not."""
    from .data import DataError, default_data_home, find_data_dir, verify

    try:
        folder, source = find_data_dir(data_dir)
    except DataError as e:  # --data-dir or CIFAR_CNN_DATA names something else
        first, _, rest = str(e).partition("\n")
        fix = _one_line(rest).rstrip(".")
        return CheckResult(
            "data", FAIL, f"CIFAR-10 not usable: {first.rstrip('.')}",
            (fix[:1].lower() + fix[1:]) or f"fix the path, or unset CIFAR_CNN_DATA and {_DOWNLOAD}",
        )
    if folder is None:
        return CheckResult(
            "data", FAIL,
            f"CIFAR-10 not found (not in the Keras cache {default_data_home()}, and "
            "CIFAR_CNN_DATA is not set)",
            f"{_DOWNLOAD} (163 MB, needs internet); offline, install a copy from a USB "
            "stick with `cifar-cnn data download --from FILE`",
        )
    report = verify(folder)
    details = {"folder": str(report.folder), "source": source, "official": report.official}
    if not report.ok:
        bad = [f"{f.name} {'missing' if f.md5 is None else 'damaged'}" for f in report.files if not f.ok]
        return CheckResult(
            "data", FAIL, f"CIFAR-10 in {report.folder} is broken: {', '.join(bad)}",
            f"delete the folder {report.folder}, then {_DOWNLOAD} "
            "(`cifar-cnn data verify` says more)",
            details,
        )
    n_train = sum(f.n_images or 0 for f in report.files if f.name.startswith("data_batch"))
    n_test = sum(f.n_images or 0 for f in report.files if f.name == "test_batch")
    details.update(n_train=n_train, n_test=n_test)
    where = f"CIFAR-10 in {report.folder} ({source}): {n_train:,} training + {n_test:,} test images"
    if not report.official:
        n_differ = sum(not f.official for f in report.files)
        return CheckResult(
            "data", WARN,
            f"{where}, valid, but {n_differ} of {len(report.files)} files differ from the "
            "official download",
            "nothing needed for the lesson (your accuracies may differ slightly from the "
            f"lesson's); for the official files, delete the folder and {_DOWNLOAD}",
            details,
        )
    return CheckResult("data", OK, f"{where}, the official files", "", details)


# ------------------------------------------------------------ Keras at work

_REINSTALL = (
    "make a fresh virtual environment and install the package again: "
    "`python -m venv .venv` then `.venv/bin/python -m pip install -e .`"
)


def _random_images(n: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, size=n)


def check_model(steps: int = 4) -> CheckResult:
    """create_model_intro builds, compiles and trains a few steps to a finite loss."""
    from .models import create_model_intro
    from .training import compile_model

    batch = 8
    x, y = _random_images(steps * batch)
    try:
        model = compile_model(create_model_intro())
        history = model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        loss = float(history.history["loss"][-1])
    except Exception as e:
        return CheckResult(
            "model", FAIL, f"Building or training a model failed ({type(e).__name__}: {_one_line(e)[:300]})",
            _REINSTALL,
        )
    if not math.isfinite(loss):
        return CheckResult(
            "model", FAIL, f"A model trained {steps} steps but its loss is {loss}", _REINSTALL,
            {"loss": str(loss)},  # NaN is not JSON
        )
    return CheckResult(
        "model", OK,
        f"A model builds and trains (create_model_intro, {steps} steps, loss {loss:.2f})",
        "", {"loss": loss, "params": model.count_params()},
    )


def check_speed(seconds: float | None = None, speed=None) -> CheckResult:
    """Measure this machine and predict the lesson's run, as ``cifar-cnn plan`` does.

    The measurement (:func:`cifar_cnn.planning.measure_speed` at the lesson's batch size,
    about 5 s) and the prediction (:meth:`cifar_cnn.planning.Speed.lesson_seconds`) are the
    planner's own, so the doctor and the planner give the same numbers. ``speed`` takes an
    earlier measurement instead.
    """
    from . import lesson
    from .planning import duration, measure_speed

    if speed is None:
        speed = measure_speed(seconds, batch_sizes=(lesson.BATCH_SIZE,))
    per_step = speed.step_seconds(lesson.BATCH_SIZE)
    epoch = speed.lesson_epoch_seconds()
    run = speed.lesson_seconds()
    steps = math.ceil(lesson.N_TRAIN / lesson.BATCH_SIZE)
    details = {
        "seconds_per_step": per_step,
        "seconds_per_epoch": epoch,
        "seconds_per_run": run,
        "train_images_per_second": speed.train_images_per_second[lesson.BATCH_SIZE],
        "validation_images_per_second": speed.validation_images_per_second,
        "measured_seconds": speed.seconds,
        "slow_epoch_seconds": lesson.SLOW_EPOCH_SECONDS,
        "cpu_count": os.cpu_count(),
    }
    message = (
        f"Speed: {per_step * 1000:.1f} ms per training step: about {duration(epoch)} per lesson "
        f"epoch ({steps:,} steps of {lesson.BATCH_SIZE} images, validation included), "
        f"{duration(run)} for the {lesson.EPOCHS}-epoch run"
    )
    if epoch > lesson.SLOW_EPOCH_SECONDS:
        quarter = lesson.N_TRAIN // 4
        smaller = speed.run_seconds(quarter, lesson.EPOCHS, lesson.BATCH_SIZE)
        return CheckResult(
            "speed", WARN,
            message + f": slow for a workshop (over {lesson.SLOW_EPOCH_SECONDS} s per epoch)",
            "`cifar-cnn plan --minutes 5` says what fits in 5 minutes here; or train on a quarter "
            f"of the data, {run / smaller:.1f} times faster here ({duration(smaller)} for the "
            f"{lesson.EPOCHS} epochs; the validation stays): `cifar-cnn train intro --n-train "
            f"{quarter}` (in a notebook: load_cifar10(n_train={quarter})); close other programs",
            details,
        )
    return CheckResult("speed", OK, message, "", details)


# --------------------------------------------------------------- all of it


def _one_line(text) -> str:
    return " ".join(str(text).split())


def _guarded(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    """Run one check; a check that crashes becomes a warning, not a traceback."""
    try:
        return check()
    except Exception as e:
        return CheckResult(
            name, WARN, f"The {name} check could not run ({type(e).__name__}: {_one_line(e)[:300]})",
            "report this to your instructor with the output of `cifar-cnn doctor`",
        )


def _not_run(name: str) -> CheckResult:
    return CheckResult(
        name, FAIL, f"The {name} check was not run: Keras cannot be imported", "fix Keras first (see above)"
    )


def iter_checks(data_dir=None, *, speed: bool = True, speed_seconds: float | None = None) -> Iterator[CheckResult]:
    """Run every check in turn, yielding each result as soon as it is known."""
    yield _guarded("python", check_python)
    keras = _guarded("keras", check_keras)
    yield keras
    keras_imports = "version" in keras.details  # installed and importable, whatever its version

    def needs_keras(name, check):
        return _guarded(name, check) if keras_imports else _not_run(name)

    yield needs_keras("backend", check_backend)
    for name, check in (("numpy", check_numpy), ("matplotlib", check_matplotlib),
                        ("disk", check_disk), ("memory", check_memory)):
        yield _guarded(name, check)
    yield _guarded("data", lambda: check_data(data_dir))
    yield needs_keras("model", check_model)
    if speed:
        yield needs_keras("speed", lambda: check_speed(speed_seconds))


def run_checks(data_dir=None, *, speed: bool = True, speed_seconds: float | None = None) -> list[CheckResult]:
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
    return list(iter_checks(data_dir, speed=speed, speed_seconds=speed_seconds))


_MARKS = {OK: "✓", WARN: "⚠", FAIL: "✗"}
_ASCII_MARKS = {OK: "[ok]", WARN: "[warn]", FAIL: "[FAIL]"}


def format_result(result: CheckResult, ascii: bool = False) -> str:
    """One line: '✓ Python 3.11.7', '✗ CIFAR-10 not found — fix: run ...'."""
    mark = (_ASCII_MARKS if ascii else _MARKS)[result.status]
    dash = "-" if ascii else "—"
    line = f"{mark} {result.message}"
    return f"{line} {dash} fix: {result.fix}" if result.fix else line


def summary_line(results: list[CheckResult]) -> str:
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


def format_report(results: list[CheckResult], ascii: bool = False) -> str:
    """Every result on its line, then a summary."""
    lines = [format_result(r, ascii) for r in results]
    return "\n".join([*lines, "", summary_line(results)])


def report_dict(results: list[CheckResult]) -> dict:
    """Everything ``--json`` prints: the results and what machine they come from."""
    from . import __version__

    return {
        "ok": all(r.ok for r in results),
        "summary": summary_line(results),
        "cifar_cnn": __version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "checks": [r.to_dict() for r in results],
    }

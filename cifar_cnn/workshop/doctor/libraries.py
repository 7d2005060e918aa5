"""The doctor's checks of Python and the libraries: versions against the ranges the
installed package declares (its metadata, i.e. pyproject.toml), and Keras's backend."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ...messages import one_line
from .probe_result import FAIL, OK, WARN, ProbeResult

__all__ = [
    "DISTRIBUTION", "python_version", "get_version", "Requirement", "requirements", "requirement",
    "probe_python", "probe_keras", "probe_backend", "probe_numpy", "probe_matplotlib",
]

# The version ranges come from the installed package's metadata, see requirements().
DISTRIBUTION = "cifar-cnn"


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


def _probe_package(name: str, label: str, module: str, *, extra: str = "") -> ProbeResult:
    """A library is importable and its version within the range the package requires."""
    need = requirement(name)
    minimum, below = need.minimum, need.below
    spec = need.spec()
    upgrade = f'--upgrade "{spec}"' + (f" {extra}" if extra else "")
    try:
        version = get_version(module)
    except Exception as e:  # installed, but broken: a failed or mixed install
        return ProbeResult(
            name, FAIL,
            f"{label} is installed but cannot be imported ({type(e).__name__}: {one_line(e)})",
            _pip(f'--force-reinstall "{spec}"') + ", or make a fresh virtual environment",
        )
    if version is None:
        return ProbeResult(name, FAIL, f"{label} is not installed", _pip(f'"{spec}"'))
    parsed = _parse_version(version)
    details = {"version": version, "required": spec}
    if parsed and minimum and parsed < minimum:
        return ProbeResult(
            name, FAIL, f"{label} {version} is too old: the lesson needs {label} {_dotted(minimum)} or newer",
            _pip(upgrade), details,
        )
    if parsed and below and parsed >= below:
        return ProbeResult(
            name, FAIL,
            f"{label} {version} is newer than the lesson supports (it needs {spec})",
            _pip(f'"{spec}"'), details,
        )
    return ProbeResult(name, OK, f"{label} {version}", "", details)


def probe_python() -> ProbeResult:
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
        return ProbeResult(
            "python", FAIL, f"Python {text} is too old: the lesson needs Python {_dotted(need.minimum)} or newer",
            fix, details,
        )
    if need.below and tuple(version) >= need.below:
        return ProbeResult(
            "python", FAIL,
            f"Python {text} is newer than the lesson supports (it needs Python {need.spec()[len('python'):]}: "
            "TensorFlow has no release for it yet)",
            fix, details,
        )
    return ProbeResult("python", OK, f"Python {text}", "", details)


def probe_keras() -> ProbeResult:
    return _probe_package("keras", "Keras", "keras", extra=f'"{requirement("tensorflow").spec()}"')


def probe_numpy() -> ProbeResult:
    return _probe_package("numpy", "NumPy", "numpy")


def probe_matplotlib() -> ProbeResult:
    return _probe_package("matplotlib", "matplotlib", "matplotlib")


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


def probe_backend() -> ProbeResult:
    """The Keras backend in use, and its version."""
    import keras

    backend = keras.backend.backend()
    source = _backend_source()
    if backend == "tensorflow":
        result = _probe_package("tensorflow", "TensorFlow", "tensorflow")
        result.name = "backend"
        result.details["backend"] = backend
        if result.status == OK:
            result.message = f"Keras backend: tensorflow, TensorFlow {result.details['version']}"
        return result
    if backend in ("jax", "torch"):
        label = {"jax": "JAX", "torch": "PyTorch"}[backend]
        version = get_version(backend)
        return ProbeResult(
            "backend", WARN,
            f"Keras backend: {backend} ({source}), {label} {version}; the lesson was written "
            "and tested with TensorFlow: it runs, but your numbers will differ from the lesson's",
            f"to match the lesson exactly, {_USE_TENSORFLOW}",
            {"backend": backend, "version": version},
        )
    return ProbeResult(
        "backend", FAIL,
        f"Keras backend: {backend} ({source}), which cannot train models",
        _USE_TENSORFLOW,
        {"backend": backend},
    )


# --------------------------------------------------------------- the machine

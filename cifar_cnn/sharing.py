"""Sharing a trained model: save it to a ``.keras`` file and load it back safely.

A ``.keras`` file is a zip archive holding the model's configuration (JSON) and its
weights. Most layers are described by data only, but a ``keras.layers.Lambda`` layer
stores a *Python function*, and loading it runs that code. :func:`load_model` therefore
loads in Keras's safe mode and refuses such files with :class:`UnsafeModelError`,
unless the caller trusts the file and says so with ``trust_code=True``. A file that is
truncated or not a model at all gives :class:`ModelFileError` naming the file.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from ._files import atomic_path

__all__ = ["save_model", "load_model", "ModelFileError", "UnsafeModelError"]


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, damaged or not a ``.keras`` file.

    The message names the file and says what to do.
    """


class UnsafeModelError(ModelFileError):
    """A model file that holds Python code which would run while it is loaded.

    Raised by :func:`load_model` in its default safe mode. ``load_model(path,
    trust_code=True)`` loads the file anyway: do that only for files you trust.
    """


def _check_suffix(path):
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model files use the .keras format: name it {path.with_suffix('.keras').name!r}")
    return path


def save_model(model, path) -> Path:
    """Save ``model`` to ``path`` (a ``.keras`` file), creating missing folders.

    The file is written under a temporary name and renamed when complete, so an
    interrupted save never leaves a truncated model behind.
    """
    path = _check_suffix(path)
    with atomic_path(path) as tmp:
        model.save(tmp)
    return path


# ---------------------------------------------------------------- loading

_TRUST_HINT = (
    "Only load model files you trust (ones you saved yourself, or from someone you "
    "trust); to load it anyway: load_model({path!r}, trust_code=True)."
)


def _damaged(path, reason):
    return ModelFileError(
        f"cannot load the model file {path}: {reason}. Save the model again "
        "(cifar_cnn.save_model) or get a fresh copy of the file."
    )


def _walk(node):
    """Every dict inside a JSON document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _holds_python_lambda(node) -> bool:
    return any(d.get("class_name") == "__lambda__" for d in _walk(node))


def _code_in_config(config) -> list[str]:
    """What in a model's configuration would run Python code when loaded, in words."""
    found = []
    for d in _walk(config):
        kind = d.get("class_name")
        inner = d.get("config") if isinstance(d.get("config"), dict) else {}
        name = inner.get("name")
        label = f" {name!r}" if isinstance(name, str) else ""
        if kind == "Lambda" and _holds_python_lambda(inner):
            found.append(f"a Lambda layer{label}")
        elif kind == "TFSMLayer":
            found.append(f"a TFSMLayer{label} (it loads an external TensorFlow SavedModel)")
    if not found and _holds_python_lambda(config):
        found.append("a Python lambda function")
    return list(dict.fromkeys(found))


def _read_config(path: Path):
    """The JSON configuration inside a ``.keras`` zip, or raise ModelFileError."""
    if not zipfile.is_zipfile(path):
        size = path.stat().st_size
        if size == 0:
            raise _damaged(path, "it is empty")
        raise _damaged(
            path, f"it is not a complete .keras file ({size:,} bytes: truncated, damaged or not a model)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            with archive.open("config.json") as f:
                return json.load(f)
    except KeyError:
        raise _damaged(path, "it holds no config.json, so it is not a Keras model file") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise _damaged(path, f"its configuration cannot be read ({type(e).__name__}: {e})") from None


def _refuse(path: Path, what: str) -> UnsafeModelError:
    return UnsafeModelError(
        f"the model file {path} contains {what}, i.e. Python code that would run when "
        f"loading it. {_TRUST_HINT.format(path=str(path))}"
    )


def load_model(path, *, trust_code=False, safe_mode=None):
    """Load a ``.keras`` file written by :func:`save_model` (or ``model.save``).

    Parameters
    ----------
    path : path-like
        A ``.keras`` file.
    trust_code : bool, default False
        Files holding Python code (a ``Lambda`` layer) are refused unless this is True:
        loading them runs that code. Pass True only for files you trust.
    safe_mode : bool, optional
        Keras's name for the opposite of ``trust_code`` (``safe_mode=False`` is
        ``trust_code=True``); kept for code written against ``keras.models.load_model``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        ``path`` does not end in ``.keras``.
    UnsafeModelError
        The file holds Python code and ``trust_code`` is False.
    ModelFileError
        The file is truncated, damaged or not a Keras model (the message names it).
    """
    path = _check_suffix(path)
    if not path.is_file():
        if path.is_dir():
            raise _damaged(path, "it is a folder, not a .keras file")
        raise FileNotFoundError(f"no model file at {path}: train one with `cifar-cnn train intro`")
    trusted = bool(trust_code) or safe_mode is False
    config = _read_config(path)
    if not trusted:
        code = _code_in_config(config)
        if code:
            raise _refuse(path, " and ".join(code))
    import keras

    try:
        return keras.models.load_model(path, safe_mode=not trusted)
    except ValueError as e:
        if "safe_mode" in str(e):  # Keras's own safe-mode refusal, for what we did not spot
            raise _refuse(path, f"something Keras refuses in safe mode ({' '.join(str(e).split())})") from None
        raise _damaged(path, f"{type(e).__name__}: {e}") from None
    except Exception as e:  # h5py, zipfile, JSON and deserialization errors: a bad file
        unknown = re.search(r"Could not locate (class|function) '([^']+)'", str(e))
        if unknown:
            raise ModelFileError(
                f"cannot load the model file {path}: it uses the {unknown[1]} {unknown[2]!r}, "
                "which this Python session does not define. Import or define it first "
                "(decorated with @keras.saving.register_keras_serializable()), then load again."
            ) from None
        raise _damaged(path, f"{type(e).__name__}: {e}") from None

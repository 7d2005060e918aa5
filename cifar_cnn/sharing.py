"""Sharing a trained model: save it to a ``.keras`` file and load it back safely.

A ``.keras`` file is a zip archive holding the model's configuration (JSON) and its
weights. Most layers are described by data only, but a ``keras.layers.Lambda`` layer
stores a *Python function*, and loading it runs that code. :func:`load_model` therefore
loads in Keras's safe mode and refuses such files with :class:`UnsafeModelError`,
unless the caller trusts the file and says so with ``trust_code=True``. A file that is
truncated or not a model at all gives :class:`ModelFileError` naming the file.

Before Keras sees a file, its zip directory and ``config.json`` are checked with
limits: what the members inflate to (a small file must not unpack to gigabytes), how
deeply the JSON nests, and no encrypted or unknown compression. A configuration that
names a Python callable outside Keras (``os.system``, say) is refused as possibly
malicious.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

from ._files import atomic_path
from .data.text import shown, shown_path
from .model_file_scan import (
    MAX_JSON_DEPTH, scan_zip_directory, json_depth_exceeds, weights_mismatch,
)
from .validation import require_flag

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


def _verify_suffix(path):
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"model files use the .keras format: name it {path.with_suffix('.keras').name!r}")
    return path


def save_model(model, path) -> Path:
    """Save ``model`` to ``path`` (a ``.keras`` file), creating missing folders.

    The file is written under a temporary name and renamed when complete, so an
    interrupted save never leaves a truncated model behind. An ``OSError`` (e.g. a
    read-only folder) names ``path``, not the temporary file.
    """
    path = _verify_suffix(path)
    try:
        with atomic_path(path) as tmp:
            model.save(tmp)
    except OSError as e:
        reason = e.strerror or str(e)
        raise type(e)(
            e.errno, f"cannot save the model to {path} ({reason}): choose a folder you can write to"
        ) from None
    return path


# ---------------------------------------------------------------- loading

_TRUST_HINT = (
    "Only load model files you trust (ones you saved yourself, or from someone you "
    "trust); to load it anyway: load_model({path!r}, trust_code=True)."
)


def _damaged(path, reason):
    # Both parts bounded, so the line stays under 300 characters whatever the file holds.
    reason = str(reason)
    if len(reason) > 80:
        reason = reason[:77] + "..."
    return ModelFileError(
        f"cannot load the model file {shown_path(path, 100)}: {reason}. Save the model again "
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


# Modules whose functions a model file has no business naming: a config pointing
# at them is an attempt to run something, not a custom layer.
_SYSTEM_MODULES = {
    "os", "posix", "nt", "subprocess", "sys", "builtins", "__builtin__", "shutil", "importlib",
    "runpy", "pickle", "marshal", "ctypes", "socket", "pty", "code", "codeop", "io", "pathlib",
    "tempfile", "webbrowser", "multiprocessing", "signal", "platform", "urllib", "http",
    "ftplib", "smtplib", "telnetlib", "asyncio", "threading", "_thread", "gc", "inspect",
}


def _foreign_callables(config) -> list[str]:
    """Names like 'os.system' that the configuration asks to import, outside Keras."""
    found = []
    for d in _walk(config):
        module = d.get("module")
        if not isinstance(module, str) or not module:
            continue
        top = module.split(".")[0]
        if top in _SYSTEM_MODULES:
            name = d.get("class_name")
            found.append(f"{module}.{name}" if isinstance(name, str) else module)
    return list(dict.fromkeys(found))


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


# Limits for what a model file may unpack to. The lesson's models are a few MB; the
# configuration of any of them is tens of kB and nests about 10 deep.
MAX_CONFIG_BYTES = 4 * 2**20
MAX_UNPACKED_BYTES = 512 * 2**20  # all members together
_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def _verify_members(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse encrypted members, unknown compression and zip bombs, before inflating anything.

    zipfile never inflates a member past the size its header declares, so the
    declared sizes bound what reading can cost.
    """
    total = 0
    for member in archive.infolist():
        if member.flag_bits & 0x1:
            raise _damaged(path, f"its member {shown(member.filename)} is encrypted, which a .keras file never is")
        if member.compress_type not in _COMPRESSIONS:
            raise _damaged(
                path, f"its member {shown(member.filename)} uses an unknown compression method ({member.compress_type})"
            )
        total += member.file_size
    config = archive.getinfo("config.json")  # KeyError: no configuration
    if config.file_size > MAX_CONFIG_BYTES:
        raise _damaged(
            path, f"its config.json would unpack to {config.file_size:,} bytes, more than a Keras "
            f"configuration ever needs (at most {MAX_CONFIG_BYTES:,})"
        )
    if total > MAX_UNPACKED_BYTES:
        raise _damaged(
            path, f"it would unpack to {total:,} bytes, more than this package loads "
            f"(at most {MAX_UNPACKED_BYTES:,})"
        )


def _read_config(path: Path):
    """The JSON configuration inside a ``.keras`` zip, or raise ModelFileError.

    Also compares the weights the configuration declares with the weights file's size,
    so that Keras never allocates weights the file does not hold.
    """
    over = scan_zip_directory(path)  # before zipfile parses the directory
    if over:
        raise _damaged(path, over)
    if not zipfile.is_zipfile(path):
        size = path.stat().st_size
        if size == 0:
            raise _damaged(path, "it is empty")
        raise _damaged(
            path, f"it is not a complete .keras file ({size:,} bytes: truncated, damaged or not a model)"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            _verify_members(path, archive)
            with archive.open("config.json") as f:
                text = f.read(MAX_CONFIG_BYTES + 1)
            try:
                weights = archive.getinfo("model.weights.h5")
                sizes = weights.file_size, weights.compress_size
            except KeyError:
                sizes = None, None
        if len(text) > MAX_CONFIG_BYTES:
            raise _damaged(path, f"its config.json is larger than {MAX_CONFIG_BYTES:,} bytes")
        if json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise _damaged(
                path, f"its config.json nests more than {MAX_JSON_DEPTH} levels deep, which no Keras model does"
            )
        config = json.loads(text)
        mismatch = weights_mismatch(config, *sizes)
        if mismatch:
            raise _damaged(path, mismatch)
        return config
    except ModelFileError:
        raise
    except KeyError:
        raise _damaged(path, "it holds no config.json, so it is not a Keras model file") from None
    except Exception as e:
        # zipfile, zlib.error, LZMAError, bz2's OSError, JSON's ValueError, RecursionError:
        # whatever the codec or parser says, the file is damaged.
        raise _damaged(path, f"its configuration cannot be read ({type(e).__name__}: {shown(str(e), 80)[1:-1]})") from None


def _malicious(path: Path, names: list[str]) -> UnsafeModelError:
    return UnsafeModelError(
        f"the model file {path} names {', '.join(names[:3])}, which is not part of Keras "
        "and not a layer: the file is possibly malicious (it tries to make Keras call that "
        "function). Do not load it; delete it, and get the model from someone you trust."
    )


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
    trust_code = require_flag("trust_code", trust_code)
    safe_mode = require_flag("safe_mode", safe_mode, allow_none=True)
    path = _verify_suffix(path)
    if not path.is_file():
        if path.is_dir():
            raise _damaged(path, "it is a folder, not a .keras file")
        raise FileNotFoundError(f"no model file at {path}: train one with `cifar-cnn train intro`")
    trusted = trust_code or safe_mode is False
    config = _read_config(path)
    foreign = _foreign_callables(config)
    if foreign:  # never loaded, trusted or not: no real model names these
        raise _malicious(path, foreign)
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
        raise _damaged(path, f"{type(e).__name__}: {shown(' '.join(str(e).split()), 120)[1:-1]}") from None
    except Exception as e:  # h5py, zipfile, JSON and deserialization errors: a bad file
        unknown = re.search(r"Could not locate (class|function) '([^']+)'", str(e))
        if unknown:
            raise ModelFileError(
                f"cannot load the model file {path}: it uses the {unknown[1]} {unknown[2]!r}, "
                "which this Python session does not define. Import or define it first "
                "(decorated with @keras.saving.register_keras_serializable()), then load again."
            ) from None
        raise _damaged(path, f"{type(e).__name__}: {shown(' '.join(str(e).split()), 120)[1:-1]}") from None

"""Sharing a trained model: save it to a ``.keras`` file and load it back safely."""

from __future__ import annotations

from pathlib import Path

from ._files import atomic_path

__all__ = ["save_model", "load_model"]


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


def load_model(path, *, safe_mode=True):
    """Load a ``.keras`` file written by :func:`save_model` (or ``model.save``).

    ``safe_mode=True`` (Keras's default, kept here on purpose) refuses files whose
    layers carry arbitrary Python code, such as a ``Lambda`` layer.
    """
    path = _check_suffix(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}: train one with `cifar-cnn train intro`")
    import keras

    return keras.models.load_model(path, safe_mode=safe_mode)

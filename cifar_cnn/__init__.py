"""cifar-cnn: teach convolutional neural networks with Keras on CIFAR-10.

Everything a lesson needs is importable from the top level::

    from cifar_cnn import create_model_intro, load_cifar10, train

The top level offers the ``__all__`` of each module in :data:`LESSON_MODULES`, the
lesson's API; nothing else lists those names. ``import cifar_cnn`` is quick: Keras and
TensorFlow are imported only when a function that needs them is first used (PEP 562
lazy attributes). The first look-up reads those modules' ``__all__`` from their
source, without importing them. Editors and type checkers read ``__init__.pyi``, written
by ``python tools/write_init_stub.py`` from the same ``__all__`` (tests/test_package.py
checks it is current), and follow ``from cifar_cnn import train`` to
:func:`cifar_cnn.training.train`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

__version__ = "0.1.0"

# The modules whose public names (their __all__) make the lesson's API, in the order the
# episodes meet them. The workshop tools (cifar_cnn.workshop) and the recipes
# (cifar_cnn.recipes) are imported from their subpackages, except friendly_errors, which
# every notebook calls first.
LESSON_MODULES = (
    "lesson", "data", "models", "extra_models", "arithmetic", "convolution", "training",
    "evaluation", "gradients", "plots", "sharing", "checks", "workshop.friendly",
)

_PACKAGE = Path(__file__).resolve().parent
_exports: dict[str, str] | None = None  # public name -> module, read on first use


def declared_names(module: str) -> list[str]:
    """The names in ``cifar_cnn.<module>``'s ``__all__``, read from its source: a list of
    strings written out (no Keras is imported to learn them)."""
    path = _PACKAGE.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise ImportError(f"cifar_cnn.{module} has no __all__ = [...] list")


def exports() -> dict[str, str]:
    """Every top-level name and the module it comes from; a name two modules declare is an error."""
    global _exports
    if _exports is None:
        table: dict[str, str] = {}
        for module in LESSON_MODULES:
            for name in declared_names(module):
                if name in table:
                    raise ImportError(f"{name} is declared by both cifar_cnn.{table[name]} and cifar_cnn.{module}")
                table[name] = module
        _exports = table
    return _exports


def __getattr__(name):
    if name == "__all__":
        return sorted(exports()) + ["__version__"]
    module = exports().get(name)
    if module is None:
        raise AttributeError(f"module 'cifar_cnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"cifar_cnn.{module}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(exports()))

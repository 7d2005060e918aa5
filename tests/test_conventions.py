"""The package's conventions (CONTRIBUTING.md, "How the code is written"), checked.

- no module imports another module's ``_private`` name;
- no module is over 400 lines unless its docstring says why;
- factories take ``input_shape`` and ``num_classes`` first and the rest by keyword;
- every count accepts any integer type (``np.int64`` as from ``np.arange``).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cifar_cnn"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_LINES = 400
OVERSIZE_MARKER = "Over 400 lines because"

# Private imports between modules that other helpers' files still make, each with its
# owner; the test fails when one disappears, so this list can only shrink.
KNOWN_PRIVATE_IMPORTS: set = set()  # none left: keep it that way


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) for every ``from M import _name`` in ``path``. A module whose
    own name starts with ``_`` (``cifar_cnn/_files.py``) is private to the package, not to
    a module: its public names may be imported."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [(node.lineno, module, a.name) for a in node.names if _is_private(a.name)]
    return found


def test_the_private_import_finder_finds_them(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from .a import _x, y, __version__\nfrom ._files import atomic_path\ndef f():\n    from .b import _z\n")
    assert [(module, name) for _, module, name in private_imports(probe)] == [(".a", "_x"), (".b", "_z")]


def test_no_module_imports_another_modules_private_names():
    found = {
        (_rel(path), name): f"{_rel(path)}:{line} imports {name} from {module}"
        for path in MODULES
        for line, module, name in private_imports(path)
    }
    unexpected = [where for key, where in found.items() if key not in KNOWN_PRIVATE_IMPORTS]
    assert not unexpected, "give the shared helper a public name in its module:\n" + "\n".join(unexpected)
    fixed = KNOWN_PRIVATE_IMPORTS - set(found)
    assert not fixed, f"remove {sorted(fixed)} from KNOWN_PRIVATE_IMPORTS: it is fixed"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_modules_are_short_or_say_why(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert any(line.startswith(OVERSIZE_MARKER) for line in docstring.splitlines()), (
        f"{_rel(path)} has {lines} lines: split it into modules with one job, or start a line of its "
        f'docstring with "{OVERSIZE_MARKER} ..." saying why it is one thing'
    )


def _factories():
    """Every factory the package has: the lesson's (MODELS) and the recipes' own."""
    from cifar_cnn.models import MODELS
    from cifar_cnn.recipes import OWN_FACTORIES

    return [*MODELS.values(), *OWN_FACTORIES.values()]


def test_every_create_model_function_is_a_registered_factory():
    """A factory defined anywhere in the package is one the convention tests see."""
    defined = {
        node.name
        for path in MODULES
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("create_model_")
    }
    assert defined == {f.__name__ for f in _factories()}


@pytest.mark.parametrize("factory", _factories(), ids=lambda f: f.__name__)
def test_factories_take_shape_and_classes_first_and_the_rest_by_keyword(factory):
    parameters = list(inspect.signature(factory).parameters.values())
    assert [p.name for p in parameters[:2]] == ["input_shape", "num_classes"]
    assert [p.default for p in parameters[:2]] == [(32, 32, 3), 10]
    assert all(p.kind is p.KEYWORD_ONLY for p in parameters[2:]), factory.__name__
    assert "dropout" not in [p.name for p in parameters], "a dropout rate is called rate"
    assert "widths" not in [p.name for p in parameters], "feature maps per block are called filters"
    name = inspect.signature(factory).parameters["name"].default
    assert name is None or name.startswith("cifar_model_"), name  # None: built from the arguments
    assert "Returns" in (factory.__doc__ or ""), f"{factory.__name__}'s docstring needs a Returns section"


@pytest.mark.parametrize("factory", _factories(), ids=lambda f: f.__name__)
def test_factories_check_their_input_first(factory):
    """A wrong input_shape is refused with the factory's one-line message, before Keras sees it."""
    with pytest.raises(ValueError, match=r"^input_shape must be \(height, width, channels\)"):
        factory(0.25)


def _build(factory, **kwargs):
    return lambda: factory(**kwargs)


def _integer_calls():
    from cifar_cnn import models
    from cifar_cnn.checks import check_model_one_conv
    from cifar_cnn.data import stratified_indices

    i = np.int64
    return {
        "intro input_shape, num_classes": (
            _build(models.create_model_intro, input_shape=(i(32), i(32), i(3)), num_classes=i(10)),
            lambda m: m.count_params() == 79_530,
        ),
        "one_conv filters, kernel_size": (
            _build(models.create_model_one_conv, filters=i(10), kernel_size=i(3)),
            lambda m: m.count_params() == 90_290,
        ),
        "two_conv filters": (_build(models.create_model_two_conv, filters=i(10)), lambda m: m.count_params() == 79_600),
        "vgg filters, convs_per_block, dense_units": (
            _build(models.create_model_vgg, filters=tuple(np.array([16, 32, 64])), convs_per_block=i(2), dense_units=i(128)),
            lambda m: m.count_params() == 204_570,
        ),
        "residual filters, blocks_per_stage": (
            _build(models.create_model_residual, filters=(i(8), i(16)), blocks_per_stage=i(1)),
            lambda m: len(m.layers) > 5,
        ),
        "dense hidden": (_build(models.create_model_dense, hidden=(i(64),)), lambda m: m.layers[2].units == 64),
        "deep depth, filters": (
            _build(models.create_model_deep, depth=i(3), filters=i(8)),
            lambda m: m.name == "cifar_model_deep3_plain",
        ),
        "fast filters": (_build(models.create_model_fast, filters=(i(8), i(16))), lambda m: len(m.layers) > 5),
        "stratified_indices n, seed": (
            lambda: stratified_indices(np.arange(100) % 10, i(20), i(42)),
            lambda idx: len(idx) == 20,
        ),
        "check_model_one_conv filters": (
            lambda: check_model_one_conv(models.create_model_one_conv(filters=7), filters=i(7)),
            lambda verdict: verdict.ok,
        ),
    }


@pytest.mark.parametrize("case", list(_integer_calls()))
def test_counts_accept_any_integer_type(case, capsys):
    call, expect = _integer_calls()[case]
    assert expect(call())

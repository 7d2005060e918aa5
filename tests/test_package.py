"""The package as a learner meets it: cheap import, top-level names, README promises."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import cifar_cnn

ROOT = Path(__file__).resolve().parents[1]


def test_import_does_not_load_tensorflow_or_keras():
    code = (
        "import sys, cifar_cnn, cifar_cnn.data, cifar_cnn.arithmetic, cifar_cnn.cli, cifar_cnn.recipes;"
        "cifar_cnn.__all__; cifar_cnn.cli.build_parser();"
        "print(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_top_level_names_resolve():
    from cifar_cnn import create_model_intro, load_cifar10, set_seed, train  # noqa: F401

    for name in cifar_cnn.__all__:
        assert getattr(cifar_cnn, name) is not None, name
    assert create_model_intro().count_params() == 79530


def test_unknown_attribute_is_an_attribute_error():
    try:
        cifar_cnn.create_model_alexnet
    except AttributeError as error:
        assert "create_model_alexnet" in str(error)
    else:
        raise AssertionError("expected AttributeError")


def readme_commands():
    quick_start = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [c for block in re.findall(r"```sh\n(.*?)```", quick_start, re.S) for c in block.strip().splitlines()]


def test_ci_runs_exactly_the_readmes_test_command():
    commands = readme_commands()
    assert len(commands) == 2, "the Quick start has exactly two commands"
    test_command = next(c for c in commands if "pytest" in c)
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_ci_requires_the_backends_the_readme_leaves_out():
    """The README's test command installs no JAX and no PyTorch; CI installs them first and
    turns their tests' skip into a failure, then runs that same command."""
    test_command = next(c for c in readme_commands() if "pytest" in c)
    assert '".[dev]"' in test_command and "backends" not in test_command
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    install = next(i for i, line in enumerate(ci_lines) if '".[dev,backends]"' in line and "pip install" in line)
    require = ci_lines.index("export CIFAR_CNN_REQUIRE_BACKENDS=1")
    assert install < require < ci_lines.index(test_command)


def test_the_dev_extra_leaves_the_backends_out():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {extra: {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in reqs} for extra, reqs in extras.items()}
    assert not names["dev"] & {"jax", "jaxlib", "torch"}
    assert {"jax", "jaxlib", "torch"} <= names["backends"]
    assert {"pytest", "pytest-xdist", "nbval", "jupyter"} <= names["dev"]


def test_the_supported_python_range_is_declared():
    tomllib = pytest.importorskip("tomllib")
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.10,<3.14"  # TensorFlow's releases have wheels for 3.10-3.13 (README)


def _stub_imports():
    """(module, name) of every import in the generated cifar_cnn/__init__.pyi."""
    import ast

    tree = ast.parse((ROOT / "cifar_cnn" / "__init__.pyi").read_text(encoding="utf-8"))
    return {
        (f"cifar_cnn.{node.module}", alias.name)
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }


def test_editors_see_every_export_as_a_static_import():
    """`from cifar_cnn import train` leads editors to cifar_cnn.training.train: the stub
    that editors read names every top-level name and its module, and is current."""
    exports = {(f"cifar_cnn.{module}", name) for name, module in cifar_cnn.exports().items()}
    static = _stub_imports()
    assert not exports - static, f"run python tools/write_init_stub.py: {sorted(exports - static)} missing"
    assert not static - exports, f"run python tools/write_init_stub.py: {sorted(static - exports)} left over"
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "write_init_stub.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_top_level_is_built_from_the_modules_all_only():
    """No hand-written table of names: each comes from one lesson module's __all__, and a
    name two of them declare is refused."""
    import ast

    source = (ROOT / "cifar_cnn" / "__init__.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", None) == "TYPE_CHECKING"]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Dict) and len(n.keys) > 3], "a hand-written name table"
    for module in cifar_cnn.LESSON_MODULES:
        for name in cifar_cnn.declared_names(module):
            assert cifar_cnn.exports()[name] == module
    assert set(cifar_cnn.__all__) == set(cifar_cnn.exports()) | {"__version__"}

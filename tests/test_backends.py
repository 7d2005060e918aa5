"""The core of the package under Keras's JAX and PyTorch backends.

The rest of the suite runs on the default TensorFlow backend. Keras chooses its backend
once per process (from KERAS_BACKEND), so each other backend gets a fresh pytest process
running the core tests: models, arithmetic, data, training steps, the checker, gradients,
saving and the worked convolution examples.

JAX and PyTorch come with the `backends` extra, not with `dev`: without them these tests
are skipped, saying how to install them. CI sets CIFAR_CNN_REQUIRE_BACKENDS=1 (see .ci/run),
which turns a missing backend into a failure.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRE = "CIFAR_CNN_REQUIRE_BACKENDS"
INSTALL = 'pip install -e ".[dev,backends]"'
CORE = [
    "tests/test_models.py", "tests/test_arithmetic.py", "tests/test_data.py", "tests/test_data_batches.py",
    "tests/test_data_locate.py", "tests/test_data_split.py", "tests/test_data_load.py",
    "tests/test_data_download.py", "tests/test_data_archive.py", "tests/test_data_report.py",
    "tests/test_training.py", "tests/test_checks.py", "tests/test_gradients.py",
    "tests/test_sharing.py", "tests/test_plots_history.py",
    "tests/test_convolution_worked_examples.py", "tests/test_convolution_numpy_reference.py",
    "tests/test_convolution_edges.py",
]


def require(backend, module):
    """Skip (or, with CIFAR_CNN_REQUIRE_BACKENDS=1, fail) when ``module`` is not installed."""
    if importlib.util.find_spec(module) is None:
        message = f"the {backend} backend needs {module}, which is not installed: `{INSTALL}` runs this test"
        if os.environ.get(REQUIRE) == "1":  # CI promises all three backends: a missing one is a failure
            pytest.fail(f"{message} ({REQUIRE}=1)")
        pytest.skip(message)


@pytest.mark.parametrize("required, outcome", [("", pytest.skip.Exception), ("1", pytest.fail.Exception)])
def test_a_missing_backend_is_skipped_or_required(monkeypatch, required, outcome):
    monkeypatch.setenv(REQUIRE, required)
    with pytest.raises(outcome, match=r'no_such_backend_module, which is not installed: `pip install -e "\.\[dev,backends\]"`'):
        require("jax", "no_such_backend_module")


@pytest.mark.parametrize("backend, module", [("jax", "jax"), ("torch", "torch")])
def test_core_tests_pass_on_backend(backend, module):
    require(backend, module)
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
         "-W", "ignore::DeprecationWarning", *CORE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, f"{backend}: {summary}\n{result.stdout[-4000:]}"
    assert " passed" in summary and "failed" not in summary, summary

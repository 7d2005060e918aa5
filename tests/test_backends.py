"""The core of the package under Keras's JAX and PyTorch backends.

The rest of the suite runs on the default TensorFlow backend. Keras chooses its backend
once per process (from KERAS_BACKEND), so each other backend gets a fresh pytest process
running the core tests: models, arithmetic, data, training steps, the checker, gradients,
saving and the worked convolution examples.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = [
    "tests/test_models.py", "tests/test_arithmetic.py", "tests/test_data.py",
    "tests/test_training.py", "tests/test_checks.py", "tests/test_gradients.py",
    "tests/test_sharing_and_plots.py", "tests/test_convolution.py",
]


@pytest.mark.parametrize("backend, module", [("jax", "jax"), ("torch", "torch")])
def test_core_tests_pass_on_backend(backend, module):
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed: pip install -e '.[dev]' installs it"
        if os.environ.get("CI"):  # CI promises all three backends: a missing one is a failure
            pytest.fail(message)
        pytest.skip(message)
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q",
         "-W", "ignore::DeprecationWarning", *CORE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    assert result.returncode == 0, f"{backend}: {summary}\n{result.stdout[-4000:]}"
    assert " passed" in summary and "failed" not in summary, summary

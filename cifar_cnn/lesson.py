"""Settings shared by the lesson notebooks.

The notebooks run in two sizes. The full lesson trains on all 40,000 training images
for the epochs the episodes quote. Quick mode, switched on with the environment
variable ``CIFAR_CNN_QUICK=1``, shrinks the data and the epochs so that every notebook
runs in seconds: the test suite uses it to execute every notebook on every change, and
an instructor can use it to rehearse on a slow laptop.
"""

from __future__ import annotations

import os

__all__ = ["QUICK_VAR", "quick_mode"]

QUICK_VAR = "CIFAR_CNN_QUICK"


def quick_mode() -> bool:
    """True when ``CIFAR_CNN_QUICK`` is set to 1 (or "true"/"yes"): small data, few epochs."""
    value = os.environ.get(QUICK_VAR, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{QUICK_VAR} must be 1 (quick mode) or 0 (the full lesson), got {value!r}")

"""How much memory the lesson needs, measured, and the warning when a machine has less free.

The numbers are peak resident memory measured on the 2-core benchmark machine
(``docs/benchmarks.md``, "Memory"), rounded up. ``cifar-cnn doctor`` compares the memory
free now with :data:`NOTEBOOK_NEEDS`: a learner follows the lesson in a notebook, whose
kernel holds the float32 images, TensorFlow and the models; the largest of the eight
notebooks' peaks is the figure.
"""

from __future__ import annotations

__all__ = ["TRAIN_COMMAND_PEAK", "NOTEBOOK_KERNEL_PEAK", "NOTEBOOK_NEEDS", "memory_needed", "free_memory_warning"]

GB = 10**9
# `cifar-cnn train intro --epochs 10`: uint8 images, scaled batch by batch (measured 1.09 GB,
# benchmarks/memory.py).
TRAIN_COMMAND_PEAK = int(1.1 * GB)
# The largest peak of a lesson notebook's kernel in full mode (tools/build_notebooks.py --full
# --time): episode 2, which holds the float32 images, the raw bytes with a float copy made by
# hand, and the one-hot version at once (2.87 GB); episode 5, eight trainings, 2.26 GB.
NOTEBOOK_KERNEL_PEAK = int(2.9 * GB)
# JupyterLab's server and the browser tab showing it, on top of the kernel.
JUPYTER_OVERHEAD = int(0.3 * GB)
NOTEBOOK_NEEDS = NOTEBOOK_KERNEL_PEAK + JUPYTER_OVERHEAD


def memory_needed(kernels: int = 1) -> int:
    """Bytes free that following the lesson needs with ``kernels`` notebooks running.

    Every open notebook has its own kernel, and each holds its own copy of the data.
    """
    from ..validation import require_count

    kernels = require_count("kernels", kernels)
    return kernels * NOTEBOOK_KERNEL_PEAK + JUPYTER_OVERHEAD


def free_memory_warning(available: int | None, kernels: int = 1) -> str | None:
    """A one-line warning when ``available`` bytes are less than the lesson needs, else None."""
    needed = memory_needed(kernels)
    if available is None or available >= needed:
        return None
    return (
        f"{available / GB:.1f} GB is free, less than the {needed / GB:.1f} GB the lesson's "
        f"largest notebook needs{'' if kernels == 1 else f' ({kernels} notebooks open)'}"
    )

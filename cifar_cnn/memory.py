"""How much memory the lesson needs, measured, and the warning when a machine has less free.

The numbers are peak resident memory measured on the 2-core benchmark machine
(``benchmarks/README.md``, "Memory"), rounded up. ``cifar-cnn doctor`` compares the memory
free now with :data:`NOTEBOOK_NEEDS`: a learner follows the lesson in a notebook, whose
kernel holds the float32 images, TensorFlow and the model while it trains.
"""

from __future__ import annotations

__all__ = ["TRAIN_COMMAND_PEAK", "NOTEBOOK_KERNEL_PEAK", "NOTEBOOK_NEEDS", "memory_needed", "free_memory_warning"]

GB = 10**9
# `cifar-cnn train intro --epochs 10`: uint8 images, scaled batch by batch (measured 1.0 GB).
TRAIN_COMMAND_PEAK = int(1.1 * GB)
# A notebook kernel training the intro model on the lesson's float32 images, validating
# and evaluating (the float32 training, validation and test images are 0.74 GB of it).
NOTEBOOK_KERNEL_PEAK = int(1.7 * GB)
# JupyterLab's server and the browser tab showing it, on top of the kernel.
JUPYTER_OVERHEAD = int(0.3 * GB)
NOTEBOOK_NEEDS = NOTEBOOK_KERNEL_PEAK + JUPYTER_OVERHEAD


def memory_needed(kernels: int = 1) -> int:
    """Bytes free that following the lesson needs with ``kernels`` notebooks running.

    Every open notebook has its own kernel, and each holds its own copy of the data.
    """
    from .validation import check_count

    kernels = check_count("kernels", kernels)
    return kernels * NOTEBOOK_KERNEL_PEAK + JUPYTER_OVERHEAD


def free_memory_warning(available: int | None, kernels: int = 1) -> str | None:
    """A one-line warning when ``available`` bytes are less than the lesson needs, else None."""
    needed = memory_needed(kernels)
    if available is None or available >= needed:
        return None
    return (
        f"{available / GB:.1f} GB is free, less than the {needed / GB:.1f} GB a notebook "
        "training the lesson's model needs"
    )

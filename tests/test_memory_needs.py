"""The lesson's measured memory needs and the doctor's warning."""

import pytest

from cifar_cnn.workshop import memory_needs as memory

GB = 10**9


def test_needs_grow_with_every_open_notebook():
    assert memory.memory_needed(1) == memory.NOTEBOOK_NEEDS
    assert memory.memory_needed(3) - memory.memory_needed(2) == memory.NOTEBOOK_KERNEL_PEAK
    # the command line keeps uint8 images: it needs less than a float32 notebook kernel
    assert memory.TRAIN_COMMAND_PEAK < memory.NOTEBOOK_KERNEL_PEAK


@pytest.mark.parametrize("available, warns", [(None, False), (8 * GB, False), (int(1.9 * GB), True), (0, True)])
def test_free_memory_warning(available, warns):
    warning = memory.free_memory_warning(available)
    assert (warning is not None) == warns
    if warns:
        assert warning.startswith(f"{available / GB:.1f} GB is free, less than the {memory.NOTEBOOK_NEEDS / GB:.1f} GB")


def test_free_memory_warning_counts_kernels():
    assert memory.free_memory_warning(4 * GB, kernels=1) is None
    two = memory.free_memory_warning(4 * GB, kernels=2)
    assert f"{memory.memory_needed(2) / GB:.1f} GB" in two and "(2 notebooks open)" in two


@pytest.mark.parametrize("kernels", [0, -1, 1.5, "2"])
def test_kernels_must_be_a_positive_count(kernels):
    with pytest.raises((ValueError, TypeError), match="kernels"):
        memory.memory_needed(kernels)

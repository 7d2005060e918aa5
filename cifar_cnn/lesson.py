"""The lesson's settings, in one place: the run every episode, command and prediction means.

The lesson trains the intro network for :data:`EPOCHS` epochs on :data:`N_TRAIN` images at
batch size :data:`BATCH_SIZE`, validating on :data:`N_VAL` images after every epoch.
``cifar_cnn.train``, the ``cifar-cnn`` command line, ``cifar-cnn doctor`` and
``cifar-cnn plan`` all read these names, so a change here changes all of them.

The notebooks run in two sizes. The full lesson trains on all 40,000 training images
for the epochs the episodes quote. Quick mode, switched on with the environment
variable ``CIFAR_CNN_QUICK=1``, shrinks the data (:data:`QUICK_N_TRAIN` training and
:data:`QUICK_N_TEST` test images; the same 10,000 validation images) so that every
notebook runs in seconds: the test suite uses it to execute every notebook on every
change, the answer keys store its outputs, and an instructor can use it to rehearse on a
slow laptop.

Quick mode must tell the lesson's story too (``tests/test_quick_claims.py``). Episode 5
therefore trains for the lesson's 10 epochs in quick mode as well: on 2,000 images that
is enough to overfit clearly (training accuracy 0.10-0.13 above validation accuracy at
the end, measured with two seeds), and dropout and augmentation halve that gap. With
2 epochs, as before, the training accuracy was still below the validation accuracy.
"""

from __future__ import annotations

import os

__all__ = [
    "N_TRAIN", "N_VAL", "EPOCHS", "BATCH_SIZE", "SEED", "SLOW_EPOCH_SECONDS",
    "QUICK_VAR", "QUICK_N_TRAIN", "QUICK_N_TEST", "quick_mode", "TRAINING_SLOT_MINUTES", "DOWNLOAD_BYTES",
    "DOWNLOAD_MB", "STICK_ARCHIVE_MB", "UNPACKED_MB", "MEMORY_GB", "REFERENCE_MACHINE", "LESSON_VAL_ACCURACY",
]

N_TRAIN = 40_000  # training images: the 50,000 of CIFAR-10 less the validation set
N_VAL = 10_000  # validation images, drawn from the 50,000 (the 10,000 test images stay apart)
EPOCHS = 10
BATCH_SIZE = 32
SEED = 42
# A laptop is slow for the workshop when one lesson epoch (training and validation) takes
# longer than this: the 10-epoch run then takes over 3 minutes, too long to wait through.
SLOW_EPOCH_SECONDS = 20
# The minutes one training run may take in the workshop (episode 5's waits): what
# ``cifar-cnn plan`` plans for when no --minutes is given.
TRAINING_SLOT_MINUTES = 5

# The numbers the pages quote, each measured once; tests/test_docs_numbers.py holds every page
# to them. The official cifar-10-python.tar.gz, in bytes and in MB (millions of bytes, as
# everywhere in the lesson):
DOWNLOAD_BYTES = 170_498_071
DOWNLOAD_MB = 170
STICK_ARCHIVE_MB = 172.9  # what `cifar-cnn data pack` writes (same data, different compression)
UNPACKED_MB = 186.7  # the cifar-10-batches-py folder, as `cifar-cnn data info` counts it
# Memory to recommend: the largest notebook's kernel peaks at 2.9 GB (cifar_cnn.workshop.memory_needs);
# with the system, JupyterLab and a browser, 8 GB is comfortable. The doctor warns below
# cifar_cnn.workshop.doctor.machine.MIN_MEMORY (4 GB).
MEMORY_GB = 8
# The machine every number on the pages was measured on (docs/benchmarks.md: it reported an
# AMD EPYC on some runs and an Intel Xeon on others).
REFERENCE_MACHINE = "a 2-core x86-64 virtual machine"
# The lesson's run (intro model, 10 epochs) ends at this validation accuracy on that machine:
# the last point of cifar_cnn.workshop.planning.INTRO_CURVES[(N_TRAIN, BATCH_SIZE)].
LESSON_VAL_ACCURACY = 0.653

QUICK_VAR = "CIFAR_CNN_QUICK"
QUICK_N_TRAIN = 2_000  # the episodes write load_cifar10(n_train=2_000 if QUICK else None, ...)
QUICK_N_TEST = 1_000


def quick_mode() -> bool:
    """True when ``CIFAR_CNN_QUICK`` is set to 1 (or "true"/"yes"): small data, few epochs."""
    value = os.environ.get(QUICK_VAR, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{QUICK_VAR} must be 1 (quick mode) or 0 (the full lesson), got {value!r}")

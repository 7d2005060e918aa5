"""The lesson's settings, in one place: the run every episode, command and prediction means.

The lesson trains the intro network for :data:`EPOCHS` epochs on :data:`N_TRAIN` images at
batch size :data:`BATCH_SIZE`, validating on :data:`N_VAL` images after every epoch.
``cifar_cnn.train``, the ``cifar-cnn`` command line, ``cifar-cnn doctor`` and
``cifar-cnn plan`` all read these names, so a change here changes all of them.

The notebooks run in two sizes. The full lesson trains on all 40,000 training images
for the epochs the episodes quote. Quick mode, switched on with the environment
variable ``CIFAR_CNN_QUICK=1``, shrinks the data and the epochs so that every notebook
runs in seconds: the test suite uses it to execute every notebook on every change, and
an instructor can use it to rehearse on a slow laptop.
"""

from __future__ import annotations

import os

__all__ = [
    "N_TRAIN", "N_VAL", "EPOCHS", "BATCH_SIZE", "SEED", "SLOW_EPOCH_SECONDS",
    "QUICK_VAR", "quick_mode", "TRAINING_SLOT_MINUTES",
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

QUICK_VAR = "CIFAR_CNN_QUICK"


def quick_mode() -> bool:
    """True when ``CIFAR_CNN_QUICK`` is set to 1 (or "true"/"yes"): small data, few epochs."""
    value = os.environ.get(QUICK_VAR, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{QUICK_VAR} must be 1 (quick mode) or 0 (the full lesson), got {value!r}")

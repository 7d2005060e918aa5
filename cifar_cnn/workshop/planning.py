"""Workshop planning: how much of the lesson's training fits into the minutes there are.

This module holds the package's one prediction of training time: ``cifar-cnn plan`` and
``cifar-cnn doctor`` both measure with :func:`measure_speed` and predict with
:meth:`Speed.run_seconds`, so they cannot disagree about the same machine.

:func:`measure_speed` times this machine for about ten seconds, training the intro model
through :func:`cifar_cnn.train` on random images (no data needed). :func:`plan_training`
turns that speed and a time budget into a training-set size, a number of epochs and a
batch size, choosing the run with the best validation accuracy that fits, and says what
accuracy to expect. The accuracies come from the time-to-accuracy measurements in
``docs/benchmarks.md`` (``benchmarks/time_to_accuracy.py``); the times come from this
machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .. import lesson
from ..validation import require_int_tuple, require_real

__all__ = ["Speed", "Plan", "time_epochs", "measure_speed", "plan_training", "duration", "INTRO_CURVES"]

# Validation accuracy of create_model_intro after epochs 1, 2, ... trained with
# cifar_cnn.train (Adam, seed 42) on a stratified n_train-image subset of the package's
# training split, validated on the same 10,000 images, keyed by (n_train, batch_size).
# Measured on 2026-11-21 with
#   benchmarks/time_to_accuracy.py --models intro --n-train 40000 20000 10000 5000 \
#       --batch-sizes 32 128 --max-epochs 10
# on the shared CIFAR-10 (docs/benchmarks.md). They depend on the data, not on the
# machine, so they carry over to a learner's laptop.
INTRO_CURVES: dict[tuple[int, int], tuple[float, ...]] = {
    (40000, 32): (0.5145, 0.5896, 0.6120, 0.6285, 0.6351, 0.6393, 0.6488, 0.6359, 0.6609, 0.6530),
    (40000, 128): (0.4636, 0.5318, 0.5398, 0.5874, 0.5817, 0.6080, 0.6210, 0.6277, 0.6322, 0.6250),
    (20000, 32): (0.4826, 0.5199, 0.5421, 0.5879, 0.5918, 0.6062, 0.6113, 0.6128, 0.6178, 0.6110),
    (20000, 128): (0.4074, 0.4696, 0.5080, 0.5014, 0.5412, 0.5621, 0.5753, 0.5755, 0.5836, 0.5891),
    (10000, 32): (0.3870, 0.4496, 0.4807, 0.5138, 0.5475, 0.5409, 0.5661, 0.5656, 0.5728, 0.5804),
    (10000, 128): (0.3351, 0.3712, 0.4176, 0.4443, 0.4752, 0.4774, 0.4972, 0.5086, 0.5218, 0.5051),
    (5000, 32): (0.3565, 0.4189, 0.4305, 0.4388, 0.4893, 0.4976, 0.5119, 0.5156, 0.5006, 0.5232),
    (5000, 128): (0.2883, 0.3499, 0.3822, 0.4176, 0.4270, 0.4427, 0.4512, 0.4218, 0.4775, 0.4731),
}

# The lesson's run (cifar_cnn/lesson.py holds the numbers).
LESSON_N_TRAIN = lesson.N_TRAIN
LESSON_EPOCHS = lesson.EPOCHS
LESSON_BATCH_SIZE = lesson.BATCH_SIZE
VALIDATION_IMAGES = lesson.N_VAL
# measure_speed's default: about this many seconds per batch size measured.
SECONDS_PER_BATCH_SIZE = 5.0
# The first epoch also builds the input pipeline and traces the training step: about
# two seconds more than the others on the 2-core benchmark machine.
FIRST_EPOCH_SECONDS = 2.0


@dataclass(frozen=True)
class Speed:
    """Measured training speed (images/s per batch size) and validation speed."""

    train_images_per_second: dict
    validation_images_per_second: float
    seconds: float

    def epoch_seconds(self, n_train: int, batch_size: int, n_val: int = VALIDATION_IMAGES) -> float:
        """Seconds for one epoch on ``n_train`` images, validation included."""
        return n_train / self.train_images_per_second[batch_size] + n_val / self.validation_images_per_second

    def run_seconds(self, n_train: int, epochs: int, batch_size: int) -> float:
        """Seconds for a run of ``epochs`` epochs, each validated on the lesson's validation set."""
        return FIRST_EPOCH_SECONDS + epochs * self.epoch_seconds(n_train, batch_size)

    def step_seconds(self, batch_size: int = LESSON_BATCH_SIZE) -> float:
        """Seconds per training step of ``batch_size`` images."""
        return batch_size / self.train_images_per_second[batch_size]

    def lesson_epoch_seconds(self) -> float:
        """One epoch of the lesson's run, validation included."""
        return self.epoch_seconds(LESSON_N_TRAIN, LESSON_BATCH_SIZE)

    def lesson_seconds(self) -> float:
        """The lesson's whole run (its images, epochs and batch size)."""
        return self.run_seconds(LESSON_N_TRAIN, LESSON_EPOCHS, LESSON_BATCH_SIZE)


@dataclass(frozen=True)
class Plan:
    """What to train in the time there is, and the accuracy to expect."""

    minutes: float
    n_train: int
    epochs: int
    batch_size: int
    expected_seconds: float
    expected_val_accuracy: float
    lesson_seconds: float
    speed: Speed

    @property
    def is_lesson_setting(self) -> bool:
        return (self.n_train, self.epochs, self.batch_size) == (LESSON_N_TRAIN, LESSON_EPOCHS, LESSON_BATCH_SIZE)

    def command(self) -> str:
        parts = ["cifar-cnn train intro", f"--epochs {self.epochs}"]
        if self.n_train != LESSON_N_TRAIN:
            parts.append(f"--n-train {self.n_train}")
        if self.batch_size != LESSON_BATCH_SIZE:
            parts.append(f"--batch-size {self.batch_size}")
        return " ".join(parts)

    def describe(self) -> str:
        speeds = ", ".join(
            f"{ips:,.0f} images/s at batch size {bs}"
            for bs, ips in sorted(self.speed.train_images_per_second.items())
        )
        lines = [
            f"This machine trains the intro model at {speeds} "
            f"(measured for {self.speed.seconds:.0f} s).",
            f"The lesson's run ({LESSON_N_TRAIN:,} images, {LESSON_EPOCHS} epochs, batch size "
            f"{LESSON_BATCH_SIZE}) would take about {_duration(self.lesson_seconds)}.",
        ]
        minutes = f"{self.minutes:g} minute{'' if self.minutes == 1 else 's'}"
        if self.is_lesson_setting:
            lines.append(f"It fits in {minutes}: keep the lesson's settings.")
        else:
            lines.append(f"To fit in {minutes}, train on:")
        lines += [
            f"  training images: {self.n_train:,}",
            f"  epochs:          {self.epochs}",
            f"  batch size:      {self.batch_size}",
            f"  expected time:   about {_duration(self.expected_seconds)}",
            f"  expected validation accuracy: about {self.expected_val_accuracy:.3f} (after the last epoch)",
            "",
            f"  command line: {self.command()}",
            f"  in a notebook: data = load_cifar10(n_train={self.n_train})",
            f"                 train(model, data, epochs={self.epochs}, batch_size={self.batch_size})",
        ]
        best = self.best_model()
        if best is not None:  # the measured frontier (cifar_cnn.workshop.frontier_runs, fig/frontier.png)
            lines += [
                "",
                f"The most accurate model that fits in {minutes} here: create_model_{best.model}, about "
                f"{best.test_accuracy:.2f} test accuracy in about {_duration(best.minutes * 60 * self._slowdown())}",
                f"  command line: {best.command}",
            ]
        return "\n".join(lines)

    def _slowdown(self) -> float:
        from .frontier_runs import BENCHMARK_IMAGES_PER_SECOND

        return BENCHMARK_IMAGES_PER_SECOND / self.speed.train_images_per_second[LESSON_BATCH_SIZE]

    def best_model(self):
        """The frontier's most accurate run that fits in the minutes on this machine, or None."""
        from .frontier_runs import best_within

        return best_within(self.minutes, images_per_second=self.speed.train_images_per_second[LESSON_BATCH_SIZE])

    def to_dict(self) -> dict:
        return {
            "minutes": self.minutes,
            "n_train": self.n_train,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "expected_seconds": round(self.expected_seconds, 1),
            "expected_val_accuracy": self.expected_val_accuracy,
            "lesson_seconds": round(self.lesson_seconds, 1),
            "command": self.command(),
            "train_images_per_second": {str(k): round(v) for k, v in self.speed.train_images_per_second.items()},
            "validation_images_per_second": round(self.speed.validation_images_per_second),
            "measured_seconds": round(self.speed.seconds, 1),
            "best_model": None if self.best_model() is None else self.best_model()._asdict(),
        }


def duration(seconds: float) -> str:
    """'47 s', '3.5 min', '2.1 h': a predicted time in words."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


_duration = duration


def time_epochs(model, data, *, batch_size: int, epochs: int, budget: float | None = None):
    """Train ``model`` on ``data`` with :func:`cifar_cnn.train` in one call, as a lesson's
    run does, and time every epoch.

    Returns two lists, seconds of training and seconds of validation per epoch (the
    second is empty without validation data). With ``budget`` the run stops after the
    first epoch that ends ``budget`` seconds after the start, but not before 3 epochs.
    The first epoch also builds the pipeline and traces the step: leave it out of speeds.
    """
    import keras

    from ..training import train

    class Clock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.validation = [], []

        def on_train_begin(self, logs=None):
            self.started = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start, self.test_start = time.perf_counter(), None

        def on_test_begin(self, logs=None):
            self.test_start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            end = time.perf_counter()
            if self.test_start is None:
                self.train.append(end - self.epoch_start)
            else:
                self.train.append(self.test_start - self.epoch_start)
                self.validation.append(end - self.test_start)
            if budget is not None and len(self.train) >= 3 and end - self.started >= budget:
                self.model.stop_training = True

    clock = Clock()
    # seed=None: timing needs no seed, and train() would otherwise reseed the caller's session.
    train(model, data, epochs=epochs, batch_size=batch_size, seed=None, verbose=0, callbacks=[clock])
    return clock.train, clock.validation


def measure_speed(seconds: float | None = None, batch_sizes=(32, 128)) -> Speed:
    """Time the intro model's training through :func:`cifar_cnn.train` for about ``seconds``
    (default: 5 s per batch size, so batch size 32 is measured the same way for
    ``cifar-cnn doctor``, which measures only it, and for ``cifar-cnn plan``).

    Random images stand in for CIFAR-10 (speed does not depend on the pixels), so no data
    is needed. For each batch size one ``train`` call runs epochs of 5,120 images, each
    validated on 2,560, as the lesson's run does, until its share of the time is used; the
    first epoch (pipeline building, tracing) is not counted, and the median of the others
    gives images/s for training and for validation.
    """
    batch_sizes = require_int_tuple("batch_sizes", tuple(batch_sizes))
    if seconds is None:
        seconds = SECONDS_PER_BATCH_SIZE * len(batch_sizes)
    seconds = require_real("seconds", seconds)
    import statistics

    import numpy as np

    from ..models import create_model_intro
    from ..training import compile_model

    started = time.perf_counter()
    # Its own generator, and no set_seed: a measurement must not reseed the caller's session.
    rng = np.random.default_rng(lesson.SEED)
    x = rng.random((7_680, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, size=len(x))
    data = (x[:5_120], y[:5_120], x[5_120:], y[5_120:])
    train_speed, validation_speeds = {}, []
    for batch_size in batch_sizes:
        model = compile_model(create_model_intro())
        train_seconds, validation_seconds = time_epochs(
            model, data, batch_size=batch_size, epochs=1_000, budget=seconds / len(batch_sizes)
        )
        train_speed[batch_size] = 5_120 / statistics.median(train_seconds[1:])
        validation_speeds += [2_560 / t for t in validation_seconds[1:]]
    return Speed(train_speed, statistics.median(validation_speeds), time.perf_counter() - started)


def plan_training(minutes, speed: Speed | None = None, *, seconds: float | None = None) -> Plan:
    """The intro-model run with the best expected validation accuracy that fits in ``minutes``.

    Candidates are the measured curves in :data:`INTRO_CURVES`: every training-set size,
    batch size and number of epochs up to the lesson's 10. The lesson's own setting wins
    whenever it fits. ``speed`` defaults to a fresh :func:`measure_speed` of ``seconds``.
    """
    minutes = require_real("minutes", minutes)
    if speed is None:
        speed = measure_speed(seconds, batch_sizes=sorted({bs for _, bs in INTRO_CURVES}))
    budget = minutes * 60
    if LESSON_BATCH_SIZE not in speed.train_images_per_second:
        raise ValueError(f"speed must include the lesson's batch size {LESSON_BATCH_SIZE}")
    lesson_seconds = speed.lesson_seconds()
    candidates = []
    for (n_train, batch_size), curve in INTRO_CURVES.items():
        if batch_size not in speed.train_images_per_second:
            continue
        for epochs in range(1, min(len(curve), LESSON_EPOCHS) + 1):
            # A single run's curve goes up and down by a point from epoch to epoch: rank the
            # runs by the best accuracy seen up to that epoch, not the noise of one epoch...
            rank = max(curve[:epochs])
            # ...but promise what the run prints at its end, the number the episodes quote
            # (0.653 for the lesson's run), not its best epoch.
            accuracy = curve[epochs - 1]
            cost = speed.run_seconds(n_train, epochs, batch_size)
            if cost <= budget:
                lesson = (n_train, epochs, batch_size) == (LESSON_N_TRAIN, LESSON_EPOCHS, LESSON_BATCH_SIZE)
                # Best accuracy first; among equals the lesson's setting, then the quicker run.
                candidates.append(((rank, lesson, -cost), n_train, epochs, batch_size, cost, accuracy))
    if not candidates:
        smallest = min(
            speed.run_seconds(n, 1, bs) for (n, bs) in INTRO_CURVES if bs in speed.train_images_per_second
        )
        raise ValueError(
            f"{minutes:g} minutes is too short for even one epoch of the smallest planned run "
            f"(about {_duration(smallest)} on this machine); give it at least "
            f"{math.ceil(smallest / 60 * 10) / 10:g} minutes"
        )
    _, n_train, epochs, batch_size, cost, accuracy = max(candidates, key=lambda c: c[0])
    return Plan(float(minutes), n_train, epochs, batch_size, cost, accuracy, lesson_seconds, speed)

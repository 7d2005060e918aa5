"""The doctor's training checks: a model builds and trains, and how fast this machine
runs the lesson's training (the planner's own measurement and prediction)."""

from __future__ import annotations

import math
import os

from ... import lesson
from ...messages import one_line
from .probe_result import FAIL, OK, WARN, ProbeResult

__all__ = ["REINSTALL", "probe_model", "probe_speed"]


REINSTALL = (
    "make a fresh virtual environment and install the package again: "
    "`python -m venv .venv` then `.venv/bin/python -m pip install -e .`"
)


def _random_images(n: int, seed: int = lesson.SEED):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, size=n)


def probe_model(steps: int = 4) -> ProbeResult:
    """create_model_intro builds, compiles and trains a few steps to a finite loss."""
    from ...models import create_model_intro
    from ...training import compile_model

    batch = 8
    x, y = _random_images(steps * batch)
    try:
        model = compile_model(create_model_intro())
        history = model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        loss = float(history.history["loss"][-1])
    except Exception as e:
        return ProbeResult(
            "model", FAIL, f"Building or training a model failed ({type(e).__name__}: {one_line(e)[:300]})",
            REINSTALL,
        )
    if not math.isfinite(loss):
        return ProbeResult(
            "model", FAIL, f"A model trained {steps} steps but its loss is {loss}", REINSTALL,
            {"loss": str(loss)},  # NaN is not JSON
        )
    return ProbeResult(
        "model", OK,
        f"A model builds and trains (create_model_intro, {steps} steps, loss {loss:.2f})",
        "", {"loss": loss, "params": model.count_params()},
    )


def probe_speed(seconds: float | None = None, speed=None) -> ProbeResult:
    """Measure this machine and predict the lesson's run, as ``cifar-cnn plan`` does.

    The measurement (:func:`cifar_cnn.workshop.planning.measure_speed` at the lesson's batch size,
    about 5 s) and the prediction (:meth:`cifar_cnn.workshop.planning.Speed.lesson_seconds`) are the
    planner's own, so the doctor and the planner give the same numbers. ``speed`` takes an
    earlier measurement instead.
    """
    from ..planning import duration, measure_speed

    if speed is None:
        speed = measure_speed(seconds, batch_sizes=(lesson.BATCH_SIZE,))
    per_step = speed.step_seconds(lesson.BATCH_SIZE)
    epoch = speed.lesson_epoch_seconds()
    run = speed.lesson_seconds()
    steps = math.ceil(lesson.N_TRAIN / lesson.BATCH_SIZE)
    details = {
        "seconds_per_step": per_step,
        "seconds_per_epoch": epoch,
        "seconds_per_run": run,
        "train_images_per_second": speed.train_images_per_second[lesson.BATCH_SIZE],
        "validation_images_per_second": speed.validation_images_per_second,
        "measured_seconds": speed.seconds,
        "slow_epoch_seconds": lesson.SLOW_EPOCH_SECONDS,
        "cpu_count": os.cpu_count(),
    }
    message = (
        f"Speed: {per_step * 1000:.1f} ms per training step: about {duration(epoch)} per lesson "
        f"epoch ({steps:,} steps of {lesson.BATCH_SIZE} images, validation included), "
        f"{duration(run)} for the {lesson.EPOCHS}-epoch run"
    )
    if epoch > lesson.SLOW_EPOCH_SECONDS:
        quarter = lesson.N_TRAIN // 4
        smaller = speed.run_seconds(quarter, lesson.EPOCHS, lesson.BATCH_SIZE)
        return ProbeResult(
            "speed", WARN,
            message + f": slow for a workshop (over {lesson.SLOW_EPOCH_SECONDS} s per epoch)",
            "`cifar-cnn plan --minutes 5` says what fits in 5 minutes here; or train on a quarter "
            f"of the data, {run / smaller:.1f} times faster here ({duration(smaller)} for the "
            f"{lesson.EPOCHS} epochs; the validation stays): `cifar-cnn train intro --n-train "
            f"{quarter}` (in a notebook: load_cifar10(n_train={quarter})); close other programs",
            details,
        )
    return ProbeResult("speed", OK, message, "", details)

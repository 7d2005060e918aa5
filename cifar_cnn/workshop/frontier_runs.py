"""Which model and recipe reaches the best test accuracy in the minutes there are.

The end points of the measured frontier (``benchmarks/frontier.py`` draws the whole curves
into ``fig/frontier.png``): for each factory and recipe, one run on the 2-core benchmark
machine, its training minutes (validation included) and its test accuracy. A faster or
slower machine scales the minutes: ``cifar-cnn plan`` measures this machine's speed
against the benchmark machine's (:data:`BENCHMARK_IMAGES_PER_SECOND`) and asks
:func:`best_within` for the best run that fits.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Run", "RUNS", "BENCHMARK_IMAGES_PER_SECOND", "best_within"]


class Run(NamedTuple):
    """One measured run: what was trained, how, in how many minutes, to what test accuracy."""

    model: str
    command: str
    minutes: float
    test_accuracy: float


# The intro model's training speed (batch 32) on the benchmark machine when these runs
# were made (docs/benchmarks.md, "The workshop planner": 8,306-9,757 images/s).
BENCHMARK_IMAGES_PER_SECOND = 9_000.0

# docs/frontier.json's end points (tests/test_frontier_runs.py checks they agree).
RUNS: tuple[Run, ...] = (
    Run("intro", "cifar-cnn train intro --epochs 15", 76 / 60, 0.660),
    Run("dropout", "cifar-cnn train dropout --epochs 15", 75 / 60, 0.679),
    Run("one_conv", "cifar-cnn train one_conv --epochs 15", 34 / 60, 0.549),
    Run("two_conv", "cifar-cnn train two_conv --epochs 15", 70 / 60, 0.543),
    Run("vgg", "cifar-cnn train vgg --epochs 13", 244 / 60, 0.718),
    Run("residual", "cifar-cnn train residual --epochs 10", 242 / 60, 0.727),
    Run("dense", "cifar-cnn train dense --epochs 15", 33 / 60, 0.450),
    Run("deep", "cifar-cnn train deep --epochs 7", 258 / 60, 0.541),
    Run("fast", "cifar-cnn train fast", 527 / 60, 0.8013),
    # benchmarks/speedrun.py, run 3 (machine otherwise idle), 10 epochs: the recipe's default is now 12
    Run("speedrun", "cifar-cnn train speedrun --epochs 10", 363.6 / 60, 0.8539),
)


def best_within(minutes, *, images_per_second=BENCHMARK_IMAGES_PER_SECOND, runs=RUNS) -> Run | None:
    """The run with the best test accuracy that fits in ``minutes`` on a machine that trains
    the intro model at ``images_per_second``; None if none fits."""
    from ..validation import require_real

    minutes = require_real("minutes", minutes)
    images_per_second = require_real("images_per_second", images_per_second)
    slowdown = BENCHMARK_IMAGES_PER_SECOND / images_per_second
    fitting = [run for run in runs if run.minutes * slowdown <= minutes]
    return max(fitting, key=lambda run: run.test_accuracy, default=None)

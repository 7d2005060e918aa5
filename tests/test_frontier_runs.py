"""The frontier's stored end points and the choice of the best run that fits."""

import json
from pathlib import Path

import pytest

from cifar_cnn.workshop.frontier_runs import BENCHMARK_IMAGES_PER_SECOND, RUNS, best_within

FRONTIER_JSON = Path(__file__).resolve().parent.parent / "docs" / "frontier.json"


def test_the_best_run_that_fits_is_chosen():
    best = max(RUNS, key=lambda run: run.test_accuracy)
    assert best_within(10_000) == best
    assert best_within(min(run.minutes for run in RUNS) / 2) is None
    within_two = best_within(2)
    assert within_two.minutes <= 2
    assert all(run.test_accuracy <= within_two.test_accuracy for run in RUNS if run.minutes <= 2)


def test_a_slower_machine_fits_less():
    fast = best_within(5)
    slow = best_within(5, images_per_second=BENCHMARK_IMAGES_PER_SECOND / 4)
    assert slow.minutes * 4 <= 5 and slow.test_accuracy <= fast.test_accuracy


@pytest.mark.parametrize("minutes", [0, -1, "10", True, float("nan")])
def test_minutes_must_be_positive(minutes):
    with pytest.raises(ValueError, match="minutes must be a positive number"):
        best_within(minutes)


def test_the_stored_end_points_are_the_figures():
    """cifar_cnn.workshop.frontier_runs.RUNS are the stars of fig/frontier.png (benchmarks/frontier.py)."""
    stars = {name.split(" ")[0].removeprefix("create_model_"): curve["test"]
             for name, curve in json.loads(FRONTIER_JSON.read_text())["curves"].items()}
    assert set(stars) == {run.model for run in RUNS}
    for run in RUNS:
        minutes, accuracy = stars[run.model]
        assert run.minutes == pytest.approx(minutes, abs=0.01)
        assert run.test_accuracy == pytest.approx(accuracy, abs=1e-4)

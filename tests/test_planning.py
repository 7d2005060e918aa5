"""cifar_cnn.workshop.planning: what training fits in a workshop's minutes, and the measurement."""

import inspect
import json
import random

import numpy as np
import pytest

from cifar_cnn import lesson
from cifar_cnn.workshop import planning
from cifar_cnn.cli import build_parser, main
from cifar_cnn.data import load_cifar10
from cifar_cnn.workshop.planning import Plan, Speed, plan_training
from cifar_cnn.training import train


CURVES = {
    (40_000, 32): (0.50, 0.56, 0.59, 0.61, 0.62, 0.63, 0.635, 0.64, 0.645, 0.65),
    (10_000, 32): (0.40, 0.47, 0.50, 0.52, 0.53, 0.54, 0.545, 0.55, 0.55, 0.55),
    (40_000, 128): (0.42, 0.50, 0.54, 0.57, 0.59, 0.60, 0.61, 0.62, 0.625, 0.63),
}


def speed(train_32=10_000.0, train_128=15_000.0, validation=30_000.0):
    return Speed({32: train_32, 128: train_128}, validation, 10.0)


@pytest.fixture
def curves(monkeypatch):
    monkeypatch.setattr(planning, "INTRO_CURVES", CURVES)


def test_plan_keeps_the_lessons_setting_when_it_fits(curves):
    # 10 epochs x (4 s + 0.33 s) + 2 s = 45 s
    plan = plan_training(1, speed())
    assert (plan.n_train, plan.epochs, plan.batch_size) == (40_000, 10, 32)
    assert plan.is_lesson_setting
    assert plan.expected_val_accuracy == 0.65
    assert plan.expected_seconds == pytest.approx(2 + 10 * (4 + 1 / 3))
    assert "keep the lesson's settings" in plan.describe()
    assert plan.command() == "cifar-cnn train intro --epochs 10"


def test_plan_picks_the_most_accurate_run_that_fits(curves):
    # 30 s: at batch 32, 6 epochs of 40,000 images (28 s, 0.63) beat 10,000 images (0.55)
    # and batch 128 (0.61 in 9 epochs... 9 x 3 s + 2 = 29 s, 0.625): 0.63 wins.
    plan = plan_training(0.5, speed())
    assert (plan.n_train, plan.epochs, plan.batch_size) == (40_000, 6, 32)
    assert plan.expected_seconds <= 30
    assert plan.command() == "cifar-cnn train intro --epochs 6"
    text = plan.describe()
    assert "To fit in 0.5 minutes" in text and "epochs:          6" in text


def test_plan_on_a_slow_machine_shrinks_the_data(curves):
    slow = speed(train_32=1_000.0, train_128=1_200.0, validation=3_000.0)
    plan = plan_training(1, slow)  # one epoch of 40,000 images alone takes 40 s
    assert plan.n_train == 10_000
    assert plan.command().startswith("cifar-cnn train intro --epochs ")
    assert "--n-train 10000" in plan.command()
    assert plan.to_dict()["n_train"] == 10_000


def test_plan_says_when_nothing_fits(curves):
    with pytest.raises(ValueError, match="too short for even one epoch.*give it at least"):
        plan_training(0.05, speed(train_32=100.0, train_128=100.0, validation=300.0))


@pytest.mark.parametrize("minutes", [0, -1, float("nan"), "5", True])
def test_plan_needs_positive_minutes(minutes):
    with pytest.raises(ValueError, match="minutes must be a positive number"):
        plan_training(minutes, speed())


def test_the_planners_curves_are_measured_ones():
    """The shipped curves cover the lesson's setting and are accuracies, epoch by epoch."""
    assert (planning.LESSON_N_TRAIN, planning.LESSON_BATCH_SIZE) in planning.INTRO_CURVES
    for curve in planning.INTRO_CURVES.values():
        assert len(curve) >= planning.LESSON_EPOCHS
        assert all(0.1 < accuracy < 0.9 for accuracy in curve)


def test_measure_speed_really_trains():
    measured = planning.measure_speed(seconds=0.5, batch_sizes=(32,))
    assert set(measured.train_images_per_second) == {32}
    assert measured.train_images_per_second[32] > 0 and measured.validation_images_per_second > 0
    assert measured.epoch_seconds(40_000, 32) > 0


def test_measure_speed_does_not_reseed_the_session(monkeypatch):
    """A measurement draws its own random images; it never reseeds the caller's generators."""
    import keras

    reseeded = []
    for owner, name in ((random, "seed"), (np.random, "seed"), (keras.utils, "set_random_seed")):
        monkeypatch.setattr(owner, name, lambda *args, _name=name, **kwargs: reseeded.append(_name))
    measured = planning.measure_speed(seconds=0.5, batch_sizes=(np.int64(32),))  # any integer type
    assert reseeded == []
    assert set(measured.train_images_per_second) == {32}


@pytest.mark.parametrize("kwargs", [{"seconds": 0}, {"batch_sizes": ()}, {"batch_sizes": (32, 0)}])
def test_measure_speed_checks_its_arguments(kwargs):
    with pytest.raises(ValueError):
        planning.measure_speed(**kwargs)


def test_cli_plan(capsys):
    assert main(["plan", "--minutes", "30", "--seconds", "1", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["minutes"] == 30 and plan["batch_size"] in (32, 128)
    assert plan["command"].startswith("cifar-cnn train intro")


@pytest.mark.parametrize("value, message", [("0", "must be greater than 0"), ("soon", "expected a number")])
def test_cli_plan_refuses_bad_minutes(value, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", "--minutes", value])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_plan_is_a_plain_record():
    plan = Plan(5, 40_000, 10, 32, 45.0, 0.65, 45.0, speed())
    assert plan.to_dict()["train_images_per_second"] == {"32": 10_000, "128": 15_000}


def test_the_lessons_run_is_defined_once():
    """train, load_cifar10, the command line, the planner and the doctor use cifar_cnn.lesson."""
    defaults = {k: p.default for k, p in inspect.signature(train).parameters.items()}
    assert (defaults["epochs"], defaults["batch_size"]) == (lesson.EPOCHS, lesson.BATCH_SIZE)
    assert defaults["seed"] is None  # train() leaves the session's generators alone unless asked
    assert inspect.signature(load_cifar10).parameters["n_val"].default == lesson.N_VAL
    assert lesson.N_TRAIN == 50_000 - lesson.N_VAL  # all the training images not held out
    train_args = build_parser().parse_args(["train", "intro"])
    assert (train_args.n_val, train_args.seed) == (lesson.N_VAL, lesson.SEED)
    assert (planning.LESSON_N_TRAIN, planning.LESSON_EPOCHS, planning.LESSON_BATCH_SIZE) == (
        lesson.N_TRAIN, lesson.EPOCHS, lesson.BATCH_SIZE)
    plan = plan_training(60, speed())
    assert plan.lesson_seconds == speed().lesson_seconds() == speed().run_seconds(lesson.N_TRAIN, lesson.EPOCHS, lesson.BATCH_SIZE)


def test_the_plan_names_the_most_accurate_model_that_fits():
    from cifar_cnn.workshop.frontier_runs import best_within

    plan = plan_training(60, speed())
    best = best_within(60, images_per_second=speed().train_images_per_second[32])
    assert f"create_model_{best.model}" in plan.describe() and best.command in plan.describe()
    assert plan.to_dict()["best_model"]["model"] == best.model

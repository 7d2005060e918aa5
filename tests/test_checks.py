"""The exercise checks: right answers pass, typical mistakes get the specific message, and
nothing a learner passes makes a check raise."""

import re

import keras
import numpy as np
import pytest
from keras import layers

from cifar_cnn import checks
from cifar_cnn.checks import graph, reference
from cifar_cnn.checks import verdict as verdict_module
from cifar_cnn.checks import steps as step_module
from cifar_cnn.checks import (
    Verdict,
    check_compile,
    check_conv2d,
    check_dense,
    check_flatten,
    check_input,
    check_model_dropout,
    check_model_intro,
    check_model_one_conv,
    check_model_two_conv,
    check_model_vgg,
    check_output,
    check_pooling,
    check_second_block,
)
from cifar_cnn.models import (
    create_model_dropout,
    create_model_intro,
    create_model_one_conv,
    create_model_two_conv,
    create_model_vgg,
)
from cifar_cnn.training import compile_model, set_seed

STEP_CHECKS = [check_input, check_conv2d, check_pooling, check_second_block, check_flatten, check_dense, check_output]
MODEL_CHECKS = [check_model_intro, check_model_dropout, check_model_one_conv, check_model_two_conv, check_model_vgg, check_compile]


# ---------------------------------------------------------------- helpers


def intro_steps(
    shape=(32, 32, 3),
    conv1=None,
    pool1=None,
    conv2=None,
    pool2=True,
    flatten=True,
    after_flatten=None,
    dense=None,
    output=None,
):
    """The lesson's network built step by step, with any step replaced; returns the
    tensor after each step, by check name."""
    conv1 = conv1 or {"filters": 16, "kernel_size": (3, 3), "activation": "relu"}
    pool1 = pool1 or {"pool_size": (2, 2)}
    conv2 = conv2 or {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}
    dense = dense or {"units": 64, "activation": "relu"}
    output = output or {"units": 10, "activation": "softmax"}
    steps = {}
    steps["input"] = inputs = keras.Input(shape=shape, name="images")
    steps["conv2d"] = x = layers.Conv2D(**conv1, name="conv1")(inputs)
    steps["pooling"] = x = layers.MaxPooling2D(**pool1, name="pool1")(x)
    x = layers.Conv2D(**conv2, name="conv2")(x)
    steps["conv2"] = x
    if pool2:
        x = layers.MaxPooling2D(pool_size=(2, 2), name="pool2")(x)
    steps["second_block"] = x
    if flatten:
        x = layers.Flatten(name="flatten")(x)
    steps["flatten"] = x
    if after_flatten is not None:
        x = after_flatten(x)
    steps["dense"] = x = layers.Dense(**dense, name="dense")(x)
    steps["output"] = outputs = layers.Dense(**output, name="predictions")(x)
    steps["model"] = keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_intro")
    return steps


def run(check, *args, capsys, **kwargs):
    """Call a check; return its verdict and what it printed."""
    verdict = check(*args, **kwargs)
    printed = capsys.readouterr().out
    assert isinstance(verdict, Verdict)
    assert printed == str(verdict) + "\n"  # printed exactly once, as returned
    return verdict, printed


def fails_with(check, obj, *fragments, capsys, **kwargs):
    verdict, printed = run(check, obj, capsys=capsys, **kwargs)
    assert not verdict.ok, printed
    assert "✗ not yet" in printed.splitlines()[0]
    for fragment in fragments:
        assert fragment in printed, f"{fragment!r} not in:\n{printed}"
    return printed


def passes(check, obj, capsys, **kwargs):
    verdict, printed = run(check, obj, capsys=capsys, **kwargs)
    assert verdict.ok, printed
    assert "✗" not in printed
    assert printed.splitlines()[0].endswith("✓ all correct")
    return printed


# ---------------------------------------------------------------- right answers


STEP_NAMES = ["input", "conv2d", "pooling", "second_block", "flatten", "dense", "output"]


@pytest.mark.parametrize("name, check", list(zip(STEP_NAMES, STEP_CHECKS)))
def test_every_step_of_the_solution_passes(name, check, capsys):
    printed = passes(check, intro_steps()[name], capsys)
    if name != "input":
        assert "✓ the earlier steps match the challenge" in printed


def test_step_verdicts_name_the_expected_shapes(capsys):
    steps = intro_steps()
    expected = {
        "input": "✓ inputs has shape (None, 32, 32, 3)",
        "conv2d": "✓ x has shape (None, 30, 30, 16)",
        "pooling": "✓ x has shape (None, 15, 15, 16)",
        "second_block": "✓ x has shape (None, 6, 6, 32)",
        "flatten": "✓ x has shape (None, 1152)",
        "dense": "✓ x has shape (None, 64)",
        "output": "✓ outputs has shape (None, 10)",
    }
    for name, check in zip(STEP_NAMES, STEP_CHECKS):
        assert expected[name] in passes(check, steps[name], capsys)


def test_the_exact_verdict_of_a_right_step(capsys):
    _, printed = run(check_conv2d, intro_steps()["conv2d"], capsys=capsys)
    assert printed == (
        "The first convolution: ✓ all correct\n"
        "  ✓ x is the output of a Conv2D\n"
        "  ✓ the earlier steps match the challenge\n"
        '  ✓ Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")\n'
        "  ✓ x has shape (None, 30, 30, 16)\n"
    )


def test_the_assembled_model_passes(capsys):
    printed = passes(check_model_intro, intro_steps()["model"], capsys)
    assert "✓ 79,530 parameters" in printed
    assert "✓ 8 layers, in the reference's order: Input, Conv2D, MaxPooling2D, Conv2D" in printed
    assert "•" not in printed  # named as the challenge asks, functional API: no notes


@pytest.mark.parametrize(
    "check, factory, kwargs, params",
    [
        (check_model_intro, create_model_intro, {}, "79,530"),
        (check_model_dropout, create_model_dropout, {}, "79,530"),
        (check_model_one_conv, create_model_one_conv, {}, "90,290"),
        (check_model_two_conv, create_model_two_conv, {}, "79,600"),
        (check_model_vgg, create_model_vgg, {}, "204,570"),
        (check_model_vgg, create_model_vgg, {"filters": (16, 32)}, None),
        (check_model_dropout, create_model_dropout, {"rate": 0.2}, "79,530"),
        (check_model_one_conv, create_model_one_conv, {"filters": 8, "kernel_size": 5}, None),
    ],
)
def test_the_reference_factories_pass_their_own_checks(check, factory, kwargs, params, capsys):
    printed = passes(check, factory(**kwargs), capsys, **kwargs)
    if params:
        assert f"✓ {params} parameters" in printed


def test_a_sequential_equivalent_passes_with_a_note(capsys):
    model = keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            layers.Conv2D(16, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ],
        name="cifar_model_intro",
    )
    printed = passes(check_model_intro, model, capsys)
    assert "• a Sequential model: equivalent, but the lesson uses the functional API" in printed


def test_the_lessons_compile_passes(capsys):
    printed = passes(check_compile, compile_model(create_model_intro()), capsys)
    assert "✓ optimizer Adam" in printed
    assert "✓ loss: sparse categorical cross-entropy" in printed
    assert "✓ the metrics include accuracy" in printed


@pytest.mark.parametrize(
    "metrics",
    [["accuracy"], ["acc"], [keras.metrics.SparseCategoricalAccuracy()], ["sparse_categorical_accuracy", "mae"]],
    ids=["accuracy", "acc", "object", "several"],
)
def test_every_spelling_of_accuracy_passes(metrics, capsys):
    model = create_model_intro()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=metrics)
    passes(check_compile, model, capsys)


# ---------------------------------------------------------------- wrong steps


def test_wrong_filter_count(capsys):
    fails_with(
        check_conv2d, intro_steps(conv1={"filters": 8, "kernel_size": 3, "activation": "relu"})["conv2d"],
        "✗ your Conv2D \"conv1\" has 8 filters; the challenge asks for 16: use filters=16",
        "✓ your Conv2D \"conv1\": kernel_size=(3, 3), activation=\"relu\"",
        "✗ x has shape (None, 30, 30, 8); the challenge expects (None, 30, 30, 16)",
        capsys=capsys,
    )


def test_wrong_filter_count_in_the_second_block(capsys):
    steps = intro_steps(conv2={"filters": 16, "kernel_size": 3, "activation": "relu"})
    printed = fails_with(
        check_second_block, steps["second_block"],
        "✗ your Conv2D \"conv2\" has 16 filters; the challenge asks for 32: use filters=32",
        "✓ the earlier steps match the challenge",
        "✓ MaxPooling2D(pool_size=(2, 2), name=\"pool2\")",
        "• to apply a fix, run the cells again from keras.Input on",
        capsys=capsys,
    )
    assert "conv1" not in printed


def test_wrong_kernel_size(capsys):
    fails_with(
        check_conv2d, intro_steps(conv1={"filters": 16, "kernel_size": 5, "activation": "relu"})["conv2d"],
        "✗ your Conv2D \"conv1\" has a 5x5 kernel; the challenge asks for 3x3: use kernel_size=(3, 3)",
        "(None, 28, 28, 16)",
        capsys=capsys,
    )


def test_missing_activation(capsys):
    printed = fails_with(
        check_conv2d, intro_steps(conv1={"filters": 16, "kernel_size": 3})["conv2d"],
        '✗ your Conv2D "conv1" has no activation (the default is none, "linear"); the challenge asks for "relu": add activation="relu"',
        "✓ x has shape (None, 30, 30, 16)",  # the shape is right: only the activation is missing
        capsys=capsys,
    )
    assert printed.count("✗") == 2  # the title and the one fact


def test_wrong_activation(capsys):
    fails_with(
        check_conv2d, intro_steps(conv1={"filters": 16, "kernel_size": 3, "activation": "sigmoid"})["conv2d"],
        '✗ your Conv2D "conv1" has activation="sigmoid"; the challenge asks for "relu": use activation="relu"',
        capsys=capsys,
    )


def test_padding_same_is_named_as_the_cause_of_the_shape(capsys):
    fails_with(
        check_conv2d,
        intro_steps(conv1={"filters": 16, "kernel_size": 3, "activation": "relu", "padding": "same"})["conv2d"],
        '✗ your Conv2D "conv1" uses padding="same", so its output is 32x32 instead of 30x30 (the challenge uses the default, "valid"): remove padding="same"',
        "✗ x has shape (None, 32, 32, 16); the challenge expects (None, 30, 30, 16)",
        capsys=capsys,
    )


@pytest.mark.parametrize(
    "shape, hint",
    [
        ((32, 32), "the colour channels are missing"),
        ((32, 32, 1), "1 channel; the images have 3 (red, green, blue)"),
        ((3, 32, 32), "channels first: Keras expects height, width, channels"),
        ((28, 28, 3), None),
    ],
)
def test_wrong_input_shape(shape, hint, capsys):
    fragments = [f"✗ your input has shape={shape}; the challenge asks for shape=(32, 32, 3)", "use shape=(32, 32, 3)"]
    printed = fails_with(check_input, keras.Input(shape=shape, name="images"), *fragments, capsys=capsys)
    if hint:
        assert hint in printed


def test_a_wrong_input_is_reported_by_later_steps_too(capsys):
    printed = fails_with(
        check_conv2d, intro_steps(shape=(32, 32, 1))["conv2d"], "✗ your input has shape=(32, 32, 1)", capsys=capsys
    )
    assert "✓ the earlier steps match" not in printed
    assert '✓ Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")' in printed


def test_pool_size_3(capsys):
    fails_with(
        check_pooling, intro_steps(pool1={"pool_size": 3})["pooling"],
        "✗ your MaxPooling2D \"pool1\" has 3x3 pooling; the challenge asks for 2x2: use pool_size=(2, 2)",
        "✗ x has shape (None, 10, 10, 16); the challenge expects (None, 15, 15, 16)",
        capsys=capsys,
    )


def test_average_instead_of_max_pooling(capsys):
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(16, 3, activation="relu")(inputs)
    printed = fails_with(
        check_pooling, layers.AveragePooling2D(2)(x),
        "should be a MaxPooling2D: use keras.layers.MaxPooling2D(pool_size=(2, 2))",
        capsys=capsys,
    )
    assert printed.count("AveragePooling2D") == 1  # said once, not once more as "comes from"


def test_forgetting_flatten(capsys):
    steps = intro_steps(flatten=False)
    message = (
        '✗ missing a Flatten after your MaxPooling2D "pool2" (Dense layers need a flat vector of features): '
        'add the line x = keras.layers.Flatten(name="flatten")(x) after that layer\'s line'
    )
    fails_with(check_dense, steps["dense"], message, "✗ x has shape (None, 6, 6, 64)", capsys=capsys)
    fails_with(check_output, steps["output"], message, "✗ outputs has shape (None, 6, 6, 10)", capsys=capsys)
    fails_with(check_flatten, steps["flatten"], "an earlier step", capsys=capsys)


def test_output_with_relu_instead_of_softmax(capsys):
    fails_with(
        check_output, intro_steps(output={"units": 10, "activation": "relu"})["output"],
        '✗ your Dense "predictions" has activation="relu"; the challenge asks for "softmax": use activation="softmax"',
        "probabilities",
        '✓ your Dense "predictions": units=10',
        capsys=capsys,
    )


def test_output_with_100_units(capsys):
    fails_with(
        check_output, intro_steps(output={"units": 100, "activation": "softmax"})["output"],
        "✗ your Dense \"predictions\" has 100 units; the challenge asks for 10 (one per class): use units=10",
        capsys=capsys,
    )


def test_wrong_hidden_dense_layer(capsys):
    fails_with(
        check_dense, intro_steps(dense={"units": 128, "activation": "relu"})["dense"],
        "✗ your Dense \"dense\" has 128 units; the challenge asks for 64: use units=64",
        capsys=capsys,
    )


def test_a_tensor_from_a_later_step(capsys):
    steps = intro_steps()
    printed = fails_with(
        check_conv2d, steps["pooling"], "✗ x comes from a MaxPooling2D, a later step: check_conv2d() wants x right after a Conv2D",
        capsys=capsys,
    )
    assert '✓ Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")' in printed  # the Conv2D itself is fine
    fails_with(check_input, steps["conv2d"], "✗ inputs comes from a Conv2D, a later step", capsys=capsys)
    fails_with(check_dense, steps["output"], "✗ x comes from a Dense, a later step", capsys=capsys)
    wrong = intro_steps(conv1={"filters": 8, "kernel_size": 3, "activation": "relu"})
    fails_with(check_conv2d, wrong["pooling"], "a later step", '✗ your Conv2D "conv1" has 8 filters', capsys=capsys)


def test_a_tensor_from_an_earlier_step(capsys):
    steps = intro_steps()
    fails_with(
        check_conv2d, steps["input"],
        "✗ x comes from an Input, an earlier step; this step asks for the output of a Conv2D",
        capsys=capsys,
    )
    fails_with(
        check_second_block, steps["conv2"],
        "✗ x comes from a Conv2D, an earlier step; this step asks for the output of a MaxPooling2D",
        capsys=capsys,
    )


def test_a_cell_run_twice(capsys):
    x = intro_steps()["conv2d"]
    fails_with(
        check_conv2d, layers.Conv2D(16, 3, activation="relu")(x),
        "✗ x has been through 2 identical Conv2D layers: running a cell twice applies its layer twice",
        capsys=capsys,
    )
    pooled = intro_steps()["pooling"]
    fails_with(
        check_pooling, layers.MaxPooling2D(2)(layers.MaxPooling2D(2)(pooled)),
        "✗ x has been through 3 identical MaxPooling2D layers", capsys=capsys,
    )


def test_a_tensor_that_went_elsewhere(capsys):
    x = layers.Dense(64)(layers.Flatten()(layers.Dropout(0.1)(intro_steps()["second_block"])))
    fails_with(
        check_flatten, x,
        "✗ x comes from a Dense, but this step asks for the output of a Flatten",
        'keras.layers.Dropout(rate=0.1) after your MaxPooling2D "pool2", is not in the challenge: remove its line',
        capsys=capsys,
    )


def test_an_extra_layer_inside_a_step(capsys):
    steps = intro_steps(after_flatten=lambda x: layers.Dense(32, activation="relu", name="hidden")(x))
    fails_with(
        check_dense, steps["dense"],
        '✗ your Dense "hidden", keras.layers.Dense(units=32, activation="relu") after your Flatten "flatten", '
        "is not in the challenge: remove its line",
        capsys=capsys,
    )


def test_a_model_passed_to_a_step_check(capsys):
    fails_with(
        check_conv2d, create_model_intro(), "✗ you passed a whole model (Functional), not the tensor of one step",
        "check_model_intro(model)", capsys=capsys,
    )


# ---------------------------------------------------------------- wrong models


def test_model_layer_with_other_settings(capsys):
    model = intro_steps(conv2={"filters": 16, "kernel_size": 3, "activation": "relu"})["model"]
    printed = fails_with(
        check_model_intro, model,
        "✗ layer 4 (Conv2D \"conv2\") has 16 filters; the reference has 32: use filters=32",
        "✓ 8 layers, in the reference's order",
        "✗ 40,346 parameters; the reference has 79,530",
        capsys=capsys,
    )
    assert printed.count("✗") == 3  # title, the cause, the parameter count: no knock-on shape lines


def test_model_with_an_extra_layer(capsys):
    model = intro_steps(after_flatten=lambda x: layers.Dense(32, activation="relu", name="hidden")(x))["model"]
    fails_with(
        check_model_intro, model,
        '✗ extra layer 7 (Dense "hidden"): keras.layers.Dense(units=32, activation="relu"), which the reference '
        "does not have: remove its line",
        "✓ 8 of the reference's 8 layers match exactly",
        capsys=capsys,
    )


def test_model_missing_the_second_pooling(capsys):
    fails_with(
        check_model_intro, intro_steps(pool2=False)["model"],
        "✗ missing a MaxPooling2D as layer 5, after layer 4 (Conv2D \"conv2\"): add the line "
        "x = keras.layers.MaxPooling2D(pool_size=(2, 2), name=\"pool2\")(x) after that layer's line",
        "✗ 351,914 parameters; the reference has 79,530",
        capsys=capsys,
    )


def test_model_without_flatten(capsys):
    fails_with(
        check_model_intro, intro_steps(flatten=False)["model"],
        "✗ missing a Flatten as layer 6", "(Dense layers need a flat vector of features)",
        "✗ the model outputs (None, 6, 6, 10); the reference outputs (None, 10)",
        capsys=capsys,
    )


def test_model_with_wrong_input_shape(capsys):
    fails_with(
        check_model_intro, intro_steps(shape=(32, 32, 1))["model"],
        "✗ the input (layer 1) has shape=(32, 32, 1); the reference has shape=(32, 32, 3)",
        "✗ 79,242 parameters", capsys=capsys,
    )


def test_model_differences_are_capped(capsys):
    model = keras.Sequential([keras.Input((32, 32, 3)), layers.Dense(5), layers.Dense(5), layers.Dense(5)])
    printed = fails_with(check_model_vgg, model, "more differences: fix the ones above first", capsys=capsys)
    assert len(printed.splitlines()) < 14


def test_model_name_is_a_note_only(capsys):
    steps = intro_steps()
    model = keras.Model(inputs=steps["input"], outputs=steps["output"])
    printed = passes(check_model_intro, model, capsys)
    assert '• your model is not named "cifar_model_intro"' in printed


def test_unbuilt_sequential_model(capsys):
    model = keras.Sequential([layers.Conv2D(16, 3, activation="relu"), layers.Flatten(), layers.Dense(10)])
    fails_with(check_model_intro, model, "✗ your Sequential model has no input shape yet", capsys=capsys)


def test_the_vgg_check_uses_the_same_arguments(capsys):
    fails_with(
        check_model_vgg, create_model_vgg(filters=(16, 32)),
        "✗ missing a Conv2D as layer 8", "✗ 280,218 parameters; the reference has 204,570", capsys=capsys,
    )
    fails_with(check_model_vgg, create_model_vgg(), "cannot be built: filters must be", capsys=capsys, filters=())


def test_one_conv_and_two_conv_are_told_apart(capsys):
    fails_with(check_model_one_conv, create_model_two_conv(), '✗ extra layer 3 (Conv2D "conv2"): keras.layers.Conv2D(filters=10', capsys=capsys)
    fails_with(check_model_two_conv, create_model_one_conv(), "✗ missing a Conv2D as layer 3", capsys=capsys)


# ---------------------------------------------------------------- dropout


def with_dropout(rate, where="after_flatten"):
    if where == "after_flatten":
        return intro_steps(after_flatten=lambda x: layers.Dropout(rate)(x))["model"]
    steps = intro_steps()
    if where == "after_output":
        return keras.Model(steps["input"], layers.Dropout(rate)(steps["output"]))
    x = layers.Dropout(rate)(steps["dense"])  # between the two Dense layers
    return keras.Model(steps["input"], layers.Dense(10, activation="softmax")(x))


def test_dropout_rate_must_match(capsys):
    fails_with(
        check_model_dropout, with_dropout(0.2),
        "✗ the Dropout (layer 7) has rate=0.2; the challenge asks for rate=0.5: use rate=0.5",
        "✓ 79,530 parameters",
        capsys=capsys,
    )
    passes(check_model_dropout, with_dropout(0.2), capsys, rate=0.2)


def test_dropout_must_sit_between_flatten_and_dense(capsys):
    printed = passes(check_model_dropout, with_dropout(0.5), capsys)
    assert "✓ Dropout(rate=0.5) as layer 7, between Flatten and the 64-unit Dense" in printed
    fails_with(
        check_model_dropout, with_dropout(0.5, "between_dense"),
        '✗ your Dropout is layer 8, after your Dense "dense"; the challenge puts it between Flatten and the '
        "64-unit Dense: move its line to right after the Flatten line",
        capsys=capsys,
    )


def test_dropout_after_the_output_or_missing(capsys):
    fails_with(check_model_dropout, with_dropout(0.5, "after_output"), '✗ your Dropout is layer 9, after your Dense "predictions"', capsys=capsys)
    fails_with(
        check_model_dropout, create_model_intro(),
        '✗ no Dropout layer: add the line x = keras.layers.Dropout(rate=0.5, name="dropout")(x) right after the Flatten line',
        capsys=capsys,
    )
    fails_with(check_model_intro, create_model_dropout(), '✗ extra layer 7 (Dropout "dropout"): keras.layers.Dropout(rate=0.5)', capsys=capsys)


def test_a_bad_rate_argument_is_a_verdict(capsys):
    fails_with(check_model_dropout, create_model_dropout(), "cannot be built: rate must be a number from 0 up to (not including) 1", capsys=capsys, rate=1.5)


# ---------------------------------------------------------------- compile


def compiled(**kwargs):
    model = create_model_intro()
    model.compile(**kwargs)
    return model


def test_an_uncompiled_model(capsys):
    fails_with(
        check_compile, create_model_intro(),
        '✗ the model is not compiled yet: model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])',
        capsys=capsys,
    )


def test_compile_without_metrics(capsys):
    fails_with(
        check_compile, compiled(optimizer="adam", loss="sparse_categorical_crossentropy"),
        '✗ no metrics, so training reports only the loss: add metrics=["accuracy"]', "✓ optimizer Adam", capsys=capsys,
    )


def test_compile_with_mse(capsys):
    fails_with(
        check_compile, compiled(optimizer="adam", loss="mse", metrics=["accuracy"]),
        '✗ loss "mse" measures distances between numbers (regression)', 'use loss="sparse_categorical_crossentropy"',
        capsys=capsys,
    )


def test_categorical_crossentropy_needs_one_hot_labels(capsys):
    model = compiled(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    printed = fails_with(
        check_compile, model,
        '✗ loss "categorical_crossentropy" expects one-hot labels, but the labels are class numbers 0 to 9, '
        'so training would fail: use loss="sparse_categorical_crossentropy"',
        capsys=capsys,
    )
    assert "all correct" not in printed
    assert "one-hot rows" in passes(check_compile, model, capsys, one_hot=True)
    fails_with(check_compile, compile_model(create_model_intro()), "expects class-number labels", capsys=capsys, one_hot=True)


def test_a_failed_compile_is_not_compiled(capsys):
    model = create_model_intro()
    with pytest.raises(ValueError):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=keras.metrics.SparseCategoricalAccuracy())
    assert model.optimizer is not None and not model.compiled  # what fooled the old check
    printed = fails_with(check_compile, model, "✗ the model is not compiled: the last model.compile(...) failed", capsys=capsys)
    assert "✓" not in printed


def test_compile_with_other_choices(capsys):
    fails_with(
        check_compile,
        compiled(
            optimizer=keras.optimizers.SGD(0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[keras.metrics.Accuracy()],
        ),
        '✗ optimizer SGD; the lesson uses Adam: use optimizer="adam"',
        "✗ the loss has from_logits=True, but your output layer already applies softmax",
        "✗ keras.metrics.Accuracy() compares the 10 probabilities with the label",
        capsys=capsys,
    )
    fails_with(
        check_compile, compiled(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["categorical_accuracy"]),
        "✗ categorical accuracy expects one-hot labels", capsys=capsys,
    )
    fails_with(check_compile, compiled(optimizer="adam"), "✗ no loss", capsys=capsys)


def test_compile_notes_a_changed_learning_rate(capsys):
    model = compile_model(create_model_intro(), learning_rate=0.01)
    assert "• learning rate 0.01; Adam's default" in passes(check_compile, model, capsys)


def test_compile_arguments_read_back_after_get_compile_config_only(capsys, monkeypatch):
    model = compiled(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    del model._compile_config  # an older or newer Keras without this attribute
    passes(check_compile, model, capsys)


# ---------------------------------------------------------------- anything at all


class Anything:
    def __repr__(self):
        return "<Anything at 0x7f00deadbeef>"


WRONG_OBJECTS = {
    "None": (None, "you passed None"),
    "layer": (layers.Conv2D(16, 3), "layer"),
    "class": (layers.Conv2D, "the class"),
    "numpy": (np.zeros((32, 32, 3)), "NumPy array of shape (32, 32, 3)"),
    "string": ("x", "you passed a str ('x')"),
    "int": (3, "you passed an int (3)"),
    "function": (create_model_intro, "the function create_model_intro itself"),
    "list": ([1, 2], "list of 2 items"),
    "object": (Anything(), "you passed an Anything (<Anything>)"),
}


@pytest.mark.parametrize("check", STEP_CHECKS + MODEL_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", list(WRONG_OBJECTS))
def test_no_check_raises_on_a_wrong_object(check, name, capsys):
    obj, fragment = WRONG_OBJECTS[name]
    if check in MODEL_CHECKS and name == "list":
        fragment = "you passed a list"
    printed = fails_with(check, obj, capsys=capsys)
    assert fragment in printed
    assert "0x" not in printed  # no memory addresses: stable notebook outputs


@pytest.mark.parametrize("check", MODEL_CHECKS, ids=lambda c: c.__name__)
def test_a_tensor_passed_to_a_model_check(check, capsys):
    fails_with(check, intro_steps()["output"], "you passed a tensor, not a model", "keras.Model(inputs=inputs", capsys=capsys)


def test_a_layer_object_gets_the_second_parentheses_hint(capsys):
    fails_with(
        check_conv2d, layers.Conv2D(16, 3), "a layer does nothing until you call it on the previous tensor",
        'x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")(inputs)', capsys=capsys,
    )


def test_a_tensor_of_numbers(capsys):
    eager = layers.Conv2D(16, 3)(np.zeros((1, 32, 32, 3), "float32"))
    fails_with(check_conv2d, eager, "you passed a tensor of actual numbers (shape (1, 30, 30, 16))", capsys=capsys)


def test_wrong_arguments_are_a_verdict(capsys):
    fails_with(check_conv2d, None, capsys=capsys)
    verdict = check_conv2d()
    assert "call it like check_conv2d(x)" in capsys.readouterr().out and not verdict.ok
    check_conv2d(1, 2)
    assert "wrong arguments" in capsys.readouterr().out
    check_model_vgg(create_model_vgg(), colour="red")
    assert "wrong arguments" in capsys.readouterr().out


def test_an_unexpected_internal_error_is_a_verdict(capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("internal failure at 0x7f00deadbeef")

    monkeypatch.setattr(step_module, "step_lines", broken)
    printed = fails_with(check_conv2d, intro_steps()["conv2d"], "please show this to an instructor", capsys=capsys)
    assert "0x" not in printed


def test_shape_only_when_the_history_cannot_be_read(capsys, monkeypatch):
    steps = intro_steps()
    check_model_intro(create_model_intro())  # the reference is cached before _walk breaks
    capsys.readouterr()

    def unreadable(*args, **kwargs):
        raise AttributeError("_inbound_nodes")

    monkeypatch.setattr(graph, "walk", unreadable)
    printed = passes(check_conv2d, steps["conv2d"], capsys)
    assert "• could not follow where x comes from, layer by layer: only its shape is checked" in printed
    fails_with(check_pooling, steps["conv2d"], "✗ x has shape (None, 30, 30, 16); the challenge expects (None, 15, 15, 16)", capsys=capsys)
    passes(check_model_intro, steps["model"], capsys)  # models fall back to model.layers


# ---------------------------------------------------------------- the verdict object


def test_verdict_fields_and_text(capsys):
    verdict = check_pooling(intro_steps(pool1={"pool_size": 3})["pooling"])
    capsys.readouterr()
    assert verdict.ok is False
    assert all(line[0] in "✓✗•" for line in verdict.messages)
    assert str(verdict).splitlines()[0] == "The pooling layer: ✗ not yet"
    assert repr(verdict) == "<Verdict ✗ The pooling layer>"


def test_verdict_displays_once_per_notebook_cell(capsys, monkeypatch):
    cell = {"number": 7}
    monkeypatch.setattr(verdict_module, "_cell_number", lambda: cell["number"])
    verdict = check_conv2d(intro_steps()["conv2d"])
    first = capsys.readouterr().out
    verdict._ipython_display_()  # the same cell's result: already printed
    assert capsys.readouterr().out == ""
    cell["number"] = 8
    verdict._ipython_display_()  # shown again in a later cell
    assert capsys.readouterr().out == first


def test_checks_leave_the_learners_random_numbers_alone(capsys):
    reference.REFERENCES.clear()
    step_module.steps.cache_clear()
    set_seed(3)
    expected = create_model_intro().get_weights()[0]
    set_seed(3)
    for check in MODEL_CHECKS + STEP_CHECKS:
        check(None)
    capsys.readouterr()
    assert np.array_equal(create_model_intro().get_weights()[0], expected)


def test_public_names():
    helpers = {"Verdict", "passed", "checked", "defined"}  # the last three guard the notebooks' solutions
    assert set(checks.__all__) == helpers | {c.__name__ for c in STEP_CHECKS + MODEL_CHECKS}
    for check in STEP_CHECKS + MODEL_CHECKS:
        assert check.__doc__ and re.match(r"check_\w+$", check.__name__)


def test_branches_and_raw_operations_do_not_break_the_checks(capsys):
    from cifar_cnn.models import create_model_residual

    printed = fails_with(check_model_intro, create_model_residual(), "• your network joins several tensors (Add)", capsys=capsys)
    assert "more differences" in printed
    x = intro_steps()["conv2d"]
    fails_with(check_pooling, keras.ops.relu(x) + 1.0, "✗ x comes from an Add", capsys=capsys)


@pytest.mark.parametrize(
    "check, factory",
    [
        (check_model_intro, create_model_intro),
        (check_model_dropout, create_model_dropout),
        (check_model_one_conv, create_model_one_conv),
        (check_model_two_conv, create_model_two_conv),
        (check_model_vgg, create_model_vgg),
    ],
    ids=lambda f: f.__name__,
)
def test_each_checker_takes_its_factorys_arguments(check, factory):
    import inspect

    def shape(function, skip):
        return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values() if p.name not in skip]

    assert shape(check, {"model"}) == shape(factory, {"name"})


def test_an_architecture_argument_by_position_is_a_verdict_that_names_it(capsys):
    fails_with(check_model_dropout, create_model_dropout(), "check_model_dropout(model, rate=0.25)", capsys=capsys, input_shape=0.25)
    with pytest.raises(ValueError, match=r"create_model_dropout\(rate=0.25\)"):
        create_model_dropout(0.25)


def test_progress_remembers_the_last_verdict_of_each_step(capsys):
    """What a notebook's reference solution asks before it runs (checks.progress)."""
    from cifar_cnn.checks import progress

    progress.forget()
    assert not checks.passed("input")
    with pytest.raises(NameError, match="Run All Above"):
        checks.checked("input")
    right = keras.Input(shape=(32, 32, 3), name="images")
    checks.check_input(right)
    assert checks.passed("input") and checks.checked("input") is right
    checks.check_input(keras.Input(shape=(28, 28, 1), name="images"))
    assert not checks.passed("input"), "the last verdict counts"
    assert checks.checked("input") is right, "what last passed stays available"
    assert checks.defined("checks", "keras") and not checks.defined("no_such_name_here")
    progress.forget()
    capsys.readouterr()


@pytest.mark.parametrize("loss, metrics, wrong", [
    ("sparse_categorical_crossentropy_", ["accuracy"], 'Keras has no loss named "sparse_categorical_crossentropy_"'),
    ("sparse_categorical_crossentropy", ["accuracy_"], 'Keras has no metric named "accuracy_"'),
])
def test_compile_check_rejects_a_name_keras_does_not_know(loss, metrics, wrong, capsys):
    """compile accepts any string; only fit stops. Found by tests/test_learner_paths.py."""
    model = create_model_intro()
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    verdict = checks.check_compile(model)
    assert not verdict.ok and any(wrong in line for line in verdict.messages), verdict.messages
    capsys.readouterr()

"""The lecture's shape and parameter formulas, checked against real Keras layers."""

import keras
import pytest

from cifar_cnn.arithmetic import (
    conv_output_size,
    conv_params,
    dense_params,
    format_layer_table,
    layer_table,
    pool_output_size,
    same_padding,
)
from cifar_cnn.models import (
    MODELS,
    create_model_deep,
    create_model_intro,
    create_model_one_conv,
    create_model_residual,
    create_model_vgg,
)


@pytest.mark.parametrize(
    "args, expected",
    [
        ((32, 3), 30),
        ((32, 3, 1, 1), 32),
        ((32, 3, 1, "same"), 32),
        ((32, 3, 2, "same"), 16),
        ((33, 3, 2, "same"), 17),
        ((32, 5, 1, 2), 32),
        ((200, 2, 2, 0), 100),
        ((7, 3, 2, 0), 3),
        ((32, 3, 1, 0, 2), 28),  # dilation 2: a 3-tap filter spans 5 pixels
    ],
)
def test_conv_output_size(args, expected):
    assert conv_output_size(*args) == expected


def test_pool_output_size_defaults_stride_to_the_window():
    assert pool_output_size(30, 2) == 15
    assert pool_output_size(13, 2) == 6
    assert pool_output_size(128, 4) == 32
    assert pool_output_size(13, 2, padding="same") == 7
    assert pool_output_size(10, 3, stride=1) == 8


def test_parameter_formulas():
    assert conv_params(3, 3, 16) == 448
    assert conv_params((3, 3), 16, 32) == 4640
    assert conv_params(3, 16, 32, use_bias=False) == 4608
    assert dense_params(1152, 64) == 73792
    assert dense_params(64, 10) == 650
    assert same_padding(3) == 1 and same_padding(5) == 2


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv_output_size(2, 3), "does not fit"),
        (lambda: conv_output_size(0, 3), "input_size must be at least 1, got 0"),
        (lambda: conv_output_size(32, 3, 0), "stride must be at least 1, got 0"),
        (lambda: conv_output_size(32.0, 3), "input_size must be a whole number, got 32.0"),
        (lambda: conv_output_size(32, True), "kernel_size must be a whole number, got True"),
        (lambda: conv_output_size(32, 3, 1, "full"), "padding must be"),
        (lambda: conv_output_size(32, 3, 1, -1), "padding must be"),
        (lambda: conv_params((3, 3, 3), 3, 16), "kernel_size must be an int or a pair"),
        (lambda: dense_params(0, 10), "in_units"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def check_against_keras(model):
    """Every layer's formula shape and parameter count equal what Keras built."""
    rows = layer_table(model)
    assert len(rows) == len(model.layers)
    for row, layer in zip(rows, model.layers):
        assert row.by_formula, f"{layer.name}: no formula for {row.type}"
        keras_shape = layer.batch_shape if row.type == "InputLayer" else layer.output.shape
        assert tuple(row.output_shape) == tuple(keras_shape), layer.name
        assert row.params == layer.count_params(), layer.name
    assert sum(r.params for r in rows) == model.count_params()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_factory_matches_the_formulas(name):
    check_against_keras(MODELS[name]())


@pytest.mark.parametrize(
    "build",
    [
        lambda: create_model_intro(input_shape=(64, 48, 1), num_classes=4),
        lambda: create_model_one_conv(kernel_size=5, filters=7),
        lambda: create_model_vgg(filters=(8, 16), convs_per_block=3, rate=0),
        lambda: create_model_residual(filters=(8, 16, 32), blocks_per_stage=2),
        lambda: create_model_deep(depth=4, residual=True, filters=8),
    ],
)
def test_variants_match_the_formulas(build):
    check_against_keras(build())


def test_the_lectures_quiz_against_a_real_keras_model():
    # 130x130x3 -> conv 10@3x3 -> max-pool 4 -> conv 20@5x5 padding 2 -> max-pool 2
    size = conv_output_size(130, 3)
    assert size == 128
    size = pool_output_size(size, 4)
    assert size == 32
    size = conv_output_size(size, 5, 1, 2)
    assert size == 32
    size = pool_output_size(size, 2)
    assert size == 16

    inputs = keras.Input((130, 130, 3))
    x = keras.layers.Conv2D(10, 3)(inputs)
    x = keras.layers.MaxPooling2D(4)(x)
    x = keras.layers.ZeroPadding2D(2)(x)  # Keras has no explicit P: pad, then a valid conv
    x = keras.layers.Conv2D(20, 5)(x)
    outputs = keras.layers.MaxPooling2D(2)(x)
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 16, 16, 20)
    check_against_keras(model)
    assert [r.params for r in layer_table(model) if r.type == "Conv2D"] == [280, 5020]


def test_formula_table_text():
    text = format_layer_table(layer_table(create_model_intro()))
    assert "(None, 6, 6, 32)" in text
    assert text.splitlines()[-1].split()[-1] == "79,530"


def test_unknown_layers_fall_back_to_keras_numbers():
    inputs = keras.Input((8,))
    outputs = keras.layers.LayerNormalization()(inputs)
    rows = layer_table(keras.Model(inputs, outputs))
    assert rows[-1].by_formula is False and rows[-1].params == 16
    assert "(from Keras)" in format_layer_table(rows)


def test_layer_table_needs_a_model():
    with pytest.raises(TypeError, match="expects a Keras model"):
        layer_table("create_model_intro")

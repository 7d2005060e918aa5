"""The model factories: exact architectures, registry, and argument checks."""

import keras
import pytest

from cifar_cnn import models
from cifar_cnn.models import (
    MODELS,
    create_model_deep,
    create_model_dense,
    create_model_dropout,
    create_model_intro,
    create_model_one_conv,
    create_model_residual,
    create_model_two_conv,
    create_model_vgg,
    get_factory,
)


def layer_summary(model):
    """(class name, output shape without the batch) for every layer after the input."""
    return [(type(l).__name__, tuple(l.output.shape[1:])) for l in model.layers[1:]]


def test_intro_is_the_lessons_network():
    model = create_model_intro()
    assert model.name == "cifar_model_intro"
    assert model.count_params() == 79530
    assert layer_summary(model) == [
        ("Conv2D", (30, 30, 16)),
        ("MaxPooling2D", (15, 15, 16)),
        ("Conv2D", (13, 13, 32)),
        ("MaxPooling2D", (6, 6, 32)),
        ("Flatten", (1152,)),
        ("Dense", (64,)),
        ("Dense", (10,)),
    ]
    assert [l.get_config().get("activation") for l in model.layers if isinstance(l, keras.layers.Dense)] == [
        "relu",
        "softmax",
    ]


def test_intro_summary_shows_the_lessons_shapes(capsys):
    create_model_intro().summary()
    text = capsys.readouterr().out
    for shape in ["(None, 30, 30, 16)", "(None, 15, 15, 16)", "(None, 13, 13, 32)",
                  "(None, 6, 6, 32)", "(None, 1152)", "(None, 64)", "(None, 10)"]:
        assert shape in text
    assert "79,530" in text


def test_every_factory_is_functional_and_starts_from_an_input():
    for name, factory in MODELS.items():
        model = factory()
        assert isinstance(model, keras.Model) and not isinstance(model, keras.Sequential), name
        assert type(model.layers[0]).__name__ == "InputLayer", name
        assert model.input_shape == (None, 32, 32, 3), name
        assert model.output_shape == (None, 10), name
        assert model.name.startswith("cifar_model_"), name
        assert model.layers[-1].get_config()["activation"] == "softmax", name


def test_layer_names_are_the_same_in_every_build():
    # Explicit names keep model.summary() identical however many models a session builds.
    first = [l.name for l in create_model_vgg().layers]
    second = [l.name for l in create_model_vgg().layers]
    assert first == second


@pytest.mark.parametrize(
    "factory, expected",
    [
        (create_model_intro, 79530),
        (create_model_dropout, 79530),  # dropout adds no weights
        (create_model_one_conv, 280 + 30 * 30 * 10 * 10 + 10),
        (create_model_two_conv, 280 + 910 + 28 * 28 * 10 * 10 + 10),
        (create_model_dense, 3072 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10),
    ],
)
def test_parameter_counts(factory, expected):
    assert factory().count_params() == expected


def test_one_and_two_conv_have_ten_feature_maps_per_layer():
    one, two = create_model_one_conv(), create_model_two_conv()
    assert [l.filters for l in one.layers if isinstance(l, keras.layers.Conv2D)] == [10]
    assert [l.filters for l in two.layers if isinstance(l, keras.layers.Conv2D)] == [10, 10]


def test_dropout_model_has_a_dropout_layer_with_the_rate():
    model = create_model_dropout(rate=0.3)
    rates = [l.rate for l in model.layers if isinstance(l, keras.layers.Dropout)]
    assert rates == [0.3]


def test_vgg_blocks_halve_the_image_and_grow_the_maps():
    model = create_model_vgg(filters=(16, 32, 64), convs_per_block=2)
    pools = [tuple(l.output.shape[1:]) for l in model.layers if isinstance(l, keras.layers.MaxPooling2D)]
    assert pools == [(16, 16, 16), (8, 8, 32), (4, 4, 64)]
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    assert len(convs) == 6
    assert all(c.kernel_size == (3, 3) and c.padding == "same" for c in convs)
    assert any(isinstance(l, keras.layers.Dropout) for l in model.layers)
    assert not any(isinstance(l, keras.layers.Dropout) for l in create_model_vgg(rate=0).layers)


def test_residual_model_adds_skip_connections():
    model = create_model_residual(filters=(16, 32), blocks_per_stage=2)
    adds = [l for l in model.layers if isinstance(l, keras.layers.Add)]
    assert len(adds) == 4
    # An Add layer has two inputs: a graph a Sequential stack cannot express.
    assert all(len(l.input) == 2 for l in adds)


@pytest.mark.parametrize("residual", [False, True])
def test_deep_stack_has_depth_conv_layers(residual):
    model = create_model_deep(depth=7, residual=residual)
    convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
    adds = [l for l in model.layers if isinstance(l, keras.layers.Add)]
    assert len(convs) == 7
    assert len(adds) == (6 if residual else 0)
    assert model.name == f"cifar_model_deep7_{'residual' if residual else 'plain'}"


def test_factories_take_other_image_sizes_and_class_counts():
    model = create_model_intro(input_shape=(64, 64, 1), num_classes=3)
    assert model.input_shape == (None, 64, 64, 1)
    assert model.output_shape == (None, 3)


@pytest.mark.parametrize(
    "factory, kwargs, message",
    [
        (create_model_intro, {"input_shape": (32, 32)}, "input_shape must be (height, width, channels)"),
        (create_model_intro, {"input_shape": (32, 32, 0)}, "input_shape must be"),
        (create_model_intro, {"input_shape": "32x32"}, "input_shape must be"),
        (create_model_intro, {"input_shape": (8, 8, 3)}, "too small for create_model_intro"),
        (create_model_intro, {"num_classes": 1}, "num_classes must be at least 2"),
        (create_model_intro, {"num_classes": 2.5}, "num_classes"),
        (create_model_dropout, {"rate": 1.0}, "rate must be a number from 0 up to (not including) 1"),
        (create_model_dropout, {"rate": -0.1}, "rate must be"),
        (create_model_one_conv, {"filters": 0}, "filters must be at least 1"),
        (create_model_one_conv, {"kernel_size": 40}, "too small"),
        (create_model_two_conv, {"kernel_size": True}, "kernel_size"),
        (create_model_vgg, {"filters": ()}, "filters must be a tuple"),
        (create_model_vgg, {"filters": (16, -32)}, "filters[1] must be at least 1"),
        (create_model_vgg, {"filters": (8,) * 6}, "too small for create_model_vgg"),
        (create_model_vgg, {"rate": 0.9999, "dense_units": 0}, "dense_units"),
        (create_model_residual, {"blocks_per_stage": 0}, "blocks_per_stage"),
        (create_model_dense, {"hidden": (64, "x")}, "hidden[1] must be a whole number"),
        (create_model_deep, {"depth": 0}, "depth must be at least 1"),
        (create_model_deep, {"depth": 10, "residual": "yes"}, "residual must be True or False"),
        (create_model_deep, {"activation": "relux"}, "not a Keras activation"),
    ],
)
def test_bad_arguments_are_refused_up_front(factory, kwargs, message):
    with pytest.raises(ValueError) as error:
        factory(**kwargs)
    assert message in str(error.value)


def test_registry_and_lookup():
    assert set(MODELS) == {"intro", "dropout", "one_conv", "two_conv", "vgg", "residual", "dense", "deep", "fast"}
    assert get_factory("intro") is create_model_intro
    assert get_factory("one-conv") is create_model_one_conv
    assert get_factory("create_model_vgg") is create_model_vgg
    with pytest.raises(ValueError, match="unknown model 'resnet50'; choose one of: intro"):
        get_factory("resnet50")


def test_every_factory_is_documented():
    for factory in MODELS.values():
        doc = factory.__doc__ or ""
        assert "Returns" in doc and "keras.Model" in doc, factory.__name__
    assert models.__doc__


def test_deep_takes_its_depth_by_name():
    """create_model_deep(10), the old call, says how to write it now."""
    with pytest.raises(ValueError, match=r"create_model_deep\(depth=10\)"):
        create_model_deep(10)


def test_multi_block_filters_are_a_tuple():
    with pytest.raises(ValueError, match=r"filters must be a tuple of whole numbers such as \(16, 32\), got 32"):
        create_model_vgg(filters=32)

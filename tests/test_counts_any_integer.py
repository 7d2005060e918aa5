"""Every count argument of the lesson's functions takes any integer type.

A learner looping over ``np.arange`` passes ``np.int64`` values; those (and ``np.int32``)
must work exactly as Python ints do. Covers the public count-taking functions of
arithmetic, evaluation, convolution, plots and gradients; ``make_figures`` is run with
NumPy counts in test_figures.py. ``True`` is never a count.
"""

import numpy as np
import pytest

from cifar_cnn.arithmetic import conv_output_size, conv_params, dense_params, pool_output_size, same_padding
from cifar_cnn.convolution import VERTICAL_LINE_IMAGE, VERTICAL_LINE_KERNEL, convolve_cell
from cifar_cnn.evaluation import confusion_matrix
from cifar_cnn.gradients import gradient_flow
from cifar_cnn.models import create_model_intro
from cifar_cnn.plots import (
    plot_augmentation,
    plot_convolution,
    plot_feature_maps,
    plot_filters,
    plot_images,
    plot_predictions,
)
from cifar_cnn.training import set_seed

INTEGER_TYPES = [np.int64, np.int32, np.uint8]

RNG = np.random.default_rng(0)
IMAGES = RNG.random((6, 32, 32, 3), dtype=np.float32)
LABELS = RNG.integers(0, 10, 6)
PROBABILITIES = RNG.dirichlet(np.ones(10), 6)


@pytest.fixture(scope="module")
def intro():
    set_seed(0)
    return create_model_intro()


ARITHMETIC = {
    "conv_output_size": lambda I: conv_output_size(I(32), I(3), I(2), I(1), I(1)),
    "conv_output_size same": lambda I: conv_output_size(I(32), I(3), I(2), "same"),
    "pool_output_size": lambda I: pool_output_size(I(13), I(2), I(2)),
    "same_padding": lambda I: same_padding(I(5)),
    "conv_params": lambda I: conv_params(I(3), I(3), I(16)),
    "conv_params pair": lambda I: conv_params((I(3), I(5)), I(3), I(16), use_bias=False),
    "dense_params": lambda I: dense_params(I(120), I(10)),
    "confusion_matrix": lambda I: confusion_matrix(LABELS, PROBABILITIES, num_classes=I(10)),
    "convolve_cell": lambda I: convolve_cell(VERTICAL_LINE_IMAGE, VERTICAL_LINE_KERNEL, I(1), I(2)).value,
}


@pytest.mark.parametrize("integer", INTEGER_TYPES, ids=lambda t: t.__name__)
@pytest.mark.parametrize("call", ARITHMETIC.values(), ids=ARITHMETIC.keys())
def test_numpy_integers_give_the_python_int_answer(call, integer):
    expected = call(int)
    got = call(integer)
    np.testing.assert_array_equal(got, expected)
    assert type(got) is type(expected)  # a Python int stays a Python int


PLOTS = {
    "plot_images": (lambda I, model: plot_images(IMAGES, LABELS, n=I(4), ncols=I(3)), 4),
    "plot_predictions": (
        lambda I, model: plot_predictions(IMAGES, LABELS, PROBABILITIES, n=I(5), ncols=I(2)), 5
    ),
    "plot_augmentation": (
        lambda I, model: plot_augmentation(IMAGES, n_variants=I(1), seed=I(3), n=I(2)), 4
    ),
    "plot_convolution": (
        lambda I, model: plot_convolution(np.arange(36).reshape(6, 6), VERTICAL_LINE_KERNEL, row=I(1), col=I(2)),
        3,
    ),
    "plot_feature_maps": (lambda I, model: plot_feature_maps(model, IMAGES[0], max_maps=I(2)), 1 + 2 * 2),
    "plot_filters": (lambda I, model: plot_filters(model, layer=I(0), ncols=I(4)), 16),
}


@pytest.mark.parametrize("integer", [np.int64, np.int32], ids=lambda t: t.__name__)
@pytest.mark.parametrize("call, n_axes", PLOTS.values(), ids=PLOTS.keys())
def test_plots_take_numpy_integer_counts(call, n_axes, integer, intro):
    fig = call(integer, intro)
    assert len(fig.get_axes()) == n_axes


def test_plot_convolution_caption_is_the_same_for_numpy_positions():
    image = np.arange(36).reshape(6, 6)
    with_ints = plot_convolution(image, VERTICAL_LINE_KERNEL, row=1, col=2)
    with_numpy = plot_convolution(image, VERTICAL_LINE_KERNEL, row=np.int64(1), col=np.int32(2))
    assert with_numpy.get_supxlabel() == with_ints.get_supxlabel()


def test_gradient_flow_takes_numpy_depths_seed_and_filters():
    images, labels = IMAGES[:4], LABELS[:4]
    expected = gradient_flow((2, 3), images, labels, seed=0, filters=4)
    for depths in (np.arange(2, 4), (np.int64(2), np.int32(3))):
        got = gradient_flow(depths, images, labels, seed=np.int64(0), filters=np.int32(4))
        assert [(r["depth"], r["residual"], r["label"]) for r in got] == [
            (r["depth"], r["residual"], r["label"]) for r in expected
        ]
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a["norms"], b["norms"])  # same seed, same machine


@pytest.mark.parametrize(
    "call",
    [
        lambda: conv_output_size(np.float64(32), 3),
        lambda: conv_params(3, True, 16),
        lambda: plot_images(IMAGES, LABELS, n=np.float32(4)),
        lambda: confusion_matrix(LABELS, LABELS, num_classes=10.0),
        lambda: gradient_flow((2,), IMAGES[:2], LABELS[:2], seed=True),
    ],
)
def test_floats_and_bools_are_still_refused(call):
    with pytest.raises(ValueError, match="whole number"):
        call()

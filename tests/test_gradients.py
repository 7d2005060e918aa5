"""Gradient norms per convolution kernel, and the plain-vs-residual gradient flow."""

import keras
import numpy as np
import pytest

from cifar_cnn.gradients import gradient_flow, gradient_norms
from cifar_cnn.models import conv_layers, create_model_dense, create_model_intro, create_model_residual
from cifar_cnn.training import set_seed


@pytest.fixture(scope="module")
def batch():
    """32 seeded random 'images' and labels: no data download needed."""
    rng = np.random.default_rng(0)
    return rng.random((32, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, 32)


@pytest.fixture(scope="module")
def flow20(batch):
    return gradient_flow((20,), *batch, seed=0)


def test_one_finite_positive_norm_per_conv_layer(batch):
    set_seed(1)
    model = create_model_residual()  # stem, 1x1 projections and block convolutions
    before = [w.copy() for w in model.get_weights()]
    norms = gradient_norms(model, *batch)
    assert len(conv_layers(model)) == 9
    assert isinstance(norms, np.ndarray) and norms.shape == (9,)
    assert np.all(np.isfinite(norms)) and np.all(norms > 0)
    for old, new in zip(before, model.get_weights()):  # measuring does not train
        np.testing.assert_array_equal(old, new)


def test_uint8_images_and_one_hot_labels_give_the_same_norms(batch):
    images, labels = batch
    pixels = np.round(images * 255).astype(np.uint8)
    set_seed(2)
    model = create_model_intro()
    reference = gradient_norms(model, pixels.astype(np.float32) / 255, labels)
    assert reference.shape == (2,)
    np.testing.assert_allclose(gradient_norms(model, pixels, labels), reference, rtol=1e-5)
    one_hot = np.eye(10, dtype=np.float32)[labels]
    np.testing.assert_allclose(gradient_norms(model, pixels, one_hot), reference, rtol=1e-5)


def test_depth_20_plain_first_layer_gets_less_gradient_than_residual(flow20):
    assert [(r["depth"], r["residual"]) for r in flow20] == [(20, False), (20, True)]
    plain, residual = flow20
    for result in flow20:
        assert result["norms"].shape == (20,)  # one per conv layer
        assert np.all(np.isfinite(result["norms"])) and np.all(result["norms"] > 0)
    assert plain["norms"][0] < residual["norms"][0]
    assert plain["label"] == "depth 20, plain" and residual["label"] == "depth 20, residual"


def test_gradient_flow_is_deterministic_for_a_seed(batch, flow20):
    again = gradient_flow((20,), *batch, seed=0)
    for first, second in zip(flow20, again):
        np.testing.assert_allclose(second["norms"], first["norms"], rtol=1e-6)
    other = gradient_flow((3,), *batch, seed=1)
    assert [len(r["norms"]) for r in other] == [3, 3]


def test_a_different_seed_gives_different_weights_and_norms(batch):
    first = gradient_flow((3,), *batch, seed=0)
    second = gradient_flow((3,), *batch, seed=5)
    assert not np.allclose(first[0]["norms"], second[0]["norms"])


def test_bad_inputs_are_explained(batch):
    images, labels = batch
    model = create_model_intro()
    with pytest.raises(ValueError, match="no Conv2D layers"):
        gradient_norms(create_model_dense(), images, labels)
    with pytest.raises(ValueError, match=r"have shape \(28, 28, 3\) but cifar_model_intro expects \(32, 32, 3\)"):
        gradient_norms(model, images[:, :28, :28], labels)
    with pytest.raises(ValueError, match="must match one to one"):
        gradient_norms(model, images, labels[:5])
    with pytest.raises(ValueError, match="run from 5 to 14 but the model has 10 outputs"):
        gradient_norms(model, images, labels + 5)
    with pytest.raises(TypeError, match="Keras model"):
        gradient_norms("intro", images, labels)
    with pytest.raises(ValueError, match="depths must be a list"):
        gradient_flow((), images, labels)
    with pytest.raises(ValueError, match="every depth"):
        gradient_flow((5, 0), images, labels)
    with pytest.raises(ValueError, match=r"array of shape \(32, 32, 32, 3\): call it as gradient_flow"):
        gradient_flow(images, labels)
    with pytest.raises(ValueError, match="needs a batch of images"):
        gradient_flow((5,))


def test_an_unsupported_backend_is_named(batch, monkeypatch):
    model = create_model_intro()
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(NotImplementedError, match="'numpy' backend"):
        gradient_norms(model, *batch)


def test_gradient_flow_reseeds_only_when_asked(batch, monkeypatch):
    import cifar_cnn.training

    calls = []
    monkeypatch.setattr(cifar_cnn.training, "set_seed", lambda seed: calls.append(seed))
    gradient_flow((2,), *batch)  # no seed: the session's random state is left alone
    assert calls == []
    gradient_flow((2,), *batch, seed=7)  # one reseed per model: plain, then residual
    assert calls == [7, 7]

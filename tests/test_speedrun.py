"""The speed-run recipe: whitening, the network, its training and flip test-time augmentation.

Small data only; how far the recipe gets is measured by benchmarks/speedrun.py.
"""

import numpy as np
import pytest

from cifar_cnn import set_seed
from cifar_cnn.recipes.speedrun_recipe import create_model_speedrun, evaluate_speedrun, train_speedrun, whitening_filters


def images(n, seed=0):
    rng = np.random.default_rng(seed)
    # Correlated colour channels, as in photographs: whitening has something to undo.
    base = rng.integers(0, 200, (n, 32, 32, 1))
    x = np.clip(base + rng.integers(0, 56, (n, 32, 32, 3)), 0, 255).astype(np.uint8)
    return x, rng.integers(0, 10, n)


def test_whitening_filters_decorrelate_patches():
    x, _ = images(64)
    kernel, bias = whitening_filters(x, max_patches=20_000, epsilon=1e-7)
    assert kernel.shape == (2, 2, 3, 24) and bias.shape == (24,)
    scaled = x.astype(np.float64) / 255
    patches = np.stack([scaled[:, i:i + 31, j:j + 31] for i in range(2) for j in range(2)], axis=3)
    patches = patches.reshape(-1, 12)  # (i, j, channel) order, as the kernel's
    outputs = patches @ kernel.reshape(12, 24)[:, :12].astype(np.float64) + bias[:12]
    assert np.abs(outputs.mean(axis=0)).max() < 0.05
    covariance = np.cov(outputs, rowvar=False)
    # whitened up to the small epsilon: unit variances, no correlation
    assert np.allclose(np.diag(covariance), 1, atol=0.1)
    assert np.abs(covariance - np.diag(np.diag(covariance))).max() < 0.05


def test_the_network_has_three_pooled_blocks_and_a_fixed_whitening_layer():
    model = create_model_speedrun(filters=(8, 16, 32))
    assert model.output_shape == (None, 10)
    assert not model.get_layer("whiten").trainable
    assert [model.get_layer(f"block{b}_pool").output.shape[1] for b in (1, 2, 3)] == [15, 7, 3]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filters": (8, 16)}, "filters must be 3 numbers"),
        ({"filters": (8, 0, 16)}, "filters"),
        ({"input_shape": (8, 8, 3)}, "too small for create_model_speedrun"),
        ({"logit_scale": -1}, "logit_scale must be a number 0 or more"),
        ({"num_classes": 1}, "num_classes"),
    ],
)
def test_bad_arguments_are_refused_early(kwargs, message):
    with pytest.raises(ValueError, match=message):
        create_model_speedrun(**kwargs)


def test_training_is_repeatable_and_tta_scores_a_fraction():
    x, y = images(96)
    runs = []
    for _ in range(2):
        set_seed(1)
        model = create_model_speedrun(filters=(8, 16, 16))
        history = train_speedrun(model, (x[:64], y[:64], x[64:], y[64:]), epochs=2, batch_size=32,
                                 warmup_epochs=1, verbose=0)
        runs.append(history.history)
    assert runs[0] == runs[1]
    assert set(runs[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    score = evaluate_speedrun(model, x[64:], y[64:], batch_size=10)["accuracy"]
    assert 0 <= score <= 1 and score * 32 == round(score * 32)

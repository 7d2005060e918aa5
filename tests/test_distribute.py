"""train() on several devices: a tf.distribute strategy and Keras's distribution API.

A learner who outgrows a laptop moves to a GPU or several; ``train`` must work unchanged
there. Two logical CPU devices stand in for two accelerators (TensorFlow can split one CPU;
XLA can be told there are two host devices). Device layout must be set before the backend
starts, so each run is a child process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

# One script, two runs: the same seed, data and model, on one device and on two.
TENSORFLOW_RUN = textwrap.dedent(
    """
    import contextlib, json, sys
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from cifar_cnn import compile_model, create_model_intro, evaluate, set_seed, train
    from cifar_cnn.pipeline import replicas

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (320, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, 320)
    results = {}
    for devices in (1, 2):
        if devices == 2:
            scope = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope()
        else:
            scope = contextlib.nullcontext()
        with scope:
            set_seed(42)
            model = compile_model(create_model_intro())
            # One batch an epoch: the shuffled order cannot differ between the runs (Keras may
            # open the pipeline's iterator a different number of times under a strategy).
            history = train(model, (x[:256], y[:256], x[256:], y[256:]), epochs=3, batch_size=256,
                            seed=7, verbose=0)
            results[devices] = {
                "replicas": replicas(),
                "history": history.history,
                "evaluate": evaluate(model, x[256:], y[256:]),
                "weights": [float(np.abs(w).sum()) for w in model.get_weights()],
                # the lesson's batch size: several steps per epoch
                "batch32": train(model, (x[:256], y[:256]), epochs=1, verbose=0).history,
            }
    print("RESULT " + json.dumps(results))
    """
)

JAX_RUN = textwrap.dedent(
    """
    import json
    import jax, keras
    import numpy as np
    from cifar_cnn import compile_model, create_model_intro, set_seed, train

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (256, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, 256)
    results = {}
    for devices in (1, 2):
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=jax.devices()[:devices]))
        set_seed(42)
        model = compile_model(create_model_intro())
        history = train(model, (x, y), epochs=1, seed=7, verbose=0)
        results[devices] = {"devices": len(jax.devices()[:devices]), "history": history.history}
    print("RESULT " + json.dumps(results))
    """
)


def run_child(script, **env):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=environment)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return {int(k): v for k, v in json.loads(lines[-1][len("RESULT "):]).items()}


def close(a, b, rtol):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=1e-6)


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
                    reason="tf.distribute needs the TensorFlow backend")
def test_train_under_a_two_device_strategy_matches_one_device():
    results = run_child(TENSORFLOW_RUN, KERAS_BACKEND="tensorflow")
    one, two = results[1], results[2]
    assert one["replicas"] == 1 and two["replicas"] == 2
    # The same global batch of 32 split over two devices: the same sums in another order, so
    # the numbers agree up to rounding (loose tolerances: rounding differs between processors).
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert close(one["history"][key], two["history"][key], rtol=1e-3), (key, one["history"], two["history"])
    assert close(one["evaluate"]["loss"], two["evaluate"]["loss"], rtol=1e-3)
    assert close(one["weights"], two["weights"], rtol=1e-3)
    assert np.isfinite(two["batch32"]["loss"][0]) and len(two["batch32"]["accuracy"]) == 1


@pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                    reason='JAX is not installed: pip install -e ".[dev,backends]"')
def test_train_under_keras_data_parallel_on_two_jax_devices():
    results = run_child(JAX_RUN, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    assert results[1]["devices"] == 1 and results[2]["devices"] == 2
    for key in ("loss", "accuracy"):
        assert close(results[1]["history"][key], results[2]["history"][key], rtol=2e-2), key

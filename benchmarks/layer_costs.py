"""What the lesson's slower models cost per image, and whether TensorFlow's thread settings help.

A benchmark script, not a test (minutes of training; CI never runs it). Episode 5's augmented
model (random flips and rotations in front of the intro network) and episode 9's
batch-normalization challenge make most of the lesson's training wait. This times
``train()`` on three networks, each in a fresh process so that TensorFlow reads its thread
settings at start: the intro network, the augmented one, and the intro network with a
``BatchNormalization`` after each convolution. Variants: TensorFlow's default thread pools,
``TF_NUM_INTEROP_THREADS=1``, and that with ``TF_NUM_INTRAOP_THREADS=2``. Each process
trains one short warm-up epoch (tracing), then two epochs of ``--n-train`` images at batch
32 (no validation) and prints images per second and the last epoch's loss (which must not
depend on the variant). Rounds alternate over every model and variant, so that a change in
the machine's speed hits all of them.

Run from the repository root::

    .venv/bin/python benchmarks/layer_costs.py --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

WORKER = """
import json, sys, time
import keras
from cifar_cnn import compile_model, create_model_intro, load_cifar10, set_seed, train
kind, n_train = sys.argv[1], int(sys.argv[2])
data = load_cifar10(n_train=n_train)
set_seed(42)
if kind == "intro":
    model = create_model_intro()
elif kind == "augmented":  # episode 5's augmented model
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomRotation(10 / 360)(x)
    model = keras.Model(inputs, create_model_intro()(x))
else:  # episode 9's challenge: batch normalization after each convolution
    inputs = keras.Input((32, 32, 3))
    x = inputs
    for filters in (16, 32):
        x = keras.layers.Conv2D(filters, 3)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
compile_model(model)
train(model, (data.x_train[:4000], data.y_train[:4000]), epochs=1, seed=42, verbose=0)  # warm-up
start = time.perf_counter()
history = train(model, (data.x_train, data.y_train), epochs=2, seed=42, verbose=0)
seconds = time.perf_counter() - start
print(json.dumps({"images_per_s": 2 * n_train / seconds, "loss": history.history["loss"][-1]}))
"""

VARIANTS = {
    "default": {},
    "inter-op 1": {"TF_NUM_INTEROP_THREADS": "1"},
    "inter-op 1, intra-op 2": {"TF_NUM_INTEROP_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "2"},
}
MODELS = ("intro", "augmented", "batchnorm")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n-train", type=int, default=20_000, help="training images per epoch")
    parser.add_argument("--data-dir", help="the cifar-10-batches-py folder (default: as load_cifar10 finds it)")
    args = parser.parse_args(argv)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if args.data_dir:
        env["CIFAR_CNN_DATA"] = args.data_dir
    results: dict[tuple[str, str], list[dict]] = {}
    for round_ in range(1, args.rounds + 1):
        for kind in MODELS:
            for name, settings in VARIANTS.items():
                run = subprocess.run([sys.executable, "-c", WORKER, kind, str(args.n_train)],
                                     env=dict(env, **settings), capture_output=True, text=True)
                lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
                if run.returncode or not lines:
                    print(f"round {round_} {kind} {name}: failed\n{run.stderr[-2000:]}", file=sys.stderr)
                    continue
                result = json.loads(lines[0])
                results.setdefault((kind, name), []).append(result)
                print(f"round {round_}  {kind:<10} {name:<24} {result['images_per_s']:8,.0f} images/s"
                      f"  loss {result['loss']:.6f}", flush=True)
    print("\nmedian images/s (and the losses seen)")
    for (kind, name), runs in results.items():
        losses = sorted({f"{r['loss']:.6f}" for r in runs})
        print(f"{kind:<10} {name:<24} {statistics.median(r['images_per_s'] for r in runs):8,.0f}  {', '.join(losses)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

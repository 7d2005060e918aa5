"""Where the training time goes: the speed-up candidates for the intro model, measured.

A benchmark script, not a test. Each variant trains ``create_model_intro`` on the
40,000 training images in a fresh subprocess: one untimed epoch, then ``--epochs``
timed ones. It prints, per variant, the fastest and the median epoch, and the longest
wait before an epoch's first batch (the time Keras spends starting the epoch).

Variants:

* ``fit``: plain ``model.fit(x, y, batch_size=B)`` on the NumPy arrays, as the
  reference lessons train;
* ``fit-xla``: the same with ``jit_compile=True`` (XLA);
* ``train-1``: ``cifar_cnn.train`` with one batch per call into TensorFlow;
* ``train``: ``cifar_cnn.train`` as shipped (up to 32 batches per call);
* ``train-uint8``: ``cifar_cnn.train`` fed uint8 images that a ``Rescaling`` layer in
  front of the model scales to 0-1.

    .venv/bin/python benchmarks/candidates.py --data-dir /path/to/cifar-10-batches-py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

VARIANTS = ("fit", "fit-xla", "train-1", "train", "train-uint8")


def worker(args):
    import keras

    import cifar_cnn
    from cifar_cnn import training

    uint8 = args.variant == "train-uint8"
    data = cifar_cnn.load_cifar10(args.data_dir, dtype="uint8" if uint8 else "float32")
    x, y = data.x_train, data.y_train
    cifar_cnn.set_seed(42)
    model = cifar_cnn.create_model_intro()
    if uint8:
        inputs = keras.Input((32, 32, 3))
        model = keras.Model(inputs, model(keras.layers.Rescaling(1 / 255)(inputs)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  jit_compile=args.variant == "fit-xla")
    if args.variant == "train-1":
        training.MAX_STEPS_PER_EXECUTION = 1
    marks = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            marks.append({"begin": time.perf_counter()})

        def on_train_batch_begin(self, batch, logs=None):
            marks[-1].setdefault("first_batch", time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            marks[-1]["end"] = time.perf_counter()

    epochs = 1 + args.epochs
    if args.variant.startswith("fit"):
        model.fit(x, y, batch_size=args.batch_size, epochs=epochs, verbose=0, callbacks=[Clock()])
    else:
        cifar_cnn.train(model, (x, y), batch_size=args.batch_size, epochs=epochs, verbose=0,
                        callbacks=[Clock()])
    timed = marks[1:]
    print("RESULT " + json.dumps({
        "epoch_s": [m["end"] - m["begin"] for m in timed],
        "start_wait_s": [m["first_batch"] - m["begin"] for m in timed],
    }))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--epochs", type=int, default=4, help="timed epochs per variant")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        return worker(args)
    started = time.perf_counter()
    print("| variant | batch | fastest epoch s | median epoch s | img/s (median) | longest epoch-start wait s |")
    print("|---|---:|---:|---:|---:|---:|")
    for batch_size in args.batch_sizes:
        for variant in args.variants:
            if variant == "fit-xla" and batch_size != args.batch_sizes[0]:
                continue
            cmd = [sys.executable, os.path.abspath(__file__), "--variant", variant,
                   "--batch-size", str(batch_size), "--epochs", str(args.epochs)]
            if args.data_dir:
                cmd += ["--data-dir", args.data_dir]
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
            line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line is None:
                sys.exit(f"{variant} failed:\n{proc.stdout}\n{proc.stderr}")
            r = json.loads(line[len("RESULT "):])
            median = statistics.median(r["epoch_s"])
            print(f"| {variant} | {batch_size} | {min(r['epoch_s']):.2f} | {median:.2f} | "
                  f"{40_000 / median:,.0f} | {max(r['start_wait_s']):.2f} |", flush=True)
    print(f"\nwall time {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()

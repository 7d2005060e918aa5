"""Time to accuracy: epochs and wall seconds each model factory needs to reach a
validation accuracy, trained with the package's defaults.

A benchmark script, not a test: it takes many minutes and is never run in CI. For every
factory it trains a fresh model (seed 42) with ``cifar_cnn.train`` and its defaults
(Adam, batch size 32; ``create_model_fast`` with its own recipe, ``train_fast``),
validating after every epoch, and records the first epoch and the wall time (counted
from the start of training, validation included) at which the validation accuracy
reaches 0.50, 0.60, 0.65, 0.70, 0.75 and 0.80. A model stops after ``--max-epochs``
epochs, after the epoch that passes ``--max-minutes``, or once it reaches the highest
threshold. Its test accuracy is then measured once.

    .venv/bin/python benchmarks/time_to_accuracy.py --data-dir /path/to/cifar-10-batches-py \\
        --json time_to_accuracy.json

``--models intro --n-train 40000 20000 10000 5000 --batch-sizes 32 128 --max-epochs 10``
gives the curves the workshop
planner (``cifar-cnn plan``) quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

THRESHOLDS = (0.50, 0.60, 0.65, 0.70, 0.75, 0.80)
SEED = 42


def run_one(name, data, *, batch_size, max_epochs, max_seconds):
    import keras

    import cifar_cnn

    curve = []

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            curve.append({"epoch": epoch + 1, "seconds": round(seconds, 1),
                          "accuracy": round(float(logs["accuracy"]), 4),
                          "val_accuracy": round(float(logs["val_accuracy"]), 4)})
            print(f"  {name} epoch {epoch + 1:2d}: {seconds:6.1f} s, "
                  f"val_accuracy {logs['val_accuracy']:.4f}", file=sys.stderr, flush=True)
            if name != "fast" and (seconds > max_seconds or logs["val_accuracy"] >= THRESHOLDS[-1]):
                self.model.stop_training = True

    keras.backend.clear_session()
    cifar_cnn.set_seed(SEED)
    model = cifar_cnn.get_factory(name)()
    if name == "fast":  # its learning-rate schedule needs the whole run: no early stop
        cifar_cnn.train_fast(model, data, seed=SEED, verbose=0, callbacks=[Clock()])
    else:
        cifar_cnn.train(model, data, epochs=max_epochs, batch_size=batch_size, seed=SEED, verbose=0,
                        callbacks=[Clock()])
    test = cifar_cnn.evaluate(model, data.x_test, data.y_test)
    reached = {}
    for threshold in THRESHOLDS:
        hit = next((c for c in curve if c["val_accuracy"] >= threshold), None)
        reached[f"{threshold:.2f}"] = None if hit is None else [hit["epoch"], hit["seconds"]]
    return {
        "model": name, "parameters": model.count_params(), "n_train": len(data.x_train),
        "batch_size": 128 if name == "fast" else batch_size,
        "epochs_run": len(curve), "seconds": curve[-1]["seconds"],
        "best_val_accuracy": max(c["val_accuracy"] for c in curve),
        "test_accuracy": round(float(test["accuracy"]), 4), "reached": reached, "curve": curve,
    }


def table(results):
    head = "| model | parameters | training images | batch | " + " | ".join(
        f"val {t:.2f}" for t in THRESHOLDS) + " | epochs run | seconds | best val | test |"
    lines = [head, "|---|---:|---:|---:|" + "---:|" * len(THRESHOLDS) + "---:|---:|---:|---:|"]
    for r in results:
        cells = ["-" if r["reached"][f"{t:.2f}"] is None else
                 "{} ep, {:.0f} s".format(*r["reached"][f"{t:.2f}"]) for t in THRESHOLDS]
        lines.append(f"| {r['model']} | {r['parameters']:,} | {r['n_train']:,} | {r['batch_size']} | " + " | ".join(cells)
                     + f" | {r['epochs_run']} | {r['seconds']:.0f} | {r['best_val_accuracy']:.3f} | "
                     f"{r['test_accuracy']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    parser.add_argument("--models", nargs="+", default=None,
                        help="factory names (default: all of cifar_cnn.MODELS)")
    parser.add_argument("--n-train", type=int, nargs="+", default=[None],
                        help="training-set sizes (default: all 40,000)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32],
                        help="batch sizes for train (default 32, the lesson's)")
    parser.add_argument("--max-epochs", type=int, default=15)
    parser.add_argument("--max-minutes", type=float, default=4.0,
                        help="stop a model after the epoch that passes this (default 4)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)

    import keras
    import tensorflow as tf

    import cifar_cnn

    models = args.models or list(cifar_cnn.MODELS)
    started = time.perf_counter()
    results = []
    for n_train in args.n_train:
        data = cifar_cnn.load_cifar10(args.data_dir, n_train=n_train)
        for batch_size in args.batch_sizes:
            for name in models:
                if name == "fast" and batch_size != args.batch_sizes[0]:
                    continue  # its recipe fixes the batch size
                results.append(run_one(name, data, batch_size=batch_size, max_epochs=args.max_epochs,
                                       max_seconds=args.max_minutes * 60))
    print(table(results))
    print(f"\nPython {platform.python_version()}, Keras {keras.__version__} "
          f"({keras.backend.backend()}), TensorFlow {tf.__version__}, {os.cpu_count()} cores; "
          f"wall time {(time.perf_counter() - started) / 60:.1f} min")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"results": results, "thresholds": THRESHOLDS, "keras": keras.__version__,
                       "tensorflow": tf.__version__, "cpu_count": os.cpu_count()}, handle, indent=1)


if __name__ == "__main__":
    main()

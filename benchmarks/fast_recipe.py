"""Train ``create_model_fast`` with its recipe (``train_fast``) and time it.

A benchmark script, not a test. It trains on the package's default split (40,000
training and 10,000 validation images), prints every epoch's wall time and accuracies,
the total training time (validation included) and the final test accuracy, and writes
the same as one JSON object with ``--json FILE``.

    .venv/bin/python benchmarks/fast_recipe.py --data-dir /path/to/cifar-10-batches-py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder holding cifar-10-batches-py")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--peak-learning-rate", type=float, default=3e-3)
    parser.add_argument("--filters", type=int, nargs="+", default=[24, 48, 96])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)

    import cifar_cnn

    data = cifar_cnn.load_cifar10(args.data_dir)
    import keras

    epochs = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            epochs.append({"epoch": epoch + 1, "seconds": round(seconds, 2),
                           **{k: round(float(v), 4) for k, v in logs.items() if "learning_rate" not in k}})
            print(f"epoch {epoch + 1:2d}: {seconds:5.1f} s  accuracy {logs['accuracy']:.4f}  "
                  f"val_accuracy {logs['val_accuracy']:.4f}", flush=True)

    cifar_cnn.set_seed(args.seed)
    model = cifar_cnn.create_model_fast(filters=tuple(args.filters))
    start = time.perf_counter()
    cifar_cnn.train_fast(model, data, epochs=args.epochs, batch_size=args.batch_size,
                         peak_learning_rate=args.peak_learning_rate, seed=args.seed,
                         callbacks=[Clock()], verbose=0)
    training = time.perf_counter() - start
    test = cifar_cnn.evaluate(model, data.x_test, data.y_test)
    result = {
        "model": model.name, "parameters": model.count_params(), "filters": args.filters,
        "epochs": args.epochs, "batch_size": args.batch_size,
        "peak_learning_rate": args.peak_learning_rate, "seed": args.seed,
        "training_seconds": round(training, 1), "test_accuracy": round(float(test["accuracy"]), 4),
        "per_epoch": epochs, "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    print(f"training {training:.0f} s ({training / 60:.1f} min, validation included); "
          f"test accuracy {test['accuracy']:.4f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=1)
    return result


if __name__ == "__main__":
    main()

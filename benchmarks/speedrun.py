"""The speed-run recipe on the lesson's split: per-epoch time, validation, one test score.

A benchmark script, not a test (minutes of training; CI never runs it). It trains
``create_model_speedrun`` with ``train_speedrun`` on the lesson's 40,000 training images,
validating on the 10,000 validation images, then touches the test set exactly once
(flip test-time augmentation), and prints one line per epoch. Every run is appended to
``benchmarks/results/speedrun_runs.jsonl`` (all runs, not only the best one), with the
machine's load average before and after, so the report can list each of them.

Run from the repository root on a quiet machine::

    .venv/bin/python benchmarks/speedrun.py --data-dir /path/to/cifar-10-batches-py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "speedrun_runs.jsonl"


def main(argv=None):
    from train_throughput import cpu_model  # the processor's model name: a run's rounding depends on it

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=None)
    p.add_argument("--epochs", type=int, default=12)  # train_speedrun's default
    p.add_argument("--widths", type=int, nargs=3, default=[32, 64, 128])
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--peak-learning-rate", type=float, default=0.2)
    p.add_argument("--warmup-epochs", type=int, default=2)
    p.add_argument("--label-smoothing", type=float, default=0.2)
    p.add_argument("--n-train", type=int, default=None, help="a stratified subset, for probes")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-record", action="store_true", help="do not append the run to the results file")
    p.add_argument("--report", action="store_true", help="print every recorded run as Markdown tables and stop")
    args = p.parse_args(argv)
    if args.report:
        return report()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from cifar_cnn import load_cifar10, set_seed
    from cifar_cnn.recipes.speedrun_recipe import create_model_speedrun, evaluate_speedrun, train_speedrun

    load_before = os.getloadavg()
    data = load_cifar10(args.data_dir, n_train=args.n_train, dtype="uint8", seed=args.seed)
    set_seed(args.seed)
    model = create_model_speedrun(filters=tuple(args.widths))
    epochs = []

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            total = time.perf_counter() - self.start
            last = epochs[-1]["total_s"] if epochs else 0.0
            row = {"epoch": epoch + 1, "seconds": total - last, "total_s": total,
                   "train_accuracy": logs.get("accuracy"), "val_accuracy": logs.get("val_accuracy"),
                   "load1": os.getloadavg()[0]}
            epochs.append(row)
            val = f"{row['val_accuracy']:.4f}" if row["val_accuracy"] is not None else "-"
            print(f"epoch {row['epoch']:3d}  {row['seconds']:6.1f} s  total {total:6.1f} s  "
                  f"train acc {row['train_accuracy']:.4f}  val acc {val}  load {row['load1']:.1f}", flush=True)

    print(f"{model.count_params():,} parameters, widths {tuple(args.widths)}, {len(data.x_train):,} training "
          f"images, {args.epochs} epochs, batch {args.batch_size}; load average {load_before[0]:.1f}", flush=True)
    start = time.perf_counter()
    train_speedrun(model, data, epochs=args.epochs, batch_size=args.batch_size,
                   peak_learning_rate=args.peak_learning_rate, warmup_epochs=args.warmup_epochs,
                   label_smoothing=args.label_smoothing, seed=args.seed, callbacks=[Clock()], verbose=0)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    test = evaluate_speedrun(model, data.x_test, data.y_test)["accuracy"]  # the one look at the test set
    test_seconds = time.perf_counter() - start
    load_after = os.getloadavg()
    print(f"training {train_seconds:.0f} s ({train_seconds / 60:.1f} min, validation included); "
          f"test accuracy {test:.4f} (flip TTA, {test_seconds:.1f} s); load average before "
          f"{load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")
    record = {
        "recipe": "speedrun", "widths": args.widths, "epochs": args.epochs, "batch_size": args.batch_size,
        "peak_learning_rate": args.peak_learning_rate, "warmup_epochs": args.warmup_epochs,
        "label_smoothing": args.label_smoothing, "n_train": len(data.x_train), "seed": args.seed,
        "parameters": model.count_params(), "train_seconds": train_seconds, "test_accuracy": test,
        "epochs_log": epochs, "load_before": load_before, "load_after": load_after,
        "machine": f"{platform.machine()}, {os.cpu_count()} logical cores", "processor": cpu_model(),
        "numerics": numerics(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": " ".join([os.path.relpath(sys.executable)] + sys.argv),
    }
    if not args.no_record:
        RESULTS.parent.mkdir(exist_ok=True)
        with RESULTS.open("a") as f:  # one line per run, appended: every run is kept
            f.write(json.dumps(record) + "\n")


def numerics():
    """Which of TensorFlow's CPU numerics paths ran: oneDNN's kernels, or the plain Eigen ones."""
    return "oneDNN off" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "oneDNN on (default)"


def report():
    """Every recorded run, then the epochs of each full run, as Markdown tables."""
    runs = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()] if RESULTS.exists() else []
    print("| run | when (UTC) | widths | epochs | training images | training s (min), validation included "
          "| test accuracy (flip TTA) | seed | processor, numerics | load average at start / end |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|---|")
    for k, r in enumerate(runs, 1):
        print(f"| {k} | {r['when']} | {'-'.join(map(str, r['widths']))} | {r['epochs']} | {r['n_train']:,} | "
              f"{r['train_seconds']:.0f} ({r['train_seconds'] / 60:.1f}) | {r['test_accuracy']:.4f} | {r['seed']} | "
              f"{r.get('processor', 'not recorded')}, {r.get('numerics', 'oneDNN on (default)')} | {r['load_before'][0]:.1f} / {r['load_after'][0]:.1f} |")
    for k, r in enumerate(runs, 1):
        print(f"\nRun {k}, epoch by epoch:\n")
        print("| epoch | seconds | total s | training accuracy | validation accuracy | load (1 min) |")
        print("|---:|---:|---:|---:|---:|---:|")
        for e in r["epochs_log"]:
            val = "-" if e["val_accuracy"] is None else f"{e['val_accuracy']:.4f}"
            print(f"| {e['epoch']} | {e['seconds']:.1f} | {e['total_s']:.0f} | {e['train_accuracy']:.4f} | {val} | "
                  f"{e['load1']:.1f} |")


if __name__ == "__main__":
    main()

"""How much a second core speeds up the lesson's training: ``train()`` pinned to 1 and to 2 cores.

A benchmark script, not a test (minutes of training; CI never runs it). Each measurement is
a fresh process pinned with ``taskset -c`` (Linux) to the first N cores, so TensorFlow sizes
its thread pools for N cores. The rounds alternate (1 core, 2 cores, 1 core, ...) so that a
change in the machine's load hits both. Each process loads the lesson's data (40,000
training images as uint8, 10,000 validation), builds the intro network with the lesson's
seed, trains one epoch to warm up (tracing), then times ``--epochs`` more epochs of
``train()`` at batch 32, validation included, and prints images per second and the final
validation accuracy.

Run from the repository root::

    .venv/bin/python benchmarks/core_scaling.py --cores 1 2 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

WORKER = """
import json, os, sys, time
from cifar_cnn import compile_model, create_model_intro, load_cifar10, set_seed, train
from cifar_cnn import lesson
epochs = int(sys.argv[1])
data = load_cifar10(dtype="uint8")
set_seed(lesson.SEED)
model = compile_model(create_model_intro())
train(model, data, epochs=1, verbose=0)  # warm-up: the first epoch traces the step functions
start = time.perf_counter()
history = train(model, data, epochs=epochs, verbose=0)
seconds = time.perf_counter() - start
print("RESULT " + json.dumps({"cores": sorted(os.sched_getaffinity(0)), "seconds": seconds,
      "images_per_s": epochs * len(data.x_train) / seconds,
      "val_accuracy": history.history["val_accuracy"][-1]}))
"""


def measure(cores, epochs):
    """One pinned run: a dict with the cores, seconds, images/s and validation accuracy."""
    cpus = ",".join(str(c) for c in range(cores))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(["taskset", "-c", cpus, sys.executable, "-c", WORKER, str(epochs)],
                          capture_output=True, text=True, env=env, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def main(argv=None):
    from train_throughput import cpu_model  # the processor's model name

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per run (after one warm-up)")
    args = parser.parse_args(argv)
    if shutil.which("taskset") is None:
        sys.exit("core_scaling.py needs taskset (Linux, util-linux)")
    if max(args.cores) > os.cpu_count():
        sys.exit(f"this machine has {os.cpu_count()} cores")
    print(f"{cpu_model()}, {os.cpu_count()} cores; "
          f"load average before: {os.getloadavg()}")
    results = {n: [] for n in args.cores}
    for r in range(args.rounds):
        order = args.cores if r % 2 == 0 else list(reversed(args.cores))
        for n in order:
            result = measure(n, args.epochs)
            results[n].append(result)
            print(f"round {r + 1}, {n} core(s): {result['images_per_s']:,.0f} images/s, "
                  f"validation accuracy {result['val_accuracy']:.4f}", flush=True)
    print(f"load average after: {os.getloadavg()}")
    base = statistics.median(r["images_per_s"] for r in results[args.cores[0]])
    print("| cores | images/s (median) | speed-up | validation accuracy |")
    print("|---|---:|---:|---|")
    for n in args.cores:
        speed = statistics.median(r["images_per_s"] for r in results[n])
        accuracies = ", ".join(f"{r['val_accuracy']:.4f}" for r in results[n])
        print(f"| {n} | {speed:,.0f} | {speed / base:.2f}x | {accuracies} |")


if __name__ == "__main__":
    main()

"""Peak memory of the lesson's training run: the command line beside plain PyTorch, one run.

A benchmark script, not a test (minutes of training; CI never runs it). In one run, each
in a fresh process, one after the other (the order alternates with ``--repeats``):

* ``python -m cifar_cnn train intro --epochs 10``: what a learner runs from a terminal
  (uint8 images scaled batch by batch, validation after every epoch, the test set once
  at the end, the model and its curves saved);
* the same training in plain PyTorch: the same network
  (``train_throughput.torch_intro_model``), Adam at 0.001, cross-entropy, batch 32,
  shuffling with ``torch.randperm``, over the float32 arrays ``load_cifar10()`` returns
  (viewed as NCHW, not copied: the loop's smallest footprint), validation after every
  epoch, the test set at the end.

For each it prints the peak resident memory the kernel reports for that process
(``ru_maxrss`` from ``os.wait4``: what ``/usr/bin/time -v`` calls "Maximum resident set
size"), the wall time, and the accuracies, so the memory is compared at equal work.

Run from the repository root::

    .venv/bin/python benchmarks/memory.py --data-dir /path/to/cifar-10-batches-py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 42
BATCH_SIZE = 32


def worker_torch(args):
    """The lesson's run in plain PyTorch; prints one RESULT line of JSON."""
    import torch
    from torch import nn

    from cifar_cnn import load_cifar10
    from train_throughput import torch_intro_model

    data = load_cifar10(args.data_dir, seed=SEED)  # float32, as a notebook holds them
    x_test = data.x_test  # read now, as a plain loop's loader (keras.datasets, torchvision) reads them

    def nchw(images):
        return torch.from_numpy(images).permute(0, 3, 1, 2)  # a view on the same memory

    x, y = nchw(data.x_train), torch.from_numpy(data.y_train)
    torch.manual_seed(SEED)
    model = torch_intro_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def accuracy(images, labels):
        model.eval()
        right = 0
        with torch.no_grad():
            for i in range(0, len(labels), 256):
                batch = nchw(images[i:i + 256])
                right += (model(batch).argmax(1).numpy() == labels[i:i + 256]).sum()
        return float(right / len(labels))

    start = time.perf_counter()
    val = []
    for _ in range(args.epochs):
        model.train()
        perm = torch.randperm(len(y))
        for i in range(0, len(y), BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
        val.append(accuracy(data.x_val, data.y_val))
    train_seconds = time.perf_counter() - start
    test = accuracy(x_test, data.y_test)
    print("RESULT " + json.dumps({"train_seconds": train_seconds, "val_accuracy": val,
                                  "test_accuracy": test, "torch": torch.__version__}), flush=True)


def _run(cmd, env, log: Path):
    """Run cmd to completion; return (exit code, peak RSS in bytes, wall seconds)."""
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not all children's
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss * 1024, time.perf_counter() - start


def measure_command(args, workdir: Path) -> dict:
    out = workdir / "run"
    cmd = [sys.executable, "-m", "cifar_cnn", "train", "intro", "--epochs", str(args.epochs), "--out", str(out)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    log = workdir / "command.log"
    code, peak, wall = _run(cmd, env, log)
    if code != 0:
        sys.exit(f"`{' '.join(cmd)}` failed ({code}):\n{log.read_text()}")
    record = json.loads(next(out.glob("*.json")).read_text())
    return {"peak": peak, "wall": wall, "train_seconds": record["train_seconds"],
            "val_accuracy": record["history"]["val_accuracy"], "test_accuracy": record["test_accuracy"]}


def measure_torch(args, workdir: Path) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--epochs", str(args.epochs)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    log = workdir / "torch.log"
    code, peak, wall = _run(cmd, dict(os.environ), log)
    lines = [line for line in log.read_text().splitlines() if line.startswith("RESULT ")]
    if code != 0 or not lines:
        sys.exit(f"the PyTorch worker failed ({code}):\n{log.read_text()}")
    return {"peak": peak, "wall": wall, **json.loads(lines[0][len("RESULT "):])}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=None,
                   help="cifar-10-batches-py folder (default: CIFAR_CNN_DATA, then the Keras cache)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=1, help="rounds, alternating which goes first")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.epochs < 1 or args.repeats < 1:
        p.error("--epochs and --repeats must be at least 1")
    if args.worker:
        return worker_torch(args)

    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cifar-cnn-memory-") as tmp:
        for rnd in range(args.repeats):
            order = [("cifar-cnn train", measure_command), ("PyTorch loop", measure_torch)]
            for name, measure in order if rnd % 2 == 0 else order[::-1]:
                workdir = Path(tmp) / f"{rnd}-{name.split()[0]}"
                workdir.mkdir()
                r = measure(args, workdir)
                rows.append((rnd + 1, name, r))
                print(f"  round {rnd + 1}, {name}: peak {r['peak'] / 1e9:.2f} GB, test {r['test_accuracy']:.4f}",
                      file=sys.stderr, flush=True)
    from train_throughput import cpu_model

    print(f"Machine: {cpu_model()}, {os.cpu_count()} logical cores; "
          f"Python {platform.python_version()}; load average at the start {load_before[0]:.1f}, "
          f"at the end {os.getloadavg()[0]:.1f}")
    print(f"The intro network, {args.epochs} epochs, batch {BATCH_SIZE}, 40,000 training images, "
          "validation on 10,000 after every epoch, the 10,000 test images once at the end\n")
    print("| round | run | peak RSS | training s | wall s | validation accuracy, last epoch | test accuracy |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for rnd, name, r in rows:
        print(f"| {rnd} | {name} | {r['peak'] / 1e9:.2f} GB | {r['train_seconds']:.0f} | {r['wall']:.0f} | "
              f"{r['val_accuracy'][-1]:.4f} | {r['test_accuracy']:.4f} |")


if __name__ == "__main__":
    main()

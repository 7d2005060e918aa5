"""Training and inference throughput of the lesson's intro model: Keras path vs plain PyTorch.

A benchmark script, not a test: it takes minutes and is never run in CI. It measures,
in one run and alternating between the frameworks so that both see the same machine
noise:

* training throughput of ``create_model_intro`` compiled with ``compile_model`` and
  trained through ``cifar_cnn.train(model, (x, y), epochs=1, batch_size=B, verbose=0)``,
  with the first epoch (graph building / tracing) reported apart from steady-state
  epochs;
* the same network written in plain PyTorch (same layers, Adam lr 1e-3,
  cross-entropy, same batch size, a plain loop shuffling with ``torch.randperm``);
* inference throughput (predict on the test images, batch 256) for both;
* the time to ``import cifar_cnn`` and to build the first model (which imports Keras);
* the peak resident memory of each framework's worker process.

Every measurement runs in a fresh subprocess: the script re-invokes itself with the
hidden ``--worker keras|torch`` flag and reads one JSON line back.

Run from the repository root::

    .venv/bin/python benchmarks/train_throughput.py \\
        --data-dir /path/to/cifar-10-batches-py --batch-sizes 32 256

A quick check on fewer images::

    .venv/bin/python benchmarks/train_throughput.py --n-train 2000 --epochs 1 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time

TEST_BATCH = 256
SEED = 42


# ------------------------------------------------------------------ workers


def _load(args):
    from cifar_cnn import load_cifar10

    # "train-uint8" keeps the images as uint8 (as `cifar-cnn train` does); train() scales them.
    dtype = "uint8" if args.worker == "train-uint8" else "float32"
    data = load_cifar10(args.data_dir, n_train=args.n_train, n_test=args.n_test, seed=SEED, dtype=dtype)
    return data.x_train, data.y_train, data.x_test


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _worker_keras(args):
    """Keras: the package's ``train`` (``--worker keras``) or plain ``model.fit`` on the
    NumPy arrays (``--worker fit``: what the reference lessons do, and this package did
    before it got its own input pipeline)."""
    import cifar_cnn

    x, y, x_test = _load(args)
    import keras
    import tensorflow as tf

    cifar_cnn.set_seed(SEED)
    factory = cifar_cnn.get_factory(args.model)
    model = cifar_cnn.compile_model(factory())
    ends = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    # One call for all epochs, as a learner trains; the first epoch's time counts from
    # the call, so it includes building the pipeline and tracing the step function.
    start = time.perf_counter()
    if args.worker in ("keras", "train-uint8"):
        cifar_cnn.train(model, (x, y), epochs=1 + args.epochs, batch_size=args.batch_size,
                        verbose=0, callbacks=[Clock()])
    else:
        model.fit(x, y, epochs=1 + args.epochs, batch_size=args.batch_size, verbose=0,
                  callbacks=[Clock()])
    first = ends[0] - start
    steady = [b - a for a, b in zip(ends, ends[1:])]
    predict = []
    for _ in range(2):  # the first call traces the predict function
        start = time.perf_counter()
        if args.worker == "train-uint8":
            import numpy as np

            cifar_cnn.evaluate(model, x_test, np.zeros(len(x_test), "int64"), batch_size=TEST_BATCH)
        else:
            model.predict(x_test, batch_size=TEST_BATCH, verbose=0)
        predict.append(time.perf_counter() - start)
    return {
        "first_epoch_s": first,
        "steady_epoch_s": steady,
        "predict_s": predict,
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "backend": keras.backend.backend(),
            "tf_threads": f"intra {tf.config.threading.get_intra_op_parallelism_threads()}, "
            f"inter {tf.config.threading.get_inter_op_parallelism_threads()} (0 = default)",
        },
    }


def torch_intro_model():
    """The lesson's intro network in plain PyTorch: the same layers, 79,530 parameters."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(3, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1152, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def _worker_torch(args):
    import torch
    from torch import nn

    x_np, y_np, x_test_np = _load(args)
    torch.manual_seed(SEED)
    # NHWC float32 -> NCHW tensors, once.
    x = torch.from_numpy(x_np.transpose(0, 3, 1, 2).copy())
    y = torch.from_numpy(y_np.astype("int64"))
    x_test = torch.from_numpy(x_test_np.transpose(0, 3, 1, 2).copy())
    model = torch_intro_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    bs, n = args.batch_size, len(x)

    def one_epoch():
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    first = one_epoch()
    steady = [one_epoch() for _ in range(args.epochs)]
    predict = []
    model.eval()
    for _ in range(2):
        start = time.perf_counter()
        with torch.no_grad():
            for i in range(0, len(x_test), TEST_BATCH):
                torch.softmax(model(x_test[i : i + TEST_BATCH]), dim=1)
        predict.append(time.perf_counter() - start)
    return {
        "first_epoch_s": first,
        "steady_epoch_s": steady,
        "predict_s": predict,
        "versions": {"torch": torch.__version__, "torch_threads": torch.get_num_threads()},
    }


def run_worker(args):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    result = (_worker_torch if args.worker == "torch" else _worker_keras)(args)
    result["peak_rss_mb"] = _peak_mb()
    print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------ driver


def _spawn(args, framework, batch_size, n_train, model="intro"):
    cmd = [
        sys.executable, os.path.abspath(__file__), "--worker", framework,
        "--batch-size", str(batch_size), "--n-train", str(n_train),
        "--epochs", str(args.epochs), "--model", model,
    ]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    if args.n_test:
        cmd += ["--n-test", str(args.n_test)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.setdefault("KERAS_BACKEND", "tensorflow")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    sys.exit(f"worker {framework} (batch {batch_size}) failed:\n{proc.stdout}\n{proc.stderr}")


def _import_time(code, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _summarise(runs, n_train, epochs):
    """Median over rounds of steady-state images/s, first-epoch seconds, predict images/s."""
    steady = [n_train * epochs / sum(r["steady_epoch_s"]) for r in runs]
    return {
        "steady_ips": statistics.median(steady),
        "steady_all": steady,
        "first_s": statistics.median(r["first_epoch_s"] for r in runs),
        "predict_ips": statistics.median(r["n_test"] / r["predict_s"][1] for r in runs),
        "predict_first_s": statistics.median(r["predict_s"][0] for r in runs),
        "peak_mb": max(r["peak_rss_mb"] for r in runs),
    }


def run_driver(args):
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable)] + sys.argv)
    n_test = args.n_test or 10_000
    frameworks = ("keras", "fit", "torch") + (("train-uint8",) if args.uint8 else ())
    results = {(fw, bs): [] for bs in args.batch_sizes for fw in frameworks}
    load_before = os.getloadavg()
    started = time.perf_counter()
    for rnd in range(1, args.repeats + 1):
        for bs in args.batch_sizes:
            # Rotate the order between rounds as well as between frameworks.
            shift = (rnd - 1) % len(frameworks)
            order = frameworks[shift:] + frameworks[:shift]
            for fw in order:
                t = time.perf_counter()
                r = _spawn(args, fw, bs, args.n_train)
                r["n_test"] = n_test
                results[fw, bs].append(r)
                print(f"  round {rnd}, batch {bs:>4}, {fw:<5}: steady "
                      f"{args.n_train * args.epochs / sum(r['steady_epoch_s']):7.0f} img/s, "
                      f"first epoch {r['first_epoch_s']:.1f} s ({time.perf_counter() - t:.0f} s)",
                      file=sys.stderr, flush=True)
    import_pkg = _import_time("import cifar_cnn")
    import_model = _import_time("import cifar_cnn; cifar_cnn.create_model_intro()")
    import_torch = _import_time("import torch")
    extra = {}
    for name in args.other_models:
        r = _spawn(args, "keras", args.other_batch_size, args.other_n_train, model=name)
        extra[name] = (args.other_n_train * args.epochs / sum(r["steady_epoch_s"]),
                       r["first_epoch_s"])
    total = time.perf_counter() - started

    versions = {}
    for runs in results.values():
        versions.update(runs[0]["versions"])
    lines = [
        f"Machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.machine()}",
        f"Python {platform.python_version()}, Keras {versions.get('keras')} "
        f"(backend {versions.get('backend')}), TensorFlow {versions.get('tensorflow')}, "
        f"torch {versions.get('torch')}",
        f"Threads: torch {versions.get('torch_threads')}; TensorFlow {versions.get('tf_threads')}",
        f"Command: {command}",
        f"Training images: {args.n_train:,}; steady-state epochs per measurement: {args.epochs}; "
        f"rounds: {args.repeats} (median reported); predict on {n_test:,} test images, "
        f"batch {TEST_BATCH}",
        "",
        "| batch | cifar_cnn.train img/s | model.fit img/s | PyTorch img/s | train/PyTorch | "
        f"train/fit | train s/epoch ({args.n_train:,}) | fit s/epoch | PyTorch s/epoch | "
        "train 1st epoch s | fit 1st epoch s | PyTorch 1st epoch s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary = {}
    for bs in args.batch_sizes:
        for fw in frameworks:
            summary[fw, bs] = _summarise(results[fw, bs], args.n_train, args.epochs)
        k, f, t = (summary[fw, bs] for fw in frameworks[:3])
        lines.append(
            f"| {bs} | {k['steady_ips']:,.0f} | {f['steady_ips']:,.0f} | {t['steady_ips']:,.0f} | "
            f"{k['steady_ips'] / t['steady_ips']:.2f} | {k['steady_ips'] / f['steady_ips']:.2f} | "
            f"{args.n_train / k['steady_ips']:.1f} | {args.n_train / f['steady_ips']:.1f} | "
            f"{args.n_train / t['steady_ips']:.1f} | {k['first_s']:.1f} | {f['first_s']:.1f} | "
            f"{t['first_s']:.1f} |"
        )
    lines += [
        "",
        "| measure | Keras | PyTorch | Keras/PyTorch |",
        "|---|---:|---:|---:|",
    ]
    kp = statistics.median(summary["keras", bs]["predict_ips"] for bs in args.batch_sizes)
    tp = statistics.median(summary["torch", bs]["predict_ips"] for bs in args.batch_sizes)
    kf = statistics.median(summary["keras", bs]["predict_first_s"] for bs in args.batch_sizes)
    tf_ = statistics.median(summary["torch", bs]["predict_first_s"] for bs in args.batch_sizes)
    lines.append(f"| predict, img/s (second call) | {kp:,.0f} | {tp:,.0f} | {kp / tp:.2f} |")
    lines.append(f"| predict, first call s | {kf:.2f} | {tf_:.2f} | |")
    for bs in args.batch_sizes:
        km, tm = summary["keras", bs]["peak_mb"], summary["torch", bs]["peak_mb"]
        lines.append(f"| peak RSS of the worker, batch {bs}, MB | {km:,.0f} | {tm:,.0f} | "
                     f"{km / tm:.2f} |")
    if args.uint8:
        for bs in args.batch_sizes:
            u, tm = summary["train-uint8", bs], summary["torch", bs]
            lines.append(f"| uint8 images (train scales them), batch {bs}: img/s | {u['steady_ips']:,.0f} | "
                         f"{tm['steady_ips']:,.0f} | {u['steady_ips'] / tm['steady_ips']:.2f} |")
            lines.append(f"| uint8 images, batch {bs}: peak RSS of the worker, MB | {u['peak_mb']:,.0f} | "
                         f"{tm['peak_mb']:,.0f} | {u['peak_mb'] / tm['peak_mb']:.2f} |")
    lines += [
        "",
        f"Import time (fresh process, median of 3): `import cifar_cnn` {import_pkg:.2f} s; "
        f"`import cifar_cnn; cifar_cnn.create_model_intro()` {import_model:.2f} s; "
        f"`import torch` {import_torch:.2f} s",
    ]
    for name, (ips, first) in extra.items():
        lines.append(f"Other factory: create_model_{name}, batch {args.other_batch_size}, "
                     f"{args.other_n_train:,} images: {ips:,.0f} img/s steady "
                     f"(first epoch {first:.1f} s)")
    lines.append("Per-round steady img/s: " + "; ".join(
        f"{fw} b{bs} " + ", ".join(f"{v:,.0f}" for v in summary[fw, bs]["steady_all"])
        for (fw, bs) in summary))
    lines.append(f"Benchmark wall time: {total / 60:.1f} min; load average (1, 5, 15 min) at the start "
                 + ", ".join(f"{v:.1f}" for v in load_before) + ", at the end "
                 + ", ".join(f"{v:.1f}" for v in os.getloadavg()))
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=None,
                   help="cifar-10-batches-py folder (default: CIFAR_CNN_DATA, then the Keras cache)")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    p.add_argument("--n-train", type=int, default=40_000,
                   help="training images (default 40000, all of the training split)")
    p.add_argument("--n-test", type=int, default=None, help="test images to predict (default all)")
    p.add_argument("--epochs", type=int, default=2, help="steady-state epochs per measurement")
    p.add_argument("--repeats", type=int, default=2, help="alternating rounds; the median is reported")
    p.add_argument("--other-models", nargs="*", default=[],
                   help="other factories to time, Keras only (e.g. vgg residual)")
    p.add_argument("--other-n-train", type=int, default=5_000)
    p.add_argument("--other-batch-size", type=int, default=32)
    p.add_argument("--uint8", action="store_true",
                   help="also train through cifar_cnn.train on uint8 images (the command line's memory-saving path)")
    p.add_argument("--worker", choices=["keras", "fit", "torch", "train-uint8"], help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    p.add_argument("--model", default="intro", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("n_train", "epochs", "repeats", "other_n_train", "other_batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if any(b < 1 for b in args.batch_sizes):
        p.error("--batch-sizes must be positive")
    if args.worker:
        run_worker(args)
    else:
        run_driver(args)


if __name__ == "__main__":
    main()

"""The frontier as a picture: accuracy against training minutes, for every factory and recipe.

One command draws ``fig/frontier.png`` and writes its points to ``docs/frontier.json``::

    .venv/bin/python benchmarks/frontier.py

It re-trains nothing: it draws measurements already made on the 2-core benchmark machine,
one run each (``docs/benchmarks.md`` lists them with their commands):

- the lesson's factories, from the time-to-accuracy run (``time_to_accuracy.py``, Adam,
  batch 32, 15 epochs or 4 minutes): the minute at which validation accuracy first
  reached 0.50, 0.60, 0.65, 0.70 and the best validation accuracy at the end of the run;
- ``create_model_fast`` with ``train_fast``: its epoch-by-epoch validation accuracy
  (``fast_recipe.py``);
- the speed-run recipe: epoch-by-epoch validation accuracy of the last full run recorded by
  ``benchmarks/speedrun.py`` (``benchmarks/results/speedrun_runs.jsonl``; every run is kept
  there, the figure shows the latest with the default settings).

Lines are validation accuracy (the test set is touched once per run); the star at the end
of each line is that run's test accuracy. ``cifar_cnn.workshop.frontier_runs`` holds the end points for
``cifar-cnn plan``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "speedrun_runs.jsonl"
FRONTIER_SPEEDRUN = "2026-11-29 21:15 UTC"  # the run of the speed-run recipe the figure shows
MACHINE = ("2 shared logical cores, TensorFlow 2.21 CPU: factories on an AMD EPYC (2026-11-21),\n"
           "speed-run on an Intel Xeon at load average 0.7-2.4 (2026-11-29)")

# time_to_accuracy.py, 2026-11-21 (docs/benchmarks.md, "Time to accuracy"): for each
# factory the (seconds, validation accuracy) at which 0.50/0.60/0.65/0.70 was first
# reached, then (seconds at the end, best validation accuracy), and the test accuracy.
TIME_TO_ACCURACY = {
    "intro": ([(6, 0.50), (17, 0.60), (49, 0.65), (76, 0.668)], 0.660),
    "dropout": ([(6, 0.50), (16, 0.60), (35, 0.65), (75, 0.685)], 0.679),
    "one_conv": ([(5, 0.50), (34, 0.560)], 0.549),
    "two_conv": ([(10, 0.50), (70, 0.566)], 0.543),
    "vgg": ([(39, 0.50), (58, 0.60), (115, 0.65), (169, 0.70), (244, 0.725)], 0.718),
    "residual": ([(53, 0.50), (76, 0.60), (123, 0.65), (218, 0.70), (242, 0.725)], 0.727),
    "dense": ([(33, 0.449)], 0.450),
    "deep": ([(223, 0.50), (258, 0.543)], 0.541),
}
# fast_recipe.py, 2026-11-21: total seconds and validation accuracy after each epoch.
FAST = ([(41, 0.241), (77, 0.521), (113, 0.542), (147, 0.581), (182, 0.644), (217, 0.687), (251, 0.702),
         (285, 0.637), (319, 0.721), (353, 0.785), (387, 0.767), (421, 0.791), (458, 0.797), (492, 0.808),
         (527, 0.810)], 0.8013)


def speedrun_runs(path=RESULTS):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def collect(path=RESULTS) -> dict:
    curves = {}
    for name, (points, test) in TIME_TO_ACCURACY.items():
        curves[f"create_model_{name} (train)"] = {
            "points": [[s / 60, a] for s, a in points], "test": [points[-1][0] / 60, test],
            "source": "time_to_accuracy.py (first minute at each level, then the end of the run)"}
    points, test = FAST
    curves["create_model_fast (train_fast)"] = {
        "points": [[s / 60, a] for s, a in points], "test": [points[-1][0] / 60, test],
        "source": "fast_recipe.py (every epoch)"}
    # The frontier's machine ran run 3 (2026-11-29, Intel Xeon, otherwise idle); the later runs
    # (3 seeds x 2 numerics paths, 12 epochs) ran on another processor, at another speed.
    full = [r for r in speedrun_runs(path) if r.get("n_train") == 40_000 and r["when"] == FRONTIER_SPEEDRUN]
    if full:
        run = full[-1]
        points = [[e["total_s"] / 60, e["val_accuracy"]] for e in run["epochs_log"] if e["val_accuracy"] is not None]
        curves[f"create_model_speedrun (train_speedrun, {run['epochs']} epochs)"] = {
            "points": points, "test": [run["train_seconds"] / 60, run["test_accuracy"]],
            "source": f"speedrun.py, {run['when']}, load average {run['load_before'][0]:.1f} at the start (every epoch)"}
    return {"machine": MACHINE, "curves": curves}


def draw(frontier: dict, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5))
    for name, curve in sorted(frontier["curves"].items(), key=lambda kv: -kv[1]["test"][1]):
        xs, ys = zip(*curve["points"])
        line, = ax.plot(xs, ys, marker=".", label=f"{name}: test {curve['test'][1]:.3f}")
        ax.plot(*curve["test"], marker="*", markersize=13, color=line.get_color(), markeredgecolor="black")
    ax.axvline(10, color="grey", linestyle=":", linewidth=1)
    ax.axhline(0.85, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("training minutes on 2 CPU cores (validation included)")
    ax.set_ylabel("validation accuracy (line); test accuracy (star)")
    ax.set_ylim(0.2, 0.95)
    ax.set_xlim(0, 14)
    ax.grid(alpha=0.3)
    ax.set_title(f"CIFAR-10 accuracy against training time, one run each\n{frontier['machine']}", fontsize=9)
    ax.legend(fontsize=7.5, loc="lower right")
    fig.tight_layout()
    tmp = out.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, out)


def main(argv=None):
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    frontier = collect()
    tmp = docs / "frontier.json.tmp"
    tmp.write_text(json.dumps(frontier, indent=1) + "\n")
    os.replace(tmp, docs / "frontier.json")
    # In fig/, the lesson's figure folder: the Workbench also builds docs/benchmarks.md into
    # the lesson site, and serves images from fig/ only.
    draw(frontier, ROOT / "fig" / "frontier.png")
    for name, curve in frontier["curves"].items():
        print(f"{name:55s} {curve['test'][0]:5.1f} min  test {curve['test'][1]:.3f}")
    print(f"wrote {ROOT / 'fig' / 'frontier.png'} and {docs / 'frontier.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()

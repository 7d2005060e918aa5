"""Executing a generated notebook: the kernel's environment, its run, its peak memory."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

# TensorFlow writes start-up notices straight to file descriptor 2; in a notebook they
# would be stored as stderr output that the lesson does not want to show.
_TF_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\).*|I0000 .*|E0000 .*|W0000 .*)\n?$",
    re.M,
)


def kernel_environment(full: bool) -> dict:
    env = dict(os.environ, COLUMNS="80", TF_CPP_MIN_LOG_LEVEL="2", CIFAR_CNN_QUICK="0" if full else "1")
    env.pop("MPLBACKEND", None)
    return env


def strip_tensorflow_noise(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = _TF_NOISE.sub("", output["text"])
                if not output["text"].strip():
                    continue
            kept.append(output)
        cell["outputs"] = kept


def _peak_rss_mb(pid: int) -> float | None:
    """The kernel process's peak resident memory (VmHWM), from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) / 1024 if match else None


def execute(nb, folder: Path, full: bool) -> dict:
    """Run the notebook in a fresh kernel started in ``folder``; return its wall time and
    the kernel's peak memory."""
    from nbclient import NotebookClient

    saved = dict(os.environ)
    env = kernel_environment(full)  # computed before the clear: it extends the current environment
    peak = {"mb": None}
    cell_seconds = {}  # code cell index -> wall seconds from sending it to its reply
    started = {}
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(folder)}})

    def begin(cell_index, **_):
        started[cell_index] = time.perf_counter()

    def sample(cell_index, **_):
        if cell_index in started:
            cell_seconds[cell_index] = time.perf_counter() - started.pop(cell_index)
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if pid:
            value = _peak_rss_mb(pid)
            if value is not None:
                peak["mb"] = max(peak["mb"] or 0, value)

    client.on_cell_execute = begin
    client.on_cell_executed = sample
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this environment
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    seconds = time.perf_counter() - start
    strip_tensorflow_noise(nb)
    return {"seconds": seconds, "peak_mb": peak["mb"], "cell_seconds": cell_seconds}


# A cell that trains: the package's trainers, Keras's fit, or episode 7's load-or-train helper
# (which trains only when episode 5's model file is missing; its seconds say which happened).
_TRAINS = re.compile(r"(?<![\w.])(train|train_fast|train_speedrun|load_or_train)\(|\.fit\(")


def training_wait(nb, cell_seconds: dict) -> list[tuple[int, float, str]]:
    """The cells that train, each with its seconds and its first training line: what a
    learner waits for."""
    waits = []
    for index, seconds in sorted(cell_seconds.items()):
        source = nb.cells[index].source
        defines = re.search(r"^def ", source, re.M)  # a helper's body runs later, where it is called
        lines = [line.strip() for line in source.splitlines() if _TRAINS.search(line)
                 and not line.lstrip().startswith(("#", "def "))
                 and not (defines and line[:1].isspace())]
        if lines:
            waits.append((index, seconds, lines[0]))
    return waits


def write_atomic(nb, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial.ipynb")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


def load_average() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"

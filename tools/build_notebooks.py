"""Regenerate notebooks/*.ipynb from episodes/*.md and store what really running them prints.

    python tools/build_notebooks.py                    # every episode
    python tools/build_notebooks.py 04-building-the-cnn  # one episode
    python tools/build_notebooks.py --full 06-training   # full lesson (prints the numbers episodes quote)

The episodes are the single source of the lesson: each ```python block becomes a code
cell (challenge solutions included), everything else stays markdown. The notebook is then
executed in a fresh kernel with the same environment the test suite gives nbval (see
conftest.py), in quick mode unless --full is given, and saved with its outputs. Commit
only quick-mode notebooks: that is what CI compares against.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPISODES = ROOT / "episodes"
NOTEBOOKS = ROOT / "notebooks"

# TensorFlow writes start-up notices straight to file descriptor 2; in a notebook they
# would be stored as stderr output that the lesson does not want to show.
_TF_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\).*|I0000 .*|E0000 .*|W0000 .*)\n?$",
    re.M,
)


def episode_paths(names):
    paths = sorted(EPISODES.glob("[0-9][0-9]-*.md"))
    if names:
        wanted = {Path(n).stem for n in names}
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise SystemExit(f"no episode named {', '.join(sorted(missing))} in {EPISODES}")
    return paths


def notebook_for(episode: Path) -> Path:
    return NOTEBOOKS / f"{episode.stem}.ipynb"


def update_inputs(episode: Path) -> Path:
    """jupytext: episode markdown -> notebook cells, keeping cell ids and outputs of unchanged cells."""
    target = notebook_for(episode)
    command = [sys.executable, "-m", "jupytext", "--from", "md:markdown", "--to", "ipynb",
               "--set-kernel", "python3", "-q", "-o", str(target), str(episode)]
    if target.exists():
        command.insert(-1, "--update")
    subprocess.run(command, check=True)
    point_figures_at_fig(target)
    return target


def point_figures_at_fig(path: Path) -> None:
    """Episodes show `fig/x.png` (episodes/fig links to ../fig for the Workbench); a notebook
    lives in notebooks/, so its markdown points at `../fig/x.png` instead."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = notebook_markdown(cell.source)
    nbformat.write(nb, path)


def notebook_markdown(source: str) -> str:
    return source.replace("](fig/", "](../fig/")


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


def execute(path: Path, full: bool) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    env = kernel_environment(full)  # computed before the clear: it extends the current environment
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this environment
    try:
        NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    strip_tensorflow_noise(nb)
    tmp = path.with_suffix(".partial.ipynb")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("episodes", nargs="*", help="episode names (default: all)")
    parser.add_argument("--full", action="store_true", help="run the full lesson instead of quick mode")
    parser.add_argument("--no-execute", action="store_true", help="only regenerate the cells")
    args = parser.parse_args(argv)
    NOTEBOOKS.mkdir(exist_ok=True)
    for episode in episode_paths(args.episodes):
        path = update_inputs(episode)
        if not args.no_execute:
            execute(path, args.full)
        print(f"{'wrote' if args.no_execute else 'executed'} {path.relative_to(ROOT)}"
              f"{' (full lesson)' if args.full else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

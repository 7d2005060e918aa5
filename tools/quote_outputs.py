"""Copy what a full-lesson run printed into the episodes' ```output blocks.

    python tools/build_notebooks.py --full 05-training      # run the full lesson
    python tools/quote_outputs.py 05-training              # quote its outputs in the episode
    python tools/build_notebooks.py 05-training            # back to the quick-mode notebook

The episodes show what the full lesson prints. After a change that moves the numbers,
run the full notebook, then this script: every ```output block that directly follows a
```python block is replaced by the text that code cell printed (stdout and the value of
its last line; stderr and pictures are left out, as in the episodes). Blocks whose
cell printed nothing are left alone and reported. Check the result with ``git diff``:
the prose around the blocks quotes numbers too.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from build_notebooks import ANSWERS, episode_paths, notebook_for  # noqa: E402

# A python block (whose code holds no fence) directly followed by an output block.
BLOCK = re.compile(r"```python\n(?P<code>(?:(?!```).)*)```\n(?P<gap>\s*)```output\n(?P<output>.*?)```", re.S)
ANY_PYTHON = re.compile(r"```python\n.*?```", re.S)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def cell_text(cell) -> str:
    """What a reader sees as text: stdout, text results (model.summary() arrives as rich
    text displays) without terminal colour codes; no figures, no stderr."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stdout":
            parts.append(output["text"])
        elif kind in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
            if text and "image/png" not in output.get("data", {}) and not text.startswith("<Figure"):
                parts.append(text if text.endswith("\n") else text + "\n")
    return ANSI.sub("", "".join(parts))


def quote(episode: Path, notebook: Path) -> tuple[str, int, list[int]]:
    import nbformat

    cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    text = episode.read_text()
    starts = [m.start() for m in ANY_PYTHON.finditer(text)]
    if len(starts) != len(cells):
        raise SystemExit(f"{episode.name}: {len(starts)} python blocks but {len(cells)} code cells in "
                         f"{notebook.name}; rebuild the answer key first")
    changed, empty = 0, []

    def replace(match):
        nonlocal changed
        index = starts.index(match.start())
        printed = cell_text(cells[index])
        if not printed.strip():
            empty.append(index + 1)
            return match.group(0)
        if printed != match.group("output"):
            changed += 1
        return f"```python\n{match.group('code')}```\n{match.group('gap')}```output\n{printed}```"

    return BLOCK.sub(replace, text), changed, empty


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("episodes", nargs="*", help="episode names (default: all)")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help="folder of the executed notebooks (default: instructors/answer-key/, the answer keys)")
    args = parser.parse_args(argv)
    for episode in episode_paths(args.episodes):
        notebook = notebook_for(episode, "answers")
        if args.notebooks is not None:
            notebook = args.notebooks / notebook.name
        text, changed, empty = quote(episode, notebook)
        episode.write_text(text)
        note = f"; cells {empty} printed nothing, their blocks are unchanged" if empty else ""
        print(f"{episode.relative_to(ROOT)}: {changed} output blocks updated{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

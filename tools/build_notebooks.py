"""Generate the lesson's notebooks from episodes/*.md: learner notebooks and answer keys.

    python tools/build_notebooks.py                      # every episode, quick mode
    python tools/build_notebooks.py 04-building-the-cnn  # one episode
    python tools/build_notebooks.py --full 05-training   # full lesson (prints the numbers episodes quote)
    python tools/build_notebooks.py --full --time        # full lesson, with a table of run times and memory
    python tools/build_notebooks.py --no-execute         # only regenerate the cells

The episodes are the single source of the lesson. Each one gives two notebooks:

* ``notebooks/NN-name.ipynb``, what learners open. Every challenge shows its stub (the
  code with ``_____`` blanks) as a code cell to complete, followed by the checker call when
  the challenge has one; both carry the ``raises-exception`` tag, so an unfilled blank
  (a ``NameError``) does not stop "Run All" in JupyterLab or nbclient. The reference
  solution follows in one collapsed Markdown cell (one click shows it; JupyterLab 4 shows
  a collapsed cell's first line, so it starts with a plain label that gives nothing away),
  then, where later cells need what it defines, one collapsed code cell that runs it only
  where the learner's answer is missing (tools/solution_cells.py): Shift+Enter through a
  right answer leaves it alone, and the rest of the notebook works whatever the learner
  typed. These notebooks carry no outputs: what a learner sees is what their own run prints.
* ``instructors/answer-key/NN-name.ipynb``, the instructors' answer key (outside
  ``notebooks/``, so learners opening their folder do not see it): every solution
  visible, the stubs shown as text, executed in quick mode (``CIFAR_CNN_QUICK=1``) with
  the stored outputs that the test suite (nbval) compares.

The tools the field uses for this (nbgrader's and otter-grader's solution regions) cut the
solution out of the student version; this lesson needs it to stay in, hidden and runnable
behind a guard, because later cells build on it. So the conversion is done here, on the
episode's own structure (its Carpentries divs, tools/episode_parse.py), with nbformat: no
YAML cell (a title and the minutes instead), the divs as headings and quoted blocks, the
episode's ```output blocks left to the website.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

# the build's parts, one job each; names tests and tools/quote_outputs.py read through this module
from episode_parse import Block, Episode, parse_episode  # noqa: F401
from notebook_run import execute, kernel_environment, load_average, strip_tensorflow_noise, training_wait, write_atomic  # noqa: F401
from solution_cells import add_checker as _add_checker
from solution_cells import defined_names as _defined_names
from solution_cells import guarded_solution as _guarded_solution

ROOT = Path(__file__).resolve().parents[1]
EPISODES = ROOT / "episodes"
NOTEBOOKS = ROOT / "notebooks"
ANSWERS = ROOT / "instructors" / "answer-key"  # the Workbench builds only instructors/*.md
KINDS = ("learner", "answers")

BLANK = "_____"
HIDDEN = {"source_hidden": True, "outputs_hidden": True}
# JupyterLab 4 shows the first line of a collapsed cell: a hidden cell starts with a label
# that gives nothing away.
# (plain text: a collapsed cell shows its first line as typed, markup included)
HIDDEN_CODE_LABEL = "# Runs the reference solution only where your answer is missing (see the top of the notebook)"
HIDDEN_MARKDOWN_LABEL = "Reference solution"

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
# alt='...' may hold a quote escaped as \' (pandoc's attribute syntax)
_IMAGE = re.compile(r"!\[(?P<caption>[^\]]*)\]\((?P<src>[^)\s]+)\)\{alt='(?P<alt>(?:[^'\\]|\\.)*)'\}", re.S)
_EPISODE_LINK = re.compile(r"\]\((\d\d-[\w-]+)\.md(#[\w-]*)?\)")
_RELATIVE_UP = re.compile(r"(\]\(|src=\")\.\./")
# An episode's code line that says its output differs between computers: the answer key's
# stored output of that cell is not compared (an nbval tag), and the line stays for readers.
VARIES = "# (what this cell prints varies from one computer to another)"
_NBVAL_COMMENT = re.compile(r"^# (NBVAL_[A-Z_]+)\s*\n", re.M)

# How each Carpentries div reads in a notebook: a label for the blocks without a heading.
_DIV_LABELS = {
    "questions": "Questions",
    "objectives": "Objectives",
    "keypoints": "Key points",
    "prereq": "Prerequisites",
    "callout": "Note",
    "discussion": "Discussion",
    "checklist": "Checklist",
    "caution": "Caution",
    "testimonial": "Testimonial",
    "spoiler": "Optional",
    "instructor": "Instructor note",
}


def episode_paths(names):
    paths = sorted(EPISODES.glob("[0-9][0-9]-*.md"))
    if names:
        wanted = {Path(n).stem for n in names}
        paths = [p for p in paths if p.stem in wanted]
        missing = wanted - {p.stem for p in paths}
        if missing:
            raise SystemExit(f"no episode named {', '.join(sorted(missing))} in {EPISODES}")
    return paths


def notebook_for(episode: Path, kind: str = "learner") -> Path:
    """notebooks/NN-name.ipynb (learners) or instructors/answer-key/NN-name.ipynb (answer key)."""
    return (NOTEBOOKS if kind == "learner" else ANSWERS) / f"{Path(episode).stem}.ipynb"


# ---------------------------------------------------------------- blocks -> cells


def _md_text(text: str, kind: str) -> str:
    """Episode markdown as a notebook renders it: images with their alt text and a
    caption, links to episodes pointing at their notebooks, relative paths one folder
    deeper for the answer keys.

    The episodes show `fig/x.png` (episodes/fig is a link to ../fig for the Workbench); a
    notebook lives in notebooks/, so it points at `../fig/x.png` instead."""

    def image(match):
        caption = " ".join(match.group("caption").split())
        alt = " ".join(match.group("alt").replace("\\'", "'").split())
        return f"![{alt}]({match.group('src')})\n\n*{caption}*" if caption else f"![{alt}]({match.group('src')})"

    text = _IMAGE.sub(image, text)
    text = text.replace("](fig/", "](../fig/")
    text = _EPISODE_LINK.sub(lambda m: f"]({m.group(1)}.ipynb{m.group(2) or ''})", text)
    if kind == "answers":
        text = _RELATIVE_UP.sub(lambda m: m.group(1) + "../../", text)
    return text


def _quote(text: str) -> str:
    return "\n".join(("> " + line) if line.strip() else ">" for line in text.split("\n"))


def _code_source(text: str) -> tuple[str, list[str]]:
    """The cell's code and its nbval tags: '# NBVAL_IGNORE_OUTPUT' becomes a tag, so the
    learner does not read test machinery; so does the plain comment VARIES, which stays
    (what it says is true for a learner too)."""
    tags = [marker.lower().replace("_", "-") for marker in _NBVAL_COMMENT.findall(text)]
    if re.search(rf"^{re.escape(VARIES)}$", text, re.M) and "nbval-ignore-output" not in tags:
        tags.append("nbval-ignore-output")
    return _NBVAL_COMMENT.sub("", text).strip("\n"), tags


def build_cells(episode: Episode, kind: str, nbformat):
    """The notebook cells of one kind ("learner" or "answers") for a parsed episode."""
    v4 = nbformat.v4
    cells = []

    def markdown(text, hidden=False):
        text = text.strip("\n")
        if not text.strip():
            return
        if hidden:
            text = f"{HIDDEN_MARKDOWN_LABEL}\n\n{text}"
        cell = v4.new_markdown_cell(text)
        if hidden:
            cell.metadata["jupyter"] = {"source_hidden": True}
        cells.append(cell)

    def code(text, tags=(), hidden=False):
        source, nbval_tags = _code_source(text)
        if hidden:
            source = f"{HIDDEN_CODE_LABEL}\n{source}"
        cell = v4.new_code_cell(source)
        all_tags = list(tags) + (nbval_tags if kind == "answers" else [])  # learner notebooks: no test tags
        if all_tags:
            cell.metadata["tags"] = all_tags
        if hidden:
            cell.metadata["jupyter"] = dict(HIDDEN)
        cells.append(cell)

    minutes = []
    if episode.teaching is not None:
        minutes.append(f"teaching {episode.teaching} min")
    if episode.exercises is not None:
        minutes.append(f"exercises {episode.exercises} min")
    intro = f"# {episode.title}\n\n*{', '.join(minutes).capitalize()}.*" if minutes else f"# {episode.title}"
    if kind == "learner":
        intro += (
            "\n\nEach challenge has a code cell for you to complete (fill in the `_____` blanks) and, "
            "where there is one, the checker to run on your answer. The reference solution follows, "
            "collapsed: click it to show it. The collapsed code cell under it runs the solution only "
            "where your answer is missing (`if not passed(\"...\"):` the challenge's check has not "
            "said all correct; `if not defined(\"...\"):` your cells have not defined that name), so "
            "Shift+Enter or Run All never replaces an answer of yours, and the rest of the notebook "
            "always works."
        )
    else:
        intro += (
            "\n\n**Answer key** (for instructors): every solution is shown. The outputs stored here "
            "come from quick mode (`CIFAR_CNN_QUICK=1`: 2,000 training images, few epochs), which "
            "the test suite compares; the episode pages quote the full lesson."
        )
    markdown(intro)

    blocks = episode.blocks
    challenge = None  # the challenge being read: its stub and solution code
    seen: set[str] = set()  # names the cells before the current challenge define
    checked_vars: dict[str, str] = {}  # variable -> the step whose check last read it
    pending: list[str] = []  # markdown waiting to become one cell
    pending_hidden = [False]

    def add(text, hidden):
        if pending and pending_hidden[0] != hidden:
            flush()
        pending_hidden[0] = hidden
        pending.append(text)

    def flush():
        if pending:
            markdown("\n\n".join(pending), hidden=pending_hidden[0])
            pending.clear()

    for position, block in enumerate(blocks):
        divs = block.divs
        innermost = divs[-1] if divs else None
        if kind == "learner" and "instructor" in divs:
            continue
        hide = kind == "learner" and "solution" in divs
        quoted = innermost not in (None, "challenge", "solution", "spoiler")
        if block.kind == "open":
            flush()
            if innermost == "challenge":
                challenge = {"stub": None, "solution": [], "stub_done": False, "run": []}
                # the solution's code, looked up ahead for its checker calls
                depth = len(divs)
                for later in blocks[position + 1:]:
                    if later.kind == "close" and len(later.divs) == depth:
                        break
                    if later.kind == "code" and later.lang == "python" and "solution" in later.divs:
                        challenge["solution"].append(later.text)
            elif innermost == "solution" and challenge is not None and kind == "learner":
                if not challenge["stub_done"]:  # no stub: an empty cell to write the answer in
                    if challenge["solution"]:
                        code("# Your answer here\n")
                    _add_checker(challenge, None, code)
                    challenge["stub_done"] = True
            continue
        if block.kind == "close":
            flush()
            if innermost == "solution" and kind == "learner" and challenge is not None:
                later = [b.text for b in blocks[position + 1:] if b.kind == "code" and b.lang in ("python", "{.python}")]
                guarded = _guarded_solution(challenge, later, seen, checked_vars)
                if guarded:
                    code(guarded, hidden=True)
            if innermost == "challenge":
                if challenge is not None:
                    seen |= _defined_names(challenge["stub"] or "") | set().union(
                        *(_defined_names(text) for text in challenge["solution"]))
                challenge = None
            continue
        if block.kind == "md":
            text = _md_text(block.text, kind)
            heading = _HEADING.match(text.split("\n", 1)[0])
            first_in_div = position > 0 and blocks[position - 1].kind == "open"
            body = text
            label = None  # the bold first line of a quoted block
            if heading and first_in_div and innermost:
                title = heading.group(2)
                body = text.split("\n", 1)[1] if "\n" in text else ""
                if innermost == "challenge":
                    add(f"### {title}", False)
                elif innermost == "solution":
                    flush()
                    if kind == "learner":
                        markdown(f"#### {title}\n\n*Collapsed: click the cell below to show it.*")
                    else:
                        markdown(f"#### {title}")
                elif innermost == "spoiler":
                    add(f"### {title}" if title.lower().startswith("optional") else f"### Optional: {title}", hide)
                else:
                    name = _DIV_LABELS.get(innermost, innermost.capitalize())
                    label = f"**{name}: {title}**" if name != "Note" else f"**{title}**"
            elif first_in_div and innermost in _DIV_LABELS:
                label = f"**{_DIV_LABELS[innermost]}**"
            body = body.strip("\n")
            if quoted:
                joined = "\n\n".join(part for part in (label, body) if part and part.strip())
                if joined:
                    add(_quote(joined), hide)
            elif body.strip():
                add(body, hide)
            continue
        # a fenced block
        lang = block.lang
        if lang in ("output", "error", "{.output}", "{.error}"):
            continue  # what the full lesson printed: the website shows it, a notebook prints its own
        if lang == "python" and hide:
            # a learner reads it in the collapsed markdown; the guarded cell after it runs it
            source, _ = _code_source(block.text)
            add(f"```python\n{source}\n```", True)
            if challenge is not None:
                challenge["run"].append(source)
            continue
        if lang == "python":
            flush()
            code(block.text)
            if challenge is None:
                seen |= _defined_names(block.text)
            continue
        is_stub = (lang == "{.python}" and innermost == "challenge" and challenge is not None
                   and BLANK in block.text)
        if is_stub and kind == "learner":
            flush()
            code(block.text, tags=["raises-exception"])
            challenge["stub"] = block.text
            challenge["stub_done"] = True
            _add_checker(challenge, block.text, code)
            continue
        fenced = f"```{lang.strip('{}.')}\n{block.text}\n```"
        if is_stub:
            fenced = "The code to complete:\n\n" + fenced
        add(_quote(fenced) if quoted else fenced, hide)
    flush()
    for index, cell in enumerate(cells):
        cell["id"] = f"{kind[0]}{index:03d}"  # stable ids: regenerating changes no line that did not change
    return cells


def build_notebook(episode: Path, kind: str):
    import nbformat

    parsed = parse_episode(Path(episode).read_text(encoding="utf-8"))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = build_cells(parsed, kind, nbformat)
    return nb


# ---------------------------------------------------------------- execution


def forget_saved_models(full: bool) -> None:
    """Episode 5 saves its models for episodes 7 and 8 (in models/ next to the notebook);
    a file left by an older version of the lesson would give outputs this build did not
    make, so a build starts without them (episode 7 trains what is missing)."""
    for folder in (NOTEBOOKS / "models", ANSWERS / "models"):
        for path in folder.glob("*.keras"):
            if path.name.endswith("-quick.keras") != full:
                path.unlink()


def _minutes(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("episodes", nargs="*", help="episode names (default: all)")
    parser.add_argument("--full", action="store_true", help="run the full lesson instead of quick mode")
    parser.add_argument("--no-execute", action="store_true", help="only regenerate the cells")
    parser.add_argument("--time", action="store_true",
                        help="print each notebook's wall time and the kernel's peak memory")
    args = parser.parse_args(argv)
    import nbformat

    paths = episode_paths(args.episodes)
    if not args.no_execute:
        forget_saved_models(args.full)
    timings = []
    for episode in paths:
        learner = build_notebook(episode, "learner")
        write_atomic(learner, notebook_for(episode, "learner"))
        answers = build_notebook(episode, "answers")
        target = notebook_for(episode, "answers")
        if args.no_execute:
            write_atomic(answers, target)
            print(f"wrote {notebook_for(episode).relative_to(ROOT)} and {target.relative_to(ROOT)}")
            continue
        load_before = load_average()
        result = execute(answers, ANSWERS, args.full)
        write_atomic(answers, target)
        result["training"] = training_wait(answers, result["cell_seconds"])
        timings.append((episode.stem, result, load_before, load_average()))
        print(f"wrote {notebook_for(episode).relative_to(ROOT)}; executed {target.relative_to(ROOT)}"
              f"{' (full lesson)' if args.full else ''} in {result['seconds']:.0f} s", flush=True)
    if args.time and timings:
        print(f"\n{'notebook':<28} {'mode':<6} {'wall time':>10} {'training':>10} {'kernel peak RSS':>16}"
              "  load average before/after")
        for name, result, before, after in timings:
            peak = f"{result['peak_mb']:,.0f} MB" if result["peak_mb"] else "?"
            waited = sum(seconds for _, seconds, _ in result["training"])
            print(f"{name:<28} {'full' if args.full else 'quick':<6} {_minutes(result['seconds']):>10}"
                  f" {_minutes(waited):>10} {peak:>16}  {before} / {after}")
        total = sum(result["seconds"] for _, result, _, _ in timings)
        waited = sum(seconds for _, result, _, _ in timings for _, seconds, _ in result["training"])
        print(f"{'total':<28} {'':<6} {_minutes(total):>10} {_minutes(waited):>10}")
        print(f"CPU cores: {os.cpu_count()}")
        print("\ntraining: the seconds of the cells that train (what a learner waits for), each:")
        for name, result, _, _ in timings:
            for index, seconds, line in result["training"]:
                print(f"  {name[:2]} cell {index:>3} {seconds:7.1f} s  {line[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

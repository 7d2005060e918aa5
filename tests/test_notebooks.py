"""The notebooks are generated from the episodes, hide what they should, and their checks bite.

Each episode gives a learner notebook (notebooks/NN-name.ipynb: stubs to complete, the
reference solutions collapsed, no outputs) and an answer key (instructors/answer-key/: every
solution visible, the quick-mode outputs stored). nbval itself (configured in
pyproject.toml and conftest.py) executes both kinds: the answer keys are compared with
their stored outputs, the learner notebooks, which store none, must run without an error
other than the unfilled blanks. These tests check what nbval cannot: that both kinds are
up to date with the episodes, that no learner notebook shows a solution, that a learner
who fills a blank correctly gets a pass from the checker, that a change to the lesson's
network really makes nbval fail, and that the stored outputs survive another numerics path.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks as builder  # noqa: E402
from kernel_learner import solution_code  # noqa: E402

EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.md"))
REBUILD = "regenerate it: python tools/build_notebooks.py {name}"


def needs_data():
    from cifar_cnn.data import find_data_dir

    if find_data_dir()[0] is None:
        pytest.skip("the notebooks read CIFAR-10: set CIFAR_CNN_DATA")


def summary(notebook):
    """What generation decides: cell kinds, sources, tags and what is collapsed."""
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", []), cell.metadata.get("jupyter", {}))
            for cell in notebook.cells]


def read(episode, kind):
    return nbformat.read(builder.notebook_for(episode, kind), as_version=4)


def hidden(cell):
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def test_every_episode_has_a_learner_notebook_and_an_answer_key():
    episodes = {p.stem for p in EPISODES}
    assert {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")} == episodes
    assert {p.stem for p in builder.ANSWERS.glob("*.ipynb")} == episodes
    assert not (ROOT / "notebooks" / "answers").exists(), "learners opening notebooks/ must not see the answers"


@pytest.mark.parametrize("kind", builder.KINDS)
@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_notebook_is_up_to_date_with_its_episode(episode, kind):
    expected = builder.build_notebook(episode, kind)
    assert summary(read(episode, kind)) == summary(expected), REBUILD.format(name=episode.stem)


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_answer_key_outputs_come_from_a_real_run(episode):
    stored = read(episode, "answers")
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert code, "an episode without code has no notebook to test"
    assert all(cell.execution_count is not None for cell in code), REBUILD.format(name=episode.stem)
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one fresh kernel"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_learner_notebook_reads_as_a_notebook(episode):
    nb = read(episode, "learner")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "min" in nb.cells[0].source.split("\n\n")[1], "the minutes, under the title"
    for cell in nb.cells:
        assert cell.cell_type != "raw", "no raw front matter"
        # no test-suite vocabulary on a learner's page
        assert not re.search(r"nbval|pytest|\bCI\b", cell.source, re.I), cell.source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "learners see their own run's outputs"
            assert cell.metadata.get("tags", []) in ([], ["raises-exception"]), "no test tags for learners"
        else:
            assert not re.search(r"^>?\s*:{3,}", cell.source, re.M), "Carpentries div fences are rendered"
            assert "```output" not in cell.source, "the episode's output blocks belong to the website"
            assert "{alt=" not in cell.source


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_no_learner_notebook_shows_a_solution(episode):
    parsed, challenges = solution_code(episode)
    taught = "\n".join(b.text for b in parsed.blocks
                       if b.kind == "code" and b.lang == "python" and "solution" not in b.divs)
    nb = read(episode, "learner")
    visible = "\n".join(cell.source for cell in nb.cells if not hidden(cell))
    # a learner reads the solution in one collapsed markdown cell (one click)
    hidden_code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown" and hidden(cell))
    # a later challenge's stub may start from an earlier one's answer (episode 6 does)
    stubs = "\n".join(challenge["stub"] or "" for challenge in challenges)
    for challenge in challenges:
        given = stubs + "\n" + taught
        for block in challenge["solution"]:
            source, _ = builder._code_source(block)
            assert f"```python\n{source}\n```" in hidden_code, f"the solution is in the notebook, collapsed:\n{source}"
            # a line the learner has to find: not in the stub, not taught outside a solution
            answers = [line.strip() for line in source.split("\n")
                       if len(line.strip()) > 8 and not line.strip().startswith(("#", "check_"))
                       and line.strip() not in given]
            for line in answers:
                assert line not in visible, f"a visible cell gives away {line!r}"
        if challenge["solution"]:
            # where the learner writes: the stub, or an empty cell
            assert challenge["stub"] in visible if challenge["stub"] else "# Your answer here" in visible
    for cell in nb.cells:
        if hidden(cell):
            # JupyterLab 4 shows the first line of a collapsed cell: it must give nothing away
            label = builder.HIDDEN_CODE_LABEL if cell.cell_type == "code" else builder.HIDDEN_MARKDOWN_LABEL
            assert cell.source.split("\n", 1)[0] == label
        if hidden(cell) and cell.cell_type == "code":
            assert cell.metadata["jupyter"].get("outputs_hidden"), "the solution's output is collapsed too"
            # it runs only where the learner's answer is missing, and says so
            assert re.match(r'if not (passed|defined)\("', cell.source.split("\n")[2]), cell.source
            assert all(line.startswith("    ") or not line for line in cell.source.split("\n")[3:]), cell.source
    solutions = sum(1 for b in parsed.blocks if b.kind == "open" and b.divs[-1] == "solution")
    collapsed = sum(1 for cell in nb.cells if cell.cell_type == "markdown" and hidden(cell))
    assert collapsed == solutions, "one collapsed cell to click per solution"


def test_answer_keys_show_every_solution():
    for episode in EPISODES:
        nb = read(episode, "answers")
        assert not any(hidden(cell) for cell in nb.cells)
        _, challenges = solution_code(episode)
        code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
        for challenge in challenges:
            for block in challenge["solution"]:
                assert builder._code_source(block)[0] in code


def fill(stub, answers):
    parts = stub.split(builder.BLANK)
    assert len(parts) == len(answers) + 1, f"{len(parts) - 1} blanks in the stub"
    return "".join(part + answer for part, answer in zip(parts, answers)) + parts[-1]


# (episode, a marker of the stub, what a learner fills in, the checker's verdict)
FILLED = [
    ("04-building-the-cnn", "keras.layers.Conv2D(filters=_____",
     ["16", "(3, 3)", '"relu"', "inputs"], "✓ all correct"),
    ("04-building-the-cnn", "keras.layers.Conv2D(filters=_____",
     ["8", "(3, 3)", '"relu"', "inputs"], "✗ not yet"),
    ("05-training", "model.compile(",
     ['keras.optimizers.Adam(learning_rate=0.001)', '"sparse_categorical_crossentropy"', '["accuracy"]'],
     "✓ all correct"),
]


@pytest.mark.parametrize("name, marker, answers, verdict", FILLED,
                         ids=["conv2d-right", "conv2d-wrong", "compile-right"])
def test_a_learner_who_fills_the_blanks_gets_the_checkers_verdict(name, marker, answers, verdict):
    """Run a learner notebook as a learner would: every cell up to a challenge's stub,
    the stub with the blanks filled in, then the checker that follows it."""
    from nbclient import NotebookClient

    needs_data()
    nb = read(ROOT / "episodes" / f"{name}.md", "learner")
    stub_index = next(i for i, cell in enumerate(nb.cells)
                      if cell.cell_type == "code" and marker in cell.source and builder.BLANK in cell.source)
    stub = nb.cells[stub_index]
    stub.source = fill(stub.source, answers)
    stub.metadata["tags"] = []  # a filled stub must run without an error
    checker_index = stub_index if "check_" in stub.source else stub_index + 1
    assert "check_" in nb.cells[checker_index].source
    nb.cells = nb.cells[:checker_index + 1]
    env = builder.kernel_environment(full=False)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    printed = "".join(o.get("text", "") for o in nb.cells[checker_index].outputs if o.output_type == "stream")
    assert verdict in printed, printed


def find_cell(marker):
    for path in sorted(builder.ANSWERS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and marker in cell.source:
                return path, nb, index
    return None


def run_nbval(folder, notebooks, extra_env=None, timeout=900):
    shutil.copy(ROOT / "conftest.py", folder / "conftest.py")  # the same kernel environment
    (folder / "pytest.ini").write_text("[pytest]\n")
    env = dict(os.environ, **(extra_env or {}))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--nbval",
         "--nbval-current-env", f"--nbval-sanitize-with={ROOT / 'tests' / 'nbval_sanitize.cfg'}",
         *notebooks],
        cwd=folder, capture_output=True, text=True, timeout=timeout, env=env,
    )


def test_changing_a_conv2d_filter_count_makes_nbval_fail(tmp_path):
    needs_data()
    found = find_cell("Conv2D(filters=16")
    assert found, "an answer key builds the intro network's first Conv2D(filters=16, ...)"
    path, nb, index = found
    nb.cells[index].source = nb.cells[index].source.replace("Conv2D(filters=16", "Conv2D(filters=8")
    nbformat.write(nb, tmp_path / path.name)
    result = run_nbval(tmp_path, [path.name])
    assert result.returncode == 1, result.stdout[-3000:]
    # The stored summary says 16 filters; the changed notebook prints 8 (3*3*3*8 + 8 = 224).
    assert "failed" in result.stdout.splitlines()[-1]
    assert "224" in result.stdout and "448" in result.stdout


def test_answer_keys_pass_nbval_with_onednn_off(tmp_path):
    """Another numerics path: TensorFlow without its oneDNN kernels rounds differently
    (what another processor does too). Every stored output must still match, through the
    sanitize rules for training metrics and nothing else. The notebooks run in a copy, so
    the models episode 5 saves for episodes 7 and 8 are this run's own."""
    needs_data()
    names = []
    for path in sorted(builder.ANSWERS.glob("*.ipynb")):
        shutil.copy(path, tmp_path / path.name)
        names.append(path.name)
    result = run_nbval(tmp_path, names, extra_env={"TF_ENABLE_ONEDNN_OPTS": "0"}, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:]


def test_the_training_wait_counts_the_cells_that_train():
    """`build_notebooks.py --time` sums the seconds of the cells that train: what a learner
    waits for. A helper's body counts where it is called, not where it is defined."""
    from notebook_run import training_wait

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("history = train(model, data, epochs=epochs)"),
        nbformat.v4.new_code_cell("history_fit = model.fit(x, y, epochs=2)"),
        nbformat.v4.new_code_cell("def load_or_train(name):\n    train(model, data)\n    return model"),
        nbformat.v4.new_code_cell("model = load_or_train('intro')"),
        nbformat.v4.new_code_cell("# train(model, data) is what episode 5 does\nprint(model.count_params())"),
        nbformat.v4.new_code_cell("model.summary()"),
        nbformat.v4.new_code_cell("scores = retrain_count(3)"),
    ])
    seconds = {i: float(i + 1) for i in range(len(nb.cells))}
    assert [(index, time) for index, time, _ in training_wait(nb, seconds)] == [(0, 1.0), (1, 2.0), (3, 4.0)]

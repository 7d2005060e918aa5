"""The notebooks are generated from the episodes, executed, and their checks bite.

nbval itself (configured in pyproject.toml and conftest.py) executes every notebook in
notebooks/ and compares each cell's output with the stored one. These tests check what
nbval cannot: that the notebooks are up to date with the episodes they are generated
from, that their stored outputs come from a real run, and that a change to the lesson's
network really makes nbval fail.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.md"))
REBUILD = "regenerate it: python tools/build_notebooks.py {name}"


def cells(notebook):
    # the builder points the episodes' `fig/` images at `../fig/` (notebooks live in notebooks/)
    return [(cell.cell_type, cell.source.replace("](fig/", "](../fig/")) for cell in notebook.cells]


def test_every_episode_has_a_notebook_and_back():
    episodes = {p.stem for p in EPISODES}
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert episodes == notebooks


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_notebook_is_up_to_date_with_its_episode(episode):
    expected = jupytext.read(episode, fmt="md:markdown")
    stored = nbformat.read(ROOT / "notebooks" / f"{episode.stem}.ipynb", as_version=4)
    assert cells(stored) == cells(expected), REBUILD.format(name=episode.stem)


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_notebook_outputs_come_from_a_real_run(episode):
    stored = nbformat.read(ROOT / "notebooks" / f"{episode.stem}.ipynb", as_version=4)
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert code, "an episode without code has no notebook to test"
    assert all(cell.execution_count is not None for cell in code), REBUILD.format(name=episode.stem)
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), "executed top to bottom in one fresh kernel"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors


def find_cell(marker):
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and marker in cell.source:
                return path, nb, index
    return None


def test_changing_a_conv2d_filter_count_makes_nbval_fail(tmp_path):
    from cifar_cnn.data import find_data_dir

    if find_data_dir()[0] is None:
        pytest.skip("the notebooks read CIFAR-10: set CIFAR_CNN_DATA")
    found = find_cell("Conv2D(filters=16")
    assert found, "a notebook builds the intro network's first Conv2D(filters=16, ...)"
    path, nb, index = found
    nb.cells[index].source = nb.cells[index].source.replace("Conv2D(filters=16", "Conv2D(filters=8")
    nbformat.write(nb, tmp_path / path.name)
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")  # the same kernel environment
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
         f"--nbval-sanitize-with={ROOT / 'notebooks' / 'nbval_sanitize.cfg'}", path.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 1, result.stdout[-3000:]
    # The stored summary says 16 filters; the changed notebook prints 8 (3*3*3*8 + 8 = 224).
    assert "failed" in result.stdout.splitlines()[-1]
    assert "224" in result.stdout and "448" in result.stdout

"""Every path a learner takes through a notebook ends with a working notebook.

A real IPython kernel (jupyter_client, quick mode) runs each learner notebook the way a
learner does, collapsed cells included (JupyterLab runs a collapsed cell on Shift+Enter):

- ``right``, with ``restart`` in the same kernel: Shift+Enter with each challenge answered
  right (the answer is the episode's own solution, see tests/kernel_learner.py) up to the
  middle; there a kernel restart, a later cell run first (it fails: its names are gone, and
  its NameError says "Run > Run All Above", from the IPython startup file that pip installs,
  since nothing of the package is loaded yet), then Run All Above and Shift+Enter to the
  end: the right answers run through the whole notebook in the restarted kernel;
- ``blanks``: Run All with the blanks left empty;
- ``wrong``: where checkers judge the answers (04-06), a wrong answer at each checked
  challenge (the first number changed), its check, then the fix, re-running what the check
  says to re-run, up to the last of them; in the other notebooks one slip a learner really
  makes (SLIPS: a misspelled name, a missing argument, labels forgotten ...), whose error
  must name the fix, then the right answer and the rest of the notebook;

Each path must end with no error but the expected ones (a blank's NameError, a wrong
answer's), every check of the notebook passing, no collapsed reference solution running
over a right answer, and no checker message about a re-run the learner did not make.
The kernels share one folder, in episode order, so episode 5's saved models reach 7 and 8.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from cifar_cnn.workshop.restart_hint import bound_names
from kernel_learner import CHECK_CELL, ROOT, Kernel, challenges, is_answer_cell, is_hidden

pytest.importorskip("jupyter_client")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
# Every notebook takes every path. The restart runs in the middle of the right path, in its
# kernel (a kernel start alone costs some 6 s of CPU: TensorFlow's import; a whole notebook
# run, episode 5's ten epochs, a minute).
CASES = [(notebook, path) for notebook in NOTEBOOKS for path in ("right", "blanks", "wrong")]
# Notebooks without a checker: one real slip in one challenge (its number among the
# notebook's challenges), the text the learner types instead of the right answer's, and what
# the error must say (the friendly hint where there is one; Python's own message otherwise).
SLIPS = {
    "01": (1, "conv_params(kernel_size=3, in_channels=3, filters=16)", "conv_params(kernel_size=3, filters=16)",
           "missing 1 required positional argument: 'in_channels'"),
    "02": (0, "data.class_names[", "data.class_name[", "did you mean class_names?"),
    "03": (2, "keras.layers.Conv2D(10, 3,", "keras.layers.Conv2d(10, 3,", "did you mean keras.layers.Conv2D?"),
    "07": (1, "model.evaluate(data.x_val, data.y_val, verbose=0)", "model.evaluate(data.x_val, verbose=0)",
           "got the images but no labels"),
    "08": (0, 'model.save(workdir / "plain.keras")', 'model.save(workdir / "plain")', "the .keras extension"),
    "09": (1, 'BatchNormalization(name="bn1")', 'BatchNormalisation(name="bn1")',
           "did you mean keras.layers.BatchNormalization"),
}
RERUN = re.compile(r"a cell ran a second time|has been through .* twice|is used 2 times|identical \w+ layers")
PASSED = re.compile(r'passed\("(\w+)"\)|^check_(\w+)\(', re.M)
ALL_CORRECT = "✓ all correct"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from cifar_cnn.data import find_data_dir

    if find_data_dir()[0] is None:
        pytest.skip("the notebooks read CIFAR-10: set CIFAR_CNN_DATA")
    return tmp_path_factory.mktemp("learner")


class Learner:
    """One notebook, its right answers, and a log of what each cell printed."""

    def __init__(self, path, folder):
        self.nb = nbformat.read(path, as_version=4)
        self.cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        found = challenges(ROOT / "episodes" / f"{path.stem}.md")
        answers = [i for i, cell in enumerate(self.cells) if is_answer_cell(cell)]
        assert len(answers) == len(found), "one cell to complete per challenge"
        self.challenge = dict(zip(answers, found))
        self.steps = {a or b for cell in self.cells for a, b in PASSED.findall(cell.source)}
        self.kernel = Kernel(folder)
        self.log = []  # (cell index, printed, error)

    def source(self, index, answers):
        if answers and index in self.challenge:
            return self.challenge[index].right()
        return self.cells[index].source

    def run(self, index, source=None, answers=True, expect_error=False):
        code = self.source(index, answers) if source is None else source
        printed, error, traceback = self.kernel.run(code)
        self.log.append((index, printed, error))
        if not expect_error:
            assert error is None, f"cell {index} failed:\n{code}\n{error}\n{printed[-2000:]}"
        assert "tf.function retracing" not in printed, f"cell {index}: TensorFlow's retracing warning\n{code}"
        return printed, error, traceback

    def is_check(self, index):
        return index < len(self.cells) and self.cells[index].source.startswith(CHECK_CELL)

    def finish(self, rerun_allowed=False):
        """Every step of the notebook passed at the end; no re-run reported."""
        printed, _, _ = self.kernel.run(
            "from cifar_cnn.checks import progress\nprint(sorted(s for s, ok in progress._last.items() if ok))")
        passed = set(eval(printed))  # noqa: S307 - a list of step names the kernel printed
        assert self.steps <= passed, f"checks not passing at the end: {sorted(self.steps - passed)}"
        if not rerun_allowed:
            reruns = [(i, p) for i, p, _ in self.log if RERUN.search(p)]
            assert not reruns, f"a checker reported a re-run nobody made: {reruns[0]}"
        errors = sum(1 for _, _, error in self.log if error)
        print(f"\n{len(self.log)} cells run, {errors} expected errors, checks passing: {sorted(self.steps)}")
        return len(self.log)

    def close(self):
        self.kernel.close()


def right_path(learner, start=0, stop=None):
    for index in range(start, len(learner.cells) if stop is None else stop):
        printed, _, _ = learner.run(index)
        if is_hidden(learner.cells[index]):
            assert printed == "", f"a reference solution ran over a right answer:\n{learner.cells[index].source}"
        if learner.is_check(index) or (index in learner.challenge and "check_" in learner.cells[index].source):
            assert ALL_CORRECT in printed, printed


def blanks_path(learner):
    for index, cell in enumerate(learner.cells):
        allowed = "raises-exception" in cell.metadata.get("tags", [])
        learner.run(index, answers=False, expect_error=allowed)


def _uses_a_name_from_above(learner, index):
    """The cell reads a name that the cells above it compute (data, model: not an import;
    it fails after a restart)."""
    import ast
    import builtins

    above = {name for i in range(index) for name, line in bound_names(learner.source(i, True)).items()
             if not line.startswith(("import ", "from "))}
    try:
        tree = ast.parse(learner.cells[index].source)
    except SyntaxError:
        return False
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bool(read & above - set(bound_names(learner.cells[index].source)) - set(dir(builtins)))


def restart_cell(learner):
    """The cell the learner runs first after the restart: from the middle on, the first of
    theirs that reads a name an earlier cell computes."""
    return next(i for i in range(len(learner.cells) // 2, len(learner.cells))
                if not is_hidden(learner.cells[i]) and i not in learner.challenge and not learner.is_check(i)
                and _uses_a_name_from_above(learner, i))


def restart_path(learner, later):
    """Shift+Enter up to ``later``, a restart, ``later`` first: its NameError says what to do
    though nothing of the package is loaded; then Run All Above and the rest."""
    right_path(learner, stop=later)
    reruns = [(i, p) for i, p, _ in learner.log if RERUN.search(p)]
    assert not reruns, f"a checker reported a re-run nobody made: {reruns[0]}"
    learner.kernel.restart()
    _, error, traceback = learner.run(later, expect_error=True)
    assert error and error.startswith("NameError"), f"cell {later} after a restart: {error}"
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(traceback))
    assert "is made by an earlier cell (" in shown and "Run > Run All Above" in shown, shown
    learner.log.clear()  # what the checks say from here on counts
    right_path(learner, stop=later)  # Run All Above, the learner's answers in their cells
    right_path(learner, start=later)  # and on to the end
    return error, shown.strip().splitlines()[-1]


def slip_path(learner, stem):
    """A slip in one challenge (SLIPS), its error naming the fix, then the right answer and
    the rest of the notebook."""
    number, right, typed, says = SLIPS[stem]
    index = sorted(learner.challenge)[number]
    answer = learner.challenge[index].right()
    assert right in answer, f"SLIPS[{stem!r}] is out of date with the episode:\n{answer}"
    for before in range(index):
        learner.run(before)
    printed, error, traceback = learner.run(index, source=answer.replace(right, typed, 1), expect_error=True)
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(traceback)) + printed
    assert error and says in shown, f"the slip {typed!r} gave:\n{shown}"
    right_path(learner, start=index)  # the right answer, then the rest
    return typed, error


def wrong_path(learner):
    """A wrong answer, its verdict, the fix and the checker's advice; the rest right."""
    done = set()
    checked = [i for i, c in learner.challenge.items() if c.checks or "check_" in (c.stub or "")]
    targets = [i for i in (checked or sorted(learner.challenge)[:1]) if learner.challenge[i].wrongs()]
    assert targets, "a challenge to get wrong"
    chain_start = next((i for i in sorted(learner.challenge) if "keras.Input(" in learner.challenge[i].right()), 0)
    caught = 0
    # up to the last wrong answer's collapsed solution: from there on the state is the right
    # path's (each fix ends with "all correct"), which runs the rest already
    end = max(targets) + 1
    while end < len(learner.cells) and (learner.is_check(end) or is_hidden(learner.cells[end])):
        end += 1
    for index in range(end):
        if index in done:
            continue
        if index not in targets:
            learner.run(index)
            continue
        check_after = learner.is_check(index + 1)
        verdict_cell = index + 1 if check_after else index
        has_check = check_after or "check_" in learner.cells[index].source
        for wrong in learner.challenge[index].wrongs()[:4]:  # until the checker objects
            printed, _, _ = learner.run(index, source=wrong, expect_error=True)
            if check_after:
                printed, _, _ = learner.run(verdict_cell, expect_error=True)
            if not has_check or ALL_CORRECT not in printed:
                break
        # a change the checker only notes (a model's name) is not wrong: the next is tried
        caught += has_check and ALL_CORRECT not in printed
        printed, _, _ = learner.run(index)  # the fix
        if check_after:
            printed, _, _ = learner.run(verdict_cell)
        if "run the cells again from keras.Input on" in printed:  # the checker's advice, followed
            for again in range(chain_start, verdict_cell + 1):
                printed, _, _ = learner.run(again)
        if has_check:
            assert ALL_CORRECT in printed, printed
        done.add(verdict_cell)
    assert caught or not checked, "the checkers caught none of the wrong answers"
    return caught if checked else len(targets)


@pytest.mark.parametrize("notebook, path", CASES, ids=[f"{n.stem}-{p}" for n, p in CASES])
def test_a_learner_path_ends_with_a_working_notebook(notebook, path, folder, record_property):
    learner = Learner(notebook, folder)
    try:
        if path == "right":  # with the restart path: Shift+Enter is split by a restart
            error, hint = restart_path(learner, restart_cell(learner))
            print(f"restart at cell {restart_cell(learner)}: {error}\n  {hint}")
            learner.finish()
            record_property("restart_hint", hint)
        elif path == "blanks":
            blanks_path(learner)
            learner.finish()
        elif notebook.stem[:2] in SLIPS:
            typed, error = slip_path(learner, notebook.stem[:2])
            print(f"slip: {typed}\n  -> {error}")
            learner.finish()
            record_property("slip", error)
        else:
            wrong = wrong_path(learner)
            print(f"wrong answers run then fixed: {wrong} (caught by a checker, where there is one)")
            learner.finish(rerun_allowed=True)
            record_property("wrong_answers", wrong)
    finally:
        learner.close()

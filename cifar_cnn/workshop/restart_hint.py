"""After a kernel restart, a cell that uses a name an earlier cell makes says so.

A restarted kernel starts empty: nothing of the package is loaded, so ``friendly_errors()``
is off and ``model.summary()`` gives a bare ``NameError``. This module adds one line to
that error, before the learner has run anything::

    NameError: name 'model' is not defined
    model is made by an earlier cell (model = keras.Model(inputs, outputs)), and this kernel
    has not run it (...): run the cells above first: Run > Run All Above

How it loads (why a startup file): IPython runs every ``*.py`` in
``{sys.prefix}/etc/ipython/startup/`` when a kernel starts (``ENV_CONFIG_DIRS`` in
``IPython/core/application.py``, ``_run_startup_files`` in ``IPython/core/shellapp.py``,
IPython >= 6.1). That is a folder, so our own file sits beside any other package's and the
user's ``~/.ipython`` without replacing them, unlike ``ipython_kernel_config.py`` (one
file per folder; a JSON or Python config cannot append to another file's ``extensions``
list). ``setup.py`` installs ``etc/ipython/startup/50-cifar-cnn-restart-hint.py`` there as
``data_files``, for a wheel (the workshop stick) and ``pip install -e .`` alike; it calls
:func:`load_ipython_extension`.

Harmless for other notebooks of the environment: it imports no Keras or NumPy (about
a millisecond at kernel start), acts only on a ``NameError`` in a Jupyter kernel, and only
for a name that an earlier cell binds: of the running notebook where the kernel knows it
(JupyterLab's ``__session__``, VS Code's ``__vsc_ipynb_file__``), else of the lesson's
notebooks; names that only a later cell binds get nothing. ``friendly_errors()``, once on,
replaces this handler with its own, which explains a ``NameError`` too.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections import deque
from functools import lru_cache
from pathlib import Path

__all__ = ["load_ipython_extension", "explain_in_kernel", "explain_missing_name", "bound_names", "earlier_cell_hint",
           "RUN_ABOVE"]

RUN_ABOVE = "run the cells above first: Run > Run All Above (in VS Code: Execute Above Cells)"
_NOT_IN_SCOPE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                 ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def load_ipython_extension(shell):
    """Explain a NameError after a restart, in a Jupyter kernel (not a terminal IPython:
    it has no cells above); leave any handler already installed alone."""
    if getattr(shell, "kernel", None) is None or shell.custom_exceptions:
        return
    shell.set_custom_exc((NameError,), _handler)


def _handler(shell, etype, value, tb, tb_offset=None):
    text = explain_in_kernel(value, shell)
    if text and text not in getattr(value, "__notes__", ()):
        # A note prints right under "NameError: ..." in the error output itself (IPython's
        # ultratb shows __notes__), so every frontend shows it.
        value.__notes__ = [*getattr(value, "__notes__", ()), text]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def explain_in_kernel(error, shell=None):
    """:func:`explain_missing_name` with what the running IPython knows: the cell that failed
    and its notebook (``cifar_cnn.slips`` asks this too, once ``friendly_errors()`` is on)."""
    try:
        if shell is None:
            import sys

            shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
        if shell is None:
            return explain_missing_name(error)
        cells = shell.history_manager.input_hist_raw
        return explain_missing_name(error, cells[-1] if cells else None, _running_notebook(shell))
    except Exception:  # a hint is a bonus: never a second error
        return None


def _running_notebook(shell):
    ns = shell.user_ns
    for path in (ns.get("__vsc_ipynb_file__"), ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(path, str) and path.endswith(".ipynb") and os.path.isfile(path):
            return Path(path)
    return None


def _code_cells(path):
    with open(path, encoding="utf-8") as f:
        cells = json.load(f).get("cells", [])
    sources = [c.get("source", "") for c in cells if c.get("cell_type") == "code"]
    return ["".join(s) if isinstance(s, list) else s for s in sources]


def bound_names(source: str) -> dict[str, str]:
    """The names a cell binds at its top level (assignments, imports, def, class, for,
    with ... as), each with the line that binds it. Magics (%, !) are turned into Python
    first; a cell that does not parse binds nothing."""
    return dict(_bound_names(source))


@lru_cache(maxsize=2048)  # a NameError reads every lesson notebook: parse each cell once
def _bound_names(source):
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:
        pass
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    found = {}

    def bind(name, statement, node):
        if isinstance(node, ast.ImportFrom):  # the one name, not the whole import list
            text = f"from {'.' * node.level}{node.module or ''} import {name}"
        else:
            text = " ".join((ast.get_source_segment(source, statement) or name).split())
        found.setdefault(name, text)

    for top in tree.body:  # in the order of the source: the first binding is shown
        queue = deque([(top, top)])
        while queue:
            node, statement = queue.popleft()  # the innermost statement: shown, not its "if"
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bind(node.id, statement, node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if alias.name != "*":
                        bind(alias.asname or alias.name.split(".")[0], statement, node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(node.name, statement, node)
            if not isinstance(node, _NOT_IN_SCOPE):
                queue.extend((child, child if isinstance(child, ast.stmt) else statement)
                             for child in ast.iter_child_nodes(node))
    return tuple(found.items())


def _lesson_notebooks():
    from .notebooks import learner_notebooks

    return learner_notebooks()


def _binding_line(name, cells, running):
    """The line that binds ``name`` in a cell above the running one (any cell when the
    running cell is not among them, e.g. edited since the notebook was saved), else None."""
    stripped = [c.strip() for c in cells]
    above = cells
    if running is not None and running.strip() in stripped:
        above = cells[: stripped.index(running.strip())]
    lines = [line for line in (bound_names(cell).get(name) for cell in above) if line]
    # a reference solution's line rather than the exercise's blanks (_____)
    return next((line for line in lines if "_____" not in line), lines[0] if lines else None)


def explain_missing_name(error, running_cell=None, notebook=None):
    """The hint for ``NameError: name 'x' is not defined`` when an earlier cell of
    ``notebook`` (default: the lesson's notebooks) binds ``x``, else None."""
    match = re.match(r"name '(\w+)' is not defined", str(error))
    if not isinstance(error, NameError) or not match:
        return None
    name = match[1]
    paths = [notebook] if notebook is not None else _lesson_notebooks()
    notebooks = [_code_cells(p) for p in paths]
    if notebook is None and running_cell is not None:  # the lesson notebook this cell is from, if any
        notebooks = [c for c in notebooks if running_cell.strip() in map(str.strip, c)] or notebooks
    for cells in notebooks:
        line = _binding_line(name, cells, running_cell)
        if line:
            return earlier_cell_hint(name, line if len(line) <= 60 else line[:57] + "...")
    return None


def earlier_cell_hint(name, line=None):
    """The one wording of "an earlier cell makes ``name``", with the line that makes it if known
    (``cifar_cnn.workshop.slips`` says it too, for the names it knows without a notebook)."""
    made = f" ({line})" if line else ""
    return (f"{name} is made by an earlier cell{made}, and this kernel has not run it (a restarted kernel, "
            f"or a notebook just opened, starts empty): {RUN_ABOVE}")

"""A learner's notebook in miniature, for the mistakes corpus.

Cells of code run in one namespace, as in a Jupyter kernel, so a cell run twice leaves its
first layers in the chain exactly as it does for a learner. :func:`follow` applies a
verdict's advice *literally*: it reads each ✗ line's fix ("use filters=32", "add the line
... after that layer's line", "remove its line", "in its line write (x) instead of
(inputs)", "run the cells again from keras.Input on" ...), edits the cells the way the
sentence says, and re-runs only what the advice says to re-run (the edited cells, or
everything from keras.Input when the verdict says so).
"""

from __future__ import annotations

import ast
import inspect
import re

import keras

from cifar_cnn import checks

EPISODE4 = [
    'inputs = keras.Input(shape=(32, 32, 3), name="images")',
    'x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")(inputs)',
    'x = keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool1")(x)',
    'x = keras.layers.Conv2D(filters=32, kernel_size=(3, 3), activation="relu", name="conv2")(x)\n'
    'x = keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool2")(x)',
    'x = keras.layers.Flatten(name="flatten")(x)',
    'x = keras.layers.Dense(units=64, activation="relu", name="dense")(x)',
    'outputs = keras.layers.Dense(units=10, activation="softmax", name="predictions")(x)',
]
STEP_CELL = {
    "check_input": 0, "check_conv2d": 1, "check_pooling": 2, "check_second_block": 3,
    "check_flatten": 4, "check_dense": 5, "check_output": 6,
}
MODEL = 'model = keras.Model(inputs=inputs, outputs=outputs, name="cifar_model_intro")'
COMPILE = 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'
RERUN = re.compile(r"run the cells again from keras\.Input on")
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}


class Notebook:
    def __init__(self, cells):
        self.cells = [cell.split("\n") for cell in cells]
        self.ns = {}

    # ------------------------------------------------------------ running
    def run(self, *indices):
        for index in indices:
            exec("\n".join(self.cells[index]), self.ns)  # noqa: S102 - the learner's own cells

    def run_all(self, upto=None):
        self.ns = {"keras": keras}
        for index in range(len(self.cells) if upto is None else upto + 1):
            try:
                self.run(index)
            except Exception:  # a cell that fails, as in a notebook: the next ones still run
                pass

    def check(self, call):
        for name in checks.__all__:
            self.ns[name] = getattr(checks, name)
        return eval(call, self.ns)  # noqa: S307

    def source(self):
        return "\n".join("\n".join(cell) for cell in self.cells)

    # ------------------------------------------------------------ finding lines
    def lines(self):
        return [(c, l, text) for c, cell in enumerate(self.cells) for l, text in enumerate(cell)]

    def find(self, *, name=None, kind=None, nth=1, last=False, contains=None):
        if name is not None:
            found = [(c, l) for c, l, t in self.lines() if re.search(rf"name=[\"']{re.escape(name)}[\"']", t)]
            if not found and kind is not None:  # Keras's default name: "conv2d" is the first Conv2D
                return self.find(kind=kind)
        elif kind == "InputLayer":
            found = [(c, l) for c, l, t in self.lines() if "keras.Input(" in t]
        elif kind is not None:
            found = [(c, l) for c, l, t in self.lines() if re.search(rf"layers\.{kind}\(", t)]
        else:
            found = [(c, l) for c, l, t in self.lines() if contains in t]
        assert found, f"no line for name={name} kind={kind} contains={contains} in:\n{self.source()}"
        return found[-1] if last else found[nth - 1]


def _target(text, notebook):
    """The line a ✗ sentence is about."""
    if text.startswith("no ") and "Dropout" in text:
        return None
    patterns = [
        (r'(?:your |layer \d+ \()(\w+) "([^"]+)"', lambda m: notebook.find(name=m[2], kind=m[1])),
        (r"your input|the input \(layer 1\)", lambda m: notebook.find(kind="InputLayer")),
        (r"the (\w+) \(layer \d+\)", lambda m: notebook.find(kind=m[1])),
        (r"your (?:(first|second|third|fourth) )?(\w+)", lambda m: notebook.find(kind=m[2], nth=_ORDINAL.get(m[1], 1))),
        (r"layer \d+ \((?:the )?(?:(first|second|third|fourth) )?(\w+)\)",
         lambda m: notebook.find(kind=m[2], nth=_ORDINAL.get(m[1], 1))),
    ]
    for pattern, locate in patterns:
        match = re.search(pattern, text)
        if match:
            return locate(match)
    return None


def _constructor(tree):
    value = tree.body[0].value if isinstance(tree.body[0], (ast.Assign, ast.Expr)) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Call):
        return value.func, value
    return value, None


def _keywords(call):
    """Turn positional arguments into keywords, by the class's signature."""
    if not call.args:
        return
    kind = call.func.attr
    cls = keras.Input if kind == "Input" else getattr(keras.layers, kind, None)
    params = [p for p in inspect.signature(cls).parameters if p not in ("self", "args", "kwargs")]
    call.keywords = [ast.keyword(arg=name, value=arg) for name, arg in zip(params, call.args)] + call.keywords
    call.args = []


def _edit(notebook, where, change):
    cell, line = where
    tree = ast.parse(notebook.cells[cell][line])
    call, outer = _constructor(tree)
    _keywords(call) if call.func.attr != "compile" else None
    change(call, outer)
    notebook.cells[cell][line] = ast.unparse(tree)
    return cell


def _literal(text):
    """The longest start of ``text`` that is a Python literal."""
    best = None
    for end in range(1, len(text) + 1):
        if end < len(text) and text[end] not in " ,":
            continue
        try:
            ast.literal_eval(text[:end])
        except (ValueError, SyntaxError):
            continue
        best = text[:end]
    assert best is not None, text
    return best


def _set(key, value):
    def change(call, outer):
        call.keywords = [k for k in call.keywords if k.arg != key] + [
            ast.keyword(arg=key, value=ast.parse(value, mode="eval").body)
        ]
    return change


def _remove(key):
    def change(call, outer):
        call.keywords = [k for k in call.keywords if k.arg != key]
    return change


# ✗ lines that state a consequence of another line's difference, with nothing to do
CONSEQUENCE = re.compile(r"(?:has shape|outputs) \(.*\); (?:the challenge|the reference) expects|^the model outputs|^[\d,]+ parameters; the reference")


def follow(notebook, verdict, check_call, upto=None):
    """Apply every piece of advice in ``verdict`` to ``notebook``, literally, and re-run
    what the advice says: the edited cells, or, when the verdict says to run the cells
    again from keras.Input on, every cell from the first up to ``upto`` (the cell the
    check is about). Returns the ✗ lines followed."""
    actions, edited, rerun = [], set(), False
    for message in verdict.messages:
        if RERUN.search(message):
            rerun = True
        if not message.startswith("✗"):
            continue
        text = message[2:]
        if CONSEQUENCE.search(text):
            continue
        if m := re.search(r"(?:Fix it and run it again|not compiled yet): (model\.compile\(.*\))$", text):
            if ".compile(" in notebook.source():
                cell, line = notebook.find(contains=".compile(")
                notebook.cells[cell][line] = m[1]
            else:  # a line to add: at the end of the last cell
                cell = len(notebook.cells) - 1
                notebook.cells[cell].append(m[1])
            edited.add(cell)
        elif "write (x) instead of (inputs)" in text:
            where = _target(text, notebook)

            def on_x(call, outer):
                outer.args = [ast.Name("x") if isinstance(a, ast.Name) and a.id == "inputs" else a for a in outer.args]

            edited.add(_edit(notebook, where, on_x))
        elif m := re.search(r'two layers are named "([^"]+)".*use name="(\w+)" in the later one', text):
            lines = [(c, l) for c, l, t in notebook.lines() if re.search(rf"name=[\"']{m[1]}[\"']", t)]
            if len(lines) > 1 or "if two of your cells" not in text:
                edited.add(_edit(notebook, lines[-1], _set("name", repr(m[2]))))
        elif m := re.search(r"add the line (.+?) after that layer's line", text):
            after = text.split(" after ", 1)[1]
            cell, line = _target(after, notebook)
            notebook.cells[cell].insert(line + 1, m[1])
            edited.add(cell)
        elif m := re.search(r"add the line (.+?) right after the Flatten line", text):
            cell, line = notebook.find(kind="Flatten")
            notebook.cells[cell].insert(line + 1, m[1])
            edited.add(cell)
        elif "move its line to right after the Flatten line" in text:
            cell, line = _target(text, notebook)
            moved = notebook.cells[cell].pop(line)
            fc, fl = notebook.find(kind="Flatten")
            notebook.cells[fc].insert(fl + 1, moved)
            edited |= {cell, fc}
        elif text.endswith("remove its line"):
            cell, line = _target(text, notebook)
            notebook.cells[cell].pop(line)
            edited.add(cell)
        elif m := re.search(r"(?:should be an? \w+|there): use (keras\.layers\.\w+\(.*?\))$", text):
            new = ast.parse(m[1], mode="eval").body

            def swap(call, outer):
                name = [k for k in call.keywords if k.arg == "name"]
                call.func, call.keywords = new.func, new.keywords + name

            edited.add(_edit(notebook, _target(text, notebook), swap))
        elif m := re.search(r"this step asks for the output of .*?: (.+)$", text):
            cell = STEP_CELL[check_call.split("(")[0]]
            notebook.cells[cell] = m[1].split(", then ")
            edited.add(cell)
        elif m := re.search(r"\b(use|add|remove) (\w+)=(.*)$", text):
            verb, key = m[1], m[2]
            if check_call.startswith("check_compile"):
                where = notebook.find(contains=".compile(")
            else:
                where = _target(text, notebook)
            change = _remove(key) if verb == "remove" else _set(key, _literal(m[3]))
            edited.add(_edit(notebook, where, change))
        elif RERUN.search(text):
            pass  # re-running is the whole fix
        else:
            raise AssertionError(f"advice not understood: {message}")
        actions.append(message)
    if rerun:
        notebook.run_all(upto)
    else:
        for cell in sorted(edited):
            notebook.run(cell)
    return actions

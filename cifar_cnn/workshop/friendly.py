"""Friendly errors: Keras's own error message first, then what it means for a learner and
the line to write instead.

Turn it on once, in the first cell of a notebook (or at the top of a script)::

    import cifar_cnn
    cifar_cnn.friendly_errors()

It is an explicit call, not a side effect of ``import cifar_cnn``, so that nobody's
IPython session changes behind their back. What it does:

* in IPython and Jupyter it installs a custom exception handler (IPython's public
  ``shell.set_custom_exc``). For a known novice mistake (Keras's errors below, and the
  plain Python slips of :mod:`cifar_cnn.workshop.slips`) the learner sees Keras's message, then
  the explanation and the fix, then their own line; the pages of Keras internals are
  folded away (IPython's exception-only view; ``%tb`` shows them). The package's own
  errors (``ValueError``/``TypeError`` raised by :mod:`cifar_cnn` itself, e.g. ``train``
  finding one-hot labels with a sparse loss) are already written for learners: they are
  shown as their one paragraph. Other errors keep the usual traceback;
* after a failed ``fit``, ``evaluate`` or ``predict`` it resets the half-traced step that
  would break the next call (:mod:`cifar_cnn.recovery`), so the corrected call works;
* in a plain Python script it wraps ``sys.excepthook`` the same way.

The ``cifar-cnn`` command prints the same explanations (:func:`explain`) after its
one-line errors. ``friendly_errors(False)`` turns it off again.

Existing tools were considered: ``friendly-traceback`` (PyPI) rewrites Python's own
errors in plain words, but knows nothing of Keras and replaces the traceback rather than
adding to it; the catalogue below is what a CNN workshop meets, in the lesson's words.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass
from typing import Callable

from .folding import without_arguments_dump, your_line
from ..recovery import forget_failed_steps, models_in_traceback
from .slips import explain_slip

__all__ = ["friendly_errors", "explain", "CATALOGUE", "Hint"]

HEADER = "What this error means (cifar_cnn.friendly_errors):"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # cifar_cnn/
_COMPILE = 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'
_LOSSES = (
    "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error", "mse",
)
_METRICS = ("accuracy", "sparse_categorical_accuracy", "categorical_accuracy")
_OPTIMIZERS = ("adam", "sgd", "rmsprop", "adamw", "adagrad", "nadam")
_ACTIVATIONS = ("relu", "softmax", "sigmoid", "tanh", "linear", "elu", "selu", "gelu", "swish", "leaky_relu")


@dataclass(frozen=True)
class Hint:
    """One known mistake: the exception types, a regex on the message, and a function of the
    match that returns the explanation (ending in the fix)."""

    name: str
    types: tuple
    pattern: str
    explain: Callable[[re.Match], str]


def _closest(word, choices, default):
    match = difflib.get_close_matches(str(word).lower(), choices, n=1, cutoff=0.5)
    return match[0] if match else default


def _rate(value):
    try:
        number = float(value)
    except ValueError:
        return "0.5"
    return f"{number / 100:g}" if number > 1 else "0.5"


def _activation(match):
    word = match[1]
    fixed = _closest(word, _ACTIVATIONS, "relu")
    if word.lower() == fixed:
        return f'activation names are lower case strings: write activation="{fixed}" (not "{word}")'
    return f'"{word}" is not a Keras activation: write activation="{fixed}" (names are lower case: "relu", "softmax")'


def _metrics(match):
    given = match[1]
    kind = match[2]
    if kind == "str":
        return (
            "metrics must be a list, even for a single metric (a bare string is refused by Keras 3): "
            f'write metrics=["{given}"]'
        )
    return (
        "metrics must be a list (Keras 3 refuses a single metric object, which Keras 2 accepted): "
        'write metrics=["accuracy"], and Keras picks the accuracy that fits the loss'
    )


def _monitor(match):
    name = match[1]
    wanted = {"val_acc": "val_accuracy", "acc": "accuracy"}.get(name)
    if wanted:
        return (
            f'Keras 3 calls this metric "{wanted}", not "{name}" (the Keras 2 name). Ignore the hint to pass '
            f'mode=: with monitor="{name}" nothing would ever be watched. Write monitor="{wanted}" '
            '(or monitor="val_loss")'
        )
    return (
        f'the monitored value must be one that training reports, such as "val_loss" or "val_accuracy" '
        f'(see history.history.keys()): write monitor="val_loss"'
    )


def _unknown_keyword(match):
    name = match[2]
    renamed = {"lr": "learning_rate", "epoch": "epochs", "nb_epoch": "epochs", "metric": "metrics"}.get(name)
    if renamed:
        return f"{name} is not an argument of {match[1]}(): write {renamed}=... ({name} is the Keras 2 name)"
    return f"{match[1]}() has no argument {name}: check its spelling with help({match[1]})"


def _history_key(match):
    key = match[1]
    wanted = {"val_acc": "val_accuracy", "acc": "accuracy"}.get(key)
    if wanted:
        return f'history.history has no "{key}" (the Keras 2 name): write history.history["{wanted}"]'
    if key.startswith("val_"):
        return (
            f'history.history has "{key}" only when the model was validated during training: pass '
            "validation_data=(data.x_val, data.y_val) to model.fit, or train with train(model, data)"
        )
    return None


CATALOGUE = [
    Hint("activation spelled wrong", (ValueError,), r"Could not interpret activation function identifier: (\S+)", _activation),
    Hint(
        "metrics not a list", (ValueError,),
        r"Expected `metrics` argument to be a list, tuple, or dict\. Received instead: metrics=(.*?) of type <class '(?:[\w.]+\.)?(\w+)'>",
        _metrics,
    ),
    Hint(
        "Dropout rate as a percentage", (ValueError,),
        r"Invalid value received for argument `rate`\. Expected a float value between 0 and 1\. Received: rate=(\S+)",
        lambda m: f"the dropout rate is a fraction between 0 and 1, not a percentage: write Dropout(rate={_rate(m[1])})",
    ),
    Hint("EarlyStopping monitor", (ValueError,), r"EarlyStopping callback received monitor=(\w+)", _monitor),
    Hint(
        "Keras 2 argument lr", (ValueError, TypeError), r"Argument\(s\) not recognized: \{'lr':",
        lambda m: "Keras 3 calls it learning_rate: write keras.optimizers.Adam(learning_rate=0.001)",
    ),
    Hint("unknown keyword argument", (TypeError,), r"(?:\w+\.)?(\w+)\(\) got an unexpected keyword argument '(\w+)'", _unknown_keyword),
    Hint(
        "a layer name used twice", (ValueError,), r'The name "([^"]+)" is used (\d+) times in the model',
        lambda m: (
            f'a cell that creates the layer "{m[1]}" ran more than once, so x went through it {m[2]} times '
            f'(or two lines say name="{m[1]}"): run the cells again from keras.Input on, each once; if two '
            "lines use the same name, rename one"
        ),
    ),
    Hint(
        "the whole data set passed to fit", (ValueError, TypeError), r"(?:x=|found: |Received: )CIFAR10\(",
        lambda m: (
            "model.fit and model.evaluate take arrays, not the whole data set: write "
            "model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=10), "
            "or use the package's train(model, data)"
        ),
    ),
    Hint(
        "a layer created but not called", (ValueError, TypeError),
        r"(?:Only input tensors may be passed as positional arguments|All `outputs` values must be KerasTensors).*?<(\w+) name",
        lambda m: (
            f"a {m[1]} layer was created but not called: a layer does nothing until it gets the previous "
            f"tensor in a second pair of parentheses: x = keras.layers.{m[1]}(...)(x)"
        ),
    ),
    Hint(
        "the shape of all images given to keras.Input", (ValueError,),
        r"input of shape \(None, \d{3,}, \d+, \d+, \d+\)",
        lambda m: "keras.Input takes the shape of one image, not of the whole array: write keras.Input(shape=data.x_train.shape[1:])",
    ),
    Hint(
        "one-hot labels with the sparse loss", (ValueError,), r"Argument `output` must have rank \(ndim\) `target\.ndim - 1`",
        lambda m: (
            "the labels are one-hot rows but the loss expects class numbers: load the data with "
            'load_cifar10(one_hot=False), or compile with loss="categorical_crossentropy"'
        ),
    ),
    Hint(
        "class-number labels with the categorical loss", (ValueError,), r"Arguments `target` and `output` must have the same rank",
        lambda m: (
            'the labels are class numbers but the loss expects one-hot rows: compile with '
            'loss="sparse_categorical_crossentropy" (or load the data with one_hot=True)'
        ),
    ),
    Hint(
        "loss spelled wrong", (ValueError,), r"Could not interpret loss identifier: (\S+)",
        lambda m: f'"{m[1]}" is not a Keras loss: write loss="{_closest(m[1], _LOSSES, "sparse_categorical_crossentropy")}"',
    ),
    Hint(
        "optimizer spelled wrong", (ValueError,), r"Could not interpret optimizer identifier: (\S+)",
        lambda m: f'"{m[1]}" is not a Keras optimizer: write optimizer="{_closest(m[1], _OPTIMIZERS, "adam")}"',
    ),
    Hint(
        "metric spelled wrong", (ValueError,), r"Could not interpret metric identifier: (\S+)",
        lambda m: f'"{m[1]}" is not a Keras metric: write metrics=["{_closest(m[1], _METRICS, "accuracy")}"]',
    ),
    Hint(
        "not compiled", (ValueError, RuntimeError), r"You must call `compile\(\)` before using the model",
        lambda m: f"the model must be compiled before it is trained or evaluated: {_COMPILE}, or model = compile_model(model)",
    ),
    Hint(
        "one image without the batch dimension", (ValueError,),
        r"expected shape=\(None, (\d+), (\d+), (\d+)\), found shape=\(\1, \2, \3\)",
        lambda m: (
            "the model takes a batch of images, and this is one image without the batch dimension: "
            "write model.predict(image[None]) or model.predict(data.x_test[:1])"
        ),
    ),
    Hint(
        "images of another shape", (ValueError,), r"expected shape=\(None, ([\d, ]+)\), found shape=\(None, ([\d, ]+)\)",
        lambda m: (
            f"the images are {m[2].replace(', ', 'x')} but the model was built for {m[1].replace(', ', 'x')}: "
            f"pass images of that shape, or build the model with input_shape=({m[2]})"
        ),
    ),
    Hint(
        "images with another number of channels", (ValueError,),
        r"expected axis -1 of input shape to have value (\d+), but received input with shape \((?:None|\d+), (\d+), (\d+), (\d+)\)",
        lambda m: (
            f"the images have {m[4]} channel(s) but the model was built for {m[1]}: pass images with {m[1]} "
            f"channels, or build the model with input_shape=({m[2]}, {m[3]}, {m[4]})"
        ),
    ),
    Hint(
        "a conv or pooling layer after Flatten", (ValueError,), r"of layer ['\"](\w+)['\"] is incompatible with the layer: expected ndim=4, found ndim=2",  # Keras 3.12 quotes "name"
        lambda m: (
            f'the layer "{m[1]}" needs feature maps (height, width, channels) but got a flat vector: '
            "put the Conv2D and MaxPooling2D layers before Flatten, and only Dense layers after it"
        ),
    ),
    Hint(
        "units not an integer", (ValueError,), r"Received an invalid value for `units`, expected a positive integer\. Received: units=(\S+)",
        lambda m: f"units is a whole number of neurons: write units={_int_text(m[1])}",
    ),
    Hint(  # Keras 3.12 takes Dense(64.0) and fails only when the layer is called, with this
        "a layer size not an integer", (ValueError,),
        r"Cannot convert '\(.*?\)' to a shape\. Found invalid entry '(\d+\.\d*)' of type '<class 'float'>'",
        lambda m: f"layer sizes are whole numbers, not {m[1]}: write units={_int_text(m[1])} (or filters={_int_text(m[1])})",
    ),
    Hint(
        "kernel size given as text", (ValueError,), r"The `kernel_size` argument must be a tuple of 2 integers\. Received kernel_size=(\S+)",
        lambda m: "kernel_size takes numbers, not text: write kernel_size=(3, 3) (or kernel_size=3)",
    ),
    Hint(
        "Conv2D without filters", (TypeError,), r"Conv2D\.__init__\(\) missing 1 required positional argument: 'filters'",
        lambda m: 'a Conv2D needs its number of filters: write keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu")',
    ),
    Hint(
        "saving without .keras", (ValueError,), r"Invalid filepath extension for saving",
        lambda m: 'give the file name the .keras extension: model.save("my_model.keras") (or save_model(model, "my_model.keras"))',
    ),
    Hint(
        "loading a file that is not there", (ValueError, FileNotFoundError), r"File not found: filepath=(\S+?)\.?\s",
        lambda m: f"there is no file {m[1]} here: check the name, and where the notebook runs (import os; print(os.getcwd()))",
    ),
    Hint("a history key that does not exist", (KeyError,), r"^'(\w+)'$", _history_key),
]


def _int_text(value):
    try:
        return str(int(float(value)))
    except ValueError:
        return "64"


def explain(error):
    """The explanation and fix for ``error`` if it is a known novice mistake, else None."""
    message = str(error)
    if isinstance(error, KeyError) and error.args:
        message = repr(error.args[0])
    for hint in CATALOGUE:
        if not isinstance(error, hint.types):
            continue
        match = re.search(hint.pattern, message, flags=re.DOTALL)
        if match:
            text = hint.explain(match)
            if text:
                return text
    return explain_slip(error)


def _raised_by_package(error, tb):
    """True for the package's own input checks: a ValueError or TypeError whose innermost
    frame is in cifar_cnn (not in Keras, called from cifar_cnn). Those messages already say
    what to change; the traceback behind them only hides it."""
    if not isinstance(error, (ValueError, TypeError)):
        return False
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
    return filename.startswith(_PACKAGE_DIR + os.sep) and not filename.endswith(os.sep + "friendly.py")


def _hint_text(error):
    text = explain(error)
    return None if text is None else f"\n{HEADER}\n  {text}\n"


def _recover(tb):
    """A failed fit/evaluate/predict leaves a half-traced step on the model that breaks
    the next call (cifar_cnn.recovery): reset it, so the corrected call just works."""
    for model in models_in_traceback(tb):
        forget_failed_steps(model)


def _ipython_handler(shell, etype, value, tb, tb_offset=None):
    _recover(tb)
    text = explain(value)
    if _raised_by_package(value, tb) or text:
        # Known mistakes: Keras's message and the hint first; the pages of Keras internals
        # stay folded away (IPython's own exception-only view: %tb unfolds them).
        shell.showtraceback((etype, without_arguments_dump(value), tb), tb_offset=tb_offset, exception_only=True)
        sys.last_value = value  # %tb shows the whole, original error
        if hasattr(sys, "last_exc"):
            sys.last_exc = value
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    if text:
        line = your_line(tb)
        where = f"  the line: {line}\n" if line else ""
        print(f"{HEADER}\n  {text}\n{where}", file=sys.stderr)
    return None


_original_excepthook = None


def _excepthook(etype, value, tb):
    _recover(tb)
    if _raised_by_package(value, tb):
        print(f"{etype.__name__}: {value}", file=sys.stderr)
    else:
        (_original_excepthook or sys.__excepthook__)(etype, value, tb)
    text = _hint_text(value)
    if text:
        print(text, file=sys.stderr)


def friendly_errors(on=True):
    """Explain common Keras mistakes after their error message, in this notebook or script.

    Call it once, in the first cell. ``friendly_errors(False)`` restores the usual
    behaviour. Returns None, so a notebook cell that ends with it prints nothing.
    """
    global _original_excepthook
    shell = None
    if "IPython" in sys.modules:
        try:
            shell = sys.modules["IPython"].get_ipython()
        except Exception:
            shell = None
    if shell is not None:
        if on:
            shell.set_custom_exc((Exception,), _ipython_handler)
        else:
            shell.set_custom_exc((), None)
        return None
    if on and sys.excepthook is not _excepthook:
        _original_excepthook = sys.excepthook
        sys.excepthook = _excepthook
    elif not on and sys.excepthook is _excepthook:
        sys.excepthook = _original_excepthook or sys.__excepthook__
    return None

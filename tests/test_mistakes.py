"""The mistakes corpus: what novices really type in episodes 4 and 6, and what they get.

Every entry builds the learner's wrong code with real Keras and asserts that the verdict
or the friendly error names the real fix. For the checker's verdicts the test then does
what the verdict says, literally (``learner.follow``: edit the cells as the sentences
say, re-run only what they say to re-run) and asserts that the check then passes. For
Keras's errors it asserts the explanation (``cifar_cnn.workshop.friendly.explain``) names the fix
and that the code with that fix runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import pytest

import cifar_cnn
from cifar_cnn.workshop import friendly
from cifar_cnn.data.load import CIFAR10
from learner import COMPILE, EPISODE4, MODEL, Notebook, follow


@dataclass
class Mistake:
    id: str
    check: str
    says: str  # a fragment the verdict must contain: the real cause or fix
    edits: list = field(default_factory=list)  # (cell, old, new) before the first run
    later: list = field(default_factory=list)  # (cell, old, new) then re-run of that cell only
    reruns: tuple = ()  # cells run once more after the first run, as a learner does
    cells: list = field(default_factory=lambda: list(EPISODE4))
    upto: int | None = None  # the last cell of the first run; default the check's own cell

    def __str__(self):
        return self.id


def _step_cell(check):
    from learner import STEP_CELL

    return STEP_CELL.get(check.split("(")[0])


def play(mistake):
    notebook = Notebook(mistake.cells)
    for cell, old, new in mistake.edits:
        assert old in "\n".join(notebook.cells[cell]), (mistake.id, old)
        notebook.cells[cell] = "\n".join(notebook.cells[cell]).replace(old, new).split("\n")
    upto = mistake.upto if mistake.upto is not None else _step_cell(mistake.check)
    notebook.run_all(upto)
    for cell in mistake.reruns:
        notebook.run(cell)
    for cell, old, new in mistake.later:
        notebook.cells[cell] = "\n".join(notebook.cells[cell]).replace(old, new).split("\n")
        notebook.run(cell)
    return notebook


C = 'x = keras.layers.Conv2D(filters=16, kernel_size=(3, 3), activation="relu", name="conv1")(inputs)'
ALL = len(EPISODE4) - 1
WITH_MODEL = EPISODE4 + [MODEL]
WITH_COMPILE = EPISODE4 + [MODEL, COMPILE]
DROPOUT_CELL = "\n".join(
    EPISODE4[:5]
    + ['x = keras.layers.Dropout(rate=0.5, name="dropout")(x)']
    + EPISODE4[5:]
    + ['model = keras.Model(inputs=inputs, outputs=outputs, name="my_dropout")']
)

BUILD = [
    # ---- challenge 1: the input
    Mistake("input-without-name", "check_input(inputs)", 'the challenge names it "images": add name="images"',
            [(0, ', name="images"', "")]),
    Mistake("input-with-another-name", "check_input(inputs)", 'use name="images"', [(0, '"images"', '"input"')]),
    Mistake("input-without-channels", "check_input(inputs)", "the colour channels are missing",
            [(0, "(32, 32, 3)", "(32, 32)")]),
    Mistake("input-channels-first", "check_input(inputs)", "channels first", [(0, "(32, 32, 3)", "(3, 32, 32)")]),
    Mistake("input-one-channel", "check_input(inputs)", "1 channel; the images have 3", [(0, "(32, 32, 3)", "(32, 32, 1)")]),
    Mistake("input-shape-of-all-images", "check_input(inputs)", "data.x_train.shape[1:]",
            [(0, "(32, 32, 3)", "(40000, 32, 32, 3)")]),
    # ---- challenge 2: the first convolution
    Mistake("conv1-8-filters", "check_conv2d(x)", "use filters=16", [(1, "filters=16", "filters=8")]),
    Mistake("conv1-5x5-kernel", "check_conv2d(x)", "use kernel_size=(3, 3)", [(1, "(3, 3)", "(5, 5)")]),
    Mistake("conv1-no-activation", "check_conv2d(x)", 'add activation="relu"', [(1, ', activation="relu"', "")]),
    Mistake("conv1-sigmoid", "check_conv2d(x)", 'use activation="relu"', [(1, '"relu"', '"sigmoid"')]),
    Mistake("conv1-padding-same", "check_conv2d(x)", 'remove padding="same"', [(1, 'name="conv1"', 'padding="same", name="conv1"')]),
    Mistake("conv1-strides-2", "check_conv2d(x)", "remove strides=(2, 2)", [(1, 'name="conv1"', "strides=2, name=\"conv1\"")]),
    Mistake("conv1-without-name", "check_conv2d(x)", 'add name="conv1"', [(1, ', name="conv1"', "")]),
    Mistake("conv1-positional-settings", "check_conv2d(x)", "use filters=16",
            [(1, C, 'x = keras.layers.Conv2D(32, (3, 3), activation="relu", name="conv1")(inputs)')]),
    # ---- challenge 3: pooling
    Mistake("pool-size-3", "check_pooling(x)", "use pool_size=(2, 2)", [(2, "(2, 2)", "(3, 3)")]),
    Mistake("pool-average", "check_pooling(x)", "should be a MaxPooling2D", [(2, "MaxPooling2D", "AveragePooling2D")]),
    Mistake("pool-called-on-inputs", "check_pooling(x)", "was called on inputs instead of x", [(2, "(x)", "(inputs)")]),
    Mistake("pool-cell-run-twice", "check_pooling(x)", 'has been through the layer "pool1" twice', reruns=(2,)),
    Mistake("pool-cell-rerun-after-a-fix", "check_pooling(x)", "a cell ran a second time",
            [(2, "(2, 2)", "(3, 3)")], later=[(2, "(3, 3)", "(2, 2)")]),
    Mistake("pool-rerun-after-the-next-cell", "check_second_block(x)", 'two layers are named "pool1"', reruns=(2,), upto=3),
    # ---- challenge 4: the second block
    Mistake("conv2-16-filters", "check_second_block(x)", "use filters=32", [(3, "filters=32", "filters=16")]),
    Mistake("conv2-called-on-inputs", "check_second_block(x)", 'your Conv2D "conv2" was called on inputs',
            [(3, '"conv2")(x)', '"conv2")(inputs)')]),
    Mistake("block2-rerun-after-a-fix", "check_second_block(x)", 'the layers "conv2" and "pool2" twice',
            [(3, "filters=32", "filters=16")], later=[(3, "filters=16", "filters=32")]),
    Mistake("pool2-named-pool1", "check_second_block(x)", 'use name="pool2" in the later one', [(3, '"pool2"', '"pool1"')]),
    Mistake("pool2-forgotten", "check_second_block(x)", "an earlier step", [(3, "\nx = keras.layers.MaxPooling2D(pool_size=(2, 2), name=\"pool2\")(x)", "")]),
    Mistake("block2-pool-first", "check_second_block(x)", "MaxPooling2D",
            [(3, EPISODE4[3], EPISODE4[3].split("\n")[1] + "\n" + EPISODE4[3].split("\n")[0])]),
    # ---- challenges 5-7
    Mistake("flatten-forgotten", "check_dense(x)", 'add the line x = keras.layers.Flatten(name="flatten")(x)',
            [(4, EPISODE4[4], "pass")]),
    Mistake("flatten-cell-run-twice", "check_flatten(x)", 'has been through the layer "flatten" twice', reruns=(4,)),
    Mistake("dense-128-units", "check_dense(x)", "use units=64", [(5, "units=64", "units=128")]),
    Mistake("dense-no-activation", "check_dense(x)", 'add activation="relu"', [(5, ', activation="relu"', "")]),
    Mistake("extra-dense-layer", "check_dense(x)", "remove its line",
            [(5, EPISODE4[5], 'x = keras.layers.Dense(units=32, activation="relu", name="hidden")(x)\n' + EPISODE4[5])]),
    Mistake("output-relu", "check_output(outputs)", 'use activation="softmax"', [(6, '"softmax"', '"relu"')]),
    Mistake("output-no-softmax", "check_output(outputs)", 'add activation="softmax"', [(6, ', activation="softmax"', "")]),
    Mistake("output-100-units", "check_output(outputs)", "use units=10", [(6, "units=10", "units=100")]),
    Mistake("output-named-dense", "check_output(outputs)", 'use name="predictions" in the later one', [(6, '"predictions"', '"dense"')]),
    # ---- challenge 8 and the dropout challenge: whole models
    Mistake("model-conv2-16-filters", "check_model_intro(model)", "use filters=32", [(3, "filters=32", "filters=16")],
            cells=WITH_MODEL, upto=ALL + 1),
    Mistake("model-pool2-forgotten", "check_model_intro(model)", "missing a MaxPooling2D as layer 5",
            [(3, "\nx = keras.layers.MaxPooling2D(pool_size=(2, 2), name=\"pool2\")(x)", "")], cells=WITH_MODEL, upto=ALL + 1),
    Mistake("model-conv2-on-inputs", "check_model_intro(model)", "is called on inputs instead of x",
            [(3, '"conv2")(x)', '"conv2")(inputs)')], cells=WITH_MODEL, upto=ALL + 1),
    Mistake("model-extra-dense", "check_model_intro(model)", "which the reference does not have: remove its line",
            [(5, EPISODE4[5], 'x = keras.layers.Dense(units=32, activation="relu", name="hidden")(x)\n' + EPISODE4[5])],
            cells=WITH_MODEL, upto=ALL + 1),
    Mistake("model-output-sigmoid", "check_model_intro(model)", 'use activation="softmax"', [(6, '"softmax"', '"sigmoid"')],
            cells=WITH_MODEL, upto=ALL + 1),
    Mistake("dropout-after-the-dense", "check_model_dropout(model)", "move its line to right after the Flatten line",
            [(0, 'x = keras.layers.Dropout(rate=0.5, name="dropout")(x)\n', ""),
             (0, EPISODE4[5], EPISODE4[5] + '\nx = keras.layers.Dropout(rate=0.5, name="dropout")(x)')],
            cells=[DROPOUT_CELL], upto=0),
    Mistake("dropout-rate-0.2", "check_model_dropout(model)", "use rate=0.5", [(0, "rate=0.5", "rate=0.2")],
            cells=[DROPOUT_CELL], upto=0),
    Mistake("dropout-forgotten", "check_model_dropout(model)", "no Dropout layer",
            [(0, 'x = keras.layers.Dropout(rate=0.5, name="dropout")(x)\n', "")], cells=[DROPOUT_CELL], upto=0),
    Mistake("dropout-positional-rate-50", "check_model_dropout(model)", "use rate=0.5",
            [(0, "Dropout(rate=0.5,", "Dropout(0.05,")], cells=[DROPOUT_CELL], upto=0),
]

COMPILE_MISTAKES = [
    Mistake("compile-metric-object-failed", "check_compile(model)", "the last model.compile(...) failed",
            [(8, 'metrics=["accuracy"]', "metrics=keras.metrics.SparseCategoricalAccuracy()")]),
    Mistake("compile-metrics-string-failed", "check_compile(model)", "the last model.compile(...) failed",
            [(8, 'metrics=["accuracy"]', 'metrics="accuracy"')]),
    Mistake("compile-never-run", "check_compile(model)", "the model is not compiled yet", [(8, COMPILE, "pass")]),
    Mistake("compile-no-metrics", "check_compile(model)", 'add metrics=["accuracy"]', [(8, ', metrics=["accuracy"]', "")]),
    Mistake("compile-mse", "check_compile(model)", "regression", [(8, '"sparse_categorical_crossentropy"', '"mse"')]),
    Mistake("compile-categorical-loss", "check_compile(model)", "so training would fail",
            [(8, '"sparse_categorical_crossentropy"', '"categorical_crossentropy"')]),
    Mistake("compile-binary-loss", "check_compile(model)", "is for two classes",
            [(8, '"sparse_categorical_crossentropy"', '"binary_crossentropy"')]),
    Mistake("compile-sgd", "check_compile(model)", 'use optimizer="adam"', [(8, '"adam"', '"sgd"')]),
    Mistake("compile-from-logits", "check_compile(model)", "already applies softmax",
            [(8, '"sparse_categorical_crossentropy"', "keras.losses.SparseCategoricalCrossentropy(from_logits=True)")]),
    Mistake("compile-accuracy-object", "check_compile(model)", "reports nearly 0", [(8, '["accuracy"]', "[keras.metrics.Accuracy()]")]),
    Mistake("compile-categorical-accuracy", "check_compile(model)", "expects one-hot labels",
            [(8, '["accuracy"]', '["categorical_accuracy"]')]),
]
for _mistake in COMPILE_MISTAKES:
    _mistake.cells, _mistake.upto = list(WITH_COMPILE), ALL + 2


@pytest.mark.parametrize("mistake", BUILD + COMPILE_MISTAKES, ids=str)
def test_following_the_verdict_fixes_the_mistake(mistake, capsys):
    notebook = play(mistake)
    verdict = notebook.check(mistake.check)
    text = str(verdict)
    assert not verdict.ok and text.splitlines()[0].endswith("✗ not yet"), text
    assert mistake.says in text, f"{mistake.says!r} not in:\n{text}"
    assert "all correct" not in text
    upto = mistake.upto if mistake.upto is not None else _step_cell(mistake.check)
    actions = follow(notebook, verdict, mistake.check, upto)
    again = notebook.check(mistake.check)
    capsys.readouterr()
    assert again.ok, f"followed:\n{text}\n\nthe code became:\n{notebook.source()}\n\nand the check says:\n{again}"
    assert actions


# ---------------------------------------------------------------- Keras's errors, explained


def _tiny_namespace(fit=False):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(32, 32, 3), name="images")
    x = keras.layers.Conv2D(4, (3, 3), activation="relu", name="conv1")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs, name="tiny")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    images = rng.random((8, 32, 32, 3), dtype=np.float32)
    labels = rng.integers(0, 10, 8)
    data = CIFAR10(images, labels, images, labels, images, labels, tuple("abcdefghij"))
    history = model.fit(images, labels, validation_data=(images, labels) if fit == "validated" else None, epochs=1, verbose=0) if fit else None
    return {
        "keras": keras, "np": np, "model": model, "inputs": inputs, "x": x, "data": data, "history": history,
        "uncompiled": keras.Model(inputs, outputs), "cifar_cnn": cifar_cnn,
        "one_hot": np.eye(10, dtype="float32")[labels], "path": "/nonexistent/my_model.keras",
    }


@dataclass
class KerasMistake:
    id: str
    wrong: str
    says: str
    fixed: str | None = None

    def __str__(self):
        return self.id


FIT = "model.fit(data.x_train, data.y_train, epochs=1, verbose=0)"
KERAS_MISTAKES = [
    KerasMistake("activation-ReLU", 'keras.layers.Conv2D(16, 3, activation="ReLU")', 'activation="relu"',
                 'keras.layers.Conv2D(16, 3, activation="relu")'),
    KerasMistake("activation-Softmax", 'keras.layers.Dense(10, activation="Softmax")', 'activation="softmax"',
                 'keras.layers.Dense(10, activation="softmax")'),
    KerasMistake("activation-misspelled", 'keras.layers.Dense(10, activation="rellu")', 'activation="relu"'),
    KerasMistake("metrics-bare-string", 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics="accuracy")',
                 'metrics=["accuracy"]', 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'),
    KerasMistake("metrics-one-object",
                 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=keras.metrics.SparseCategoricalAccuracy())',
                 'metrics=["accuracy"]'),
    KerasMistake("dropout-50", "keras.layers.Dropout(50)", "Dropout(rate=0.5)", "keras.layers.Dropout(rate=0.5)"),
    KerasMistake("dropout-percent-as-text", "keras.layers.Dropout(25)", "Dropout(rate=0.25)"),
    KerasMistake(
        "earlystopping-val-acc",
        'model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=1, verbose=0, '
        'callbacks=[keras.callbacks.EarlyStopping(monitor="val_acc")])',
        'monitor="val_accuracy"',
        'model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=1, verbose=0, '
        'callbacks=[keras.callbacks.EarlyStopping(monitor="val_accuracy")])',
    ),
    KerasMistake("adam-lr", "keras.optimizers.Adam(lr=0.1)", "learning_rate", "keras.optimizers.Adam(learning_rate=0.1)"),
    KerasMistake("compile_model-lr", "cifar_cnn.compile_model(model, lr=0.1)", "write learning_rate=0.1",
                 "cifar_cnn.compile_model(model, learning_rate=0.1)"),
    KerasMistake("compile_model-misspelled-loss-keyword", "cifar_cnn.compile_model(model, los='mse')", "write loss='mse'"),
    KerasMistake("layer-name-used-twice",
                 'keras.Model(inputs, keras.layers.Dense(2, name="conv1")(keras.layers.Flatten()(x)))',
                 "run the cells again from keras.Input on"),
    KerasMistake("fit-the-data-object", "model.fit(data, epochs=1, verbose=0)", "model.fit(data.x_train, data.y_train", FIT),
    KerasMistake("evaluate-the-data-object", "model.evaluate(data, verbose=0)", "take arrays, not the whole data set",
                 "model.evaluate(data.x_test, data.y_test, verbose=0)"),
    KerasMistake("create_model_dropout-rate-by-position", "cifar_cnn.create_model_dropout(0.25)",
                 "create_model_dropout(rate=0.25)", "cifar_cnn.create_model_dropout(rate=0.25)"),
    KerasMistake("create_model_vgg-filters-by-position", "cifar_cnn.create_model_vgg((16, 32))",
                 "create_model_vgg(filters=(16, 32))", "cifar_cnn.create_model_vgg(filters=(16, 32))"),
    KerasMistake("layer-created-not-called", "keras.layers.Flatten()(keras.layers.Conv2D(16, 3))", "second pair of parentheses"),
    KerasMistake("model-output-is-a-layer", "keras.Model(inputs, keras.layers.Dense(10))", "second pair of parentheses"),
    KerasMistake("conv-on-an-input-of-all-images", "keras.layers.Conv2D(4, 3)(keras.Input(shape=(40000, 32, 32, 3)))",
                 "keras.Input(shape=data.x_train.shape[1:])"),
    KerasMistake("one-hot-labels-with-sparse-loss", "model.fit(data.x_train, one_hot, epochs=1, verbose=0)",
                 "load_cifar10(one_hot=False)"),
    KerasMistake("class-numbers-with-categorical-loss",
                 'model.compile(optimizer="adam", loss="categorical_crossentropy"); ' + FIT,
                 'loss="sparse_categorical_crossentropy"'),
    KerasMistake("loss-misspelled", 'model.compile(optimizer="adam", loss="sparse_categorical_crossentopy"); ' + FIT,
                 'loss="sparse_categorical_crossentropy"'),
    KerasMistake("optimizer-misspelled", 'model.compile(optimizer="adma", loss="sparse_categorical_crossentropy")',
                 'optimizer="adam"'),
    KerasMistake("metric-misspelled",
                 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acuracy"]); ' + FIT,
                 'metrics=["accuracy"]'),
    KerasMistake("fit-before-compile", "uncompiled.fit(data.x_train, data.y_train, verbose=0)", "compile_model(model)"),
    KerasMistake("predict-one-image", "model.predict(data.x_test[0], verbose=0)", "model.predict(data.x_test[:1])",
                 "model.predict(data.x_test[:1], verbose=0)"),
    KerasMistake("fit-grey-images", "model.fit(data.x_train[..., :1], data.y_train, verbose=0)", "input_shape=(32, 32, 1)"),
    KerasMistake("save-without-extension", 'model.save("/tmp/cifar_cnn_mistake_model")', '"my_model.keras"'),
    KerasMistake("load-a-missing-file", "keras.models.load_model(path)", "there is no file /nonexistent/my_model.keras"),
    KerasMistake("fit-epoch-keyword", "model.fit(data.x_train, data.y_train, epoch=1, verbose=0)", "write epochs=", FIT),
    KerasMistake("history-val-acc", 'history.history["val_acc"]', 'history.history["val_accuracy"]'),
    KerasMistake("history-without-validation", 'history.history["val_accuracy"]', "validation_data=(data.x_val, data.y_val)"),
    # Keras 3.15 refuses Dense(64.0) at once; 3.12 takes it and fails when the layer is called
    KerasMistake("dense-units-float", "keras.layers.Dense(64.0)(x)", "units=64", "keras.layers.Dense(64)(x)"),
    KerasMistake("kernel-size-as-text", 'keras.layers.Conv2D(16, "3")', "kernel_size=(3, 3)"),
    KerasMistake("conv2d-without-filters", "keras.layers.Conv2D(kernel_size=3)", "Conv2D(filters=16"),
    KerasMistake("pooling-after-flatten", "keras.layers.MaxPooling2D(2)(keras.layers.Flatten()(inputs))", "before Flatten"),
    # ---- fit and evaluate without the labels: Keras says only "None values not supported."
    KerasMistake("fit-without-labels", "model.fit(data.x_train, validation_data=(data.x_val, data.y_val), epochs=1, verbose=0)",
                 "model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val)",
                 "model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=1, verbose=0)"),
    KerasMistake("evaluate-without-labels", "model.evaluate(data.x_val, verbose=0)", "model.evaluate(data.x_val, data.y_val)",
                 "model.evaluate(data.x_val, data.y_val, verbose=0)"),
    KerasMistake("fit-one-hot-then-the-right-fit", "model.fit(data.x_train, one_hot, epochs=1, verbose=0)",
                 "load_cifar10(one_hot=False)", FIT),
    # ---- plain Python slips
    KerasMistake("keras-name-lower-case-d", "keras.layers.Conv2d(16, 3)", "did you mean keras.layers.Conv2D?",
                 "keras.layers.Conv2D(16, 3)"),
    KerasMistake("keras-name-misspelled", "keras.layers.MaxPoolin2D(2)", "keras.layers.MaxPooling2D",
                 "keras.layers.MaxPooling2D(2)"),
    KerasMistake("keras-module-name-lower-case", "keras.Layers.Dense(10)", "did you mean keras.layers?"),
    KerasMistake("data-attribute-misspelled", "data.x_training", "did you mean x_train", "data.x_train"),
    KerasMistake("softmax-without-quotes", "keras.layers.Dense(10, activation=softmax)", 'write activation="softmax"',
                 'keras.layers.Dense(10, activation="softmax")'),
    KerasMistake("relu-without-quotes", "keras.layers.Conv2D(16, 3, activation=relu)", 'write activation="relu"',
                 'keras.layers.Conv2D(16, 3, activation="relu")'),
    KerasMistake("sigmoid-without-quotes", "keras.layers.Dense(10, activation=sigmoid)", 'write activation="sigmoid"'),
    KerasMistake("adam-without-quotes", 'model.compile(optimizer=adam, loss="sparse_categorical_crossentropy")',
                 'write optimizer="adam"'),
    KerasMistake("accuracy-without-quotes",
                 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[accuracy])',
                 'write metrics=["accuracy"]'),
    KerasMistake("loss-without-quotes", "model.compile(optimizer='adam', loss=sparse_categorical_crossentropy)",
                 'write loss="sparse_categorical_crossentropy"'),
    KerasMistake("a-restart-then-a-later-cell", "history_dropout.history", "Run > Run All Above"),
    KerasMistake("a-restart-then-the-dropout-challenge", "model_dropout.summary()", "Run > Run All Above"),
    KerasMistake("a-restart-then-the-package-function", "create_model_intro()", "imported in the setup cell"),
    KerasMistake("a-restart-then-matplotlib", "plt.show()", "import matplotlib.pyplot as plt"),
]
PACKAGE_MISTAKES = [
    KerasMistake("train-one-hot-with-sparse-loss",
                 "cifar_cnn.train(model, (data.x_train, one_hot), epochs=1, verbose=0)", "one_hot=False"),
    KerasMistake("evaluate-uncompiled", "cifar_cnn.evaluate(uncompiled, data.x_test, data.y_test)", "compile_model(model)"),
    KerasMistake("train-grey-images", "cifar_cnn.train(model, (data.x_train[..., :1], data.y_train), epochs=1, verbose=0)",
                 "input_shape=(32, 32, 1)"),
]


@pytest.fixture(scope="module")
def trained():
    return _tiny_namespace(fit=True)["history"]


@pytest.fixture
def namespace(trained):
    """A fresh compiled model for every mistake (some mistakes recompile it), and the
    history of one epoch of training without validation."""
    return {**_tiny_namespace(), "history": trained}


def _error_of(code, namespace):
    try:
        exec(code, dict(namespace))  # noqa: S102
    except Exception as error:  # the mistake must fail, as it does for the learner
        return error
    raise AssertionError(f"{code} did not fail")


@pytest.mark.parametrize("mistake", KERAS_MISTAKES, ids=str)
def test_the_friendly_message_names_the_fix(mistake, namespace):
    error = _error_of(mistake.wrong, namespace)
    own = friendly._raised_by_package(error, error.__traceback__)
    told = str(error) if own else friendly.explain(error)
    assert told and mistake.says in told, f"{type(error).__name__}: {error}\n-> {told}"
    assert len(str(error)) < 2_000  # no page of pixel values in the message
    friendly._recover(error.__traceback__)  # what friendly_errors() does in a kernel, after any error
    if mistake.fixed:
        exec(mistake.fixed, dict(namespace))  # noqa: S102 - the fix runs, on the same model


@pytest.mark.parametrize("mistake", PACKAGE_MISTAKES, ids=str)
def test_the_package_errors_are_one_paragraph_that_names_the_fix(mistake, namespace):
    error = _error_of(mistake.wrong, namespace)
    assert friendly._raised_by_package(error, error.__traceback__)
    assert mistake.says in str(error)
    assert "\n" not in str(error)


def test_the_corpus_is_large_enough():
    ids = [m.id for m in BUILD + COMPILE_MISTAKES + KERAS_MISTAKES + PACKAGE_MISTAKES]
    assert len(ids) == len(set(ids)) >= 40


def test_the_data_object_is_one_short_line(namespace):
    text = repr(namespace["data"])
    assert text == "CIFAR10(train=8, val=8, test=8, dtype=float32)"


def test_the_explanation_follows_keras_message_in_ipython(capfd):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import keras, cifar_cnn; cifar_cnn.friendly_errors()")
        capfd.readouterr()
        shell.run_cell('keras.layers.Conv2D(16, 3, activation="ReLU")')
        out = "".join(capfd.readouterr())
        keras_message = out.find("Could not interpret activation function identifier: ReLU")
        hint = out.find('write activation="relu"')
        assert 0 <= keras_message < hint, out
        assert "Traceback" in out or "ValueError" in out
        shell.run_cell("cifar_cnn.create_model_dropout(0.25)")
        out = "".join(capfd.readouterr())
        assert "create_model_dropout(rate=0.25)" in out
        assert "models.py" not in out  # the package's own message alone, no traceback pages
        shell.run_cell("cifar_cnn.friendly_errors(False)")
        capfd.readouterr()
        shell.run_cell('keras.layers.Conv2D(16, 3, activation="ReLU")')
        assert 'write activation="relu"' not in "".join(capfd.readouterr())
    finally:
        InteractiveShell.clear_instance()


def test_a_script_gets_the_explanation_after_the_traceback(tmp_path):
    import os
    import subprocess
    import sys

    script = tmp_path / "mistake.py"
    script.write_text("import cifar_cnn, keras\ncifar_cnn.friendly_errors()\nkeras.layers.Dropout(50)\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=os.environ, timeout=300)
    assert result.returncode == 1
    err = result.stderr
    assert "Traceback" in err
    assert err.find("Received: rate=50") < err.find("write Dropout(rate=0.5)")


def test_the_command_line_adds_the_explanation_to_its_one_line_error(monkeypatch, capsys):
    from cifar_cnn import cli

    def save_without_extension(args):
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save("/tmp/cifar_cnn_model_without_extension")

    monkeypatch.setattr(cli.model_commands, "cmd_models", save_without_extension)
    assert cli.main(["models"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("cifar-cnn: error: Invalid filepath extension for saving")
    assert err[1].startswith("cifar-cnn: hint: give the file name the .keras extension")


# ---------------------------------------------------------------- hints first, in a kernel

_ANSI = __import__("re").compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def kernel():
    """An IPython shell with friendly_errors() on, as a notebook kernel runs it."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import cifar_cnn; cifar_cnn.friendly_errors()")
    yield shell
    shell.run_cell("cifar_cnn.friendly_errors(False)")
    InteractiveShell.clear_instance()


@pytest.mark.parametrize("mistake", KERAS_MISTAKES + PACKAGE_MISTAKES, ids=str)
def test_the_hint_comes_within_the_first_lines(mistake, namespace, kernel, capfd):
    """The learner sees Keras's message and the fix at once, not under pages of Keras
    internals: the lines before the hint are counted (IPython prints the error to stdout,
    the hint to stderr after it)."""
    kernel.user_ns.clear()
    kernel.user_ns.update(namespace)
    capfd.readouterr()
    assert not kernel.run_cell(mistake.wrong).success
    out, err = (_ANSI.sub("", text) for text in capfd.readouterr())
    shown = out.splitlines() + err.splitlines()
    text = "\n".join(shown)
    assert mistake.says in text, text
    before = next(i for i, line in enumerate(shown) if mistake.says in line)
    assert before <= 8, f"{before} lines before the fix:\n{text}"
    assert "site-packages" not in text and "Traceback" not in text, text  # Keras internals folded away


# ---------------------------------------------------------------- a restart, nothing loaded yet
# After a kernel restart the package is not imported, so friendly_errors() is off: the hint
# then comes from cifar_cnn/workshop/restart_hint.py, which the installed IPython startup file loads
# at every kernel start. A real kernel runs that same startup file (tests/kernel_learner.py).

RESTART_HINT = "run the cells above first: Run > Run All Above"


@pytest.fixture(scope="module")
def fresh_kernel(tmp_path_factory):
    """A kernel as `pip install cifar-cnn` leaves it: the startup file ran, nothing else."""
    pytest.importorskip("jupyter_client")
    from kernel_learner import Kernel

    kernel = Kernel(tmp_path_factory.mktemp("restart"))
    yield kernel
    kernel.close()


def _shown(traceback):
    return _ANSI.sub("", "\n".join(traceback))


def test_a_fresh_kernel_loads_no_keras_and_explains_a_name_from_an_earlier_cell(fresh_kernel):
    printed, error, _ = fresh_kernel.run(
        "import sys\nprint(sorted(m for m in ('keras', 'tensorflow', 'numpy', 'cifar_cnn') if m in sys.modules))")
    assert error is None and printed.strip() == "['cifar_cnn']", printed  # the hint's module, no Keras
    for cell, binding in [("model.summary()", "(model = keras.Model(inputs=inputs, outputs=outputs"),
                          ("history = train(model, data, epochs=2)", "(from cifar_cnn import train)"),
                          ("model_dropout.summary()", "(model_dropout = create_model_dropout())")]:
        _, error, traceback = fresh_kernel.run(cell)
        shown = _shown(traceback).splitlines()
        assert error.startswith("NameError"), error
        at = next(i for i, line in enumerate(shown) if line.startswith("NameError:"))
        assert RESTART_HINT in shown[at + 1] and binding in shown[at + 1], "\n".join(shown)
    _, error, traceback = fresh_kernel.run("undefined_thing + 1")  # not a name of the lesson: unchanged
    assert error == "NameError: name 'undefined_thing' is not defined"
    assert "Run All Above" not in _shown(traceback)


def test_a_known_notebook_hints_only_its_names_made_above(fresh_kernel, tmp_path):
    """JupyterLab tells the kernel its notebook (__session__): then only that notebook's
    cells above the running one count, not the lesson's."""
    import nbformat

    path = tmp_path / "mine.ipynb"
    cells = ["import numpy as np\nscale = 2", "print(scale)", "print(later)", "later = 3"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    fresh_kernel.run(f"__session__ = {str(path)!r}")
    try:
        _, error, traceback = fresh_kernel.run("print(scale)")
        assert error and "(scale = 2)" in _shown(traceback) and RESTART_HINT in _shown(traceback)
        _, error, traceback = fresh_kernel.run("print(later)")  # made by a cell below: no "run above"
        assert error and "Run All Above" not in _shown(traceback)
        _, error, traceback = fresh_kernel.run("model.summary()")  # the lesson's name, not this notebook's
        assert error and "Run All Above" not in _shown(traceback)
    finally:
        fresh_kernel.run("del __session__")


def test_friendly_errors_takes_over_the_name_error(fresh_kernel):
    """Once the setup cell turns friendly_errors() on, its handler explains NameErrors (once)."""
    fresh_kernel.run("import cifar_cnn\ncifar_cnn.friendly_errors()")
    try:
        printed, error, traceback = fresh_kernel.run("model_dropout.summary()")
        told = _shown(traceback) + printed
        assert error and told.count("Run > Run All Above") == 1, told
        assert friendly.HEADER in told and "(model_dropout = create_model_dropout())" not in told
        # a name of the lesson's notebooks that slips.LESSON_NAMES does not list: asked of restart_hint
        printed, error, traceback = fresh_kernel.run("print(per_class.max())")
        assert "per_class is made by an earlier cell (per_class = " in printed, _shown(traceback) + printed
    finally:
        fresh_kernel.run("cifar_cnn.friendly_errors(False)")


def _python_without_the_startup_file(tmp_path):
    """This interpreter if its environment has no startup file of the package, else one of a
    fresh environment (no pip, no packages of its own) that sees this one's packages: its
    sys.prefix, where IPython looks for startup files, holds none (``pip install`` puts one
    into this environment's, as in CI)."""
    import site
    import subprocess
    import sys
    from pathlib import Path

    if not any((Path(sys.prefix) / "etc" / "ipython" / "startup").glob("*cifar-cnn*")):
        return None
    env = tmp_path / "plain-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                            check=True, capture_output=True, text=True).stdout.strip()
    (Path(target) / "this-env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def test_without_the_startup_file_a_kernel_is_unchanged(tmp_path):
    """The same kernel without the package's startup file (another environment): no hint."""
    pytest.importorskip("jupyter_client")
    from kernel_learner import Kernel

    kernel = Kernel(tmp_path, startup=False, python=_python_without_the_startup_file(tmp_path))
    try:
        printed, _, _ = kernel.run("print(get_ipython().custom_exceptions)")
        assert printed.strip() == "()"
        _, error, traceback = kernel.run("model.summary()")
        assert error == "NameError: name 'model' is not defined" and "Run All Above" not in _shown(traceback)
    finally:
        kernel.close()


def test_a_terminal_ipython_is_left_alone():
    """Not a Jupyter kernel (no cells above to run): the extension installs nothing."""
    from IPython.core.interactiveshell import InteractiveShell

    from cifar_cnn.workshop import restart_hint

    shell = InteractiveShell.instance()  # the module's shell may carry friendly_errors' handler
    saved = shell.custom_exceptions, shell.CustomTB
    shell.custom_exceptions = ()
    try:
        restart_hint.load_ipython_extension(shell)
        assert shell.custom_exceptions == ()
    finally:
        shell.custom_exceptions, shell.CustomTB = saved


def test_the_names_a_cell_binds():
    from cifar_cnn.workshop.restart_hint import bound_names

    cell = """%matplotlib inline
import numpy as np, os.path
from cifar_cnn import (train,
    evaluate as ev)
a, (b, *c) = 1, (2, 3)
total += 1
for epoch in range(3):
    with open("f") as handle:
        loss: float = 0.5
if (n := 3) > 2:
    squares = [k * k for k in range(n)]
def fit(inner=1):
    hidden = inner
class Net:
    field = 1
"""
    names = bound_names(cell)
    assert set(names) == {"np", "os", "train", "ev", "a", "b", "c", "total", "epoch", "handle", "loss",
                          "n", "squares", "fit", "Net"}
    assert names["ev"] == "from cifar_cnn import ev" or names["ev"] == "from cifar_cnn import evaluate"
    assert names["squares"] == "squares = [k * k for k in range(n)]"
    assert bound_names("x = (") == {}  # a cell that does not parse binds nothing

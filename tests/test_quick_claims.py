"""Quick mode tells the lesson's story: the claims episode 5 makes about its training runs
hold in the quick-mode answer key's stored outputs (CIFAR_CNN_QUICK=1, what the answer keys,
the test suite and slow laptops run), or the text says what quick mode shows instead.

The margins below are several times what one processor's rounding moves (settings measured
with two seeds: cifar_cnn/lesson.py), so the claims do not hang on one machine's numbers.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import nbformat
import pytest

from cifar_cnn import lesson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks as builder  # noqa: E402 - where the answer keys live, in one place

EPISODE = ROOT / "episodes" / "05-training.md"
EPOCH_LINE = re.compile(r"accuracy: ([\d.]+) - loss: [\d.]+ - val_accuracy: ([\d.]+)")


def answer_key(episode):
    """The quick-mode answer key of ``episode`` (the build tool knows where it lives)."""
    return builder.notebook_for(episode, "answers")


@pytest.fixture(scope="module")
def outputs():
    """Each code cell's source and the text it printed, in the answer key of episode 5."""
    notebook = nbformat.read(answer_key(EPISODE), as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")
            cells.append((cell.source, text))
    return cells


def printed(outputs, marker):
    found = [text for source, text in outputs if marker in source]
    assert len(found) == 1, f"expected one cell with {marker!r} in episode 5's answer key, found {len(found)}"
    return found[0]


def curve(outputs, marker):
    """(training accuracy, validation accuracy) of every epoch a cell printed."""
    epochs = [(float(a), float(v)) for a, v in EPOCH_LINE.findall(printed(outputs, marker))]
    assert epochs, f"no epoch lines in the cell with {marker!r}"
    return epochs


def test_the_answer_key_ran_in_quick_mode(outputs):
    text = printed(outputs, "data = load_cifar10(")
    assert f"training images:   ({lesson.QUICK_N_TRAIN}, 32, 32, 3)" in text, text


def test_the_steps_per_epoch_the_text_gives_for_quick_mode(outputs):
    steps = math.ceil(lesson.QUICK_N_TRAIN / lesson.BATCH_SIZE)
    assert f"{lesson.QUICK_N_TRAIN:,} images / {lesson.BATCH_SIZE} per batch = {steps} steps per epoch" in printed(
        outputs, "steps = math.ceil(len(data.x_train) / batch_size)")
    prose = EPISODE.read_text(encoding="utf-8")
    assert f"{lesson.QUICK_N_TRAIN:,} / {lesson.BATCH_SIZE} = {steps} steps" in prose  # said next to the 1,250
    assert all(line.startswith(f"{steps}/{steps} ") for line in printed(outputs, "history = train(model, data, epochs=epochs")
               .splitlines() if "accuracy:" in line)


def test_overfitting_appears_as_the_text_says(outputs):
    intro = curve(outputs, "history = train(model, data, epochs=epochs")
    # "in the first epochs the validation accuracy is even higher than the training accuracy"
    assert intro[0][1] - intro[0][0] > 0.03, intro[0]  # measured 0.05-0.07
    # "the training accuracy pulls ahead ... the beginning of overfitting": the gap is positive
    gap = float(re.search(r"training minus validation accuracy: (-?[\d.]+)",
                          printed(outputs, 'gap = final["accuracy"] - final["val_accuracy"]'))[1])
    assert gap > 0.05, gap  # measured 0.10-0.13
    assert intro[-1][0] - intro[-1][1] == pytest.approx(gap, abs=0.002)


def test_dropout_and_augmentation_shrink_the_gap_as_the_text_says(outputs):
    intro = curve(outputs, "history = train(model, data, epochs=epochs")[-1]
    dropout = curve(outputs, "history_dropout = train(")[-1]
    augmented = curve(outputs, "history_augmented = train(")[-1]
    gap = {name: train - val for name, (train, val) in
           {"intro": intro, "dropout": dropout, "augmented": augmented}.items()}
    # "With dropout the training accuracy after 10 epochs is lower than without"
    assert dropout[0] < intro[0] - 0.02, (dropout, intro)  # measured 0.04-0.06 lower
    # "Dropout ... has slowed down the overfitting"; augmentation: "less overfitting"
    assert gap["dropout"] < gap["intro"] - 0.03, gap  # measured 0.05-0.09 smaller
    assert gap["augmented"] < gap["intro"] - 0.03, gap  # measured 0.04-0.08 smaller
    # Quick mode's note: the three validation accuracies are too close to name a winner
    validation = [intro[1], dropout[1], augmented[1]]
    assert max(validation) - min(validation) < 0.05, validation  # measured spread 0.01-0.025
    assert "quick mode" in EPISODE.read_text(encoding="utf-8").split("## Early stopping")[0].split("## Dropout")[1]

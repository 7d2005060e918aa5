"""The lesson keeps its own rules: test set once, figures from the episodes' run, a full glossary.

These read the episodes (and ``fig/figures.json``, the numbers ``cifar-cnn figures`` wrote
beside the PNGs); nothing here trains a network.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cifar_cnn import lesson

ROOT = Path(__file__).resolve().parents[1]
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.md"))
EVALUATING = ROOT / "episodes" / "07-evaluating.md"
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)
# code that scores a model on the test images: evaluate/predict given x_test
SCORES_TEST = re.compile(r"\b(?:evaluate|predict|evaluate_speedrun)\([^)]*\bx_test\b")
# the cell where episode 7 makes its last choice, and the heading of the final test
CHOICE = "best_name = max(candidates"
FINAL_HEADING = "## The test set, once, for the chosen model"


def _blocks(path):
    """(offset, info string, body) of every fenced block of an episode."""
    text = path.read_text(encoding="utf-8")
    return [(m.start(), m.group(1).strip(), m.group(2)) for m in FENCE.finditer(text)]


def _test_scoring_cells(path):
    return [(offset, body) for offset, info, body in _blocks(path)
            if info == "python" and SCORES_TEST.search(body)]


@pytest.mark.parametrize("path", [p for p in EPISODES if p != EVALUATING], ids=lambda p: p.name)
def test_no_other_episode_scores_the_test_set(path):
    cells = _test_scoring_cells(path)
    assert not cells, f"{path.name} scores the test images: {cells[0][1][:200]}"
    # nor does an output block show a test score, except the command line's final score
    for _, info, body in _blocks(path):
        if info == "output":
            for line in body.splitlines():
                if re.search(r"test accuracy", line, re.I):
                    assert line.startswith("Test accuracy:") and path.name == "08-sharing.md" \
                        or "measured once" in line, f"{path.name}: a test score before the choice: {line}"


def test_evaluating_scores_the_test_set_once_after_the_choice():
    text = EVALUATING.read_text(encoding="utf-8")
    cells = _test_scoring_cells(EVALUATING)
    assert len(cells) == 1, f"the test set is scored in {len(cells)} cells of episode 7, not once"
    (offset, _), = cells
    assert CHOICE in text and text.index(CHOICE) < offset, "the test score comes before the choice"
    assert text.index(FINAL_HEADING) < offset, "the test score is not in the final section"
    # no output before the final section quotes a test score
    for start, info, body in _blocks(EVALUATING):
        if info == "output" and start < text.index(FINAL_HEADING):
            assert "test accuracy" not in body.lower(), body


def test_prose_test_scores_are_called_final():
    """Wherever an episode quotes a test accuracy in prose before episode 7's end, it says
    that the number is a final score (measured once), not something to choose by."""
    for path in EPISODES[:6]:
        prose = re.sub(r"\s+", " ", FENCE.sub("", path.read_text(encoding="utf-8")))
        quotes = r"\d\.\d{3}\b[^.]{0,80}test accuracy|test accuracy[^.]{0,80}\b\d\.\d{3}"
        for match in re.finditer(quotes, prose, re.I):
            context = prose[max(0, match.start() - 150):match.end() + 150]
            assert "final" in context or "once" in context, (path.name, context)


# --- figures: the episodes' own run --------------------------------------------------------

@pytest.fixture(scope="module")
def numbers():
    return json.loads((ROOT / "fig" / "figures.json").read_text(encoding="utf-8"))


def _episode(number):
    return next(p for p in EPISODES if p.name.startswith(f"{number:02d}-")).read_text(encoding="utf-8")


def test_model_figures_come_from_the_lessons_run(numbers):
    run = numbers["training_history"]
    assert (run["n_train"], run["n_val"], run["epochs"], run["batch_size"], run["seed"]) == (
        lesson.N_TRAIN, lesson.N_VAL, lesson.EPOCHS, lesson.BATCH_SIZE, lesson.SEED)
    # episode 5 prints the last epoch of this same run
    training = _episode(5)
    final = f"val_accuracy: {run['val_accuracy'][-1]:.4f} - val_loss: {run['val_loss'][-1]:.4f}"
    assert f"Epoch {run['epochs']}/{run['epochs']}" in training and final in training


def test_evaluating_quotes_the_confusion_matrix_it_shows(numbers):
    matrix = np.array(numbers["confusion_matrix"]["matrix"])
    assert numbers["confusion_matrix"]["images"] == "validation"
    text = re.sub(r"\s+", " ", _episode(7))
    right = int(np.trace(matrix))
    assert f"overall accuracy is {right / matrix.sum():.1%} ({right} of {matrix.sum()})" in text
    per_class = np.diag(matrix) / matrix.sum(axis=1)
    for name, value in zip(["airplane", "dog", "ship"], per_class[[0, 5, 8]]):
        assert f"{name} accuracy: {value:.3f}" in text
    mistakes = matrix.copy()
    np.fill_diagonal(mistakes, 0)
    true, guess = np.unravel_index(mistakes.argmax(), mistakes.shape)
    assert f"{mistakes[true, guess]} of the 1,000 validation" in text
    assert f"\"{numbers['predictions']['right']} of 16 right\"" in text


def test_episodes_describe_the_images_their_figures_show(numbers):
    assert numbers["feature_maps"]["image"] == "x_val[0]" and "plot_feature_maps(model, data.x_val[0])" in _episode(6)
    assert f"validation image, a {numbers['feature_maps']['class']}" in re.sub(r"\s+", " ", _episode(6)).replace(
        "dump truck", "truck")
    edges = re.sub(r"\s+", " ", _episode(3))
    a, b, c, d = numbers["edges_cifar"]["classes"]
    assert f"(a {a}, a {b}, a {c} and a {d})" in edges
    assert f"load_cifar10(n_train={numbers['edges_cifar']['n_train']:_}" in edges


# --- glossary ------------------------------------------------------------------------------

# Bold used for emphasis or as the label of a list item, not to introduce a term.
EMPHASIS = {
    "10", "all", "green", "list", "padding 2", "cat and dog", "automobile and truck",
    "bird, deer and frog taken for cat", "ship and airplane", "filter sizes are odd",
    "filter counts are powers of two", "grow with depth", "deeper networks can learn more complex features",
    "they cost computation", "what it is", "what it was trained on", "how it was trained",
    "how good it is and how that was measured", "what it is not for",
}


# Other words for a glossary entry's term, as the episodes use them.
ALIASES = {
    "test images": "test set", "validation images": "validation set", "training images": "training set",
    "batch normalization": "batch normalisation", "pooling layer": "pooling", "flattened": "flatten",
    "translation invariance": "invariance", "rotation invariance": "invariance",
    "scale invariance": "invariance", "stratified": "stratified split",
}


def _glossary_names():
    text = (ROOT / "learners" / "reference.md").read_text(encoding="utf-8")
    names = set()
    for entry in re.findall(r"^(\S[^\n]*)\n:", text, re.M):
        entry = entry.replace("`", "").lower()
        base, _, aliases = entry.partition(" (")
        names |= {entry, base, *[a.strip() for a in aliases.rstrip(")").split(",") if aliases]}
        names |= {part.strip() for part in base.split(",")}
    return names


def _bold_terms():
    for path in EPISODES:
        text = FENCE.sub("", path.read_text(encoding="utf-8"))
        for term in re.findall(r"\*\*([^*]+?)\*\*", text):
            term = re.sub(r"\s+", " ", term.replace("`", "")).strip().lower()
            if term.endswith((".", ":")) or re.match(r"^\d{4},", term) or term in EMPHASIS:
                continue
            yield path.name, term


def _in_glossary(term, names):
    forms = {term, term[:-1] if term.endswith("s") else term, term[:-2] if term.endswith(("es", "ed")) else term}
    forms |= {ALIASES[form] for form in forms if form in ALIASES}
    return bool(forms & names) or any(name.startswith(term + " ") for name in names)


def test_every_bold_term_has_a_glossary_entry():
    names = _glossary_names()
    missing = sorted({f"{term} ({name})" for name, term in _bold_terms() if not _in_glossary(term, names)})
    assert not missing, f"bold terms without an entry in learners/reference.md: {missing}"


def test_the_glossary_check_can_fail():
    assert not _in_glossary("symbolic flux capacitor", _glossary_names())
    assert _in_glossary("kernels", _glossary_names())


def test_image_figures_show_the_episodes_first_images(numbers):
    from cifar_cnn import CLASS_NAMES

    # episode 2 prints the first three training labels of the full lesson; the grid starts with them
    first = [CLASS_NAMES.index(name) for name in numbers["cifar10_examples"]["classes"][:3]]
    assert f"integer labels: [{' '.join(map(str, first))}] (40000,)" in _episode(2)
    # episode 5's augmentation figure shows the same first four images
    assert numbers["augmentation"]["classes"] == numbers["cifar10_examples"]["classes"][:4]
    assert "plot_augmentation(data.x_train[:4], n_variants=4, seed=42)" in _episode(5)

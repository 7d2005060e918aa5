"""One truth for each number: the documents quote what the code and the benchmarks say.

Each number is read from one place (the planner's lesson settings, a real model, pyproject's
requires-python, the benchmark tables, the episodes' front matter) and every document that
quotes it is checked against it, so README, setup, cheat sheet, instructor notes and episodes
cannot drift apart again.
"""

import math
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.md"))
SETUP = ROOT / "learners" / "setup.md"
CHEATSHEET = ROOT / "learners" / "cheatsheet.md"
NOTES = ROOT / "instructors" / "instructor-notes.md"


def _documents():
    """Every page a learner or instructor reads."""
    paths = [ROOT / "README.md", ROOT / "index.md", *EPISODES]
    for folder in ("learners", "instructors", "docs"):
        paths += sorted((ROOT / folder).glob("*.md"))
    paths.append(ROOT / "benchmarks" / "README.md")
    return [p for p in paths if p.exists()]


DOCUMENTS = _documents()


def _text(path: Path) -> str:
    """The file with every run of whitespace as one space, so phrases may wrap."""
    return re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- placeholders ---------------------------------------------------------------------------

# Names written in capitals with underscores that are real: environment variables and
# notebook markers of other tools. Everything else of that shape must be a name in the
# package's own code, or it is a placeholder someone forgot to fill in (SPEED_LESSON).
EXTERNAL_NAMES = {
    "TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND", "KERAS_HOME",
    "CUDA_VISIBLE_DEVICES", "NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_CHECK_OUTPUT",
    "NBVAL_RAISES_EXCEPTION", "AVX512_VNNI", "AVX512_BF16", "AVX512_FP16", "AVX_VNNI",
    "AMX_TILE", "AMX_INT8", "AMX_BF16",
}
# A file name such as MODEL_CARD.md is not a placeholder.
CAPS_NAME = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b(?!\.[a-z])")


def _names_in_code() -> set[str]:
    names = set(EXTERNAL_NAMES)
    for folder in ("cifar_cnn", "tools", "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.resolve() != Path(__file__).resolve():
                names |= set(CAPS_NAME.findall(path.read_text(encoding="utf-8")))
    # CI's own settings are defined in its script
    names |= set(CAPS_NAME.findall((ROOT / ".ci" / "run").read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_no_placeholders(path):
    text = path.read_text(encoding="utf-8")
    unknown = sorted(set(CAPS_NAME.findall(text)) - _names_in_code())
    assert not unknown, f"{_id(path)}: placeholder-like names that nothing defines: {unknown}"
    left = re.findall(r"\b(?:TODO|TBD|FIXME)\b", text)
    assert not left, f"{_id(path)}: unfinished text: {left}"


# --- the supported Python versions ----------------------------------------------------------

def _python_range():
    """(lowest, highest) Python 3 minor version that pyproject's requires-python admits."""
    from packaging.specifiers import SpecifierSet

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    allowed = [minor for minor in range(0, 40) if f"3.{minor}.0" in spec]
    assert allowed, f"requires-python {spec} admits no Python 3"
    assert allowed[-1] < 39, (
        f"requires-python {spec} has no upper bound, but TensorFlow publishes wheels for a "
        "limited range of Python versions: give the range, e.g. '>=3.10,<3.14'"
    )
    return f"3.{allowed[0]}", f"3.{allowed[-1]}"


def test_setup_and_notes_state_the_python_range_of_pyproject():
    low, high = _python_range()
    for path in (SETUP, NOTES):
        assert f"Python {low} to {high}" in _text(path), (
            f"{_id(path)} should say 'Python {low} to {high}', the range of pyproject's requires-python"
        )


@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_no_open_ended_python_claim(path):
    open_ended = re.findall(r"Python 3\.\d+ or (?:newer|later|above)|Python 3\.\d+\+", _text(path))
    assert not open_ended, (
        f"{_id(path)} says {open_ended}, but the supported range is {' to '.join(_python_range())}"
    )


# --- the lesson's run: images, epochs, batch size, parameters -------------------------------

def _lesson_settings():
    from cifar_cnn.workshop import planning

    return planning.LESSON_N_TRAIN, planning.LESSON_EPOCHS, planning.LESSON_BATCH_SIZE


RUN_PHRASE = re.compile(r"([\d,]+) (?:training )?images, (\d+) epochs,? (?:with )?batch size (\d+)")


@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_documents_quote_the_lessons_run_settings(path):
    expected = _lesson_settings()
    for images, epochs, batch in RUN_PHRASE.findall(_text(path)):
        found = (int(images.replace(",", "")), int(epochs), int(batch))
        assert found == expected, (
            f"{_id(path)} describes the lesson's run as {found}; the planner's settings are {expected}"
        )


def test_setup_and_cheatsheet_state_the_lessons_run():
    n_train, epochs, batch = _lesson_settings()
    for path in (SETUP, CHEATSHEET):
        assert f"{n_train:,} training images, {epochs} epochs, batch size {batch}" in _text(path), _id(path)


def test_episode_6_steps_per_epoch_follow_from_the_settings():
    n_train, _, batch = _lesson_settings()
    line = f"{n_train:,} images / {batch} per batch = {math.ceil(n_train / batch):,} steps per epoch"
    assert line in (ROOT / "episodes" / "05-training.md").read_text(encoding="utf-8")


def test_documents_quote_the_intro_models_real_parameter_count():
    from cifar_cnn import create_model_intro

    n = create_model_intro().count_params()
    for path in (ROOT / "README.md", SETUP, CHEATSHEET, ROOT / "episodes" / "04-building-the-cnn.md"):
        assert f"{n:,}" in path.read_text(encoding="utf-8"), f"{_id(path)} does not quote {n:,}"
    for path in DOCUMENTS:
        near = set(re.findall(r"\b79,5\d\d\b", path.read_text(encoding="utf-8"))) - {f"{n:,}"}
        assert not near, f"{_id(path)} quotes {near} for a count that is {n:,}"


# --- speed-up claims come from the benchmarks -----------------------------------------------

def _benchmark_seconds(n_train: int) -> float:
    """Seconds for the intro model's 10 epochs at batch 32 on n_train images, from the
    measured table 'The intro network on fewer images or larger batches'."""
    row = re.compile(rf"^\| intro \| 79,530 \| {n_train:,} \| 32 \|.*\| (\d+) \| [\d.]+ \| [\d.]+ \|$", re.M)
    rows = row.findall((ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8"))
    if rows:
        return float(rows[-1])  # the fewer-images table comes after the all-factories one
    pytest.fail(f"no measured row for the intro model on {n_train:,} images in the benchmarks")


QUARTER_CLAIMS = (
    re.compile(r"quarter of the (?:data|training images)[^.]{0,60}?(\d+(?:\.\d+)?) times (?:as )?fast"),
    re.compile(r"(\d+(?:\.\d+)?) times (?:as )?fast[^.]{0,80}?(?:n_train=10_?000|--n-train 10000)"),
)


@pytest.mark.parametrize(
    "path",
    [*[p for p in DOCUMENTS if p.parent.name != "benchmarks" and p.parent.name != "docs"],
     ROOT / "cifar_cnn" / "workshop" / "doctor" / "training_probe.py"],
    ids=_id,
)
def test_a_quarter_of_the_data_speedup_is_the_measured_one(path):
    measured = _benchmark_seconds(40_000) / _benchmark_seconds(10_000)
    for pattern in QUARTER_CLAIMS:
        for claim in pattern.findall(_text(path)):
            assert abs(float(claim) - measured) <= 0.15, (
                f"{_id(path)} says a quarter of the data trains {claim} times faster; "
                f"the benchmarks measured {measured:.1f}"
            )


# --- the day plan ---------------------------------------------------------------------------

def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def _day_section() -> str:
    text = NOTES.read_text(encoding="utf-8")
    assert "\n## Running the day\n" in text, "the instructor notes need a 'Running the day' section"
    return text.split("\n## Running the day\n", 1)[1].split("\n## ", 1)[0]


def _clock_tables():
    """Each '### ...' table of the day plan as a list of (start, end, what) rows."""
    tables = {}
    for block in re.split(r"\n### ", _day_section())[1:]:
        title = block.splitlines()[0]
        rows = re.findall(r"^\| (\d\d:\d\d)-(\d\d:\d\d) \| ([^|]+) \|", block, re.M)
        if rows:
            tables[title] = [
                (datetime.strptime(a, "%H:%M"), datetime.strptime(b, "%H:%M"), what.strip())
                for a, b, what in rows
            ]
    return tables


def test_day_plan_has_a_one_day_and_a_two_half_day_table():
    assert {"One day", "Two half days"} <= set(_clock_tables())


@pytest.mark.parametrize("table", ["One day", "Two half days"])
def test_day_plan_gives_each_episode_its_announced_minutes(table):
    rows = _clock_tables()[table]
    assert "setup check" in rows[0][2].lower(), "the day starts with the setup check (cifar-cnn doctor)"
    assert any(what.lower().startswith(("break", "lunch")) for _, _, what in rows)
    minutes = {}
    for (start, end, what), following in zip(rows, rows[1:] + [None]):
        assert end > start, f"{what}: ends before it starts"
        if following is not None:
            # The next row starts when this one ends, or earlier on the clock: the next day.
            assert following[0] == end or following[0] < start, f"{table}: a gap or overlap after {what}"
        match = re.match(r"Episode (\d)", what)
        if match:
            number = int(match.group(1))
            minutes[number] = minutes.get(number, 0) + (end - start).seconds // 60
    for number, path in enumerate(EPISODES, start=1):
        meta = _front_matter(path)
        announced = meta["teaching"] + meta["exercises"]
        assert minutes.get(number) == announced, (
            f"{table}: episode {number} gets {minutes.get(number)} minutes; its page announces "
            f"{meta['teaching']} + {meta['exercises']} = {announced}"
        )


def _challenge_titles(path: Path):
    text = path.read_text(encoding="utf-8")
    for block in re.findall(r"^:{5,} *challenge *\n## (.+)$", text, re.M):
        yield re.sub(r"^Challenge: ", "", block.strip())


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_day_plan_says_what_to_do_with_every_challenge(episode):
    section = _day_section().lower()
    missing = [title for title in _challenge_titles(episode) if title.lower() not in section]
    assert not missing, (
        f"the day plan's must-do / skip table does not list these challenges of {episode.stem}: {missing}"
    )


# --- setup ends with the doctor; the cheat sheet is on the site -----------------------------

def test_setup_ends_with_the_doctor_and_quotes_its_verdict():
    from cifar_cnn.workshop.doctor import summary_line

    text = SETUP.read_text(encoding="utf-8")
    steps = re.findall(r"^## \d+\. (.+)$", text, re.M)
    assert steps and "doctor" in steps[-1], f"the last setup step should be cifar-cnn doctor, not {steps[-1:]}"
    assert summary_line([]) in text, "setup should quote the doctor's last line for a ready laptop"
    assert "data download --from" in text, "the USB-stick route is `cifar-cnn data download --from`"
    assert not re.search(r"CIFAR_CNN_DATA=\S*\.tar\.gz", text), "CIFAR_CNN_DATA names a folder, not the archive"


def test_cheatsheet_is_listed_on_the_lesson_site():
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    assert "cheatsheet.md" in (config.get("learners") or [])
    assert CHEATSHEET.exists()


# --- breaks: no stretch of the day runs over 90 minutes without one -------------------------

@pytest.mark.parametrize("table", ["One day", "Two half days"])
def test_no_stretch_of_the_day_runs_over_90_minutes_without_a_break(table):
    stretch, since = 0, None
    previous_end = None
    for start, end, what in _clock_tables()[table]:
        if previous_end is not None and start < previous_end:  # the next day
            stretch, since = 0, None
        previous_end = end
        if what.lower().startswith(("break", "lunch")):
            stretch, since = 0, None
            continue
        stretch += (end - start).seconds // 60
        since = since or start.strftime("%H:%M")
        assert stretch <= 90, f"{table}: {stretch} minutes without a break from {since} to {end:%H:%M}"


def test_the_day_plan_says_how_to_skip_a_training_challenge():
    """Running a skipped training challenge's solution re-runs the training skipping saves."""
    section = _text(NOTES).split("## Running the day", 1)[1]
    assert "its solution cell runs the same training" in section
    assert "Learners who skip a challenge run its solution cell instead" not in section


def test_the_notes_say_episodes_7_and_8_load_the_saved_models():
    text = _text(NOTES)
    assert "**Episodes 7 and 8** load the models episode 5 saved" in text
    assert "the model to evaluate is trained in the episode's first training cell" not in text


# --- the data's size, the memory advice, the reference machine, the planner ------------------

def test_documents_quote_one_size_for_the_data():
    from cifar_cnn import lesson

    assert lesson.DOWNLOAD_MB == round(lesson.DOWNLOAD_BYTES / 1e6)
    for path in DOCUMENTS:
        text = _text(path)
        # 163 is the download in MiB; the lesson counts MB (millions of bytes) everywhere
        assert "163 MB" not in text, f"{_id(path)} says 163 MB; the download is {lesson.DOWNLOAD_MB} MB"
    for path in (SETUP, ROOT / "index.md", ROOT / "README.md", CHEATSHEET):
        assert f"{lesson.DOWNLOAD_MB} MB" in _text(path), f"{_id(path)} should quote the {lesson.DOWNLOAD_MB} MB download"
    for path in (SETUP, NOTES):
        assert f"{lesson.STICK_ARCHIVE_MB} MB" in _text(path), f"{_id(path)}: the stick's archive is {lesson.STICK_ARCHIVE_MB} MB"
    assert f"{lesson.UNPACKED_MB} MB" in _text(SETUP)


def test_documents_give_one_memory_advice():
    from cifar_cnn import lesson
    from cifar_cnn.workshop.doctor.machine import MIN_MEMORY
    from cifar_cnn.workshop.memory_needs import NOTEBOOK_KERNEL_PEAK

    peak = f"{NOTEBOOK_KERNEL_PEAK / 1e9:.1f} GB"
    assert f"{lesson.MEMORY_GB} GB of memory" in _text(SETUP)
    assert f"{MIN_MEMORY // 10**9} GB is the least" in _text(SETUP), "setup names the doctor's minimum"
    assert f"laptop with {lesson.MEMORY_GB} GB" in _text(NOTES)
    for path in (SETUP, NOTES):
        assert peak in _text(path), f"{_id(path)} should quote the largest notebook's {peak}"
    for path in DOCUMENTS:
        assert "4 GB of memory or more" not in _text(path), _id(path)


def test_documents_name_the_reference_machine_one_way():
    from cifar_cnn.lesson import REFERENCE_MACHINE

    for path in (ROOT / "index.md", NOTES, ROOT / "docs" / "benchmarks.md"):
        assert REFERENCE_MACHINE in _text(path), f"{_id(path)} should call it {REFERENCE_MACHINE!r}"
    for path in DOCUMENTS:
        assert "laptop-class" not in _text(path), f"{_id(path)}: the reference machine is {REFERENCE_MACHINE}"


def test_the_planner_promises_the_accuracy_the_episodes_quote():
    from cifar_cnn.workshop import planning
    from cifar_cnn.lesson import BATCH_SIZE, LESSON_VAL_ACCURACY, N_TRAIN

    assert planning.INTRO_CURVES[(N_TRAIN, BATCH_SIZE)][-1] == LESSON_VAL_ACCURACY
    fast = planning.Speed({32: 50_000.0, 128: 60_000.0}, 100_000.0, 10.0)
    plan = planning.plan_training(5, fast)
    assert plan.is_lesson_setting
    assert f"expected validation accuracy: about {LESSON_VAL_ACCURACY:.3f}" in plan.describe()
    for path in (ROOT / "README.md", ROOT / "episodes" / "07-evaluating.md"):
        assert f"validation accuracy: {LESSON_VAL_ACCURACY:.3f}" in _text(path), _id(path)
    for path in DOCUMENTS:
        quoted = re.findall(r"expected validation accuracy: about (0\.\d+)", _text(path))
        assert all(len(q) == 5 for q in quoted), f"{_id(path)} quotes the planner's old rounding: {quoted}"


def test_plan_without_minutes_plans_the_lessons_slot(monkeypatch, capsys):
    from cifar_cnn.workshop import planning
    from cifar_cnn.cli import main
    from cifar_cnn.lesson import TRAINING_SLOT_MINUTES

    asked = []
    real_plan = planning.plan_training

    def fake_plan(minutes, seconds):  # no measuring: a made-up fast machine
        asked.append(minutes)
        return real_plan(minutes, planning.Speed({32: 50_000.0, 128: 60_000.0}, 100_000.0, 10.0))

    monkeypatch.setattr(planning, "plan_training", fake_plan)
    assert main(["plan", "--json"]) == 0
    assert asked == [TRAINING_SLOT_MINUTES]
    assert f"cifar-cnn plan --minutes {TRAINING_SLOT_MINUTES}" in _text(ROOT / "index.md")


# --- the site: instructor notes in every episode, no colons under the questions -------------

@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_every_episode_has_instructor_notes(episode):
    text = episode.read_text(encoding="utf-8")
    assert re.search(r"^:{3,} *instructor *$", text, re.M), f"{episode.stem} has no ::: instructor block"


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_questions_block_ends_with_a_blank_line(episode):
    """Without it the Workbench's schedule shows the closing fence as a row of colons."""
    block = re.search(r"^:{3,} *questions *\n(.*?)^(:{3,}) *$", episode.read_text(encoding="utf-8"), re.M | re.S)
    assert block and block.group(1).endswith("\n\n"), f"{episode.stem}: a blank line before the questions' closing fence"

"""The workshop stick: `cifar-cnn workshop DIR` and `cifar-cnn notebooks DIR`.

One stick is built for the module (the package wheel and a tiny data archive, no network),
then installed the way a learner would: the wheel with pip --no-index, the notebooks out of
the installed package, the data from the stick.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cifar_cnn.cli import main
from cifar_cnn.workshop.notebooks import ANSWER_KEY_DIR, copy_notebooks
from cifar_cnn.workshop.stick import make_stick
from cifar_cnn.workshop.wheels import wheelhouse_requirements
from cifar_files import write_cifar_folder

ROOT = Path(__file__).resolve().parents[1]
LEARNER = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.fixture(scope="module")
def stick(tmp_path_factory):
    base = tmp_path_factory.mktemp("workshop")
    data = write_cifar_folder(base / "laptop")
    made = make_stick(base / "stick", data_dir=data, log=lambda line: None)
    return made


def test_the_stick_holds_wheel_data_notebooks_answer_key_and_readme(stick):
    folder = stick["folder"]
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == [p.name for p in LEARNER]
    answers = sorted(p.name for p in (folder / "instructor" / "answer-key").iterdir())
    assert answers == sorted(p.name for p in (ROOT / ANSWER_KEY_DIR).glob("[0-9][0-9]-*.ipynb"))
    for p in LEARNER:  # the learner notebooks, not the answer key
        assert (folder / "notebooks" / p.name).read_bytes() == p.read_bytes()
    archive = stick["archive"]
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == stick["sha256"]
    assert (archive.parent / (archive.name + ".sha256")).read_text().split()[0] == stick["sha256"]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    steps = [readme.index(s) for s in ("## 1. Install", "## 2. Data", "## 3. Notebooks")]
    assert steps == sorted(steps)
    assert f"cifar-cnn data download --from STICK/data/{archive.name}" in readme
    assert "cifar-cnn notebooks notebooks" in readme
    assert not list(folder.parent.glob(".stick.*")), "a temporary folder was left behind"


def test_the_wheel_carries_the_learner_notebooks_and_not_the_answers(stick):
    with zipfile.ZipFile(stick["wheel"]) as wheel:
        names = wheel.namelist()
        packed = sorted(n for n in names if n.endswith(".ipynb"))
        assert packed == [f"cifar_cnn/lesson_notebooks/{p.name}" for p in LEARNER]
        for p in LEARNER:
            assert wheel.read(f"cifar_cnn/lesson_notebooks/{p.name}") == p.read_bytes()


STARTUP = "etc/ipython/startup/50-cifar-cnn-restart-hint.py"  # cifar_cnn/workshop/restart_hint.py


def test_the_wheel_installs_the_ipython_startup_file_under_the_prefix(stick):
    """The wheel's data scheme: pip puts it in {sys.prefix}/etc/ipython/startup/."""
    with zipfile.ZipFile(stick["wheel"]) as wheel:
        version = stick["wheel"].name.split("-")[1]
        assert wheel.read(f"cifar_cnn-{version}.data/data/{STARTUP}") == (ROOT / STARTUP).read_bytes()


def test_an_editable_install_carries_the_startup_file_too(tmp_path):
    """pip install -e . builds an editable wheel (PEP 660); setuptools leaves data_files out
    of it unless setup.py's distribution answers has_data()."""
    import shutil

    src = tmp_path / "src"
    shutil.copytree(ROOT / "cifar_cnn", src / "cifar_cnn", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "etc", src / "etc")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE.md"):
        shutil.copy2(ROOT / name, src / name)
    code = f"from setuptools import build_meta; print(build_meta.build_editable({str(tmp_path / 'out')!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=src, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    name = done.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(tmp_path / "out" / name) as wheel:
        assert any(n.endswith(f".data/data/{STARTUP}") for n in wheel.namelist()), wheel.namelist()


def test_a_learner_installs_from_the_stick_without_network(stick, tmp_path):
    """pip --no-index from the stick's wheel; the notebooks and data come out of the stick."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--target", str(site), str(stick["wheel"])], check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "KERAS_HOME": str(tmp_path / "home")}
    env.pop("CIFAR_CNN_DATA", None)

    def learner(*args):
        return subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    where = learner("-c", "import cifar_cnn; print(cifar_cnn.__file__)")
    assert where.stdout.strip().startswith(str(site)), where.stdout  # the installed wheel, not the repo
    done = learner("-m", "cifar_cnn", "notebooks", "work")
    assert done.returncode == 0, done.stdout
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [p.name for p in LEARNER]
    done = learner("-m", "cifar_cnn", "data", "download", "--from", str(stick["archive"]))
    assert done.returncode == 0, done.stdout
    assert (tmp_path / "home" / "datasets" / "cifar-10-batches-py" / "test_batch").is_file()


@pytest.mark.skipif(not os.environ.get("CIFAR_CNN_DATA"), reason="needs the real data (CIFAR_CNN_DATA)")
def test_a_notebook_from_the_installed_wheel_runs(stick, tmp_path):
    """The first episode's learner notebook, out of the installed wheel, runs in quick mode."""
    import nbformat

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--target", str(site), str(stick["wheel"])], check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "CIFAR_CNN_QUICK": "1"}
    subprocess.run([sys.executable, "-m", "cifar_cnn", "notebooks", "work"], cwd=tmp_path, env=env, check=True)
    path = tmp_path / "work" / LEARNER[0].name
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import cifar_cnn; print(cifar_cnn.__file__)"))
    nbformat.write(nb, path)
    done = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--ExecutePreprocessor.timeout=300", "--output", "ran.ipynb", str(path)],
                          cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert done.returncode == 0, done.stdout[-2000:]
    ran = nbformat.read(tmp_path / "work" / "ran.ipynb", as_version=4)
    assert ran.cells[0].outputs[0]["text"].startswith(str(site))  # the wheel's package, not the repo
    for cell in ran.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                assert "raises-exception" in cell.metadata.get("tags", []), output["evalue"]


def test_notebooks_never_lose_a_learners_work(tmp_path):
    first = copy_notebooks(tmp_path)
    assert first["copied"] == [p.name for p in LEARNER]
    mine = tmp_path / LEARNER[0].name
    mine.write_text('{"my": "work"}')
    again = copy_notebooks(tmp_path)
    assert again["kept"] == [LEARNER[0].name] and not again["copied"]
    assert mine.read_text() == '{"my": "work"}'
    forced = copy_notebooks(tmp_path, force=True)
    assert forced["copied"] == [LEARNER[0].name]
    assert mine.read_bytes() == LEARNER[0].read_bytes()
    assert (tmp_path / f"{mine.stem}.mine.ipynb").read_text() == '{"my": "work"}'


def test_workshop_refuses_a_non_empty_folder_and_missing_data(tmp_path, capsys, clean_environment):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    assert main(["workshop", str(tmp_path / "full")]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err
    assert main(["workshop", str(tmp_path / "new")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cifar-cnn: error: CIFAR-10 data not found. There is no data for the stick.")
    assert err.count("\n") == 1
    assert not (tmp_path / "new").exists() and not list(tmp_path.glob(".new.*"))


def test_wheelhouse_requirements_follow_the_target_platform(stick):
    linux = {r.name for r in wheelhouse_requirements(stick["wheel"], "linux-x86_64", "3.11")[0]}
    windows = {r.name for r in wheelhouse_requirements(stick["wheel"], "windows-amd64", "3.11")[0]}
    assert "tensorflow-cpu" in linux and "tensorflow" not in linux
    assert "tensorflow" in windows and "tensorflow-cpu" not in windows
    assert "jupyterlab" in linux  # the lesson extra
    assert "pytest" not in linux  # not the dev extra


def test_pip_gets_the_requirements_without_their_markers(stick):
    """pip would evaluate `extra == "lesson"` again for itself and drop JupyterLab."""
    from cifar_cnn.workshop.wheels import _plain

    wanted = wheelhouse_requirements(stick["wheel"], "macos-arm64", "3.11")[0]
    plain = [_plain(r) for r in wanted]
    assert any(p.startswith("jupyterlab") for p in plain)
    assert not any(";" in p for p in plain), plain


def test_workshop_says_when_the_drive_is_too_small(tmp_path, capsys, monkeypatch, tiny_cifar):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 50 * 10**6, 50 * 10**6))
    assert main(["workshop", str(tmp_path / "stick"), "--data-dir", str(tiny_cifar)]) == 1
    err = capsys.readouterr().err
    assert "has 50 MB free; the workshop folder needs about" in err and err.count("\n") == 1
    assert not (tmp_path / "stick").exists() and not list(tmp_path.glob(".stick.*"))

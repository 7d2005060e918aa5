"""`cifar-cnn doctor`: every check, each failure it diagnoses, and the exit code."""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections import namedtuple

import keras
import pytest

from cifar_cnn import cli, lesson
from cifar_cnn.workshop import doctor, planning
from cifar_cnn.cli import main
from cifar_cnn.workshop.doctor import FAIL, OK, WARN, ProbeResult
from cifar_cnn.workshop.memory_needs import NOTEBOOK_NEEDS
from cifar_cnn.workshop.planning import plan_training
from cifar_files import write_cifar_folder

GB = 10**9


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No data anywhere unless a test provides it; never the real ~/.keras."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.delenv("CIFAR_CNN_DATA", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)


@pytest.fixture
def tiny(tmp_path):
    return write_cifar_folder(tmp_path / "tiny")


@pytest.fixture
def no_training(monkeypatch):
    """Skip the model check's few seconds in tests about something else."""
    monkeypatch.setattr(doctor.training_probe, "probe_model", lambda: ProbeResult("model", OK, "model (not run in this test)"))


def fake_versions(monkeypatch, **versions):
    """Make doctor.get_version report other versions (None: not installed)."""
    real = doctor.get_version

    def get_version(module):
        if module in versions:
            value = versions[module]
            if isinstance(value, Exception):
                raise value
            return value
        return real(module)

    monkeypatch.setattr(doctor.libraries, "get_version", get_version)


def by_name(results):
    return {r.name: r for r in results}


def run_doctor(capsys, *args):
    code = main(["doctor", "--skip-speed", *args])
    return code, capsys.readouterr().out


# ------------------------------------------------------------ a real run


def test_real_run_on_tiny_data(tiny, capsys):
    code, out = run_doctor(capsys, "--data-dir", str(tiny))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"✓ Python {sys.version.split()[0]}"
    assert f"✓ Keras {keras.__version__}" in lines
    assert any(line.startswith("✓ Keras backend: tensorflow, TensorFlow ") for line in lines)
    assert any(line.startswith("✓ NumPy ") for line in lines)
    assert any(line.startswith("✓ A model builds and trains (create_model_intro") for line in lines)
    # Valid tiny files, but not the official ones: a warning, not a failure.
    data_line = next(line for line in lines if "CIFAR-10" in line)
    assert data_line.startswith(f"⚠ CIFAR-10 in {tiny} (argument): 100 training + 20 test images, valid")
    assert "Speed" not in out  # --skip-speed
    assert lines[-1] == "Ready for the lesson, with 1 warning."


def test_json_report(tiny, capsys, no_training):
    code, out = run_doctor(capsys, "--data-dir", str(tiny), "--json")
    assert code == 0
    report = json.loads(out)  # nothing but JSON on stdout
    assert report["ok"] is True and report["python"] == sys.version.split()[0]
    checks = by_name(ProbeResult(**c) for c in report["checks"])
    assert list(checks) == ["python", "keras", "backend", "numpy", "matplotlib", "disk", "memory", "data", "model"]
    assert checks["data"].status == WARN and checks["data"].details["n_train"] == 100
    assert checks["disk"].details["free_bytes"] > 0
    assert all(set(c) == {"name", "status", "message", "fix", "details"} for c in report["checks"])


def test_json_report_of_a_failure(capsys, no_training):
    code, out = run_doctor(capsys, "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and "would stop the lesson" in report["summary"]
    data = next(c for c in report["checks"] if c["name"] == "data")
    assert data["status"] == FAIL and "cifar-cnn data download" in data["fix"]


# ------------------------------------------------------------------- data


def test_missing_data(capsys, no_training):
    code, out = run_doctor(capsys)  # KERAS_HOME is an empty folder, CIFAR_CNN_DATA unset
    assert code == 1
    line = next(line for line in out.splitlines() if "CIFAR-10" in line)
    assert line.startswith("✗ CIFAR-10 not found (not in the Keras cache ")
    assert "CIFAR_CNN_DATA is not set) — fix: run `cifar-cnn data download`" in line
    assert "--from FILE" in line
    assert out.splitlines()[-1].startswith("1 problem would stop the lesson")


def test_corrupt_batch(tiny, capsys, no_training):
    (tiny / "data_batch_3").write_bytes(b"not a pickle at all")
    code, out = run_doctor(capsys, "--data-dir", str(tiny))
    assert code == 1
    line = next(line for line in out.splitlines() if "CIFAR-10" in line)
    assert line == (
        f"✗ CIFAR-10 in {tiny} is broken: data_batch_3 damaged — fix: delete the folder {tiny}, "
        "then run `cifar-cnn data download` (`cifar-cnn data verify` says more)"
    )


def test_missing_batch_in_the_keras_cache(tmp_path, capsys, no_training):
    folder = write_cifar_folder(tmp_path / "keras_home" / "datasets")
    (folder / "test_batch").unlink()
    result = doctor.probe_data()
    # An incomplete folder is not found at all by the loader: it says how to get the data.
    assert result.status == FAIL and "not found" in result.message


def test_missing_batch_in_a_given_folder(tiny):
    (tiny / "data_batch_1").unlink()
    result = doctor.probe_data(tiny)
    assert result.status == FAIL
    assert result.message.startswith(f"CIFAR-10 not usable: data_dir points at {tiny}, which is incomplete")
    assert "data_batch_1" in result.message and "complete cifar-10-batches-py folder" in result.fix


def test_bad_cifar_cnn_data(tmp_path, monkeypatch):
    monkeypatch.setenv("CIFAR_CNN_DATA", str(tmp_path / "nowhere"))
    result = doctor.probe_data()
    assert result.status == FAIL
    assert "CIFAR_CNN_DATA points at" in result.message and "does not exist" in result.message


def test_official_data_is_ok(tiny, monkeypatch):
    from cifar_cnn.data import data_report as report

    monkeypatch.setattr(report, "OFFICIAL_MD5", {n: report.hashlib.md5((tiny / n).read_bytes()).hexdigest()
                                                 for n in report.OFFICIAL_MD5})
    result = doctor.probe_data(tiny)
    assert result.status == OK and result.message.endswith("the official files") and not result.fix


# --------------------------------------------------------------- versions


def test_too_old_keras(monkeypatch, capsys, tiny, no_training):
    fake_versions(monkeypatch, keras="3.1.0")
    code, out = run_doctor(capsys, "--data-dir", str(tiny))
    assert code == 1
    tensorflow = doctor.requirement("tensorflow").spec()  # tensorflow-cpu>=2.16 on Linux x86-64
    assert tensorflow.startswith("tensorflow") and tensorflow.endswith(">=2.16")
    assert (
        '✗ Keras 3.1.0 is too old: the lesson needs Keras 3.3 or newer — fix: run `python -m pip '
        f'install --upgrade "keras>=3.3,<4" "{tensorflow}"` in the lesson\'s virtual environment'
    ) in out.splitlines()


def test_keras_4_is_too_new(monkeypatch):
    fake_versions(monkeypatch, keras="4.0.1")
    result = doctor.probe_keras()
    assert result.status == FAIL and "newer than the lesson supports" in result.message
    assert '"keras>=3.3,<4"' in result.fix


def test_keras_2_is_too_old(monkeypatch):
    fake_versions(monkeypatch, keras="2.15.0")
    assert doctor.probe_keras().message == "Keras 2.15.0 is too old: the lesson needs Keras 3.3 or newer"


def test_keras_not_installed_skips_what_needs_it(monkeypatch, tiny):
    fake_versions(monkeypatch, keras=None)
    results = by_name(doctor.run_probes(tiny, speed=True))
    assert results["keras"].status == FAIL and results["keras"].message == "Keras is not installed"
    assert results["keras"].fix.startswith('run `python -m pip install "keras>=3.3,<4"`')
    for name in ("backend", "model", "speed"):
        assert results[name].status == FAIL and "not run: Keras cannot be imported" in results[name].message
    assert results["numpy"].status == OK  # the other checks still run


def test_keras_that_cannot_be_imported(monkeypatch):
    fake_versions(monkeypatch, keras=ImportError("DLL load failed while importing _pywrap_tensorflow"))
    result = doctor.probe_keras()
    assert result.status == FAIL
    assert result.message == (
        "Keras is installed but cannot be imported (ImportError: DLL load failed while importing "
        "_pywrap_tensorflow)"
    )
    assert "--force-reinstall" in result.fix


def test_too_old_tensorflow(monkeypatch):
    fake_versions(monkeypatch, tensorflow="2.15.1")
    result = doctor.probe_backend()
    assert result.status == FAIL
    assert result.message == "TensorFlow 2.15.1 is too old: the lesson needs TensorFlow 2.16 or newer"
    assert f'--upgrade "{doctor.requirement("tensorflow").spec()}"' in result.fix


@pytest.mark.parametrize("module, label", [("numpy", "NumPy"), ("matplotlib", "matplotlib")])
def test_too_old_or_missing_libraries(monkeypatch, module, label):
    check = getattr(doctor, f"probe_{module}")
    fake_versions(monkeypatch, **{module: "1.0"})
    assert check().status == FAIL and check().message.startswith(f"{label} 1.0 is too old")
    fake_versions(monkeypatch, **{module: None})
    assert check().message == f"{label} is not installed"


def test_too_old_python(monkeypatch, capsys, tiny, no_training):
    monkeypatch.setattr(doctor.libraries, "python_version", lambda: (3, 9, 18))
    code, out = run_doctor(capsys, "--data-dir", str(tiny))
    assert code == 1
    assert out.splitlines()[0].startswith(
        "✗ Python 3.9.18 is too old: the lesson needs Python 3.10 or newer — fix: install a Python "
        "the lesson supports"
    )


REQUIRES = [
    "keras<4,>=3.9",
    "tensorflow-cpu>=2.99; sys_platform == 'linux' and platform_machine == 'x86_64'",
    "tensorflow>=2.99; sys_platform != 'linux' or platform_machine != 'x86_64'",
    "numpy>=1.24",
    "pytest>=8; extra == 'dev'",
]


@pytest.fixture
def other_metadata(monkeypatch):
    """Pretend the installed cifar-cnn's metadata says other versions."""
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "requires", lambda name: REQUIRES if name == "cifar-cnn" else None)
    monkeypatch.setattr(importlib.metadata, "metadata", lambda name: {"Requires-Python": ">=3.10,<3.14"})


def test_version_ranges_come_from_the_installed_metadata(other_metadata, monkeypatch):
    needs = doctor.requirements()
    assert set(needs) == {"keras", "tensorflow", "numpy", "python"}  # no extras' tools
    assert needs["keras"].spec() == "keras>=3.9,<4" and needs["python"].spec() == "python>=3.10,<3.14"
    assert needs["tensorflow"].minimum == (2, 99)
    fake_versions(monkeypatch, keras="3.5.0")
    assert doctor.probe_keras().message == "Keras 3.5.0 is too old: the lesson needs Keras 3.9 or newer"


def test_the_real_metadata_names_every_checked_library():
    needs = doctor.requirements()
    for name in ("python", "keras", "tensorflow", "numpy", "matplotlib"):
        assert needs[name].minimum, name
    assert needs["keras"].below == (4,)


@pytest.mark.parametrize("version, status", [((3, 13, 9), OK), ((3, 14, 0), FAIL), ((3, 9, 18), FAIL)])
def test_python_outside_the_supported_range(other_metadata, monkeypatch, version, status):
    monkeypatch.setattr(doctor.libraries, "python_version", lambda: version)
    result = doctor.probe_python()
    assert result.status == status
    if version >= (3, 14):
        assert "newer than the lesson supports (it needs Python >=3.10,<3.14" in result.message
        assert "venv" in result.fix


def test_without_metadata_the_versions_are_not_judged(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "requires", missing)
    assert doctor.probe_numpy().status == OK and doctor.probe_python().status == OK


@pytest.mark.parametrize("backend, module, status", [("jax", "jax", WARN), ("torch", "torch", WARN),
                                                      ("numpy", None, FAIL)])
def test_other_backends(monkeypatch, backend, module, status):
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    monkeypatch.setenv("KERAS_BACKEND", backend)
    if module:
        fake_versions(monkeypatch, **{module: "9.9.9"})
    result = doctor.probe_backend()
    assert result.status == status
    assert result.message.startswith(f"Keras backend: {backend} (set by KERAS_BACKEND)")
    assert "unset KERAS_BACKEND" in result.fix
    if module:
        assert "9.9.9" in result.message and "numbers will differ" in result.message
    else:
        assert "cannot train models" in result.message


# ---------------------------------------------------------- disk, memory


def test_low_disk(monkeypatch, capsys, tiny, no_training):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100 * GB, 99.6 * GB, int(0.4 * GB)))
    code, out = run_doctor(capsys, "--data-dir", str(tiny))
    assert code == 0  # a warning does not stop the lesson
    line = next(line for line in out.splitlines() if "Disk" in line)
    assert line.startswith("⚠ Disk: 0.4 GB free on the drive of the Keras cache (")
    assert "less than 1 GB — fix: free some space" in line


def test_disk_of_a_cache_that_does_not_exist_yet(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "not" / "yet" / "made"))
    result = doctor.probe_disk()
    assert result.status == OK and str(tmp_path / "not" / "yet" / "made" / "datasets") in result.message


@pytest.mark.parametrize(
    "memory, status, words",
    [
        ((16 * GB, 12 * GB), OK, "Memory: 16.0 GB (12.0 GB available now)"),
        ((16 * GB, None), OK, "Memory: 16.0 GB"),
        ((3 * GB, 2.5 * GB), WARN, "less than the 4 GB the lesson expects"),
        ((16 * GB, 1 * GB), WARN, f"1.0 GB is free, less than the {NOTEBOOK_NEEDS / GB:.1f} GB the lesson's largest notebook needs"),
        ((None, None), WARN, "could not tell"),
    ],
)
def test_memory(monkeypatch, memory, status, words):
    monkeypatch.setattr(doctor.machine, "memory_bytes", lambda: memory)
    result = doctor.probe_memory()
    assert result.status == status and words in result.message
    assert bool(result.fix) == (status == WARN)


def test_memory_is_measured_here():
    total, available = doctor.memory_bytes()
    assert total is None or total > 100 * 2**20
    assert available is None or 0 < available <= total


# ----------------------------------------------------------- model, speed


def test_model_check_trains():
    result = doctor.probe_model()
    assert result.status == OK and result.details["params"] == 79_530


def test_model_check_reports_a_nan_loss(monkeypatch):
    class Diverged:
        history = {"loss": [float("nan")]}

    monkeypatch.setattr(keras.Model, "fit", lambda self, *args, **kwargs: Diverged())
    result = doctor.probe_model()
    assert result.status == FAIL and "its loss is nan" in result.message and "fresh virtual environment" in result.fix


def test_model_check_reports_a_crash(monkeypatch):
    from cifar_cnn import models

    def broken(*args, **kwargs):
        raise RuntimeError("illegal instruction in a kernel")

    monkeypatch.setattr(models, "create_model_intro", broken)
    result = doctor.probe_model()
    assert result.status == FAIL
    assert result.message == "Building or training a model failed (RuntimeError: illegal instruction in a kernel)"


def test_speed_measures_and_predicts_like_the_planner():
    result = doctor.probe_speed(seconds=1)
    assert result.status in (OK, WARN)
    d = result.details
    assert 0 < d["seconds_per_step"] < 5
    speed = planning.Speed({32: d["train_images_per_second"]}, d["validation_images_per_second"], 1.0)
    assert d["seconds_per_run"] == pytest.approx(speed.lesson_seconds())
    assert d["seconds_per_epoch"] > d["seconds_per_step"] * 1250  # validation included
    assert "per lesson epoch (1,250 steps of 32 images, validation included)" in result.message
    assert "for the 10-epoch run" in result.message


def test_doctor_and_planner_predict_the_same_run():
    speed = planning.Speed({32: 8_000.0, 128: 12_000.0}, 25_000.0, 10.0)
    assert doctor.probe_speed(speed=speed).details["seconds_per_run"] == plan_training(5, speed).lesson_seconds
    assert doctor.probe_speed(speed=speed).message.endswith(
        f"{planning.duration(speed.lesson_seconds())} for the 10-epoch run"
    )


def test_slow_machine_is_a_warning():
    slow = planning.Speed({32: 1_000.0}, 3_000.0, 5.0)  # 40 s + 3.3 s per lesson epoch
    result = doctor.probe_speed(speed=slow)
    assert result.status == WARN and f"slow for a workshop (over {lesson.SLOW_EPOCH_SECONDS} s per epoch)" in result.message
    assert "--n-train 10000" in result.fix
    # 10 epochs of 10,000 images: 2 + 10 x (10 + 3.3) = 135 s against 435 s: 3.2 times, not 4 (the validation stays)
    assert "3.2 times faster here (2.3 min for the 10 epochs; the validation stays)" in result.fix


def test_the_slow_threshold_is_per_epoch():
    at = lesson.SLOW_EPOCH_SECONDS
    just_fast = planning.Speed({32: 40_000 / (at - 1)}, 10_000.0, 5.0)  # at - 1 + 1 s per epoch
    just_slow = planning.Speed({32: 40_000 / (at + 0.5)}, 10_000.0, 5.0)
    assert doctor.probe_speed(speed=just_fast).status == OK
    assert doctor.probe_speed(speed=just_slow).status == WARN


def test_speed_check_in_the_cli(tiny, monkeypatch, capsys, no_training):
    real = doctor.probe_speed
    monkeypatch.setattr(doctor.training_probe, "probe_speed", lambda seconds: real(seconds=1))
    assert main(["doctor", "--data-dir", str(tiny)]) == 0
    assert "Speed: " in capsys.readouterr().out


def test_speed_needs_positive_seconds():
    with pytest.raises(ValueError, match="positive number"):
        doctor.probe_speed(seconds=0)


# ----------------------------------------------------------------- output


def test_a_crashing_check_is_a_warning_not_a_traceback(monkeypatch, tiny, no_training):
    def crash():
        raise RuntimeError("sysconf exploded")

    monkeypatch.setattr(doctor.machine, "probe_memory", crash)
    result = by_name(doctor.run_probes(tiny, speed=False))["memory"]
    assert result.status == WARN and "could not run (RuntimeError: sysconf exploded)" in result.message


def test_formatting():
    fail = ProbeResult("data", FAIL, "CIFAR-10 not found", "run `cifar-cnn data download`")
    assert doctor.format_result(fail) == "✗ CIFAR-10 not found — fix: run `cifar-cnn data download`"
    assert doctor.format_result(fail, ascii=True) == "[FAIL] CIFAR-10 not found - fix: run `cifar-cnn data download`"
    ok = ProbeResult("python", OK, "Python 3.11.7")
    assert doctor.format_result(ok) == "✓ Python 3.11.7"
    report = doctor.format_report([ok, fail, fail])
    assert report.endswith("2 problems would stop the lesson: do what the fix says, then run `cifar-cnn doctor` again.")
    assert doctor.format_report([ok]).endswith("\nReady for the lesson.")


def test_ascii_output_where_the_console_cannot_show_the_marks(monkeypatch, tiny, capsys, no_training):
    monkeypatch.setattr(cli.lesson_commands, "can_print", lambda text: False)
    assert main(["doctor", "--skip-speed", "--data-dir", str(tiny)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[ok] Python ") and "[warn] CIFAR-10" in out and "✓" not in out


def test_can_print_follows_the_encoding(monkeypatch):
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="cp1252"))
    assert not cli.common.can_print("✓⚠✗—")
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert cli.common.can_print("✓⚠✗—")


@pytest.mark.parametrize("text, version", [("2.16.0rc0", (2, 16, 0)), ("3.15.1", (3, 15, 1)),
                                           ("v1.26", (1, 26)), ("unknown", ())])
def test_parse_version(text, version):
    assert doctor.libraries._parse_version(text) == version

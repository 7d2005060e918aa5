"""The cifar-cnn command line: listing, summaries, training end to end, data commands."""

import json
import subprocess
import sys

import keras
import pytest

import cifar_cnn
from cifar_cnn.cli import main



def run_cli(*args):
    """Run the installed entry point in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "cifar_cnn", *args], capture_output=True, text=True, timeout=300
    )


def test_models_lists_every_factory_with_its_size(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "create_model_intro" in out and "79,530" in out
    for name in ["dropout", "one_conv", "two_conv", "vgg", "residual", "dense", "deep"]:
        assert name in out


def test_summary_prints_keras_and_formula_tables(capsys):
    assert main(["summary", "intro"]) == 0
    out = capsys.readouterr().out
    assert "(None, 13, 13, 32)" in out
    assert "from the formulas" in out
    assert out.count("79,530") >= 2


def test_train_end_to_end_saves_model_plot_and_history(tiny_cifar, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = main(["train", "intro", "--epochs", "2", "--n-val", "20", "--batch-size", "16",
                 "--data-dir", str(tiny_cifar), "--out", str(out_dir)])
    assert code == 0
    out = capsys.readouterr().out
    assert "80 training, 20 validation, 20 test images" in out
    assert "Test accuracy:" in out
    assert (out_dir / "intro.keras").stat().st_size > 0
    assert (out_dir / "intro_history.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((out_dir / "intro_history.json").read_text())
    assert record["model"] == "cifar_model_intro" and len(record["history"]["val_accuracy"]) == 2
    assert not [p for p in out_dir.iterdir() if "partial" in p.name]  # no temporary files left


def test_train_speedrun_runs_its_own_recipe(tiny_cifar, tmp_path, capsys):
    """`cifar-cnn plan` can name the speed-run recipe: the command it prints must work."""
    out_dir = tmp_path / "out"
    code = main(["train", "speedrun", "--epochs", "1", "--n-val", "20", "--batch-size", "16",
                 "--data-dir", str(tiny_cifar), "--out", str(out_dir)])
    assert code == 0
    out = capsys.readouterr().out
    assert "with its recipe (train_speedrun)" in out and "(each averaged with its mirror image)" in out
    record = json.loads((out_dir / "speedrun_history.json").read_text())
    assert record["model"] == "cifar_model_speedrun" and record["batch_size"] == 16 and record["test_loss"] is None
    reloaded = keras.saving.load_model(out_dir / "speedrun.keras")
    assert reloaded.get_layer("whiten").get_weights()[0].any()  # the whitening filters were set and saved
    assert cifar_cnn.load_model(out_dir / "speedrun.keras").count_params() == reloaded.count_params()


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "resnet50"], "unknown model 'resnet50'; choose one of: intro"),
        (["train", "resnet50"], "unknown model 'resnet50'; choose one of: intro, dropout, one_conv, two_conv, "
                                   "vgg, residual, dense, deep, fast, or speedrun"),
        (["summary", "alexnet"], "unknown model 'alexnet'"),
    ],
)
def test_unknown_model_is_a_one_line_error(args, message):
    result = run_cli(*args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cifar-cnn: error: {message}")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "intro", "--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
        (["train", "intro", "--epochs", "ten"], "argument --epochs: expected a whole number, got 'ten'"),
        (["train", "intro", "--seed", "-3"], "argument --seed: must be 0 or more"),
        (["train", "intro", "--n-train", "1.5"], "argument --n-train: expected a whole number"),
    ],
)
def test_bad_numbers_are_usage_errors(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_data_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR_CNN_DATA", raising=False)
    result = run_cli("train", "intro", "--data-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cifar-cnn: error:")
    assert "nowhere" in lines[0]


def test_data_info_and_verify_on_a_folder(tiny_cifar, capsys):
    assert main(["data", "info", "--data-dir", str(tiny_cifar)]) == 0
    out = capsys.readouterr().out
    assert str(tiny_cifar) in out
    assert main(["data", "verify", str(tiny_cifar)]) == 0
    out = capsys.readouterr().out
    assert "test_batch" in out
    # Valid files, but not the official download: --strict turns that into a failure.
    assert main(["data", "verify", str(tiny_cifar), "--strict"]) == 1


def test_data_verify_fails_on_a_corrupt_folder(tiny_cifar, capsys):
    (tiny_cifar / "data_batch_3").write_bytes(b"not a pickle")
    assert main(["data", "verify", str(tiny_cifar)]) == 1
    assert "data_batch_3" in capsys.readouterr().out


def test_data_download_reuses_data_that_is_already_there(tiny_cifar, capsys):
    assert main(["data", "download", "--data-dir", str(tiny_cifar)]) == 0
    assert "already here" in capsys.readouterr().out


def test_version_and_help():
    result = run_cli("--help")
    assert result.returncode == 0 and "train" in result.stdout and "data" in result.stdout
    result = run_cli("--version")
    assert result.stdout.startswith("cifar-cnn ")

"""Every write path handles a failing disk (issue 25): one line, a non-zero exit, nothing
half-written, and what was already saved is kept and named.

Full disks are stood in for by the file-size limit (``RLIMIT_FSIZE``, in a child process,
SIGXFSZ ignored so that writes fail with EFBIG), and by a folder where a file should go.
The extraction and pack paths are in tests/test_hostile_corpus.py ("disk" class).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cifar_files import write_cifar_folder
from cifar_cnn.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_history_png_name_taken_by_a_folder_keeps_the_model_and_names_it(tmp_path, capsys):
    data = write_cifar_folder(tmp_path, n_per_batch=4, n_test=4)
    out = tmp_path / "runs"
    (out / "intro_history.png").mkdir(parents=True)
    code = main(["train", "intro", "--epochs", "1", "--n-train", "10", "--n-val", "10",
                 "--out", str(out), "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1, err
    assert "intro_history.png" in err and "a folder has that name" in err
    assert str(out / "intro.keras") in err  # kept, and named
    assert (out / "intro.keras").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["intro.keras", "intro_history.png"]  # no partial


SAVE_UNDER_LIMIT = r"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
from cifar_cnn import create_model_intro
from cifar_cnn.sharing import save_model
model = create_model_intro()
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))  # the model is about 1 MB
try:
    save_model(model, sys.argv[1])
except OSError as e:
    print(str(e))
    sys.exit(1)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="RLIMIT_FSIZE is POSIX")
def test_save_model_past_the_file_size_limit_is_one_line_and_leaves_nothing(tmp_path):
    target = tmp_path / "model.keras"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SAVE_UNDER_LIMIT, str(target)], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 1, done.stderr[-2000:]
    line = done.stdout.strip()
    assert "\n" not in line and str(target) in line and len(line) < 300, line
    assert list(tmp_path.iterdir()) == []  # no model, no hidden partial file


def test_a_figure_whose_name_is_a_folder_is_named_and_the_others_kept(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cifar_cnn.workshop.figures import _save

    fig = plt.figure()
    (tmp_path / "taken.png").mkdir()
    kept = _save(fig, tmp_path, "first.png")
    with pytest.raises(OSError) as caught:
        _save(fig, tmp_path, "taken.png")
    plt.close(fig)
    message = str(caught.value)
    assert "taken.png (a folder has that name)" in message and str(tmp_path) in message
    assert kept.is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["first.png", "taken.png"]


def test_a_full_disk_anywhere_in_a_command_is_one_line(monkeypatch, capsys, tmp_path):
    import cifar_cnn.workshop.figures

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "fig" / "a.png"))

    monkeypatch.setattr(cifar_cnn.workshop.figures, "make_figures", full)
    assert main(["figures", "--out", str(tmp_path / "fig")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "a.png" in err

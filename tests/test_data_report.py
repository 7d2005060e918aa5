"""Tests of cifar_cnn.data.data_report: verify and info.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import pytest

from cifar_files import CLASS_NAMES

from cifar_cnn import data
from cifar_cnn.data import DataNotFoundError, verify


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ verify


def test_verify_tiny_folder_valid_but_not_official(tiny):
    report = verify(tiny)
    assert report.folder == tiny
    assert report.ok and not report.official
    assert [f.name for f in report.files] == list(data.OFFICIAL_MD5)
    batch = {f.name: f for f in report.files}["data_batch_1"]
    assert batch.ok and batch.n_images == 20 and batch.class_counts == (2,) * 10
    assert batch.message == "valid, but not the official file (checksum differs)"
    assert len(batch.md5) == 32
    text = report.format()
    assert str(tiny) in text and "Result: ok" in text and "100 train, 20 test" in text


def test_verify_reports_missing_and_corrupt_files(tiny):
    (tiny / "data_batch_4").unlink()
    (tiny / "test_batch").write_bytes(b"\x80\x02")
    report = verify(tiny.parent)  # the parent is accepted too
    files = {f.name: f for f in report.files}
    assert not report.ok
    assert files["data_batch_4"].message == "MISSING"
    assert files["test_batch"].message.startswith("CORRUPT: ")
    assert "fix:" in files["test_batch"].message
    assert files["data_batch_1"].ok
    assert "PROBLEM: data_batch_4, test_batch" in report.format()


def test_verify_default_folder(tiny, monkeypatch):
    with pytest.raises(DataNotFoundError):
        verify()
    monkeypatch.setenv(data.ENV_VAR, str(tiny))
    assert verify().folder == tiny


def test_verify_official_checksum_is_recognised(tmp_path, monkeypatch, tiny):
    # The tiny files are not official; pretend test_batch's checksum is.
    md5 = {f.name: f.md5 for f in verify(tiny).files}
    monkeypatch.setitem(data.OFFICIAL_MD5, "test_batch", md5["test_batch"])
    files = {f.name: f for f in verify(tiny).files}
    assert files["test_batch"].official and files["test_batch"].message == "ok"


# ------------------------------------------------------------ info


def test_info_found(tiny, home):
    d = data.info(tiny)
    assert d["found"] and d["folder"] == str(tiny) and d["source"] == "argument"
    assert d["n_train"] == 100 and d["n_test"] == 20 and d["class_names"] == CLASS_NAMES
    assert d["size_bytes"] > 100 * 3072 and d["keras_cache"] == str(home)
    assert d["error"] is None
    text = data.format_info(d)
    assert "MB" in text and "100 train, 20 test" in text and "(not set)" in text


def test_info_not_found_and_bad_env(tmp_path, monkeypatch):
    d = data.info()
    assert not d["found"] and d["folder"] is None
    text = data.format_info(d)
    assert "not found" in text and "cifar-cnn data download" in text
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "typo"))
    d = data.info()
    assert not d["found"] and "does not exist" in d["error"]
    assert d["env_value"] == str(tmp_path / "typo")
    assert "does not exist" in data.format_info(d)

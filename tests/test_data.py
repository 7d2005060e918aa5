"""Tests of the cifar_cnn.data package: its names, constants, errors and import cost.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from cifar_files import CLASS_NAMES, FOLDER_NAME

from cifar_cnn import data
from cifar_cnn.data import DataError, DataNotFoundError


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ the module


def test_import_does_not_load_keras_or_tensorflow():
    code = (
        "import sys, cifar_cnn.data\n"
        "loaded = {'keras', 'tensorflow'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_constants():
    assert data.CLASS_NAMES == CLASS_NAMES
    assert data.FOLDER_NAME == "cifar-10-batches-py"
    assert data.ENV_VAR == "CIFAR_CNN_DATA"
    assert set(data.OFFICIAL_MD5) == {"batches.meta", "test_batch"} | {
        f"data_batch_{i}" for i in range(1, 6)
    }


def test_official_sha256_is_the_one_keras_checks():
    keras_cifar10 = pytest.importorskip("keras.src.datasets.cifar10")
    assert data.OFFICIAL_SHA256 in inspect.getsource(keras_cifar10)


def test_data_not_found_error_is_both_kinds():
    assert issubclass(DataNotFoundError, DataError)
    assert issubclass(DataNotFoundError, FileNotFoundError)


def test_default_data_home_follows_keras_home(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert data.default_data_home() == tmp_path / "kh" / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert data.default_data_home() == tmp_path / ".keras" / "datasets"

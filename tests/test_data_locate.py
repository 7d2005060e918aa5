"""Tests of cifar_cnn.data.locate: where the data is found.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from cifar_files import cifar100_folder, write_cifar_folder

from cifar_cnn import data
from cifar_cnn.data import DataError, find_data_dir, load_cifar10


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ finding data


def test_source_order_argument_env_cache(tmp_path, monkeypatch, home):
    by_argument = write_cifar_folder(tmp_path / "a")
    by_env = write_cifar_folder(tmp_path / "b")
    in_cache = write_cifar_folder(home)
    monkeypatch.setenv(data.ENV_VAR, str(by_env))
    assert find_data_dir(by_argument) == (by_argument, "argument")
    assert find_data_dir() == (by_env, data.ENV_VAR)
    monkeypatch.delenv(data.ENV_VAR)
    assert find_data_dir() == (in_cache, "keras cache")
    assert find_data_dir(data_home=tmp_path / "elsewhere") == (None, "")


def test_nothing_found(tmp_path):
    assert find_data_dir() == (None, "")


def test_argument_and_env_may_name_the_parent(tmp_path, monkeypatch):
    folder = write_cifar_folder(tmp_path / "parent")
    assert find_data_dir(tmp_path / "parent") == (folder, "argument")
    assert find_data_dir(str(tmp_path / "parent")) == (folder, "argument")
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "parent"))
    assert find_data_dir() == (folder, data.ENV_VAR)


def test_explicit_bad_path_errors_instead_of_falling_through(tmp_path, monkeypatch, home):
    write_cifar_folder(home)  # valid data in the cache must not be used instead
    good = write_cifar_folder(tmp_path / "good")
    monkeypatch.setenv(data.ENV_VAR, str(good))
    with pytest.raises(DataError, match="does not exist") as caught:
        find_data_dir(tmp_path / "typo")
    assert "data_dir" in str(caught.value)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "typo"))
    with pytest.raises(DataError, match=f"{data.ENV_VAR}.*does not exist"):
        find_data_dir()
    with pytest.raises(DataError, match="does not exist"):
        load_cifar10(n_val=20)


def test_explicit_folder_that_is_not_cifar10(tmp_path):
    other = tmp_path / "holiday-photos"
    other.mkdir()
    (other / "beach.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(DataError, match="neither the CIFAR-10 files"):
        find_data_dir(other)


def test_explicit_incomplete_folder_names_missing_files(tiny):
    (tiny / "data_batch_5").unlink()
    for path in (tiny, tiny.parent):
        with pytest.raises(DataError, match="lacks data_batch_5"):
            find_data_dir(path)


def test_explicit_cifar100_folder(tmp_path):
    with pytest.raises(DataError, match="CIFAR-100"):
        find_data_dir(cifar100_folder(tmp_path))
    with pytest.raises(DataError, match="CIFAR-100"):
        find_data_dir(tmp_path)


def test_explicit_archive_says_to_extract_it(archive):
    with pytest.raises(DataError, match="extract it"):
        find_data_dir(archive[0])


@pytest.mark.parametrize(
    "layout",
    [
        "cifar-10-batches-py",
        "cifar-10-batches-py-target/cifar-10-batches-py",
        "cifar-10-batches-py/cifar-10-batches-py",
    ],
)
def test_finds_every_keras_cache_layout(home, layout):
    folder = write_cifar_folder((home / layout).parent)
    assert find_data_dir() == (folder, "keras cache")


def test_finds_data_that_keras_itself_downloaded(http_server, archive, tmp_path):
    """Reuse what keras.datasets.cifar10.load_data() extracted, in this Keras version."""
    keras_cifar10 = pytest.importorskip("keras.src.datasets.cifar10")
    from keras.utils import get_file

    # The same get_file call as load_data(), minus the real archive's hash.
    fname = re.search(r'dirname = "([^"]+)"', inspect.getsource(keras_cifar10)).group(1)
    url = http_server("cifar-10-python.tar.gz", archive[0].read_bytes())
    keras_home = tmp_path / "plain-keras"
    # `import keras` creates its home; get_file falls back to /tmp/.keras without it.
    keras_home.mkdir()
    extracted = get_file(fname=fname, origin=url, extract=True, cache_dir=str(keras_home))
    folder, source = find_data_dir(data_home=keras_home / "datasets")
    assert source == "keras cache"
    assert folder == Path(extracted) / "cifar-10-batches-py"  # what load_data() reads
    assert load_cifar10(data_home=keras_home / "datasets", n_val=20).x_train.shape[0] == 80

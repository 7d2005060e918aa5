"""Tests of cifar_cnn.data.download: downloads from a local http.server.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import pytest

from cifar_files import THREE_WAYS, leftovers, write_cifar_folder

from cifar_cnn import data
from cifar_cnn.data import load as load_module
from cifar_cnn.data import (
    DataError,
    DataNotFoundError,
    download_cifar10,
    find_data_dir,
    load_cifar10,
)


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ downloading


def test_download_installs_checks_and_removes_archive(http_server, archive, home):
    path, sha256 = archive
    url = http_server("cifar-10-python.tar.gz", path.read_bytes())
    folder = download_cifar10(home, url=url, sha256=sha256, progress=False)
    assert folder == home / "cifar-10-batches-py"
    assert leftovers(home) == ["cifar-10-batches-py"]  # no archive, no temp folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*data.OFFICIAL_MD5, "readme.html"]
    )
    assert find_data_dir() == (folder, "keras cache")
    d = load_cifar10(n_val=20, download_if_missing=False)
    assert d.x_train.shape == (80, 32, 32, 3)


def test_download_reuses_data_already_there(home, refused_url):
    folder = write_cifar_folder(home)
    assert download_cifar10(url=refused_url, progress=False) == folder


def test_download_reports_a_damaged_folder_before_downloading(home, refused_url):
    folder = write_cifar_folder(home)
    (folder / "test_batch").unlink()
    with pytest.raises(DataError, match="lacks test_batch") as caught:
        download_cifar10(url=refused_url, progress=False)
    assert not isinstance(caught.value, DataNotFoundError)  # no download was tried


def test_load_cifar10_downloads_when_missing(http_server, archive, home, monkeypatch):
    path, sha256 = archive
    url = http_server("cifar-10-python.tar.gz", path.read_bytes())
    real_download = data.download_cifar10

    def local_download(data_home=None):
        return real_download(data_home, url=url, sha256=sha256, progress=False)

    monkeypatch.setattr(load_module, "download_cifar10", local_download)
    d = load_cifar10(n_val=20, n_train=40)
    assert len(d.x_train) == 40 and (home / "cifar-10-batches-py").is_dir()


def test_download_with_wrong_hash_leaves_nothing_then_retry_works(http_server, archive, home):
    path, sha256 = archive
    url = http_server("cifar-10-python.tar.gz", path.read_bytes())
    with pytest.raises(DataError) as caught:
        download_cifar10(home, url=url, sha256="0" * 64, progress=False)
    message = str(caught.value)
    assert "SHA-256" in message and "tampered" in message and "deleted" in message
    assert leftovers(home) == []
    assert find_data_dir() == (None, "")
    assert download_cifar10(home, url=url, sha256=sha256, progress=False).is_dir()


def test_download_cut_off_midway_leaves_nothing(http_server, archive, home):
    body = archive[0].read_bytes()
    url = http_server("cifar-10-python.tar.gz", body[: len(body) // 2], declared_length=len(body))
    with pytest.raises(DataNotFoundError) as caught:
        download_cifar10(home, url=url, sha256=archive[1], progress=False)
    for way in THREE_WAYS:
        assert way in str(caught.value)
    assert leftovers(home) == []


def test_download_http_error(http_server, home):
    url = http_server("something-else", b"")
    with pytest.raises(DataNotFoundError, match="404"):
        download_cifar10(home, url=url.replace("something-else", "missing"), progress=False)
    assert leftovers(home) == []


def test_no_network_gives_the_three_ways(refused_url, home):
    with pytest.raises(DataNotFoundError) as caught:
        download_cifar10(home, url=refused_url, progress=False)
    message = str(caught.value)
    assert "failed" in message and refused_url in message
    for way in THREE_WAYS:
        assert way in message
    assert leftovers(home) == []

"""Tests of cifar_cnn.data.archive: installing a .tar.gz safely.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import stat
import tarfile
import tempfile
import time
from pathlib import Path

import pytest

from cifar_files import batch_bytes, leftovers, make_cifar_archive, write_cifar_folder

from cifar_cnn import data
from cifar_cnn.data import archive as archive_module
from cifar_cnn.data import DataError, find_data_dir, install_archive, load_raw
from cifar_cnn.data import tarscan


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ installing archives


def test_install_archive_keeps_the_callers_archive(archive, home):
    path, sha256 = archive
    folder = install_archive(path, home, sha256=sha256)
    assert folder == home / "cifar-10-batches-py" and path.exists()
    assert leftovers(home) == ["cifar-10-batches-py"]
    assert load_raw(folder)[0][0].shape == (100, 32, 32, 3)


def test_installed_folder_is_readable_by_other_users(archive, home):
    # Temporary folders are private (0700); the installed data must not stay so, or the
    # other learner accounts of a shared workshop machine could not read it.
    path, digest = archive
    old = os.umask(0o022)
    try:
        folder = install_archive(path, home, sha256=digest)
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o644 for f in folder.iterdir())


def test_install_archive_wrong_hash(archive, home):
    with pytest.raises(DataError, match="SHA-256"):
        install_archive(archive[0], home, sha256="f" * 64)
    assert leftovers(home) == []


def test_install_archive_reuses_a_valid_folder(archive, home):
    folder = write_cifar_folder(home)
    assert install_archive(archive[0], home) == folder
    assert install_archive(archive[0].parent / "absent.tar.gz", home) == folder


def test_install_archive_refuses_to_touch_an_invalid_folder(archive, home):
    (home / "cifar-10-batches-py").mkdir(parents=True)
    with pytest.raises(DataError, match="delete the folder"):
        install_archive(archive[0], home)


def test_install_interrupted_midway_leaves_nothing(archive, home, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(archive_module, "parse_batch", interrupted)  # during the read-back
    with pytest.raises(KeyboardInterrupt):
        install_archive(archive[0], home)
    assert leftovers(home) == []


def test_install_truncated_archive_leaves_nothing(archive, home, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    body = archive[0].read_bytes()
    cut.write_bytes(body[: len(body) * 2 // 3])
    with pytest.raises(DataError, match="truncated or corrupt"):
        install_archive(cut, home)
    assert leftovers(home) == []


def test_install_not_an_archive(tmp_path, home):
    fake = tmp_path / "cifar-10-python.tar.gz"
    fake.write_text("<html>captive portal login</html>")
    with pytest.raises(DataError, match="truncated or corrupt"):
        install_archive(fake, home)


def _tar_with(path: Path, *extra: tuple[tarfile.TarInfo, bytes | None], official=True) -> Path:
    """A tar.gz with the tiny CIFAR-10 members (if `official`) followed by `extra`."""
    with tarfile.open(path, "w:gz") as tar:
        if official:
            with tarfile.open(fileobj=io.BytesIO(_tiny_tar_bytes())) as good:
                for member in good:
                    tar.addfile(member, good.extractfile(member) if member.isfile() else None)
        for member, content in extra:
            tar.addfile(member, io.BytesIO(content) if content is not None else None)
    return path


@functools.lru_cache(maxsize=1)
def _tiny_tar_bytes() -> bytes:
    """The uncompressed tar of a tiny archive, to copy good members from."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.tar.gz"
        make_cifar_archive(path)
        return gzip.decompress(path.read_bytes())


def _member(name: str, kind: bytes = tarfile.REGTYPE, content: bytes | None = b"x", **fields):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.size = len(content) if kind == tarfile.REGTYPE and content is not None else 0
    for key, value in fields.items():
        setattr(member, key, value)
    return member, (content if kind == tarfile.REGTYPE else None)


EVIL_MEMBERS = {
    "dot-dot": (_member("cifar-10-batches-py/../../evil"), "climbs out"),
    "leading dot-dot": (_member("../evil"), "climbs out"),
    "absolute": (_member("/tmp/cifar-cnn-evil"), "absolute path"),
    "symlink": (
        _member("cifar-10-batches-py/data_batch_6", tarfile.SYMTYPE, linkname="/etc/passwd"),
        "a link",
    ),
    "hard link": (
        _member("cifar-10-batches-py/x", tarfile.LNKTYPE, linkname="cifar-10-batches-py/meta"),
        "a link",
    ),
    "device": (_member("cifar-10-batches-py/tty", tarfile.CHRTYPE), "device"),
    "fifo": (_member("cifar-10-batches-py/pipe", tarfile.FIFOTYPE), "device"),
}


@pytest.mark.parametrize("member, expected", EVIL_MEMBERS.values(), ids=EVIL_MEMBERS.keys())
def test_install_refuses_unsafe_members(tmp_path, home, member, expected):
    path = _tar_with(tmp_path / "evil.tar.gz", member)  # after the good members
    with pytest.raises(DataError, match=expected):
        install_archive(path, home)
    assert leftovers(home) == []
    assert not (tmp_path / "evil").exists() and not (home.parent / "evil").exists()


def test_install_refuses_a_huge_member(tmp_path, home, monkeypatch):
    monkeypatch.setattr(tarscan, "MAX_MEMBER_BYTES", 1000)  # the tiny batches are ~20 KB
    with pytest.raises(DataError, match="far larger"):
        install_archive(_tar_with(tmp_path / "big.tar.gz"), home)
    assert leftovers(home) == []


def test_install_skips_unexpected_harmless_members(tmp_path, home):
    path = _tar_with(
        tmp_path / "extra.tar.gz",
        _member("cifar-10-batches-py/.DS_Store"),
        _member("__MACOSX/cifar-10-batches-py/._data_batch_1"),
        _member("cifar-10-batches-py/sub", tarfile.DIRTYPE),
    )
    folder = install_archive(path, home)
    assert ".DS_Store" not in leftovers(folder) and "sub" not in leftovers(folder)


def test_install_rejects_a_damaged_member(tmp_path, home):
    bad = batch_bytes(labels=[0, 1, 99, 3])
    with tarfile.open(tmp_path / "bad.tar.gz", "w:gz") as tar:
        with tarfile.open(fileobj=io.BytesIO(_tiny_tar_bytes())) as good:
            for member in good:
                if member.name.endswith("data_batch_2"):
                    member.size = len(bad)
                    tar.addfile(member, io.BytesIO(bad))
                else:
                    tar.addfile(member, good.extractfile(member) if member.isfile() else None)
    with pytest.raises(DataError, match="data_batch_2 has labels outside 0-9"):
        install_archive(tmp_path / "bad.tar.gz", home)
    assert leftovers(home) == []


def test_install_rejects_duplicate_members(tmp_path, home):
    path = _tar_with(tmp_path / "dup.tar.gz", _member("cifar-10-batches-py/test_batch"))
    with pytest.raises(DataError, match="twice"):
        install_archive(path, home)
    assert leftovers(home) == []


def test_install_recognises_the_cifar100_archive(tmp_path, home):
    meta = _member("cifar-100-python/meta", content=b"x")
    path = _tar_with(tmp_path / "c100.tar.gz", meta, official=False)
    with pytest.raises(DataError, match="CIFAR-100 archive"):
        install_archive(path, home)
    assert leftovers(home) == []


def test_install_cleans_up_stale_partials_but_not_fresh_ones(archive, home):
    home.mkdir(parents=True)
    stale_dir = home / (archive_module.PARTIAL_PREFIX + "dead1234")
    stale_dir.mkdir()
    (stale_dir / "data_batch_1").write_bytes(b"half")
    stale_file = home / (archive_module.PARTIAL_PREFIX + "dead.tar.gz")
    stale_file.write_bytes(b"half")
    fresh = home / (archive_module.PARTIAL_PREFIX + "running")
    fresh.mkdir()
    an_hour_ago = time.time() - 2 * 3600
    for path in (stale_dir, stale_file):
        os.utime(path, (an_hour_ago, an_hour_ago))
    # Before installing, a leftover is never taken for data.
    assert find_data_dir() == (None, "")
    install_archive(archive[0], home)
    assert leftovers(home) == sorted(["cifar-10-batches-py", fresh.name])

"""Offline workshops: `cifar-cnn data pack FILE` and `cifar-cnn data download --from FILE`."""

from __future__ import annotations

import errno
import hashlib
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cifar_cnn import data
from cifar_cnn.cli import main
from cifar_cnn.data import DataError, DataNotFoundError, load_cifar10, pack_data
from cifar_cnn.data import pack as pack_module
from cifar_cnn.data.pack import install_packed, read_sha256_file
from cifar_files import make_cifar_archive, write_cifar_folder


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.fixture
def source(tmp_path) -> Path:
    """A tiny data folder to pack: 5 x 20 training and 20 test images."""
    return write_cifar_folder(tmp_path / "laptop")


@pytest.fixture
def usb(tmp_path) -> Path:
    folder = tmp_path / "usb"
    folder.mkdir()
    return folder


@pytest.fixture
def packed(source, usb) -> tuple[Path, str]:
    return pack_data(usb / "cifar-10-python.tar.gz", source)


def fresh_home(monkeypatch, tmp_path, name="learner") -> Path:
    """Point KERAS_HOME at an empty folder, as on a learner's machine; return its dataset cache."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / name))
    return tmp_path / name / "datasets"


def installed_nothing(home: Path) -> bool:
    """No data folder and no leftover partial folder in the cache."""
    return not home.exists() or not list(home.iterdir())


def flip_byte(path: Path, where: float = 0.5) -> None:
    blob = bytearray(path.read_bytes())
    blob[int(len(blob) * where)] ^= 0xFF
    path.write_bytes(bytes(blob))


# -------------------------------------------------------------------- pack


def test_pack_writes_the_official_layout_and_a_sha256_file(source, usb):
    path, sha256 = pack_data(usb / "workshop.tar.gz", source)
    assert path == usb / "workshop.tar.gz"
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # The same line `sha256sum` writes, so `sha256sum -c` can check it too.
    assert (usb / "workshop.tar.gz.sha256").read_text() == f"{sha256}  workshop.tar.gz\n"
    with tarfile.open(path) as tar:
        names = tar.getnames()
        assert names[0] == "cifar-10-batches-py"
        assert sorted(names[1:]) == sorted(
            f"cifar-10-batches-py/{n}" for n in [*data.REQUIRED_FILES, "readme.html"]
        )
        for name in data.REQUIRED_FILES:  # every file byte for byte
            assert tar.extractfile(f"cifar-10-batches-py/{name}").read() == (source / name).read_bytes()
    assert sorted(p.name for p in usb.iterdir()) == ["workshop.tar.gz", "workshop.tar.gz.sha256"]


def test_pack_is_reproducible(source, usb):
    _, first = pack_data(usb / "a.tar.gz", source)
    _, second = pack_data(usb / "b.tar.gz", source)
    assert first == second  # fixed timestamps and owners: same data, same checksum


def test_pack_into_a_folder_uses_the_official_name(source, usb, monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, str(source))  # found the way load_cifar10 finds it
    path, _ = pack_data(usb)
    assert path == usb / "cifar-10-python.tar.gz" and path.is_file()


def test_cli_pack_prints_size_and_sha256(source, usb, capsys):
    assert main(["data", "pack", str(usb / "c.tar.gz"), "--data-dir", str(source)]) == 0
    out = capsys.readouterr().out
    sha256 = hashlib.sha256((usb / "c.tar.gz").read_bytes()).hexdigest()
    assert f"SHA-256: {sha256}" in out
    assert f"{(usb / 'c.tar.gz').stat().st_size:,} bytes" in out
    assert "c.tar.gz.sha256" in out and "download --from" in out


def test_pack_without_data_is_a_clear_error(usb, capsys):
    with pytest.raises(DataNotFoundError, match="no data to pack"):
        pack_data(usb / "c.tar.gz")
    assert main(["data", "pack", str(usb / "c.tar.gz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cifar-cnn: error: CIFAR-10 data not found. There is no data to pack.")
    assert "cifar-cnn data download" in err
    assert list(usb.iterdir()) == []


def test_pack_refuses_damaged_data_and_writes_nothing(source, usb):
    (source / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="data_batch_3") as caught:
        pack_data(usb / "c.tar.gz", source)
    assert "truncated or corrupt" in str(caught.value)
    assert list(usb.iterdir()) == []


def test_pack_refuses_an_incomplete_folder(source, usb):
    (source / "test_batch").unlink()
    with pytest.raises(DataError, match="test_batch"):
        pack_data(usb / "c.tar.gz", source)
    assert list(usb.iterdir()) == []


@pytest.mark.parametrize("name", ["cifar.zip", "cifar", "cifar.tar"])
def test_pack_needs_a_tar_gz_name_or_a_folder(source, usb, name, capsys):
    with pytest.raises(ValueError, match="does not end in .tar.gz"):
        pack_data(usb / name, source)
    assert main(["data", "pack", str(usb / name), "--data-dir", str(source)]) == 1
    assert "does not end in .tar.gz" in capsys.readouterr().err
    assert list(usb.iterdir()) == []


def test_pack_refuses_to_write_into_the_data_folder(source):
    with pytest.raises(ValueError, match="inside the data folder it packs"):
        pack_data(source, source)
    assert not (source / "cifar-10-python.tar.gz").exists()


def test_pack_into_a_missing_folder(source, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        pack_data(tmp_path / "not-mounted" / "c.tar.gz", source)


def test_an_interrupted_pack_leaves_no_partial_file_and_keeps_the_old_archive(source, usb, monkeypatch):
    old_path, old_sha = pack_data(usb / "c.tar.gz", source)
    old_bytes = old_path.read_bytes()
    real_addfile = tarfile.TarFile.addfile
    calls = []

    def addfile_then_ctrl_c(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # a few members in
            raise KeyboardInterrupt
        return real_addfile(self, *args, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "addfile", addfile_then_ctrl_c)
    (source / "readme.html").write_text("changed, so the new archive would differ")
    with pytest.raises(KeyboardInterrupt):
        pack_data(usb / "c.tar.gz", source)
    assert sorted(p.name for p in usb.iterdir()) == ["c.tar.gz", "c.tar.gz.sha256"]
    assert old_path.read_bytes() == old_bytes
    assert read_sha256_file(usb / "c.tar.gz.sha256") == old_sha


def test_an_interrupted_first_pack_leaves_nothing(source, usb, monkeypatch):
    def interrupted(folder, target):
        Path(target).write_bytes(b"half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(pack_module, "_write_archive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pack_data(usb / "c.tar.gz", source)
    assert list(usb.iterdir()) == []


def test_a_full_drive_is_a_clear_error(source, usb, monkeypatch, capsys):
    def no_space(folder, target):
        Path(target).write_bytes(b"the first megabytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pack_module, "_write_archive", no_space)
    assert main(["data", "pack", str(usb / "c.tar.gz"), "--data-dir", str(source)]) == 1
    err = capsys.readouterr().err
    assert "Cannot write the archive" in err and "No space left on device" in err
    assert list(usb.iterdir()) == []


# ------------------------------------------------------------------ install


def test_pack_then_install_with_from_gives_the_same_arrays(source, usb, tmp_path, monkeypatch, capsys):
    assert main(["data", "pack", str(usb / "c.tar.gz"), "--data-dir", str(source)]) == 0
    home = fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(usb / "c.tar.gz")]) == 0
    out = capsys.readouterr().out
    assert "SHA-256 matches c.tar.gz.sha256" in out
    assert f"CIFAR-10 is ready in {home / 'cifar-10-batches-py'}" in out
    installed = load_cifar10(n_val=20, download_if_missing=False)
    original = load_cifar10(source, n_val=20)
    for got, expected in zip(installed, original):
        np.testing.assert_array_equal(got, expected)
    assert sorted(p.name for p in home.iterdir()) == ["cifar-10-batches-py"]  # nothing else left


def test_install_from_a_folder_finds_the_archive(packed, usb, tmp_path, monkeypatch):
    home = fresh_home(monkeypatch, tmp_path)
    folder, how = install_packed(usb)
    assert folder == home / "cifar-10-batches-py" and "matches" in how


def test_tampered_archive_is_refused_and_nothing_installed(packed, tmp_path, monkeypatch, capsys):
    path, _ = packed
    flip_byte(path)
    home = fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cifar-cnn: error: The archive {path} has SHA-256")
    assert "Nothing was installed" in err and "\n" not in err.strip()
    assert installed_nothing(home)


def test_wrong_sha256_option_is_refused(packed, tmp_path, monkeypatch, capsys):
    path, _ = packed
    home = fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(path), "--sha256", "ab" * 32]) == 1
    assert f"but {'ab' * 32} was expected" in capsys.readouterr().err
    assert installed_nothing(home)


def test_right_sha256_option_wins_over_the_file(packed, tmp_path, monkeypatch, capsys):
    path, sha256 = packed
    Path(f"{path}.sha256").write_text("0" * 64 + "  c.tar.gz\n")  # stale: the option wins
    fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(path), "--sha256", sha256.upper()]) == 0
    assert "SHA-256 matches the one given" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["1234", "g" * 64, ""])
def test_malformed_sha256_option_is_a_usage_error(packed, bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["data", "download", "--from", str(packed[0]), "--sha256", bad])
    assert exit_.value.code == 2
    assert "argument --sha256: expected a SHA-256: 64 hexadecimal digits" in capsys.readouterr().err


def test_sha256_without_from_is_an_error(capsys):
    assert main(["data", "download", "--sha256", "ab" * 32]) == 1
    assert "--sha256 checks an archive given with --from" in capsys.readouterr().err


def test_unreadable_checksum_file_is_an_error(packed, tmp_path, monkeypatch):
    path, _ = packed
    Path(f"{path}.sha256").write_text("this is not a checksum\n")
    home = fresh_home(monkeypatch, tmp_path)
    with pytest.raises(DataError, match="does not start with a SHA-256"):
        install_packed(path)
    assert installed_nothing(home)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_damaged_archive_without_checksum_is_refused(packed, tmp_path, monkeypatch, damage):
    path, _ = packed
    Path(f"{path}.sha256").unlink()
    if damage == "flip":
        flip_byte(path, 0.3)
    else:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    home = fresh_home(monkeypatch, tmp_path)
    with pytest.raises(DataError, match="truncated or corrupt|cannot be used|is not the CIFAR-10") as caught:
        install_packed(path)
    assert str(path) in str(caught.value)
    assert installed_nothing(home)


def test_archive_without_checksum_is_installed_after_checking_every_file(packed, tmp_path, monkeypatch, capsys):
    path, _ = packed
    Path(f"{path}.sha256").unlink()
    fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(path)]) == 0
    assert "no checksum to compare with" in capsys.readouterr().out


def test_the_official_archive_is_accepted_by_its_checksum(tmp_path, monkeypatch, capsys):
    archive = tmp_path / "cifar-10-python.tar.gz"
    sha256 = make_cifar_archive(archive)
    monkeypatch.setattr(pack_module, "OFFICIAL_SHA256", sha256)  # pretend it is the real one
    fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(archive)]) == 0
    assert "the official CIFAR-10 archive's" in capsys.readouterr().out


def test_missing_archive(tmp_path, capsys):
    assert main(["data", "download", "--from", str(tmp_path / "nope.tar.gz")]) == 1
    assert "There is no archive at" in capsys.readouterr().err


def test_folder_without_an_archive(tmp_path, capsys):
    assert main(["data", "download", "--from", str(tmp_path)]) == 1
    assert "holds no cifar-10-python.tar.gz" in capsys.readouterr().err


def test_existing_data_is_not_replaced(packed, tmp_path, monkeypatch, capsys):
    path, _ = packed
    home = fresh_home(monkeypatch, tmp_path)
    assert main(["data", "download", "--from", str(path)]) == 0
    capsys.readouterr()
    assert main(["data", "download", "--from", str(path)]) == 0
    assert "already here" in capsys.readouterr().out
    assert main(["data", "download", "--from", str(path), "--force"]) == 1
    assert "nothing was replaced" in capsys.readouterr().err
    assert sorted(p.name for p in home.iterdir()) == ["cifar-10-batches-py"]


def test_install_packed_rejects_a_malformed_sha256_argument(packed):
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        install_packed(packed[0], sha256="abc")

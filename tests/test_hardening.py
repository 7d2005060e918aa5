"""Crafted files and bad paths (issue #15): refused in one line, never obeyed.

Each test is one row of the README's "Bad input, and what you see" table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cifar_cnn import data
from cifar_cnn.cli import main
from cifar_cnn.cli.model_commands import rescue_model
from cifar_cnn.data import DataError, read_batch
from cifar_cnn.sharing import ModelFileError, UnsafeModelError, load_model, save_model
from cifar_files import dumps_like_original, write_cifar_folder

ROOT = Path(__file__).resolve().parent.parent


def list_pickle_batch(n_declared: int, flags: int = 2, list_items: int = 1) -> bytes:
    """A batch whose pixel dtype state sets numpy's "list pickle" flag (2).

    numpy's own unpickling then fills an array of `n_declared` x 3072 bytes from a
    list in the file without checking the list's length: with 1000 rows declared
    and one item this 149-byte file crashed Python (signal 11); with 1,400,000
    rows it first took 4.2 GB.
    """
    out = bytearray(b"\x80\x02}(U\x04data")
    out += b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
    out += b"(K\x01J" + n_declared.to_bytes(4, "little", signed=True) + b"M\x00\x0c\x86"
    out += (b"cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK"
            + bytes([flags]) + b"tb")
    out += b"\x89](" + b"K\x07" * list_items + b"etb"
    out += b"U\x06labels]K\x00au."
    return bytes(out)


def labels_with_flags(flags: int) -> bytes:
    """A valid batch whose int64 label array's dtype claims other flags."""
    blob = dumps_like_original({b"data": np.zeros((1, 3072), np.uint8), b"labels": np.array([7], np.int64)})
    end = b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t"
    at = blob.rindex(end)
    return blob[:at] + end[:-2] + bytes([flags]) + b"t" + blob[at + len(end):]


READER = r"""
import resource, sys
from cifar_cnn.data import DataError, read_batch
def vm():
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmSize:"))
cap = vm() + 1536 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    read_batch(sys.argv[1])
except DataError as e:
    print(str(e).splitlines()[0])
    sys.exit(1)
import resource as r
print("read", r.getrusage(r.RUSAGE_SELF).ru_maxrss)
"""


def read_in_child(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", READER, str(path)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=path.parent)


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="memory cap measured from /proc")


@needs_proc
@pytest.mark.parametrize("n_declared, flags", [(1000, 2), (1000, 63), (1_400_000, 10)])
def test_dtype_flags_from_the_file_never_reach_numpy(tmp_path, n_declared, flags):
    path = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    path.parent.mkdir()
    path.write_bytes(list_pickle_batch(n_declared, flags))
    done = read_in_child(path)
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])  # not -11, not MemoryError
    # Refused by the recogniser (a list inside the array's state) before any dtype is looked at.
    assert done.stdout.startswith((f"CIFAR-10 file {path} holds a damaged description of its uint8",
                                   f"CIFAR-10 file {path} is not a CIFAR-10 file: it holds a tuple of containers"))
    assert done.stderr == ""


@pytest.mark.parametrize("flags", [1, 2, 3, 16, 63])
def test_label_dtype_flags_are_refused_too(tmp_path, flags):
    path = tmp_path / "data_batch_1"
    path.write_bytes(labels_with_flags(flags))
    with pytest.raises(DataError, match="damaged description of its int64"):
        read_batch(path)


def test_huge_memo_index_is_refused_without_allocating(tmp_path):
    # pickle's C unpickler sizes its memo by the largest PUT index: 2**31 -> gigabytes.
    path = tmp_path / "data_batch_1"
    path.write_bytes(b"\x80\x02}r\xff\xff\xff\x7f.")
    with pytest.raises(DataError, match="memo index"):
        read_batch(path)


def test_a_batch_larger_than_any_real_one_is_not_read(tmp_path):
    path = tmp_path / "data_batch_1"
    with open(path, "wb") as f:  # sparse: takes no disk space
        f.truncate(6 * 10**9)
    with pytest.raises(DataError) as caught:
        read_batch(path)
    message = str(caught.value)
    assert "6,000,000,000 bytes" in message and f"{data.batches.MAX_BATCH_BYTES:,}" in message
    assert "not read" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_data_batch_1_is_refused_not_waited_on(tmp_path):
    path = tmp_path / "cifar-10-batches-py" / "data_batch_1"
    path.parent.mkdir()
    os.mkfifo(path)
    started = time.monotonic()
    with pytest.raises(DataError, match="not a regular file"):
        read_batch(path)
    assert time.monotonic() - started < 30  # did not wait for a writer


def test_an_unreadable_file_gets_the_permission_fix(tmp_path, monkeypatch):
    folder = write_cifar_folder(tmp_path, n_per_batch=2, n_test=2)
    real_open = os.open

    def denied(path, *args, **kwargs):
        if Path(path).name == "data_batch_3":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(DataError) as caught:
        data.load_raw(folder)
    message = str(caught.value)
    assert "permission denied" in message and "chmod" in message
    assert "download" not in message  # the data is fine: downloading again would not help


def test_a_folder_without_cifar_files_is_pointed_at_not_deleted(tmp_path, capsys):
    other = tmp_path / "holiday-photos"
    other.mkdir()
    (other / "beach.jpg").write_bytes(b"jpeg")
    assert main(["data", "info", "--data-dir", str(other)]) == 1
    text = capsys.readouterr().out
    assert "Point it at a complete cifar-10-batches-py folder" in text
    assert "delete" not in text


# ------------------------------------------------------------ model files


def make_zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_model_file_whose_config_inflates_to_gigabytes_is_refused_cheaply(tmp_path):
    # 768 MiB of spaces deflate to under 1 MB; the declared size is refused before inflating.
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as f:
            chunk = b" " * 2**24
            for _ in range(48):
                f.write(chunk)
    assert path.stat().st_size < 2 * 10**6
    with pytest.raises(ModelFileError, match=r"would unpack to 805,306,368 bytes"):
        load_model(path)


def test_deeply_nested_config_is_a_model_file_error(tmp_path):
    path = make_zip(tmp_path / "deep.keras", {"config.json": b"[" * 100_000 + b"]" * 100_000})
    with pytest.raises(ModelFileError, match="nests more than 100 levels") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


def test_encrypted_member_is_a_model_file_error(tmp_path):
    path = make_zip(tmp_path / "locked.keras", {"config.json": b"{}"}, zipfile.ZIP_STORED)
    blob = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.find(signature)
        blob[at + flag_offset] |= 0x1  # "encrypted"
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="encrypted") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


def test_unknown_compression_is_a_model_file_error(tmp_path):
    path = make_zip(tmp_path / "odd.keras", {"config.json": b"{}"}, zipfile.ZIP_STORED)
    blob = bytearray(path.read_bytes())
    for signature, method_offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = blob.find(signature)
        blob[at + method_offset] = 99
    path.write_bytes(bytes(blob))
    with pytest.raises(ModelFileError, match="unknown compression method") as caught:
        load_model(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("module, name", [("os", "system"), ("subprocess", "Popen"), ("builtins", "eval")])
def test_a_config_naming_a_system_function_is_called_possibly_malicious(tmp_path, module, name):
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "layers": [{"module": module, "class_name": name, "config": {"command": "touch pwned"}}]}}
    path = make_zip(tmp_path / "evil.keras", {"config.json": json.dumps(config).encode()})
    for trust in (False, True):
        with pytest.raises(UnsafeModelError) as caught:
            load_model(path, trust_code=trust)
        message = str(caught.value)
        assert f"{module}.{name}" in message and "possibly malicious" in message
        assert "register" not in message


def test_save_model_into_a_read_only_folder_names_the_target(tmp_path, monkeypatch):
    import tempfile

    def read_only(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(Path(dir) / ".model.abc.partial.keras"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    target = tmp_path / "models" / "model.keras"
    with pytest.raises(PermissionError) as caught:
        save_model(object(), target)
    message = str(caught.value)
    assert str(target) in message and ".partial" not in message


# ------------------------------------------------------------ the command line


def run_cli(*args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}
    return subprocess.run([sys.executable, "-m", "cifar_cnn", *args], capture_output=True, text=True,
                          timeout=300, env=env, **kwargs)


def test_train_out_that_is_a_file_fails_before_training(tmp_path):
    taken = tmp_path / "results.txt"
    taken.write_text("not a folder")
    done = run_cli("train", "intro", "--out", str(taken), "--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"cifar-cnn: error: --out {taken} is a file, not a folder: give a folder for the model, e.g. --out runs"
    )
    assert "Training" not in done.stdout and "Reading CIFAR-10" not in done.stdout


def test_train_out_that_cannot_be_written_fails_before_training(tmp_path, monkeypatch, capsys):
    # Tests run as root here, which may write anywhere: refuse the folder's creation instead.
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name == "ro":
            raise PermissionError(13, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    code = main(["train", "intro", "--out", str(tmp_path / "ro"), "--data-dir", str(tmp_path / "nowhere")])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.count("\n") == 1 and "cannot write to the --out folder" in captured.err
    assert "Reading CIFAR-10" not in captured.out


def test_a_failed_save_after_training_rescues_the_model(tmp_path, monkeypatch):
    from cifar_cnn import create_model_intro
    from cifar_cnn.cli import CliError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(CliError) as caught:
        rescue_model(create_model_intro(), "intro", PermissionError(13, "cannot save the model to /ro/intro.keras"))
    message = str(caught.value)
    rescued = list(tmp_path.glob("intro-rescued-*.keras"))
    assert len(rescued) == 1 and str(rescued[0]) in message
    assert load_model(rescued[0]).count_params() == 79_530


@pytest.mark.parametrize("value", ["99999999999999999999", "50000", "4097"])
def test_batch_size_too_large_is_an_argparse_error(value, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "intro", "--batch-size", value])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "argument --batch-size: must be at most 4,096 (about 1.7 GB of memory for the intro model" in err
    assert repr(value) in err


def test_data_info_into_a_closed_pipe_shows_no_traceback(tmp_path):
    folder = write_cifar_folder(tmp_path, n_per_batch=2, n_test=2)
    done = subprocess.run(
        f'"{sys.executable}" -m cifar_cnn data info --data-dir "{folder}" | head -c 1',
        shell=True, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.stdout == "C"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_ascii_terminal_with_a_non_ascii_path_gives_no_codec_error(tmp_path):
    folder = write_cifar_folder(tmp_path / "données", n_per_batch=2, n_test=2)
    done = run_cli("data", "info", "--data-dir", str(folder), env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "UnicodeEncodeError" not in done.stderr
    assert "donn\\xe9es" in done.stdout


def test_data_info_without_data_fails_and_names_the_usb_route(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CIFAR_CNN_DATA", raising=False)
    assert main(["data", "info", "--data-home", str(tmp_path / "empty")]) == 1
    out = capsys.readouterr().out
    assert "not found" in out
    assert "cifar-cnn data download --from /path/to/cifar-10-python.tar.gz" in out


def test_a_killed_pack_leaves_a_partial_that_the_next_pack_removes(tmp_path):
    from cifar_cnn.data import pack_data

    source = write_cifar_folder(tmp_path / "src", n_per_batch=2, n_test=2)
    usb = tmp_path / "usb"
    usb.mkdir()
    stale = usb / ".cifar-10-python.tar.k1ll3d.partial.gz"  # what atomic_path names it
    stale.write_bytes(b"half an archive")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    fresh = usb / ".cifar-10-python.tar.wr1t1ng.partial.gz"  # another pack, still writing
    fresh.write_bytes(b"being written")
    pack_data(usb, source)
    assert not stale.exists() and fresh.exists()
    assert (usb / "cifar-10-python.tar.gz").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_terminated_pack_removes_its_partial(tmp_path):
    import signal

    source = write_cifar_folder(tmp_path / "src", n_per_batch=2, n_test=2)
    usb = tmp_path / "usb"
    usb.mkdir()
    # A pack made slow by a sitecustomize that sleeps inside each batch's checks.
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(
        "import time, cifar_cnn.data.pack as p\n"
        "_real = p._verified_bytes\n"
        "def _slow(*a):\n    time.sleep(0.5)\n    return _real(*a)\n"
        "p._verified_bytes = _slow\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(slow), str(ROOT)])}
    proc = subprocess.Popen([sys.executable, "-m", "cifar_cnn", "data", "pack", str(usb), "--data-dir", str(source)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(usb.glob(".*.partial.gz")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(usb.glob(".*.partial.gz")), "the pack never started writing"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert list(usb.iterdir()) == []

"""Hostile archives for tests/hostile_corpus.py: header abuse, bombs, sparse files, and the
inputs of the failing-disk cases (issue 25)."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from cifar_files import make_cifar_archive, write_cifar_folder


# ------------------------------------------------------------------- header abuse

def _archive(folder, *extra, name="cifar-10-python.tar.gz", official=True, fmt=tarfile.GNU_FORMAT):
    good = folder / "good.tar.gz"
    make_cifar_archive(good, n_per_batch=2, n_test=2)
    path = folder / name
    with gzip.open(good, "rb") as src:
        tar_in = tarfile.open(fileobj=io.BytesIO(src.read()))
    with gzip.open(path, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for info, data in extra:
            tar.addfile(info, None if data is None else io.BytesIO(data))
        if official:
            for member in tar_in.getmembers():
                tar.addfile(member, tar_in.extractfile(member) if member.isfile() else None)
    good.unlink()
    return path


def _raw_tar_gz(folder, blocks: bytes, name="cifar-10-python.tar.gz"):
    path = folder / name
    path.write_bytes(gzip.compress(blocks + bytes(1024), 1))
    return path


def _header(name: bytes, size: int, kind: bytes) -> bytes:
    block = bytearray(512)
    block[:len(name)] = name[:100]
    block[100:108] = b"0000644\0"
    block[124:136] = b"%011o\0" % size
    block[136:148] = b"00000000000\0"
    block[156:157] = kind
    block[257:265] = b"ustar  \0"
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _padded(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


def pax_huge(folder, size):
    record = b"path=" + b"a" * (600_000 * size)
    body = b"%d " % (len(record) + 10) + record + b"\n"
    return _raw_tar_gz(folder, _header(b"././@PaxHeader", len(body), b"x") + _padded(body))


def pax_quadratic(folder, size):
    # The 557-byte pattern that made Python 3.11's tarfile run quadratically: many tiny records.
    body = b"".join(b"9 a=1234\n" for _ in range(50 * size))
    return _raw_tar_gz(folder, _header(b"././@PaxHeader", len(body), b"x") + _padded(body)
                       + _header(b"x", 0, b"0"))


def pax_repeated(folder, size):
    body = b"12 path=abc\n"
    one = _header(b"././@PaxHeader", len(body), b"x") + _padded(body)
    return _raw_tar_gz(folder, one * (3 * size) + _header(b"x", 0, b"0"))


def gnu_long_name(folder, size):
    name = b"n" * (700_000 * size)
    return _raw_tar_gz(folder, _header(b"././@LongLink", len(name), b"L") + _padded(name) + _header(b"x", 0, b"0"))


def global_pax(folder, size):
    body = b"20 comment=" + b"c" * 8 + b"\n"
    return _raw_tar_gz(folder, _header(b"pax_global_header", len(body), b"g") + _padded(body)
                       + _header(b"x", 0, b"0") * (700 * size))


def many_members(folder, size):
    return _raw_tar_gz(folder, _header(b"x", 0, b"0") * (20_000 * size))


def inflate_bomb(folder, size):
    # Members of 60 MB of zeros: within each member's cap, over the whole archive's.
    path = folder / "cifar-10-python.tar.gz"
    zeros = bytes(1 << 20)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1) as gz:
        for i in range(8):  # the cap is fixed: a larger size would only cost time here
            gz.write(_header(b"cifar-10-batches-py/x%d" % i, 60 << 20, b"0"))
            for _ in range(60):
                gz.write(zeros)
        gz.write(bytes(1024))
    return path


def sparse_archive(folder, size):
    path = folder / "cifar-10-python.tar.gz"
    with open(path, "wb") as f:
        f.truncate(100 * 10**9)
    return path


def sparse_sha256(folder, size):
    path = _archive(folder)
    with open(path.with_name(path.name + ".sha256"), "wb") as f:
        f.write(b"0" * 64)
        f.truncate(1_500_000_000)
    return path


def climbing_member(folder, size):
    info = tarfile.TarInfo("../../evil")
    info.size = 4
    return _archive(folder, (info, b"evil"), official=False)


# ------------------------------------------------------------- full disks, size limits

FSIZE = """
import resource, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3_000, 3_000))  # the tiny batches are 6 kB
"""


def archive_for_install(folder, size):
    path = _archive(folder)
    (folder / "home").mkdir()
    return path


def data_folder(folder, size):
    return write_cifar_folder(folder, n_per_batch=4, n_test=4)

"""Read a ``cifar-10-python.tar.gz`` with a budget for every dimension, without ``tarfile``.

``tarfile`` trusts the headers it parses: a pax header of a few hundred bytes made
Python 3.11's parser run for minutes, a GNU long name of hundreds of megabytes was
read whole (and printed), and a global pax header was copied into every member.  The
official archive needs none of that: nine plain members with short names.  So the
archive is read here, 512-byte header by header, from a gzip stream inflated in
bounded chunks, and anything outside that budget is refused when its header is seen:

* the inflated stream at most ``MAX_INFLATED`` bytes, each member at most
  ``MAX_MEMBER_BYTES``, at most ``MAX_MEMBERS`` members;
* extended headers (pax ``x``, GNU ``L``/``K``) at most ``MAX_EXT_HEADER`` bytes and
  one per member; global pax headers, links, devices and sparse files never.

:func:`scan` makes one pass and hands each wanted member's bytes to a check;
:func:`extract` makes a second pass that writes them, and only after the first has
accepted the whole archive (including gzip's own CRC at its end).
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from .errors import InvalidFile
from .text import shown

__all__ = [
    "BLOCK", "CHUNK", "MAX_INFLATED", "MAX_MEMBER_BYTES", "MAX_MEMBERS", "MAX_EXT_HEADER",
    "MAX_NAME", "MAX_ARCHIVE_BYTES", "Member", "scan", "extract",
]

BLOCK = 512
CHUNK = 1 << 20
# The real archive inflates to about 187 MB (six 31 MB batches); a re-pickled batch may
# reach 64 MiB (batches.MAX_BATCH_BYTES), so seven of those bound any honest copy.
MAX_INFLATED = 7 * 64 * 2**20
MAX_MEMBER_BYTES = 64 * 2**20 + BLOCK
MAX_MEMBERS = 32  # the real archive has 9
MAX_EXT_HEADER = 1024  # a pax record or GNU long name for a path of a few hundred characters
MAX_NAME = 256
MAX_ARCHIVE_BYTES = 512 * 2**20  # the real archive is 170 MB; compressed data never grows much


@dataclass
class Member:
    name: str
    offset: int  # of its data in the inflated stream
    size: int
    sha256: str = ""


class _Stream:
    """The inflated bytes of a gzip (or plain tar) file, read with a running total and a cap."""

    def __init__(self, path: Path):
        self.raw = open(path, "rb")
        magic = self.raw.read(2)
        self.raw.seek(0)
        if magic == b"\x1f\x8b":
            self.file = gzip.GzipFile(fileobj=self.raw)
        elif magic in (b"BZ", b"\xfd7"):
            self.raw.close()
            raise InvalidFile("is compressed with bzip2 or xz; the CIFAR-10 archive is a .tar.gz")
        else:
            self.file = self.raw
        self.position = 0

    def read(self, n: int) -> bytes:
        if self.position + n > MAX_INFLATED:
            raise InvalidFile(
                f"inflates to more than {MAX_INFLATED:,} bytes, far more than the CIFAR-10 archive "
                "(about 187 MB): it is not the CIFAR-10 archive"
            )
        data = self.file.read(n)
        self.position += len(data)
        return data

    def exactly(self, n: int) -> bytes:
        data = self.read(n)
        if len(data) != n:
            raise InvalidFile("is truncated or corrupt (it ends inside a member)")
        return data

    def skip(self, n: int, sink: Callable[[bytes], None] | None = None) -> None:
        while n:
            chunk = self.exactly(min(n, CHUNK))
            if sink:
                sink(chunk)
            n -= len(chunk)

    def drain(self) -> None:
        """Read to the end, so gzip checks its CRC and length (still under the cap)."""
        while self.read(CHUNK):
            pass

    def close(self) -> None:
        self.file.close()
        self.raw.close()


def _number(field: bytes) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # GNU base-256, used for sizes over 8 GB
        raise InvalidFile("has a member larger than 8 GB: it is not the CIFAR-10 archive")
    text = field.split(b"\0", 1)[0].strip(b" \0")
    if not text:
        return 0
    if len(text) > 12 or any(c not in b"01234567" for c in text):
        raise InvalidFile("is corrupt (a tar header with a damaged number)")
    return int(text, 8)


def _verify_header(block: bytes) -> None:
    stored = _number(block[148:156])
    if stored != sum(block[:148]) + 8 * 32 + sum(block[156:]):
        raise InvalidFile("is corrupt (a tar header whose checksum does not match)")


def _pax_path(data: bytes) -> str | None:
    """The ``path`` record of a (small, size-capped) pax header; refuse records that change sizes."""
    path, rest = None, data
    while rest.strip(b"\0"):
        length_text, _, _ = rest.partition(b" ")
        if not length_text.isdigit() or len(length_text) > 4:
            raise InvalidFile("is corrupt (a damaged pax header)")
        length = int(length_text)
        record, rest = rest[:length], rest[length:]
        if length < 5 or len(record) != length or not record.endswith(b"\n") or b"=" not in record:
            raise InvalidFile("is corrupt (a damaged pax header)")
        key, _, value = record[len(length_text) + 1:-1].partition(b"=")
        if key == b"path":
            path = value.decode("utf-8", "replace")
        elif key in (b"size", b"GNU.sparse.size", b"GNU.sparse.map", b"linkpath") or key.startswith(b"GNU.sparse"):
            raise InvalidFile(f"has a pax header that sets {shown(key, 20)}, which the CIFAR-10 archive never does")
    return path


def _why_unsafe(name: str) -> str | None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts or ".." in name.split("\\"):
        return "a path that climbs out of the folder ('..')"
    return None


def scan(path: Path, wanted: Callable[[str], bool], check: Callable[[str, bytes], None]) -> tuple[list[Member], set]:
    """One bounded pass over the archive: every header checked, each wanted member's bytes given
    to ``check(name, data)``.  Returns the wanted members (name, offset, size, SHA-256) and the
    top-level names seen.  Raises InvalidFile for anything outside the budget."""
    stream = _Stream(path)
    members: list[Member] = []
    top: set = set()
    count = 0
    try:
        long_name = None
        while True:
            block = stream.read(BLOCK)
            if len(block) < BLOCK:
                raise InvalidFile("is truncated or corrupt (it ends without the tar end marker)")
            if block == bytes(BLOCK):
                break
            _verify_header(block)
            kind = block[156:157]
            size = _number(block[124:136])
            count += 1
            if count > MAX_MEMBERS * 2:
                raise InvalidFile(f"has over {MAX_MEMBERS} members; the CIFAR-10 archive has 9")
            if kind in (b"x", b"L", b"K"):
                if long_name is not None:
                    raise InvalidFile("has two extended headers for one member, which the CIFAR-10 archive never has")
                if size > MAX_EXT_HEADER:
                    raise InvalidFile(
                        f"has an extended tar header of {size:,} bytes (at most {MAX_EXT_HEADER:,}): "
                        "it is not the CIFAR-10 archive"
                    )
                data = stream.exactly(size)
                stream.skip(-size % BLOCK)
                if kind == b"L":
                    long_name = data.split(b"\0", 1)[0].decode("utf-8", "replace")
                elif kind == b"x":
                    long_name = _pax_path(data) or ""
                else:
                    long_name = ""  # K: a long link name; the member is refused below as a link
                continue
            if kind == b"g":
                raise InvalidFile("has a global pax header, which the CIFAR-10 archive never has")
            name = long_name or block[:100].split(b"\0", 1)[0].decode("utf-8", "replace")
            if block[257:262] == b"ustar" and block[345:500].strip(b"\0") and not long_name:
                name = block[345:500].split(b"\0", 1)[0].decode("utf-8", "replace") + "/" + name
            long_name = None
            if len(name) > MAX_NAME:
                raise InvalidFile(f"has a member name of {len(name):,} characters: it is not the CIFAR-10 archive")
            if len(members) >= MAX_MEMBERS or count > MAX_MEMBERS * 2:
                raise InvalidFile(f"has over {MAX_MEMBERS} members; the CIFAR-10 archive has 9")
            reason = _why_unsafe(name)
            if kind in (b"1", b"2"):
                reason = "a link"
            elif kind not in (b"0", b"\0", b"5", b"7"):
                reason = "a device, sparse or other special file"
            if reason:
                raise InvalidFile(
                    f"holds a member {shown(name)} with {reason}. The official CIFAR-10 archive has none: "
                    "this file was tampered with and nothing was extracted"
                )
            top.update(PurePosixPath(name).parts[:1])
            if size > MAX_MEMBER_BYTES:
                raise InvalidFile(
                    f"holds a member {shown(name)} of {size:,} bytes, far larger than any CIFAR-10 file: "
                    "it is not the CIFAR-10 archive"
                )
            if kind in (b"0", b"\0", b"7") and wanted(name):
                if any(m.name == name for m in members):
                    raise InvalidFile(f"lists {shown(name)} twice: it is not the official CIFAR-10 archive")
                offset = stream.position
                data = stream.exactly(size)
                check(name, data)
                members.append(Member(name, offset, size, hashlib.sha256(data).hexdigest()))
                del data
            else:
                stream.skip(size)
            stream.skip(-size % BLOCK)
        stream.drain()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise InvalidFile(f"is truncated or corrupt ({type(e).__name__}: {shown(str(e), 80)[1:-1]})") from None
    except OSError as e:
        raise InvalidFile(f"cannot be read ({shown(e.strerror or str(e), 80)[1:-1]})") from None
    finally:
        stream.close()
    return members, top


def extract(path: Path, members: list[Member], target: Callable[[str], Path]) -> None:
    """Second pass: write each member scanned by :func:`scan` to ``target(name)``.

    The bytes must hash as they did in the first pass (the archive did not change).
    OSError (a full disk, a file-size limit) is the caller's to report.
    """
    stream = _Stream(path)
    try:
        for member in sorted(members, key=lambda m: m.offset):
            stream.skip(member.offset - stream.position)
            digest = hashlib.sha256()
            with open(target(member.name), "xb") as out:
                def write(chunk, out=out):
                    digest.update(chunk)
                    out.write(chunk)
                stream.skip(member.size, write)
            if digest.hexdigest() != member.sha256:
                raise InvalidFile("changed while it was being installed")
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise InvalidFile(f"is truncated or corrupt ({type(e).__name__})") from None
    finally:
        stream.close()

"""Fuzzing the batch reader: crafted pickles never crash, hang or eat memory.

Small batches in the real file format (tests/cifar_files.py) are mutated at the
pickle-opcode level: GLOBAL / STACK_GLOBAL / REDUCE / BUILD inserted, length
fields changed, dtype names and flags swapped, memo indices and shapes blown up,
truncations and flipped bytes.  Each case is read by ``read_batch`` in a child
process with a memory cap (``RLIMIT_AS``, measured baseline + MEMORY_CAP) and a
timeout.  A signal (a crash), a timeout, a ``MemoryError``, any exception other
than the package's own ``DataError`` naming the file, or anything numpy prints on
stderr fails the test.

Cases run in batches, many per child, so the normal run takes a few seconds.
A longer campaign:  ``CIFAR_CNN_FUZZ_CASES=5000 python -m pytest tests/test_fuzz_batches.py``
(``CIFAR_CNN_FUZZ_SEED`` picks another random sequence).
"""

from __future__ import annotations

import json
import os
import pickle
import pickletools
import random
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cifar_files import dumps_like_original

resource = pytest.importorskip("resource")  # RLIMIT_AS: Linux and macOS
if not Path("/proc/self/status").exists():
    pytest.skip("the memory cap is measured from /proc (Linux)", allow_module_level=True)

N_CASES = int(os.environ.get("CIFAR_CNN_FUZZ_CASES", "300"))
SEED = int(os.environ.get("CIFAR_CNN_FUZZ_SEED", "0"))
CASES_PER_CHILD = 250
MEMORY_CAP = 1536 * 2**20  # beyond the child's own size after importing the package
TIMEOUT_PER_CASE = 2.0  # seconds, generous: a case takes milliseconds

# --------------------------------------------------------------- the child

WORKER = r"""
import json, os, resource, sys, traceback
from pathlib import Path

from cifar_cnn.data import DataError, read_batch

assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "the data path imported TensorFlow"

def vm_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024

cap = vm_bytes() + int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
folder = Path(sys.argv[1])
for case in sorted(folder.glob("case_*"), key=lambda p: int(p.name[5:])):
    print("start", case.name, flush=True)
    target = case / "cifar-10-batches-py" / "data_batch_1"
    try:
        images, labels = read_batch(target)
        result = {"case": case.name, "result": "read", "n": len(labels)}
        assert images.dtype.name == "uint8" and labels.dtype.name == "int64"
        assert images.shape[1:] == (32, 32, 3) and images.dtype.flags == 0 and not images.dtype.hasobject
    except DataError as e:
        text = str(e)
        ok = text.startswith(f"CIFAR-10 file {target} ") and "\nTo fix it: " in text and text.count("\n") == 1
        result = {"case": case.name, "result": "refused" if ok else "bad message", "detail": text[:300]}
    except BaseException:
        result = {"case": case.name, "result": "exception", "detail": traceback.format_exc()[-1500:]}
    print(json.dumps(result), flush=True)
print("done", flush=True)
"""

# ------------------------------------------------------------ the mutants

RNG_ROWS = np.random.default_rng(11).integers(0, 256, size=(2, 3072), dtype=np.uint8)
END_OF_DTYPE_STATE = b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t"


def seeds() -> list[bytes]:
    """Valid batches in every form the reader accepts: the originals' and Python 3's."""
    base = {b"batch_label": b"training batch 1 of 5", b"data": RNG_ROWS, b"filenames": [b"a.png", b"b.png"]}
    out = []
    for labels in ([3, 7], np.array([3, 7], dtype=np.int64), np.array([3, 7], dtype=np.uint8)):
        batch = {**base, b"labels": labels}
        out.append(dumps_like_original(batch))
        out += [pickle.dumps(batch, protocol=p) for p in (2, 4, 5)]
    return out


def ops(blob: bytes):
    """(name, arg, start, end) of each opcode; stops quietly where the pickle breaks."""
    found = []
    try:
        for op, arg, pos in pickletools.genops(blob):
            found.append([op.name, arg, pos, None])
    except Exception:
        pass
    for this, following in zip(found, found[1:]):
        this[3] = following[2]
    if found:
        found[-1][3] = found[-1][2] + 1
    return found


def global_op(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def stack_global(module: str, name: str) -> bytes:
    def unicode(text):
        data = text.encode()
        return b"\x8c" + bytes([len(data)]) + data

    return unicode(module) + unicode(name) + b"\x93"


INSERTS = [
    global_op("numpy", "dtype"), global_op("numpy", "ndarray"), global_op("os", "system"),
    global_op("builtins", "eval"), global_op("numpy.core.multiarray", "_reconstruct"),
    global_op("numpy._core.multiarray", "scalar"), global_op("builtins", "bytes"),
    global_op("_codecs", "encode"), stack_global("numpy", "dtype"), stack_global("posix", "system"),
    stack_global("numpy._core.numeric", "_frombuffer"),
    b"R", b"b", b"R" * 3, b"b" * 3, b"0", b"2", b"(", b"t", b"N", b"}", b"]", b")",
    b"U\x02O8", b"U\x02u1", b"K\x01", b"J\xff\xff\xff\x7f", b"r\xff\xff\xff\x7f", b"q\xff",
    b"h\x00", b"j\xff\xff\xff\x00", b"\x95" + struct.pack("<Q", 2**40), b"\x94", b"\x97", b"\x98",
    b"X\xff\xff\xff\x7f", b"T\x00\x00\x00\x80", b"B\xff\xff\xff\x7f",
    b"\x8e" + struct.pack("<Q", 2**62), b"\x96" + struct.pack("<Q", 2**40),
    b"I999999999999\n", b"p99999999999\n", b"L" + b"9" * 5000 + b"L\n",
    b"\x8a\xff" + b"\x7f" * 255, b"\x8b\x00\x00\x10\x00",
    b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x3ftb",
    b"(K\x01(J\xff\xff\xff\x7fJ\xff\xff\xff\x7ftcnumpy\ndtype\nU\x02u1K\x00K\x01\x87R\x89U\x00tb",
]
DTYPE_NAMES = [b"u1", b"i1", b"u2", b"i8", b"u8", b"f4", b"f8", b"b1", b"O8", b"V8", b"S8", b"U2",
               b"c16", b"M8", b"O4", b"i", b"V3072", b"|u1", b">u1", b"u1\x00", b"\xff\xfe"]
LENGTH_OPS = {"BINSTRING": ("<i", 4), "BINBYTES": ("<I", 4), "BINUNICODE": ("<I", 4),
              "SHORT_BINSTRING": ("<B", 1), "SHORT_BINBYTES": ("<B", 1),
              "SHORT_BINUNICODE": ("<B", 1), "BINUNICODE8": ("<Q", 8), "BINBYTES8": ("<Q", 8),
              "BYTEARRAY8": ("<Q", 8), "FRAME": ("<Q", 8)}
INT_OPS = {"BININT1": ("<B", 1), "BININT2": ("<H", 2), "BININT": ("<i", 4),
           "BINPUT": ("<B", 1), "LONG_BINPUT": ("<I", 4), "BINGET": ("<B", 1), "LONG_BINGET": ("<I", 4)}


def interesting(fmt: str, rng: random.Random) -> int:
    bits = {"<B": 8, "<H": 16, "<i": 31, "<I": 32, "<Q": 64}[fmt]
    top = 2**bits - 1
    value = rng.choice([0, 1, 2, 3, 255, 256, 3071, 3072, 3073, 6144, 10_000, 2**16 - 1, 2**24,
                        2**31 - 1, top, top - 1, rng.randrange(top + 1)])
    return min(value, top) if fmt != "<i" else min(value, 2**31 - 1) * rng.choice([1, -1])


def mutate(blob: bytes, rng: random.Random) -> bytes:
    """One to three opcode-level mutations of `blob`."""
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        found = ops(blob)
        kind = rng.choice(["insert", "insert", "length", "int", "dtype", "flags", "truncate",
                           "flip", "duplicate", "delete", "state", "list", "list", "flags"])
        if kind == "insert" or not found:
            at = rng.choice([f[2] for f in found]) if found else rng.randrange(len(blob) + 1)
            blob = blob[:at] + rng.choice(INSERTS) + blob[at:]
        elif kind == "length":
            candidates = [f for f in found if f[0] in LENGTH_OPS]
            if candidates:
                name, _, start, _ = rng.choice(candidates)
                fmt, size = LENGTH_OPS[name]
                value = interesting(fmt, rng)
                blob = blob[:start + 1] + struct.pack(fmt, value) + blob[start + 1 + size:]
        elif kind == "int":
            candidates = [f for f in found if f[0] in INT_OPS]
            if candidates:
                name, _, start, _ = rng.choice(candidates)
                fmt, size = INT_OPS[name]
                blob = blob[:start + 1] + struct.pack(fmt, interesting(fmt, rng)) + blob[start + 1 + size:]
        elif kind == "dtype":
            for old in (b"U\x02u1", b"U\x02i8", b"\x8c\x02u1", b"\x8c\x02i8", b"X\x02\x00\x00\x00u1",
                        b"X\x02\x00\x00\x00i8"):
                if old in blob:
                    new = rng.choice(DTYPE_NAMES)
                    blob = blob.replace(old, old[:-3] + bytes([len(new)]) + new if old[0] in b"U\x8c"
                                        else b"X" + struct.pack("<I", len(new)) + new, 1)
                    break
        elif kind == "flags":
            if END_OF_DTYPE_STATE in blob:
                flags = rng.choice([1, 2, 3, 4, 8, 16, 32, 63, 64, 127, 128, 255, rng.randrange(256)])
                where = rng.choice([blob.index(END_OF_DTYPE_STATE), blob.rindex(END_OF_DTYPE_STATE)])
                blob = blob[:where] + END_OF_DTYPE_STATE[:-2] + bytes([flags]) + b"t" + blob[where + 13:]
            else:  # Python 3 pickles write the state with BININT1 before TUPLE / MARK... t
                at = blob.find(b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00")
                if at >= 0:
                    blob = blob[:at + 11] + bytes([rng.randrange(1, 256)]) + blob[at + 12:]
        elif kind == "truncate":
            blob = blob[: rng.randrange(len(blob))]
        elif kind == "flip":
            blob = bytearray(blob)
            for _ in range(rng.randint(1, 4)):
                blob[rng.randrange(len(blob))] ^= rng.randrange(1, 256)
            blob = bytes(blob)
        elif kind == "duplicate":
            first = rng.randrange(len(found))
            last = min(len(found) - 1, first + rng.randint(0, 6))
            piece = blob[found[first][2]:found[last][3]]
            blob = blob[:found[last][3]] + piece * rng.randint(1, 3) + blob[found[last][3]:]
        elif kind == "delete":
            victim = rng.choice(found)
            blob = blob[:victim[2]] + blob[victim[3]:]
        elif kind == "list":
            # numpy's "list pickle" dtype flag (2) makes it fill the array from a list in
            # the file, without checking the list's length: the crash of issue #15.
            at = blob.find(END_OF_DTYPE_STATE)
            raw = [f for f in found if f[0] in ("BINSTRING", "BINBYTES", "SHORT_BINBYTES")
                   and isinstance(f[1], (str, bytes)) and len(f[1]) >= 3072]
            if at >= 0 and raw:
                flags = rng.choice([2, 3, 10, 63, 2 | rng.randrange(256)])
                items = b"K\x07" * rng.choice([0, 1, 5])
                _, _, start, end = raw[0]
                blob = (blob[:at] + END_OF_DTYPE_STATE[:-2] + bytes([flags]) + b"t"
                        + blob[at + 13:start] + b"](" + items + b"e" + blob[end:])
        elif kind == "state":  # swap the array's raw bytes for a list, a number or nothing
            at = blob.find(b"\x89")  # NEWFALSE: is_fortran, just before the raw bytes
            if at >= 0:
                blob = blob[:at + 1] + rng.choice([b"]K\x07K\x07a", b"N", b"K\x00", b"\x88", b"}"]) + blob[at + 1:]
    return blob


def make_cases(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    base = seeds()
    return [mutate(rng.choice(base), rng) for _ in range(n)]


# ------------------------------------------------------------ the campaign


def run_cases(cases: list[bytes], workdir: Path) -> dict:
    """Run every case; return counts and a list of failures (empty when all is well)."""
    counts = {"read": 0, "refused": 0}
    failures = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                         os.environ.get("PYTHONPATH", "")])}
    for start in range(0, len(cases), CASES_PER_CHILD):
        chunk = cases[start:start + CASES_PER_CHILD]
        folder = workdir / f"chunk_{start}"
        for i, blob in enumerate(chunk, start):
            batch = folder / f"case_{i}" / "cifar-10-batches-py"
            batch.mkdir(parents=True)
            (batch / "data_batch_1").write_bytes(blob)
        try:
            proc = subprocess.run([sys.executable, "-c", WORKER, str(folder), str(MEMORY_CAP)],
                                  capture_output=True, text=True, env=env, cwd=folder,
                                  timeout=10 + TIMEOUT_PER_CASE * len(chunk))
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            started = [line for line in out.splitlines() if line.startswith("start ")]
            failures.append(f"timeout in {started[-1] if started else 'start-up'} of {folder}")
            continue
        lines = proc.stdout.splitlines()
        for line in lines:
            if line.startswith("{"):
                result = json.loads(line)
                if result["result"] in counts:
                    counts[result["result"]] += 1
                else:
                    failures.append(f"{folder}/{result['case']}: {result['result']}: {result['detail']}")
        if proc.returncode != 0 or lines[-1:] != ["done"]:
            started = [line for line in lines if line.startswith("start ")]
            failures.append(f"child ended with code {proc.returncode} in "
                            f"{started[-1] if started else 'start-up'} of {folder}: {proc.stderr[-800:]}")
        elif proc.stderr.strip():
            failures.append(f"child wrote to stderr in {folder}: {proc.stderr[-800:]}")
    return {"cases": len(cases), **counts, "failures": failures}


def test_mutated_batches_never_crash_hang_or_exhaust_memory(tmp_path):
    report = run_cases(make_cases(N_CASES, SEED), tmp_path)
    print(json.dumps({k: v for k, v in report.items() if k != "failures"}))
    assert not report["failures"], "\n".join(report["failures"][:10])
    assert report["read"] + report["refused"] == N_CASES
    assert report["refused"] > N_CASES // 2  # the mutations really damage the files


def test_the_seeds_are_valid_batches(tmp_path):
    # Otherwise the campaign would only ever test refusals of broken seeds.
    report = run_cases(seeds(), tmp_path)
    assert not report["failures"], report["failures"]
    assert report["read"] == len(seeds())


def test_the_harness_sees_a_crash(tmp_path):
    # A child killed by a signal must fail the campaign: check the harness itself.
    global WORKER
    saved = WORKER
    WORKER = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    try:
        report = run_cases(seeds()[:1], tmp_path)
    finally:
        WORKER = saved
    assert report["failures"] and "code -11" in report["failures"][0]

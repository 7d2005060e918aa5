"""A generator of hostile inputs, by class (issue 25): well-formed but hostile structures,
resource amplification, declared-vs-actual sizes, archive header abuse, failing disks,
hostile strings, boolean-flag abuse and command-line abuse.

Each case is ``Case(name, klass, make, code, imports)``: ``make(folder, size)`` writes the
input into ``folder`` and returns the path the child should name; ``code`` is Python run in
a child process (see ``CHILD``) with ``path`` bound to that path.  ``size`` scales the case
(the normal suite uses ``SMALL``; ``CIFAR_CNN_HOSTILE_SIZE=large`` the ``LARGE`` one).
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from cifar_files import dumps_like_original, write_cifar_folder
from hostile_archives import (  # noqa: F401
    FSIZE, archive_for_install, climbing_member, data_folder, global_pax, gnu_long_name, inflate_bomb,
    many_members, pax_huge, pax_quadratic, pax_repeated, sparse_archive, sparse_sha256,
)

SMALL, LARGE = 1, 20
ESC = "\x1b[2J\x1b[HProblem: none, all good"  # clears the screen and fakes a line


@dataclass(frozen=True)
class Case:
    name: str
    klass: str
    make: Callable[[Path, int], Path]
    code: str
    imports: str = "from cifar_cnn.data import read_batch"
    kinds: tuple = ("DataError",)
    address_space: bool = True  # RLIMIT_AS; off for children that start TensorFlow


# ------------------------------------------------------------ raw pickle pieces

PROTO = b"\x80\x02"
MARK, STOP, TUPLE1, EMPTY_DICT, EMPTY_LIST = b"(", b".", b"\x85", b"}", b"]"
SETITEMS, APPENDS, APPEND, REDUCE, BUILD = b"u", b"e", b"a", b"R", b"b"


def short(text: bytes) -> bytes:  # SHORT_BINSTRING
    return b"U" + bytes([len(text)]) + text


def binstring(data: bytes) -> bytes:
    return b"T" + struct.pack("<i", len(data)) + data


def binint(n: int) -> bytes:
    return b"J" + struct.pack("<i", n)


def put(i: int) -> bytes:  # LONG_BINPUT
    return b"r" + struct.pack("<I", i)


def get(i: int) -> bytes:  # LONG_BINGET
    return b"j" + struct.pack("<I", i)


def one_dict(*items: bytes) -> bytes:
    return PROTO + EMPTY_DICT + MARK + b"".join(items) + SETITEMS + STOP


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def valid_batch(n: int = 2, **changes) -> dict:
    rows = np.random.default_rng(0).integers(0, 256, size=(n, 3072), dtype=np.uint8)
    batch = {b"batch_label": b"training batch 1 of 5", b"labels": [i % 10 for i in range(n)],
             b"data": rows, b"filenames": [b"a.png"] * n}
    batch.update(changes)
    return batch


# ------------------------------------------------------ deep and colliding structures

def deep_tuple(folder, size):
    depth = 30_000 * size
    nest = binint(1) + TUPLE1 * depth
    return write(folder, "data_batch_1", one_dict(short(b"labels"), nest))


def deep_tuple_key(folder, size):
    nest = binint(1) + TUPLE1 * (30_000 * size)
    return write(folder, "data_batch_1", one_dict(nest, short(b"x")))


def colliding_keys(folder, size):
    # Integers that hash alike (multiples of 2**61 - 1 in CPython) as dict keys.
    keys = b"".join(b"\x8a\x10" + ((2**61 - 1) * i).to_bytes(16, "little") + binint(0)
                    for i in range(1, 2_000 * size))
    keys += b"".join(binint(-1 - (i % 2)) + binint(0) for i in range(2_000 * size))  # hash(-1) == hash(-2)
    return write(folder, "data_batch_1", one_dict(keys))


def nested_lists(folder, size):
    body = EMPTY_LIST * (50 * size) + (APPEND * (50 * size - 1))
    return write(folder, "data_batch_1", one_dict(short(b"labels"), body))


def self_containing_list(folder, size):
    body = EMPTY_LIST + put(1) + get(1) + APPEND
    return write(folder, "data_batch_1", one_dict(short(b"labels"), body))


def deep_marks(folder, size):
    return write(folder, "data_batch_1", PROTO + EMPTY_DICT + MARK * (10_000 * size) + STOP)


# ------------------------------------------------------------------ amplification

def codec_reuse(folder, size):
    # Short enough for a list item, re-encoded thousands of times: far more output than input.
    text = "x" * 1000
    encoded = text.encode("utf-8")
    first = b"c_codecs\nencode\n" + put(1) + b"X" + struct.pack("<I", len(encoded)) + encoded + put(2)
    first += b"X\x06\x00\x00\x00latin1" + put(3) + b"\x86" + REDUCE
    again = get(1) + get(2) + get(3) + b"\x86" + REDUCE + APPEND
    body = EMPTY_LIST + MARK + first + APPENDS + again * min(400 * size, 9_000)
    return write(folder, "data_batch_1", one_dict(short(b"filenames"), body))


def build_rebinds_globals(folder, size):
    # BUILD with a dict state on the ndarray global itself (the old reader's token).
    body = b"cnumpy\nndarray\n" + EMPTY_DICT + short(b"__class__") + short(b"x") + b"s" + BUILD
    return write(folder, "data_batch_1", one_dict(short(b"data"), body))


def memo_index_huge(folder, size):
    return write(folder, "data_batch_1", PROTO + EMPTY_DICT + put(2**31) + STOP)


def many_opcodes(folder, size):
    return write(folder, "data_batch_1", PROTO + EMPTY_DICT + b"N0" * (600_000 * size) + STOP)


def huge_int_label(folder, size):
    digits = b"\x8b" + struct.pack("<i", 2_100 * size) + b"\x07" * (2_100 * size)  # LONG4
    return write(folder, "data_batch_1", one_dict(short(b"labels"), EMPTY_LIST + digits + APPEND))


# ---------------------------------------------------------- declared vs actual sizes

def shape_without_bytes(folder, size):
    # (2**40, 2**40, 0) elements from 0 bytes.
    blob = dumps_like_original(valid_batch(1, data=np.zeros((1, 1, 0), np.uint8)))
    old = b"K\x01K\x01K\x00\x87"
    assert old in blob
    new = b"\x8a\x06" + (2**40).to_bytes(6, "little") + b"\x8a\x06" + (2**40).to_bytes(6, "little") + b"K\x00\x87"
    return write(folder, "data_batch_1", blob.replace(old, new, 1))


def shape_larger_than_bytes(folder, size):
    blob = dumps_like_original(valid_batch(1))
    old = b"K\x01M\x00\x0c\x86"
    assert old in blob
    return write(folder, "data_batch_1", blob.replace(old, b"M\x10'M\x00\x0c\x86", 1))


def sparse_batch(folder, size):
    path = folder / "data_batch_1"
    with open(path, "wb") as f:
        f.truncate(6 * 10**9 * size)
    return path


def _keras_file(folder, config, weights=b"\x89HDF\r\n\x1a\n" + bytes(1000), name="model.keras", members=None):
    path = folder / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        z.writestr("config.json", config if isinstance(config, (bytes, str)) else json.dumps(config))
        z.writestr("model.weights.h5", weights)
        for i in range(members or 0):
            z.writestr(f"x{i}", b"")
    return path


def _dense_config(units, inputs):
    layer = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": units},
             "build_config": {"input_shape": [None, inputs]}}
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "seq", "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                                   "config": {"batch_shape": [None, inputs]}}, layer]},
            "build_config": {"input_shape": [None, inputs]}}


def model_declares_big_weights(folder, size):
    return _keras_file(folder, _dense_config(8000 * size, 8000))


def model_declares_big_recurrent_layer(folder, size):
    config = _dense_config(8000 * size, 8000)
    layer = config["config"]["layers"][1]
    layer["class_name"], layer["build_config"]["input_shape"] = "LSTM", [None, 4, 8000]
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 4, 8000]
    return _keras_file(folder, config)


def model_declares_over_cap(folder, size):
    return _keras_file(folder, _dense_config(16_000 * size, 16_000))


def model_many_members(folder, size):
    return _keras_file(folder, _dense_config(2, 2), members=200 * size)


def model_quadratic_json(folder, size):
    return _keras_file(folder, b'["' + b'\\"' * (100_000 * size))


def model_deep_json(folder, size):
    return _keras_file(folder, b"[" * (100_000 * size) + b"]" * (100_000 * size))


def model_bad_deflate(folder, size):
    path = _keras_file(folder, _dense_config(2, 2))
    blob = bytearray(path.read_bytes())
    at = blob.index(b"config.json") + len(b"config.json")
    # Turn the stored config into a "deflated" one: zlib meets bytes that are not deflate.
    header = blob.rindex(b"PK\x03\x04", 0, at)
    blob[header + 8:header + 10] = struct.pack("<H", zipfile.ZIP_DEFLATED)
    for c in _all(blob, b"PK\x01\x02"):
        name_len = struct.unpack("<H", blob[c + 28:c + 30])[0]
        if blob[c + 46:c + 46 + name_len] == b"config.json":
            blob[c + 10:c + 12] = struct.pack("<H", zipfile.ZIP_DEFLATED)
    path.write_bytes(bytes(blob))
    return path


def _all(blob, needle):
    at = blob.find(needle)
    while at >= 0:
        yield at
        at = blob.find(needle, at + 1)


# ------------------------------------------------------------------ hostile strings

def meta_with_escapes(folder, size):
    meta = {b"num_cases_per_batch": 2, b"label_names": [n.encode() for n in
            ("airplane", ESC, "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")], b"num_vis": 3072}
    return write(folder, "batches.meta", dumps_like_original(meta))


def key_with_escapes(folder, size):
    return write(folder, "data_batch_1", dumps_like_original({ESC.encode() + b"\0" * 50: 1}))


def huge_class_name(folder, size):
    meta = {b"label_names": [b"n" * 1000] * 10}
    return write(folder, "batches.meta", dumps_like_original(meta))


def folder_named_with_escapes(folder, size):
    bad = folder / ("x" + ESC)
    bad.mkdir()
    return write(bad, "data_batch_1", b"\x80\x02garbage")


def non_utf8_name(folder, size):
    raw = os.fsencode(folder) + b"/\xff\xfe" + b"q" * 200
    os.mkdir(raw)
    path = Path(os.fsdecode(raw)) / "data_batch_1"
    path.write_bytes(b"not a pickle")
    return path


def nul_in_path(folder, size):
    return folder  # the child adds the NUL: argv cannot carry one


def symlink_readme(folder, size):
    data = write_cifar_folder(folder, n_per_batch=2, n_test=2)
    secret = folder / "secret.txt"
    secret.write_text("private key")
    (data / "readme.html").unlink()
    (data / "readme.html").symlink_to(secret)
    (folder / "usb").mkdir()
    return data


def deep_subfolder(folder, size):
    data = write_cifar_folder(folder, n_per_batch=2, n_test=2)
    here = os.getcwd()  # put back afterwards: the tests' relative paths (nbval's) need it
    try:
        os.chdir(os.fsencode(data))
        for _ in range(1_100 * size):
            os.mkdir(b"d")
            os.chdir(b"d")
    finally:
        os.chdir(here)
    return data


def lambda_model(folder, size):
    config = _dense_config(2, 2)
    config["config"]["layers"].append({"module": "keras.layers", "class_name": "Lambda",
                                       "config": {"name": "l", "function": {"class_name": "__lambda__",
                                                                            "config": {"code": "os.system"}}}})
    return _keras_file(folder, config)


def nothing(folder, size):
    return folder


SHARING = "from cifar_cnn.sharing import load_model"
CLI = "from cifar_cnn.cli import main"

CASES = [
    # deep and colliding structures
    Case("deep tuple", "structure", deep_tuple, "read_batch(path)"),
    Case("deep tuple as key", "structure", deep_tuple_key, "read_batch(path)"),
    Case("colliding int keys", "structure", colliding_keys, "read_batch(path)"),
    Case("nested lists", "structure", nested_lists, "read_batch(path)"),
    Case("list containing itself", "structure", self_containing_list, "read_batch(path)"),
    Case("10,000 open marks", "structure", deep_marks, "read_batch(path)"),
    # amplification
    Case("codec call on one memoised string", "amplification", codec_reuse, "read_batch(path)"),
    Case("BUILD on the ndarray global", "amplification", build_rebinds_globals, "read_batch(path)"),
    Case("memo index 2**31", "amplification", memo_index_huge, "read_batch(path)"),
    Case("over a million opcodes", "amplification", many_opcodes, "read_batch(path)"),
    Case("5,000-digit label", "amplification", huge_int_label, "read_batch(path)"),
    # declared vs actual sizes
    Case("shape (2**40, 2**40, 0)", "declared sizes", shape_without_bytes, "read_batch(path)"),
    Case("shape larger than its bytes", "declared sizes", shape_larger_than_bytes, "read_batch(path)"),
    Case("6 GB sparse batch", "declared sizes", sparse_batch, "read_batch(path)"),
    Case("model declaring Dense(8000) with 1 kB of weights", "declared sizes", model_declares_big_weights,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model declaring LSTM(8000) with 1 kB of weights", "declared sizes", model_declares_big_recurrent_layer,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model declaring weights over the cap", "declared sizes", model_declares_over_cap,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model zip with many members", "declared sizes", model_many_members,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model config that made the depth regex quadratic", "declared sizes", model_quadratic_json,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model config nested 100,000 deep", "declared sizes", model_deep_json,
         "load_model(path)", SHARING, ("ModelFileError",)),
    Case("model config that is not deflate data", "declared sizes", model_bad_deflate,
         "load_model(path)", SHARING, ("ModelFileError",)),
    # header abuse (archives), through `data download --from`
    *[Case(name, "headers", make, "sys.exit(main(['data', 'download', '--from', str(path), '--data-home', str(path.parent / 'home')]))",
           CLI, ("cli",))
      for name, make in [("pax header of 600 kB", pax_huge), ("pax records that made tarfile quadratic", pax_quadratic),
                         ("repeated pax headers", pax_repeated), ("GNU long name of 700 kB", gnu_long_name),
                         ("global pax header before 700 members", global_pax), ("20,000 members", many_members),
                         ("archive inflating past the cap", inflate_bomb), ("100 GB sparse archive", sparse_archive),
                         ("1.5 GB sparse .sha256", sparse_sha256), ("member climbing out with ..", climbing_member)]],
    # full disks and file-size limits
    Case("extraction past the file-size limit", "disk", archive_for_install,
         FSIZE + "sys.exit(main(['data', 'download', '--from', str(path), '--data-home', str(path.parent / 'home')]))",
         CLI, ("cli",)),
    Case("pack past the file-size limit", "disk", data_folder,
         FSIZE + "sys.exit(main(['data', 'pack', str(path.parent / 'out.tar.gz'), '--data-dir', str(path)]))",
         CLI, ("cli",)),
    # hostile strings
    Case("class name with terminal escapes", "strings", meta_with_escapes,
         "from cifar_cnn.data import read_class_names; read_class_names(path)"),
    Case("dict key with escapes and NULs", "strings", key_with_escapes, "read_batch(path)"),
    Case("1,000-character class names", "strings", huge_class_name,
         "from cifar_cnn.data import read_class_names; read_class_names(path)"),
    Case("folder name with terminal escapes", "strings", folder_named_with_escapes, "read_batch(path)"),
    Case("non-UTF-8 folder name", "strings", non_utf8_name, "read_batch(path)"),
    Case("NUL in the path", "strings", nul_in_path, "read_batch(path / 'data\\x00batch')"),
    Case("readme.html linking out of the data folder", "strings", symlink_readme,
         "sys.exit(main(['data', 'pack', str(path.parent / 'usb'), '--data-dir', str(path)]))", CLI, ("cli",)),
    Case("1,100-deep subfolder in the data folder", "strings", deep_subfolder,
         "main(['data', 'info', '--data-dir', str(path)]); raise SystemExit(0)", CLI, ("info",)),
    # boolean flags
    Case("trust_code='no'", "flags", lambda_model, "load_model(path, trust_code='no')", SHARING, ("TypeError",)),
    Case("one_hot='yes'", "flags", nothing, "load_cifar10(path, one_hot='yes')",
         "from cifar_cnn.data import load_cifar10", ("TypeError",)),
    Case("download_if_missing='False'", "flags", nothing, "load_cifar10(path, download_if_missing='False')",
         "from cifar_cnn.data import load_cifar10", ("TypeError",)),
    Case("use_bias='False'", "flags", nothing, "dense_params(4, 2, use_bias='False')",
         "from cifar_cnn.arithmetic import dense_params", ("TypeError",)),
    # command-line arguments
    Case("--batch-size over the cap", "cli", nothing, "sys.exit(main(['train', 'intro', '--batch-size', '50000']))",
         CLI, ("cli",)),
    Case("--epochs 10**30", "cli", nothing, "sys.exit(main(['train', 'intro', '--epochs', '1' + '0' * 30]))",
         CLI, ("cli",)),
]

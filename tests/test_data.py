"""Tests of cifar_cnn.data on tiny CIFAR-10 files written in tmp_path.

Nothing here needs the network: downloads are served by an http.server on
127.0.0.1 inside the test.  The real data is used only when the environment
variable CIFAR_CNN_DATA names it (CI does); those tests skip otherwise.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import inspect
import io
import os
import pickle
import re
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cifar_files import (
    CLASS_NAMES,
    cycling_labels,
    dumps_like_original,
    make_cifar_archive,
    planes_to_rows,
    write_batch,
    write_cifar_folder,
)

from cifar_cnn import data
from cifar_cnn.data import archive as archive_module  # private names are patched where used
from cifar_cnn.data import load as load_module
from cifar_cnn.data import (
    CIFAR10,
    DataError,
    DataNotFoundError,
    download_cifar10,
    find_data_dir,
    install_archive,
    load_cifar10,
    load_raw,
    read_batch,
    read_class_names,
    stratified_indices,
    verify,
)

# Read before the autouse fixture below removes it from every test's environment.
REAL_DATA = os.environ.get(data.ENV_VAR)
needs_real_data = pytest.mark.skipif(
    not REAL_DATA, reason=f"set {data.ENV_VAR} to a real cifar-10-batches-py folder"
)

THREE_WAYS = ("data_dir=", "--data-dir", data.ENV_VAR, "cifar-cnn data download")


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


@pytest.fixture
def home(tmp_path) -> Path:
    """The Keras dataset cache that KERAS_HOME points at (not created yet)."""
    return tmp_path / "keras_home" / "datasets"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A complete tiny folder: 5 x 20 training images, 20 test images."""
    return write_cifar_folder(tmp_path / "tiny")


@pytest.fixture
def archive(tmp_path) -> tuple[Path, str]:
    """A tiny cifar-10-python.tar.gz look-alike and its SHA-256."""
    path = tmp_path / "upload" / "cifar-10-python.tar.gz"
    path.parent.mkdir()
    return path, make_cifar_archive(path)


def leftovers(folder: Path) -> list[str]:
    """What is in `folder` (nothing when it does not exist)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def rows(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 3072), dtype=np.uint8)


def image_index(x_all: np.ndarray) -> dict[bytes, int]:
    """Position of each (distinct, random) image in the full training set."""
    return {img.tobytes(): i for i, img in enumerate(x_all)}


def positions(x: np.ndarray, index: dict[bytes, int]) -> list[int]:
    return [index[img.tobytes()] for img in x]


# ------------------------------------------------------------- the module


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


# ------------------------------------------------------------ reading files


def test_read_batch_puts_colour_planes_last(tmp_path):
    # One image whose R, G and B planes are known functions of the pixel position.
    position = np.arange(1024)
    red, green, blue = position % 256, (position // 32) * 7 % 256, np.full(1024, 200)
    row = np.concatenate([red, green, blue]).astype(np.uint8)[None, :]
    images, labels = read_batch(write_batch(tmp_path / "b", row, [3]))
    assert images.shape == (1, 32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist() == [3] and labels.dtype == np.int64
    i, j = 5, 17  # row 5, column 17
    assert images[0, i, j].tolist() == [(i * 32 + j) % 256, i * 7, 200]
    assert images[0, :, :, 0].ravel().tolist() == red.tolist()


def test_read_batch_round_trips_images(tmp_path):
    original = np.random.default_rng(1).integers(0, 256, size=(7, 32, 32, 3), dtype=np.uint8)
    images, labels = read_batch(write_batch(tmp_path / "b", planes_to_rows(original), range(7)))
    np.testing.assert_array_equal(images, original)
    assert labels.tolist() == list(range(7))
    assert images.flags.c_contiguous and images.flags.writeable


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("keys", ["str", "bytes"])
def test_read_batch_accepts_batches_repickled_under_python3(tmp_path, protocol, keys):
    def key(name: str):
        return name.encode() if keys == "bytes" else name

    data_rows = rows(6)
    batch = {
        key("data"): data_rows,
        key("labels"): np.array([0, 1, 2, 3, 4, 9]),
        key("filenames"): [b"a.png"] * 6,
        key("empty"): b"",  # Python 3 pickles b"" as a call to bytes()
    }
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps(batch, protocol=protocol))
    images, labels = read_batch(path)
    np.testing.assert_array_equal(images, data_rows.reshape(6, 3, 32, 32).transpose(0, 2, 3, 1))
    assert labels.tolist() == [0, 1, 2, 3, 4, 9]


def test_read_batch_accepts_labels_as_numpy_scalars(tmp_path):
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps({"data": rows(2), "labels": list(np.array([4, 5]))}, protocol=2))
    assert read_batch(path)[1].tolist() == [4, 5]


def test_read_batch_python3_protocol2_bytes_keys(tmp_path):
    path = write_batch(tmp_path / "b", rows(3), [1, 2, 3], python2_style=False)
    assert read_batch(path)[1].tolist() == [1, 2, 3]


def _batch_bytes(**entries) -> bytes:
    batch = {b"batch_label": b"x", b"data": rows(4), b"labels": [0, 1, 2, 3]}
    for key, value in entries.items():
        if value is None:
            del batch[key.encode()]
        else:
            batch[key.encode()] = value
    return dumps_like_original(batch)


def _cifar100_batch() -> bytes:
    batch = {b"data": rows(2), b"fine_labels": [55, 3], b"coarse_labels": [1, 2]}
    return dumps_like_original(batch)


BAD_BATCHES = {
    "truncated": (lambda: _batch_bytes()[:5000], "truncated or corrupt"),
    "empty file": (lambda: b"", "truncated or corrupt"),
    "garbage": (lambda: b"\x00not a pickle at all", "truncated or corrupt"),
    "not a dict": (lambda: dumps_like_original([1, 2, 3]), "not the dict"),
    "no labels": (lambda: _batch_bytes(labels=None), "'labels'"),
    "no data": (lambda: _batch_bytes(data=None), "'data'"),
    "cifar-100": (_cifar100_batch, "CIFAR-100"),
    "wrong shape": (lambda: _batch_bytes(data=rows(4)[:, :3000]), "shape (n, 3072)"),
    "3-d data": (lambda: _batch_bytes(data=rows(4).reshape(4, 3, 1024)), "shape (n, 3072)"),
    "float data": (lambda: _batch_bytes(data=rows(4).astype(np.float32)), "float32"),
    "int16 data": (lambda: _batch_bytes(data=rows(4).astype(np.int16)), "uint8"),
    "data as list": (lambda: _batch_bytes(data=[[0] * 3072] * 4), "uint8 array"),
    "no images": (lambda: _batch_bytes(data=rows(0), labels=[]), "no images"),
    "too few labels": (lambda: _batch_bytes(labels=[0, 1, 2]), "3 labels for 4 images"),
    "label 10": (lambda: _batch_bytes(labels=[0, 1, 10, 3]), "outside 0-9"),
    "label -1": (lambda: _batch_bytes(labels=[0, -1, 2, 3]), "outside 0-9"),
    "huge label": (lambda: _batch_bytes(labels=[0, 1, 2, 2**70]), "outside 0-9"),
    "array label 12": (lambda: _batch_bytes(labels=np.array([0, 1, 12, 3])), "outside 0-9"),
    "text labels": (lambda: _batch_bytes(labels=[b"cat"] * 4), "not whole numbers"),
    "bool labels": (lambda: _batch_bytes(labels=[True] * 4), "not whole numbers"),
    "labels a number": (lambda: _batch_bytes(labels=4), "list of ints"),
}


@pytest.mark.parametrize("make, expected", BAD_BATCHES.values(), ids=BAD_BATCHES.keys())
def test_read_batch_rejects_bad_files_with_file_and_fix(tmp_path, make, expected):
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    path.parent.mkdir()
    path.write_bytes(make())
    with pytest.raises(DataError) as caught:
        read_batch(path)
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "cifar-cnn data download" in message and data.ENV_VAR in message


def test_read_batch_missing_file(tmp_path):
    with pytest.raises(DataError, match="is missing"):
        read_batch(tmp_path / "data_batch_1")


class _WritesMarker:
    """Unpickling an instance opens (creates) the marker file: a stand-in exploit."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_malicious_payload_really_runs_under_plain_pickle(tmp_path):
    # Proves the payload used below is live, so its refusal means something.
    marker = tmp_path / "plain-pickle-ran-this"
    blob = dumps_like_original({b"data": _WritesMarker(marker)})
    pickle.loads(blob, encoding="bytes")[b"data"].close()
    assert marker.exists()


@pytest.mark.parametrize("where", ["whole file", "inside a valid batch"])
def test_read_batch_refuses_pickle_that_would_run_code(tmp_path, where):
    marker = tmp_path / "pwned"
    payload = _WritesMarker(marker)
    if where == "whole file":
        blob = dumps_like_original(payload)
    else:
        blob = _batch_bytes(filenames=[payload] * 4)
    path = tmp_path / "data_batch_1"
    path.write_bytes(blob)
    with pytest.raises(DataError, match="would run code") as caught:
        read_batch(path)
    assert "open" in str(caught.value)
    assert not marker.exists()


def test_read_batch_refuses_object_arrays(tmp_path):
    path = tmp_path / "b"
    path.write_bytes(pickle.dumps({"data": np.array([None, 1], dtype=object), "labels": [0]}))
    with pytest.raises(DataError, match="object"):
        read_batch(path)


def test_read_class_names(tiny):
    assert read_class_names(tiny) == CLASS_NAMES
    assert read_class_names(tiny / "batches.meta") == CLASS_NAMES


@pytest.mark.parametrize(
    "meta, expected",
    [
        ({b"label_names": [b"cat"] * 9}, "10 class names"),
        ({b"fine_label_names": [b"apple"] * 100}, "CIFAR-100"),
        ({b"label_names": [1] * 10}, "not text"),
        ({b"num_vis": 3072}, "'label_names'"),
    ],
    ids=["nine names", "cifar-100", "numbers", "no names"],
)
def test_read_class_names_rejects_bad_meta(tmp_path, meta, expected):
    (tmp_path / "batches.meta").write_bytes(dumps_like_original(meta))
    with pytest.raises(DataError, match=expected):
        read_class_names(tmp_path)


# ------------------------------------------------------------- whole folders


def test_load_raw_concatenates_batches_in_order(tiny):
    (x_train, y_train), (x_test, y_test), names = load_raw(tiny)
    assert x_train.shape == (100, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)
    assert y_train.tolist() == cycling_labels(100).tolist()
    np.testing.assert_array_equal(x_train[40:60], read_batch(tiny / "data_batch_3")[0])
    np.testing.assert_array_equal(x_test, read_batch(tiny / "test_batch")[0])
    assert names == CLASS_NAMES


def test_load_raw_allows_batches_of_different_sizes(tiny):
    write_batch(tiny / "data_batch_4", rows(3), [1, 2, 3])
    (x_train, y_train), _, _ = load_raw(tiny)
    assert len(x_train) == 83 and y_train[60:63].tolist() == [1, 2, 3]


def test_load_raw_names_missing_files(tiny):
    (tiny / "data_batch_3").unlink()
    (tiny / "test_batch").unlink()
    with pytest.raises(DataError, match="lacks data_batch_3, test_batch"):
        load_raw(tiny)


def _cifar100_folder(parent: Path) -> Path:
    folder = parent / "cifar-100-python"
    folder.mkdir(parents=True)
    for name in ("train", "test", "meta"):
        (folder / name).write_bytes(_cifar100_batch())
    return folder


def test_load_raw_recognises_cifar100(tmp_path):
    with pytest.raises(DataError, match="CIFAR-100"):
        load_raw(_cifar100_folder(tmp_path))


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
        find_data_dir(_cifar100_folder(tmp_path))
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


# ------------------------------------------------------------- splitting


def test_stratified_indices_proportional_exact_sorted():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    np.random.default_rng(0).shuffle(labels)
    chosen = stratified_indices(labels, 10, seed=3)
    assert len(chosen) == 10 and np.all(np.diff(chosen) > 0)
    assert np.bincount(labels[chosen]).tolist() == [5, 3, 2]


def test_stratified_indices_largest_remainder():
    labels = np.repeat([0, 1, 2], [3, 3, 4])  # quotas 1.2, 1.2, 1.6 for n=4
    assert np.bincount(labels[stratified_indices(labels, 4, seed=0)]).tolist() == [1, 1, 2]


def test_stratified_indices_seeded():
    labels = cycling_labels(1000)
    same = stratified_indices(labels, 100, seed=1), stratified_indices(labels, 100, seed=1)
    np.testing.assert_array_equal(*same)
    assert not np.array_equal(same[0], stratified_indices(labels, 100, seed=2))


@pytest.mark.parametrize("n", [0, -1, 11, 2.5, True])
def test_stratified_indices_rejects_bad_n(n):
    with pytest.raises(ValueError, match="n must|at most"):
        stratified_indices(cycling_labels(10), n, seed=0)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 30), min_size=1, max_size=10).filter(lambda c: sum(c) > 0),
    fraction=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_stratified_indices_properties(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)
    n = max(1, round(fraction * len(labels)))
    chosen = stratified_indices(labels, n, seed)
    assert len(chosen) == n and len(set(chosen.tolist())) == n
    assert np.all(np.diff(chosen) > 0)
    got = np.bincount(labels[chosen], minlength=len(counts))
    quota = np.array(counts) * n / len(labels)
    assert np.all(got >= np.floor(quota)) and np.all(got <= np.ceil(quota))


# ------------------------------------------------------------ load_cifar10


@pytest.fixture
def medium(tmp_path) -> Path:
    """5 x 100 training images (50 per class), 50 test images."""
    return write_cifar_folder(tmp_path / "medium", n_per_batch=100, n_test=50)


def test_split_sizes_stratified_disjoint_in_order(medium):
    (x_all, _), _, _ = load_raw(medium)
    index = image_index(x_all)
    d = load_cifar10(medium, n_val=100, dtype="uint8")
    assert isinstance(d, CIFAR10)
    assert d.x_train.shape == (400, 32, 32, 3) and d.y_train.shape == (400,)
    assert d.x_val.shape == (100, 32, 32, 3) and d.y_val.shape == (100,)
    assert np.bincount(d.y_train).tolist() == [40] * 10
    assert np.bincount(d.y_val).tolist() == [10] * 10
    train, val = positions(d.x_train, index), positions(d.x_val, index)
    assert set(train).isdisjoint(val) and len(set(train) | set(val)) == 500
    assert train == sorted(train) and val == sorted(val)
    assert d.y_train.tolist() == [i % 10 for i in train]  # labels stay with their images


def test_same_seed_same_arrays_other_seed_other_split(medium):
    a = load_cifar10(medium, n_val=50, seed=7)
    b = load_cifar10(medium, n_val=50, seed=7)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = load_cifar10(medium, n_val=50, seed=8)
    assert not np.array_equal(a.x_val, c.x_val)


def test_test_set_untouched(medium):
    x_test, y_test = read_batch(medium / "test_batch")
    d = load_cifar10(medium, n_val=50, dtype="uint8")
    np.testing.assert_array_equal(d.x_test, x_test)
    np.testing.assert_array_equal(d.y_test, y_test)


def test_float32_is_uint8_scaled_to_unit_range(tiny):
    raw = load_cifar10(tiny, n_val=20, dtype="uint8")
    scaled = load_cifar10(tiny, n_val=20)
    assert raw.x_train.dtype == np.uint8 and scaled.x_train.dtype == np.float32
    for x_raw, x_scaled in [(raw.x_train, scaled.x_train), (raw.x_test, scaled.x_test)]:
        np.testing.assert_allclose(x_scaled, x_raw / 255.0, rtol=1e-6)
    assert 0.0 <= scaled.x_train.min() and scaled.x_train.max() <= 1.0
    assert raw.y_train.dtype == np.int64


def test_one_hot_labels(tiny):
    plain = load_cifar10(tiny, n_val=20)
    hot = load_cifar10(tiny, n_val=20, one_hot=True)
    pairs = [(plain.y_train, hot.y_train), (plain.y_val, hot.y_val), (plain.y_test, hot.y_test)]
    for y, y_hot in pairs:
        assert y_hot.shape == (len(y), 10) and y_hot.dtype == np.float32
        assert y_hot.argmax(axis=1).tolist() == y.tolist()
        np.testing.assert_array_equal(y_hot.sum(axis=1), 1.0)


def test_n_train_subset_of_the_train_split(medium):
    full = load_cifar10(medium, n_val=100, dtype="uint8")
    small = load_cifar10(medium, n_val=100, n_train=30, dtype="uint8")
    np.testing.assert_array_equal(small.x_val, full.x_val)  # same validation set
    index = image_index(full.x_train)
    picked = positions(small.x_train, index)  # KeyError if not from the train split
    assert len(picked) == 30 and picked == sorted(picked)
    assert np.bincount(small.y_train).tolist() == [3] * 10


def test_n_test_subset_keeps_order(medium):
    x_test, _ = read_batch(medium / "test_batch")
    d = load_cifar10(medium, n_val=50, n_test=20, dtype="uint8")
    picked = positions(d.x_test, image_index(x_test))
    assert len(picked) == 20 and picked == sorted(picked)
    assert np.bincount(d.y_test).tolist() == [2] * 10


def test_no_validation_set(tiny):
    d = load_cifar10(tiny, n_val=0, dtype="uint8")
    assert d.x_val.shape == (0, 32, 32, 3) and d.y_val.shape == (0,)
    np.testing.assert_array_equal(d.x_train, load_raw(tiny)[0][0])


BAD_ARGUMENTS = [
    ({"n_train": 0}, "n_train must be at least 1"),
    ({"n_train": -5}, "n_train must be at least 1"),
    ({"n_train": 2.5}, "n_train must be a whole number"),
    ({"n_train": True}, "n_train must be a whole number"),
    ({"n_val": -1}, "n_val must be at least 0"),
    ({"n_val": "100"}, "n_val must be a whole number"),
    ({"n_test": 0}, "n_test must be at least 1"),
    ({"seed": None}, "seed must be a whole number"),
    ({"seed": -1}, "seed must be at least 0"),
    ({"dtype": "float64"}, "dtype must be"),
    ({"dtype": "int"}, "dtype must be"),
    ({"dtype": "pixels"}, "dtype must be"),
    ({"dtype": None}, "dtype must be"),
]


@pytest.mark.parametrize("kwargs, message", BAD_ARGUMENTS)
def test_bad_arguments_rejected_before_touching_disk(tmp_path, kwargs, message):
    # The folder does not exist: a ValueError proves the check came first.
    with pytest.raises(ValueError, match=message):
        load_cifar10(tmp_path / "nowhere", **kwargs)


def test_sizes_larger_than_the_data(tiny):
    with pytest.raises(ValueError, match="only 100 training images"):
        load_cifar10(tiny)  # the default n_val=10000 does not fit 100 images
    with pytest.raises(ValueError, match="leaving 80. Pass n_train=80 or less"):
        load_cifar10(tiny, n_val=20, n_train=81)
    with pytest.raises(ValueError, match="there are 20 test images"):
        load_cifar10(tiny, n_val=20, n_test=21)
    assert len(load_cifar10(tiny, n_val=20, n_train=80).x_train) == 80


def test_not_found_without_download_names_the_three_ways(home):
    with pytest.raises(DataNotFoundError) as caught:
        load_cifar10(download_if_missing=False)
    message = str(caught.value)
    for way in THREE_WAYS:
        assert way in message
    assert str(home / "cifar-10-batches-py") in message
    assert isinstance(caught.value, FileNotFoundError)
    assert not home.exists()  # nothing was created


def test_corrupt_cache_is_reported_not_redownloaded(home):
    folder = write_cifar_folder(home)
    (folder / "data_batch_2").write_bytes(b"\x80\x02}q")
    with pytest.raises(DataError, match="data_batch_2 is truncated or corrupt"):
        load_cifar10(n_val=20)


# ------------------------------------------------------------ downloading


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.routes: path -> (body, declared Content-Length)."""

    def do_GET(self):
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        body, declared_length = route
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(declared_length))
        self.end_headers()
        self.wfile.write(body)  # then HTTP/1.0 closes the connection

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(monkeypatch):
    """serve(name, body, declared_length=None) -> URL on a local server."""
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes = {}
    poll = {"poll_interval": 0.05}  # a quick shutdown at teardown
    threading.Thread(target=server.serve_forever, kwargs=poll, daemon=True).start()

    def serve(name: str, body: bytes, declared_length: int | None = None) -> str:
        server.routes["/" + name] = (body, declared_length or len(body))
        return f"http://127.0.0.1:{server.server_port}/{name}"

    yield serve
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url() -> str:
    """A local URL where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


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


# ------------------------------------------------------- installing archives


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
    monkeypatch.setattr(archive_module, "_MAX_MEMBER_BYTES", 1000)  # the tiny batches are ~20 KB
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
    bad = _batch_bytes(labels=[0, 1, 99, 3])
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


# ------------------------------------------------------------------ verify


def test_verify_tiny_folder_valid_but_not_official(tiny):
    report = verify(tiny)
    assert report.folder == tiny
    assert report.ok and not report.official
    assert [f.name for f in report.files] == list(data.OFFICIAL_MD5)
    batch = {f.name: f for f in report.files}["data_batch_1"]
    assert batch.ok and batch.n_images == 20 and batch.class_counts == (2,) * 10
    assert batch.message == "valid, but not the official file (checksum differs)"
    assert len(batch.md5) == 32
    text = report.format()
    assert str(tiny) in text and "Result: ok" in text and "100 train, 20 test" in text


def test_verify_reports_missing_and_corrupt_files(tiny):
    (tiny / "data_batch_4").unlink()
    (tiny / "test_batch").write_bytes(b"\x80\x02")
    report = verify(tiny.parent)  # the parent is accepted too
    files = {f.name: f for f in report.files}
    assert not report.ok
    assert files["data_batch_4"].message == "MISSING"
    assert files["test_batch"].message.startswith("CORRUPT: ")
    assert "fix:" in files["test_batch"].message
    assert files["data_batch_1"].ok
    assert "PROBLEM: data_batch_4, test_batch" in report.format()


def test_verify_default_folder(tiny, monkeypatch):
    with pytest.raises(DataNotFoundError):
        verify()
    monkeypatch.setenv(data.ENV_VAR, str(tiny))
    assert verify().folder == tiny


def test_verify_official_checksum_is_recognised(tmp_path, monkeypatch, tiny):
    # The tiny files are not official; pretend test_batch's checksum is.
    md5 = {f.name: f.md5 for f in verify(tiny).files}
    monkeypatch.setitem(data.OFFICIAL_MD5, "test_batch", md5["test_batch"])
    files = {f.name: f for f in verify(tiny).files}
    assert files["test_batch"].official and files["test_batch"].message == "ok"


# -------------------------------------------------------------------- info


def test_info_found(tiny, home):
    d = data.info(tiny)
    assert d["found"] and d["folder"] == str(tiny) and d["source"] == "argument"
    assert d["n_train"] == 100 and d["n_test"] == 20 and d["class_names"] == CLASS_NAMES
    assert d["size_bytes"] > 100 * 3072 and d["keras_cache"] == str(home)
    assert d["error"] is None
    text = data.format_info(d)
    assert "MB" in text and "100 train, 20 test" in text and "(not set)" in text


def test_info_not_found_and_bad_env(tmp_path, monkeypatch):
    d = data.info()
    assert not d["found"] and d["folder"] is None
    text = data.format_info(d)
    assert "not found" in text and "cifar-cnn data download" in text
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path / "typo"))
    d = data.info()
    assert not d["found"] and "does not exist" in d["error"]
    assert d["env_value"] == str(tmp_path / "typo")
    assert "does not exist" in data.format_info(d)


# --------------------------------------------------------------- real data


@needs_real_data
def test_real_data_loads(monkeypatch):
    monkeypatch.setenv(data.ENV_VAR, REAL_DATA)
    d = load_cifar10()
    assert d.x_train.shape == (40000, 32, 32, 3)
    assert d.x_val.shape == (10000, 32, 32, 3)
    assert d.x_test.shape == (10000, 32, 32, 3)
    assert np.bincount(d.y_train).tolist() == [4000] * 10
    assert np.bincount(d.y_val).tolist() == [1000] * 10
    assert np.bincount(d.y_test).tolist() == [1000] * 10
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0 and d.x_test.max() > 0.9
    assert d.class_names == CLASS_NAMES


@needs_real_data
def test_real_data_verify():
    report = verify(REAL_DATA)
    files = {f.name: f for f in report.files}
    assert report.ok
    assert files["batches.meta"].official  # the original file
    assert all(f.n_images == 10000 for name, f in files.items() if name != "batches.meta")
    assert not report.official  # a reconstruction: the batches are re-encoded
    assert "50000 train, 10000 test" in report.format()

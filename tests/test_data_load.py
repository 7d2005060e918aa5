"""Tests of cifar_cnn.data.load: load_cifar10.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from cifar_files import (
    CLASS_NAMES,
    REAL_DATA,
    THREE_WAYS,
    cycling_labels,
    image_index,
    needs_real_data,
    positions,
    write_batch,
    write_cifar_folder,
)

from cifar_cnn import data
from cifar_cnn.data import (
    CIFAR10,
    DataError,
    DataNotFoundError,
    load_cifar10,
    load_raw,
    read_batch,
    verify,
)


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ load_cifar10


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


def test_test_images_read_only_when_used(medium, monkeypatch):
    d = load_cifar10(medium, n_val=50, n_test=20, dtype="uint8")
    assert not d.test_loaded  # a training run does not carry the test images
    assert "test=20" in repr(d) and not d.test_loaded  # the repr does not read them
    reads = []
    real = data.load.read_batch
    monkeypatch.setattr(data.load, "read_batch", lambda path: reads.append(path) or real(path))
    first = d.x_test
    assert d.test_loaded and first.shape == (20, 32, 32, 3) and len(reads) == 1
    assert d.x_test is first and len(reads) == 1  # read once, then kept
    assert first.ctypes.data % 64 == 0  # aligned like the other arrays


def test_unpacks_like_a_tuple_of_seven(tiny):
    d = load_cifar10(tiny, n_val=20, dtype="uint8")
    x_train, y_train, x_val, y_val, x_test, y_test, names = d
    assert x_train is d.x_train and y_val is d.y_val and x_test is d.x_test and names == d.class_names
    assert len(d) == 7 and d[4] is d.x_test and d._fields[4] == "x_test"
    import pickle
    again = pickle.loads(pickle.dumps(d))
    np.testing.assert_array_equal(again.x_test, d.x_test)


def test_each_file_is_read_once_in_order(medium, monkeypatch):
    """One pass over the folder: batches.meta, the five training batches, the test batch.
    Only the test images are read again, when first used (they are not carried in training)."""
    reads = []
    real = data.batches.read_bytes
    monkeypatch.setattr(data.batches, "read_bytes", lambda path, *a, **k: reads.append(path.name) or real(path, *a, **k))
    d = load_cifar10(medium, n_val=50, dtype="uint8")
    assert reads == ["batches.meta", *[f"data_batch_{i}" for i in range(1, 6)], "test_batch"]
    d.x_test
    assert reads[7:] == ["test_batch"]


def test_test_file_changed_after_loading_is_refused(medium):
    d = load_cifar10(medium, n_val=50, dtype="uint8")
    images = np.zeros((50, 3072), dtype=np.uint8)
    write_batch(medium / "test_batch", images, cycling_labels(50, start=3), batch_label="testing batch 1 of 1")
    with pytest.raises(DataError, match=r"changed after load_cifar10\(\) read it.*Call load_cifar10\(\) again"):
        d.x_test


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


# ------------------------------------------------------------ real data


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

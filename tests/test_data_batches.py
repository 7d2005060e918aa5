"""Tests of cifar_cnn.data.batches (and the restricted unpickler under it): reading and checking the files.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from cifar_files import (
    CLASS_NAMES,
    batch_bytes,
    cifar100_batch,
    cifar100_folder,
    cycling_labels,
    dumps_like_original,
    planes_to_rows,
    rows,
    write_batch,
)

from cifar_cnn import data
from cifar_cnn.data import DataError, load_raw, read_batch, read_class_names


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


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


BAD_BATCHES = {
    "truncated": (lambda: batch_bytes()[:5000], "truncated or corrupt"),
    "empty file": (lambda: b"", "truncated or corrupt"),
    "garbage": (lambda: b"\x00not a pickle at all", "truncated or corrupt"),
    "not a dict": (lambda: dumps_like_original([1, 2, 3]), "not the dict"),
    "no labels": (lambda: batch_bytes(labels=None), "'labels'"),
    "no data": (lambda: batch_bytes(data=None), "'data'"),
    "cifar-100": (cifar100_batch, "CIFAR-100"),
    "wrong shape": (lambda: batch_bytes(data=rows(4)[:, :3000]), "shape (n, 3072)"),
    "3-d data": (lambda: batch_bytes(data=rows(4).reshape(4, 3, 1024)), "shape (n, 3072)"),
    "float data": (lambda: batch_bytes(data=rows(4).astype(np.float32)), "float32"),
    "int16 data": (lambda: batch_bytes(data=rows(4).astype(np.int16)), "uint8"),
    "data as list": (lambda: batch_bytes(data=[[0] * 3072] * 4), "is not a CIFAR-10 file"),
    "no images": (lambda: batch_bytes(data=rows(0), labels=[]), "no images"),
    "too few labels": (lambda: batch_bytes(labels=[0, 1, 2]), "3 labels for 4 images"),
    "label 10": (lambda: batch_bytes(labels=[0, 1, 10, 3]), "outside 0-9"),
    "label -1": (lambda: batch_bytes(labels=[0, -1, 2, 3]), "outside 0-9"),
    "huge label": (lambda: batch_bytes(labels=[0, 1, 2, 2**70]), "outside 0-9"),
    "array label 12": (lambda: batch_bytes(labels=np.array([0, 1, 12, 3])), "outside 0-9"),
    "text labels": (lambda: batch_bytes(labels=[b"cat"] * 4), "not whole numbers"),
    "bool labels": (lambda: batch_bytes(labels=[True] * 4), "not whole numbers"),
    "labels a number": (lambda: batch_bytes(labels=4), "list of ints"),
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
        blob = batch_bytes(filenames=[payload] * 4)
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


# ------------------------------------------------------------ whole folders


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


def test_load_raw_recognises_cifar100(tmp_path):
    with pytest.raises(DataError, match="CIFAR-100"):
        load_raw(cifar100_folder(tmp_path))

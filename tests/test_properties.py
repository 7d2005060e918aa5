"""Property-based tests (hypothesis): the arithmetic against real Keras layers, and the
data loader against random corruptions of its files.

The arithmetic must agree with Keras for every kernel, stride, padding, input size,
filter and channel count drawn. The loader, given a damaged batch file, must either
return exactly what the file holds (the original arrays when the damage did not
change them) or raise DataError naming the file: never another exception, never a
wrong array. What a file "holds" is decided by an independent reference decoder
(plain pickle with numpy's own functions, plus the documented format rules).
"""

from __future__ import annotations

import gc
import pickle
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cifar_cnn.arithmetic import conv_output_size, conv_params, dense_params, layer_table, pool_output_size
from cifar_cnn.data import DataError, load_cifar10, read_batch
from cifar_files import dumps_like_original, write_cifar_folder
from reference_pickle import reference_batch

ARITHMETIC = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LOADER = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INT64 = st.integers(-(2**63), 2**63 - 1)

kernels = st.integers(1, 7)
strides = st.integers(1, 3)
paddings = st.sampled_from(["valid", "same"])


# ------------------------------------------------------------ arithmetic


@ARITHMETIC
@given(
    kernel=st.tuples(kernels, kernels),
    stride=st.tuples(strides, strides),
    padding=paddings,
    filters=st.integers(1, 64),
    channels=st.integers(1, 16),
    use_bias=st.booleans(),
    data=st.data(),
)
def test_conv2d_matches_keras(kernel, stride, padding, filters, channels, use_bias, data):
    height = data.draw(st.integers(kernel[0], 64), label="height")
    width = data.draw(st.integers(kernel[1], 64), label="width")
    layer = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=use_bias)
    output = layer(keras.Input((height, width, channels)))
    expected = (
        None,
        conv_output_size(height, kernel[0], stride[0], padding),
        conv_output_size(width, kernel[1], stride[1], padding),
        filters,
    )
    assert tuple(output.shape) == expected
    assert layer.count_params() == conv_params(kernel, channels, filters, use_bias)
    if kernel[0] == kernel[1]:  # the int form of the same call
        assert conv_params(kernel[0], channels, filters, use_bias) == layer.count_params()


@ARITHMETIC
@given(kernel=kernels, dilation=st.integers(1, 3), padding=paddings, data=st.data())
def test_dilated_conv2d_matches_keras(kernel, dilation, padding, data):
    span = dilation * (kernel - 1) + 1
    size = data.draw(st.integers(span, 64), label="size")
    layer = keras.layers.Conv2D(2, kernel, dilation_rate=dilation, padding=padding)
    output = layer(keras.Input((size, size, 3)))
    expected = conv_output_size(size, kernel, 1, padding, dilation)
    assert tuple(output.shape) == (None, expected, expected, 2)


@ARITHMETIC
@given(
    pool=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.one_of(st.none(), st.tuples(strides, strides)),
    padding=paddings,
    kind=st.sampled_from([keras.layers.MaxPooling2D, keras.layers.AveragePooling2D]),
    channels=st.integers(1, 16),
    data=st.data(),
)
def test_pooling_matches_keras(pool, stride, padding, kind, channels, data):
    height = data.draw(st.integers(pool[0], 64), label="height")
    width = data.draw(st.integers(pool[1], 64), label="width")
    layer = kind(pool_size=pool, strides=stride, padding=padding)
    output = layer(keras.Input((height, width, channels)))
    stride = stride or (None, None)  # None: the pool size, as in Keras
    expected = (
        None,
        pool_output_size(height, pool[0], stride[0], padding),
        pool_output_size(width, pool[1], stride[1], padding),
        channels,
    )
    assert tuple(output.shape) == expected
    assert layer.count_params() == 0


@ARITHMETIC
@given(in_units=st.integers(1, 4096), units=st.integers(1, 512), use_bias=st.booleans())
def test_dense_matches_keras(in_units, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    output = layer(keras.Input((in_units,)))
    assert tuple(output.shape) == (None, units)
    assert layer.count_params() == dense_params(in_units, units, use_bias)


@st.composite
def small_cnn_specs(draw):
    """A random stack of Conv2D / pooling blocks, then Flatten and Dense: sizes only.

    (The model is built in the test: Keras layers use `random`, which strategies must not.)
    """
    size = draw(st.integers(8, 40))
    spec = {"size": size, "channels": draw(st.integers(1, 4)), "blocks": []}
    for _ in range(draw(st.integers(1, 3))):
        conv = dict(filters=draw(st.integers(1, 16)), kernel_size=draw(st.integers(1, min(5, size))),
                    strides=draw(st.integers(1, 2)), padding=draw(paddings))
        size = conv_output_size(size, conv["kernel_size"], conv["strides"], conv["padding"])
        pool = None
        if size >= 2 and draw(st.booleans()):
            pool = dict(pool_size=draw(st.integers(2, min(3, size))), padding=draw(paddings))
            size = pool_output_size(size, pool["pool_size"], None, pool["padding"])
        spec["blocks"].append((conv, pool))
    spec["dropout"] = draw(st.booleans())
    spec["units"] = draw(st.integers(1, 10))
    return spec


def build(spec):
    inputs = keras.Input((spec["size"], spec["size"], spec["channels"]))
    x = inputs
    for conv, pool in spec["blocks"]:
        x = keras.layers.Conv2D(activation="relu", **conv)(x)
        if pool:
            x = keras.layers.MaxPooling2D(**pool)(x)
    if spec["dropout"]:
        x = keras.layers.Dropout(0.5)(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(spec["units"], activation="softmax")(x))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=small_cnn_specs())
def test_layer_table_matches_keras_on_random_models(spec):
    model = build(spec)
    rows = layer_table(model)
    assert [row.name for row in rows] == [layer.name for layer in model.layers]
    for row, layer in zip(rows, model.layers):
        assert row.by_formula
        if row.type == "InputLayer":
            continue
        assert row.output_shape == tuple(layer.output.shape), row
        assert row.params == layer.count_params(), row
    assert sum(row.params for row in rows) == model.count_params()


# ------------------------------------------------- the batch and its damage

N_IMAGES = 4
_RNG = np.random.default_rng(7)
ROWS = _RNG.integers(0, 256, size=(N_IMAGES, 3072), dtype=np.uint8)
LABELS = [3, 0, 9, 5]
ORIGINAL = (ROWS.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.array(LABELS, dtype=np.int64))


def batch_dict(**changes):
    batch = {
        b"batch_label": b"training batch 1 of 5",
        b"labels": list(LABELS),
        b"data": ROWS,
        b"filenames": [f"image_{i:05d}.png".encode() for i in range(N_IMAGES)],
    }
    for key, value in changes.items():
        if value is _DELETE:
            batch.pop(key.encode(), None)
        else:
            batch[key.encode()] = value
    return batch


_DELETE = object()


def encode(batch, style):
    if style == "python2":
        return dumps_like_original(batch)
    return pickle.dumps(batch, protocol=style)


styles = st.sampled_from(["python2", 2, 3, 4, 5])


@pytest.fixture(scope="module")
def batch_path(tmp_path_factory) -> Path:
    """One file, rewritten by every example (hypothesis and function fixtures do not mix)."""
    return tmp_path_factory.mktemp("corrupted") / "cifar-10-batches-py" / "data_batch_2"


# Fixed bug (issue #15): a pickle could set the flags of the pixel array's dtype (the last
# item of its state tuple) and numpy trusted them. The reader now builds every array itself
# from the raw bytes and refuses such a state; test_damaged_dtype_flags_are_refused checks it.
KNOWN_DTYPE_FLAGS_BUG = False
UINT8_FLAGS = np.dtype(np.uint8).flags


def check_read_batch(path: Path, blob: bytes):
    """The property: read_batch returns what the bytes hold, or raises DataError naming the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    expected = reference_batch(blob)
    try:
        images, labels = read_batch(path)
    except DataError as error:
        assert str(path) in str(error)
        assert "cifar-cnn data download" in str(error)  # ... and the fix
        event("DataError" if expected is None else "DataError, though the reference could decode it")
        return None
    assert expected is not None, "read_batch returned arrays for a file that is not a valid batch"
    assert images.dtype == np.uint8 and labels.dtype == np.int64
    assert labels.dtype.flags == np.dtype(np.int64).flags
    if images.dtype.flags != UINT8_FLAGS:
        assert KNOWN_DTYPE_FLAGS_BUG, f"read_batch returned pixels whose dtype has flags {images.dtype.flags}"
        event("known bug: pixels with damaged dtype flags accepted")
        return None
    np.testing.assert_array_equal(images, expected[0])
    np.testing.assert_array_equal(labels, expected[1])
    same = np.array_equal(images, ORIGINAL[0]) and np.array_equal(labels, ORIGINAL[1])
    event("arrays, unchanged" if same else "arrays, changed by the damage")
    return images, labels


def with_dtype_flags(blob: bytes, flags: int) -> bytes:
    """`blob` (a Python-2-style batch) with the flags of the pixel array's dtype changed."""
    state_end = b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t"  # ..., -1, -1, flags=0)
    assert blob.count(state_end) == 1
    return blob.replace(state_end, state_end[:-2] + bytes([flags]) + b"t")


@pytest.mark.xfail(KNOWN_DTYPE_FLAGS_BUG, strict=True,
                   reason="known bug in cifar_cnn/data/unpickle.py: dtype flags from the file are kept")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_damaged_dtype_flags_are_refused(batch_path):
    blob = with_dtype_flags(encode(batch_dict(), "python2"), 1)  # 1: "holds object references"
    batch_path.parent.mkdir(parents=True, exist_ok=True)
    batch_path.write_bytes(blob)
    try:
        images, _ = read_batch(batch_path)
    except DataError as error:
        assert str(batch_path) in str(error)
    else:
        flags, hasobject = images.dtype.flags, images.dtype.hasobject
        del images  # freed here, under the filter, rather than by a later test
        gc.collect()
        assert flags == UINT8_FLAGS and not hasobject


def with_dtype_name(blob: bytes, name: bytes, shape: bytes = b"M\x00\x0c") -> bytes:
    """`blob` (a Python-2-style batch) naming another type for the pixels, with numpy's state
    for uint8 kept; `shape` replaces the row length (3072, a pickle BININT2)."""
    assert blob.count(b"X\x02\x00\x00\x00u1") == 1 and blob.count(b"M\x00\x0c") == 1
    named = b"X" + len(name).to_bytes(4, "little") + name
    return blob.replace(b"X\x02\x00\x00\x00u1", named).replace(b"M\x00\x0c", shape)


# Damage that made the old reference decoder (real pickle, real numpy) crash the interpreter
# or accept a broken type: each must come back as "not a valid batch", in a process that lives.
_ORACLE_CRASHES = {
    "datetime64 with uint8's state (SIGSEGV in dtype.__setstate__)": lambda b: with_dtype_name(b, b"M8"),
    "timedelta64 with uint8's state (SIGSEGV)": lambda b: with_dtype_name(b, b"m8"),
    "uint8 flagged as holding object references": lambda b: with_dtype_flags(b, 1),
    "uint8 with every flag set": lambda b: with_dtype_flags(b, 0x3F),
    "object dtype filled from raw bytes (4 x 384 pointers)": lambda b: with_dtype_name(b, b"O8", b"M\x80\x01"),
    "bytes type of size -1": lambda b: with_dtype_name(b, b"S1"),
}


@pytest.mark.parametrize("damage", sorted(_ORACLE_CRASHES))
def test_reference_decoder_survives_dangerous_dtypes(tmp_path, damage):
    blob_path = tmp_path / "batch"
    blob_path.write_bytes(_ORACLE_CRASHES[damage](encode(batch_dict(), "python2")))
    child = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
             "from reference_pickle import reference_batch; "
             "print(reference_batch(Path(sys.argv[2]).read_bytes()) is None)")
    run = subprocess.run([sys.executable, "-c", child, str(Path(__file__).parent), str(blob_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the reference decoder died ({run.returncode}): {run.stderr[-500:]}"
    assert run.stdout.split() == ["True"], f"the reference decoder accepted {damage}"


# Freeing an array with damaged dtype flags makes numpy report an ignored internal error
# (the bug above); that report is not what these tests are about.
unraisable_is_known = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@unraisable_is_known
@LOADER
@given(style=styles, data=st.data())
def test_truncated_batch(batch_path, style, data):
    blob = encode(batch_dict(), style)
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut")
    assert check_read_batch(batch_path, blob[:cut]) is None  # a pickle without its end is never valid


@unraisable_is_known
@LOADER
@given(style=styles, data=st.data())
def test_flipped_bytes(batch_path, style, data):
    blob = bytearray(encode(batch_dict(), style))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(1, 255)),
                               min_size=1, max_size=4), label="flips")
    for position, mask in flips:
        blob[position] ^= mask
    check_read_batch(batch_path, bytes(blob))


@unraisable_is_known
@LOADER
@given(style=styles, data=st.data())
def test_inserted_or_deleted_bytes(batch_path, style, data):
    blob = encode(batch_dict(), style)
    position = data.draw(st.integers(0, len(blob)), label="position")
    if data.draw(st.booleans(), label="insert"):
        blob = blob[:position] + data.draw(st.binary(min_size=1, max_size=16), label="bytes") + blob[position:]
    else:
        blob = blob[:position] + blob[position + data.draw(st.integers(1, 16), label="length"):]
    check_read_batch(batch_path, blob)


wrong_data = st.one_of(
    # wrong shape, right dtype
    st.tuples(st.integers(1, 5), st.integers(1, 4000)).filter(lambda s: s[1] != 3072).map(
        lambda s: np.zeros(s, dtype=np.uint8)),
    st.sampled_from([(N_IMAGES, 3, 1024), (N_IMAGES * 3072,), (N_IMAGES, 32, 32, 3), (0, 3072)]).map(
        lambda s: np.zeros(s, dtype=np.uint8)),
    # right shape, wrong dtype
    st.sampled_from([np.int8, np.int16, np.uint16, np.int32, np.int64, np.float32, np.float64, bool]).map(
        lambda t: ROWS.astype(t)),
    # not an array at all
    st.sampled_from([None, 0, b"pixels", "pixels", [[0] * 3072] * N_IMAGES, ROWS.tolist()]),
)

bad_label_values = st.one_of(st.integers(max_value=-1), st.integers(min_value=10),
                             st.just(True), st.just(1.0), st.just(b"cat"), st.none())

wrong_labels = st.one_of(
    # one or more labels out of range, or not whole numbers
    st.lists(st.tuples(st.integers(0, N_IMAGES - 1), bad_label_values), min_size=1, max_size=3).map(
        lambda changes: [dict(changes).get(i, v) for i, v in enumerate(LABELS)]),
    # the wrong number of labels
    st.lists(st.integers(0, 9), max_size=8).filter(lambda l: len(l) != N_IMAGES),
    # arrays of every kind
    st.sampled_from([np.int8, np.uint8, np.int64, np.uint64, np.float32, bool]).map(
        lambda t: np.array(LABELS).astype(t)),
    st.just(np.array(LABELS).reshape(2, 2)),
    st.sampled_from([None, 3, "3 0 9 5", b"\x03\x00\x09\x05"]),
)


@LOADER
@given(
    style=styles,
    data_value=st.one_of(st.none(), wrong_data),
    labels_value=st.one_of(st.none(), wrong_labels),
    deleted=st.sets(st.sampled_from(["data", "labels", "batch_label", "filenames"])),
    str_keys=st.booleans(),
)
def test_wrong_contents(batch_path, style, data_value, labels_value, deleted, str_keys):
    changes = {}
    if data_value is not None:
        changes["data"] = data_value
    if labels_value is not None:
        changes["labels"] = labels_value
    changes.update({key: _DELETE for key in deleted})
    batch = batch_dict(**changes)
    if str_keys:
        batch = {key.decode(): value for key, value in batch.items()}
    result = check_read_batch(batch_path, encode(batch, style))
    touched = changes.keys() & {"data", "labels"}
    if not touched:  # only the unused keys changed: the meaning did not
        assert result is not None
        np.testing.assert_array_equal(result[0], ORIGINAL[0])
        np.testing.assert_array_equal(result[1], ORIGINAL[1])


@LOADER
@given(
    style=styles,
    # The forms the official files and Python 3 re-pickles have (issue 25: a batch is recognised,
    # so a tuple of labels or a number of over 64 bits is refused, whatever its meaning).
    labels_as=st.sampled_from(["list", "int64 array", "uint8 array", "numpy scalars"]),
    extra=st.dictionaries(st.binary(min_size=1, max_size=8).filter(lambda k: k not in (b"data", b"labels")),
                          st.one_of(INT64, st.binary(max_size=20), st.lists(INT64, max_size=3)),
                          max_size=3),
    str_keys=st.booleans(),
)
def test_harmless_reencodings_give_the_original_arrays(batch_path, style, labels_as, extra, str_keys):
    labels = {
        "list": list(LABELS),
        "tuple": tuple(LABELS),
        "int64 array": np.array(LABELS, dtype=np.int64),
        "uint8 array": np.array(LABELS, dtype=np.uint8),
        "numpy scalars": [np.int64(v) for v in LABELS],
    }[labels_as]
    batch = {**extra, **batch_dict(labels=labels)}
    if str_keys:
        batch = {key.decode("latin-1"): value for key, value in batch.items()}
    result = check_read_batch(batch_path, encode(batch, style))
    assert result is not None, "a valid re-encoding of the batch was refused"
    np.testing.assert_array_equal(result[0], ORIGINAL[0])
    np.testing.assert_array_equal(result[1], ORIGINAL[1])


# ------------------------------------------------------- the whole loader


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny data folder, and a twin rewritten by each example."""
    base = tmp_path_factory.mktemp("loader")
    clean = write_cifar_folder(base / "clean", n_per_batch=4, n_test=4, seed=3)
    return clean, base / "damaged" / "cifar-10-batches-py", base / "reference" / "cifar-10-batches-py"


def copy_folder(source: Path, target: Path):
    target.mkdir(parents=True, exist_ok=True)
    for file in source.iterdir():
        (target / file.name).write_bytes(file.read_bytes())


def write_reference(path: Path, images: np.ndarray, labels: np.ndarray):
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    path.write_bytes(dumps_like_original({b"data": rows, b"labels": [int(v) for v in labels]}))


@unraisable_is_known
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["data_batch_1", "data_batch_3", "data_batch_5", "test_batch"]),
    kind=st.sampled_from(["truncate", "flip", "insert"]),
    data=st.data(),
)
def test_load_cifar10_returns_what_the_files_hold_or_raises_data_error(folders, name, kind, data):
    clean, damaged, reference = folders
    copy_folder(clean, damaged)
    blob = bytearray((clean / name).read_bytes())
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    if kind == "truncate":
        blob = blob[:position]
    elif kind == "flip":
        blob[position] ^= data.draw(st.integers(1, 255), label="mask")
    else:
        blob[position:position] = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
    (damaged / name).write_bytes(bytes(blob))
    expected = reference_batch(bytes(blob))
    try:
        got = load_cifar10(damaged, n_val=5, dtype="uint8", download_if_missing=False)
    except DataError as error:
        assert str(damaged / name) in str(error)
        event("DataError")
        return
    assert expected is not None, f"load_cifar10 used a damaged {name}"
    # What load_cifar10 gives for a clean file holding the same arrays.
    copy_folder(clean, reference)
    write_reference(reference / name, *expected)
    want = load_cifar10(reference, n_val=5, dtype="uint8", download_if_missing=False)
    for got_array, want_array in zip(got[:6], want[:6]):
        np.testing.assert_array_equal(got_array, want_array)
    assert got.class_names == want.class_names
    unchanged = all(np.array_equal(a, b) for a, b in zip(got[:6], load_cifar10(clean, n_val=5, dtype="uint8")[:6]))
    event("arrays, unchanged" if unchanged else "arrays, changed by the damage")

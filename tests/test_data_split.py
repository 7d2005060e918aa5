"""Tests of cifar_cnn.data.split: stratified subsets.

Tiny CIFAR-10 files are written in tmp_path (fixtures in conftest.py); nothing needs
the network. The real data is used only when CIFAR_CNN_DATA names it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cifar_files import cycling_labels

from cifar_cnn.data import stratified_indices


# Every test here stays away from the real ~/.keras and from CIFAR_CNN_DATA (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("clean_environment")


# ------------------------------------------------------------ splitting


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

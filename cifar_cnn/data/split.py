"""Choose stratified subsets: the validation set and smaller training or test sets."""

from __future__ import annotations

import numpy as np

from ..validation import require_count

__all__ = ["stratified_indices", "split_train_val"]


def stratified_indices(labels, n: int, seed: int) -> np.ndarray:
    """Indices of a random subset of size `n` with the class mix of `labels`.

    Each class gets ``n * count / len(labels)`` places, rounded by largest
    remainder so the total is exactly `n`.  The members of each class are
    drawn with ``np.random.default_rng(seed)``.

    Parameters
    ----------
    labels : array-like, shape (N,)
    n : int
        Subset size, 1 to N.
    seed : int

    Returns
    -------
    ndarray of int64
        Sorted, so the subset keeps the original order.

    Raises
    ------
    ValueError
        If `n` is not a whole number from 1 to N.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}.")
    require_count("n", n)
    if n > len(labels):
        raise ValueError(
            f"Cannot take {n} items from {len(labels)}: n must be at most {len(labels)}."
        )
    classes, counts = np.unique(labels, return_counts=True)
    # Integer arithmetic keeps the remainders exact (no float ties).
    quota, remainder = np.divmod(counts * n, len(labels))
    short = n - int(quota.sum())
    quota[np.argsort(-remainder, kind="stable")[:short]] += 1
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == c), size=k, replace=False)
        for c, k in zip(classes, quota)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64)


def split_train_val(
    y: np.ndarray, n_train: int | None, n_val: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices, each in the original order."""
    in_val = np.zeros(len(y), dtype=bool)
    if n_val:
        in_val[stratified_indices(y, n_val, seed)] = True
    train = np.flatnonzero(~in_val)
    if n_train is not None:
        train = train[stratified_indices(y[train], n_train, seed)]
    return train, np.flatnonzero(in_val)

"""The doctor's data check: is CIFAR-10 here, complete and readable?"""

from __future__ import annotations

from ...messages import one_line
from .probe_result import FAIL, OK, WARN, ProbeResult

__all__ = ["probe_data"]


_DOWNLOAD = "run `cifar-cnn data download`"


def probe_data(data_dir=None) -> ProbeResult:
    """The data is present and every file intact; official checksums or not."""
    from ...data import DataError, default_data_home, find_data_dir, verify

    try:
        folder, source = find_data_dir(data_dir)
    except DataError as e:  # --data-dir or CIFAR_CNN_DATA names something else
        first, _, rest = str(e).partition("\n")
        fix = one_line(rest).rstrip(".")
        return ProbeResult(
            "data", FAIL, f"CIFAR-10 not usable: {first.rstrip('.')}",
            (fix[:1].lower() + fix[1:]) or f"fix the path, or unset CIFAR_CNN_DATA and {_DOWNLOAD}",
        )
    if folder is None:
        return ProbeResult(
            "data", FAIL,
            f"CIFAR-10 not found (not in the Keras cache {default_data_home()}, and "
            "CIFAR_CNN_DATA is not set)",
            f"{_DOWNLOAD} (170 MB, needs internet); offline, install a copy from a USB "
            "stick with `cifar-cnn data download --from FILE`",
        )
    report = verify(folder)
    details = {"folder": str(report.folder), "source": source, "official": report.official}
    if not report.ok:
        bad = [f"{f.name} {'missing' if f.md5 is None else 'damaged'}" for f in report.files if not f.ok]
        return ProbeResult(
            "data", FAIL, f"CIFAR-10 in {report.folder} is broken: {', '.join(bad)}",
            f"delete the folder {report.folder}, then {_DOWNLOAD} "
            "(`cifar-cnn data verify` says more)",
            details,
        )
    n_train = sum(f.n_images or 0 for f in report.files if f.name.startswith("data_batch"))
    n_test = sum(f.n_images or 0 for f in report.files if f.name == "test_batch")
    details.update(n_train=n_train, n_test=n_test)
    where = f"CIFAR-10 in {report.folder} ({source}): {n_train:,} training + {n_test:,} test images"
    if not report.official:
        n_differ = sum(not f.official for f in report.files)
        return ProbeResult(
            "data", WARN,
            f"{where}, valid, but {n_differ} of {len(report.files)} files differ from the "
            "official download",
            "nothing needed for the lesson (your accuracies may differ slightly from the "
            f"lesson's); for the official files, delete the folder and {_DOWNLOAD}",
            details,
        )
    return ProbeResult("data", OK, f"{where}, the official files", "", details)


# ------------------------------------------------------------ Keras at work

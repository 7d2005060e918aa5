"""Assemble the workshop folder: written under a temporary name, renamed when complete."""

from __future__ import annotations

import errno
import shutil
import tempfile
from pathlib import Path

from .._files import give_default_permissions
from .notebooks import answer_key_notebooks, learner_notebooks
from .readme import learner_readme
from .wheels import PLATFORMS, build_package_wheel, download_wheelhouse

__all__ = ["make_stick", "folder_size"]

DATA_MB = 180  # the packed archive (172.9 MB) with room to spare
WHEELHOUSE_MB = 700  # one platform's wheelhouse, rounded up from the measured 0.4-0.7 GB


def folder_size(folder) -> int:
    """Bytes in every file under `folder`."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _verify_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(
            f"{target} already exists and is not empty: name a new folder (or an empty one), "
            "so nothing on it is overwritten"
        )
    if not target.parent.is_dir():
        raise FileNotFoundError(f"Cannot write {target}: the folder {target.parent} does not exist")


def _verify_space(target: Path, needed_mb: int) -> None:
    free_mb = shutil.disk_usage(target.parent).free // 10**6
    if free_mb < needed_mb:
        raise OSError(errno.ENOSPC, f"{target.parent} has {free_mb} MB free; the workshop folder "
                      f"needs about {needed_mb} MB: free some space or choose another drive")


def make_stick(target, data_dir=None, platforms=(), pythons=(), log=print) -> dict:
    """Write the workshop folder `target`; return what went in (paths and sizes).

    `platforms` (names of :data:`PLATFORMS`) and `pythons` ("3.11", ...) ask for a wheelhouse
    with every dependency for each pair; without them only the package's wheel goes in.
    """
    from ..data import DataNotFoundError, find_data_dir, pack_data
    from ..data.errors import how_to_provide
    from ..data.locate import resolve_data_home

    target = Path(target).expanduser().absolute()
    _verify_target(target)
    if bool(platforms) != bool(pythons):
        raise ValueError("a wheelhouse needs both --platform and --python-version (e.g. "
                         "--platform windows-amd64 --python-version 3.11)")
    for platform in platforms:
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}: choose from {', '.join(PLATFORMS)}")
    folder, _ = find_data_dir(data_dir)  # no data: say so before anything is built
    if folder is None:
        raise DataNotFoundError(how_to_provide(resolve_data_home(None), "There is no data for the stick."))
    notebooks, answers = learner_notebooks(), answer_key_notebooks()
    _verify_space(target, DATA_MB + WHEELHOUSE_MB * len(platforms) * len(pythons) + 10)

    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        log("Building the cifar-cnn wheel (with the learner notebooks inside) ...")
        wheel = build_package_wheel(tmp / "wheels")
        for platform in platforms:
            for python in pythons:
                log(f"Downloading every dependency for {platform}, Python {python} ...")
                download_wheelhouse(wheel, tmp / "wheels", platform, python)
        log(f"Packing the data from {folder} ...")
        (tmp / "data").mkdir()
        archive, sha256 = pack_data(tmp / "data", folder)
        for sub, sources in (("notebooks", notebooks), ("instructor/answer-key", answers)):
            (tmp / sub).mkdir(parents=True)
            for source in sources:
                shutil.copyfile(source, tmp / sub / source.name)
        (tmp / "README.md").write_text(
            learner_readme(wheel.name, archive.name, bool(platforms), sorted(platforms), list(pythons)),
            encoding="utf-8")
        give_default_permissions(tmp, directory=True)
        if target.exists():
            target.rmdir()  # empty, checked above
        tmp.rename(target)
    except BaseException as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"{target.parent} ran out of space while writing the workshop "
                          "folder; nothing was left behind: free some space or choose another drive") from None
        raise
    return {
        "folder": target,
        "wheel": target / "wheels" / wheel.name,
        "wheels": len(list((target / "wheels").glob("*.whl"))),
        "archive": target / "data" / archive.name,
        "sha256": sha256,
        "notebooks": len(notebooks),
        "answer_key": len(answers),
        "bytes": folder_size(target),
    }

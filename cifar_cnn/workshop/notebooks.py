"""Where the lesson notebooks are, and copying them to a learner without losing their work.

In a wheel the learner notebooks are package data, ``cifar_cnn/lesson_notebooks/`` (the build
copies them there, see ``setup.py``); in a source checkout (an editable install, or
``PYTHONPATH``) they are read from the repository's ``notebooks/`` folder.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from .._files import atomic_path

__all__ = [
    "ANSWER_KEY_DIR", "PACKAGED_DIR", "source_root", "learner_notebooks", "answer_key_notebooks",
    "copy_notebooks",
]

PACKAGE = Path(__file__).resolve().parents[1]
# Inside the installed package: where the wheel's build puts the learner notebooks.
PACKAGED_DIR = PACKAGE / "lesson_notebooks"
LEARNER_DIR = Path("notebooks")  # in the repository
# The answer key, relative to the repository root: the one place to change if it moves.
ANSWER_KEY_DIR = Path("instructors") / "answer-key"
PATTERN = "[0-9][0-9]-*.ipynb"


def source_root() -> Path | None:
    """The repository this package runs from, or None for an installed wheel."""
    root = PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / LEARNER_DIR).is_dir():
        return root
    return None


def learner_notebooks() -> list[Path]:
    """The learner notebooks, in episode order: from the package, else from the repository."""
    found = sorted(PACKAGED_DIR.glob(PATTERN))
    root = source_root()
    if not found and root is not None:
        found = sorted((root / LEARNER_DIR).glob(PATTERN))
    if not found:
        raise FileNotFoundError(
            "This installation of cifar-cnn carries no lesson notebooks: reinstall it from the "
            "workshop's wheel (pip install cifar_cnn-*.whl), or ask your instructor for them"
        )
    return found


def answer_key_notebooks() -> list[Path]:
    """The answer key's notebooks; they live only in the repository, never in the wheel."""
    root = source_root()
    found = sorted((root / ANSWER_KEY_DIR).glob(PATTERN)) if root is not None else []
    if not found:
        raise FileNotFoundError(
            "The answer key is not here: run this from the lesson's repository (git clone), "
            f"where it is in {ANSWER_KEY_DIR.as_posix()}/"
        )
    return found


def _kept_name(target: Path) -> Path:
    """A free name for a learner's own copy: 04-x.mine.ipynb, then 04-x.mine-2.ipynb, ..."""
    candidate = target.with_name(f"{target.stem}.mine{target.suffix}")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}.mine-{n}{target.suffix}")
        n += 1
    return candidate


def copy_notebooks(folder, force: bool = False) -> dict[str, list[str]]:
    """Copy the learner notebooks into `folder`; a learner's edited notebook is never lost.

    A notebook that is missing is copied; one identical to the lesson's is left alone; one
    that differs (the learner worked in it) is kept as it is, unless `force`: then it is
    renamed to ``NAME.mine.ipynb`` first and a fresh copy takes its place.

    Returns the file names under "copied", "unchanged", "kept" and "renamed" (old -> new).
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} is a file, not a folder: name a folder for the notebooks")
    sources = learner_notebooks()
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[str]] = {"copied": [], "unchanged": [], "kept": [], "renamed": []}
    for source in sources:
        target = folder / source.name
        if target.exists():
            if filecmp.cmp(source, target, shallow=False):
                done["unchanged"].append(source.name)
                continue
            if not force:
                done["kept"].append(source.name)
                continue
            mine = _kept_name(target)
            target.rename(mine)
            done["renamed"].append(f"{source.name} -> {mine.name}")
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        done["copied"].append(source.name)
    return done

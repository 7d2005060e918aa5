"""The README that goes on the workshop stick: for learners, install, data, notebooks."""

from __future__ import annotations

__all__ = ["learner_readme"]


def learner_readme(wheel: str, archive: str, wheelhouse: bool, platforms, pythons) -> str:
    """The stick's README.md; STICK stands for wherever the stick (or shared drive) is."""
    if wheelhouse:
        install = (
            "Every wheel the lesson needs is in `wheels/`, for "
            f"{', '.join(platforms)} with Python {', '.join(pythons)}: no internet needed.\n\n"
            "```\n"
            f"python -m pip install --no-index --find-links STICK/wheels \"cifar-cnn[lesson]\"\n"
            "```\n"
        )
    else:
        install = (
            "This stick carries the lesson's package; its dependencies (TensorFlow, Keras,\n"
            "JupyterLab, about 0.5 GB) come from the internet:\n\n"
            "```\n"
            f"python -m pip install \"STICK/wheels/{wheel}[lesson]\"\n"
            "```\n"
        )
    # The wheelhouse holds wheels for the named Python versions only.
    versions = " or ".join(pythons) if wheelhouse else "3.10 to 3.13"
    example = pythons[0] if wheelhouse else "3.12"
    return f"""# Workshop: convolutional neural networks on CIFAR-10

Replace STICK below with where this folder is on your computer: e.g. `/media/usb`
(Linux), `/Volumes/USB` (macOS) or `E:` (Windows). Run the commands in a terminal (on
Windows: PowerShell or cmd) from the folder where you want to work.

## 1. Install

Make an environment with Python {versions} and activate it (`python --version` says which
Python you have; on Windows, `py -{example} -m venv .venv` picks one):

```
python -m venv .venv
source .venv/bin/activate          # Windows: .venv\\Scripts\\activate
```

{install}
On Windows, if the install fails with a path that is too long, turn on long paths
(search for "Enable Win32 long paths" in the Group Policy editor, or ask a helper), or make
the environment in a short folder such as `C:\\ws\\.venv`.

## 2. Data

```
cifar-cnn data download --from STICK/data/{archive}
```

This checks the archive against `STICK/data/{archive}.sha256` and installs it where
the lesson finds it.

## 3. Notebooks

```
cifar-cnn notebooks notebooks
jupyter lab notebooks
```

The first command copies the lesson notebooks into the folder `notebooks` (they are also in
`STICK/notebooks/`). Running it again never overwrites a notebook you worked in.

## Check

```
cifar-cnn doctor
```

Its last line says whether this laptop is ready; tell your instructor that line.
"""

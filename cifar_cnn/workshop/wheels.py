"""The package as a wheel, and a wheelhouse: every dependency, for offline installs.

``pip download --platform`` fetches wheels for other systems, but pip evaluates environment
markers (``sys_platform == 'win32'``) for the machine it runs on, not for the target. So the
package's own requirements are evaluated here for each target, and the downloaded wheels'
metadata is read back to fetch what pip skipped (``tensorflow-intel`` on Windows,
``appnope`` on macOS, ...) until the set is closed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from .notebooks import LEARNER_DIR, PATTERN, source_root

__all__ = ["PLATFORMS", "build_package_wheel", "download_wheelhouse", "wheelhouse_requirements"]

# name -> (pip --platform tags, marker environment). Several tags: pip accepts a wheel built
# for any of them (manylinux versions, macOS versions).
PLATFORMS = {
    "linux-x86_64": (
        ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_27_x86_64", "manylinux_2_28_x86_64",
         "linux_x86_64"],
        {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"},
    ),
    "linux-aarch64": (
        ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
        {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64", "os_name": "posix"},
    ),
    "macos-arm64": (
        [f"macosx_{v}_0_arm64" for v in (11, 12, 13, 14, 15)],
        {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64", "os_name": "posix"},
    ),
    "windows-amd64": (
        ["win_amd64"],
        {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"},
    ),
}
# What a learner installs: the package with the notebooks' extra.
EXTRAS = ("lesson",)
_BUILD_FILES = ("pyproject.toml", "setup.py", "README.md", "LICENSE.md")


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        tail = " | ".join(done.stdout.strip().splitlines()[-3:])
        raise RuntimeError(f"{what} failed (pip said: {tail})")


def build_package_wheel(out_dir) -> Path:
    """Build cifar-cnn's wheel (with the learner notebooks inside) into `out_dir`; its path.

    The sources are copied to a temporary folder first, so the build leaves nothing in the
    repository. No network: the build uses this environment's setuptools.
    """
    root = source_root()
    if root is None:
        raise FileNotFoundError(
            "The wheel is built from the lesson's repository: run this command from a clone "
            "of it (pip install -e .), not from an installed wheel"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cifar-cnn-build-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in _BUILD_FILES:
            shutil.copy2(root / name, src / name)
        shutil.copytree(root / "cifar_cnn", src / "cifar_cnn",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "lesson_notebooks"))
        shutil.copytree(root / "etc", src / "etc")  # the IPython startup file (setup.py's data_files)
        (src / LEARNER_DIR).mkdir()
        for notebook in sorted((root / LEARNER_DIR).glob(PATTERN)):
            shutil.copy2(notebook, src / LEARNER_DIR / notebook.name)
        wheels = Path(tmp) / "wheels"
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
              "-q", "-w", str(wheels), str(src)], "Building the cifar-cnn wheel")
        (built,) = wheels.glob("cifar_cnn-*.whl")
        target = out_dir / built.name
        shutil.move(str(built), target)
    return target


def _metadata(wheel: Path) -> list[str]:
    """The Requires-Dist lines of a wheel."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(z.read(name).decode("utf-8"))
    return message.get_all("Requires-Dist") or []


def _wanted(lines, env: dict, extras) -> list[Requirement]:
    """The requirements among `lines` that apply to `env` with the given extras."""
    wanted = []
    for line in lines:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({**env, "extra": e}) for e in ("", *extras)):
            wanted.append(req)
    return wanted


def wheelhouse_requirements(package_wheel: Path, platform: str, python: str) -> list[Requirement]:
    """The package's requirements (with the lesson extra) that apply on `platform` / `python`."""
    env = {**PLATFORMS[platform][1], "python_version": python, "python_full_version": f"{python}.0",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}
    return _wanted(_metadata(package_wheel), env, EXTRAS), env


def _plain(req: Requirement) -> str:
    """The requirement without its marker (already evaluated for the target): pip would
    evaluate it again for this machine, and drop e.g. ``extra == "lesson"``."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}{req.specifier}"


def _pip_download(requirements, platform: str, python: str, dest: Path) -> None:
    tags = [arg for tag in PLATFORMS[platform][0] for arg in ("--platform", tag)]
    _run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--implementation", "cp",
          "--python-version", python, *tags, "-d", str(dest), *map(_plain, requirements)],
         f"Downloading the wheels for {platform}, Python {python}")


def download_wheelhouse(package_wheel: Path, dest, platform: str, python: str, rounds: int = 6) -> list[Path]:
    """Download every wheel `package_wheel` needs on `platform` with `python` into `dest`."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: choose from {', '.join(PLATFORMS)}")
    dest = Path(dest)
    requirements, env = wheelhouse_requirements(package_wheel, platform, python)
    extras: dict[str, set[str]] = {}
    for _ in range(rounds):
        if requirements:
            _pip_download(requirements, platform, python, dest)
        for req in requirements:
            extras.setdefault(canonicalize_name(req.name), set()).update(req.extras)
        present = {}
        for wheel in dest.glob("*.whl"):
            present[canonicalize_name(parse_wheel_filename(wheel.name)[0])] = wheel
        missing = []
        for name, wheel in sorted(present.items()):
            for req in _wanted(_metadata(wheel), env, extras.get(name, ())):
                key = canonicalize_name(req.name)
                new_extras = set(req.extras) - extras.get(key, set())
                if key not in present or new_extras:
                    extras.setdefault(key, set()).update(req.extras)
                    if _plain(req) not in map(_plain, missing):
                        missing.append(Requirement(_plain(req)))
        requirements = [r for r in missing if canonicalize_name(r.name) not in present or r.extras]
        if not requirements:
            return sorted(dest.glob("*.whl"))
    raise RuntimeError(f"The wheels for {platform} did not settle after {rounds} rounds of downloads")

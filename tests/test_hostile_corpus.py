"""Every class of hostile input is refused in one clean line, in bounded time and memory (issue 25).

Each case of ``hostile_corpus.CASES`` runs in its own child process, with a 10 s alarm
(a hang kills the child: SIGALRM), an address-space limit of 300 MB above what the child
had after its imports (where TensorFlow is not started), and its peak memory measured.
The child must end with exactly one refusal: the expected exception (or ``cifar-cnn:
error:``), its first line under 300 characters, naming the file, with no raw escape
character.  ``CIFAR_CNN_HOSTILE_SIZE=large`` scales every case up (about 20 times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_corpus import CASES, LARGE, SMALL, ESC

ROOT = Path(__file__).resolve().parent.parent
SIZE = LARGE if os.environ.get("CIFAR_CNN_HOSTILE_SIZE") == "large" else SMALL
MEMORY_MARGIN = 300 * 2**20
SECONDS = 10

CHILD = r"""
import io, json, os, resource, signal, sys, time
from pathlib import Path
{imports}
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key + ":"))
path = Path(sys.argv[1])
base_rss = status("VmRSS")
if {address_space}:
    cap = status("VmSize") + {margin}
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
signal.alarm({seconds})
err = io.StringIO()
sys.stderr = err
kind, line, code = "none", "", 0
started = time.perf_counter()
try:
{code}
except SystemExit as e:
    kind, code = "exit", e.code
except Exception as e:
    kind = [c.__name__ for c in type(e).__mro__]
    line = str(e).splitlines()[0] if str(e) else ""
seconds = time.perf_counter() - started
peak = status("VmHWM") - base_rss  # ru_maxrss would count the parent's pages from before exec
sys.stderr = sys.__stderr__
print(json.dumps({{"kind": kind, "line": line, "code": code, "stderr": err.getvalue(),
                  "seconds": seconds, "peak": peak}}))
"""


def run_case(case, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    path = case.make(folder, SIZE)
    code = "\n".join("    " + line for line in case.code.splitlines() if line.strip())
    script = CHILD.format(imports=case.imports, address_space=case.address_space, margin=MEMORY_MARGIN,
                          seconds=SECONDS, code=code)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}", "KERAS_HOME": str(tmp_path / "keras"),
           "CIFAR_CNN_DATA": ""}
    done = subprocess.run([sys.executable, "-c", script, os.fsdecode(path)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
                          errors="backslashreplace")
    assert done.returncode == 0, f"child died ({done.returncode}): {done.stderr[-800:]}"
    return path, json.loads(done.stdout.strip().splitlines()[-1])


def remove_deep_folders(tmp_path):
    """Delete a 1,100-deep chain of folders ``d/d/...`` without recursion (pytest's cleanup,
    and os.walk before Python 3.12, recurse and would hit the recursion limit)."""
    here = os.getcwd()
    try:
        for top in [tmp_path / "in" / "cifar-10-batches-py"]:
            if not (top / "d").is_dir():
                continue
            os.chdir(top)
            depth = 0
            while os.path.isdir("d"):
                os.chdir("d")
                depth += 1
            for _ in range(depth):
                os.chdir("..")
                os.rmdir("d")
    finally:
        os.chdir(here)


def name_in(path, text):
    """The file (or its folder) is named, escaped as the package shows it."""
    from cifar_cnn.data.text import shown_path

    names = {path.name, path.parent.name, shown_path(path.name), shown_path(path.parent.name)}
    return any(n and n in text for n in names)


def check(case, path, result):
    if case.kinds == ("cli",):
        assert result["kind"] == "exit" and result["code"] not in (0, None), result
        lines = [l for l in result["stderr"].splitlines() if l.strip()]
        errors = [l for l in lines if "error:" in l]
        assert len(errors) == 1 and lines[-1] == errors[0], lines  # argparse adds a usage line first
        line = errors[0]
        assert len(line) < 600, len(line)  # the problem, then the fix
        problem = line
    elif case.kinds == ("info",):
        assert result["kind"] == "exit", result
        return
    else:
        assert isinstance(result["kind"], list) and set(result["kind"]) & set(case.kinds), result
        line = problem = result["line"]
        assert len(line) < 300, (len(line), line[:400])
    assert "\x1b" not in result["stderr"] + line and "\0" not in line
    if case.klass not in ("flags", "cli"):
        assert name_in(path, problem), (path, problem)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.klass}: {c.name}" for c in CASES])
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="memory measured from /proc")
def test_hostile_input_is_refused_in_one_line(case, tmp_path):
    try:
        path, result = run_case(case, tmp_path)
    finally:
        remove_deep_folders(tmp_path)
    check(case, path, result)
    assert result["peak"] < MEMORY_MARGIN, result["peak"]
    if case.klass == "disk":  # nothing half-written is left behind
        left = [p.name for p in path.parent.rglob("*") if "partial" in p.name or p.name == "out.tar.gz"]
        assert left == [] and not (path.parent / "home" / "cifar-10-batches-py").exists(), left
    kind = result["kind"][0] if isinstance(result["kind"], list) else result["kind"]
    print(f"\n{case.klass:<15} {case.name:<50} {kind:<14} "
          f"{result['peak'] / 2**20:7.1f} MB {result['seconds']:6.2f} s\n    {(result['line'] or result['stderr'])[-230:]}")


def test_the_corpus_covers_every_class():
    assert {c.klass for c in CASES} == {"structure", "amplification", "declared sizes", "headers", "disk",
                                         "strings", "flags", "cli"}


def test_the_harness_sees_an_unclean_refusal(tmp_path):
    """The check fails for a raw exception, a long line or an escape sequence: it can fail."""
    from hostile_corpus import Case, nothing

    case = Case("raw", "structure", nothing, "raise ValueError('x' * 400)")
    path, result = run_case(case, tmp_path)
    with pytest.raises(AssertionError):
        check(case, path, result)
    case = Case("escape", "strings", nothing, f"from cifar_cnn.data import DataError; raise DataError({ESC!r})")
    path, result = run_case(case, tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path)
    with pytest.raises(AssertionError):
        check(case, path, result)


def test_the_data_reader_imports_no_tensorflow():
    """The children above are cheap because reading data starts no TensorFlow; keep it so."""
    code = ("import sys, cifar_cnn.data, cifar_cnn.sharing, cifar_cnn.cli; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr[-500:]

"""A learner at a real Jupyter kernel: what they type into each challenge, and the kernel
that runs it (tests/test_learner_paths.py drives the paths).

Right answers come from the episodes' own solutions (the answer key): a stub's blanks are
filled with what the solution has in their place, or, when the solution is written
differently, the learner types the solution. A wrong answer is the right one with its
first number changed (16 filters become 17, a 2x2 window 3x2), or a
string ("relu" becomes "relu_") where the checker accepts every number.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks as builder  # noqa: E402
from solution_cells import checker_lines  # noqa: E402

STARTUP_FILE = ROOT / "etc" / "ipython" / "startup" / "50-cifar-cnn-restart-hint.py"
CHECK_CELL = "# Check your answer"
YOUR_ANSWER = "# Your answer here"


@dataclass
class Challenge:
    stub: str | None  # the code with blanks, None for an empty "# Your answer here" cell
    solution: list[str]  # the solution's python blocks
    checks: list[str]  # the checker lines on the learner's own variable

    def right(self) -> str:
        """The learner's right answer for the cell they complete."""
        code = "\n".join(builder._code_source(block)[0] for block in self.solution)
        if self.stub is not None:
            pattern = "".join(r"([^\n]+?)" if part == builder.BLANK else re.escape(part)
                              for part in re.split(f"({builder.BLANK})", self.stub))
            for text in [*(builder._code_source(b)[0] for b in self.solution), code]:
                match = re.match(pattern, text)
                if match:  # the same code: fill the blanks
                    parts = self.stub.split(builder.BLANK)
                    return "".join(p + v for p, v in zip(parts, match.groups())) + parts[-1]
        if self.stub is not None and "check_" in self.stub:
            return code  # the stub ends with its check: so does the learner's cell
        # the checker cell after it runs the check
        return "\n".join(line for line in code.split("\n") if line not in self.checks)

    def wrongs(self) -> list[str]:
        """Wrong answers: the right one with a number changed (not the seed's), then with a
        string changed ("relu" -> "relu_"), one change each, in the order they appear."""
        right = self.right()
        # numbers in the code, not in a string or a comment
        masked = re.sub(r'#[^\n]*|"[^"\n]*"|set_seed\(\d+\)', lambda m: "~" * len(m.group()), right)
        numbers = [right[: m.start()] + str(int(m.group()) + 1) + right[m.end():]
                   for m in re.finditer(r"(?<![\w.])\d+", masked)]
        strings = [right[: m.end() - 1] + "_" + right[m.end() - 1:]
                   for m in re.finditer(r'(?<![\w{])"[a-z_]+"', right) if "print(" not in right[:m.start()].rsplit("\n", 1)[-1]]
        return numbers + strings


def solution_code(episode):
    """The parsed episode and, per challenge, its stub (or None) and its solution's python blocks."""
    parsed = builder.parse_episode(episode.read_text(encoding="utf-8"))
    found, current = [], None
    for block in parsed.blocks:
        if block.kind == "open" and block.divs[-1] == "challenge":
            current = {"stub": None, "solution": []}
            found.append(current)
        elif block.kind == "code" and current is not None and "challenge" in block.divs:
            if "solution" in block.divs and block.lang == "python":
                current["solution"].append(block.text)
            elif block.lang == "{.python}" and builder.BLANK in block.text and "solution" not in block.divs:
                current["stub"] = block.text
    return parsed, found


def challenges(episode: Path) -> list[Challenge]:
    """The challenges that give the learner a cell to complete, in the notebook's order."""
    _, found = solution_code(episode)
    return [Challenge(c["stub"], c["solution"], checker_lines(c["stub"], c["solution"]))
            for c in found if c["stub"] is not None or c["solution"]]


def is_hidden(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def is_answer_cell(cell) -> bool:
    """A cell the learner completes: a stub with blanks, or an empty answer cell."""
    return cell.cell_type == "code" and (builder.BLANK in cell.source or cell.source.startswith(YOUR_ANSWER))


def ipython_dir(base: Path, startup: bool = True) -> Path:
    """An IPYTHONDIR (away from the developer's ~/.ipython) whose profile runs the package's
    IPython startup file at kernel start, as ``{sys.prefix}/etc/ipython/startup/`` does after
    ``pip install`` (the same file, and the same IPython step: the startup files)."""
    folder = base / ("ipython" if startup else "ipython-plain")
    target = folder / "profile_default" / "startup"
    target.mkdir(parents=True, exist_ok=True)
    if startup:
        (target / STARTUP_FILE.name).write_bytes(STARTUP_FILE.read_bytes())
    return folder


class Kernel:
    """One IPython kernel in ``folder``, in quick mode, as ``pip install`` sets it up (the
    package's startup file included, see ``ipython_dir``); ``run`` returns (printed, error,
    traceback)."""

    def __init__(self, folder: Path, startup: bool = True, env: dict | None = None, python: Path | None = None):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager, start_new_kernel

        given = env or {}
        env = {**builder.kernel_environment(full=False), **given}
        if "JPY_SESSION_NAME" not in given:
            env.pop("JPY_SESSION_NAME", None)  # the kernel knows no notebook unless a test says so
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        env["IPYTHONDIR"] = str(ipython_dir(folder, startup))
        if python is not None:  # a kernel of another environment (its own sys.prefix)
            specs = folder / "kernelspecs"
            spec = specs / "kernels" / "other-env"
            spec.mkdir(parents=True, exist_ok=True)
            (spec / "kernel.json").write_text(json.dumps({
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "another environment", "language": "python"}))
            manager = KernelManager(kernel_name="other-env",
                                    kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs / "kernels")]))
            manager.start_kernel(cwd=str(folder), env=env)
            self.km, self.kc = manager, manager.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=120)
            return
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(folder), env=env)

    def run(self, code: str, timeout: float = 600) -> tuple[str, str | None, list[str]]:
        msg_id = self.kc.execute(code)
        out, err, traceback = [], None, []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                out.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                err = f"{content['ename']}: {content['evalue']}"
                traceback = content["traceback"]
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(out), err, traceback

    def restart(self):
        self.km.restart_kernel(now=True)
        self.kc.wait_for_ready(timeout=120)

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

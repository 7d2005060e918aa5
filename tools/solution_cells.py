"""A challenge's cells in a learner notebook: the checker call after the learner's code, and
the reference solution that runs only where the learner's answer is missing.

nbgrader and otter-grader cut the solution out of the student's notebook (a stub such as
``raise NotImplementedError`` or ``...`` in its place); this lesson's later cells build on
each answer, so the solution stays, collapsed, and runs behind a guard
(``cifar_cnn.checks.progress``): ``if not passed("pooling"):`` when a checker judges the
challenge, ``if not defined("history_fit"):`` when none does.
"""

from __future__ import annotations

import re

_CHECK_CALL = re.compile(r"^(check_\w+)\((\w+)")
_DEFINES = re.compile(r"^(?:def|class)\s+(\w+)|^((?:\w+\s*,\s*)*\w+)\s*=(?!=)", re.M)


def assigned_names(code: str) -> set[str]:
    return set(re.findall(r"^(\w+)\s*=", code, re.M))


def checker_lines(stub: str | None, solution_code: list[str]) -> list[str]:
    """The solution's top-level checker calls on a name the learner's code defines."""
    if stub is not None and "check_" in stub:
        return []  # the stub already ends with its check
    names = assigned_names(stub) if stub is not None else set()
    lines = []
    for code in solution_code:
        local = names or assigned_names(code)
        for line in code.split("\n"):
            match = _CHECK_CALL.match(line)
            if match and match.group(2) in local and line not in lines:
                lines.append(line)
    return lines


def defined_names(code: str) -> set[str]:
    """The names a cell's top-level lines define (assignments, def, class)."""
    names = set()
    for match in _DEFINES.finditer(code):
        names |= {name.strip() for name in (match.group(1) or match.group(2)).split(",")}
    return names


def guarded_solution(challenge, later: list[str], seen: set[str], checked_vars: dict) -> str | None:
    """The learner notebook's runnable reference solution of one challenge, or None when
    nothing after it needs what it defines (then the collapsed markdown is enough).

    It runs only where the learner's answer is missing: with a checker, when the step's
    last check did not pass (``passed``); without one, when the learner's cells have not
    defined the names that later cells use (``defined``). A step that replaces a variable
    a previous check read (``x = ...(x)``) starts again from the value that passed that
    check (``checked``), not from whatever a wrong answer left in it."""
    run = challenge["run"]
    if not run:
        return None
    stub = challenge["stub"] or ""
    # the checker call after the stub, or the one at the end of the stub itself
    lines = checker_lines(challenge["stub"], challenge["solution"]) or [
        line for line in stub.split("\n") if _CHECK_CALL.match(line)]
    if lines:
        check, var = _CHECK_CALL.match(lines[0]).groups()
        step = check.removeprefix("check_")
        last = max((i for i, source in enumerate(run) if any(line in source.split("\n") for line in lines)),
                   default=len(run) - 1)
        body = "\n".join(run[: last + 1])  # what follows the check only illustrates it
        first = re.search(r"^(\w+)\s*=(?!=)(.*)$", body, re.M)
        rewind = ""
        if first and first.group(1) in checked_vars and re.search(rf"\b{first.group(1)}\b", first.group(2)):
            name, earlier = first.group(1), checked_vars[first.group(1)]
            rewind = f"    {name} = checked(\"{earlier}\")  # the {name} that check_{earlier}() passed, not what a wrong answer left\n"
        checked_vars[var] = step
        imports = "passed, checked" if rewind else "passed"
        head = f"from cifar_cnn.checks import {imports}\nif not passed(\"{step}\"):\n{rewind}"
    else:
        new = sorted(set().union(*(defined_names(source) for source in run)) - seen)
        needed = [name for name in new if any(re.search(rf"\b{name}\b", text) for text in later)]
        if not needed:
            return None
        quoted = ", ".join(f'"{name}"' for name in needed)
        head = f"from cifar_cnn.checks import defined\nif not defined({quoted}):\n"
        body = "\n".join(run)
    indented = "\n".join(("    " + line) if line.strip() else "" for line in body.split("\n"))
    return head + indented


def add_checker(challenge, stub, code):
    lines = checker_lines(stub, challenge["solution"])
    if lines:
        code("# Check your answer: run this after your code above\n" + "\n".join(lines),
             tags=["raises-exception"])

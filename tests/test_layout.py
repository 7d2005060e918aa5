"""The package's layout and its one-home rules (CONTRIBUTING.md, "Layout" and "How the
code is written"), checked on the source.

- no two modules share a basename (in ``cifar_cnn/``, or between it and ``benchmarks/``);
- "check" names the exercise checker only (``cifar_cnn/checks/``);
- the speed-run recipe stays out of the learner's modules, and ``cifar-cnn train`` reaches
  every recipe through the registry, with no recipe named in its code;
- every public name is declared in one ``__all__``, by the module that defines it;
- argument checks, the seed, the alignment and ``one_line`` each have one home;
- every name the lesson's pages import from ``cifar_cnn`` exists.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cifar_cnn"
MODULES = sorted(PACKAGE.rglob("*.py"))
EXERCISES = PACKAGE / "checks"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# ---------------------------------------------------------------- names of files


def test_no_two_modules_share_a_basename():
    names = Counter(p.name for p in MODULES if p.name != "__init__.py")
    repeated = {name: [_rel(p) for p in MODULES if p.name == name] for name, n in names.items() if n > 1}
    assert not repeated, f"rename so a newcomer can tell them apart: {repeated}"
    shared = {p.name for p in (ROOT / "benchmarks").glob("*.py")} & set(names)
    assert not shared, f"a benchmark script and a module share a name: {sorted(shared)}"


def test_check_means_the_exercise_checker_only():
    """Outside cifar_cnn/checks/, argument checks are ``require_*``, the doctor's are ``probe_*``."""
    found = []
    for path in MODULES:
        if EXERCISES in path.parents:
            continue
        if "check" in path.stem:
            found.append(f"{_rel(path)}: the file name")
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and re.match(r"_?check", node.name, re.I):
                found.append(f"{_rel(path)}:{node.lineno} {node.name}")
    assert not found, "'check' is the exercise checker's word:\n" + "\n".join(found)


# ---------------------------------------------------------------- the three audiences


def _imports(path: Path) -> set[str]:
    """Absolute names of the cifar_cnn modules ``path`` imports (relative imports resolved)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_learners_modules_do_not_reach_the_recipes_or_the_workshop():
    """A learner reading how train() works meets neither the speed-run nor the workshop kit
    (friendly_errors is offered at the top level but imported only when called)."""
    learner = [p for p in MODULES if not ({"recipes", "workshop", "cli"} & set(p.relative_to(PACKAGE).parts[:-1]))
               and p.name not in ("__init__.py", "__main__.py")]
    assert learner
    found = [
        f"{_rel(p)} imports {name}"
        for p in learner
        for name in _imports(p)
        if name.startswith(("cifar_cnn.recipes", "cifar_cnn.workshop"))
    ]
    assert not found, "\n".join(found)


def test_no_lesson_page_mentions_the_speedrun_machinery():
    pages = [*ROOT.glob("episodes/*.md"), *ROOT.glob("notebooks/*.ipynb")]
    assert pages
    assert not [p.name for p in pages if "speedrun" in p.read_text(encoding="utf-8")]


def test_cmd_train_reaches_every_recipe_through_the_registry():
    from cifar_cnn.cli import model_commands
    from cifar_cnn.recipes import OWN_FACTORIES, RECIPES, TRAINED_BY

    source = inspect.getsource(model_commands.cmd_train)
    tree = ast.parse(source)
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    names = {*RECIPES, *TRAINED_BY, *OWN_FACTORIES}
    assert not strings & names, f"cmd_train names a recipe: {sorted(strings & names)}"
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "getattr" not in calls
    assert "RECIPES" not in source and "train_fast" not in source and "speedrun" not in source


def test_the_recipes_defaults_are_the_trainers_signatures():
    """Written once: the registry and the command line's help read them from the trainers."""
    from cifar_cnn import lesson
    from cifar_cnn.cli import build_parser
    from cifar_cnn.recipes import RECIPES

    for recipe in RECIPES.values():
        parameters = inspect.signature(recipe.trainer).parameters
        assert (recipe.epochs, recipe.batch_size) == (parameters["epochs"].default, parameters["batch_size"].default)
    assert (RECIPES["lesson"].epochs, RECIPES["lesson"].batch_size) == (lesson.EPOCHS, lesson.BATCH_SIZE)
    help_text = " ".join(_train_help(build_parser()).split())
    assert f"default {lesson.EPOCHS}; fast: {RECIPES['fast'].epochs}; speedrun: {RECIPES['speedrun'].epochs}" in help_text
    code = ast.unparse(ast.parse((PACKAGE / "cli" / "model_commands.py").read_text(encoding="utf-8")))  # no comments
    assert "fast: 15" not in code and "speedrun: 256" not in code and "epochs=15" not in code


def _train_help(parser) -> str:
    for action in parser._subparsers._group_actions:
        return action.choices["train"].format_help()
    raise AssertionError("no subcommands")


# ---------------------------------------------------------------- one declaration per name


def _declared(path: Path) -> list[str]:
    for node in _tree(path).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
        if isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == "__all__":
            raise AssertionError(f"{_rel(path)}: __all__ is written in one place (no +=)")
    return []


def _defined(path: Path) -> set[str]:
    names = set()
    for node in _tree(path).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:  # `OK, WARN, FAIL = ...` too
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


@pytest.mark.parametrize("path", [p for p in MODULES if p.name not in ("__init__.py", "__main__.py")], ids=_rel)
def test_a_module_declares_what_it_defines(path):
    declared = _declared(path)
    assert declared, f"{_rel(path)} has no __all__ = [...]"
    assert len(declared) == len(set(declared)), f"{_rel(path)}: a name twice in __all__"
    imported = sorted(set(declared) - _defined(path))
    assert not imported, f"{_rel(path)} re-exports {imported}: declare a name where it is defined"


def test_no_name_is_declared_by_two_modules():
    owners: dict[str, list[str]] = {}
    for path in MODULES:
        if path.name not in ("__init__.py", "__main__.py"):
            for name in _declared(path):
                owners.setdefault(name, []).append(_rel(path))
    twice = {name: where for name, where in owners.items() if len(where) > 1}
    assert not twice, twice


@pytest.mark.parametrize("path", [p for p in MODULES if p.name == "__init__.py" and p.parent != PACKAGE], ids=_rel)
def test_a_subpackage_offers_names_its_modules_declare(path):
    """A subpackage's __all__ picks from its modules' __all__; it declares nothing new."""
    module = importlib.import_module(_module_name(path))
    own = _defined(path)  # a package may define a few names itself (cifar_cnn.cli.main)
    for name in _declared(path):
        if name in own or inspect.ismodule(getattr(module, name)):
            continue
        declared_by = [p for p in path.parent.rglob("*.py") if p.name != "__init__.py" and name in _declared(p)]
        assert declared_by, f"{_rel(path)} offers {name}, which none of its modules declares in __all__"


# ---------------------------------------------------------------- one home per rule


def _sources():
    return {path: path.read_text(encoding="utf-8") for path in MODULES}


def test_argument_checks_live_in_validation_only():
    """Counts and real numbers are checked by cifar_cnn/validation.py, in its wording."""
    home = PACKAGE / "validation.py"
    patterns = [r"numbers\.Real", r"numbers\.Integral", r"must be a positive", r"must be a number 0 or more",
                r"must be a whole number", r"must be (a )?positive integers?"]
    found = [
        f"{_rel(path)}: {pattern}"
        for path, text in _sources().items()
        if path != home
        for pattern in patterns
        if re.search(pattern, text)
    ]
    assert not found, "use require_count / require_real from cifar_cnn.validation:\n" + "\n".join(found)


def test_one_default_seed():
    """lesson.SEED is the only seed written as a number; a function's seed defaults to it or to None."""
    found = []
    for path in MODULES:
        tree = _tree(path)
        for node in tree.body:  # a module's own seed constant
            if isinstance(node, ast.Assign) and path.name != "lesson.py":
                found += [f"{_rel(path)}:{node.lineno} {t.id} =" for t in node.targets
                          if isinstance(t, ast.Name) and "SEED" in t.id]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                pairs = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults))
                pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
                found += [f"{_rel(path)}:{node.lineno} {node.name}({a.arg}={d.value})"
                          for a, d in pairs if a.arg == "seed" and isinstance(d, ast.Constant) and d.value is not None]
    assert not found, "default to lesson.SEED or None:\n" + "\n".join(found)


def test_the_alignment_is_written_once():
    texts = _sources()
    assert sum(len(re.findall(r"^ALIGNMENT = ", t, re.M)) for t in texts.values()) == 1
    assert not [_rel(p) for p, t in texts.items() if re.search(r"% ?64\b", t)], "use ALIGNMENT"


def test_no_helper_is_written_twice():
    """No two functions of the package have the same body (one_line was written twice)."""
    bodies: dict[str, list[str]] = {}
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                if len(body) == 1 and isinstance(body[0], (ast.Pass, ast.Raise)) or not body:
                    continue
                key = ast.dump(ast.Module(body=body, type_ignores=[]))
                bodies.setdefault(key, []).append(f"{_rel(path)}:{node.lineno} {node.name}")
    copies = [where for where in bodies.values() if len(where) > 1]
    assert not copies, copies


# ---------------------------------------------------------------- the names the lesson uses


def _pages():
    pages = [*ROOT.glob("episodes/*.md"), *ROOT.glob("instructors/*.md"), *ROOT.glob("learners/*.md"),
             ROOT / "README.md", *ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("instructors/answer-key/*.ipynb")]
    return [p for p in pages if p.is_file()]


def learner_names() -> set[tuple[str, str]]:
    """(module, name) for every ``from cifar_cnn[.x] import a, b`` and ``cifar_cnn.name`` the
    lesson's pages, notebooks and README write."""
    found = set()
    for page in _pages():
        text = page.read_text(encoding="utf-8").replace("\\n", "\n").replace('\\"', '"')
        for module, names in re.findall(r"from (cifar_cnn(?:\.\w+)*) import \(?([\w\s,\n]+?)\)?(?:\n\n|\n[^ \t]|$|\"|#|`)",
                                        text):
            for part in names.split(","):
                name = part.split()[0] if part.split() else ""  # `a as b` imports a
                if re.fullmatch(r"\w+", name):
                    found.add((module, name))
        for dotted in re.findall(r"\bcifar_cnn((?:\.\w+)+)", text):
            found.add(("cifar_cnn", dotted.lstrip(".").split(".")[0]))
    return found


def test_the_lesson_finds_every_name_it_imports():
    names = learner_names()
    assert ("cifar_cnn", "create_model_intro") in names and ("cifar_cnn.checks", "passed") in names
    missing = []
    for module, name in sorted(names):
        imported = importlib.import_module(module)
        if hasattr(imported, name):
            continue
        try:
            importlib.import_module(f"{module}.{name}")
        except ImportError:
            missing.append(f"{module}.{name}")
    # words after `import` in prose ("from cifar_cnn import ...`: learners run it") are not names
    missing = [m for m in missing if not m.endswith(".learners")]
    assert not missing, f"the lesson imports names the package no longer has: {missing}"

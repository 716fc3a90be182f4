"""No experiment is named in code outside its own modules, except in the registry (engine/registry.py).

Code, not prose: the source is read with tokenize, so comments and docstrings may say
"the 1-D lab (engine/lab1d)", while an import, a name or a string that does (`lab1d`,
"--classes") outside the experiment's own modules fails here. Where other code needs
another experiment it asks the registry (a capability, a lesson link, the spec's window).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from filterlab.engine import registry

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "filterlab.engine.registry"


def _modules() -> dict[str, Path]:
    found = {"filterlab.main": ROOT / "main.py"}
    for package in ("engine", "gui"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(("filterlab",) + path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _docstrings(source: str) -> set[int]:
    """The first lines of the module's, classes' and functions' docstrings."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                lines.add(first.lineno)
    return lines


def mentions(source: str, words: tuple[str, ...]) -> list[str]:
    """Where the code (names, strings that are not docstrings; never comments) says one of `words`."""
    docstrings = _docstrings(source)
    patterns = [re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])") for word in words]
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in words \
                or token.type == tokenize.STRING and token.start[0] not in docstrings \
                and any(p.search(token.string) for p in patterns):
            found.append(f"{token.start[0]}: {token.string[:60]}")
    return found


def _own(experiment: registry.Registration) -> tuple[str, ...]:
    """The experiment's package, the module that registers it, and the modules it declares its own."""
    return (f"filterlab.engine.{experiment.name}", experiment.spec_from_args.__module__, REGISTRY) \
        + experiment.own_modules


def _is_own(module: str, own: tuple[str, ...]) -> bool:
    return any(module == o or module.startswith(o + ".") for o in own)


EXPERIMENTS = [r for r in registry.registrations() if r.flag is not None]  # the default one is "digit", a word


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=[r.name for r in EXPERIMENTS])
def test_no_experiment_is_named_outside_its_own_modules(experiment):
    own = _own(experiment)
    words = (experiment.name, str(experiment.flag))
    offenders = [f"{path.relative_to(ROOT)}:{where}" for module, path in sorted(_modules().items())
                 if not _is_own(module, own) for where in mentions(path.read_text(), words)]
    assert offenders == []


def test_the_check_sees_code_and_not_prose():
    source = ('"""The 1-D lab: engine/lab1d, --lab1d."""\n'
              '# lab1d in a comment\n'
              'def f():\n    """lab1d in a docstring"""\n    return "--lab1d"\n'
              'from filterlab.engine.lab1d.spec import Lab1DSpec\n'
              'x = "lab1d-ish --lab1dx"\n')
    assert mentions(source, ("lab1d", "--lab1d")) == ["5: \"--lab1d\"", "6: lab1d"]

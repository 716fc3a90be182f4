"""The shape of the code, held by tests: no import circles, small modules, no private reach-ins.

Read from the source with `ast` (nothing is imported), so a deferred import inside a
function counts as much as one at the top of a file.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "gui")
MAX_FUNCTION_LINES = 50


def _modules() -> dict[str, Path]:
    """filterlab dotted name -> file, for engine/, gui/ and main.py."""
    found = {"filterlab.main": ROOT / "main.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(("filterlab",) + parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import statement in the file."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def _graph() -> dict[str, set[str]]:
    graph = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, names, _ in _imports(name, path):
            for target in [module] + [f"{module}.{n}" for n in names]:
                if target in MODULES and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycles_deferred_imports_included():
    assert _cycles(_graph()) == []


def test_the_engine_never_imports_the_gui():
    offenders = [f"{name} imports {target}" for name, targets in _graph().items() if name.startswith("filterlab.engine")
                 for target in targets if target.startswith("filterlab.gui")]
    assert offenders == []


def test_no_module_imports_another_modules_private_name():
    offenders = []
    for name, path in MODULES.items():
        for module, names, line in _imports(name, path):
            if module.startswith("filterlab") and module != name:
                offenders += [f"{path.relative_to(ROOT)}:{line} takes {n} from {module}"
                              for n in names if n.startswith("_") and not n.startswith("__")]
    assert offenders == []


def test_every_import_of_filterlab_names_a_real_module():
    """A stale name after a move fails here, not at run time in a rarely taken branch."""
    missing = []
    for name, path in MODULES.items():
        for module, names, line in _imports(name, path):
            if module.startswith("filterlab.") and module not in MODULES:
                missing.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert missing == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_stay_small(name):
    """Functions stay short; modules are cut by concept, not by a line count (issue 23)."""
    path = MODULES[name]
    source = path.read_text()
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"{path.relative_to(ROOT)}: functions over {MAX_FUNCTION_LINES} lines"


def test_every_package_folder_is_installed():
    """pyproject lists the packages under the one name `filterlab`; a new folder must be added there."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {"filterlab." + ".".join(p.parent.relative_to(ROOT).parts)
               for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")}
    assert folders | {"filterlab"} == listed

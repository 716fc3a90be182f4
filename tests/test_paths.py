"""Every file or module a docstring, a comment or a page names exists: a renamed module leaves no stale path.

Paths are written from the repository root (engine/core/metrics.py, gui/windows/, docs/lessons.md);
dotted names start with `filterlab.` (filterlab.engine.cli.reference, filterlab.main.main).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("engine", "gui", "bench", "tests", "docs", ".ci")
PATH = re.compile(r"(?<![\w./-])((?:%s)/[\w./-]*[\w/])" % "|".join(re.escape(top) for top in TOP))
DOTTED = re.compile(r"\bfilterlab(?:\.\w+)+")
GLOB = re.compile(r"[*<>{}]")


def sources() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "main.py", ROOT / "__main__.py", *sorted((ROOT / "docs").glob("*.md"))]
    for top in ("engine", "gui", "bench", "tests"):
        files += sorted((ROOT / top).rglob("*.py"))
    return files


def named_paths(text: str) -> set[str]:
    """The repository paths `text` names: a file with a suffix, or a folder ending in /."""
    found = set()
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        if GLOB.search(path) or not (path.endswith("/") or Path(path).suffix):
            continue
        found.add(path)
    return found


def resolves(dotted: str) -> bool:
    """filterlab.a.b[.name]: a module or package, or a name defined at the top of one."""
    parts = dotted.split(".")[1:]
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        module = base.with_suffix(".py") if not base.is_dir() else base / "__init__.py"
        if base.is_dir() or module.exists():
            rest = parts[cut:]
            if not rest:
                return True
            if len(rest) > 1 or not module.exists():
                return False
            return defines(module, rest[0])
    return False


def defines(module: Path, name: str) -> bool:
    """Whether `module` defines or imports `name` at its top level."""
    pattern = rf"^(?:def|class) {name}\b|^{name}\s*[:=]|^(?:from \S+ )?import [^\n]*\b{name}\b"
    return re.search(pattern, module.read_text(encoding="utf-8"), re.M) is not None


def exists(path: str) -> bool:
    """A path, or a module's name written as engine/core/files.save_figure."""
    if (ROOT / path).exists():
        return True
    module, _, name = path.rpartition(".")
    return bool(module) and (ROOT / f"{module}.py").exists() and defines(ROOT / f"{module}.py", name)


def test_the_finder_finds_paths_and_names():
    text = "see engine/core/metrics.py, the folder gui/windows/ and (docs/lessons.md); engine/*/spec.py is a pattern"
    assert named_paths(text) == {"engine/core/metrics.py", "gui/windows/", "docs/lessons.md"}
    assert resolves("filterlab.engine.core.metrics") and resolves("filterlab.engine.core.metrics.step_cosine")
    assert not resolves("filterlab.engine.core.nothing") and not resolves("filterlab.engine.core.metrics.nothing")
    assert exists("engine/core/files.save_figure") and not exists("engine/core/files.nothing")


@pytest.mark.parametrize("source", sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_named_path_exists(source: Path):
    text = source.read_text(encoding="utf-8")
    if source == Path(__file__).resolve():
        pytest.skip("its own examples name what does not exist, on purpose")
    missing = sorted(path for path in named_paths(text) if not exists(path))
    missing += sorted(name for name in set(DOTTED.findall(text)) if not resolves(name))
    assert not missing, f"{source.relative_to(ROOT)} names what does not exist: {missing}"

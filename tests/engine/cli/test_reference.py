"""docs/command-line.md is the parser's own reference, and --help says what --headless really writes."""
import re
from pathlib import Path

import pytest

from filterlab.engine.cli import reference
from filterlab.engine.cli.options import build_parser

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "command-line.md"


def test_docs_command_line_is_what_the_parser_generates():
    assert PAGE.read_text() == reference.reference(), (
        f"docs/command-line.md differs from the parser: run `{reference.COMMAND}`")


def test_every_option_is_in_the_reference_with_its_help_and_default():
    page = reference.reference()
    for action in build_parser()._actions:
        if action.dest == "help":
            continue
        row = next((line for line in page.splitlines() if line.startswith(f"| `{action.option_strings[0]}")), None)
        assert row is not None, action.option_strings
        assert (action.help or "").replace("|", "\\|") in row
    assert "| `--steps STEPS` |" in page and "(default: 5)" in page  # --filters' default, from Config


def test_a_changed_parser_changes_the_reference():
    """The check above can fail: a new option, or a new help text, is a different page."""
    parser = build_parser()
    parser.add_argument("--brand-new", help="an option nobody documented")
    assert "`--brand-new BRAND_NEW` | an option nobody documented |" in reference.reference(parser)
    assert reference.reference(parser) != PAGE.read_text()


def _written_per_mode() -> dict[str, set[str]]:
    """--headless's help, "a.png, b.json (one digit); ... (--compare, --lab1d)", as {mode: files}."""
    text = " ".join(next(a for a in build_parser()._actions if a.dest == "headless").help.split())
    files = {}
    for names, modes in re.findall(r"((?:[\w-]+\.\w+(?:, )?)+) \(([^)]*)\)", text):
        for mode in modes.split(", "):
            files[mode] = set(names.split(", "))
    return files


@pytest.mark.usefixtures("figures_unseen")
@pytest.mark.parametrize("mode, args", [
    ("one digit", ["--steps", "2"]),
    ("--classes", ["--classes", "3,7", "--epochs", "1", "--batch-size", "80"]),
    ("--compare", ["--compare", "seed=1;seed=2", "--steps", "2"]),
    ("--lab1d", ["--lab1d", "--steps", "2"]),
])
def test_headless_help_names_the_files_each_mode_writes(tmp_path, run_main, mode, args):
    code, _, err = run_main(["--headless", *args, "--out", tmp_path / "run"])
    assert code == 0, err
    assert {p.name for p in (tmp_path / "run").iterdir()} == _written_per_mode()[mode]

"""README.md and docs/*.md are tested: every shell command in them runs, or is checked against the parser.

- A headless app command is run in-process, in a temporary folder, with a few steps (`--steps 3`,
  `--epochs 1`), and must exit 0. A window command is parsed and checked by the app's own
  `launch.parse` (every option exists, the combination is allowed, its digit or session loads).
- The commands of all pages run in order in one folder, so a `--load` finds the session an earlier
  command saved. A headless command with the same options as one already run (other values, such
  as the step count or the folder) is parsed and checked, not run again: each kind runs once.
- `python -m MODULE` commands (bench, pytest, the reference generator) are checked against the
  module's `--help` or their files; install commands against pyproject.toml. Anything else is an
  unknown command and fails, as does a `python main.py` that would not run unless a venv is active.
- Figures: docs/performance.md's block is what `python -m bench --from FILE --markdown` prints;
  a section that quotes a speed names the commit it was measured at.
"""
import contextlib
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as pip vendors it
    from pip._vendor import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
APP = (".venv/bin/python main.py", ".venv/bin/python -m filterlab", ".venv/bin/filterlab")
FEW = {"--steps": "3", "--epochs": "1"}
OUTPUTS = ("--out", "--gif", "--save-session", "--export-script", "--export-notebook", "--screenshot")
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
EXPERIMENTS = ("--classes", "--compare", "--lab1d", "--original")  # each draws pictures of its own
BENCH_BLOCK = re.compile(r"<!-- bench: (\S+) -->\n(.*?)\n<!-- /bench -->", re.S)


def page_commands(page: Path) -> list[str]:
    """Every shell command of a page: the lines of its bash blocks (continuations joined, split at &&),
    and inline code that starts with .venv/bin/."""
    text = page.read_text()
    commands = []
    for block in re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            commands += [part.strip() for part in line.split(" && ")]
    commands += re.findall(r"(?<!`)`(\.venv/bin/[^`]+)`", text)
    return [c for c in commands if c and not c.startswith("#")]


def all_commands() -> list[tuple[str, str]]:
    return [(page.relative_to(ROOT).as_posix(), command) for page in PAGES for command in page_commands(page)]


def test_the_pages_have_commands_and_the_readme_its_two():
    readme = page_commands(ROOT / "README.md")
    assert "python3 -m venv .venv" in readme and ".venv/bin/pip install -e ." in readme
    assert ".venv/bin/pip install -e '.[test]'" in readme and ".venv/bin/python -m pytest" in readme
    assert ".venv/bin/python main.py" in readme
    assert len(all_commands()) > 30


def test_readme_fits_on_a_few_screens():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


def test_ci_runs_the_readme_test_line():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci in (ROOT / "README.md").read_text()


def test_one_way_to_call_the_app():
    """`python main.py` fails unless a venv is active: every page calls `.venv/bin/python main.py`."""
    bare = re.compile(r"(?<![\w/.])python3? (?:main\.py|-m (?!venv\b))")
    for page in PAGES:
        text = BENCH_BLOCK.sub("", page.read_text())  # the bench's own output names itself
        text = re.sub(r"```python\n.*?```", "", text, flags=re.S)  # an exported script's own usage
        lines = [line for line in text.splitlines() if bare.search(line) and "source .venv/bin/activate" not in line]
        assert not lines, f"{page.name}: call the app as .venv/bin/python main.py: {lines}"


def write_example_lesson(folder: Path) -> None:
    """The teacher's guide opens the lesson file it shows (its ````markdown block) and the image it names."""
    import numpy as np
    from PIL import Image

    from filterlab.engine.data import bundled_digit

    text = re.search(r"````markdown\n(.*?)````", (ROOT / "docs" / "teaching.md").read_text(), re.S).group(1)
    (folder / "my-lesson.md").write_text(text, encoding="utf-8")
    seven = bundled_digit(7)[0]
    Image.fromarray((np.asarray(seven) * 255).astype(np.uint8)).save(folder / "my-seven.png")


def test_every_command_runs_or_parses(tmp_path, monkeypatch, run_main, unseen_figures):
    monkeypatch.chdir(tmp_path)
    write_example_lesson(tmp_path)
    ran, failures, drawn = set(), [], set()

    def run(args):
        """Each experiment's pictures are drawn on its first run; its later runs, which differ in what else they
        write (a GIF, a session, a script) or where they start (--load), save them unseen (~0.8 s of CPU a run)."""
        experiment = next((option for option in EXPERIMENTS if option in args), "one digit")
        again = "--headless" in args and experiment in drawn
        if "--headless" in args:
            drawn.add(experiment)
        with unseen_figures() if again else contextlib.nullcontext():
            return run_main(args)

    for page, command in all_commands():
        try:
            problem = check(command, run, tmp_path, ran)
        except Exception as error:  # noqa: BLE001 - every failure is reported with its command
            problem = f"{type(error).__name__}: {error}"
        if problem:
            failures.append(f"{page}: {command}\n    {problem}")
    assert not failures, "\n".join(failures)


def check(command: str, run_main, folder: Path, ran: set | None = None) -> str:
    """'' if the command works (run, or checked), else why not."""
    argv = shlex.split(command, comments=True)
    while argv and re.fullmatch(r"QT_QPA_PLATFORM=\w+", argv[0]):
        argv = argv[1:]
    line = " ".join(argv)
    for app in APP:
        if line == app or line.startswith(app + " "):
            return check_app(argv[len(app.split()):], run_main, folder, set() if ran is None else ran)
    if argv[:3] == ["python3", "-m", "venv"] or line == "source .venv/bin/activate":
        return ""
    if argv[:2] == ["sudo", "apt-get"] and argv[2] == "install":
        return ""
    if argv[0] == "xvfb-run":
        return check(shlex.join(argv[1:]), run_main, folder, ran)
    if argv[:2] == [".venv/bin/pip", "install"]:
        return check_install(argv[2:])
    if argv[:3] == [".venv/bin/python", "-m", "pytest"]:
        missing = [a for a in argv[3:] if not a.startswith("-") and not (ROOT / a.split("::")[0]).exists()]
        return f"no such test path {missing}" if missing else ""
    if argv[:3] == [".venv/bin/python", "-m", "filterlab.engine.cli.reference"]:
        from filterlab.engine.cli.reference import reference
        target = argv[argv.index(">") + 1] if ">" in argv else None
        return "" if target and (ROOT / target).read_text() == reference() else f"{target} is not what it generates"
    if argv[:2] == [".venv/bin/python", "-m"]:
        return check_module_options(argv[2], argv[3:])
    if argv[0] == ".venv/bin/python" and argv[1].endswith(".py"):
        return "" if (ROOT / argv[1]).is_file() else f"no such file {argv[1]}"
    return "unknown command: not the app, the bench, the tests or an install"


def check_app(args: list[str], run_main, folder: Path, ran: set) -> str:
    """Headless: run with a few steps, into `folder`, once per set of options (`ran`). Otherwise, and for
    the window: the app's own parse and checks."""
    if "--help" in args:
        code, out, _ = run_main(["--help"])
        return "" if code == 0 and "--headless" in out else "--help failed"
    kind = tuple(sorted(a for a in args if a.startswith("--")))
    if "--headless" not in args or kind in ran:
        from filterlab.engine.cli.launch import parse
        from filterlab.engine.cli.options import UsageError
        try:
            parse(args)
        except UsageError as error:
            return f"refused: {error}"
        except SystemExit as stop:  # argparse: an option that does not exist
            return f"exit {stop.code}: not options of the app"
        return ""
    args = few_steps(args)
    for option in OUTPUTS:
        if option in args:
            path = Path(args[args.index(option) + 1])
            if path.is_absolute():
                return f"{option} {path}: give a relative path"
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
    code, _, err = run_main(args)
    ran.add(kind)
    return "" if code == 0 else f"exit {code}: {err.strip()[-300:]}"


def few_steps(args: list[str]) -> list[str]:
    """--steps 3 (--epochs 1 for a set run), whatever the page says."""
    args = list(args)
    option = "--epochs" if "--classes" in args else "--steps"
    if option in args:
        args[args.index(option) + 1] = FEW[option]
    else:
        args += [option, FEW[option]]
    return args


def check_install(args: list[str]) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {re.split(r"[<>=!;\[ ]", d)[0].lower() for d in project["dependencies"]}
    if args[:1] == ["-e"]:
        extras = re.fullmatch(r"\.(?:\[(\w+)\])?", args[1])
        if not extras or (extras[1] and extras[1] not in project["optional-dependencies"]):
            return f"no such install target {args[1]}"
        return ""
    if "--index-url" in args:
        index = args.index("--index-url")
        if args[index + 1] != CPU_INDEX:
            return f"unknown index {args[index + 1]}"
        args = args[:index] + args[index + 2:]
    unknown = [a for a in args if a.lower() not in wanted]
    return f"not a dependency of Filter Lab: {unknown}" if unknown else ""


@cache
def module_help(module: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    return done.stdout if done.returncode == 0 else ""


def check_module_options(module: str, args: list[str]) -> str:
    text = module_help(module)
    if not text:
        return f"python -m {module} --help failed: no such module?"
    unknown = [a for a in args if a.startswith("--") and not re.search(rf"{re.escape(a)}\b", text)]
    return f"not options of {module}: {unknown}" if unknown else ""


def test_a_broken_command_fails(tmp_path, monkeypatch, run_main):
    """The checks can fail: a gone option, a gone module, a failing run, a stranger."""
    monkeypatch.chdir(tmp_path)
    assert "not options of the app" in check(".venv/bin/python main.py --no-such-option", run_main, tmp_path)
    assert "refused" in check(".venv/bin/python main.py --gif f.gif", run_main, tmp_path)
    assert check(".venv/bin/python main.py --headless --filters 0 --out run/", run_main, tmp_path).startswith("exit 2")
    assert "unknown command" in check("python -m bench.lockstep", run_main, tmp_path)
    assert "no such module" in check(".venv/bin/python -m bench.lockstep", run_main, tmp_path)
    assert "not options" in check(".venv/bin/python -m bench --threads 4", run_main, tmp_path)
    assert "not a dependency" in check(".venv/bin/pip install tensorflow", run_main, tmp_path)
    assert "no such install target" in check(".venv/bin/pip install -e '.[gpu]'", run_main, tmp_path)


def test_few_steps_rewrites_the_count():
    assert few_steps(["--headless", "--steps", "5000"]) == ["--headless", "--steps", "3"]
    assert few_steps(["--headless", "--classes", "all"]) == ["--headless", "--classes", "all", "--epochs", "1"]


def test_performance_figures_are_what_the_bench_prints():
    page = (ROOT / "docs" / "performance.md").read_text()
    blocks = BENCH_BLOCK.findall(page)
    assert blocks
    for saved, block in blocks:
        printed = subprocess.run([sys.executable, "-m", "bench", "--from", saved, "--markdown"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60, check=True).stdout
        assert block == printed.rstrip("\n"), f"run `python -m bench --from {saved} --markdown` into performance.md"


SPEED = re.compile(r"\d[\d,.]*\s?(?:steps/s|fps|ms\b|µs\b)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_section_that_quotes_a_speed_names_its_commit(page):
    for section in re.split(r"\n(?=#+ )", page.read_text()):
        if SPEED.search(section):
            assert re.search(r"commits? `[0-9a-f]{7,}`", section), (
                f"{page.name}, section {section.splitlines()[0]!r}: {SPEED.search(section)[0]} without the commit "
                "it was measured at")


def test_the_commits_quoted_are_in_the_history():
    """A figure dated with a commit that does not exist is not dated."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    try:
        shallow = git("rev-parse", "--is-shallow-repository")
    except FileNotFoundError:
        pytest.skip("no git")
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        pytest.skip("not a full git clone: the history to check against is not here")
    quoted = {c for page in PAGES for c in re.findall(r"commits? `([0-9a-f]{7,})`", page.read_text())}
    assert quoted
    missing = [c for c in sorted(quoted) if git("cat-file", "-e", f"{c}^{{commit}}").returncode != 0]
    assert not missing, f"not commits of this repository: {missing}"


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_between_pages_and_pictures_resolve(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"https?:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md":
            anchors = {slug(h) for h in re.findall(r"^#+ (.*)$", linked.read_text(), re.M)}
            if anchor not in anchors:
                broken.append(target)
    assert not broken, f"{page.name}: links that lead nowhere: {broken}"


def test_the_gif_is_small():
    assert (ROOT / "docs" / "forming.gif").stat().st_size < 600_000

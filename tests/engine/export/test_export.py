"""A run exported as code (engine/export) trains again, in a fresh interpreter, to the app's own filters.

Each case is driven through the Trainer's public commands (set_hparams, set_image, set_filter,
set_initial_filters, a saved and reopened session) or the command line (--original), exported
as a script and as a notebook; then ONE fresh Python runs every script (`python run.py --out
DIR`, as a user would) and every notebook's code cells top to bottom, and each case compares
the filters.npy it wrote with the trainer's filters, to 1e-5 of their scale.
The script draws filters.png; the notebook runs the same picture code (checked) and only names the
file, not drawn a second time (each drawing costs ~0.4 s of CPU).
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer
from filterlab.engine.export.files import write_notebook, write_script
from filterlab.engine.export.record import ExportError, run_record

STEPS = 60  # per part of a run: small, and long enough for the filters to move well past their start
PLAIN = {"argparse", "base64", "io", "pathlib", "matplotlib.pyplot", "numpy", "torch"}  # all a script may import

RUNNER = """
import os, runpy, sys
from matplotlib.figure import Figure
draw = Figure.savefig
for folder in sys.argv[1:]:
    os.chdir(folder)
    sys.argv = ["run.py", "--out", "script"]
    Figure.savefig = draw
    runpy.run_path("run.py", run_name="__main__")
    os.makedirs("notebook")
    os.chdir("notebook")
    saved = []  # the notebook's picture is the script's code (a test checks): named, not drawn a second time
    Figure.savefig = lambda figure, path, *args, **kwargs: saved.append(str(path))
    runpy.run_path("../notebook.py", run_name="__main__")
    with open("saved.txt", "w") as names:
        names.write("\\n".join(saved))
"""


def strokes(filters, kernel, scale):
    """Hand-made filters: a few random whole strokes (rows and columns) of `scale`, seeded."""
    rng = np.random.default_rng(filters * kernel)
    made = np.zeros((filters, kernel, kernel), np.float32)
    for k in range(filters):
        made[k, rng.integers(kernel), :] = scale
        made[k, :, rng.integers(kernel)] = -scale
    return made


def default_run():
    trainer = Trainer()  # 5 filters of 28x28, Adam 1e-3, seed 0, the first bundled 4
    trainer.step(STEPS)
    return trainer


def sgd():
    trainer = Trainer(Config(filters=3, optimizer="sgd", lr=0.05, momentum=0.9))
    trainer.step(STEPS)
    return trainer


def live_learning_rate():
    trainer = Trainer(Config(filters=3))
    trainer.step(STEPS)
    trainer.set_hparams(lr=0.01, weight_decay=0.0)
    trainer.step(STEPS)
    return trainer


def new_digit():
    trainer = Trainer(Config(filters=3))
    trainer.step(STEPS)
    trainer.set_image(*bundled_digit(7))
    trainer.step(STEPS)
    return trainer


def painted_filters():
    """Painted mid-run, once keeping Adam's memory of the filter and once resetting it."""
    trainer = Trainer(Config(filters=3))
    trainer.step(STEPS)
    trainer.set_filter(1, strokes(3, 28, 0.1)[1], reset_optimizer=True)
    trainer.step(STEPS)
    trainer.set_filter(2, strokes(3, 28, 0.1)[2])
    trainer.step(STEPS)
    return trainer


def painted_start_small_kernels_new_optimizer():
    """Hand-painted at step 0 over a constant init, 5x5 kernels (the eager path), Adam then SGD."""
    trainer = Trainer(Config(filters=3, kernel=5, init="constant", init_value=0.02))
    trainer.set_initial_filters(strokes(3, 5, 0.1))
    trainer.step(STEPS)
    trainer.set_hparams(optimizer="sgd", lr=0.1, momentum=0.5)
    trainer.step(STEPS)
    return trainer


def drawn_digit_gaussian():
    """A digit that is no scanned 8-bit image (pixels that are not k/255) and a gaussian start."""
    image = np.clip(bundled_digit(2)[0] * 1.37 - 0.01, 0, 1).astype(np.float32)
    trainer = Trainer(Config(filters=2, init="gaussian", init_value=0.05, seed=11), image, 2)
    trainer.step(STEPS)
    return trainer


def diverged_then_smaller_rate():
    """A divergence rolled back (engine/core/rollback.py), then a smaller learning rate carries on."""
    trainer = Trainer(Config(filters=2, optimizer="sgd", lr=50.0))
    trainer.step(STEPS)
    assert trainer.diverged and 0 < trainer.step_count < STEPS
    trainer.set_hparams(lr=0.01)
    trainer.step(STEPS)
    return trainer


def many_digits():
    """A set run (--classes): minibatches of the bundled 3s and 7s over epochs, a new learning rate mid-run."""
    from filterlab.engine.digitset.data import bundled_set
    from filterlab.engine.digitset.trainer import SetTrainer
    trainer = SetTrainer(Config(filters=3), bundled_set((3, 7)), batch_size=32, epochs=4)
    trainer.step(7)
    trainer.set_hparams(lr=0.005)
    trainer.step(20)
    assert trainer.step_count == 20 and len(trainer.epochs) == 4
    return trainer


CASES = {f.__name__: f for f in (default_run, sgd, live_learning_rate, new_digit, painted_filters,
                                 painted_start_small_kernels_new_optimizer, drawn_digit_gaussian,
                                 diverged_then_smaller_rate, many_digits)}


def export(record, folder: Path) -> None:
    folder.mkdir()
    write_script(record, folder / "run.py")
    write_notebook(record, folder / "run.ipynb")
    notebook = json.loads((folder / "run.ipynb").read_text())
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    (folder / "notebook.py").write_text("\n\n".join(cells) + "\n")


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("exports")


@pytest.fixture(scope="module")
def reproduced(exports, unseen_figures):
    """{case: (the app's filters, the script's, the notebook's, the script's text)}: all exported runs, run
    in one fresh interpreter (each import of torch and matplotlib costs seconds). The two headless runs'
    own pictures are not looked at here: they are saved unseen."""
    root = exports
    apps, texts = {}, {}
    for name, make in CASES.items():
        trainer = make()
        export(run_record(trainer), root / name)
        apps[name] = trainer.learner.filters()
    apps["session"] = reopened_session(root)
    with unseen_figures():
        apps["original"] = original(root)
        apps["set_from_command_line"] = set_from_command_line(root)
    result = subprocess.run([sys.executable, "-c", RUNNER, *(str(root / name) for name in apps)],
                            capture_output=True, text=True, timeout=300, cwd=root, env=plain_environment())
    assert result.returncode == 0, result.stderr[-3000:]
    for name in apps:
        texts[name] = (root / name / "run.py").read_text()
    return {name: (apps[name], np.load(root / name / "script" / "filters.npy"),
                   np.load(root / name / "notebook" / "filters.npy"), texts[name]) for name in apps}


def reopened_session(root: Path) -> np.ndarray:
    """A run saved at step STEPS and reopened: its journal starts there, the script is exact from there."""
    from filterlab.engine.digit.session import load_session, save_session
    trainer = Trainer(Config(filters=3))
    trainer.step(STEPS)
    trainer.set_hparams(lr=0.003)
    trainer.set_filter(0, np.zeros((28, 28), np.float32))
    trainer.step(STEPS)
    save_session(trainer, root / "session.npz")
    trainer = load_session(root / "session.npz")
    trainer.step(STEPS)
    trainer.set_image(*bundled_digit(1))
    trainer.step(STEPS)
    export(run_record(trainer), root / "session")
    return trainer.learner.filters()


def original(root: Path) -> np.ndarray:
    """--original on the command line, exported by --export-script and --export-notebook after its training."""
    import torch

    from filterlab import main
    folder = root / "original"
    try:
        code = main.main(["--headless", "--original", "--steps", str(STEPS), "--out", str(folder / "run"),
                          "--export-script", str(folder / "run.py"), "--export-notebook", str(folder / "run.ipynb")])
    finally:
        torch.set_flush_denormal(False)  # the headless run flushes denormals on this thread
    assert code == 0
    notebook = json.loads((folder / "run.ipynb").read_text())
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    (folder / "notebook.py").write_text("\n\n".join(cells) + "\n")
    history = np.load(folder / "run" / "history.npz")
    assert history["filter_steps"][-1] == STEPS
    return history["filters"][-1]


def set_from_command_line(root: Path) -> np.ndarray:
    """--classes 1,7 with 5x5 kernels, exported after its epochs; the app's filters: the same run, in-process."""
    import torch

    from filterlab import main
    from filterlab.engine.digitset.data import bundled_set
    from filterlab.engine.digitset.trainer import SetTrainer
    folder = root / "set_from_command_line"
    try:
        code = main.main(["--headless", "--classes", "1,7", "--epochs", "2", "--filters", "2", "--kernel", "5",
                          "--out", str(folder / "run"), "--export-script", str(folder / "run.py"),
                          "--export-notebook", str(folder / "run.ipynb")])
    finally:
        torch.set_flush_denormal(False)
    assert code == 0
    notebook = json.loads((folder / "run.ipynb").read_text())
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    (folder / "notebook.py").write_text("\n\n".join(cells) + "\n")
    trainer = SetTrainer(Config(filters=2, kernel=5), bundled_set((1, 7)), epochs=2)
    trainer.step(10_000)
    return trainer.learner.filters()


def plain_environment() -> dict:
    """No PYTHONPATH: the scripts need torch, numpy and matplotlib, not filterlab (and no display)."""
    import os
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"} | {"MPLBACKEND": "Agg"}


@pytest.mark.parametrize("case", [*CASES, "session", "original", "set_from_command_line"])
def test_the_script_and_the_notebook_train_the_apps_filters(reproduced, case):
    app, script, notebook, _ = reproduced[case]
    scale = float(np.abs(app).max())
    assert script.shape == app.shape and notebook.shape == app.shape
    np.testing.assert_allclose(script, app, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(notebook, app, rtol=0, atol=1e-5 * scale)
    assert np.abs(script - app).max() < 0.05 * np.abs(app - app.mean()).max()  # not a start that barely moved


def picture_code(text: str) -> str:
    return text[text.index("count = len(final)"):text.index("print(\"wrote\"")]


@pytest.mark.parametrize("case", [*CASES, "session", "original", "set_from_command_line"])
def test_the_script_draws_filters_png_and_the_notebook_the_same_picture(reproduced, exports, case):
    from PIL import Image
    with Image.open(exports / case / "script" / "filters.png") as picture:
        assert picture.format == "PNG" and picture.width > 300 and picture.height > 300
    assert (exports / case / "notebook" / "saved.txt").read_text() == "filters.png"
    notebook = (exports / case / "notebook.py").read_text()
    assert picture_code(notebook) == picture_code(reproduced[case][3])


def test_the_script_imports_only_torch_numpy_matplotlib_and_says_what_happened(reproduced):
    for name, (*_, text) in reproduced.items():
        imported = {alias.name for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module for node in ast.walk(ast.parse(text)) if isinstance(node, ast.ImportFrom)}
        assert imported <= PLAIN, name
    text = reproduced["live_learning_rate"][3]
    assert f"step {STEPS}: learning rate from 0.001 to 0.01, weight decay from 1e-05 to 0.0" in text
    assert f"train({STEPS})  # steps {STEPS + 1} to {2 * STEPS}" in text and "group[\"lr\"] = 0.01" in text
    assert f"# After step {STEPS} you gave it a new digit, a 7" in reproduced["new_digit"][3]
    assert "nn.Conv2d(1, 5, kernel_size=28)" in reproduced["default_run"][3]
    assert "EXACT FROM STEP" not in reproduced["default_run"][3]
    session = reproduced["session"][3]
    assert session.index(f"EXACT FROM STEP {2 * STEPS} ONLY") < session.index("import")  # at the very top
    assert "def as_input" in text and "np.rint" in reproduced["original"][3]  # raw pixels 0-255


def test_every_exported_script_passes_ruff(reproduced, tmp_path):
    for name, (*_, text) in reproduced.items():
        (tmp_path / f"{name}.py").write_text(text)
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_notebook_is_a_valid_notebook_with_the_lessons_words(tmp_path):
    import nbformat
    trainer = Trainer(Config(filters=2))
    trainer.step(5)
    write_notebook(run_record(trainer), tmp_path / "run.ipynb")
    book = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    nbformat.validate(book)
    kinds = [cell.cell_type for cell in book.cells]
    assert kinds[0] == "markdown" and kinds[1:] == ["markdown", "code"] * 8
    assert "every update adds the digit" in book.cells[5].source
    assert "Filter Lab's own numbers for this run: 5 steps, final loss" in book.cells[13].source
    assert "argparse" not in "".join(cell.source for cell in book.cells if cell.cell_type == "code")


def test_a_comparison_and_a_set_too_large_to_embed_are_refused_in_one_line(digit):
    from filterlab.engine.comparison.runs import Comparison
    from filterlab.engine.digitset.data import DigitSet
    from filterlab.engine.digitset.trainer import SetTrainer
    with pytest.raises(ExportError, match="comparisons cannot"):
        run_record(Comparison([Config(filters=1), Config(filters=1, seed=1)], *digit))
    images = np.zeros((1001, 28, 28), np.float32)
    labels = np.arange(1001) % 2
    large = DigitSet(images[:900], labels[:900], images[900:], labels[900:], (0, 1), "1,001 digits")
    with pytest.raises(ExportError, match="1,001 digits, too many"):
        run_record(SetTrainer(Config(filters=1), large))


@pytest.mark.parametrize("argv, says", [
    (["--export-script", "run.py"], "--export-script is for --headless runs; the window exports from its File menu"),
    (["--headless", "--classes", "3,7", "--mnist-root", "mnist", "--export-script", "run.py"],
     "the full MNIST (--mnist-root) does not"),
    (["--headless", "--compare", "seed=1;seed=2", "--export-notebook", "run.ipynb"],
     "runs with --compare cannot be exported"),
    (["--headless", "--lab1d", "--export-script", "run.py"], "runs with --lab1d cannot be exported"),
    (["--headless", "--export-script", "run.txt"], "--export-script run.txt must end in .py"),
    (["--headless", "--export-notebook", "run.py"], "--export-notebook run.py must end in .ipynb"),
])
def test_what_cannot_be_exported_is_refused_in_one_line_before_training(tmp_path, run_main, argv, says):
    code, out, err = run_main(argv + ["--out", tmp_path / "never"])
    assert code == 2 and says in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "never").exists()


def test_an_export_path_that_can_never_be_written_is_refused_before_training(tmp_path, run_main):
    (tmp_path / "file").write_text("")
    (tmp_path / "folder.py").mkdir()
    for path, says in ((tmp_path / "file" / "run.py", "file is a file, not a folder"),
                       (tmp_path / "folder.py", "folder.py: it is a folder; give a file name")):
        code, _, err = run_main(["--headless", "--steps", 5, "--out", tmp_path / "run", "--export-script", path])
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()

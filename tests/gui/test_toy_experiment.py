"""A fifth experiment is its own code plus one registration (engine/registry.py): a toy proves it.

The toy is a real, tiny experiment implementing the protocol (engine/core/experiment.py):
one weight w learning y = target * x by gradient descent on the squared error. It is
registered through the public registry and then run as a user would: from the command
line headless (main()), and in its window offscreen (--screenshot), then unregistered.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QLabel

from filterlab.engine import registry
from filterlab.engine.cli.options import UsageError
from filterlab.engine.core.files import save_json
from filterlab.gui.windows.base import ExperimentWindow
from filterlab.gui.worker.pace import LESSON
from filterlab.main import main


HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ToySnapshot:
    step: int
    weight: float
    loss: float
    record_steps: np.ndarray = field(default_factory=lambda: np.arange(0))
    diverged: Optional[str] = None
    historical: bool = False


class Toy:
    """w <- w - lr * d/dw (w - target)^2, one step at a time; every step recorded."""

    interruptible = False
    finished: Optional[str] = None

    def __init__(self, target: float, lr: float):
        self.target, self.lr = target, lr
        self.reset()

    def reset(self, seed: Optional[int] = None) -> None:
        self.weight, self.step_count, self.diverged = 0.0, 0, None
        self.weights = [0.0]

    def step(self, n: int = 1, interrupt=None) -> int:
        for _ in range(n):
            self.weight -= self.lr * 2 * (self.weight - self.target)
            self.step_count += 1
            self.weights.append(self.weight)
        return n

    def set_hparams(self, **changes) -> None:
        if set(changes) - {"lr"}:
            raise ValueError(f"the toy has only lr, not {', '.join(changes)}")
        self.lr = changes["lr"]

    def set_image(self, image, label) -> None:
        raise ValueError("the toy learns a number, not a digit")

    def snapshot(self) -> ToySnapshot:
        return self._at(self.step_count, historical=False)

    def record_steps(self) -> np.ndarray:
        return np.arange(len(self.weights))

    def snapshot_at(self, step: int) -> ToySnapshot:
        return self._at(min(step, self.step_count), historical=True)

    def _at(self, step: int, historical: bool) -> ToySnapshot:
        weight = self.weights[step]
        return ToySnapshot(step, weight, (weight - self.target) ** 2, self.record_steps(), None, historical)


@dataclass(frozen=True)
class ToySpec:
    target: float = 3.0
    lr: float = 0.1
    description: str = "the toy"
    device: str = "cpu"
    start_step: int = 0

    def build(self) -> Toy:
        return Toy(self.target, self.lr)


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("toy (a test's experiment)")
    group.add_argument("--toy", action="store_true", help="learn one number by gradient descent")
    group.add_argument("--toy-target", type=float, help="the number to learn (default 3)")


def spec_from_args(args: argparse.Namespace) -> ToySpec:
    if args.toy_target is not None and not -100 <= args.toy_target <= 100:
        raise UsageError(f"--toy-target must be from -100 to 100, got {args.toy_target}")
    return ToySpec(3.0 if args.toy_target is None else args.toy_target, args.lr)


def run(toy: Toy, spec: ToySpec, steps, out: Path) -> tuple[list[str], bool]:
    toy.step(50 if steps is None else steps)
    out.mkdir(parents=True, exist_ok=True)
    save_json(out / "toy.json", {"steps": toy.step_count, "weight": toy.weight, "target": spec.target})
    return [f"wrote {out}/toy.json: w = {toy.weight:.4f}"], False


class WeightView(QLabel):
    """A view (gui/views/base.py's View): draws only from the snapshot it is handed."""

    max_hz: Optional[float] = None  # drawn every frame

    def draw(self, snapshot: ToySnapshot) -> None:
        self.setText(f"step {snapshot.step}: w = {snapshot.weight:.4f}, loss {snapshot.loss:.2g}")


class ToyWindow(ExperimentWindow):
    def __init__(self, spec: ToySpec, running: bool = True, speed=LESSON):
        super().__init__(spec.build, running=running, speed=speed, reset_tip="w back to 0 (R)")
        self.setWindowTitle("Filter Lab — toy")
        self.weight_view = WeightView()
        self.views = (self.weight_view,)
        self.set_body(self.weight_view)
        self.resize(500, 300)
        self.start()


TOY = registry.Registration(
    name="toy", title="the toy", described_as="--toy", flag="--toy", only=("toy_target",), add_options=add_options,
    spec_types=(ToySpec,), spec_from_args=spec_from_args, run=run, out_files=("toy.json",),
    window=f"{__name__}:ToyWindow")  # the module as imported, by pytest or by the subprocess below


@pytest.fixture
def toy():
    registry.register(TOY)
    yield TOY
    registry.unregister("toy")


def test_the_toy_runs_headless_from_the_command_line(toy, tmp_path, capsys):
    assert main(["--toy", "--toy-target", "2.5", "--lr", "0.1", "--headless", "--steps", "40",
                 "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "toy.json").read_text())
    assert written["steps"] == 40 and written["target"] == 2.5
    assert written["weight"] == pytest.approx(2.5 * (1 - 0.8 ** 40))  # w_t = target (1 - (1 - 2 lr)^t)
    assert "toy.json" in capsys.readouterr().out


def test_the_toy_takes_part_in_parsing_help_and_exclusions(toy, capsys):
    assert main(["--help"]) == 0
    assert "--toy-target" in capsys.readouterr().out
    assert main(["--headless", "--toy-target", "2"]) == 2  # an option of the toy's, without --toy
    assert "--toy-target belong(s) to the toy; add --toy" in capsys.readouterr().err
    assert main(["--toy", "--lab1d", "--headless"]) == 2
    assert "--toy and --lab1d do not mix" in capsys.readouterr().err


def test_once_unregistered_the_toy_is_gone(toy, capsys):
    registry.unregister("toy")
    try:
        assert main(["--toy", "--headless"]) == 2
        assert "unrecognized arguments: --toy" in capsys.readouterr().err
    finally:
        registry.register(TOY)


def test_the_toy_opens_in_its_window_offscreen(tmp_path):
    """--toy --screenshot, in a process of its own as a user runs it: this module registers the toy there."""
    shot = tmp_path / "toy.png"
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import {Path(__file__).stem} as toy; "
            "from filterlab.engine import registry; from filterlab.main import main; "
            f"registry.register(toy.TOY); sys.exit(main(['--toy', '--screenshot', {str(shot)!r}, '--steps', '30']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = Image.open(shot)
    assert image.width >= 400 and image.height >= 200


def test_the_toy_window_draws_what_it_trained(toy, qtbot):
    """The window comes from the registry (gui/app.py), trains on its worker, and its view shows the snapshot."""
    from filterlab.gui.app import open_window

    window = open_window(ToySpec(target=1.0, lr=0.25), running=False, speed=0)
    qtbot.addWidget(window)
    assert isinstance(window, ToyWindow)
    window.commands.train(3)
    qtbot.waitUntil(lambda: window.weight_view.text().startswith("step 3"), timeout=15_000)
    assert window.weight_view.text() == "step 3: w = 0.8750, loss 0.016"  # 0.5, 0.75, 0.875
    window.close()

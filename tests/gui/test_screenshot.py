"""--screenshot: the real window, from the command line, trains N steps and saves itself as a PNG."""
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import save_session
from filterlab.engine.digit.trainer import Trainer

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_opens_on_a_loaded_session(tmp_path, digit):
    """--load with --screenshot: the real window starts from the saved step and trains --steps more."""
    trainer = Trainer(Config(filters=2, kernel=9), *digit)
    trainer.step(40)
    save_session(trainer, tmp_path / "s.npz")
    result = subprocess.run(
        [sys.executable, "main.py", "--load", str(tmp_path / "s.npz"), "--screenshot", str(tmp_path / "shot.png"),
         "--steps", "25"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "shot.png").stat().st_size > 10_000


def test_lab_screenshot_from_the_command_line(tmp_path):
    shot = tmp_path / "lab.png"
    result = subprocess.run([sys.executable, "main.py", "--lab1d", "--screenshot", str(shot), "--steps", "200"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = Image.open(shot)
    assert image.width >= 1000 and image.height >= 700

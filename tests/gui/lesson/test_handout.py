"""--lesson --lesson-step N --screenshot: one lesson step as a picture, from the command line."""
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[3]


def test_a_running_step_of_the_german_lesson_as_a_picture(tmp_path):
    shot = tmp_path / "step5.png"
    result = subprocess.run([sys.executable, "main.py", "--lesson", "--lesson-language", "de", "--lesson-step", "5",
                             "--steps", "5", "--screenshot", str(shot)],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    image = Image.open(shot)
    assert image.width >= 1000 and image.height >= 700

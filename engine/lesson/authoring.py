"""Writing a lesson from the window: "Save this state as a lesson step" appends the state on screen to a
lesson file as a step, with words that are placeholders for the teacher to rewrite.

The file is checked before and after: a file that does not read as a lesson is refused (nothing the
teacher wrote is overwritten), and the result must read back as the same lesson plus one step. The
digit goes beside the lesson as a PNG (a bundled digit is named instead); every write is atomic.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from filterlab.engine.core.config import Config
from filterlab.engine.core.files import save_atomic, save_image
from filterlab.engine.data import load_bundled
from filterlab.engine.lesson.reader import SETTINGS, LessonError, parse_lesson, read_lesson

DEFAULTS = Config()


@dataclass(frozen=True)
class Scene:
    """What the window shows, as a step can set it again."""

    config: Config
    image: np.ndarray  # (28, 28) in [0, 1]
    label: int
    step: int
    tab: Optional[str] = None
    spotlight: tuple[str, ...] = ()
    article: bool = False


def step_text(scene: Scene, number: int, image_name: Optional[str]) -> str:
    """A step's Markdown: a heading, the block of its state, and words to rewrite."""
    lines = [f"## {number}. Step {scene.step:,} (rewrite this title)", "", "```filterlab"]
    for key, field in SETTINGS.items():
        value = getattr(scene.config, field)
        if value != getattr(DEFAULTS, field) or key in ("seed", "optimizer", "lr"):
            lines.append(f"{key}: {value!r}" if isinstance(value, float) else f"{key}: {value}")  # repr: the same float
    sample = _bundled_index(scene.image)
    if image_name is not None:
        lines += [f"image: {image_name}", f"label: {scene.label}"]
    else:
        lines += [f"sample: {sample}", f"label: {scene.label}"]
    if scene.step:
        lines.append(f"train: {scene.step}")
    if scene.article:
        lines.append("article: on")
    if scene.tab:
        lines.append(f"tab: {scene.tab}")
    if scene.spotlight:
        lines.append(f"spotlight: {', '.join(scene.spotlight)}")
    words = ("Rewrite these words for your class. Now: {step_words} Loss {loss}, the {label}'s probability "
             "{probability}; cosines {cosines}; starting noise left off the ink {noise_left}.")
    lines += ["```", "", words, ""]
    return "\n".join(lines)


def _bundled_index(image: np.ndarray) -> Optional[int]:
    images = load_bundled()[0]
    match = np.flatnonzero((images == np.asarray(image, np.float32)).all(axis=(1, 2)))
    return int(match[0]) if len(match) else None


def append_step(path, scene: Scene, title: str = "My lesson", language: str = "en") -> int:
    """Append `scene` as a step to the lesson at `path` (a new lesson if there is none); the step's number.

    LessonError if the file there is not a lesson (it is left as it is); OSError if it cannot be written.
    """
    path = Path(path)
    if path.exists():
        before = read_lesson(path)
        text = path.read_text(encoding="utf-8-sig")
        count = len(before.steps)
    else:
        text = f"# {title}\n\n```filterlab\nlanguage: {language}\n```\n"
        count = 0
    number = count + 1
    image_name = None
    if _bundled_index(scene.image) is None:
        image_name = f"{path.stem}-step-{number}.png"
    addition = step_text(scene, number, image_name)
    new = text.rstrip("\n") + "\n\n" + addition
    if image_name is not None:
        pixels = np.clip(np.rint(np.asarray(scene.image) * 255), 0, 255).astype(np.uint8)
        save_image(Image.fromarray(pixels, mode="L"), path.parent / image_name)
    after = parse_lesson(new, path)  # the image is there now; a step that does not read back is never written
    if len(after.steps) != number:
        raise LessonError(f"{path}: the step did not read back")
    save_atomic(path, lambda temp: Path(temp).write_text(new, encoding="utf-8"))
    return number

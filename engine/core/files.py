"""Writing files so that a crash, a full disk or a closed laptop never leaves half a file.

Everything Filter Lab writes goes to a temporary file in the target's own folder and is
then renamed over the target in one step (os.replace is atomic on one file system): the
old file stays intact until the new one is complete.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np


def save_atomic(path, write: Callable[[str], None]) -> None:
    """Call write(temp_path), then move the finished file onto `path`."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(temp)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a saved file should read like any other
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_npz(path, arrays: dict[str, np.ndarray]) -> None:
    """Compressed .npz of plain arrays (never pickled objects)."""
    def write(temp: str) -> None:
        with open(temp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    save_atomic(path, write)


def save_json(path, data) -> None:
    save_atomic(path, lambda temp: Path(temp).write_text(json.dumps(data, indent=2) + "\n"))


def save_figure(figure, path) -> None:
    """A matplotlib Figure, in the format its suffix names: .png, .pdf, .svg (sharp at any size)."""
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    save_atomic(path, lambda temp: figure.savefig(temp, format=fmt, facecolor="white"))


def save_image(image, path) -> None:
    """A Pillow image, in the format its suffix names (png, gif, ...)."""
    fmt = Path(path).suffix.lstrip(".").upper() or "PNG"
    save_atomic(path, lambda temp: image.save(temp, format="JPEG" if fmt == "JPG" else fmt))

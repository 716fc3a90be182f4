"""Writing files so that a crash, a full disk or a closed laptop never leaves half a file.

Everything Filter Lab writes goes to a temporary file in the target's own folder and is
then renamed over the target in one step (os.replace is atomic on one file system): the
old file stays intact until the new one is complete.

A run killed mid-write (SIGKILL, a power cut) cannot remove its temporary file, so the
name says whose it is: `.<name>.filterlab-<pid>-<random>.part`. The next write into that
folder removes those whose process is gone.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, Optional

import numpy as np

TEMP_TAG = ".filterlab-"
TEMP_SUFFIX = ".part"
TEMP_NAME = re.compile(r"^\..*\.filterlab-(\d+)-[a-z0-9_]{6,}\.part$")
NAME_KEPT = 64  # characters of the target's name in its temp file's name, so a long name still fits
NAME_MAX, PATH_MAX = 255, 4096  # bytes: a part of a path, and a whole path (Linux; macOS allows less)


def save_atomic(path, write: Callable[[str], None]) -> None:
    """Call write(temp_path), then move the finished file onto `path`.

    An OSError names `path`, never the temporary file.
    """
    path = Path(path)
    remove_stale_temps(path.parent)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:NAME_KEPT]}{TEMP_TAG}{os.getpid()}-",
                                    suffix=TEMP_SUFFIX)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from None
    os.close(fd)
    try:
        write(temp)
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a saved file should read like any other
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None and error.filename in (temp, None):
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temp files in `folder` left by Filter Lab processes that no longer run; return them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed  # the write itself will say what is wrong with the folder
    for entry in entries:
        match = TEMP_NAME.match(entry.name)
        if match and not _running(int(match.group(1))) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError, OSError):
        return True  # another user's process, or a number no process has: leave it
    return True


def path_problem(path) -> Optional[str]:
    """Why `path` can never be written, in words; None if it may be (permissions are learnt by trying).

    Checked before hours of training, not after: a part of the path longer than the system
    allows, the whole path too long, or a part that exists and is a file, not a folder.
    """
    path = Path(path)
    encoded = os.fsencode(path)
    if len(encoded) >= PATH_MAX:
        return f"the path is {len(encoded):,} bytes long; the system allows at most {PATH_MAX - 1:,}"
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            return f"a part of the path is {len(os.fsencode(part))} bytes long; the system allows at most {NAME_MAX}"
    for parent in path.parents:
        try:
            if parent.exists():
                return None if parent.is_dir() else f"{parent} is a file, not a folder"
        except OSError as error:
            return error.strerror or str(error)
    return None


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

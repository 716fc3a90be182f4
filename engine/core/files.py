"""Writing files so that a crash, a full disk or a closed laptop never leaves half a file.

Everything Filter Lab writes goes to a temporary file in the target's own folder and is
then renamed over the target in one step (os.replace is atomic on one file system): the
old file stays intact until the new one is complete.

A run killed mid-write (SIGKILL, a power cut) cannot remove its temporary file, so the
name says whose it is: `.<name>.filterlab-<pid>-<random>.part`. The next write into that
folder removes those whose process is gone.
"""
from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import tempfile
import threading
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from filterlab.engine.core.user_files import shown

TEMP_TAG = ".filterlab-"
TEMP_SUFFIX = ".part"
TEMP_NAME = re.compile(r"^\..*\.filterlab-(\d+)-[a-z0-9_]{6,}\.part$")
NAME_KEPT = 64  # bytes of the target's name in its temp file's name, so a long name still fits
TEMP_RANDOM = 8  # characters tempfile adds
NAME_MAX, PATH_MAX = 255, 4096  # bytes: a part of a path, and a whole path (Linux; macOS allows less)
NOT_A_FILE = "it exists and is not a regular file (a device, a pipe, a socket or a folder); only files are replaced"
_umask_lock = threading.Lock()


def save_atomic(path, write: Callable[[str], object]) -> None:
    """Call write(temp_path), then move the finished file onto `path`.

    The file gets the mode of the file it replaces, or, when new, what the umask allows
    (0666 less the umask, as any program's new file). Only a regular file (or a link) is
    replaced: never a device, a FIFO or a socket. An OSError names `path`, never the
    temporary file.
    """
    path = Path(path)
    remove_stale_temps(path.parent)
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from None
    os.close(fd)
    try:
        write(temp)
        mode = _replaced_mode(path)  # mkstemp makes 0600
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno is not None and error.filename in (temp, None):
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise


def temp_prefix(name: str) -> str:
    """The start of a temp file's name for target `name`: `.<name>.filterlab-<pid>-`, the name cut to
    NAME_KEPT bytes (never in the middle of a character), so the temp name fits wherever the name does."""
    kept = os.fsencode(name)[:NAME_KEPT].decode("utf-8", "ignore")  # a byte that is not UTF-8 is left out
    return f".{kept}{TEMP_TAG}{os.getpid()}-"


def temp_name_bytes(name: str) -> int:
    """How long (in bytes) the temp file's name for target `name` is."""
    return len(os.fsencode(temp_prefix(name))) + TEMP_RANDOM + len(TEMP_SUFFIX)


def _replaced_mode(path: Path) -> int:
    """The old file's permission bits; 0666 less the umask for a new one. OSError for a special file."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    if stat.S_ISLNK(info.st_mode):  # the link is replaced; its target's mode is what the user set
        try:
            info = os.stat(path)
        except OSError:
            return 0o666 & ~_umask()
        return info.st_mode & 0o777 if stat.S_ISREG(info.st_mode) else 0o666 & ~_umask()
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EEXIST, NOT_A_FILE, str(path))
    return info.st_mode & 0o777  # read and write bits: never a set-user-ID bit onto a new file


def _umask() -> int:
    """The process's umask (reading it means setting it: done under a lock, at once set back)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def remove_stale_temps(folder: Path) -> list[Path]:
    """Remove temp files in `folder` left by Filter Lab processes that no longer run; return them."""
    removed: list[Path] = []
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

    Checked before hours of training, not after: a part of the path longer (in bytes) than
    its file system allows (os.pathconf), the temporary file's name or path too long, the
    whole path too long, or a part that exists and is a file, not a folder.
    """
    path = Path(path)
    length, temp_length = len(os.fsencode(path)), len(os.fsencode(path.parent)) + 1 + temp_name_bytes(path.name)
    if max(length, temp_length) >= PATH_MAX:
        temp = "" if length >= PATH_MAX else f" ({temp_length:,} as its temporary file's)"
        return f"the path is {length:,} bytes long{temp}; the system allows at most {PATH_MAX - 1:,}"
    problem = _name_problem(path, NAME_MAX)  # before asking the system about it: it would only say "too long"
    if problem:
        return problem
    folder, problem = _existing_folder(path)
    return problem or _name_problem(path, _name_max(folder))


def _name_problem(path: Path, name_max: int) -> Optional[str]:
    for part in path.parts:
        if len(os.fsencode(part)) > name_max:
            return f"a part of the path is {len(os.fsencode(part))} bytes long; the system allows at most {name_max}"
    if temp_name_bytes(path.name) > name_max:
        return (f"its temporary file's name would be {temp_name_bytes(path.name)} bytes long; "
                f"this file system allows at most {name_max}")
    return None


def _existing_folder(path: Path) -> tuple[Optional[Path], Optional[str]]:
    """(the nearest folder above `path` that exists, or None; why the path cannot be, or None)."""
    for parent in path.parents:
        try:
            if parent.exists():
                return (parent, None) if parent.is_dir() else (None, f"{shown(parent)} is a file, not a folder")
        except OSError as error:
            return None, error.strerror or str(error)
    return None, None


def _name_max(folder: Optional[Path]) -> int:
    """Bytes a name may have in `folder`'s file system (255 on most; fewer on some)."""
    try:
        return min(NAME_MAX, os.pathconf(folder or ".", "PC_NAME_MAX"))
    except (OSError, ValueError):
        return NAME_MAX


def output_problem(path, inputs: Optional[dict] = None) -> Optional[str]:
    """Why `path` cannot be an output file of this run, in words; None if it may be written.

    path_problem, and then what is there now: only a new name, a regular file or a link is
    replaced; never a folder, a device (/dev/null), a FIFO or a socket, nor a file this run
    reads (`inputs`: {what it is, e.g. "--load": its path}), under whatever name it is given.
    """
    problem = path_problem(path)
    if problem:
        return problem
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        return error.strerror or str(error)
    if stat.S_ISDIR(info.st_mode):
        return "it is a folder; give a file name"
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        return "it is a device, a pipe or a socket, not a file; an output is a new name or a regular file"
    for what, source in (inputs or {}).items():
        try:
            same = source is not None and os.path.samestat(info, os.stat(source))
        except OSError:
            continue
        if same:
            return f"it is the file {what} reads in this run; the output would replace it: choose another name"
    return None


def save_npz(path, arrays: dict[str, np.ndarray]) -> None:
    """Compressed .npz of plain arrays (never pickled objects)."""
    def write(temp: str) -> None:
        with open(temp, "wb") as handle:
            np.savez_compressed(handle, allow_pickle=False, **arrays)
    save_atomic(path, write)


def save_json(path, data) -> None:
    """Strict JSON, as every reader takes it: a NaN or an infinity is written as null."""
    text = json.dumps(strict_json(data), indent=2, allow_nan=False) + "\n"
    save_atomic(path, lambda temp: Path(temp).write_text(text))


def strict_json(data):
    """`data` with every float that JSON cannot hold (NaN, +-inf) replaced by None."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: strict_json(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict_json(value) for value in data]
    return data


def save_figure(figure, path) -> None:
    """A matplotlib Figure, in the format its suffix names: .png, .pdf, .svg (sharp at any size)."""
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    save_atomic(path, lambda temp: figure.savefig(temp, format=fmt, facecolor="white"))


def save_image(image, path) -> None:
    """A Pillow image, in the format its suffix names (png, gif, ...)."""
    fmt = Path(path).suffix.lstrip(".").upper() or "PNG"
    save_atomic(path, lambda temp: image.save(temp, format="JPEG" if fmt == "JPG" else fmt))

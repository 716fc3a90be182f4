"""Opening a file the user names, treated as hostile until it is known to be a plain file.

Every reader of user files (sessions, images, MNIST) opens through `open_input`:

* only a regular file is read. A FIFO would block the reader forever and a device such as
  /dev/zero never ends, so the file is opened without blocking (a FIFO's open returns at
  once) and checked with fstat on the very descriptor that will be read: nothing can be
  swapped in between the check and the read;
* its size is checked before a byte is read, against what that kind of file can need;
* what the operating system refuses (a name too long, no permission, a loop of links)
  becomes one sentence, never an OSError with a path as long as the one given.

No Qt, no torch: the window reads a --load file before either loads.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

MAX_SHOWN = 160  # characters of a path shown in a message; a longer one is shortened in the middle


class InputError(ValueError):
    """A file that cannot be read as asked; the message says why, without the path (callers add it)."""


def for_terminal(text, limit: int = MAX_SHOWN) -> str:
    """Outside text (a file name, a field of a file, a library's words) made safe to print, in one line.

    A terminal obeys the control characters it is sent (ESC clears the screen or retitles the
    window, a newline splits a message), so every character that does not print is shown as
    an escape (\\x1b, \\n, \\u202e); a byte that is not UTF-8 (a name the file system allows,
    which Python holds as a lone surrogate) is shown as \\xNN; and text longer than `limit`
    characters is shortened in the middle. Bytes are read as UTF-8 first.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "surrogateescape")
    pieces = [_escaped(c) for c in str(text)]
    if sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    keep = limit // 2 - 1
    head, tail, used = [], [], 0
    for piece in pieces:  # whole escapes only: never half of one
        if used + len(piece) > keep:
            break
        head.append(piece)
        used += len(piece)
    used = 0
    for piece in reversed(pieces):
        if used + len(piece) > keep:
            break
        tail.append(piece)
        used += len(piece)
    return "".join(head) + "…" + "".join(reversed(tail))


def _escaped(char: str) -> str:
    if char.isprintable():
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(path) -> str:
    """A path for a one-line message: escaped as for_terminal does it, shortened in the middle when very long."""
    return for_terminal(os.fspath(path) if isinstance(path, os.PathLike) else path)


def os_reason(error: OSError) -> str:
    """What the operating system said, in words (no path, no errno number)."""
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long for this system (at most 255 bytes a part, 4096 in all)"
    return error.strerror or str(error)


def open_input(path, max_bytes: int, kind: str = "file") -> BinaryIO:
    """The file at `path` opened for reading, if it is a regular file of at most `max_bytes`.

    InputError says what is wrong otherwise: missing, a folder, a pipe or a device, too
    large, or what the system refused. `kind` names the file in the size message ("a
    session", "an image").
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(Path(path), flags)
    except FileNotFoundError:
        raise InputError("no such file") from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a file") from None
    except OSError as error:
        raise InputError(f"cannot open it: {os_reason(error)}") from None
    try:
        info = os.fstat(fd)
        _check_kind(info, max_bytes, kind)
        _set_blocking(fd)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_kind(info: os.stat_result, max_bytes: int, kind: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise InputError("this is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file (a pipe, a device or a socket); only files are read")
    if info.st_size > max_bytes:
        raise InputError(f"it is {_megabytes(info.st_size)}; {kind} is at most {_megabytes(max_bytes)}, refused")


def _set_blocking(fd: int) -> None:
    """Back to ordinary reads (O_NONBLOCK was only for the open; it means nothing for a regular file)."""
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)


def _megabytes(size: int) -> str:
    if size < 2**20:
        return f"{size:,} bytes"
    return f"{size / 2**20:,.1f} MB" if size < 2**30 else f"{size / 2**30:,.1f} GB"

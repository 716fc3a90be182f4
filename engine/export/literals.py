"""Numbers and arrays written as Python source that reads back to the very same float32 values."""
from __future__ import annotations

import base64
from typing import Optional

import numpy as np

WIDTH = 116  # characters of a line of numbers, indent included (ruff's limit here is 120)


def number(value) -> str:
    """The shortest decimal that reads back as this float32 ("0", "0.25", "-1.5e-05")."""
    value = np.float32(value)
    text = np.format_float_positional(value, unique=True, trim="-")
    if len(text) > 12:
        text = np.format_float_scientific(value, unique=True, trim="-")
    if np.float32(float(text)) != value:  # read as a float64 first: never off by one float32 step
        text = repr(float(value))
    return text


def whole_pixels(image: np.ndarray) -> Optional[np.ndarray]:
    """The image's pixels as whole numbers 0-255 if it is exactly k/255 everywhere (a scanned digit), else None."""
    raw = np.rint(np.asarray(image, np.float64) * 255)
    if raw.min() < 0 or raw.max() > 255:
        return None
    back = raw.astype(np.float32) / np.float32(255)
    return raw.astype(np.int64) if np.array_equal(back, np.asarray(image, np.float32)) else None


def pixel_rows(raw: np.ndarray, indent: str) -> list[str]:
    """Rows of whole pixels, 3 characters each, so the digit shows in the numbers."""
    return [f"{indent}[{','.join(f'{v:3d}' for v in row)}]," for row in raw]


def float_rows(array: np.ndarray, indent: str) -> list[str]:
    """A 2-D array's rows as lists of numbers, a row wrapped over several lines when it is long."""
    lines = []
    for row in np.asarray(array, np.float32):
        words, line = [number(v) for v in row], indent + "["
        for i, word in enumerate(words):
            piece = word + ("," if i < len(words) - 1 else "],")
            if len(line) + len(piece) + 1 > WIDTH and line.strip() != "[":
                lines.append(line.rstrip())
                line = indent + " "
            line += piece + " "
        lines.append(line.rstrip())
    return lines


def array_2d(name: str, array: np.ndarray, comment: str = "") -> list[str]:
    """`name = np.array([...], dtype=np.float32)`, one row of the array per line (or more)."""
    head = f"{name} = np.array([" + (f"  # {comment}" if comment else "")
    return [head, *float_rows(array, "    "), "], dtype=np.float32)"]


def array_3d(name: str, array: np.ndarray, comment: str = "") -> list[str]:
    """`name = np.array([[...], ...], dtype=np.float32)` for a stack of 2-D arrays (filters)."""
    lines = [f"{name} = np.array([" + (f"  # {comment}" if comment else "")]
    for k, plane in enumerate(np.asarray(array, np.float32)):
        lines += [f"    [  # {k + 1}", *float_rows(plane, "        "), "    ],"]
    return lines + ["], dtype=np.float32)"]


def packed(array: np.ndarray, indent: str) -> list[str]:
    """A float32 array as base64 of its little-endian bytes, in lines of WIDTH characters (for unpack())."""
    text = base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")
    size = WIDTH - len(indent) - 2
    return [f'{indent}"{text[i:i + size]}"' for i in range(0, len(text), size)] or [f'{indent}""']

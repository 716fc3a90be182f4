"""MNIST's IDX files, read here rather than by torchvision, so that every fault is named.

IDX, as MNIST is distributed: two zero bytes, a type byte (0x08: unsigned bytes), the
number of dimensions, one big-endian uint32 length per dimension, then the data in C
order. MNIST's images are (N, 28, 28), its labels (N,). The file must be a regular file
whose size is exactly what its header promises, checked before the data is read.
"""
from __future__ import annotations

import math
import os
import struct

import numpy as np

from filterlab.engine.core.user_files import InputError, open_input, shown
from filterlab.engine.data.errors import DataError

UNSIGNED_BYTE = 0x08
MAX_ITEMS = 100_000  # images (or labels) in one file; MNIST's training split has 60,000
AGAIN = "delete it and pass --download to fetch MNIST again"


def read_idx(path, shape_tail: tuple[int, ...], what: str) -> np.ndarray:
    """The uint8 array (N, *shape_tail) in the IDX file `path`; DataError naming the file and its fault.

    `what` names an item in messages ("images", "labels").
    """
    dims = 1 + len(shape_tail)
    max_bytes = 4 + 4 * dims + MAX_ITEMS * math.prod(shape_tail)
    try:
        handle = open_input(path, max_bytes, f"an MNIST {what} file")
    except InputError as error:
        raise DataError(f"{shown(path)}: {error}") from None
    with handle:
        size = os.fstat(handle.fileno()).st_size
        shape = _header(handle, path, dims, size, what)
        if shape[1:] != shape_tail:
            raise DataError(_fault(path, f"its {what} are {' x '.join(map(str, shape[1:]))}; MNIST's are "
                                         f"{' x '.join(map(str, shape_tail))}"))
        if shape[0] > MAX_ITEMS:
            raise DataError(_fault(path, f"it claims {shape[0]:,} {what}; Filter Lab reads at most {MAX_ITEMS:,}"))
        expected = 4 + 4 * dims + math.prod(shape)
        if size < expected:
            raise DataError(_fault(path, f"it is cut short: its header promises {shape[0]:,} {what} "
                                         f"({expected:,} bytes), the file has {size:,} bytes"))
        if size > expected:
            raise DataError(_fault(path, f"it is {size - expected:,} bytes longer than its header promises"))
        data = handle.read(expected - handle.tell())
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def write_idx(path, array: np.ndarray) -> None:
    """`array` (uint8) as an IDX file at `path`, atomically: the format read_idx reads."""
    from pathlib import Path

    from filterlab.engine.core.files import save_atomic

    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(f">HBB{array.ndim}I", 0, UNSIGNED_BYTE, array.ndim, *array.shape)
    save_atomic(path, lambda temp: Path(temp).write_bytes(header + array.tobytes()))


def _header(handle, path, dims: int, size: int, what: str) -> tuple[int, ...]:
    """The lengths in an IDX header, if it is one of unsigned bytes with `dims` dimensions."""
    if size < 4 + 4 * dims:
        raise DataError(_fault(path, f"it is cut short: {size} bytes, less than an IDX header"))
    zeros, kind, got_dims = struct.unpack(">HBB", handle.read(4))
    if zeros != 0:
        raise DataError(_fault(path, "it does not start as an IDX file does (two zero bytes)"))
    if kind != UNSIGNED_BYTE:
        raise DataError(_fault(path, f"its type byte is 0x{kind:02x}; MNIST's files hold unsigned bytes (0x08)"))
    if got_dims != dims:
        raise DataError(_fault(path, f"it has {got_dims} dimensions; MNIST's {what} have {dims}"))
    return struct.unpack(f">{dims}I", handle.read(4 * dims))


def _fault(path, what_is_wrong: str) -> str:
    return f"{shown(path)} is damaged: {what_is_wrong}; {AGAIN}"

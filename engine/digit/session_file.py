"""A session file as a container: a zip of .npy arrays, read as hostile until each part is checked.

np.load trusts what a file claims: a zip's directory may list millions of entries or
declare gigabytes, a member may be packed by a decompressor NumPy never uses, an array
header may declare far more data than follows, or be a pickle, or not parse at all. So
the file is read here, in this order, each step bounded by the one before:

1. the file: a regular file of at most MAX_FILE_BYTES (engine/core/inputs.py);
2. the zip's end record, before zipfile parses the directory: at most MAX_ARRAYS entries
   in at most MAX_DIRECTORY_BYTES, and no ZIP64 record (no session needs one);
3. each entry, from the directory alone: a .npy name, given once, stored or deflated (the
   two methods NumPy writes: no other decompressor ever sees the data), not encrypted,
   all of them together at most MAX_UNPACKED_BYTES unpacked;
4. each array's header: a .npy version NumPy writes, a header that parses, numbers or
   text (never a pickle), C order, no more data than the entry holds;
5. its data: read into exactly the bytes the header promised, with nothing after them,
   so zipfile checks the entry's CRC.

What comes out is plain C-ordered arrays; what they must hold is engine/digit/session_checks.py.
"""
from __future__ import annotations

import math
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from filterlab.engine.core.inputs import InputError, open_input

MAX_UNPACKED_BYTES = 512 * 2**20  # the largest real session is well under 200 MB unpacked
MAX_FILE_BYTES = MAX_UNPACKED_BYTES + 2**20  # stored (np.savez) entries, plus the zip's own records
MAX_ARRAYS = 100  # a session has at most 42
MAX_DIRECTORY_BYTES = MAX_ARRAYS * 512  # an entry's record is 46 bytes plus its name and extra fields
END_RECORD = struct.Struct("<4s4H2LH")  # the zip's end of central directory record
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
OTHER_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
KINDS = "fiU"  # floats, integers, text: all a session holds
CHUNK = 16 * 2**20  # bytes read at a time: a member is never held twice over
# How NumPy's header parser and zipfile report damaged bytes (a few come from the tokenizer and the AST)
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, TypeError, SyntaxError, tokenize.TokenError,
           RecursionError, OverflowError, struct.error, NotImplementedError, RuntimeError)


class SessionError(ValueError):
    """A session file that cannot be used; the message names the file and what is wrong."""


def read_arrays(path) -> dict[str, np.ndarray]:
    """Every array in the session file, each checked as it is read; SessionError (without the path) if not."""
    try:
        with open_input(path, MAX_FILE_BYTES, "a session") as handle:
            _check_end_record(handle)
            with zipfile.ZipFile(handle) as archive:
                members = archive.infolist()
                _check_members(members)
                return {member.filename[:-len(".npy")]: _read_member(archive, member) for member in members}
    except SessionError:
        raise
    except InputError as error:
        raise SessionError(str(error)) from None
    except OSError as error:
        raise SessionError(f"cannot read it: {error.strerror or error}") from None
    except DAMAGED as error:
        raise SessionError(f"not a Filter Lab session file (not a readable .npz: {_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    """What a library said, as one short printable line (its words may quote the file's bytes)."""
    text = "".join(c if c.isprintable() else " " for c in str(error)).strip()[:200]
    return text or type(error).__name__


# ------------------------------------------------------------- the zip's records
def _check_end_record(handle) -> None:
    """Refuse a directory too large to parse, before zipfile parses it (it makes an object per entry)."""
    size = handle.seek(0, 2)
    tail_size = min(size, 20 + END_RECORD.size + 0xFFFF)  # a ZIP64 locator, the record, a comment of <= 64 KB
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    handle.seek(0)
    at = tail.rfind(b"PK\x05\x06", 0, len(tail) - END_RECORD.size + 4)
    if at < 0:
        return  # not a zip at all: zipfile says so
    entries, directory_bytes = END_RECORD.unpack_from(tail, at)[4:6]
    if entries > MAX_ARRAYS:
        raise SessionError(f"its zip directory lists {entries:,} entries; a session has at most {MAX_ARRAYS}")
    if directory_bytes > MAX_DIRECTORY_BYTES:
        raise SessionError(f"its zip directory is {directory_bytes:,} bytes; a session's is under "
                           f"{MAX_DIRECTORY_BYTES:,}")
    if at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
        raise SessionError("it is a ZIP64 archive; Filter Lab writes sessions as plain zip files")


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Refuse on the zip's directory alone: too many, duplicated, foreign, encrypted or too large entries."""
    names = [member.filename for member in members]
    if len(names) > MAX_ARRAYS:
        raise SessionError(f"it holds {len(names)} entries; a session has at most {MAX_ARRAYS}")
    if len(set(names)) != len(names):
        raise SessionError("it holds two entries of the same name")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise SessionError(f"its contents claim {unpacked / 2**20:,.0f} MB unpacked, more than any "
                           f"session needs ({MAX_UNPACKED_BYTES // 2**20} MB); refused")
    for member in members:
        if not member.filename.endswith(".npy"):
            raise SessionError(f"it holds {member.filename!r}, which is not an array")
        if member.compress_type not in METHODS:
            method = OTHER_METHODS.get(member.compress_type, f"method {member.compress_type}")
            raise SessionError(f"entry {member.filename!r} is compressed with {method}; a session's entries are "
                               f"deflated or stored, as NumPy writes them")
        if member.flag_bits & 0x1:
            raise SessionError(f"entry {member.filename!r} is encrypted; a session never is")


# -------------------------------------------------------------------- the arrays
def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> np.ndarray:
    name = member.filename[:-len(".npy")]
    with archive.open(member) as stream:
        shape, dtype = _read_header(stream, name)
        size = math.prod(shape) * dtype.itemsize
        if stream.tell() + size > member.file_size:
            raise SessionError(f"array {name!r} claims more data than the file holds")
        buffer = bytearray(size)
        view, filled = memoryview(buffer), 0
        while filled < size:
            got = stream.readinto(view[filled:filled + CHUNK])
            if not got:
                raise SessionError(f"array {name!r} is cut short")
            filled += got
        if stream.read(1):  # also reads to the entry's end, where zipfile checks its CRC
            raise SessionError(f"array {name!r} has more data than its header says")
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def _read_header(stream, name: str) -> tuple[tuple, np.dtype]:
    """(shape, dtype) of plain, C-ordered numbers or text; SessionError for anything else."""
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    reader = readers.get(np.lib.format.read_magic(stream))
    if reader is None:
        raise SessionError(f"array {name!r} is in an unsupported .npy version")
    try:
        shape, fortran_order, dtype = reader(stream)
    except DAMAGED:
        raise SessionError(f"array {name!r} has a damaged header") from None
    if dtype.hasobject:
        raise SessionError(f"array {name!r} holds Python objects (a pickle); refused")
    if dtype.kind not in KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise SessionError(f"array {name!r} is of type {dtype}; a session holds only numbers and text")
    if any(length < 0 for length in shape):
        raise SessionError(f"array {name!r} has a negative length in its shape {shape}")
    if fortran_order and len(shape) > 1:
        raise SessionError(f"array {name!r} is stored in Fortran order; a session stores C order, as NumPy "
                           f"writes it")
    return shape, dtype

"""A training session in one file, to stop now and carry on later exactly where it was.

Exactly means bit for bit: N steps, save, load, M steps must give the same losses and
weights as N+M steps in one go. So the file holds everything a step reads — the four
parameters, the optimizer's per-parameter state (Adam's moments and step, or SGD's
momentum buffers), the training image — and everything the record keeps building on:
the loss history's half-filled averaging block, the filter history's current interval,
the state a divergence would roll back to.

The session knows the trainer only through its public `state()` / `from_state()`
(engine/digit/trainer.py). The format is a plain .npz: arrays plus two JSON strings,
never a pickle. It is history.npz with the training state added, so anything that
reads a history reads a session too (README, "Sessions").

A session file is treated as hostile until checked, in three parts below: saving and
loading; what the file must hold (names, dtypes and shapes against its own config, then
values), checked before anything is built, so a bad file never leaves a running session
half-replaced; and the file as a container (the zip and each array header checked before
anything is decompressed, each array read into no more than its header promised).

Nothing here imports torch at module level: the window reads a session given on the
command line before it opens, and torch takes seconds to import.
"""

from __future__ import annotations

import io
import json
import math
import struct
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from filterlab.engine.core.config import IMAGE_SIZE, Config, ConfigError, check_float, check_int
from filterlab.engine.core.files import save_npz
from filterlab.engine.core.history import FilterHistory, ImageHistory, LossHistory, history_arrays
from filterlab.engine.core.parameters import PARAMETERS, head_size, parameter_shapes
from filterlab.engine.core.user_files import InputError, open_input, shown


__all__ = ["FORMAT", "MAX_UNPACKED_BYTES", "OPTIMIZER_SLOTS", "ROLLBACK", "Session", "SessionError", "VERSION",
           "load_session", "read_checked", "read_session", "save_session", "session_arrays"]


# ------------------------------------------------------------------------- saving
def save_session(trainer, path) -> None:
    """Write the trainer's whole state to `path` (atomically: an old file survives a failure)."""
    save_npz(path, session_arrays(trainer.state()))


def session_arrays(state) -> dict[str, np.ndarray]:
    """The documented contents of a session file, from a Trainer's state()."""
    learner = state.learner
    losses = LossHistory.from_state(learner.losses)
    arrays = history_arrays(losses, learner.record, state.images, learner.initial, learner.config.to_dict())
    arrays.update(_state_arrays("", learner.model, learner.optimizer))
    if learner.rollback is not None:  # what the next divergence would roll back to
        arrays.update(_state_arrays(ROLLBACK, *learner.rollback))
    arrays["image"] = state.image
    arrays["loss_exact_steps"], arrays["loss_exact"] = losses.exact_arrays()
    arrays["edit_steps"] = np.array([step for step, _ in learner.edits], dtype=np.int64)
    arrays["edit_filters"] = np.array([k for _, k in learner.edits], dtype=np.int64)
    if learner.last_update is not None:  # the last step taken: its cosine to the digit, shown again on loading
        arrays["last_update"] = learner.last_update
    arrays["session_json"] = np.array(json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "step": learner.step,
        "label": state.label,
        "diverged": learner.diverged,
        "rollback": learner.rollback is not None,
        "loss_capacity": learner.losses["capacity"],
        "loss_stride": learner.losses["stride"],
        "loss_block_sum": learner.losses["block_sum"],
        "loss_block_len": learner.losses["block_len"],
        "loss_exact_thinning": learner.losses["exact_thinning"],
        "filter_thinning": learner.record.thinning,
        "filter_max_bytes": learner.record.max_bytes,
    }))
    return arrays


def _state_arrays(prefix: str, model: dict, optimizer: dict) -> dict[str, np.ndarray]:
    """model.<param> and optimizer.<param>.<slot> arrays (slots a parameter lacks are not there)."""
    arrays = {f"{prefix}model.{name}": model[name] for name in PARAMETERS}
    arrays.update({f"{prefix}optimizer.{key}": value for key, value in optimizer.items()})
    return arrays


# ------------------------------------------------------------------------ loading
@dataclass(frozen=True)
class Session:
    """A session file's contents, every array checked against the config it carries."""

    path: Path
    config: Config
    meta: dict
    arrays: dict[str, np.ndarray]

    @property
    def step(self) -> int:
        return self.meta["step"]

    @property
    def label(self) -> int:
        return self.meta["label"]

    @property
    def image(self) -> np.ndarray:
        return self.arrays["image"]

    def state(self):
        """The saved Trainer state (engine/digit/trainer.py's DigitState)."""
        from filterlab.engine.core.learner import LearnerState  # torch: only once a trainer is wanted
        from filterlab.engine.digit.trainer import DigitState

        arrays, meta = self.arrays, self.meta
        frames = list(arrays["filters"])
        # a version-1 file kept a frame every filter_interval = record_every x 2^k steps
        thinning = (meta["filter_thinning"] if meta["version"] >= 2
                    else max(1, meta["filter_interval"] // self.config.record_every))
        record = FilterHistory(self.config.record_every, meta["filter_max_bytes"], arrays["filter_steps"].tolist(),
                               frames, list(arrays["filter_heads"]), [None] * len(frames), thinning)
        losses = {"capacity": meta["loss_capacity"], "stride": meta["loss_stride"],
                  "steps": arrays["loss_steps"].tolist(), "values": arrays["loss"].tolist(),
                  "block_sum": meta["loss_block_sum"], "block_len": meta["loss_block_len"],
                  "exact_steps": arrays.get("loss_exact_steps", np.zeros(0, np.int64)).tolist(),
                  "exact_values": arrays.get("loss_exact", np.zeros(0)).tolist(),
                  "exact_thinning": meta.get("loss_exact_thinning", 1), "last_step": meta["step"]}
        learner = LearnerState(
            config=self.config, step=meta["step"], diverged=meta["diverged"],
            model=self._part("", "model"), optimizer=self._part("", "optimizer"),
            rollback=(self._part(ROLLBACK, "model"), self._part(ROLLBACK, "optimizer")) if meta["rollback"] else None,
            initial=arrays["initial_filters"], losses=losses, record=record,
            edits=tuple(zip(arrays.get("edit_steps", np.zeros(0, np.int64)).tolist(),
                            arrays.get("edit_filters", np.zeros(0, np.int64)).tolist())),
            last_update=arrays.get("last_update"))
        images = ImageHistory(arrays["image_steps"].tolist(), list(arrays["images"]), arrays["labels"].tolist())
        return DigitState(learner, self.image, self.label, images)

    def build_trainer(self):
        """A Trainer in exactly the saved state (ConfigError if its device is missing here)."""
        from filterlab.engine.digit.trainer import Trainer
        return Trainer.from_state(self.state())

    def _part(self, prefix: str, kind: str) -> dict[str, np.ndarray]:
        """The model's arrays by parameter name, or the optimizer's by "<param>.<slot>"."""
        start = f"{prefix}{kind}."
        if kind == "model":
            return {name: self.arrays[start + name] for name in PARAMETERS}
        slots = OPTIMIZER_SLOTS[self.config.optimizer]
        return {f"{name}.{slot}": self.arrays[f"{start}{name}.{slot}"]
                for name in PARAMETERS for slot in slots if f"{start}{name}.{slot}" in self.arrays}


def load_session(path):
    """A new Trainer in the state saved in `path`; SessionError if the file is not usable."""
    session = read_session(path)
    try:
        return session.build_trainer()
    except ConfigError as error:
        raise SessionError(f"{shown(path)}: {error}") from None


def read_session(path) -> Session:
    """Read and check a session file; SessionError (naming the file) if anything is wrong."""
    config, meta, arrays = read_checked(path)
    return Session(Path(path), config, meta, arrays)


# ------------------------------------------------------------- what a session must hold
# Is this file a session Filter Lab can carry on from? Checked before anything is built: names,
# dtypes and shapes against the file's own config, then values (the container was checked first,
# below). No torch here: the window reads a session given on the command line before torch loads.

FORMAT = "filterlab-session"
# 3: the config has pixel_scale (1 or 255; files before it trained on pixels 0-1, and read as 1);
# 2: the filter record is dense early (filter_thinning); 1 kept filters every filter_interval
VERSION = 3
READABLE = (1, 2, 3)
MAX_STEP = 2**62
OPTIMIZER_SLOTS = {"adam": ("step", "exp_avg", "exp_avg_sq"), "sgd": ("momentum_buffer",)}
ROLLBACK = "rollback."
MAX_MESSAGE = 500  # characters of the divergence message a session carries (Filter Lab's own are ~150)
# What each kind of array may hold beyond being finite: pixels in [0, 1], a loss (cross-entropy) and Adam's
# running mean of squared gradients and its step count never negative
UNIT_ARRAYS = ("image", "images")
NON_NEGATIVE = ("loss", ".exp_avg_sq", ".step")


def read_checked(path) -> tuple[Config, dict, dict[str, np.ndarray]]:
    """(config, meta, arrays) of a session file that passed every check; else SessionError naming it."""
    path = Path(path)
    try:
        arrays = read_arrays(path)
        meta = _json(arrays, "session_json")
        _check_format(meta)
        config = Config.from_dict(_json(arrays, "config_json"))
        _check_meta(meta)
        _check_arrays(arrays, config, meta)
        _check_values(arrays, meta)
    except (SessionError, ConfigError) as error:
        raise SessionError(f"{shown(path)}: {error}") from None
    return config, meta, arrays


# ------------------------------------------------------------ the file's contents
def _json(arrays: dict, name: str) -> dict:
    array = arrays.get(name)
    if array is None:
        raise SessionError(f"not a Filter Lab session file (it has no {name!r})")
    if array.dtype.kind != "U" or array.shape != ():
        raise SessionError(f"{name!r} is not a JSON string")
    try:
        data = json.loads(str(array))
    except (ValueError, RecursionError) as error:
        raise SessionError(f"{name!r} is not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise SessionError(f"{name!r} is not a JSON object")
    return data


def _check_format(meta: dict) -> None:
    if meta.get("format") != FORMAT:
        raise SessionError(f"not a Filter Lab session file (format {meta.get('format')!r})")
    if meta.get("version") not in READABLE:
        raise SessionError(f"session format version {meta.get('version')!r}; this Filter Lab "
                           f"reads versions {', '.join(map(str, READABLE[:-1]))} and {READABLE[-1]} (a newer Filter Lab may read it)")


def _check_meta(meta: dict) -> None:
    """Every number the record resumes from, in the range the history classes rely on."""
    check_int("step", meta.get("step"), 0, MAX_STEP)
    check_int("label", meta.get("label"), 0, 9)
    check_int("loss_capacity", meta.get("loss_capacity"), 2, 2**24)
    check_int("loss_stride", meta.get("loss_stride"), 1, MAX_STEP)
    check_int("loss_block_len", meta.get("loss_block_len"), 0, meta["loss_stride"] - 1)
    check_float("loss_block_sum", meta.get("loss_block_sum"))
    if "loss_exact_thinning" in meta:  # optional: older sessions have no exact losses
        check_int("loss_exact_thinning", meta["loss_exact_thinning"], 1, MAX_STEP)
    if meta["version"] == 1:
        check_int("filter_interval", meta.get("filter_interval"), 1, MAX_STEP)
    else:
        check_int("filter_thinning", meta.get("filter_thinning"), 1, MAX_STEP)
    check_int("filter_max_bytes", meta.get("filter_max_bytes"), 1, MAX_UNPACKED_BYTES)
    if meta["loss_capacity"] % 2:
        raise SessionError("loss_capacity must be even")
    if not isinstance(meta.get("rollback"), bool):
        raise SessionError("rollback must be true or false")
    if "diverged" not in meta or not (meta["diverged"] is None or isinstance(meta["diverged"], str)):
        raise SessionError("diverged must be a message or null")
    if meta["diverged"] is not None and not 0 < len(meta["diverged"]) <= MAX_MESSAGE:
        raise SessionError(f"diverged must be a message of 1 to {MAX_MESSAGE} characters, "
                           f"this one has {len(meta['diverged']):,}")


_Expected = dict[str, tuple[type, tuple]]  # name -> (dtype, shape)


def _expected_arrays(config: Config, meta: dict) -> tuple[_Expected, _Expected]:
    """({name: (dtype, shape)} that must be there, {name: (dtype, shape)} that may be there).

    Letters in a shape are lengths that must agree between arrays (N loss points,
    T filter frames, M training images).
    """
    f32, i64 = np.float32, np.int64
    k, F = config.kernel, config.filters
    required: _Expected = {
        "session_json": (str, ()), "config_json": (str, ()),
        "image": (f32, (IMAGE_SIZE, IMAGE_SIZE)),
        "initial_filters": (f32, (F, k, k)),
        "loss_steps": (i64, ("N",)), "loss": (np.float64, ("N",)),
        "filter_steps": (i64, ("T",)), "filters": (f32, ("T", F, k, k)),
        "filter_heads": (f32, ("T", head_size(config))),
        "image_steps": (i64, ("M",)), "images": (f32, ("M", IMAGE_SIZE, IMAGE_SIZE)), "labels": (i64, ("M",)),
    }
    optional: _Expected = {"edit_steps": (i64, ("E",)), "edit_filters": (i64, ("E",)),  # filters edited by hand
                "loss_exact_steps": (i64, ("X",)), "loss_exact": (np.float64, ("X",)),  # the grid's own losses
                "last_update": (f32, (F, k, k))}  # what the last step changed
    for prefix in ("", ROLLBACK) if meta["rollback"] else ("",):
        for name, shape in parameter_shapes(config).items():
            required[f"{prefix}model.{name}"] = (f32, shape)
            for slot in OPTIMIZER_SLOTS[config.optimizer]:
                optional[f"{prefix}optimizer.{name}.{slot}"] = (f32, () if slot == "step" else shape)
    return required, optional


def _check_arrays(arrays: dict, config: Config, meta: dict) -> None:
    """Names, dtypes and shapes: what the config and the record promise, nothing else."""
    required, optional = _expected_arrays(config, meta)
    missing = sorted(set(required) - set(arrays))
    if missing:
        raise SessionError(f"arrays missing: {', '.join(missing)}")
    unknown = sorted(set(arrays) - set(required) - set(optional))
    if unknown:
        raise SessionError(f"unexpected arrays (the session uses {config.optimizer}): {', '.join(unknown)}")
    lengths: dict[str, int] = {}
    for name, (dtype, shape) in {**required, **optional}.items():
        if name in arrays and dtype is not str:
            _check_array(name, arrays[name], np.dtype(dtype), shape, lengths)
    if not 1 <= lengths["M"]:
        raise SessionError("the record of training images is empty")
    if not 1 <= lengths["T"]:
        raise SessionError("the record of filters is empty (it always holds step 0's)")
    if lengths["N"] >= meta["loss_capacity"]:
        raise SessionError("the loss history holds more points than its capacity")
    if config.optimizer == "adam":
        _check_adam_slots_complete(arrays)


def _check_array(name: str, array: np.ndarray, dtype: np.dtype, shape: tuple, lengths: dict) -> None:
    if array.dtype != dtype:
        raise SessionError(f"array {name!r} is {array.dtype}, expected {dtype}")
    if array.ndim != len(shape):
        raise SessionError(f"array {name!r} has shape {array.shape}, expected {len(shape)} dimensions")
    want = tuple(lengths.setdefault(size, got) if isinstance(size, str) else size
                 for size, got in zip(shape, array.shape))
    if array.shape != want:
        raise SessionError(f"array {name!r} has shape {array.shape}, expected {want}")


def _check_adam_slots_complete(arrays: dict) -> None:
    """Adam reads all three slots of a parameter once it has any (a torch KeyError otherwise)."""
    for prefix in ("", ROLLBACK):
        for name in PARAMETERS:
            present = [f"{prefix}optimizer.{name}.{slot}" in arrays for slot in OPTIMIZER_SLOTS["adam"]]
            if any(present) and not all(present):
                raise SessionError(f"the Adam state of {prefix}{name} is incomplete")


def _check_values(arrays: dict, meta: dict) -> None:
    """Finite numbers in their ranges (pixels 0-1, losses and Adam's squares not negative), labels 0-9,
    record steps in order and not past the saved step."""
    for name, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise SessionError(f"array {name!r} holds NaN or infinite values")
        if (name in NON_NEGATIVE or name.endswith(NON_NEGATIVE[1:])) and array.size and array.min() < 0:
            raise SessionError(f"array {name!r} holds a negative value ({float(array.min()):.3g}); it never can")
        if name in UNIT_ARRAYS and array.size and (array.min() < 0 or array.max() > 1):
            raise SessionError(f"array {name!r} holds pixels outside 0-1 ({float(array.min()):.3g} to "
                               f"{float(array.max()):.3g}); a session stores them as 0-1")
    if meta["loss_block_sum"] < 0:
        raise SessionError("loss_block_sum is negative; a sum of losses never is")
    edits = arrays.get("edit_filters")
    if edits is not None and ((edits < 0) | (edits >= arrays["initial_filters"].shape[0])).any():
        raise SessionError("an edited filter's number is not one of the session's filters")
    for name in ("loss_steps", "filter_steps", "image_steps", "edit_steps", "loss_exact_steps"):
        if name not in arrays:
            continue
        steps = arrays[name]
        if len(steps) and (steps[0] < 0 or steps[-1] > meta["step"] or (np.diff(steps) < 0).any()):
            raise SessionError(f"{name} must rise from 0 to at most step {meta['step']}")
    labels = arrays["labels"]
    if ((labels < 0) | (labels > 9)).any():
        raise SessionError("a label in the image record is not a digit 0-9")


# -------------------------------------------------------------------- the file as a container
# A session file as a container: a zip of .npy arrays, read as hostile until each part is checked.
#
# np.load trusts what a file claims: a zip's directory may list millions of entries or
# declare gigabytes, a member may be packed by a decompressor NumPy never uses, an array
# header may declare far more data than follows, or be a pickle, or not parse at all. So
# the file is read here, in this order, each step bounded by the one before:
#
# 1. the file: a regular file of at most MAX_FILE_BYTES (engine/core/user_files.py);
# 2. the zip's end record, before zipfile parses the directory: at most MAX_ARRAYS entries
#    in at most MAX_DIRECTORY_BYTES, and no ZIP64 record (no session needs one);
# 3. each entry, from the directory alone: a .npy name, given once, stored or deflated (the
#    two methods NumPy writes: no other decompressor ever sees the data), not encrypted,
#    all of them together at most MAX_UNPACKED_BYTES unpacked;
# 4. each array's header: a .npy version NumPy writes, a header that parses, numbers or
#    text (never a pickle), C order, no more data than the entry holds;
# 5. its data: read into exactly the bytes the header promised, with nothing after them,
#    so zipfile checks the entry's CRC.
#
# What comes out is plain C-ordered arrays; what they must hold is checked above (read_checked).

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
        assert isinstance(stream, io.BufferedIOBase)  # a zipfile.ZipExtFile, with readinto
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

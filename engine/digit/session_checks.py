"""Is this file a session Filter Lab can carry on from? Checked before anything is built.

A session file is treated as hostile until checked. The file, the zip's directory and
every array header are checked before anything is decompressed, and each array is read
into no more than its header promised (engine/digit/session_file.py); then come names,
dtypes and shapes against the file's own config, then values. Only a file that passes
all of it becomes a Trainer, so a bad file can never leave a running session
half-replaced, and what passes trains.

No torch here: the window reads a session given on the command line before torch loads.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from filterlab.engine.core.config import IMAGE_SIZE, Config, ConfigError, check_float, check_int
from filterlab.engine.core.inputs import shown
from filterlab.engine.core.parameters import PARAMETERS, head_size, parameter_shapes
from filterlab.engine.digit.session_file import MAX_UNPACKED_BYTES, SessionError, read_arrays

__all__ = ["FORMAT", "MAX_UNPACKED_BYTES", "OPTIMIZER_SLOTS", "ROLLBACK", "SessionError", "VERSION", "read_checked"]

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


def _expected_arrays(config: Config, meta: dict) -> tuple[dict, set]:
    """({name: (dtype, shape)} that must be there, names that may be there).

    Letters in a shape are lengths that must agree between arrays (N loss points,
    T filter frames, M training images).
    """
    f32, i64 = np.float32, np.int64
    k, F = config.kernel, config.filters
    required = {
        "session_json": (str, ()), "config_json": (str, ()),
        "image": (f32, (IMAGE_SIZE, IMAGE_SIZE)),
        "initial_filters": (f32, (F, k, k)),
        "loss_steps": (i64, ("N",)), "loss": (np.float64, ("N",)),
        "filter_steps": (i64, ("T",)), "filters": (f32, ("T", F, k, k)),
        "filter_heads": (f32, ("T", head_size(config))),
        "image_steps": (i64, ("M",)), "images": (f32, ("M", IMAGE_SIZE, IMAGE_SIZE)), "labels": (i64, ("M",)),
    }
    optional = {"edit_steps": (i64, ("E",)), "edit_filters": (i64, ("E",)),  # filters edited by hand
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

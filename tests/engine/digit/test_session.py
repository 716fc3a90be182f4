"""Sessions: stop, save, load and carry on bit for bit; any bad file refused, nothing touched."""
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.core.history import LossHistory
from filterlab.engine.core.parameters import parameter_shapes
from filterlab.engine.digit.session import SessionError, load_session, read_session, save_session
from filterlab.engine.digit.session import MAX_UNPACKED_BYTES
from filterlab.engine.digit.trainer import Trainer

ROOT = Path(__file__).resolve().parents[3]


def trained(config, digit, steps, small_history=True):
    """A trainer after `steps` steps; small history caps make the record thin itself early."""
    trainer = Trainer(config, *digit)
    if small_history:
        trainer.learner.losses = LossHistory(capacity=16)
        trainer.record.max_bytes = 12 * trainer.initial.nbytes
    trainer.step(steps)
    return trainer


def state(trainer):
    """Everything that decides the future of a trainer, as comparable plain values."""
    optimizer = trainer.optimizer.state_dict()["state"]
    losses = trainer.losses
    return {
        "step": trainer.step_count,
        "params": [p.detach().clone() for p in trainer.model.parameters()],
        "optimizer": {(i, k): v.clone() for i, slots in optimizer.items() for k, v in slots.items()},
        "loss": losses.arrays(),
        "loss_block": (losses.stride, losses._block_sum, losses._block_len),
        "filters": (trainer.record.thinning, list(trainer.record.steps),
                    np.array(trainer.record.frames)),
        "images": (list(trainer.image_history.steps), list(trainer.image_history.labels)),
        "image": trainer.image,
        "initial": trainer.initial.copy(),
        "config": trainer.config,
        "diverged": trainer.diverged,
    }


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if key == "params":
            assert all(torch.equal(p, q) for p, q in zip(x, y)), key
        elif key == "optimizer":
            assert x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x), key
        elif key in ("loss", "filters", "images"):
            for p, q in zip(x, y):
                np.testing.assert_array_equal(p, q, err_msg=key)
        elif isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=key)
        else:
            assert x == y, key


@pytest.mark.parametrize("config", [
    Config(),
    Config(optimizer="sgd", lr=0.01, momentum=0.9),
    Config(filters=4, kernel=5),
], ids=["adam", "sgd-momentum", "adam-kernel-5"])
def test_save_load_continues_exactly_like_an_uninterrupted_run(tmp_path, digit, config):
    seven = (np.load(ROOT / "engine/data/mnist-sample-1k.npz")["images"][700] / 255).astype(np.float32)
    reference = trained(config, digit, 137)
    reference.set_image(seven, 7)
    reference.step(250)

    first = trained(config, digit, 137)
    first.set_image(seven, 7)
    first.step(45)  # mid-way through a loss block, between two filter frames
    save_session(first, tmp_path / "s.npz")
    resumed = load_session(tmp_path / "s.npz")
    assert resumed.step_count == 137 + 45
    resumed.step(205)

    assert reference.losses.stride > 1  # the record did thin itself across the save
    assert_same(state(resumed), state(reference))


def test_sgd_without_momentum_and_a_switched_optimizer_continue_exactly(tmp_path, digit):
    reference = trained(Config(optimizer="sgd", lr=0.05), digit, 30)
    reference.set_hparams(optimizer="adam", lr=1e-3)
    reference.step(60)
    first = trained(Config(optimizer="sgd", lr=0.05), digit, 30)
    save_session(first, tmp_path / "s.npz")
    resumed = load_session(tmp_path / "s.npz")
    resumed.set_hparams(optimizer="adam", lr=1e-3)
    resumed.step(60)
    assert_same(state(resumed), state(reference))


def test_a_diverged_session_stays_diverged(tmp_path, digit):
    trainer = trained(Config(optimizer="sgd", lr=1e20), digit, 50)
    assert trainer.diverged
    save_session(trainer, tmp_path / "s.npz")
    loaded = load_session(tmp_path / "s.npz")
    assert loaded.diverged == trainer.diverged and loaded.step(10) == 0
    assert_same(state(loaded), state(trainer))


def test_load_session_gives_a_trainer_equal_to_the_saved_one(tmp_path, digit):
    """Loading builds a new Trainer in the saved state (the window swaps it in: gui/windows/sessions.py)."""
    saved = trained(Config(filters=3, kernel=7, optimizer="sgd", momentum=0.5), digit, 40)
    save_session(saved, tmp_path / "s.npz")
    trainer = load_session(tmp_path / "s.npz")
    assert trainer is not saved
    assert_same(state(trainer), state(saved))
    assert trainer.snapshot().filters.shape == (3, 7, 7)


def test_the_file_is_plain_arrays_and_a_valid_history(tmp_path, digit):
    save_session(trained(Config(), digit, 20), tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz", allow_pickle=False) as npz:
        arrays = dict(npz)
    meta = json.loads(str(arrays["session_json"]))
    assert (meta["format"], meta["version"], meta["step"], meta["label"]) == ("filterlab-session", 3, 20, 4)
    assert json.loads(str(arrays["config_json"]))["seed"] == 0
    history = Trainer(Config(), *digit).history()
    assert set(history) <= set(arrays)  # anything that reads history.npz reads a session
    assert arrays["model.conv.weight"].shape == (5, 1, 28, 28)
    assert arrays["optimizer.fc.weight.exp_avg_sq"].shape == (10, 5)
    assert all(a.dtype != object for a in arrays.values())


def test_a_version_1_session_still_opens_and_carries_on_with_the_dense_record(tmp_path, digit):
    """Version 1 kept a filter frame every filter_interval steps; such a file still opens."""
    path = tmp_path / "v2.npz"
    trainer = trained(Config(), digit, 300, small_history=False)
    save_session(trainer, path)
    with np.load(path) as npz:
        arrays = dict(npz)
    meta = json.loads(str(arrays["session_json"]))
    meta["version"], meta["filter_interval"] = 1, 20  # as version 1 wrote it after one thinning
    del meta["filter_thinning"]
    arrays["session_json"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "v1.npz", **arrays)
    loaded = load_session(tmp_path / "v1.npz")
    assert loaded.step_count == 300 and loaded.record.thinning == 2
    assert loaded.record.steps == trainer.record.steps
    loaded.step(10)
    trainer.step(10)
    np.testing.assert_array_equal(loaded.snapshot().filters, trainer.snapshot().filters)


def test_a_raw_pixel_session_carries_on_at_its_scale(tmp_path, digit):
    trainer = trained(Config(pixel_scale=255), digit, 30)
    save_session(trainer, tmp_path / "raw.npz")
    loaded = load_session(tmp_path / "raw.npz")
    assert loaded.config.pixel_scale == 255
    np.testing.assert_array_equal(loaded.image, digit[0])  # the digit is saved in [0, 1]
    loaded.step(20)
    trainer.step(20)
    assert_same(state(loaded), state(trainer))


def test_a_version_2_session_has_no_pixel_scale_and_trained_on_pixels_0_1(tmp_path, digit):
    trainer = trained(Config(), digit, 30)
    save_session(trainer, tmp_path / "v3.npz")
    with np.load(tmp_path / "v3.npz") as npz:
        arrays = dict(npz)
    meta, config = (json.loads(str(arrays[name])) for name in ("session_json", "config_json"))
    meta["version"] = 2
    del config["pixel_scale"]  # as version 2 wrote it
    arrays["session_json"], arrays["config_json"] = np.array(json.dumps(meta)), np.array(json.dumps(config))
    np.savez(tmp_path / "v2.npz", **arrays)
    loaded = load_session(tmp_path / "v2.npz")
    assert loaded.config.pixel_scale == 1 and loaded.config == trainer.config
    loaded.step(10)
    trainer.step(10)
    assert_same(state(loaded), state(trainer))


def test_a_failed_save_raises_oserror_and_leaves_nothing(tmp_path, digit):
    with pytest.raises(OSError):
        save_session(trained(Config(), digit, 3), tmp_path / "missing" / "s.npz")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- hostile files
@pytest.fixture
def good(tmp_path, digit):
    path = tmp_path / "good.npz"
    save_session(trained(Config(), digit, 30), path)
    return path


def rewritten(good, change):
    """A copy of the good session with change(arrays) applied, as a plain np.savez."""
    with np.load(good) as npz:
        arrays = dict(npz)
    change(arrays)
    path = good.with_name("bad.npz")
    np.savez(path, **arrays)
    return path


def with_json(array, key, value):
    """Change one field of the JSON in `array` (session_json or config_json)."""
    def change(arrays):
        data = json.loads(str(arrays[array]))
        data[key] = value
        arrays[array] = np.array(json.dumps(data))
    return change


def with_meta(key, value):
    return with_json("session_json", key, value)


def with_config(key, value):
    return with_json("config_json", key, value)


def setting(name, value):
    return lambda arrays: arrays.__setitem__(name, value)


class Exploit:
    """Unpickling this would create a file: proof that it was (not) executed."""

    marker = None

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def pickled(good):
    Exploit.marker = str(good.with_name("pwned"))
    return rewritten(good, setting("model.conv.weight", np.array([Exploit()], dtype=object)))


def zip_bomb(good):
    """A real session whose zip directory claims each member unpacks to ~4 GB."""
    data = bytearray(good.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:  # central directory entries: uncompressed size at offset 24
        data[at + 24:at + 28] = (0xFFFFFF00).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path = good.with_name("bomb.npz")
    path.write_bytes(bytes(data))
    return path


def oversized_header(good):
    """An array whose .npy header claims 10^12 floats while the data is 4 bytes."""
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\x00" * 4
    path = good.with_name("huge.npz")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, npy if item.filename == "model.conv.weight.npy" else src.read(item))
    return path


def repacked(path_name, change=lambda name, data: data, method=zipfile.ZIP_DEFLATED):
    """The good session's entries, each through change(name, bytes), packed again with `method`."""
    def make(good):
        path = good.with_name(path_name)
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", method) as dst:
            for item in src.infolist():
                dst.writestr(item.filename, change(item.filename, src.read(item)))
        return path
    return make


def npy_header(header: bytes, data: bytes = b"") -> bytes:
    """A version 1.0 .npy entry with this header text, padded as NumPy pads it."""
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


def image_entry(header: bytes, data: bytes = bytes(28 * 28 * 4)):
    """A change for repacked(): the image entry replaced by one with this header."""
    return lambda name, old: npy_header(header, data) if name == "image.npy" else old


def image_header(shape=b"(28, 28)", descr=b"'<f4'", tail=b""):
    return b"{'descr': " + descr + b", 'fortran_order': False, 'shape': " + shape + b", }" + tail


def corrupt_lzma(good):
    """LZMA-packed entries (a method NumPy never writes) whose data is then damaged."""
    path = repacked("lzma.npz", method=zipfile.ZIP_LZMA)(good)
    data = bytearray(path.read_bytes())
    data[1200:1260] = bytes(60)
    path.write_bytes(bytes(data))
    return path


def encrypted(good):
    """The 'encrypted' flag set on every entry, in the directory and the local headers."""
    data = bytearray(good.read_bytes())
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = data.find(signature)
        while at != -1:
            data[at + offset] |= 1
            at = data.find(signature, at + 4)
    path = good.with_name("locked.npz")
    path.write_bytes(bytes(data))
    return path


def end_record(entries, directory_bytes, zip64_locator=False):
    """A file ending in a zip end record that claims `entries` entries in `directory_bytes` bytes."""
    def make(good):
        locator = b"PK\x06\x07" + bytes(16) if zip64_locator else b""
        record = b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, entries, entries, directory_bytes, 0, 0)
        path = good.with_name("directory.npz")
        path.write_bytes(bytes(1000) + locator + record)
        return path
    return make


def fifo(good):
    os.mkfifo(good.with_name("pipe.npz"))
    return good.with_name("pipe.npz")


def write(path_name, content):
    def make(good):
        path = good.with_name(path_name)
        path.write_bytes(content(good))
        return path
    return make


def drop(name):
    return lambda arrays: arrays.pop(name)


def nan_weights(arrays):
    arrays["model.fc.weight"] = arrays["model.fc.weight"].copy()
    arrays["model.fc.weight"][3, 2] = np.nan


HOSTILE = {
    "missing file": (lambda good: good.with_name("nowhere.npz"), "no such file"),
    "empty file": (write("empty.npz", lambda good: b""), "not a Filter Lab session"),
    "text file": (write("notes.npz", lambda good: b"just some notes\n" * 50), "not a Filter Lab session"),
    "random binary": (write("random.npz", lambda good: np.random.default_rng(0).bytes(50_000)),
                      "not a Filter Lab session"),
    "truncated": (write("cut.npz", lambda good: good.read_bytes()[: good.stat().st_size // 2]),
                  "not a Filter Lab session"),
    "corrupted middle": (write("flipped.npz", lambda good: (lambda b: b[:2000] + bytes(x ^ 0xFF for x in b[2000:2400])
                                                              + b[2400:])(good.read_bytes())), "session"),
    "a history, not a session": (lambda good: rewritten(good, drop("session_json")), "session_json"),
    "missing array": (lambda good: rewritten(good, drop("model.fc.weight")), "model.fc.weight"),
    "missing history": (lambda good: rewritten(good, drop("filters")), "filters"),
    "extra array": (lambda good: rewritten(good, setting("surprise", np.zeros(3))), "surprise"),
    "filters not matching config": (lambda good: rewritten(good, with_config("filters", 3)), "shape"),
    "wrong dtype": (lambda good: rewritten(good, lambda a: a.__setitem__(
        "model.conv.weight", a["model.conv.weight"].astype(np.float64))), "float64"),
    "wrong image shape": (lambda good: rewritten(good, setting("image", np.zeros((20, 20), np.float32))), "image"),
    "NaN weights": (lambda good: rewritten(good, nan_weights), "NaN"),
    "pickled object array": (pickled, "pickle"),
    "unknown version": (lambda good: rewritten(good, with_meta("version", 99)), "version 99"),
    "pixel scale 2": (lambda good: rewritten(good, with_config("pixel_scale", 2)), "pixel scale must be 1"),
    "foreign format": (lambda good: rewritten(good, with_meta("format", "something-else")), "format"),
    "bad config value": (lambda good: rewritten(good, with_config("lr", -1.0)), "lr"),
    "unknown config field": (lambda good: rewritten(good, with_config("colour", "red")), "colour"),
    "label not a digit": (lambda good: rewritten(good, with_meta("label", 12)), "label"),
    "step not a number": (lambda good: rewritten(good, with_meta("step", "lots")), "step"),
    "half an Adam state": (lambda good: rewritten(good, drop("optimizer.conv.bias.exp_avg_sq")), "incomplete"),
    "record past the step": (lambda good: rewritten(good, lambda arrays: arrays["filter_steps"].__setitem__(-1, 99999)),
                             "filter_steps"),
    "JSON not JSON": (lambda good: rewritten(good, setting("session_json", np.array("{nope"))), "JSON"),
    "zip bomb header": (zip_bomb, "MB unpacked"),
    "an endless device": (lambda good: Path("/dev/zero"), "not a regular file"),
    "a FIFO nobody writes to": (fifo, "not a regular file"),
    "a folder": (lambda good: good.parent, "folder"),
    "LZMA entries": (repacked("lzma.npz", method=zipfile.ZIP_LZMA), "compressed with LZMA"),
    "bzip2 entries": (repacked("bz2.npz", method=zipfile.ZIP_BZIP2), "compressed with bzip2"),
    "damaged LZMA entries": (corrupt_lzma, "compressed with LZMA"),
    "encrypted entries": (encrypted, "encrypted"),
    "a directory of 60,000 entries": (end_record(60_000, 2_760_000), "lists 60,000 entries"),
    "a directory of 400 MB": (end_record(40, 400_000_000), "zip directory is 400,000,000 bytes"),
    "a ZIP64 archive": (end_record(40, 4000, zip64_locator=True), "ZIP64"),
    "a header the tokenizer chokes on": (repacked("token.npz", image_entry(image_header(tail=b" '''"))),
                                         "array 'image' has a damaged header"),
    "a header that is not a dict": (repacked("list.npz", image_entry(b"[1, 2, 3]")), "damaged header"),
    "a negative length": (repacked("neg.npz", image_entry(image_header(shape=b"(-28, -28)"))), "negative length"),
    "a structured dtype": (repacked("rec.npz", image_entry(image_header(descr=b"[('a', '<f4')]"))),
                           "only numbers and text"),
    "data after the array": (repacked("tail.npz", image_entry(image_header(), bytes(28 * 28 * 4 + 8))),
                             "more data than its header says"),
    "a Fortran-ordered image": (lambda good: rewritten(good, lambda a: a.__setitem__(
        "image", np.asfortranarray(a["image"]))), "Fortran order"),
    "a big-endian image": (lambda good: rewritten(good, lambda a: a.__setitem__("image", a["image"].astype(">f4"))),
                           ">f4"),
    "an empty filter record": (lambda good: rewritten(good, lambda a: a.update(
        filters=a["filters"][:0], filter_steps=a["filter_steps"][:0], filter_heads=a["filter_heads"][:0])),
        "the record of filters is empty"),
    "no diverged field": (lambda good: rewritten(good, lambda a: a.__setitem__("session_json", np.array(json.dumps(
        {k: v for k, v in json.loads(str(a["session_json"])).items() if k != "diverged"})))), "diverged"),
    "an lr below float32": (lambda good: rewritten(good, with_config("lr", 1e-320)), "smallest normal float32"),
    "an init value above float32": (lambda good: rewritten(good, with_config("init_value", 1e300)),
                                    "largest float32"),
    "array header larger than its data": (oversized_header, "claims more data"),
    # values in the wrong range for what they mean (each one trained on, then misbehaved)
    "an image above 1": (lambda good: rewritten(good, scaled("image", 255)), "'image' holds pixels outside 0-1"),
    "a negative image": (lambda good: rewritten(good, scaled("image", -1)), "'image' holds pixels outside 0-1"),
    "a recorded image above 1": (lambda good: rewritten(good, scaled("images", 3)), "'images' holds pixels outside"),
    "Adam's squares negative": (lambda good: rewritten(good, scaled("optimizer.conv.weight.exp_avg_sq", -1)),
                                "'optimizer.conv.weight.exp_avg_sq' holds a negative value"),
    "a negative loss": (lambda good: rewritten(good, scaled("loss", -1)), "'loss' holds a negative value"),
    "a negative loss sum": (lambda good: rewritten(good, with_meta("loss_block_sum", -5.0)), "loss_block_sum"),
    "a 100 KB divergence message": (lambda good: rewritten(good, with_meta("diverged", "\x1b[2J" * 25_000)),
                                    "diverged must be a message of 1 to 500 characters, this one has 100,000"),
}


def scaled(name, factor):
    """The array `name` times `factor` (a negative factor makes positive values negative)."""
    def change(arrays):
        arrays[name] = (arrays[name] * factor + (factor < 0) * -0.5).astype(arrays[name].dtype)
    return change


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_file_is_refused_and_the_running_session_is_untouched(good, digit, case):
    """Nothing is built from a bad file, so the trainer that is training goes on as it was."""
    make, words = HOSTILE[case]
    bad = make(good)
    trainer = trained(Config(filters=3), digit, 12)
    before = state(trainer)
    with pytest.raises(SessionError) as refused:
        load_session(bad)
    message = str(refused.value)
    assert bad.name in message and words in message, message
    assert "\n" not in message
    assert_same(state(trainer), before)
    assert trainer.step(3) == 3  # and it still trains
    assert not good.with_name("pwned").exists()


def test_the_size_cap_leaves_room_for_the_largest_real_session():
    """64 filters of 3x3 (the largest fc layer), Adam, a rollback state and a full filter record."""
    shapes = parameter_shapes(Config(filters=64, kernel=3))
    parameters = sum(np.prod(s) for s in shapes.values()) * 4
    assert parameters * 3 * 2 + 64 * 2**20 + 10_000 * 28 * 28 * 4 < MAX_UNPACKED_BYTES


def test_read_session_does_not_import_torch(good):
    """The window checks a --load file before it opens; torch must not delay that."""
    code = f"import sys; from filterlab.engine.digit.session import read_session; read_session({str(good)!r}); " \
           "print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_read_session_gives_the_config_digit_and_step(good):
    session = read_session(good)
    assert (session.config, session.label, session.step) == (Config(), 4, 30)
    assert session.image.shape == (28, 28)

"""Atomic writes: a failing or killed writer, a missing folder or a full disk leave the old file whole and no temp file behind."""
import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from filterlab.engine.core.files import (
    TEMP_NAME,
    output_problem,
    path_problem,
    remove_stale_temps,
    save_atomic,
    save_json,
    temp_name_bytes,
)


def test_save_atomic_failing_writer_keeps_original(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(b"original")

    def broken(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"half")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError):
        save_atomic(path, broken)
    assert path.read_bytes() == b"original"
    assert os.listdir(tmp_path) == ["out.png"]


def test_save_atomic_missing_directory(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError):
        save_atomic(missing / "out.png", lambda tmp: None)
    assert not missing.exists() and os.listdir(tmp_path) == []


def test_a_failed_write_names_the_target_not_the_temp_file(tmp_path):
    path = tmp_path / "out.png"

    def full_disk(tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as failed:
        save_atomic(path, full_disk)
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(path)


def test_the_temp_file_says_whose_it_is_and_fits_beside_a_long_name(tmp_path):
    path = tmp_path / ("n" * 250 + ".png")  # a legal name; with a tag added in full it would not be
    seen = []
    save_atomic(path, lambda tmp: (seen.append(Path(tmp).name), Path(tmp).write_bytes(b"png")))
    assert TEMP_NAME.match(seen[0]) and f".filterlab-{os.getpid()}-" in seen[0]
    assert path.read_bytes() == b"png" and os.listdir(tmp_path) == [path.name]


WRITER = """
import sys, time
from filterlab.engine.core.files import save_atomic
def write(tmp):
    open(tmp, "wb").write(b"half")
    print(tmp, flush=True)
    time.sleep(60)
save_atomic(sys.argv[1], write)
"""


def test_a_killed_writer_leaves_the_old_file_whole_and_its_temp_file_goes_on_the_next_write(tmp_path):
    target = tmp_path / "history.npz"
    target.write_bytes(b"the old history")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    temp = Path(writer.stdout.readline().strip())
    writer.kill()  # SIGKILL: no handler runs, the temp file stays
    writer.wait(10)
    assert temp.exists() and target.read_bytes() == b"the old history"
    other_users_file = tmp_path / ".notes.txt.part"
    other_users_file.write_text("not ours")
    save_atomic(tmp_path / "figure.png", lambda tmp: Path(tmp).write_bytes(b"new"))
    assert sorted(os.listdir(tmp_path)) == [".notes.txt.part", "figure.png", "history.npz"]


def test_a_temp_file_of_a_running_process_is_left_alone(tmp_path):
    mine = tmp_path / f".s.npz.filterlab-{os.getpid()}-abcdefgh.part"
    parent = tmp_path / f".s.npz.filterlab-{os.getppid()}-abcdefgh.part"
    mine.write_bytes(b"")
    parent.write_bytes(b"")
    assert remove_stale_temps(tmp_path) == []
    assert mine.exists() and parent.exists()


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / ("x" * 256) / "out", "256 bytes long; the system allows at most 255"),
    (lambda tmp: tmp / "/".join(["y" * 200] * 21), "bytes long; the system allows at most 4,095"),
    (lambda tmp: tmp / "file" / "out", "is a file, not a folder"),
])
def test_a_path_that_can_never_be_written_is_named_before_anything_is_written(tmp_path, make, words):
    (tmp_path / "file").write_text("keep me")
    assert words in path_problem(make(tmp_path))
    assert path_problem(tmp_path / "new" / "deeper" / "out.png") is None


def test_a_replaced_file_keeps_its_mode(tmp_path):
    """A private metrics.json stays private: the writer must not make it 0644."""
    path = tmp_path / "metrics.json"
    path.write_text("{}")
    path.chmod(0o600)
    save_json(path, {"steps": 1})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text()) == {"steps": 1}
    path.chmod(0o664)
    save_atomic(path, lambda temp: Path(temp).write_text("x"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_what_the_umask_allows(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        save_atomic(tmp_path / "new.png", lambda temp: Path(temp).write_bytes(b"png"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.png").stat().st_mode) == mode


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_never_replaced(tmp_path):
    fifo = tmp_path / "out.gif"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as error:
        save_atomic(fifo, lambda temp: Path(temp).write_bytes(b"gif"))
    assert error.value.filename == str(fifo) and "not a regular file" in error.value.strerror
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.listdir(tmp_path) == ["out.gif"]


NAMES = {
    "236 bytes of emoji": "🙂" * 59,  # 4 bytes each: the temp name's 64 kept characters would be 256 bytes
    "not UTF-8": os.fsdecode(b"caf\xe9-\xff\xfe.png"),
    "control characters": "a\x1b[2J\nb\x07.png",
    "255 bytes": "n" * 251 + ".png",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_every_name_the_file_system_allows_is_written(tmp_path, name):
    assert path_problem(tmp_path / name) is None and output_problem(tmp_path / name) is None
    save_atomic(tmp_path / name, lambda temp: Path(temp).write_bytes(b"data"))
    assert os.listdir(tmp_path) == [name] and (tmp_path / name).read_bytes() == b"data"
    assert temp_name_bytes(name) <= 1 + 64 + len(".filterlab-") + 7 + 1 + 8 + len(".part")


def test_a_name_too_long_for_its_file_system_is_refused_by_its_bytes(tmp_path):
    name = "é" * 128  # 128 characters, 256 bytes
    assert path_problem(tmp_path / name) == "a part of the path is 256 bytes long; the system allows at most 255"


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp, "it is a folder; give a file name"),
    (lambda tmp: Path("/dev/null"), "it is a device, a pipe or a socket, not a file"),
    (lambda tmp: (os.mkfifo(tmp / "f.gif"), tmp / "f.gif")[1], "it is a device, a pipe or a socket, not a file"),
    (lambda tmp: tmp / "session.npz", "it is the file --load reads in this run"),
    (lambda tmp: tmp / "." / "sub" / ".." / "session.npz", "it is the file --load reads in this run"),
    (lambda tmp: (os.link(tmp / "session.npz", tmp / "linked.npz"), tmp / "linked.npz")[1],
     "it is the file --load reads in this run"),
])
def test_an_output_that_must_not_be_replaced_is_named_before_training(tmp_path, make, words):
    (tmp_path / "session.npz").write_bytes(b"the user's session")
    (tmp_path / "sub").mkdir()
    assert words in output_problem(make(tmp_path), {"--load": tmp_path / "session.npz", "--image": None})
    assert (tmp_path / "session.npz").read_bytes() == b"the user's session"


def test_a_link_to_an_input_may_be_replaced_the_input_stays(tmp_path):
    """os.replace replaces the link itself, never what it points to."""
    (tmp_path / "session.npz").write_bytes(b"keep")
    (tmp_path / "shot.png").symlink_to(tmp_path / "session.npz")
    assert output_problem(tmp_path / "shot.png", {"--load": tmp_path / "session.npz"}) is None
    save_atomic(tmp_path / "shot.png", lambda temp: Path(temp).write_bytes(b"png"))
    assert (tmp_path / "session.npz").read_bytes() == b"keep" and (tmp_path / "shot.png").read_bytes() == b"png"


def test_json_is_strict_nan_and_infinity_are_null(tmp_path):
    path = tmp_path / "metrics.json"
    save_json(path, {"loss": float("nan"), "cosine": [1.0, float("inf"), -float("inf")], "nested": {"x": 2.5}})

    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")
    assert json.loads(path.read_text(), parse_constant=refuse) == {"loss": None, "cosine": [1.0, None, None],
                                                                  "nested": {"x": 2.5}}

"""Atomic writes: a failing or killed writer, a missing folder or a full disk leave the old file whole and no temp file behind."""
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from filterlab.engine.core.files import TEMP_NAME, path_problem, remove_stale_temps, save_atomic


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

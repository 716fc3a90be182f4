"""Atomic writes: a failing writer or a missing folder leaves the old file and no temp file behind."""
import os

import pytest

from filterlab.engine.core.files import save_atomic


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

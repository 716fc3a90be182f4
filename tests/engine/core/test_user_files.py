"""Opening a file the user names: only a regular file of a bounded size, and at once, whatever the path is."""
import os
import time
from pathlib import Path

import pytest

from filterlab.engine.core.user_files import InputError, for_terminal, open_input, shown


def refused(path, max_bytes=1000) -> str:
    started = time.perf_counter()
    with pytest.raises(InputError) as error:
        open_input(path, max_bytes, "a test file")
    assert time.perf_counter() - started < 1  # a FIFO with no writer would block a plain open forever
    return str(error.value)


def test_a_regular_file_is_read(tmp_path):
    (tmp_path / "f").write_bytes(b"data")
    with open_input(tmp_path / "f", 4) as handle:
        assert handle.read() == b"data"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert "not a regular file" in refused(tmp_path / "pipe")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_endless_device_is_refused():
    assert "not a regular file" in refused("/dev/zero")


def test_too_large_is_refused_before_reading(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 2000)
    assert refused(tmp_path / "big") == "it is 2,000 bytes; a test file is at most 1,000 bytes, refused"
    with open(tmp_path / "big2", "wb") as handle:
        handle.truncate(3 * 2**30)  # sparse: 3 GB claimed, nothing stored
    assert "it is 3.0 GB; a test file is at most 1.0 MB" in refused(tmp_path / "big2", 2**20)


@pytest.mark.parametrize("make, words", [
    (lambda tmp: tmp / "missing", "no such file"),
    (lambda tmp: tmp, "this is a folder, not a file"),
    (lambda tmp: tmp / ("x" * 300), "the name is too long for this system"),
    (lambda tmp: tmp / "/".join(["y" * 200] * 25), "the name is too long for this system"),
])
def test_what_the_system_refuses_is_one_sentence(tmp_path, make, words):
    assert words in refused(make(tmp_path))


def test_a_long_path_is_shortened_in_messages():
    long = "/tmp/" + "z" * 5000
    assert len(shown(long)) <= 160 and shown(long).startswith("/tmp/zz") and "…" in shown(long)
    assert shown("/tmp/short.png") == "/tmp/short.png"


@pytest.mark.parametrize("raw, expected", [
    ("digit\x1b]0;owned\x07.png", "digit\\x1b]0;owned\\x07.png"),  # retitles a terminal
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clears the screen
    ("two\nlines\r.png", "two\\nlines\\r.png"),
    ("tab\there\x7f", "tab\\there\\x7f"),
    ("\x9bC1 control", "\\x9bC1 control"),
    ("evil\u202egnp.exe", "evil\\u202egnp.exe"),  # right-to-left override: shows a false name
    ("zero\u200bwidth", "zero\\u200bwidth"),
    (os.fsdecode(b"latin1-\xe9t\xe9.png"), "latin1-\\xe9t\\xe9.png"),  # a name that is not UTF-8
    (b"raw \xff bytes\n", "raw \\xff bytes\\n"),
    ("plain é 4️ ok.png", "plain é 4️ ok.png"),  # printable text, any script, stays as it is
])
def test_outside_text_reaches_the_terminal_escaped(raw, expected):
    assert for_terminal(raw) == expected


@pytest.mark.parametrize("raw", ["x" * 100_000, "\x1b" * 50_000, "é\n" * 30_000, os.fsdecode(b"\xff" * 9000)])
def test_outside_text_is_bounded_and_stays_one_line(raw):
    text = for_terminal(raw, 160)
    assert len(text) <= 160 and text.isprintable() and "…" in text
    assert not text.split("…")[0].endswith("\\") and "\\x1" not in text[-3:]  # no escape cut in half


def test_shown_renders_a_path_as_for_terminal_does():
    path = os.fsdecode(b"/tmp/a\x1b\xff\n.png")
    assert shown(path) == shown(Path(path)) == "/tmp/a\\x1b\\xff\\n.png"

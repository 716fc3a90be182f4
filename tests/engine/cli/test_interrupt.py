"""Ctrl-C on a headless run: one line, exit 130, and the files already in the output folder stay whole."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def wait_for_output(process, text: bytes, seconds: float = 60) -> bytes:
    """stderr until `text` appears in it (a progress bar ends its lines with \\r, so read bytes)."""
    seen, deadline = b"", time.monotonic() + seconds
    os.set_blocking(process.stderr.fileno(), False)
    while text not in seen:
        assert time.monotonic() < deadline and process.poll() is None, seen
        seen += process.stderr.read() or b""
        time.sleep(0.05)
    return seen


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
@pytest.mark.parametrize("signum, code, words", [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_or_sigterm_ends_a_headless_run_with_one_line_and_exit_130_or_143(tmp_path, signum, code, words):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.json").write_text('{"steps": 5}\n')  # an earlier run's results
    process = subprocess.Popen([sys.executable, "main.py", "--headless", "--steps", "100000000", "--out", str(out)],
                               cwd=ROOT, stderr=subprocess.PIPE)
    wait_for_output(process, b"training")
    process.send_signal(signum)
    process.wait(10)
    os.set_blocking(process.stderr.fileno(), True)
    err = process.stderr.read().decode()
    assert process.returncode == code
    assert err.strip().splitlines()[-1] == f"filterlab: {words}" and "Traceback" not in err
    assert sorted(os.listdir(out)) == ["metrics.json"] and (out / "metrics.json").read_text() == '{"steps": 5}\n'

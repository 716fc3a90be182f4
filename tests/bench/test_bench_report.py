"""`python -m bench` reports every mode against its plain loop and in its window, with the first steps' pauses,
the epoch ends and the intra-op threads, from the JSON it keeps (here a hand-made one: no timing in tests)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATHS = ("one_digit", "one_digit_sgd", "small_kernels", "set_28", "set_5", "side_by_side", "lab1d")


def saved_run() -> dict:
    modes = {"threads": 1, "repeats": 3, "threads_seen": [1],
             "one_digit": {"engine": 20_000.0, "reference": 2_000.0},
             "set_28": {"engine": 6_000.0, "reference": 1_200.0, "reshuffle_ms": 7.4, "test_pass_ms": 12.0},
             "set_5": {"engine": 900.0, "reference": 300.0, "reshuffle_ms": 6.0, "test_pass_ms": 11.0},
             "side_by_side": {"engine": 6_000.0, "trainers_in_turn": 5_000.0, "reference": 450.0},
             "lab1d": {"engine": 3_000.0, "reference": 1_500.0}}
    windows = {mode: {"mode": mode, "what": f"the path {mode}", "in_turns_ratio": 0.25 + 0.1 * i,
                      "in_turns_window": 100.0 * (i + 1), "in_turns_headless": 400.0, "first_step_ms": 3.0 + i,
                      "longest_first_second_ms": 40.0 + i, "frames_per_second_in_turns": 60.0}
               for i, mode in enumerate(PATHS)}
    windows["set_5"].update(epoch_end_ms=55.0, epoch_ends=2)
    return {"commit": "abc1234", "cores": 2, "load_before": 1.0, "load_after": 1.5, "steps": 5000,
            "modes": modes, "mode_windows": windows}


def test_the_report_names_every_mode_its_ratios_pauses_and_threads(tmp_path):
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps(saved_run()))
    printed = subprocess.run([sys.executable, "-m", "bench", "--from", str(saved)], cwd=ROOT, capture_output=True,
                             text=True, timeout=60, check=True).stdout
    assert "commit abc1234, 2 CPU cores" in printed and "one intra-op thread" in printed
    for ratio in ("10.00x its plain loop", "5.00x its plain loop", "3.00x its plain loop", "13.33x its plain loop",
                  "side by side 1.20x of it", "2.00x its plain loop"):
        assert ratio in printed, ratio
    assert "7 ms, 12 ms" in printed and "6 ms, 11 ms" in printed  # reshuffle and test pass at an epoch's end
    lines = printed.splitlines()
    for i, mode in enumerate(PATHS):
        rows = [line for line in lines if line.strip().split("  ")[0] == f"the path {mode}"]
        assert len(rows) == 2, (mode, rows)  # its window / headless row and its first-step row
        assert f"{0.25 + 0.1 * i:.2f}x" in rows[0] and f"{100 * (i + 1):,} of 400 steps/s" in rows[0]
        assert f"{3 + i} ms" in rows[1] and f"longest in the first second {40 + i} ms" in rows[1]
    assert "longest call across an epoch's end 55 ms (2)" in printed
    assert "intra-op threads as each side of a ratio began" in printed

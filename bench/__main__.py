"""Run every measurement, each in a fresh process, and print the table README quotes.

    python -m bench [--steps 5000] [--memory-steps 100000] [--json results.json] [--markdown]
    python -m bench --from results.json [--markdown]     (print a saved run again)
    python -m bench --modes-only [--json results.json]   (every mode and its window only)

Ratios are against the bare PyTorch loop (and the headless engine) measured in this same
run, on this machine. The table names the commit it measured and the machine's cores;
--markdown prints it as README's "Performance" block. Every mode (one digit, a set at 28x28
and 5x5, four runs side by side, the 1-D lab) is also measured against its own plain loop,
both pinned to one intra-op thread, in turns in one process (bench/modes.py), and in its window
against the same engine headless, with the pause of its first steps (bench/mode_window.py).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.mode_window import PATHS, FIRST_STEP_TARGET_MS, WINDOW_TARGET
from bench.modes import rows as mode_rows  # no torch: bench.modes imports it when it measures

ROOT = Path(__file__).resolve().parents[1]


def measure(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=1800, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {' '.join(args)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def commit() -> str:
    """The commit measured, with '+changes' when the working tree differs from it."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    return sha + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def machine() -> dict:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"commit": commit(), "cores": os.cpu_count(), "load_before": load}


def run_all(steps: str, memory_steps: int) -> dict:
    """Each filter count: the bare loop, then the headless engine and the window in turns (engine,
    window, engine, window, engine), each figure the median of its runs: this machine's speed
    drifts by a quarter within a minute, and turns put both sides of a ratio in the same minutes."""
    figures = machine()
    for filters in ("5", "64"):
        bare = measure("bench.loops", "bare", filters, steps)["steps_per_second"]
        engines, windows = [measure("bench.loops", "engine", filters, steps)], []
        for turn in range(2):
            window_args = ["bench.window", filters, steps]
            if turn == 0 and filters == "5":
                window_args += ["--latency"] + (["--memory", str(memory_steps)] if memory_steps else [])
            windows.append(measure(*window_args))
            engines.append(measure("bench.loops", "engine", filters, steps))
        window = {**windows[0], **{key: statistics.median(run[key] for run in windows) for key in WINDOW_RATES},
                  "longest_gui_stall_ms": max(run["longest_gui_stall_ms"] for run in windows)}
        figures[filters] = {"bare": bare, "engine": statistics.median(run["steps_per_second"] for run in engines),
                            "engine_steady": statistics.median(run["steady_steps_per_second"] for run in engines),
                            "window_runs": windows, **window}
    figures["startup"] = {**measure("bench.startup"), **measure("bench.startup", "--close-while-loading")}
    figures["modes"] = measure("bench.modes", "--repeats", "3")
    figures["mode_windows"] = {mode: measure("bench.mode_window", mode) for mode in PATHS}
    figures["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return figures


WINDOW_RATES = ("steps_per_second", "steady_steps_per_second", "frames_per_second", "frames_first_second",
                "in_turns_ratio")  # the median of the window's runs; its longest stall is the longest of them


def run_modes() -> dict:
    """Only every mode against its plain loop and in its window (`--modes-only`): bench/modes.py, bench/mode_window.py."""
    figures = machine()
    figures["modes"] = measure("bench.modes", "--repeats", "3")
    figures["mode_windows"] = {mode: measure("bench.mode_window", mode) for mode in PATHS}
    figures["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return figures


def rows(figures: dict) -> list[tuple[str, str, str]]:
    if "5" not in figures:  # a --modes-only run
        return mode_tables(figures)
    five, many, start = figures["5"], figures["64"], figures["startup"]
    steps = f"{figures.get('steps', 5000):,}"
    table = []
    for count, run, bare_target in (("5", five, 1.5), ("64", many, 1.0)):
        bare, steady = run["bare"], run["steady_steps_per_second"]
        table += [
            (f"bare PyTorch loop, {count} filters (reference)", f"{bare:,.0f} steps/s", "1.00x"),
            (f"  headless engine, steps 0-{steps}", f"{run['engine']:,.0f} steps/s", f"{run['engine'] / bare:.2f}x"),
            ("  engine in the live window, from its first frame", f"{run['steps_per_second']:,.0f} steps/s",
             f"{run['steps_per_second'] / bare:.2f}x"),
            (f"  headless engine, the next {steps} steps (>= 2 s)", f"{run['engine_steady']:,.0f} steps/s",
             f"{run['engine_steady'] / bare:.2f}x"),
            ("  engine in the live window, the same range", f"{steady:,.0f} steps/s",
             f"{steady / bare:.2f}x (target >= {bare_target}x), {steady / run['engine_steady']:.2f}x headless"),
            ("  window / headless, in turns in one process", f"{run['in_turns_ratio']:.2f}x",
             ("target >= 0.8x; " if count == "5" else "") + "median of 20 pairs of 0.5 s"),
            (f"  frames drawn, {count} filters", f"{run['frames_per_second']:.0f} fps",
             f"target >= {60 if count == '5' else 30}; from 1 s after the first frame "
             f"({run['frames_first_second']} in the first second)"),
            ("  longest GUI-thread stall after the first frame", f"{run['longest_gui_stall_ms']:.0f} ms", "target < 50"),
        ]
    closing = max(five["close_s"], many["close_s"], start["close_after_first_frame_s"], start["close_while_loading_s"])
    table += [
        ("+10,000 fast-forward in the window", f"{five['skip_steps_per_second']:,.0f} steps/s",
         f"{five['skip_steps_per_second'] / five['bare']:.2f}x (target >= 1.0x)"),
        ("pause click -> engine's last step (max of 5)", f"{five['pause_latency_ms']:.1f} ms", "target < 17"),
        ("drawn stroke -> first step on it (max of 5)", f"{five['stroke_latency_ms']:.1f} ms", "target < 50"),
        ("window shown after process start", f"{start['window_shown_s']:.2f} s", "target <= 1.5"),
        ("first live frame after process start", f"{start['first_frame_s']:.2f} s", ""),
        ("window.close() while PyTorch loads", f"{start['close_while_loading_s'] * 1000:.0f} ms", ""),
        ("window.close(), slowest of all states", f"{closing * 1000:.0f} ms",
         "target < 500 (loading, first frame, 5 and 64 filters training)"),
    ]
    if "rss_growth_mb" in five:
        table.append((f"RSS growth over {five['memory_steps']:,} steps, window open",
                      f"{five['rss_growth_mb']:.1f} MB", "target < 50"))
    return table + mode_tables(figures)


def mode_tables(figures: dict) -> list[tuple[str, str, str]]:
    table = []
    if "modes" in figures:
        modes = figures["modes"]
        table.append((f"every mode vs its plain loop, {modes['threads']} intra-op thread, best of {modes['repeats']}",
                      "", "in turns in one process (bench/modes.py)"))
        table += [("  " + name, value, note) for name, value, note in mode_rows(modes)]
    if "mode_windows" in figures:
        table += window_rows(figures["mode_windows"])
    return table


def window_rows(runs: dict) -> list[tuple[str, str, str]]:
    """Each mode's window against its headless engine (in turns), and the first steps' pauses on every path."""
    table = [("every mode in its window (offscreen) / headless, in turns", "",
              f"median of pairs of 0.5 s (bench/mode_window.py); target >= {WINDOW_TARGET}x")]
    for mode, run in runs.items():
        table.append((f"  {run['what']}", f"{run['in_turns_ratio']:.2f}x",
                      f"{run['in_turns_window']:,.0f} of {run['in_turns_headless']:,.0f} steps/s, "
                      f"{run['frames_per_second_in_turns']:.0f} fps"))
    table.append(("first step's pause on every path, in the window's worker", "",
                  f"its first step() call; the longest call in its first second; target < {FIRST_STEP_TARGET_MS} ms"))
    for mode, run in runs.items():
        table.append((f"  {run['what']}", f"{run['first_step_ms']:.0f} ms",
                      f"longest in the first second {run['longest_first_second_ms']:.0f} ms"
                      + (f"; longest call across an epoch's end {run['epoch_end_ms']:.0f} ms ({run['epoch_ends']})"
                         if "epoch_end_ms" in run else "")))
    return table


def report(figures: dict, steps: int) -> str:
    table = rows(figures)
    width = max(len(r[0]) for r in table)
    title = "every mode (--modes-only)" if "5" not in figures else f"{steps} steps from a fresh start, bundled digit 4"
    lines = [f"Filter Lab benchmark: {title}",
             f"  commit {figures['commit']}, {figures['cores']} CPU cores, load average "
             f"{figures['load_before']:.2f} before, {figures['load_after']:.2f} after"]
    if "modes" in figures:  # runs from e2e408f on pin every loop; older saved runs did not, and say nothing
        lines.append("  one intra-op thread (torch.set_num_threads(1)) for the engine and every reference loop")
    lines += [f"  {name:<{width}}  {value:>16}  {note}".rstrip() for name, value, note in table]
    return "\n".join(lines)


def markdown(figures: dict, steps: int) -> str:
    """README's performance block: where the figures come from, then the table as printed."""
    return (f"Figures from commit `{figures['commit']}` on a {figures['cores']}-core machine, "
            f"`python -m bench`:\n\n```\n{report(figures, steps)}\n```")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--steps", type=int, default=5000, help="steps timed per throughput run (default 5000)")
    parser.add_argument("--memory-steps", type=int, default=100_000, help="steps for the memory run (0: skip)")
    parser.add_argument("--json", help="also write the raw figures here")
    parser.add_argument("--markdown", action="store_true", help="print README's performance block")
    parser.add_argument("--from", dest="saved", help="print the figures of a run saved with --json, measure nothing")
    parser.add_argument("--modes-only", action="store_true",
                        help="measure only every mode against its plain loop and in its window (a few minutes)")
    args = parser.parse_args()
    if args.saved:
        with open(args.saved) as handle:
            figures = json.load(handle)
        args.steps = figures.get("steps", args.steps)
    elif args.modes_only:
        figures = {**run_modes(), "steps": args.steps}
    else:
        figures = {**run_all(str(args.steps), args.memory_steps), "steps": args.steps}
    print(markdown(figures, args.steps) if args.markdown else report(figures, args.steps))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()

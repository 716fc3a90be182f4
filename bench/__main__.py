"""Run every measurement, each in a fresh process, and print the table README quotes.

    python -m bench [--steps 5000] [--memory-steps 100000] [--json results.json]

Ratios are against the bare PyTorch loop measured in this same run, on this machine.
"""
import argparse
import json
import subprocess
import sys


def measure(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step {' '.join(args)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--steps", type=int, default=5000, help="steps timed per throughput run (default 5000)")
    parser.add_argument("--memory-steps", type=int, default=100_000, help="steps for the memory run (0: skip)")
    parser.add_argument("--json", help="also write the raw figures here")
    args = parser.parse_args()
    steps = str(args.steps)

    figures = {}
    for filters in ("5", "64"):
        bare = measure("bench.loops", "bare", filters, steps)["steps_per_second"]
        engine = measure("bench.loops", "engine", filters, steps)["steps_per_second"]
        window_args = ["bench.window", filters, steps]
        if filters == "5":
            window_args += ["--latency"]
            if args.memory_steps:
                window_args += ["--memory", str(args.memory_steps)]
        window = measure(*window_args)
        figures[filters] = {"bare": bare, "engine": engine, **window}
    startup = measure("bench.startup")
    figures["startup"] = startup

    five, many = figures["5"], figures["64"]
    rows = [
        ("bare PyTorch loop, 5 filters (reference)", f"{five['bare']:,.0f} steps/s", "1.00x"),
        ("headless engine, 5 filters", f"{five['engine']:,.0f} steps/s", f"{five['engine'] / five['bare']:.2f}x"),
        ("engine in the live window, 5 filters", f"{five['steps_per_second']:,.0f} steps/s",
         f"{five['steps_per_second'] / five['bare']:.2f}x (target >= 1.5x)"),
        ("bare PyTorch loop, 64 filters (reference)", f"{many['bare']:,.0f} steps/s", "1.00x"),
        ("headless engine, 64 filters", f"{many['engine']:,.0f} steps/s", f"{many['engine'] / many['bare']:.2f}x"),
        ("engine in the live window, 64 filters", f"{many['steps_per_second']:,.0f} steps/s",
         f"{many['steps_per_second'] / many['bare']:.2f}x (target >= 1.0x)"),
        ("+10,000 fast-forward in the window", f"{five['skip_steps_per_second']:,.0f} steps/s",
         f"{five['skip_steps_per_second'] / five['bare']:.2f}x (target >= 1.0x)"),
        ("frames drawn, 5 filters", f"{five['frames_per_second']:.0f} fps", "target >= 60"),
        ("frames drawn, 64 filters", f"{many['frames_per_second']:.0f} fps", "target >= 30"),
        ("longest GUI-thread stall, 5 filters", f"{five['longest_gui_stall_ms']:.0f} ms", "target < 50"),
        ("longest GUI-thread stall, 64 filters", f"{many['longest_gui_stall_ms']:.0f} ms", "target < 50"),
        ("pause click -> engine's last step (max of 5)", f"{five['pause_latency_ms']:.1f} ms", "target < 17"),
        ("drawn stroke -> first step on it (max of 5)", f"{five['stroke_latency_ms']:.1f} ms", "target < 50"),
        ("window shown after process start", f"{startup['window_shown_s']:.2f} s", "target <= 1.5"),
        ("first live frame after process start", f"{startup['first_frame_s']:.2f} s", ""),
    ]
    if "rss_growth_mb" in five:
        rows.append((f"RSS growth over {five['memory_steps']:,} steps, window open",
                     f"{five['rss_growth_mb']:.1f} MB", "target < 50"))
    width = max(len(r[0]) for r in rows)
    print(f"Filter Lab benchmark: {args.steps} steps from a fresh start, bundled digit 4")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {note}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()

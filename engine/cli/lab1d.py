"""The 1-D lab on the command line: which options it takes, and its headless run.

`--lab1d` shares `--steps`, `--out`, `--screenshot`, `--lr` and `--seed` with the digit
experiment and adds `--taps` and `--levels`. Every other option (a digit, a number of
filters, a GIF, and whatever the digit modes add later) is refused rather than silently
ignored, so nobody waits for a run that does not do what they asked for.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional, TextIO

from filterlab.engine.cli.common import UsageError, options_given
from filterlab.engine.core.config import ConfigError

LAB_OPTIONS = ("lab1d", "headless", "steps", "out", "screenshot", "lr", "seed", "taps", "levels")
LAB_ONLY = ("taps", "levels")
STEPS = 5000
CHUNK = 250  # steps between progress updates


def check_lab1d_options(args: argparse.Namespace) -> None:
    """Refuse a mix of lab and digit options before anything starts."""
    if not args.lab1d:
        stray = options_given(args, LAB_ONLY)
        if stray:
            raise UsageError(f"{', '.join(stray)} belong(s) to the 1-D lab; add --lab1d")
        return
    stray = options_given(args, [name for name in vars(args) if name not in LAB_OPTIONS])
    if stray:
        raise UsageError(f"--lab1d trains one 1-D filter on random sequences (Adam, CPU); "
                         f"{', '.join(stray)} do(es) not apply to it")
    lab1d_config_from_args(args)


def lab1d_config_from_args(args: argparse.Namespace):
    from filterlab.engine.lab1d.lab import Lab1DConfig
    given = {name: getattr(args, name) for name in LAB_ONLY if getattr(args, name) is not None}
    try:
        return Lab1DConfig(lr=args.lr, seed=args.seed, **given)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def run_lab1d_headless(args: argparse.Namespace) -> int:
    from filterlab.engine.lab1d.lab import Lab1D
    from filterlab.engine.core.runtime import tune_runtime

    config = lab1d_config_from_args(args)
    tune_runtime()
    steps = STEPS if args.steps is None else args.steps
    try:
        snap = run(Lab1D(config), steps, args.out)
    except OSError as error:
        raise UsageError(f"cannot write the results: {error}") from None
    print(f"wrote {args.out}/figure.png and metrics.json")
    print(f"taps {snap.size_ratio:.3g} x [{', '.join(f'{t:+.2f}' for t in snap.taps / snap.size_ratio)}], "
          f"cosine to [-1, 1, -1] {snap.cosine:+.3f}; same peaks as [-1, 1, -1]: F1 {snap.agreement.f1:.3f}; "
          f"vs the true peaks: F1 {snap.learned.f1:.3f} (learned), {snap.hand.f1:.3f} ([-1, 1, -1])")
    return 0


def run(lab, steps: int, out: Path, stream: Optional[TextIO] = None):
    """Train `steps` steps with a progress bar, write figure.png and metrics.json; the final snapshot."""
    from filterlab.engine.core.files import save_image, save_json
    from filterlab.engine.cli.headless import Progress
    from filterlab.engine.render.lab1d import lab1d_figure

    progress = Progress(steps, stream or sys.stderr)
    start = time.perf_counter()
    while lab.step_count < steps:
        lab.step(min(CHUNK, steps - lab.step_count))
        progress.show(lab.step_count, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    progress.close()

    snap = lab.snapshot()
    metrics = snap.metrics()
    metrics.update(seconds=seconds, steps_per_second=steps / seconds if steps and seconds > 0 else None)
    out.mkdir(parents=True, exist_ok=True)
    title = f"Filter Lab, 1-D: a {snap.config.taps}-tap filter after {snap.step:,} steps (seed {snap.config.seed})"
    save_image(lab1d_figure(snap, title=title), out / "figure.png")
    save_json(out / "metrics.json", metrics)
    return snap

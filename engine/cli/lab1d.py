"""The 1-D lab on the command line (`--lab1d`): which options it takes, and its headless report.

`--lab1d` shares `--steps`, `--out`, `--screenshot`, `--lr` and `--seed` with the digit
experiment and adds `--taps` and `--levels`. Every other option (a digit, a number of
filters, a GIF, and whatever the digit modes add later) is refused rather than silently
ignored, so nobody waits for a run that does not do what they asked for.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from filterlab.engine.cli.options import UsageError, options_given
from filterlab.engine.cli.progress import rate, train
from filterlab.engine.core.config import ConfigError
from filterlab.engine.core.files import save_figure, save_json
from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.engine.registry import LessonLink, Registration

LAB_OPTIONS = ("lab1d", "headless", "steps", "out", "screenshot", "speed", "lesson", "lr", "seed", "taps", "levels")
LAB_ONLY = ("taps", "levels")
STEPS = 5000


def add_options(parser: argparse.ArgumentParser) -> None:
    lab = parser.add_argument_group("1-D lab (with --lab1d; --lr, --seed, --steps also apply)")
    lab.add_argument("--lab1d", action="store_true",
                     help="the 1-D lab: train a k-tap filter to find the local peaks of random sequences")
    lab.add_argument("--taps", type=int, help="taps of the 1-D filter, odd, 3-9 (default 3)")
    lab.add_argument("--levels", type=int, help="sequence values 0..levels-1, 2-100 (default 2: 0s and 1s)")


def spec_from_args(args: argparse.Namespace) -> Lab1DSpec:
    """Refuse a mix of lab and digit options before anything starts; the lab's settings."""
    stray = options_given(args, [name for name in vars(args) if name not in LAB_OPTIONS])
    if stray:
        raise UsageError(f"--lab1d trains one 1-D filter on random sequences (Adam, CPU); "
                         f"{', '.join(stray)} do(es) not apply to it")
    given = {name: getattr(args, name) for name in LAB_ONLY if getattr(args, name) is not None}
    try:
        return Lab1DSpec(Lab1DConfig(lr=args.lr, seed=args.seed, **given))
    except ConfigError as error:
        raise UsageError(str(error)) from None


def run(lab, spec: Lab1DSpec, steps, out: Path) -> tuple[list[str], bool]:
    """Train with a progress bar, write figure.png and metrics.json."""
    from filterlab.engine.render.lab1d import lab1d_figure

    steps = STEPS if steps is None else steps
    done, seconds = train(lab, steps)
    snap = lab.snapshot()
    metrics = snap.metrics()
    metrics.update(seconds=seconds, steps_per_second=rate(done, seconds))
    out.mkdir(parents=True, exist_ok=True)
    title = f"Filter Lab, 1-D: a {snap.config.taps}-tap filter after {snap.step:,} steps (seed {snap.config.seed})"
    save_figure(lab1d_figure(snap, title=title), out / "figure.png")
    save_json(out / "metrics.json", metrics)
    taps = ", ".join(f"{t:+.2f}" for t in snap.taps / snap.size_ratio)
    return [f"wrote {out}/figure.png and metrics.json",
            f"taps {snap.size_ratio:.3g} x [{taps}], cosine to [-1, 1, -1] {snap.cosine:+.3f}; same peaks as "
            f"[-1, 1, -1]: F1 {snap.agreement.f1:.3f}; vs the true peaks: F1 {snap.learned.f1:.3f} (learned), "
            f"{snap.hand.f1:.3f} ([-1, 1, -1])"], False


REGISTRATION = Registration(
    name="lab1d", title="the 1-D lab", described_as="--lab1d", flag="--lab1d", only=LAB_ONLY, add_options=add_options,
    spec_types=(Lab1DSpec,), spec_from_args=spec_from_args, run=run, out_files=("figure.png", "metrics.json"),
    window="filterlab.gui.windows.lab1d:Lab1DWindow", lesson_links={"lab1d": LessonLink("open the 1-D lab", Lab1DSpec)},
    own_modules=("filterlab.gui.windows.lab1d", "filterlab.gui.views.lab1d", "filterlab.engine.render.lab1d"))

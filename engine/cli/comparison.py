"""Runs side by side on the command line (`--compare`): which runs, and the headless report."""
from __future__ import annotations

import argparse
from pathlib import Path

from filterlab.engine.cli.digit import STEPS, config_from_args, digit_from_args
from filterlab.engine.cli.options import UsageError, options_given
from filterlab.engine.cli.progress import rate, train
from filterlab.engine.comparison.runs_text import configs_from_spec
from filterlab.engine.comparison.fork import ForkSpec
from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import ConfigError
from filterlab.engine.core.files import save_figure, save_json
from filterlab.engine.core.metrics import loss_text
from filterlab.engine.registry import FORK, SIDE_BY_SIDE, Registration

MAX_RUNS = 4


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument_group("runs side by side").add_argument(
        "--compare", metavar="RUNS", help="2-4 runs side by side on one digit, e.g. 'seed=1;seed=2;optimizer=sgd,lr=0.1'")


def spec_from_args(args: argparse.Namespace) -> ComparisonSpec:
    stray = options_given(args, ("load", "gif", "pixel_scale"))
    if stray:
        raise UsageError(f"{', '.join(stray)} do(es) not apply to --compare")
    try:
        runs = configs_from_spec(args.compare, config_from_args(args))
    except ConfigError as error:
        raise UsageError(f"--compare {error}") from None
    if not 2 <= len(runs) <= MAX_RUNS:
        raise UsageError(f"--compare takes 2 to {MAX_RUNS} runs separated by ';', got {len(runs)}")
    if len({(c.filters, c.kernel, c.device) for _, c in runs}) > 1:
        raise UsageError("--compare runs must share filters, kernel and device")
    image, label, description = digit_from_args(args)
    return ComparisonSpec(tuple(runs), image, label, description)


def run(comparison, spec: ComparisonSpec, steps, out: Path) -> tuple[list[str], bool]:
    """Train the runs side by side; write figure.png and metrics.json.

    `max_filter_difference` (largest |w_k - w_0| over filters k) is ~0 when a run's
    filters are all identical: the symmetry a zero or constant start never breaks (to
    float rounding, ~1e-8).
    """
    from filterlab.engine.core.metrics import binarised_agreement, finite_or_none, mean_abs
    from filterlab.engine.render.digit import comparison_figure

    done, seconds = train(comparison, STEPS if steps is None else steps)
    snaps = comparison.snapshots()
    runs = [{
        "name": name,
        "final_loss": snap.loss,
        "initial_cosine": finite_or_none(snap.initial_cosine),
        "cosine": finite_or_none(snap.cosine),
        "mean_abs_cosine": mean_abs(snap.cosine),
        "background_noise_left": finite_or_none(snap.background_noise_left),
        "last_step_cosine": finite_or_none(snap.last_step_cosine),
        "initial_binarised_agreement": binarised_agreement(snap.initial, snap.image).tolist(),
        "binarised_agreement": snap.agreement.tolist(),
        "max_filter_difference": float(abs(snap.filters - snap.filters[:1]).max()),
        "config": snap.config.to_dict(),
    } for name, snap in zip(comparison.names, snaps)]
    metrics = {"steps": comparison.step_count, "runs": runs, "steps_per_second": rate(done, seconds),
               "seconds": seconds, "label": comparison.label, "device": str(comparison.device),
               "diverged": comparison.diverged, "pixel_scale": 1}  # raw pixels are for one digit alone
    figure = comparison_figure(comparison.image, [(f"{name}: loss {loss_text(snap.loss, 3)}", snap.filters, snap.cosine)
                                                  for name, snap in zip(comparison.names, snaps)],
                               title=f"Filter Lab: {spec.description}, after {comparison.step_count} steps")
    out.mkdir(parents=True, exist_ok=True)
    save_figure(figure, out / "figure.png")
    save_json(out / "metrics.json", metrics)
    line = "; ".join(f"{r['name']}: loss {loss_text(r['final_loss'])}, mean |cosine| "
                     f"{'—' if r['mean_abs_cosine'] is None else format(r['mean_abs_cosine'], '.3f')}"
                     f"{_noise_words(snap)}" for r, snap in zip(runs, snaps))
    return [f"wrote {out}/figure.png, metrics.json", line], bool(metrics["diverged"])


def _noise_words(snap) -> str:
    """", noise left off the ink 0.0%-3%" (engine/core/explain.py's range over the filters), or "" where the digit
    leaves nothing blank."""
    from filterlab.engine.core.explain import noise_range
    left = snap.background_noise_left
    return "" if left is None else f", noise left off the ink {noise_range(left)}"


def side_by_side(runs, image, label: int, description: str) -> ComparisonSpec:
    """(name, Config) runs side by side on one digit."""
    return ComparisonSpec(tuple(runs), image, label, description)


def fork(experiment, change) -> ForkSpec:
    """The run at change.step twice, as it was and changed (engine/comparison/fork.py); on its training thread."""
    from filterlab.engine.comparison.fork import forked
    return ForkSpec(*forked(experiment, change))


REGISTRATION = Registration(
    name="comparison", title="runs side by side", described_as="--compare", flag="--compare",
    add_options=add_options, spec_types=(ComparisonSpec, ForkSpec), spec_from_args=spec_from_args, run=run,
    out_files=("figure.png", "metrics.json"), window="filterlab.gui.windows.comparison:ComparisonWindow",
    capabilities={SIDE_BY_SIDE: side_by_side, FORK: fork},
    own_modules=("filterlab.gui.windows.comparison", "filterlab.gui.views.run_curves"))

"""Beyond one digit on the command line: a set of digits (`--classes`) or runs side by side
(`--compare`), both headless.

Options that mean nothing to the chosen mode are refused rather than silently ignored, so
nobody waits for a run that does not do what they asked for.
"""
from __future__ import annotations

import argparse
import sys

from filterlab.engine.cli.common import UsageError, config_from_args, digit_from_args, options_given
from filterlab.engine.core.config import ConfigError
from filterlab.engine.data import DataError

EPOCHS = 10
STEPS = 5000
MAX_RUNS = 4
ONE_DIGIT = ("image", "digit", "index", "label")
SET_ONLY = ("epochs", "batch_size")
MINE = ("classes", "compare", "init", "init_value", *SET_ONLY)


def check_many_options(args: argparse.Namespace) -> None:
    """Refuse mixes that cannot mean anything, before anything starts."""
    sets, compare = args.classes is not None, args.compare is not None
    if args.lab1d:
        stray = options_given(args, MINE)
        if stray:
            raise UsageError(f"{', '.join(stray)} do(es) not apply to --lab1d")
        return
    if not sets:
        stray = options_given(args, SET_ONLY)
        if stray:
            raise UsageError(f"{', '.join(stray)} belong(s) to set runs; add --classes")
    if not (sets or compare):
        return
    mode = "--classes" if sets else "--compare"
    if sets and compare:
        raise UsageError("--classes and --compare do not mix: compare runs on one digit")
    steps = ("steps",) if args.headless else ()  # the window's --screenshot counts steps
    stray = options_given(args, ("load", "gif") + (ONE_DIGIT + steps if sets else ()))
    if stray:
        raise UsageError(f"{', '.join(stray)} do(es) not apply to {mode}"
                         + ("; a set run counts --epochs" if "--steps" in stray else ""))
    for name in SET_ONLY:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be 1 or more, got {value}")


def run_many_headless(args: argparse.Namespace) -> int:
    from filterlab.engine.core.runtime import tune_runtime

    runner = _set_run(args) if args.classes is not None else _compare_run(args)
    tune_runtime()
    try:
        summary = runner()
    except OSError as error:
        raise UsageError(f"cannot write the results: {error}") from None
    print(f"wrote {args.out}/figure.png, metrics.json" + (", history.npz" if args.classes else ""))
    print(summary["line"])
    if summary["diverged"]:
        print(f"warning: {summary['diverged']}", file=sys.stderr)
        return 1
    return 0


def set_from_args(args: argparse.Namespace):
    """(config, digits, batch size) of a --classes run, checked and loaded."""
    from filterlab.engine.digitset.trainer import DEFAULT_BATCH, bundled_set, mnist_set, parse_classes

    config = config_from_args(args)
    try:
        classes = parse_classes(args.classes)
        digits = (mnist_set(args.mnist_root, classes, args.download) if args.mnist_root is not None
                  else bundled_set(classes))
    except (DataError, ConfigError) as error:
        raise UsageError(str(error)) from None
    return config, digits, args.batch_size or DEFAULT_BATCH


def _set_run(args: argparse.Namespace):
    """Check and load everything a set run needs; return the run itself, to be called."""
    from filterlab.engine.cli.headless import run_set
    from filterlab.engine.digitset.trainer import SetTrainer

    config, digits, batch = set_from_args(args)
    try:
        trainer = SetTrainer(config, digits, batch)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    epochs = args.epochs or EPOCHS

    def run() -> dict:
        metrics = run_set(trainer, epochs, args.out, title=f"Filter Lab: {digits.description},")
        accuracy = metrics["final_test_accuracy"]
        line = (f"test accuracy {accuracy:.1%} after {len(metrics['epochs'])} epoch(s) "
                f"(before training {metrics['initial_test_accuracy']:.1%}), "
                f"{metrics['steps_per_second'] or 0:,.0f} steps/s" if accuracy is not None else "no epoch trained")
        return {"line": line, "diverged": metrics["diverged"]}
    return run


def compare_runs_from_args(args: argparse.Namespace):
    """(runs [(name, Config)], image, label, description) of a --compare, checked."""
    from filterlab.engine.comparison.runs import configs_from_spec

    try:
        runs = configs_from_spec(args.compare, config_from_args(args))
    except ConfigError as error:
        raise UsageError(f"--compare {error}") from None
    if not 2 <= len(runs) <= MAX_RUNS:
        raise UsageError(f"--compare takes 2 to {MAX_RUNS} runs separated by ';', got {len(runs)}")
    shared = {(c.filters, c.kernel, c.device) for _, c in runs}
    if len(shared) > 1:
        raise UsageError("--compare runs must share filters, kernel and device")
    image, label, description = digit_from_args(args)
    return runs, image, label, description


def _compare_run(args: argparse.Namespace):
    """Check everything a comparison needs; return the run itself, to be called."""
    from filterlab.engine.cli.headless import run_compare
    from filterlab.engine.comparison.runs import Lockstep

    runs, image, label, description = compare_runs_from_args(args)
    try:
        lockstep = Lockstep([c for _, c in runs], image, label, names=[n for n, _ in runs])
    except ConfigError as error:
        raise UsageError(str(error)) from None
    steps = STEPS if args.steps is None else args.steps

    def run() -> dict:
        metrics = run_compare(lockstep, steps, args.out, title=f"Filter Lab: {description},")
        line = "; ".join(f"{r['name']}: loss {r['final_loss']:.4g}, mean |cosine| {r['mean_abs_cosine']:.3f}"
                         for r in metrics["runs"])
        return {"line": line, "diverged": metrics["diverged"]}
    return run

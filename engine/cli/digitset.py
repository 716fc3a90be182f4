"""A set of digits on the command line (`--classes`): which digits, and the headless report."""
from __future__ import annotations

import argparse
from pathlib import Path

from filterlab.engine.cli.digit import config_from_args
from filterlab.engine.cli.options import UsageError, options_given
from filterlab.engine.cli.progress import rate, train
from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.files import save_figure, save_json
from filterlab.engine.data import DataError
from filterlab.engine.digitset.data import DEFAULT_BATCH, EPOCHS
from filterlab.engine.digitset.spec import SetSpec
from filterlab.engine.registry import ALL_DIGITS, LessonLink, Registration

ONE_DIGIT = ("image", "digit", "index", "label", "load", "gif", "pixel_scale")
SET_ONLY = ("epochs", "batch_size")


def add_options(parser: argparse.ArgumentParser) -> None:
    many = parser.add_argument_group("many digits")
    many.add_argument("--classes", metavar="LIST",
                      help="train on a set: 'all' or classes like 3,7 (bundled sample, or --mnist-root)")
    many.add_argument("--epochs", type=int, help="epochs to train with --classes (default 10)")
    many.add_argument("--batch-size", type=int, help="minibatch size with --classes (default 64)")


def check(args: argparse.Namespace) -> None:
    """Refuse what means nothing to a set run, before anything starts."""
    stray = options_given(args, ONE_DIGIT + (("steps",) if args.headless else ()))
    if stray:
        raise UsageError(f"{', '.join(stray)} do(es) not apply to --classes"
                         + ("; a set run counts --epochs" if "--steps" in stray else ""))
    for name in SET_ONLY:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be 1 or more, got {value}")


def spec_from_args(args: argparse.Namespace) -> SetSpec:
    from filterlab.engine.digitset.data import bundled_set, mnist_set, parse_classes

    check(args)
    config = config_from_args(args)
    try:
        classes = parse_classes(args.classes)
        digits = (mnist_set(args.mnist_root, classes, args.download) if args.mnist_root is not None
                  else bundled_set(classes))
    except (DataError, ConfigError) as error:
        raise UsageError(str(error)) from None
    return SetSpec(config, digits, args.batch_size or DEFAULT_BATCH, args.epochs or EPOCHS)


def run(trainer, spec: SetSpec, steps, out: Path) -> tuple[list[str], bool]:
    """Train the epochs, a progress bar and a score line each; write figure, metrics and history.

    The test accuracy before any training is measured too: it is the baseline (about
    chance) that the per-epoch figures are to be read against.
    """
    import sys

    initial_loss, initial_accuracy = trainer.evaluate()
    done, seconds = 0, 0.0
    for epoch in range(1, spec.epochs + 1):
        made, took = train(trainer, trainer.steps_per_epoch, desc=f"epoch {epoch}/{spec.epochs}")
        done, seconds = done + made, seconds + took
        if trainer.diverged:
            break
        record = trainer.epochs[-1]
        sys.stderr.write(f"epoch {epoch}/{spec.epochs}: train loss {record['train_loss']:.4f}, test loss "
                         f"{record['test_loss']:.4f}, test accuracy {record['test_accuracy']:.1%}\n")
    metrics = _metrics(trainer, initial_loss, initial_accuracy, done, seconds)
    _write(trainer, metrics, out)
    accuracy = metrics["final_test_accuracy"]
    line = (f"test accuracy {accuracy:.1%} after {len(metrics['epochs'])} epoch(s) "
            f"(before training {initial_accuracy:.1%}), {metrics['steps_per_second'] or 0:,.0f} steps/s"
            if accuracy is not None else "no epoch trained")
    return [f"wrote {out}/figure.png, metrics.json, history.npz", line], bool(metrics["diverged"])


def _metrics(trainer, initial_loss, initial_accuracy, done, seconds) -> dict:
    from filterlab.engine.core.metrics import binarised_agreement
    from filterlab.engine.digitset.snapshot import to_class_means

    trainer.scores()  # the test split scored at the last step, which the snapshot then shows
    snap, digits = trainer.snapshot(), trainer.digits
    last = trainer.epochs[-1] if trainer.epochs else {}
    return {
        "data": digits.description,
        "classes": list(digits.classes),
        "train_size": len(digits.train_labels),
        "test_size": len(digits.test_labels),
        "batch_size": trainer.batch_size,
        "steps_per_epoch": trainer.steps_per_epoch,
        "steps": snap.step,
        "initial_test_loss": initial_loss,
        "initial_test_accuracy": initial_accuracy,
        "epochs": trainer.epochs,
        "final_train_loss": last.get("train_loss"),
        "final_test_loss": last.get("test_loss"),
        "final_test_accuracy": last.get("test_accuracy"),
        "confusion": snap.confusion.tolist(),  # the test split: rows = true class, columns = predicted
        "filter_classes": snap.filter_classes.tolist(),
        "initial_cosine": snap.initial_cosine.tolist(),
        "cosine": snap.cosine.tolist(),
        "mean_abs_cosine": float(abs(snap.cosine).mean()),
        "pixel_scale": snap.config.pixel_scale,  # always 1: raw pixels are the one-digit experiment's
        # each filter binarised at its mean against the mean image of its class, binarised at its mean
        "initial_binarised_agreement": to_class_means(trainer, snap.initial, snap.filter_classes,
                                                      binarised_agreement).tolist(),
        "binarised_agreement": to_class_means(trainer, snap.filters, snap.filter_classes,
                                              binarised_agreement).tolist(),
        "steps_per_second": rate(done, seconds),
        "seconds": seconds,
        "device": snap.device,
        "diverged": snap.diverged,
        "config": snap.config.to_dict(),
    }


def _write(trainer, metrics: dict, out: Path) -> None:
    from filterlab.engine.render.digit import filter_figure

    snap, digits = trainer.snapshot(), trainer.digits
    score = f", test accuracy {metrics['final_test_accuracy']:.1%}" if trainer.epochs else ""
    figure = filter_figure(digits.train_images.mean(axis=0), snap.initial, snap.filters, snap.initial_cosine,
                           snap.cosine, title=f"Filter Lab: {digits.description}, after {len(trainer.epochs)} "
                           f"epochs{score}",
                           image_caption="mean training image (cos: to the mean of the filter's class)",
                           targets=[str(c) for c in snap.filter_classes], confusion=snap.confusion)
    out.mkdir(parents=True, exist_ok=True)
    save_figure(figure, out / "figure.png")
    save_json(out / "metrics.json", metrics)
    trainer.save_history(out / "history.npz")


def code_export_problem(args: argparse.Namespace) -> str | None:
    """What keeps this set run from being written as code (--export-script), or None."""
    if args.mnist_root is not None:
        return "embeds a set's digits in the code: the bundled sample's fit, the full MNIST (--mnist-root) does not"
    return None


def all_digits(config: Config) -> SetSpec:
    """A run on all ten classes of the bundled sample with these settings."""
    from filterlab.engine.digitset.data import bundled_set
    return SetSpec(config, bundled_set(tuple(range(10))))


REGISTRATION = Registration(
    name="digitset", title="set runs", described_as="--classes", flag="--classes", only=SET_ONLY,
    add_options=add_options, spec_types=(SetSpec,), spec_from_args=spec_from_args, run=run,
    out_files=("figure.png", "metrics.json", "history.npz"), window="filterlab.gui.windows.digitset:SetWindow",
    code_export=code_export_problem, capabilities={ALL_DIGITS: all_digits},
    lesson_links={"many-digits": LessonLink("open the set window: 16 filters on all ten classes",
                                            lambda: all_digits(Config(filters=16)))},
    own_modules=("filterlab.gui.windows.digitset", "filterlab.engine.export.record", "filterlab.engine.export.sets"))

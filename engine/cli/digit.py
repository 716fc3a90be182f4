"""One digit on the command line (the default mode): which digit, which settings, and the headless report."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from filterlab.engine.cli.options import UsageError, options_given
from filterlab.engine.cli.progress import rate, train
from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.files import save_figure, save_json
from filterlab.engine.core.user_files import shown
from filterlab.engine.core.metrics import loss_text
from filterlab.engine.data import DataError
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.registry import Registration

STEPS = 5000
IGNORED_WITH_LOAD = ("image", "digit", "index", "label", "mnist_root", "download", "filters", "kernel",
                     "optimizer", "lr", "momentum", "weight_decay", "seed", "device", "init", "init_value",
                     "pixel_scale")
# What --original fixes: the article's script, as written (the digit and the device may be chosen)
ORIGINAL_FIXED = ("filters", "kernel", "optimizer", "lr", "momentum", "weight_decay", "seed", "init", "init_value")
ORIGINAL = ("the article's setting exactly (5 filters of 28x28, Adam, lr 1e-3, momentum 0, weight decay 1e-5, "
            "seed 0, PyTorch's initialisation, raw pixels 0-255)")


def config_from_args(args: argparse.Namespace) -> Config:
    pixel_scale = args.pixel_scale or (255 if args.original else 1)
    try:
        return Config(filters=args.filters, kernel=args.kernel, optimizer=args.optimizer,
                      lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
                      seed=args.seed, device=args.device, init=args.init, init_value=args.init_value,
                      pixel_scale=pixel_scale)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def spec_from_args(args: argparse.Namespace) -> DigitSpec:
    """A loaded session, or what the options say."""
    check_original(args)
    session = session_from_args(args)
    if session is not None:
        description = f"digit {session.label} ({shown(args.load.name)}, from step {session.step:,})"
        return DigitSpec(session.config, session.image, session.label, description, session)
    image, label, description = digit_from_args(args)
    if args.image is not None and args.label is None:
        print("note: training the image as class 0; choose the class with --label", file=sys.stderr)
    config = config_from_args(args)
    if config.pixel_scale != 1:
        description += ", the article's setting (raw pixels 0-255)" if args.original else ", raw pixels 0-255"
    return DigitSpec(config, image, label, description)


def check_original(args: argparse.Namespace) -> None:
    """--original is the article's run exactly: refuse what would make it something else."""
    if not args.original:
        return
    if args.load is not None:
        raise UsageError("--original starts the article's run at step 0, --load carries on a saved session "
                         "(at its own pixel scale): choose one")
    if args.pixel_scale == 1:
        raise UsageError("--original feeds raw pixels 0-255, as the article's script read them; "
                         "--pixel-scale 1 contradicts it")
    changed = options_given(args, ORIGINAL_FIXED)
    if changed:
        raise UsageError(f"--original is {ORIGINAL}; {', '.join(changed)} would change it: leave it out, "
                         "or use --pixel-scale 255 for raw pixels with other settings")


def session_from_args(args: argparse.Namespace):
    """The checked session --load names, or None; a bad file is a UsageError."""
    if args.load is None:
        return None
    from filterlab.engine.digit.session import SessionError, read_session
    try:
        session = read_session(args.load)
    except SessionError as error:
        raise UsageError(f"cannot load the session {error}") from None
    ignored = options_given(args, IGNORED_WITH_LOAD)
    if ignored:
        print(f"note: the session brings its own settings and digit; ignoring {', '.join(ignored)}",
              file=sys.stderr)
    return session


def digit_from_args(args: argparse.Namespace):
    """(image, label, description) of the training digit the options name."""
    from filterlab.engine import data
    try:
        if args.image is not None:
            image = data.load_image_file(args.image)
            return _checked(image, 0 if args.label is None else args.label, shown(args.image.name))
        if args.mnist_root is not None:
            index = args.index
            digit = 4 if index is None and args.digit is None else args.digit
            image, label = data.mnist_digit(args.mnist_root, digit=digit, index=index, download=args.download)
            where = f"MNIST #{index}" if index is not None else f"MNIST first {digit}"
        elif args.index is not None:
            image, label = data.bundled_index(args.index)
            where = f"sample #{args.index}"
        else:
            digit = 4 if args.digit is None else args.digit
            image, label = data.bundled_digit(digit)
            where = f"first bundled {digit}"
    except DataError as error:
        raise UsageError(str(error)) from None
    label = label if args.label is None else args.label
    return _checked(image, label, f"digit {label} ({where})")


def _checked(image, label, description):
    if not 0 <= label <= 9:
        raise UsageError(f"--label must be a digit 0-9, got {label}")
    return image, label, description


def run(trainer, spec: DigitSpec, steps, out: Path) -> tuple[list[str], bool]:
    """Train, then write figure.png, article.png, metrics.json, history.npz; (lines to print, diverged)."""
    done, seconds = train(trainer, STEPS if steps is None else steps)
    snap = trainer.snapshot()
    metrics = digit_metrics(snap, done, seconds)
    out.mkdir(parents=True, exist_ok=True)
    _figures(snap, metrics, f"Filter Lab: {spec.description}, after {snap.step} steps", out)
    save_json(out / "metrics.json", metrics)
    trainer.save_history(out / "history.npz")
    lines = [f"wrote {out}/figure.png, article.png, metrics.json, history.npz",
             f"loss {loss_text(metrics['final_loss'])}, mean |cosine| to the digit "
             f"{_or_dash(metrics['mean_abs_cosine'], '{:.3f}')}, "
             f"binarised as the article drew them {np.mean(metrics['binarised_agreement']):.0%} of pixels agree, "
             f"{metrics['steps_per_second']:,.0f} steps/s" if metrics["steps_per_second"] else "no steps trained"]
    return lines, bool(metrics["diverged"])


def _or_dash(value, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def digit_metrics(snap, done: int, seconds: float) -> dict:
    """metrics.json of a one-digit run (README, "Headless")."""
    from filterlab.engine.core.metrics import binarised_agreement, finite_or_none, mean_abs
    return {
        "steps": snap.step,
        "final_loss": snap.loss,
        "pixel_scale": snap.config.pixel_scale,
        # null where a cosine is not defined: a filter (or the digit) with no spread (engine/core/metrics.py)
        "initial_cosine": finite_or_none(snap.initial_cosine),
        "cosine": finite_or_none(snap.cosine),
        "mean_abs_cosine": mean_abs(snap.cosine),
        # what erased the starting noise: |w_t| / |w_0| over the weights the digit leaves blank (1.0: untouched,
        # 0: erased; null if the digit leaves none blank), and the last step's cosine to the digit (SGD: ±1, a copy)
        "background_noise_left": finite_or_none(snap.background_noise_left),
        "last_step_cosine": finite_or_none(snap.last_step_cosine),
        # each filter binarised at its mean, as the article drew it, against the digit binarised at its mean:
        # the share of pixels that agree, or disagree for a negative filter (engine/core/metrics.py); 0.5 = chance
        "initial_binarised_agreement": binarised_agreement(snap.initial, snap.image).tolist(),
        "binarised_agreement": snap.agreement.tolist(),
        "class_weights": snap.class_weights.tolist(),
        # the share of filter weights whose loss gradient was exactly 0 at every step (the input under them
        # was always blank): only weight decay moved them
        "untouched_fraction": float(snap.untouched.mean()),
        "steps_per_second": rate(done, seconds),
        "seconds": seconds,
        "label": snap.label,
        "device": snap.device,
        "diverged": snap.diverged,
        "config": snap.config.to_dict(),
    }


def _figures(snap, metrics: dict, title: str, out: Path) -> None:
    """figure.png, Filter Lab's own; article.png, the article's pictures above the same filters as they are."""
    from filterlab.engine.render.article import article_figure
    from filterlab.engine.render.digit import filter_figure

    save_figure(filter_figure(snap.image, snap.initial, snap.filters, snap.initial_cosine, snap.cosine,
                              title=title), out / "figure.png")
    agreements = (metrics["initial_binarised_agreement"], metrics["binarised_agreement"])
    save_figure(article_figure(snap.image, snap.initial, snap.filters, agreements, (snap.initial_cosine, snap.cosine),
                               title=title), out / "article.png")


REGISTRATION = Registration(
    name="digit", title="one-digit runs", described_as="one digit", spec_types=(DigitSpec,),
    spec_from_args=spec_from_args, run=run, out_files=("figure.png", "article.png", "metrics.json", "history.npz"),
    window="filterlab.gui.windows.digit:DigitWindow", lesson=True, session=True, code_export=lambda args: None)

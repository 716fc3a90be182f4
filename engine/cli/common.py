"""The command line: one parser for the window and the headless run.

Every mistake a user can make on the command line (a missing file, filters 0, lr NaN)
ends as one readable line on stderr and exit code 2, never a traceback: the parser
refuses what it can, and `UsageError` carries the rest out of the engine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from filterlab.engine.core.config import DEVICES, INITS, OPTIMIZERS, Config, ConfigError
from filterlab.engine.data import DataError

EXIT_USAGE = 2
IGNORED_WITH_LOAD = ("image", "digit", "index", "label", "mnist_root", "download", "filters", "kernel",
                     "optimizer", "lr", "momentum", "weight_decay", "seed", "device", "init", "init_value")


class UsageError(Exception):
    """A mistake in what the user asked for; the message is shown as is."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line instead of argparse's usage dump: the option and what is wrong."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    parser = Parser(
        prog="filterlab",
        description="Watch a tiny CNN's filters turn into the digit it is trained on.",
    )
    mode = parser.add_argument_group("mode")
    mode.add_argument("--headless", action="store_true",
                      help="train without a window and write figure.png, metrics.json, history.npz")
    mode.add_argument("--steps", type=int, default=None,
                      help="steps to train (headless default 5000; with --screenshot default 300)")
    mode.add_argument("--out", type=Path, default=Path("run"), help="headless output folder (default: run)")
    mode.add_argument("--gif", type=Path, help="also write an animated GIF of the filters (headless)")
    mode.add_argument("--screenshot", type=Path,
                      help="open the window, train --steps steps, save a PNG of it and exit")
    mode.add_argument("--load", type=Path, metavar="SESSION",
                      help="carry on from a saved session (.npz); its own settings and digit are used")
    mode.add_argument("--lab1d", action="store_true",
                      help="the 1-D lab: train a k-tap filter to find the local peaks of random sequences")

    lab = parser.add_argument_group("1-D lab (with --lab1d; --lr, --seed, --steps also apply)")
    lab.add_argument("--taps", type=int, help="taps of the 1-D filter, odd, 3-9 (default 3)")
    lab.add_argument("--levels", type=int, help="sequence values 0..levels-1, 2-100 (default 2: 0s and 1s)")

    data = parser.add_argument_group("training digit")
    pick = data.add_mutually_exclusive_group()
    pick.add_argument("--image", type=Path, help="a PNG/JPEG of a digit, any size, either polarity")
    pick.add_argument("--digit", type=int, help="the first sample of this class, 0-9 (default: a 4)")
    pick.add_argument("--index", type=int, help="the sample with this number")
    data.add_argument("--label", type=int, help="the class to train it as (default: its own label)")
    data.add_argument("--mnist-root", type=Path,
                      help="take --digit/--index from the full MNIST in this folder (torchvision)")
    data.add_argument("--download", action="store_true", help="download MNIST into --mnist-root if missing")

    model = parser.add_argument_group("model and training")
    defaults = Config()
    model.add_argument("--filters", type=int, default=defaults.filters, help="number of filters, 1-64")
    model.add_argument("--kernel", type=int, default=defaults.kernel, help="kernel size, 3-28")
    model.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer)
    model.add_argument("--lr", type=float, default=defaults.lr, help="learning rate")
    model.add_argument("--momentum", type=float, default=defaults.momentum, help="SGD momentum")
    model.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    model.add_argument("--seed", type=int, default=defaults.seed, help="initialisation seed")
    model.add_argument("--device", choices=DEVICES, default=defaults.device)
    model.add_argument("--init", choices=INITS, default=defaults.init,
                       help="initial filters: PyTorch's default, zeros, constant or gaussian")
    model.add_argument("--init-value", type=float, default=defaults.init_value,
                       help="the constant, or the gaussian's standard deviation (default 0.01)")

    many = parser.add_argument_group("many digits, runs side by side (headless)")
    many.add_argument("--classes", metavar="LIST",
                      help="train on a set: 'all' or classes like 3,7 (bundled sample, or --mnist-root)")
    many.add_argument("--epochs", type=int, help="epochs to train with --classes (default 10)")
    many.add_argument("--batch-size", type=int, help="minibatch size with --classes (default 64)")
    many.add_argument("--compare", metavar="RUNS",
                      help="2-4 runs in lockstep on one digit, e.g. 'seed=1;seed=2;optimizer=sgd,lr=0.1'")
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    try:
        return Config(filters=args.filters, kernel=args.kernel, optimizer=args.optimizer,
                      lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
                      seed=args.seed, device=args.device, init=args.init, init_value=args.init_value)
    except ConfigError as error:
        raise UsageError(str(error)) from None


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


def options_given(args: argparse.Namespace, names) -> list[str]:
    """The options among `names` set to something other than their default, as typed: --mnist-root."""
    defaults = build_parser().parse_args([])
    return [f"--{name.replace('_', '-')}" for name in names if getattr(args, name) != getattr(defaults, name)]


def start_from_args(args: argparse.Namespace):
    """(config, image, label, description, session): a loaded session, or what the options say."""
    session = session_from_args(args)
    if session is not None:
        description = f"digit {session.label} ({args.load.name}, from step {session.step:,})"
        return session.config, session.image, session.label, description, session
    config = config_from_args(args)
    image, label, description = digit_from_args(args)
    return config, image, label, description, None


def digit_from_args(args: argparse.Namespace):
    """(image, label, description) of the training digit the options name."""
    from filterlab.engine import data
    try:
        if args.image is not None:
            image = data.load_image_file(args.image)
            label = 0 if args.label is None else args.label
            return _checked(image, label, f"{args.image.name}")
        if args.mnist_root is not None:
            index = args.index
            digit = 4 if index is None and args.digit is None else args.digit
            image, label = data.mnist_digit(args.mnist_root, digit=digit, index=index,
                                            download=args.download)
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


def check_run_options(args: argparse.Namespace) -> None:
    if args.steps is not None and args.steps < 0:
        raise UsageError(f"--steps must be 0 or more, got {args.steps}")
    if args.headless and args.screenshot:
        raise UsageError("--screenshot needs the window; leave out --headless")
    if args.gif is not None and not args.headless:
        raise UsageError("--gif is for --headless runs; the window exports GIFs from its menu")
    if args.headless and args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    from filterlab.engine.cli.lab1d import check_lab1d_options  # here, not at the top: it imports this module
    check_lab1d_options(args)
    from filterlab.engine.cli.many import check_many_options  # the same
    check_many_options(args)


def run_headless(args: argparse.Namespace) -> int:
    if args.lab1d:
        from filterlab.engine.cli.lab1d import run_lab1d_headless
        return run_lab1d_headless(args)
    if args.classes is not None or args.compare is not None:
        from filterlab.engine.cli.many import run_many_headless
        return run_many_headless(args)
    from filterlab.engine.cli.headless import run
    from filterlab.engine.core.runtime import tune_runtime
    from filterlab.engine.digit.trainer import Trainer

    config, image, label, description, session = start_from_args(args)
    if session is None and args.image is not None and args.label is None:
        print("note: training the image as class 0; choose the class with --label", file=sys.stderr)
    tune_runtime()
    try:
        trainer = session.build_trainer() if session else Trainer(config, image, label)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    steps = 5000 if args.steps is None else args.steps
    try:
        metrics = run(trainer, steps, args.out, title=f"Filter Lab: {description},", gif=args.gif)
    except OSError as error:
        raise UsageError(f"cannot write the results: {error}") from None
    print(f"wrote {args.out}/figure.png, metrics.json, history.npz"
          + (f" and {args.gif}" if args.gif else ""))
    print(f"loss {metrics['final_loss']:.4g}, mean |cosine| to the digit "
          f"{metrics['mean_abs_cosine']:.3f}, {metrics['steps_per_second']:,.0f} steps/s"
          if metrics["steps_per_second"] else "no steps trained")
    if metrics["diverged"]:
        print(f"warning: {metrics['diverged']}", file=sys.stderr)
        return 1
    return 0

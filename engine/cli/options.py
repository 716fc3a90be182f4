"""The one parser of the command line, for the window and the headless run alike.

Every mistake a user can make on the command line (a missing file, filters 0, lr NaN)
ends as one readable line on stderr and exit code 2, never a traceback: the parser
refuses what it can, and `UsageError` carries the rest out of the engine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from filterlab.engine.core.config import DEVICES, INITS, OPTIMIZERS, PIXEL_SCALES, Config
from filterlab.engine.core.user_files import for_terminal

EXIT_USAGE = 2
MAX_MESSAGE = 1000  # characters of argparse's one line (it may quote what was typed)


class UsageError(Exception):
    """A mistake in what the user asked for; the message is shown as is."""


class Parser(argparse.ArgumentParser):
    def _print_message(self, message, file=None):
        """As argparse's, but a closed pipe or a full disk is not ignored: main() ends on it (`--help | head`)."""
        if message:
            (file or sys.stderr).write(message)

    def error(self, message: str):
        """One line instead of argparse's usage dump: the option and what is wrong."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {for_terminal(message, MAX_MESSAGE)} (see --help)\n")


def output_path(text: str) -> Path:
    """An output's name as typed; an empty one would mean the current folder (Path('') is '.'), so it is refused."""
    if not text:
        raise argparse.ArgumentTypeError("an output needs a name, got an empty one")
    return Path(text)


def build_parser() -> Parser:
    parser = Parser(
        prog="filterlab",
        description="Watch a tiny CNN's filters turn into the digit it is trained on.",
    )
    from filterlab.engine import registry

    _mode_options(parser)
    for experiment in registry.registrations():  # each experiment's own group (engine/registry.py)
        experiment.add_options(parser)
    _digit_options(parser)
    _model_options(parser)
    return parser


def _written() -> str:
    """What --headless writes, per experiment: "figure.png, metrics.json (--compare, --lab1d)"."""
    from filterlab.engine import registry

    groups: dict[tuple[str, ...], list[str]] = {}
    for experiment in registry.registrations():
        groups.setdefault(experiment.out_files, []).append(experiment.described_as)
    return "; ".join(f"{', '.join(files)} ({', '.join(who)})" for files, who in groups.items())


def _mode_options(parser: Parser) -> None:
    mode = parser.add_argument_group("mode")
    mode.add_argument("--headless", action="store_true",
                      help=f"train without a window and write into --out: {_written()}")
    mode.add_argument("--steps", type=int, default=None,
                      help="steps to train (headless default 5000; with --screenshot default 300)")
    mode.add_argument("--out", type=output_path, default=Path("run"), help="headless output folder (default: run)")
    mode.add_argument("--gif", type=output_path, help="also write an animated GIF of the filters forming (headless, one "
                      "digit; a name ending .mp4 writes an MP4 video)")
    mode.add_argument("--gif-width", type=int, metavar="PX",
                      help="the width of --gif in pixels, 200-2560 (default 1200, a slide)")
    mode.add_argument("--save-session", type=output_path, metavar="FILE.npz",
                      help="after training (headless, one digit), save the session as File > Save session does, "
                           "to carry on with --load")
    mode.add_argument("--export-script", type=output_path, metavar="FILE.py",
                      help="after training (headless), write the run as a plain PyTorch script that reproduces it")
    mode.add_argument("--export-notebook", type=output_path, metavar="FILE.ipynb",
                      help="after training (headless), write the run as a Jupyter notebook that reproduces it")
    mode.add_argument("--screenshot", type=output_path,
                      help="open the window, train --steps steps, save a PNG of it and exit")
    mode.add_argument("--speed", type=float, metavar="STEPS_PER_SECOND",
                      help="the window's training speed (0: as fast as possible; default: the lesson pace, "
                           "slow first steps then faster); --screenshot trains at it too")
    mode.add_argument("--lesson", nargs="?", const=True, default=False, type=Path, metavar="FILE",
                      help="open the window with the guided lesson: the built-in one, or a lesson FILE (.md)")
    mode.add_argument("--lesson-language", metavar="LANG",
                      help="the built-in lesson's language: en or de (default: the system's, else en)")
    mode.add_argument("--lesson-step", type=int, metavar="N",
                      help="open the lesson at step N (1 is the first); with --screenshot, a picture of that step")
    mode.add_argument("--load", type=Path, metavar="SESSION",
                      help="carry on from a saved session (.npz); its own settings and digit are used")
    mode.add_argument("--original", action="store_true",
                      help="the article's setting exactly: its script's model and training (5 filters of 28x28, "
                           "Adam lr 1e-3, weight decay 1e-5, seed 0) on raw pixels 0-255; headless also draws "
                           "article.png, the filters as the article drew them")


def _digit_options(parser: Parser) -> None:
    data = parser.add_argument_group("training digit")
    pick = data.add_mutually_exclusive_group()
    pick.add_argument("--image", type=Path, help="a PNG, JPEG, BMP, GIF, TIFF or WebP of a digit (up to 24 megapixels "
                      "and 64 MB), any size, either polarity")
    pick.add_argument("--digit", type=int, help="the first sample of this class, 0-9 (default: a 4)")
    pick.add_argument("--index", type=int, help="the bundled sample with this number, 0-999 (100 per class, sorted by class)")
    data.add_argument("--label", type=int, help="the class to train it as (default: its own label)")
    data.add_argument("--mnist-root", type=Path,
                      help="take --digit/--index from the full MNIST in this folder (torchvision)")
    data.add_argument("--download", action="store_true", help="download MNIST into --mnist-root if missing")


def _model_options(parser: Parser) -> None:
    model = parser.add_argument_group("model and training")
    defaults = Config()
    model.add_argument("--filters", type=int, default=defaults.filters, help="number of filters, 1-64")
    model.add_argument("--kernel", type=int, default=defaults.kernel, help="kernel size, 3-28")
    model.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer, help="the optimizer")
    model.add_argument("--lr", type=float, default=defaults.lr, help="learning rate")
    model.add_argument("--momentum", type=float, default=defaults.momentum, help="SGD momentum")
    model.add_argument("--weight-decay", type=float, default=defaults.weight_decay, help="weight decay")
    model.add_argument("--seed", type=int, default=defaults.seed, help="initialisation seed: the same seed and options give identical results")
    model.add_argument("--device", choices=DEVICES, default=defaults.device, help="auto: CUDA if present")
    model.add_argument("--init", choices=INITS, default=defaults.init,
                       help="initial filters: PyTorch's default, zeros, constant or gaussian")
    model.add_argument("--init-value", type=float, default=defaults.init_value,
                       help="the constant, or the gaussian's standard deviation (default 0.01)")
    model.add_argument("--pixel-scale", type=int, choices=PIXEL_SCALES,
                       help="what full ink is fed as: 1 (pixels 0-1, the default) or 255 (raw 0-255, as the "
                            "article's script read them; --original implies it)")


def options_given(args: argparse.Namespace, names) -> list[str]:
    """The options among `names` set to something other than their default, as typed: --mnist-root."""
    defaults = build_parser().parse_args([])
    return [f"--{name.replace('_', '-')}" for name in names if getattr(args, name) != getattr(defaults, name)]

"""From the command line to what to start: parsed once, into an experiment's spec.

`parse(argv)` checks every option and returns a `Launch`: the spec of the experiment
(engine/*/spec.py) and how to run it (headless or in a window, how many steps, where
to write). The window is handed the spec, never the argparse namespace.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from filterlab.engine import registry
from filterlab.engine.cli.options import UsageError, build_parser, options_given
from filterlab.engine.core.experiment import Spec
from filterlab.engine.core.files import output_problem, path_problem
from filterlab.engine.core.user_files import os_reason, shown

MAX_SPEED = 1_000_000  # steps per second; no step is that fast, and 0 already means "as fast as possible"
MIN_SPEED = 0.01  # one step every 100 s

GIF_WIDTHS = (200, 2560)  # px: a thumbnail to a 4K slide (the window offers 1,200 to 2,560)
GIF_WIDTH = 1200  # px: the window's default export size (engine/render/slides.py)
GIF_SUFFIXES = (".gif", ".mp4")  # what engine/render/animation.py writes (imported only to draw one)
EXPORTS = {"export_script": ".py", "export_notebook": ".ipynb"}  # the run as code (engine/export)


@dataclass(frozen=True)
class Launch:
    spec: Spec                        # the experiment's (engine/registry.py)
    headless: bool = False
    steps: Optional[int] = None       # None: the mode's own default
    out: Path = Path("run")
    gif: Optional[Path] = None
    gif_width: int = GIF_WIDTH          # px
    screenshot: Optional[Path] = None
    speed: Optional[float] = None     # the window's steps per second (0: as fast as possible); None: lesson pace
    lesson: Optional[object] = None   # the lesson (engine/lesson/lesson.py) to open the window with, read and checked
    lesson_step: int = 1              # the lesson's step to open at (1 is the first)
    export_script: Optional[Path] = None    # the run as a plain PyTorch script, written after training
    export_notebook: Optional[Path] = None  # ... and as a notebook
    save_session: Optional[Path] = None     # the session after training, as the window saves it (one digit)


def parse(argv=None) -> Launch:
    """Parse and check the options; UsageError (one line) for anything that cannot run."""
    args = build_parser().parse_args(argv)
    _check_common(args)
    spec = spec_from_args(args)
    lesson = _lesson(args)
    return Launch(spec=spec, headless=args.headless, steps=args.steps, out=args.out,
                  gif=args.gif, gif_width=args.gif_width or GIF_WIDTH, screenshot=args.screenshot,
                  speed=args.speed, lesson=lesson, lesson_step=args.lesson_step or 1,
                  export_script=args.export_script, export_notebook=args.export_notebook,
                  save_session=args.save_session)


def _lesson(args: argparse.Namespace):
    """The lesson --lesson names, read and checked whole now (a mistake is one line, before any window)."""
    from filterlab.engine.lesson.builtin import builtin_lesson
    from filterlab.engine.lesson.reader import LessonError, read_lesson

    if args.lesson is False:
        for option in ("lesson_language", "lesson_step"):
            if getattr(args, option) is not None:
                raise UsageError(f"--{option.replace('_', '-')} goes with --lesson")
        return None
    if args.lesson is not True and args.lesson_language is not None:
        raise UsageError("--lesson-language chooses the built-in lesson's language; a lesson file is in its own")
    try:
        lesson = builtin_lesson(args.lesson_language) if args.lesson is True else read_lesson(args.lesson)
    except LessonError as error:
        raise UsageError(str(error)) from None
    count = len(lesson.steps)
    if args.lesson_step is not None and not 1 <= args.lesson_step <= count:
        raise UsageError(f"--lesson-step must be from 1 to {count} (the lesson has {count} steps), "
                         f"got {args.lesson_step}")
    return lesson


def spec_from_args(args: argparse.Namespace) -> Spec:
    """The experiment the options describe, checked and loaded (engine/registry.py says which options are whose)."""
    chosen = _chosen(args)
    if args.original and chosen:
        raise UsageError(f"--original is the article's own run, on one digit; leave out "
                         f"{', '.join(str(r.flag) for r in chosen)}")
    if len(chosen) > 1:
        raise UsageError(f"{chosen[-1].flag} and {chosen[0].flag} do not mix: choose one experiment")
    for experiment in reversed(registry.registrations()):
        stray = [] if experiment.chosen(args) else options_given(args, experiment.only)
        if stray:
            raise UsageError(f"{', '.join(stray)} belong(s) to {experiment.title}; add {experiment.flag}")
    return (chosen[0] if chosen else registry.default()).spec_from_args(args)


def _chosen(args: argparse.Namespace) -> list[registry.Registration]:
    """The experiments the options choose by their flags (none: the default one)."""
    return [experiment for experiment in registry.registrations() if experiment.chosen(args)]


def _experiment(args: argparse.Namespace) -> registry.Registration:
    chosen = _chosen(args)
    return chosen[-1] if chosen else registry.default()


def _check_common(args: argparse.Namespace) -> None:
    if args.steps is not None and args.steps < 0:
        raise UsageError(f"--steps must be 0 or more, got {args.steps}")
    if args.headless and args.screenshot:
        raise UsageError("--screenshot needs the window; leave out --headless")
    for option in ("speed", "lesson"):
        if args.headless and getattr(args, option) not in (None, False):
            raise UsageError(f"--{option} is for the window; leave out --headless")
    if args.speed is not None and not (args.speed == 0 or MIN_SPEED <= args.speed <= MAX_SPEED):
        raise UsageError(f"--speed must be 0 (as fast as possible) or a number of steps per second from {MIN_SPEED} "
                         f"to {MAX_SPEED:,}, got {args.speed}")
    if args.lesson and args.original:
        raise UsageError("--lesson sets up each of its steps itself (one of them is the article's original); "
                         "leave out --original")
    if args.lesson and not _experiment(args).lesson:
        others = [str(r.flag) for r in registry.registrations() if not r.lesson]
        raise UsageError(f"--lesson is the lesson of the one-digit experiment; leave out {', '.join(others)}")
    if args.gif is not None and not args.headless:
        raise UsageError("--gif is for --headless runs; the window exports GIFs from its menu")
    if args.gif_width is not None and (args.gif is None or not GIF_WIDTHS[0] <= args.gif_width <= GIF_WIDTHS[1]):
        raise UsageError(f"--gif-width is the width of --gif in pixels, {GIF_WIDTHS[0]}-{GIF_WIDTHS[1]:,}; "
                         f"got {args.gif_width}" + ("" if args.gif is not None else " without --gif"))
    if args.gif is not None and args.gif.suffix.lower() not in GIF_SUFFIXES:
        raise UsageError(f"--gif {shown(args.gif)} must end in .gif (or .mp4, a video)")
    _check_exports(args)
    _check_save_session(args)
    _check_outputs(args)


def _check_exports(args: argparse.Namespace) -> None:
    """--export-script/--export-notebook: a headless one-digit run, a name with the right suffix."""
    for name, suffix in EXPORTS.items():
        path, option = getattr(args, name), f"--{name.replace('_', '-')}"
        if path is None:
            continue
        if not args.headless:
            raise UsageError(f"{option} is for --headless runs; the window exports from its File menu")
        experiment = _experiment(args)
        if experiment.code_export is None:
            raise UsageError(f"{option} writes a one-digit or many-digit run as code; runs with {experiment.flag} "
                             "cannot be exported as code yet")
        problem = experiment.code_export(args)
        if problem:
            raise UsageError(f"{option} {problem}")
        if path.suffix.lower() != suffix:
            raise UsageError(f"{option} {shown(path)} must end in {suffix}")


def _check_save_session(args: argparse.Namespace) -> None:
    """--save-session: a headless one-digit run (the only experiment with a session), a name ending .npz."""
    path = args.save_session
    if path is None:
        return
    if not args.headless:
        raise UsageError("--save-session is for --headless runs; the window saves from File > Save session")
    if not _experiment(args).session:
        others = ", ".join(str(r.flag) for r in _chosen(args))
        raise UsageError(f"--save-session saves a one-digit run; runs with {others} have no session")
    if path.suffix.lower() != ".npz":
        raise UsageError(f"--save-session {shown(path)} must end in .npz")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output that can never be written now, not after the training (engine/core/files.py's
    output_problem): a name too long, a device, a FIFO or a folder where a file goes, or a file this run reads."""
    inputs = {"--load": args.load, "--image": args.image}
    outputs = {"--gif": args.gif, "--screenshot": args.screenshot,
               "--export-script": args.export_script, "--export-notebook": args.export_notebook,
               "--save-session": args.save_session}
    if args.headless:
        problem = path_problem(args.out)
        if problem:
            raise UsageError(f"--out {shown(args.out)}: {problem}")
        try:
            if args.out.exists() and not args.out.is_dir():
                raise UsageError(f"--out {shown(args.out)} exists and is not a folder")
        except OSError as error:
            raise UsageError(f"--out {shown(args.out)}: {os_reason(error)}") from None
        outputs.update({f"--out {shown(args.out)}: {name}": args.out / name for name in _out_files(args)})
    for option, path in outputs.items():
        problem = None if path is None else output_problem(path, inputs)
        if problem:
            raise UsageError(f"{option if option.startswith('--out') else f'{option} {shown(path)}'}: {problem}")


def _out_files(args: argparse.Namespace) -> tuple[str, ...]:
    """The files a headless run of this experiment writes into --out (its registration's `out_files`)."""
    return _experiment(args).out_files

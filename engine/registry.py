"""The experiment registry: every experiment declares itself here once, and everything else reads it.

A `Registration` says all that the rest of the app needs of an experiment: its name,
the flag that chooses it on the command line and its options (an argparse group, and
which of them belong to it alone), how the options become its spec (engine/core/
experiment.py's `Spec`) and which spec types are its own, its headless runner and the
files that writes, its window as a lazy "module:Class" path (the engine never imports
Qt), what it can do besides training (a lesson, code export, a saved session), the
lesson's links that open it, and the capabilities other experiments use to open it
(the digit window's "all ten digits" opens a set run, a fork opens runs side by side).

engine/cli (parsing, exclusions, the headless run), gui/app.py (the window) and the
lesson read it; none of them names an experiment. This module is the one place that
lists the built-in ones (BUILT_IN); a test or a plug-in adds its own with `register`.
"""
from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from filterlab.engine.comparison.fork import Fork  # the change a FORK makes (a plain description, numpy only)
from filterlab.engine.core.experiment import Spec

__all__ = ["ALL_DIGITS", "BUILT_IN", "FORK", "SIDE_BY_SIDE", "Fork", "LessonLink", "Registration", "capability",
           "default", "for_spec", "lesson_links", "register", "registrations", "unregister"]

# Each built-in experiment's registration: "module:attribute" (imported on first use).
BUILT_IN = (
    "filterlab.engine.cli.digit:REGISTRATION",
    "filterlab.engine.cli.digitset:REGISTRATION",
    "filterlab.engine.cli.comparison:REGISTRATION",
    "filterlab.engine.cli.lab1d:REGISTRATION",
)

# Capabilities one experiment offers the others (`Registration.capabilities`), by name:
ALL_DIGITS = "all digits"      # (config) -> the spec of a run on all ten classes with these settings
SIDE_BY_SIDE = "side by side"  # (runs: ((name, Config), ...), image, label, description) -> runs side by side
FORK = "fork"                  # (experiment, change) -> a spec: the run at change.step, as it was and changed

HeadlessRun = Callable[[Any, Any, Optional[int], Path], "tuple[list[str], bool]"]  # (experiment, spec, steps, out)


@dataclass(frozen=True)
class LessonLink:
    """A lesson's link button (engine/lesson): the words the lesson format documents, and the spec it opens."""

    words: str
    spec: Callable[[], Spec]


@dataclass(frozen=True)
class Registration:
    """One experiment, declared once."""

    name: str                                 # its package's name: engine/<name>, gui/windows/<name>.py
    title: str                                # in messages: "the 1-D lab", "set runs"
    described_as: str                         # in --help, beside what it writes: "one digit", "--classes"
    spec_types: tuple[type, ...]              # the specs it builds from (a window or a runner is chosen by them)
    spec_from_args: Callable[[argparse.Namespace], Spec]  # checked options -> spec; UsageError otherwise
    run: HeadlessRun                          # headless: train, write the outputs, (lines to print, diverged)
    out_files: tuple[str, ...]                # what `run` writes into --out
    window: str                               # "module:Class" of its window, imported only when one opens
    add_options: Callable[[argparse.ArgumentParser], None] = lambda parser: None  # its argparse group
    flag: Optional[str] = None                # the option that chooses it ("--lab1d"); None: the default
    only: tuple[str, ...] = ()                # option dests that belong to it alone (refused without the flag)
    lesson: bool = False                      # --lesson teaches with it
    session: bool = False                     # --save-session saves it
    # --export-script/--export-notebook: None if it cannot be exported as code, else what refuses the options
    code_export: Optional[Callable[[argparse.Namespace], Optional[str]]] = None
    lesson_links: Mapping[str, LessonLink] = field(default_factory=dict)
    capabilities: Mapping[str, Callable[..., Spec]] = field(default_factory=dict)
    # modules outside engine/<name> and its registering module that may name it (tests/test_experiment_names.py)
    own_modules: tuple[str, ...] = ()

    @property
    def dest(self) -> Optional[str]:
        """The argparse name of its flag (`--batch-size` -> `batch_size`)."""
        return None if self.flag is None else self.flag.lstrip("-").replace("-", "_")

    def chosen(self, args: argparse.Namespace) -> bool:
        """Whether the options choose it (the default is chosen when nothing else is)."""
        return self.dest is not None and getattr(args, self.dest) not in (None, False)

    def window_class(self) -> Callable[..., Any]:
        """Its window class, imported now (gui/ only: it imports Qt)."""
        module, _, name = self.window.partition(":")
        return getattr(importlib.import_module(module), name)


_registered: dict[str, Registration] = {}
_built_in_loaded: list[bool] = []


def _load_built_in() -> None:
    if _built_in_loaded:
        return
    _built_in_loaded.append(True)
    for path in BUILT_IN:
        module, _, name = path.partition(":")
        _add(getattr(importlib.import_module(module), name))


def register(registration: Registration) -> None:
    """Add an experiment; its name and flag must be new. It comes after those already registered."""
    _load_built_in()
    _add(registration)


def _add(registration: Registration) -> None:
    taken = [other.name for other in _registered.values() if other.name == registration.name
             or (registration.flag is not None and other.flag == registration.flag)]
    if taken:
        raise ValueError(f"an experiment named {registration.name!r} (or with its flag) is registered: {taken}")
    _registered[registration.name] = registration


def unregister(name: str) -> None:
    """Take an experiment out again (a test's toy)."""
    _load_built_in()
    del _registered[name]


def registrations() -> tuple[Registration, ...]:
    """Every experiment, in the order registered (the default first)."""
    _load_built_in()
    return tuple(_registered.values())


def default() -> Registration:
    """The experiment run when no flag chooses another (the one without a flag)."""
    return next(r for r in registrations() if r.flag is None)


def for_spec(spec: object) -> Registration:
    """The experiment a spec belongs to; LookupError for a spec no experiment declares."""
    for registration in registrations():
        if isinstance(spec, registration.spec_types):
            return registration
    raise LookupError(f"no experiment is registered for a {type(spec).__name__}")


def lesson_links() -> dict[str, LessonLink]:
    """Every lesson link an experiment declares, by the action a lesson names."""
    return {action: link for r in registrations() for action, link in r.lesson_links.items()}


def capability(name: str) -> Callable[..., Spec]:
    """What an experiment offers the others under `name` (ALL_DIGITS, SIDE_BY_SIDE, FORK); LookupError if none does."""
    for registration in registrations():
        if name in registration.capabilities:
            return registration.capabilities[name]
    raise LookupError(f"no registered experiment offers {name!r}")

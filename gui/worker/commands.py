"""What a window asks of its training thread, as typed messages on a thread-safe queue.

`Commands` is a plain Python object, deliberately not a QObject. A Qt signal connected to
a method of a QObject that lives on the worker thread is *queued to that thread's event
loop* — and the training loop runs no event loop, so the call never happened (that is
how the speed menu once did nothing). A signal connected to a method of a plain object
runs it at once, on the emitting (GUI) thread; the method only puts a message on the
queue, which the loop drains between chunks of steps. So every control reaches the
training the same way, whichever way it is connected.
"""
from __future__ import annotations

import itertools
import queue
from dataclasses import dataclass
from typing import Any, Callable, Optional

from filterlab.engine.core.interrupt import Interrupt
from filterlab.gui.worker.queries import Change, Query


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class StepOnce:
    """Pause, then train exactly one step."""


@dataclass(frozen=True)
class Train:
    """Train `steps` steps now, in one go (for --screenshot and the lesson), running or paused."""

    steps: int


@dataclass(frozen=True)
class RunUntil:
    """Run at the pace until step `step`, then pause there exactly (for --screenshot --speed)."""

    step: int


@dataclass(frozen=True)
class Reset:
    seed: Optional[int] = None


@dataclass(frozen=True)
class SetImage:
    image: Any
    label: int


@dataclass(frozen=True)
class SetHparams:
    changes: dict


@dataclass(frozen=True)
class SetPace:
    pace: Any  # a gui.worker.pace.Pace


@dataclass(frozen=True)
class Skip:
    """Fast-forward `steps` steps as fast as possible; Pause or Step stops it."""

    steps: int


@dataclass(frozen=True)
class Ask:
    """A named query (gui/worker/queries.py), answered between steps: reply(answer, None), or reply(None, error)
    when answering raised (whatever it was: the window tells the user at once, training goes on)."""

    query: Query
    reply: Callable[[Any, Optional[Exception]], None]

    def run(self, experiment) -> None:
        try:
            answer = self.query.answer(experiment)
        except Exception as error:  # reported on the window's thread, never lost on this one
            self.reply(None, error)
            return
        self.reply(answer, None)


@dataclass(frozen=True)
class Apply:
    """A named change of the experiment (gui/worker/queries.py), between steps."""

    change: Change


@dataclass(frozen=True)
class Replace:
    """Train this experiment from now on (an opened session)."""

    experiment: Any


@dataclass(frozen=True)
class Stop:
    pass


class Commands:
    """The window's side of the queue: one method per message, callable from any thread.

    `sent` counts the messages put on the queue (the GUI thread puts them); a frame says how
    many the loop had applied when it was made, so a frame older than the last click cannot
    set a button back to a state the user has already changed.
    """

    def __init__(self):
        self.queue = CommandQueue()

    @property
    def sent(self) -> int:
        return self.queue.sent

    def pause(self) -> None:
        self.queue.put(Pause())

    def resume(self) -> None:
        self.queue.put(Resume())

    def set_paused(self, paused: bool) -> None:
        self.queue.put(Pause() if paused else Resume())

    def step_once(self) -> None:
        self.queue.put(StepOnce())

    def train(self, steps: int) -> None:
        self.queue.put(Train(int(steps)))

    def run_until(self, step: int) -> None:
        self.queue.put(RunUntil(int(step)))

    def reset(self, seed: Optional[int] = None) -> None:
        self.queue.put(Reset(seed))

    def set_image(self, image, label: int) -> None:
        self.queue.put(SetImage(image, int(label)))

    def set_hparams(self, **changes) -> None:
        self.queue.put(SetHparams(changes))

    def set_pace(self, pace) -> None:
        self.queue.put(SetPace(pace))

    def skip(self, steps: int) -> None:
        self.queue.put(Skip(int(steps)))

    def ask(self, query: Query, reply: Callable[[Any, Optional[Exception]], None]) -> None:
        """reply(answer, error) is called on the training thread: the window hands it over to its own."""
        self.queue.put(Ask(query, reply))

    def apply(self, change: Change) -> None:
        self.queue.put(Apply(change))

    def replace(self, experiment) -> None:
        self.queue.put(Replace(experiment))

    def stop(self) -> None:
        self.queue.put(Stop())


class CommandQueue(queue.Queue):
    """A queue that counts what was ever put on it, and interrupts the chunk of steps under way.

    The loop reads the queue between chunks; a chunk that can end early (engine/core/interrupt.py)
    ends within a few steps of a put, so a click lands at once however long the chunk was to be.
    """

    def __init__(self):
        super().__init__()
        self._counter = itertools.count(1)
        self.sent = 0
        self.interrupt = Interrupt()

    def put(self, item, block=True, timeout=None) -> None:
        self.sent = next(self._counter)  # next() on itertools.count is atomic under the GIL
        super().put(item, block, timeout)
        self.interrupt.request()

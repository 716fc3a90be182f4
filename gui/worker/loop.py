"""The training loop of a window: Qt-free, so it can be read (and tested) on its own.

The pattern (after superqt's thread workers and acq4's frame display):

* commands come in through a thread-safe queue (gui/worker/commands.py) that the loop
  drains between chunks of steps — a pause lands within one chunk (a few milliseconds);
* results go out through a one-slot mailbox holding only the newest frame. The loop
  fills it at most at display rate, timed on its own clock, and tells the window only
  when the window has taken the previous frame. If the window falls behind, frames are
  dropped rather than queued, so memory stays flat and the GUI never drowns in stale
  updates.

The experiment (engine/core/experiment.py) is built by a factory on this thread, once
torch has been imported on a thread of its own (gui/worker/preload.py): the window is on
screen before that slow import ends, and a window closed meanwhile need not wait for it.
"""
from __future__ import annotations

import gc
import queue
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Generic, Optional, TypeVar

from filterlab.engine.core.experiment import Experiment, SnapshotLike
from filterlab.engine.core.interrupt import Interrupt
from filterlab.gui.worker.commands import (
    Apply,
    Ask,
    CommandQueue,
    Pause,
    Replace,
    Reset,
    Resume,
    RunUntil,
    SetHparams,
    SetImage,
    SetPace,
    Skip,
    StepOnce,
    Stop,
    Train,
)
from filterlab.gui.worker.mailbox import Mailbox, RateMeter
from filterlab.gui.worker.pace import FullSpeed, TimeLapse
from filterlab.gui.worker.preload import wait_for_preload

DISPLAY_HZ = 60.0
CHUNK_SECONDS = 0.008  # training time between two looks at the command queue (a chunk that cannot end early)
INTERRUPTIBLE_CHUNK_SECONDS = 0.05  # a chunk a command or the window's take ends early: as long as to the next frame
#                                    (snapshots of four runs side by side come at ~30 Hz: two calls a frame cost 8%)
GIL_SWITCH_SECONDS = 0.0001  # see run(): 0.5 ms lost a third of a chunk loop's steps to a busy Python thread, 0.1 ms 4%
SKIP_CHUNK = 100  # steps per chunk while fast-forwarding: commands still get through
CATCH_UP = 1  # frame periods the beat may make up after the window was late taking a frame
FRAME_SLACK = CHUNK_SECONDS / 4  # a frame this close to its time goes out now, not after a sliver of a chunk
SNAPSHOT_SHARE = 0.06  # while training, snapshots take at most this share of the thread's time (CPU time):
#                        one digit's (0.8 ms) still goes out at 60 Hz, 64 filters' (1.5 ms) at 40 Hz, a set run's
#                        (1.5-2.3 ms) at 26-40 Hz, four runs side by side (2 ms) at 30 Hz (docs/performance.md:
#                        0.08 left the windows at ~0.8x of their engines, 0.05 drew 64 filters at 32 fps)
SNAPSHOT_SMOOTHING = 0.25  # the cost that spaces frames: this much of the last snapshot's, the rest the earlier ones'
#                            (a set run's test pass, every few hundred steps, would hold the next frame back 0.6 s)


SnapshotT = TypeVar("SnapshotT", bound=SnapshotLike)


@dataclass(frozen=True)
class Frame(Generic[SnapshotT]):
    """What the window draws: the experiment's snapshot plus the loop's own view of it."""

    snapshot: SnapshotT  # the experiment's snapshot type (engine/core/experiment.py: Experiment.snapshot)
    running: bool
    steps_per_second: float
    pace: str = ""
    applied: int = 0  # commands applied when it was made (see Commands.sent)
    finished: Optional[str] = None  # the experiment's `finished` then: it did what it was asked (a set's epochs)


def freeze_startup_objects() -> None:
    """Take what the start made (torch above all) out of the garbage collector's full passes.

    A full pass walks every tracked object, ~370,000 once torch is in: ~160 ms with the GIL
    held, so the window froze that long every so often, whichever thread the pass ran on.
    What exists once the experiment is built lives as long as the app: it is left out, here,
    while the window still says "loading PyTorch…".

    Not collected here: a collection on this thread can delete Qt objects that are garbage
    (a closed window's), and a QObject destroyed off the GUI thread, while the GUI thread
    (holding the GIL) disconnects a signal, deadlocks Qt's lock against the GIL. The GUI
    thread collects just before it starts this thread (gui/windows/base.py, start).
    """
    gc.freeze()


class TrainingLoop:
    """Owns the experiment; everything here runs on the worker thread."""

    def __init__(self, factory: Callable[[], Experiment[Any]], commands: Optional["queue.Queue[object]"],
                 running: bool = True,
                 pace=None, clock: Callable[[], float] = time.perf_counter,
                 cpu_clock: Callable[[], float] = time.thread_time):
        """`clock` is the wall clock the pace and the frames are timed on, `cpu_clock` this thread's CPU time a
        chunk is sized by: tests hand in clocks of their own, so pacing is tested without racing the machine."""
        self.factory, self.commands = factory, commands
        self.clock, self.cpu_clock = clock, cpu_clock
        # requested by each command put (gui/worker/commands.py): an interruptible chunk ends then
        self.interrupt = commands.interrupt if isinstance(commands, CommandQueue) else Interrupt()
        self.mailbox = Mailbox(self.interrupt)  # the window taking a frame it waits for ends the chunk
        self.running = running
        self.pace = pace or FullSpeed()
        self.experiment: Optional[Experiment[Any]] = None
        self._auto_paused = False
        self._skip = 0  # steps still to fast-forward
        self._stop_at: Optional[int] = None  # pause when training reaches this step
        self.applied = 0  # commands taken off the queue and carried out
        self._step_seconds = 0.0  # CPU seconds a step took in the last chunk
        self.stopping = threading.Event()  # set by the window as it closes: no need to wait for a Stop

    def run(self, frame_ready: Callable[[], None], failed: Callable[[str], None],
            stopped: Optional[Callable[[str], None]] = None) -> None:
        """Build the experiment, then train and publish until told to stop.

        `failed(message)`: a command was refused, training goes on. `stopped(message)`
        (default: failed): the experiment could not be built, or a step raised and training
        paused; the window must say so at once, not leave the user waiting.
        """
        stopped = stopped or failed
        # Torch releases the GIL around every op and must win it back; with Python's
        # default 5 ms switch interval a busy GUI thread makes each of those waits long.
        # Measured against a thread running Python flat out: a one-digit chunk loop kept 65% of
        # its rate at 0.5 ms, 96% at 0.1 ms.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        if not wait_for_preload(self.stopping):  # closed while PyTorch was loading: nothing to build
            return
        try:
            from filterlab.engine.core.runtime import tune_runtime
            tune_runtime()
            self.experiment = self.factory()
            freeze_startup_objects()
        except Exception as error:  # a bad config must reach the user, not kill the thread silently
            stopped(f"could not start training: {error}")
            return
        while True:  # an unexpected error pauses, never kills, the loop
            try:
                self._train_and_publish(frame_ready, failed)
                return
            except Exception as error:  # torch out of memory, a bug: say so, keep commands flowing
                self.running, self._skip = False, 0
                stopped(f"training stopped: {type(error).__name__}: {error}")

    @property
    def built(self) -> Experiment[Any]:
        """The experiment; the loop's methods below run only once it is built."""
        if self.experiment is None:
            raise RuntimeError("the experiment is not built yet")
        return self.experiment

    # ------------------------------------------------------------------ the loop
    def _train_and_publish(self, frame_ready, failed) -> None:
        meter = RateMeter()
        chunk, dirty, next_frame = 1, True, 0.0
        snapshot_cost: Optional[float] = None  # CPU seconds a snapshot takes, smoothed
        self.pace.start(self.clock(), self.built.step_count)
        while True:
            for command in self._next_commands():
                if isinstance(command, Stop):
                    return
                self._apply(command, failed)
                self.applied += 1
                dirty = True
                self.pace.start(self.clock(), self.built.step_count)
                meter.clear()
            if self._skip or self.running:
                chunk = self._train(chunk, next_frame - self.clock())
                dirty = True
                meter.add(self.clock(), self.built.step_count)
            now = self.clock()
            if dirty and now >= next_frame - FRAME_SLACK and self.mailbox.empty():
                busy = self.running or self._skip > 0  # fast-forwarding counts as running: Pause stops it
                step = self.built.step_count
                cost = self.cpu_clock()
                frame = Frame(self.built.snapshot(), busy, meter.rate() if busy else 0.0,
                              self.pace.describe(step), self.applied, self.built.finished)
                cost = self.cpu_clock() - cost
                if self.mailbox.put(frame):
                    frame_ready()
                # a fixed beat, not "one period after the last frame": measuring from the last
                # one would lose every delay; late frames let the next ones come sooner (up to
                # CATCH_UP periods), so a window that stalled a moment still gets DISPLAY_HZ
                next_frame = max(next_frame + 1 / DISPLAY_HZ, now - CATCH_UP / DISPLAY_HZ)
                snapshot_cost = cost if snapshot_cost is None else \
                    snapshot_cost + (cost - snapshot_cost) * SNAPSHOT_SMOOTHING
                if busy:  # a snapshot that costs much comes less often: at most SNAPSHOT_SHARE of the training
                    next_frame = max(next_frame, now + snapshot_cost / SNAPSHOT_SHARE)
                dirty = False

    def _train(self, chunk: int, until_frame: float = 0.0) -> int:
        """One chunk of training (fast-forward, or at the pace); returns the next chunk size.

        Chunks are cut to end at the next frame's time (`until_frame` seconds away), splitting
        the time to it evenly, so frames go out on their beat, not up to a chunk late.
        """
        experiment = self.built
        interruptible = experiment.interruptible
        interrupt = self.interrupt if interruptible else None
        if self._skip:
            made = experiment.step(min(self._skip, SKIP_CHUNK), interrupt=interrupt)
            self._skip = 0 if experiment.diverged else self._skip - made
            return chunk
        due = self.pace.due(self.clock(), experiment.step_count)
        n = chunk if due is None else min(chunk, due)
        if self._stop_at is not None:
            n = min(n, self._stop_at - experiment.step_count)
        # to the frame in one call if a command can end it early; else in even pieces of about CHUNK_SECONDS
        chunk_seconds = INTERRUPTIBLE_CHUNK_SECONDS if interruptible else CHUNK_SECONDS
        if until_frame > 0 and self._step_seconds:
            pieces = max(1, round(until_frame / chunk_seconds))
            n = min(n, max(1, int(until_frame / pieces / self._step_seconds)))
        elif self._step_seconds and not (interruptible and self.mailbox.wait_for_take()):
            # a frame waits for the window to take the last: short pieces, out soon after (an interruptible
            # chunk goes on: the take ends it, gui/worker/mailbox.py; slivers cost a call each, 5-8 ms in some)
            n = min(n, max(1, int(FRAME_SLACK / self._step_seconds)))
        if n > 0:
            started = self.cpu_clock()  # this thread's CPU time: time other processes took is not the chunk's
            made = experiment.step(n, interrupt=interrupt)
            spent = self.cpu_clock() - started
            if made:
                self._step_seconds = spent / made
            if made == n == chunk:  # aim at chunk_seconds of training between looks at the queue
                chunk = max(1, min(10_000, int(chunk * chunk_seconds / max(spent, 1e-6))))
            if experiment.diverged:
                self.running, self._auto_paused = False, True
            elif experiment.finished:
                self.running = False  # done what was asked (a set run's epochs): paused there
        if self._stop_at is not None and experiment.step_count >= self._stop_at:
            self.running, self._stop_at = False, None
        return chunk

    def _next_commands(self) -> list:
        """All queued commands; waits a little only when there is no training to do."""
        if self._skip:
            wait = 0.0
        elif not self.running:
            wait = 1 / DISPLAY_HZ
        else:
            wait = min(1 / DISPLAY_HZ, self.pace.wait(self.clock(), self.built.step_count))
        self.interrupt.clear()  # before the queue is read: a command put from now on ends the next chunk
        commands: list[object] = []
        if self.commands is None:  # a test's loop, driven by hand
            return commands
        try:
            commands.append(self.commands.get(timeout=wait) if wait > 0 else self.commands.get_nowait())
            while True:
                commands.append(self.commands.get_nowait())
        except queue.Empty:
            return commands

    def _apply(self, command, failed: Callable[[str], None]) -> None:
        """Carry out one command; a refused one (ValueError, ConfigError) is reported, training goes on."""
        experiment = self.built
        try:
            if isinstance(command, (Pause, Resume, StepOnce)):
                self._auto_paused = False
            match command:
                case Pause():
                    self.running, self._skip, self._stop_at = False, 0, None  # a pause also stops a fast-forward
                case Resume():
                    self.running = not experiment.diverged and not experiment.finished
                case StepOnce():
                    self.running, self._skip = False, 0
                    experiment.step(1)
                case Train(steps):
                    experiment.step(steps)
                case RunUntil(step):
                    self.running, self._stop_at = not experiment.diverged, step
                case Reset(seed):
                    experiment.reset(seed=seed)
                case SetImage(image, label):
                    experiment.set_image(image, label)
                    if isinstance(self.pace, TimeLapse):  # the lesson's time-lapse plays the new digit's forming
                        self.pace.restart(experiment.step_count)
                case SetHparams(changes):
                    experiment.set_hparams(**changes)
                case SetPace(pace):
                    self.pace = pace
                case Skip(steps):
                    self._skip += max(0, steps)
                case Ask():
                    command.run(experiment)
                case Apply(change):
                    change.apply(experiment)
                case Replace(new):
                    self.experiment = experiment = new
            if self._auto_paused and not experiment.diverged:
                # divergence paused us; a reset, a smaller learning rate or an opened session carries on
                self.running, self._auto_paused = True, False
        except ValueError as error:  # ConfigError and bad images: refused, training goes on
            failed(str(error))




"""Training on its own thread, so the window never waits for torch and torch never waits for the window.

The pattern (after superqt's thread workers and acq4's frame display):

* commands go in through a thread-safe queue that the training loop drains between
  chunks of steps — a pause lands within one chunk (a few milliseconds);
* results come out through a one-slot mailbox holding only the newest frame. The loop
  fills it at most at display rate, timed on the worker's own clock, and signals the
  window only when the window has taken the previous frame. If the window falls behind,
  frames are dropped rather than queued, so memory stays flat and the GUI never
  drowns in stale updates.

The trainer is built on the worker thread by a factory, which is also where torch is
first imported: the window is on screen before that slow import finishes.
"""
from __future__ import annotations

import gc
import queue
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot

from filterlab.engine.core.snapshot import Snapshot

DISPLAY_HZ = 60.0
CHUNK_SECONDS = 0.008  # training time between two looks at the command queue
GIL_SWITCH_SECONDS = 0.0005
MAX_SPEED = 0  # steps_per_second value meaning "as fast as possible"
SKIP_CHUNK = 100  # steps per chunk while fast-forwarding: commands still get through


@dataclass(frozen=True)
class Frame:
    """What the window draws: the engine's snapshot plus the worker's own view of it."""

    snapshot: Snapshot
    running: bool
    steps_per_second: float


class Mailbox:
    """Holds one item; a new put replaces the old one. Safe across threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._item = None

    def put(self, item) -> bool:
        """Store `item`; True if the slot was empty (the reader had taken the last one)."""
        with self._lock:
            was_empty = self._item is None
            self._item = item
            return was_empty

    def take(self):
        with self._lock:
            item, self._item = self._item, None
            return item

    def empty(self) -> bool:
        with self._lock:
            return self._item is None


class RateMeter:
    """Steps per second over the last second or so, from the worker's clock."""

    def __init__(self, window: float = 1.0):
        self.window = window
        self._marks: list[tuple[float, int]] = []

    def add(self, now: float, step: int) -> None:
        self._marks.append((now, step))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window:
            self._marks.pop(0)

    def rate(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._marks[0], self._marks[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def clear(self) -> None:
        self._marks.clear()


def freeze_startup_objects() -> None:
    """Take what the start made (torch above all) out of the garbage collector's full passes.

    A full pass walks every tracked object, ~370,000 once torch is in: ~160 ms with the GIL
    held, so the window froze that long every so often, whichever thread the pass ran on.
    What exists once the trainer is built lives as long as the app: it is collected once,
    here, while the window still says "loading PyTorch…", and then left out.
    """
    gc.collect()
    gc.freeze()


class TrainingWorker(QObject):
    """Owns the trainer; lives on its own QThread. Call its command methods from any thread."""

    frame_ready = Signal()      # a new Frame is in the mailbox
    failed = Signal(str)        # a command was refused or the trainer could not be built
    finished = Signal()

    def __init__(self, trainer_factory: Callable[[], object], running: bool = True):
        super().__init__()
        self._factory = trainer_factory
        self._commands: "queue.Queue[tuple]" = queue.Queue()
        self.mailbox = Mailbox()
        self._running = running
        self._auto_paused = False
        self._skip = 0  # steps still to fast-forward
        self._speed = MAX_SPEED
        self.trainer = None  # touched only on the worker thread

    # ---------------------------------------------- commands (any thread)
    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step_once(self) -> None:
        self._send("step")

    def reset(self, seed: Optional[int] = None) -> None:
        self._send("reset", seed)

    def set_image(self, image, label: int) -> None:
        self._send("image", image, label)

    def set_hparams(self, **changes) -> None:
        self._send("hparams", changes)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second; 0 means as fast as possible."""
        self._send("speed", steps_per_second)

    def call(self, function: Callable[[object], None]) -> None:
        """Run function(trainer) on the worker thread, between steps."""
        self._send("call", function)

    def skip(self, steps: int) -> None:
        """Fast-forward `steps` steps as fast as possible, then carry on as before."""
        self._send("skip", steps)

    def stop(self) -> None:
        self._send("stop")

    def _send(self, *command) -> None:
        self._commands.put(command)

    # ------------------------------------------------- the loop (worker thread)
    @Slot()
    def run(self) -> None:
        # Torch releases the GIL around every op and must win it back; with Python's
        # default 5 ms switch interval a busy GUI thread makes each of those waits long.
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        try:
            self.trainer = self._factory()
            freeze_startup_objects()
        except Exception as error:  # a bad config must reach the user, not kill the thread silently
            self.failed.emit(f"could not start training: {error}")
            self.finished.emit()
            return
        self._loop()
        self.finished.emit()

    def _loop(self) -> None:
        """Train and publish until told to stop; an unexpected error pauses, never kills, it."""
        while True:
            try:
                self._train_and_publish()
                return
            except Exception as error:  # torch out of memory, a bug: say so, keep commands flowing
                self._running, self._skip = False, 0
                self.failed.emit(f"training stopped: {type(error).__name__}: {error}")

    def _train_and_publish(self) -> None:
        meter = RateMeter()
        chunk, dirty, next_frame = 1, True, 0.0
        self._pace_from = (time.perf_counter(), self.trainer.step_count)
        while True:
            for command in self._next_commands():
                if command[0] == "stop":
                    return
                dirty |= self._apply(command)
                self._pace_from = (time.perf_counter(), self.trainer.step_count)
                meter.clear()

            if self._skip:
                made = self.trainer.step(min(self._skip, SKIP_CHUNK))
                self._skip = 0 if self.trainer.diverged else self._skip - made
                dirty = True
                meter.add(time.perf_counter(), self.trainer.step_count)
            elif self._running:
                n = min(chunk, self._steps_due()) if self._speed else chunk
                if n > 0:
                    started = time.perf_counter()
                    made = self.trainer.step(n)
                    spent = time.perf_counter() - started
                    if made == n == chunk:
                        chunk = max(1, min(10_000, int(chunk * CHUNK_SECONDS / max(spent, 1e-6))))
                    dirty = True
                    if self.trainer.diverged:
                        self._running, self._auto_paused = False, True
                meter.add(time.perf_counter(), self.trainer.step_count)

            now = time.perf_counter()
            if dirty and now >= next_frame and self.mailbox.empty():
                # fast-forwarding counts as running: the window offers Pause, which stops it
                busy = self._running or self._skip > 0
                frame = Frame(self.trainer.snapshot(), busy, meter.rate() if busy else 0.0)
                if self.mailbox.put(frame):
                    self.frame_ready.emit()
                # a fixed beat, not "one period after the last frame": chunk ends do not
                # line up with frames, and measuring from the last one would lose ~10%
                next_frame = max(next_frame + 1 / DISPLAY_HZ, now - 0.5 / DISPLAY_HZ)
                dirty = False

    def _next_commands(self) -> list[tuple]:
        """All queued commands; waits a little only when there is no training to do."""
        if self._skip:
            wait = 0.0
        elif not self._running:
            wait = 1 / DISPLAY_HZ
        elif self._speed:
            wait = min(1 / DISPLAY_HZ, max(0.0, 1 / self._speed - self._since_due()))
        else:
            wait = 0.0
        commands = []
        try:
            commands.append(self._commands.get(timeout=wait) if wait > 0 else self._commands.get_nowait())
            while True:
                commands.append(self._commands.get_nowait())
        except queue.Empty:
            return commands

    def _since_due(self) -> float:
        """Seconds since the last step became due at the chosen speed."""
        start_time, start_step = self._pace_from
        made = self.trainer.step_count - start_step
        return time.perf_counter() - (start_time + made / self._speed)

    def _steps_due(self) -> int:
        start_time, start_step = self._pace_from
        due = int((time.perf_counter() - start_time) * self._speed)
        return due - (self.trainer.step_count - start_step)

    def _apply(self, command: tuple) -> bool:
        """Carry out one command; True if the picture changed."""
        name, *args = command
        trainer = self.trainer
        try:
            if name in ("pause", "resume", "step"):
                self._auto_paused = False
            if name == "pause":
                self._running, self._skip = False, 0  # a pause also stops a fast-forward
            elif name == "resume":
                self._running = not trainer.diverged
            elif name == "step":
                self._running, self._skip = False, 0
                trainer.step(1)
            elif name == "reset":
                trainer.reset(seed=args[0])
            elif name == "image":
                trainer.set_image(*args)
            elif name == "hparams":
                trainer.set_hparams(**args[0])
            elif name == "speed":
                self._speed = args[0]
            elif name == "skip":
                self._skip += max(0, int(args[0]))
            elif name == "call":
                args[0](trainer)
            if self._auto_paused and not trainer.diverged:
                # divergence paused us; a reset, a smaller learning rate or an opened session carries on
                self._running, self._auto_paused = True, False
        except ValueError as error:  # ConfigError and bad images: refused, training goes on
            self.failed.emit(str(error))
        return True


class WorkerThread:
    """A TrainingWorker on its own QThread, with the Qt-documented wiring and a clean stop."""

    def __init__(self, worker: TrainingWorker):
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("training")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.finished.connect(self.thread.quit)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Ask the loop to end and join the thread; True if it ended in time."""
        if not self.thread.isRunning():
            return True
        self.worker.stop()
        self.thread.quit()
        return self.thread.wait(timeout_ms)

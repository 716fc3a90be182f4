"""The engine inside the live window (offscreen), measured the way a user would feel it.

    python -m bench.window FILTERS STEPS [--latency] [--memory N]  -> one JSON line

* steps/s over STEPS steps from the first frame drawn (the window's start, the first paint
  of every view, is bench.startup's "first live frame") while every view redraws at
  display rate, and over the next STEPS steps and at least STEADY_SECONDS ("steady": every
  view has been painted, its axes and text made, at least once),
* the longest stall of the GUI thread (a 1 ms timer's largest gap) from the first frame,
  over the same steps and at least WARM_SECONDS + MIN_SECONDS; frames drawn per second over
  the MIN_SECONDS after the first WARM_SECONDS (a 60 Hz count needs a few seconds to mean
  anything; in the first second every view paints for the first time, its axes and text
  made: 5-11 ms a paint instead of 2-3; those frames are counted on their own),
* the window's rate over the headless engine's, the two taken in turns (see in_turns),
* with --latency: pause click -> the engine's last step, drawn stroke -> end of the
  first step trained on it, and the "+10,000" fast-forward rate,
* with --memory N: resident memory growth from step 5,000 to step N,
* how long window.close() takes (it joins the training thread) while training runs.

The trainer is subclassed here (not in the app) to timestamp its own steps.
"""
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
MIN_SECONDS = 4.0
WARM_SECONDS = 1.0  # frames are counted from here: the first second is every view's first paints
STEADY_SECONDS = 2.0
TURNS, TURN_SECONDS = 20, 0.5


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed_trainer_factory(config, image, label):
    """Builds, on the worker thread as the app does, a Trainer that timestamps its own steps."""
    def build():
        from filterlab.engine.digit.trainer import Trainer

        class TimedTrainer(Trainer):
            """Remembers when steps end and when a new image arrived."""
            first_step_at = None
            last_step_end = 0.0
            image_set_at = None
            first_step_on_image = None

            def step(self, n=1, interrupt=None):
                if self.first_step_at is None:
                    self.first_step_at = time.perf_counter()
                made = super().step(n, interrupt)
                now = time.perf_counter()
                if made:
                    self.last_step_end = now
                    if self.image_set_at is not None and self.first_step_on_image is None:
                        self.first_step_on_image = now
                return made

            def set_image(self, image, label):
                super().set_image(image, label)
                self.image_set_at, self.first_step_on_image = time.perf_counter(), None

        return TimedTrainer(config, image, label)
    return build


def wait_until(condition, seconds=300.0):
    """Run the real event loop (idle in C++, GIL released) until condition() holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + seconds
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if condition() or time.perf_counter() > deadline else None)
    poll.start(2)
    if not condition():
        loop.exec()
    poll.stop()
    if not condition():
        raise TimeoutError("benchmark condition not reached")


def in_turns(window, wait_until, filters: int) -> dict:
    """The window's rate over the headless engine's, taken in turns in this process: TURNS pairs of
    TURN_SECONDS with the window training (every view drawing) and TURN_SECONDS with it paused and
    the same engine training here with nothing drawn, both at the same step range; the median ratio.

    Why in turns: this machine's speed drifts by a third from one second to the next with the same
    work (a chunk loop alone: 7,600-13,500 steps/s), so rates taken in separate runs a minute apart
    compare the weather as much as the code.
    """
    from filterlab.engine.core.config import Config
    from filterlab.engine.core.runtime import tune_runtime
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    tune_runtime()  # before the engine is built, as on the training thread
    return turns(window, wait_until, Trainer(Config(filters=filters), *bundled_digit(4)))


def turns(window, wait_until, headless, pairs: int = TURNS) -> dict:
    """in_turns for any experiment: `headless` is built as the window's (spec.build) and trained here,
    250 steps a call as the headless runner takes them, after catching up with the window's step untimed."""
    import statistics

    from filterlab.engine.core.runtime import tune_runtime

    tune_runtime()  # on this thread, as the training thread does it (denormals are flushed per thread)
    trainer = window.worker.experiment
    window.commands.pause()  # while the headless engine trains up to the window's step, untimed
    wait_until(lambda: not window.frame.running)
    while headless.step_count < trainer.step_count:
        headless.step(min(250, trainer.step_count - headless.step_count))
    window.commands.resume()
    wait_until(lambda: window.frame.running)
    ratios, windowed, alone = [], [], []
    for _ in range(pairs):
        begin, started = trainer.step_count, time.perf_counter()
        wait_until(lambda: time.perf_counter() >= started + TURN_SECONDS)
        windowed.append((trainer.step_count - begin) / (time.perf_counter() - started))
        window.commands.pause()
        wait_until(lambda: not window.frame.running)
        begin, started = headless.step_count, time.perf_counter()
        while time.perf_counter() < started + TURN_SECONDS:
            headless.step(250)
        alone.append((headless.step_count - begin) / (time.perf_counter() - started))
        ratios.append(windowed[-1] / alone[-1])
        window.commands.resume()
        wait_until(lambda: window.frame.running)
    return {"in_turns_ratio": statistics.median(ratios), "in_turns_window": statistics.median(windowed),
            "in_turns_headless": statistics.median(alone)}


def main(filters: int, steps: int, latency: bool, memory_steps: int) -> dict:
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from filterlab.engine.core.config import Config
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.windows.digit import DigitWindow

    app = QApplication.instance() or QApplication([])
    config = Config(filters=filters)
    image, label = bundled_digit(4)
    window = DigitWindow(DigitSpec(config, image, label), factory=timed_trainer_factory(config, image, label),
                         speed=0)  # as fast as possible (the window's default is the lesson's time-lapse)
    window.show()

    frames = []
    window.frame_drawn.connect(lambda frame: frames.append((time.perf_counter(), frame.snapshot.step)))
    gaps = {"max": 0.0, "last": None, "on": False}
    clock = QElapsedTimer()
    clock.start()

    def tick():
        now = clock.nsecsElapsed() / 1e9
        if gaps["on"] and gaps["last"] is not None:
            gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = now
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.timeout.connect(tick)
    heartbeat.start(1)

    def trainer():
        return window.worker.experiment

    wait_until(lambda: trainer() is not None and trainer().first_step_at is not None)
    wait_until(lambda: bool(frames))  # the first frame drawn: the window is live from here
    started, start_step = frames[0]
    frames[:] = frames[1:]
    gaps["on"] = True
    wait_until(lambda: trainer().step_count >= start_step + steps)
    done_at, done_step = trainer().last_step_end, trainer().step_count
    wait_until(lambda: trainer().step_count >= done_step + steps  # the next STEPS (and 2 s): every view
               and time.perf_counter() >= done_at + STEADY_SECONDS)  # has been painted once
    steady = (trainer().step_count - done_step) / (trainer().last_step_end - done_at)
    wait_until(lambda: time.perf_counter() >= started + WARM_SECONDS + MIN_SECONDS)
    frame_seconds = max(time.perf_counter(), done_at) - started - WARM_SECONDS
    counted_from = started + WARM_SECONDS
    gaps["on"] = False
    result = {
        "filters": filters,
        "steps_per_second": (done_step - start_step) / (done_at - started),
        "from_step": start_step,
        "steady_steps_per_second": steady,
        "frames_per_second": sum(1 for t, _ in frames if counted_from < t <= counted_from + frame_seconds)
        / frame_seconds,
        "frames_first_second": sum(1 for t, _ in frames if t <= counted_from),
        "longest_gui_stall_ms": gaps["max"] * 1000,
    }

    heartbeat.stop()  # it measured the stalls; the turns measure training alone
    result.update(in_turns(window, wait_until, filters))

    if latency:
        pauses, strokes = [], []
        for _ in range(5):
            app.processEvents()
            clicked = time.perf_counter()
            window.commands.pause()
            wait_until(lambda: time.perf_counter() > clicked + 0.3)
            pauses.append(max(0.0, trainer().last_step_end - clicked))
            window.commands.resume()
            wait_until(lambda: time.perf_counter() > clicked + 0.4)
        ink = window.source.canvas.ink()
        for i in range(5):
            ink[4 + i, 4:24] = 1.0  # a new stroke each time
            drawn = time.perf_counter()
            window.source.canvas.changed.emit(ink.copy())  # the path a real stroke takes
            wait_until(lambda: trainer().first_step_on_image is not None
                       and trainer().image_set_at >= drawn)
            strokes.append(trainer().first_step_on_image - drawn)
            wait_until(lambda: time.perf_counter() > drawn + 0.1)
        window.commands.pause()
        wait_until(lambda: not window.frame.running)
        start_step = trainer().step_count
        asked = time.perf_counter()
        window.commands.skip(10_000)
        wait_until(lambda: trainer().step_count >= start_step + 10_000)
        result.update(pause_latency_ms=max(pauses) * 1000, stroke_latency_ms=max(strokes) * 1000,
                      skip_steps_per_second=10_000 / (trainer().last_step_end - asked))
        window.commands.resume()

    if memory_steps:
        wait_until(lambda: trainer().step_count >= 5_000)
        before = rss_mb()
        wait_until(lambda: trainer().step_count >= memory_steps, seconds=1200)
        result.update(rss_growth_mb=rss_mb() - before, memory_steps=trainer().step_count - 5_000)

    closing = time.perf_counter()
    window.close()
    result.update(close_s=time.perf_counter() - closing)
    return result


if __name__ == "__main__":
    args = sys.argv[1:]
    memory = int(args[args.index("--memory") + 1]) if "--memory" in args else 0
    print(json.dumps(main(int(args[0]), int(args[1]), "--latency" in args, memory)))

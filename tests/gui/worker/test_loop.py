"""The training loop without Qt: typed commands in, the newest frame out."""
import threading
import time

import numpy as np

from filterlab.gui.worker.commands import Commands
from filterlab.gui.worker.loop import DISPLAY_HZ, TrainingLoop
from filterlab.gui.worker.pace import FixedSpeed


class Counter:
    """The smallest Experiment: it counts steps (engine/core/experiment.py)."""

    diverged = None
    finished = None
    interruptible = False

    def __init__(self):
        self.step_count, self.resets = 0, []

    def step(self, n=1, interrupt=None):
        self.step_count += n
        return n

    def reset(self, seed=None):
        self.step_count = 0
        self.resets.append(seed)

    def set_hparams(self, **changes):
        raise ValueError(f"no such setting: {', '.join(changes)}")

    def set_image(self, image, label):
        raise ValueError("a counter trains on no digit")

    def snapshot(self):
        return type("Snap", (), {"step": self.step_count, "diverged": None, "historical": False,
                                 "record_steps": np.arange(0)})()

    def record_steps(self):
        return np.arange(0)

    def snapshot_at(self, step):
        return self.snapshot()


def running_loop(commands, running=True, pace=None):
    loop = TrainingLoop(Counter, commands.queue, running=running, pace=pace)
    failures = []
    thread = threading.Thread(target=loop.run, args=(lambda: loop.mailbox.take(), failures.append))
    thread.start()
    return loop, thread, failures


def wait_for(condition, seconds=60.0):
    """Wait until condition() holds. The limit only stops a hung loop: the loop's thread imports torch as it
    starts (the app's runtime), which took over 5 s on a loaded machine, so no limit here is a speed target."""
    deadline = time.perf_counter() + seconds
    while not condition():
        assert time.perf_counter() < deadline, "condition not reached"
        time.sleep(0.005)


def test_run_until_stops_on_the_very_step_and_a_refused_command_is_reported():
    commands = Commands()
    loop, thread, failures = running_loop(commands, running=False, pace=FixedSpeed(200))
    try:
        wait_for(lambda: loop.experiment is not None)
        commands.run_until(37)
        wait_for(lambda: loop.experiment.step_count == 37 and not loop.running)
        time.sleep(0.1)
        assert loop.experiment.step_count == 37
        commands.set_hparams(colour="red")
        wait_for(lambda: failures)
        assert "colour" in failures[0]
        commands.reset(7)
        wait_for(lambda: loop.experiment.resets == [7])
    finally:
        commands.stop()
        thread.join(5)
    assert not thread.is_alive()


def test_a_fixed_pace_gives_its_speed():
    """The loop on its own thread at 50 steps/s, timed on a clock the test moves: a second of that clock
    trains exactly 50 steps, however long the machine takes to run them, and no more until it moves again
    (it asserted 35-65 steps in a second of wall time, which a loaded machine could miss)."""
    commands, clock, frames = Commands(), FakeClock(), []
    loop = TrainingLoop(Counter, commands.queue, pace=FixedSpeed(50), clock=clock, cpu_clock=FakeClock(0.0))
    thread = threading.Thread(target=loop.run, args=(lambda: frames.append(loop.mailbox.take()), print))
    thread.start()
    try:
        wait_for(lambda: frames)  # the first frame: the pace has started, at the clock's now
        assert loop.experiment.step_count == 0
        clock.now += 1.0
        wait_for(lambda: loop.experiment.step_count >= 50)
        time.sleep(0.05)  # a few more turns of the loop: nothing more is due
        assert loop.experiment.step_count == 50
        clock.now += 0.5
        wait_for(lambda: loop.experiment.step_count >= 75)
        time.sleep(0.05)
        assert loop.experiment.step_count == 75
    finally:
        commands.stop()
        thread.join(5)
    assert not thread.is_alive()


class Interruptible(Counter):
    """A Counter whose steps take 1 ms each, of the loop's clocks (the test's own), and that ends a chunk
    early as the chunk function does; a click (`click_at`: a command put from another thread) may land
    in the middle of a call."""

    interruptible = True
    clocks: tuple = ()         # (wall, cpu) FakeClocks each step moves by 1 ms
    click_at = None            # (step, what) : what() is put at that step, while the chunk runs

    def __init__(self):
        super().__init__()
        self.chunks = []  # (asked, made) of each chunk

    def step(self, n=1, interrupt=None):
        made = 0
        while made < n:
            for clock in self.clocks:
                clock.now += 0.001
            made += 1
            if self.click_at is not None and self.step_count + made == self.click_at[0]:
                self.click_at[1]()
            if interrupt is not None and interrupt.requested:
                break
        self.step_count += made
        self.chunks.append((n, made))
        return made


def test_a_long_chunk_is_ended_at_once_by_a_command():
    """With an interruptible experiment the loop trains a whole frame in one call (16 steps of 1 ms, sized
    by the CPU time of the last); a command put meanwhile (a click) ends the call at that step, not when its
    steps are done; training then goes on from there."""
    commands = Commands()
    wall, cpu = FakeClock(), FakeClock(0.0)
    Interruptible.clocks = (wall, cpu)
    loop = TrainingLoop(Interruptible, commands.queue, clock=wall, cpu_clock=cpu)
    loop.experiment = experiment = Interruptible()
    loop.pace.start(wall(), 0)
    chunk = 1
    frame = 1 / DISPLAY_HZ  # the time to the next frame, as the loop's run() passes it
    for _ in range(6):  # the chunk grows to a frame's worth of steps
        chunk = loop._train(chunk, frame)
    asked = [n for n, made in experiment.chunks[-2:]]
    assert min(asked) >= 15 and all(made == n for n, made in experiment.chunks), experiment.chunks
    ended = []
    for click in range(5):
        experiment.click_at = (experiment.step_count + 5, commands.pause)
        loop.interrupt.clear()  # as the loop does before it reads the queue
        loop._train(chunk, frame)
        n, made = experiment.chunks[-1]
        ended.append(made)
        assert n >= 15 and made == 5, f"a chunk of {n} steps went on to {made} after a click at its 5th"
        commands.resume()
    assert ended == [5] * 5


class FakeClock:
    """A clock the test moves by hand: the loop's pacing tested without racing the machine."""

    def __init__(self, now: float = 100.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def paced_loop(factory, pace):
    """A loop on a clock of the test's own, its experiment built, the pace started: `_train` is one chunk."""
    clock, cpu = FakeClock(), FakeClock(0.0)
    loop = TrainingLoop(factory, None, pace=pace, clock=clock, cpu_clock=cpu)
    loop.experiment = factory()
    loop.pace.start(clock(), 0)
    return loop, clock


def test_a_fixed_speed_trains_exactly_its_steps_on_the_loops_clock():
    loop, clock = paced_loop(Counter, FixedSpeed(10))
    assert loop._train(10_000) and loop.experiment.step_count == 0  # nothing is due at the start
    clock.now += 1.0
    loop._train(10_000)
    assert loop.experiment.step_count == 10
    clock.now += 0.55
    loop._train(10_000)
    assert loop.experiment.step_count == 15
    loop._train(10_000)  # the same moment again: nothing more is due
    assert loop.experiment.step_count == 15


def test_the_lesson_pace_plays_the_first_steps_slowly_then_goes_full_speed(digit):
    """Defaults, as launched (5 filters of 28x28, the bundled 4, Adam), at the lesson pace, on the loop's clock:
    two seconds in, a few steps have been taken and the filters still look like noise; after the time-lapse,
    one chunk trains as fast as the engine goes."""
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.gui.worker.pace import TimeLapse

    loop, clock = paced_loop(lambda: Trainer(Config(), *digit), TimeLapse())
    for _ in range(20):  # two seconds, in frames of 0.1 s
        clock.now += 0.1
        loop._train(10_000)
    trainer = loop.experiment
    assert 3 <= trainer.step_count <= 12  # it moves, single steps one can see
    assert float(np.abs(trainer.snapshot().cosine).mean()) < 0.5
    assert "steps/s and rising" in loop.pace.describe(trainer.step_count)
    clock.now += loop.pace.full_after
    loop._train(5_000)
    assert trainer.step_count >= 5_000 and "as fast as possible" in loop.pace.describe(trainer.step_count)


def test_frames_go_out_on_the_display_beat_of_the_loops_clock_not_per_step():
    """At full speed, on a clock the test moves: while it stands still the steps go on and no frame is
    sent after the first (a frame per step would flood the window); each 1/DISPLAY_HZ it moves sends one."""
    from filterlab.gui.worker.loop import DISPLAY_HZ

    commands, clock, frames = Commands(), FakeClock(), []
    loop = TrainingLoop(Counter, commands.queue, clock=clock, cpu_clock=FakeClock(0.0))
    thread = threading.Thread(target=loop.run, args=(lambda: frames.append(loop.mailbox.take()), print))
    thread.start()
    try:
        wait_for(lambda: frames and loop.experiment.step_count > 1_000)
        first = len(frames)  # the start's frames (the beat starts a period behind: CATCH_UP)
        for beat in range(3):
            start = loop.experiment.step_count
            wait_for(lambda: loop.experiment.step_count > start + 1_000)  # training goes on between frames
            assert len(frames) == first + beat
            clock.now += 1 / DISPLAY_HZ
            wait_for(lambda: len(frames) == first + beat + 1)
        steps = [frame.snapshot.step for frame in frames[first - 1:]]
        assert all(b > a + 1_000 for a, b in zip(steps, steps[1:]))
    finally:
        commands.stop()
        thread.join(5)
    assert not thread.is_alive()

"""The training loop without Qt: typed commands in, the newest frame out."""
import threading
import time

import numpy as np

from filterlab.gui.worker.commands import Commands
from filterlab.gui.worker.loop import TrainingLoop
from filterlab.gui.worker.pace import FixedSpeed


class Counter:
    """The smallest Experiment: it counts steps (engine/core/experiment.py)."""

    diverged = None

    def __init__(self):
        self.step_count, self.resets = 0, []

    def step(self, n=1):
        self.step_count += n
        return n

    def reset(self, seed=None):
        self.step_count = 0
        self.resets.append(seed)

    def set_hparams(self, **changes):
        raise ValueError(f"no such setting: {', '.join(changes)}")

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


def wait_for(condition, seconds=5.0):
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
    commands = Commands()
    loop, thread, _ = running_loop(commands, pace=FixedSpeed(50))
    try:
        wait_for(lambda: loop.experiment is not None)
        start = loop.experiment.step_count
        time.sleep(1.0)
        assert 35 <= loop.experiment.step_count - start <= 65
    finally:
        commands.stop()
        thread.join(5)


class Interruptible(Counter):
    """A Counter whose steps take 1 ms each and that ends a chunk early, as the chunk function does."""

    interruptible = True

    def __init__(self):
        super().__init__()
        self.chunks = []  # (asked, made) of each chunk

    def step(self, n=1, interrupt=None):
        made = 0
        while made < n:
            time.sleep(0.001)
            made += 1
            if interrupt is not None and interrupt.requested:
                break
        self.step_count += made
        self.chunks.append((n, made))
        return made


def test_a_long_chunk_is_ended_at_once_by_a_command():
    """With an interruptible experiment the loop trains long chunks (these steps sleep, so the loop,
    which sizes chunks by CPU time, asks for tens of steps of 1 ms a call); a command put meanwhile
    (a click) ends the call within a step or two, not when its steps are done."""
    commands = Commands()
    loop = TrainingLoop(Interruptible, commands.queue)
    thread = threading.Thread(target=loop.run, args=(lambda: loop.mailbox.take(), print))
    thread.start()
    try:
        wait_for(lambda: loop.experiment is not None and len(loop.experiment.chunks) > 10)
        asked = [n for n, made in loop.experiment.chunks[-3:]]
        assert min(asked) >= 20, f"chunks of {asked} steps"
        took, ended_early = [], 0
        for _ in range(5):
            time.sleep(0.03)
            chunks = len(loop.experiment.chunks)
            clicked = time.perf_counter()
            commands.pause()
            wait_for(lambda: not loop.running, seconds=2)
            took.append(time.perf_counter() - clicked)
            ended_early += any(made < n for n, made in loop.experiment.chunks[chunks:])
            commands.resume()
            wait_for(lambda: loop.running, seconds=2)
        assert ended_early >= 3, "the chunks under way were not ended early"
        assert sorted(took)[2] < 0.008, f"pauses took {[round(t * 1000) for t in took]} ms, in chunks of {asked} ms"
    finally:
        commands.stop()
        thread.join(5)
    assert not thread.is_alive()

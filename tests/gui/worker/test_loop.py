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

"""The one-slot mailbox, and the loop's chunks while a frame waits for the window to take the last one."""
import queue

import numpy as np

from filterlab.engine.core.interrupt import Interrupt
from filterlab.gui.worker.commands import Stop
from filterlab.gui.worker.loop import CHUNK_SECONDS, TrainingLoop
from filterlab.gui.worker.mailbox import Mailbox


def test_only_the_take_the_writer_waits_for_ends_its_chunk():
    interrupt = Interrupt()
    box = Mailbox(interrupt)
    assert box.put("frame 1") and not box.put("frame 2")  # the newest replaces the one not taken
    assert box.take() == "frame 2" and not interrupt.requested  # nobody waited: the chunk under way goes on
    assert not box.wait_for_take()  # empty: the writer puts now
    box.put("frame 3")
    assert box.wait_for_take()
    assert box.take() == "frame 3" and interrupt.requested
    interrupt.clear()
    box.put("frame 4")
    assert box.take() == "frame 4" and not interrupt.requested  # a wait counts for one take only
    assert Mailbox().wait_for_take() is False and Mailbox().take() is None


class Chunks:
    """An experiment that records the steps each call asks for and takes 1 ms of the loop's CPU clock per step."""

    diverged = None
    finished = None

    def __init__(self, interruptible, cpu):
        self.interruptible, self.cpu, self.step_count, self.asked = interruptible, cpu, 0, []

    def step(self, n=1, interrupt=None):
        self.asked.append(n)
        self.cpu.now += 0.001 * n
        self.step_count += n
        return n


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def late_chunks(interruptible: bool) -> list:
    """The steps asked while the next frame is due and the window has not yet taken the last one."""
    clock, cpu = Clock(100.0), Clock(0.0)
    loop = TrainingLoop(None, None, clock=clock, cpu_clock=cpu)
    loop.experiment = Chunks(interruptible, cpu)
    loop.pace.start(clock(), 0)
    chunk = loop._train(1, 0.1)  # a first call: the loop learns a step's cost (1 ms)
    for _ in range(5):
        chunk = loop._train(chunk, 0.05)  # chunks grow to their target length
    loop.mailbox.put("the last frame, not taken")
    loop.experiment.asked.clear()
    loop._train(chunk, -0.001)  # the next frame is due now
    return loop.experiment.asked


def test_a_frame_waiting_for_the_window_cuts_chunks_to_slivers_unless_the_take_can_end_them():
    """Interruptible: a whole chunk (the window's take ends it, above); otherwise 2 ms pieces, so the frame goes
    out soon after the take."""
    assert late_chunks(True)[0] >= 15
    assert late_chunks(False) == [2] and CHUNK_SECONDS > 0.002


class Costly(Chunks):
    """Chunks whose snapshot costs `seconds` of the thread's CPU (and of the wall clock); `every`: the n-th snapshots
    cost `seconds` and the others a tenth of a millisecond (a set run's, with a test pass now and then)."""

    def __init__(self, cpu, clock, seconds, every=1):
        super().__init__(True, cpu)
        self.clock, self.seconds, self.every, self.made = clock, seconds, every, 0

    def step(self, n=1, interrupt=None):
        self.clock.now += 0.001 * n
        return super().step(n, interrupt)

    def snapshot(self):
        self.made += 1
        seconds = self.seconds if self.made % self.every == 0 else 0.0001
        self.cpu.now += seconds
        self.clock.now += seconds
        return self.step_count


class StopAfter:
    """A command queue that is empty for `calls` reads, then says Stop."""

    def __init__(self, calls):
        self.calls = calls

    def get_nowait(self):
        self.calls -= 1
        if self.calls == -1:
            return Stop()
        raise queue.Empty

    def get(self, timeout=None):
        return self.get_nowait()


def frame_times(snapshot_seconds: float, every: int = 1, reads: int = 400) -> list:
    """When the loop put its frames out (the window taking each at once), on the loop's own clocks."""
    clock, cpu = Clock(100.0), Clock(0.0)
    loop = TrainingLoop(None, StopAfter(reads), clock=clock, cpu_clock=cpu)
    loop.experiment = Costly(cpu, clock, snapshot_seconds, every)
    times = []
    loop._train_and_publish(lambda: (loop.mailbox.take(), times.append(clock.now)), print)
    return times


def test_snapshots_take_at_most_their_share_of_the_training_thread():
    """A cheap snapshot goes out at display rate (60 Hz); one of 7 ms comes less often, so that snapshots take at
    most SNAPSHOT_SHARE of the thread's time and training keeps the rest."""
    from filterlab.gui.worker.loop import DISPLAY_HZ, FRAME_SLACK, SNAPSHOT_SHARE

    cheap = np.diff(frame_times(0.0005)[5:])
    assert abs(np.median(cheap) - 1 / DISPLAY_HZ) < 0.003
    costly = frame_times(0.007)
    gaps = np.diff(costly[5:])
    assert gaps.min() >= 0.007 / SNAPSHOT_SHARE - FRAME_SLACK - 0.001  # a frame may go out a sliver (a step) early
    assert 0.007 * len(costly) / (costly[-1] - costly[0]) <= SNAPSHOT_SHARE * 1.05


def test_a_snapshot_that_costs_much_now_and_then_spaces_frames_by_the_smoothed_cost():
    """A set run's snapshot scores the test split every few hundred steps (60 ms here, once in 30 snapshots): the
    next frames come a little later, not 0.75 s (60 ms / SNAPSHOT_SHARE) later, and snapshots still take about
    their share of the thread."""
    from filterlab.gui.worker.loop import SNAPSHOT_SHARE

    times = frame_times(0.060, every=30, reads=3000)
    gaps = np.diff(times[5:])
    assert gaps.max() < 0.060 / SNAPSHOT_SHARE / 2
    spent = (0.060 / 30 + 0.0001 * 29 / 30) * len(times)
    assert spent / (times[-1] - times[0]) <= SNAPSHOT_SHARE * 1.25

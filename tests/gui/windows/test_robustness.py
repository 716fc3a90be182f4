"""Nothing a user does breaks the window: click storms, rapid clicking, closing mid-step, long runs.

The window is the real one, offscreen, its trainer built as the app builds it, by its spec (the
worker runs with the app's runtime settings), on a small model. Widgets are driven as a user drives
them: mouse clicks and keys through qtbot, spin boxes set as if typed, strokes dragged on the
canvas. pytest-qt fails a test on any exception raised inside a Qt slot or virtual, on either
thread; on top of that these tests check that the worker never reported a training error, that
Qt printed no warning, that no warning box popped up, that no frame showed a non-finite number,
and that the window still obeys at the end. How long the GUI thread stalls is measured and printed
(Heartbeat), never asserted: a test that passes only on a quiet machine is a broken test, and the
stall targets live in `python -m bench`.
"""
import os
import random
import sys
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.digit.session import save_session
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.worker.queries import Query

TIMEOUT = 15_000  # ms; generous for a loaded 2-core CI machine
# The click storm's worst single redraw (a tab's first draw for a new shape, a stroke on the eager
# path): 75-150 ms on this project's 2-core VM, whose speed drifts by a third from second to second
# (README, Performance). The < 50 ms GUI-stall target while training is held by `python -m bench`;
# this limit catches a redraw that grew, not the host's weather.
SATURATED = 0.2  # the GUI thread waited for a CPU this share of the time: other processes had them


# ----------------------------------------------------------------------- watching
class ThreadClock:
    """(ms on a CPU, ms ready but waiting for one) of one of our threads so far: Linux's schedstat."""

    def __init__(self, thread_id: int):
        try:
            self._fd = os.open(f"/proc/self/task/{thread_id}/schedstat", os.O_RDONLY)
        except OSError:
            self._fd = None

    def read(self):
        if self._fd is None:
            return None
        try:
            on_cpu, waiting = os.pread(self._fd, 64, 0).split()[:2]
            return int(on_cpu) / 1e6, int(waiting) / 1e6
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ThreadId(Query[int]):
    """The native id of the thread that answers (the training thread)."""

    def answer(self, experiment) -> int:
        return threading.get_native_id()


def worker_thread_id(qtbot, window) -> int:
    ids = []
    window.ask(ThreadId(), ids.append)
    qtbot.waitUntil(lambda: bool(ids), timeout=TIMEOUT)
    return ids[0]


class Heartbeat:
    """A 1 ms precise timer on the GUI thread: the longest gap between two ticks is the longest stall.

    A gap is time the GUI thread did not get back to its event loop: slow handlers,
    painting, waiting for the GIL. The test machine may be shared, though, and when other
    processes take the CPUs the gaps stretch with no fault of the app's. So the time our
    two threads sat ready without a CPU is taken off a gap (the GUI thread's own wait, or
    its wait for a GIL that a preempted worker held), never below the GUI thread's own CPU
    time in the gap. On an idle machine nothing is taken off. On a saturated one (a virtual
    machine especially, where time the host takes is billed as CPU time) nothing can be
    judged to the millisecond: `saturated` says when the GUI thread waited for a CPU more
    than SATURATED of the time.
    """

    def __init__(self, worker_id: int):
        self.clocks = (ThreadClock(threading.get_native_id()), ThreadClock(worker_id))
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.doing = "starting"
        self.stalls = [(0.0, "nothing", "")]  # (ms, what the test was doing, detail), longest first
        self.waited = 0.0  # ms the GUI thread waited for a CPU
        self.started = None

    def start(self) -> None:
        self.started = self._last = time.perf_counter() * 1e3
        self._stats = [clock.read() for clock in self.clocks]
        self.timer.start()

    def stop(self) -> None:
        self._tick()
        self.timer.stop()
        self.elapsed = self._last - self.started
        for clock in self.clocks:
            clock.close()

    @property
    def saturated(self) -> bool:
        return self.waited > SATURATED * self.elapsed

    def _tick(self) -> None:
        now, stats = time.perf_counter() * 1e3, [clock.read() for clock in self.clocks]
        gap = stall = now - self._last
        how = f"{gap:.0f} ms wall"
        if None not in stats + self._stats:
            (cpu, cpu_wait), (_, worker_wait) = ((b[0] - a[0], b[1] - a[1]) for a, b in zip(self._stats, stats))
            stall = max(cpu, gap - cpu_wait - worker_wait)
            self.waited += cpu_wait
            how += (f", GUI thread on a CPU {cpu:.0f}, waiting for one {cpu_wait:.0f}, "
                    f"worker waiting {worker_wait:.0f}")
        if stall > self.stalls[-1][0]:
            self.stalls = sorted(self.stalls + [(round(stall, 1), self.doing, how)], reverse=True)[:5]
        self._last, self._stats = now, stats

    @property
    def worst(self) -> tuple[float, str, str]:
        return self.stalls[0]


def qt_warnings(qtlog) -> list[str]:
    """Qt's warnings (and worse) so far, less the offscreen platform's note on window size hints."""
    return [record.message for record in qtlog.records if record.type.name != "QtDebugMsg"
            and record.message != "This plugin does not support propagateSizeHints()"]


class Recorder:
    """What must stay empty: worker failures, uncaught exceptions, Qt warnings, warning boxes, bad frames."""

    def __init__(self, window, monkeypatch, qtlog):
        self.failures, self.exceptions, self.dialogs, self.bad_frames = [], [], [], []
        self.sessions_done = []  # (succeeded, message) of each session save or open
        window.sessions.done.connect(lambda ok, message: self.sessions_done.append((ok, message)))
        self.qtlog = qtlog
        self.frames = 0
        window.worker.failed.connect(self.failures.append)
        window.frame_drawn.connect(self._check_frame)
        previous = sys.excepthook  # pytest-qt's capturing hook while a test runs

        def hook(kind, value, traceback):
            self.exceptions.append(f"{kind.__name__}: {value}")
            previous(kind, value, traceback)
        monkeypatch.setattr(sys, "excepthook", hook)
        # a modal box would block the test; any warning box is a failure anyway
        monkeypatch.setattr(QMessageBox, "warning", lambda *args: self.dialogs.append(args[1:3]))

    def _check_frame(self, frame) -> None:
        self.frames += 1
        snap = frame.snapshot
        shown = ("filters", "initial", "image", "probs", "loss_values", "loss")
        bad = [name for name in shown if not np.isfinite(getattr(snap, name)).all()]
        # a cosine is NaN ("—") only where it is undefined: a filter, or the patch it is compared with, is flat
        undefined = np.isnan(snap.cosine)
        if undefined.any() and not np.isnan(cosine_to_image(snap.filters[undefined], snap.image)).all():
            bad.append("cosine")
        if bad and not (snap.diverged and set(bad) <= {"probs", "loss"}):  # said why: no image is NaN
            self.bad_frames.append((snap.step, bad, snap.config, snap.diverged))

    def check(self) -> None:
        assert self.failures == []
        assert self.exceptions == []
        assert self.dialogs == []
        assert self.bad_frames == []
        assert qt_warnings(self.qtlog) == []


# ------------------------------------------------------------------------ window
@pytest.fixture
def tiny_factory(digit):
    """The window (tests/gui/conftest.py's fixture) built as the app builds it, by its spec, 3 filters:
    the worker tunes torch on its thread and freezes the start's objects, as in the app."""
    import torch
    threads = torch.get_num_threads()
    yield DigitSpec(Config(filters=3), *digit).build
    torch.set_num_threads(threads)  # tune_runtime set one thread for the whole process (the gc: conftest)


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def shown_seed(window) -> int:
    return int(window.run.seed.text().split()[-1])


def clear_button(window) -> QPushButton:
    return next(button for button in window.findChildren(QPushButton) if button.text() == "Clear")


def make_sane(qtbot, window, wait_frame):
    """Full speed, Adam at 1e-3, and a reset (which also ends a divergence pause)."""
    c = window.controls
    window.run.speed.setCurrentIndex(0)
    c.optimizer.setCurrentIndex(0)
    c.lr.setValue(1e-3)
    click(qtbot, window.run.reset)
    seed = shown_seed(window)
    wait_frame(window, lambda f: f.snapshot.config.seed == seed and f.snapshot.diverged is None
               and f.snapshot.config.optimizer == "adam" and f.snapshot.config.lr == 1e-3)


def assert_one_step(qtbot, window, wait_frame):
    """Paused, the engine stands still; one Step click then advances it by exactly one step."""
    c = window.run
    if window.frame.running:
        click(qtbot, c.pause)
    start = wait_frame(window, lambda f: not f.running).snapshot.step
    qtbot.wait(150)
    assert window.worker.experiment.step_count == start
    assert c.pause.isChecked() and c.pause.text() == "Resume"
    click(qtbot, c.step)
    wait_frame(window, lambda f: f.snapshot.step == start + 1)
    qtbot.wait(150)
    assert window.worker.experiment.step_count == start + 1


def controls_config(window) -> dict:
    c = window.controls
    return dict(lr=c.lr.value(), optimizer=c.optimizer.currentData(), momentum=c.momentum.value(),
                weight_decay=c.weight_decay.value(), filters=c.filters.value(), kernel=c.kernel.value(),
                seed=shown_seed(window))


def wait_in_step(window, wait_frame, timeout=TIMEOUT):
    """Wait until a frame's engine settings are what the controls show (and its digit's label)."""
    def agree(frame):
        config = frame.snapshot.config
        return (all(getattr(config, name) == value for name, value in controls_config(window).items())
                and frame.snapshot.label == window.source.label.value())
    try:
        return wait_frame(window, agree, timeout)
    except Exception:
        raise AssertionError(f"the controls show {controls_config(window)}, label {window.source.label.value()}; the "
                             f"engine has {window.frame.snapshot.config}, label {window.frame.snapshot.label}")


def close_and_check(window) -> None:
    window.close()
    assert not window._thread.thread.isRunning()  # closeEvent joined the training thread


def test_exception_capture_is_on(request):
    """These tests rely on pytest-qt failing a test for an exception raised inside a Qt slot."""
    assert not request.config.getini("qt_no_exception_capture")


# --------------------------------------------------------------------- click storm
def storm_actions(qtbot, window, mouse, folder, sessions_asked: list):
    """name -> (weight, action(rng)). Strokes are real drags (15 ms per move), so few and short."""
    c, run, canvas, timeline = window.controls, window.run, window.source.canvas, window.timeline
    LEFT, RIGHT = mouse.LEFT, mouse.RIGHT
    viewport = canvas.view.viewport()

    def stroke(rng):
        button = LEFT if rng.random() < 0.8 else RIGHT
        point = lambda: (rng.uniform(-2, 29), rng.uniform(-2, 29))  # noqa: E731 - may start off the image
        mouse.drag(canvas, button, point(), point(), steps=rng.choice((1, 1, 2, 2, 3, 6)))

    def dot(rng):
        qtbot.mouseClick(viewport, LEFT if rng.random() < 0.8 else RIGHT,
                         pos=mouse.at(canvas, rng.uniform(0, 27), rng.uniform(0, 27)))

    def key(name):
        return lambda rng: qtbot.keyClick(window, name)

    def spin(box, value):
        return lambda rng: box.setValue(value(rng))

    def log_uniform(low, high):
        return lambda rng: 10 ** rng.uniform(np.log10(low), np.log10(high))

    def on_filters(rng):
        """A point over the filter grid (on a tile or in a gap): hovering probes that weight."""
        view = window.filters.graphics.viewport()
        return QPoint(rng.randrange(view.width()), rng.randrange(view.height()))

    def save(rng):
        window.sessions.save_to(str(folder / f"storm{rng.randrange(3)}.npz"))
        sessions_asked.append("save")

    def open_saved(rng):
        path = folder / f"storm{rng.randrange(3)}.npz"
        if path.exists():  # saves land on the worker's time
            window.sessions.open_from(str(path))
            sessions_asked.append("open")

    lr, decay = log_uniform(1e-6, 1000.0), log_uniform(1e-6, 1.0)
    return {
        "stroke": (4, stroke),
        "dot": (6, dot),
        "clear": (3, lambda rng: click(qtbot, clear_button(window))),
        "clear key": (1, key("C")),
        "pause": (6, lambda rng: click(qtbot, run.pause)),
        "space": (3, key(Qt.Key.Key_Space)),
        "step": (5, lambda rng: click(qtbot, run.step)),
        "step key": (2, key("S")),
        "reset": (4, lambda rng: click(qtbot, run.reset)),
        "reset key": (1, key("R")),
        "skip": (1, lambda rng: click(qtbot, window.skip)),
        "skip key": (1, key("F")),
        "lr": (4, spin(c.lr, lambda rng: rng.choice((1e-6, 1000.0, lr(rng), lr(rng))))),
        "optimizer": (2, lambda rng: c.optimizer.setCurrentIndex(rng.randrange(2))),
        "momentum": (2, spin(c.momentum, lambda rng: rng.choice((0.0, 0.99, rng.uniform(0, 0.99))))),
        "weight decay": (2, spin(c.weight_decay, lambda rng: rng.choice((0.0, 1.0, decay(rng))))),
        "filters": (4, spin(c.filters, lambda rng: rng.choice((1, 64, rng.randint(1, 64))))),
        "kernel": (4, spin(c.kernel, lambda rng: rng.choice((3, 28, rng.randint(3, 28))))),
        "sample": (3, spin(window.source.sample, lambda rng: rng.randrange(window.source.sample.maximum() + 1))),
        "digit key": (3, lambda rng: qtbot.keyClick(window, str(rng.randrange(10)))),
        "label": (1, spin(window.source.label, lambda rng: rng.randrange(10))),
        "gradient overlay": (2, lambda rng: click(qtbot, c.gradient)),
        "per-filter scale": (2, lambda rng: click(qtbot, c.per_filter)),
        "initial filters": (2, lambda rng: click(qtbot, c.initial)),
        "speed": (3, lambda rng: run.speed.setCurrentIndex(rng.randrange(run.speed.count()))),
        "save session": (1, save),
        "open session": (1, open_saved),
        "hover a filter": (2, lambda rng: mouse.move(window.filters.graphics.viewport(), on_filters(rng),
                                               Qt.MouseButton.NoButton)),
        "click a filter": (1, lambda rng: qtbot.mouseClick(window.filters.graphics.viewport(), LEFT,
                                                           pos=on_filters(rng))),
        "tab": (2, lambda rng: window.tabs.setCurrentIndex(rng.randrange(window.tabs.count()))),
        "timeline": (2, lambda rng: timeline.slider.setValue(rng.randint(0, timeline.slider.maximum()))),
        "live": (1, lambda rng: click(qtbot, timeline.live)),
    }


def click_storm(qtbot, window, wait_frame, mouse, folder, monkeypatch, qtlog, count: int, seed: int):
    recorder = Recorder(window, monkeypatch, qtlog)
    # torch imported, trainer built (the known stall of the start), and the views' first paints done
    wait_frame(window, lambda f: recorder.frames >= 10)
    sessions_asked = []
    actions = storm_actions(qtbot, window, mouse, folder, sessions_asked)
    names = list(actions)
    weights = [actions[name][0] for name in names]
    rng = random.Random(seed)
    done = dict.fromkeys(names, 0)
    heartbeat = Heartbeat(worker_thread_id(qtbot, window))
    heartbeat.start()
    for index in range(count):
        name = rng.choices(names, weights)[0]
        shape = f"{window.controls.filters.value()}x{window.controls.kernel.value()}"
        heartbeat.doing = f"action {index}: {name} ({shape})"
        actions[name][1](rng)
        done[name] += 1
        heartbeat.doing = f"events after action {index}: {name} ({shape})"
        if rng.random() < 0.1:
            qtbot.wait(rng.choice((1, 5, 20)))
        else:
            QApplication.processEvents()
    heartbeat.stop()
    waited = heartbeat.waited / heartbeat.elapsed
    print(f"\nclick storm: {count:,} actions in {heartbeat.elapsed / 1e3:.1f} s, {recorder.frames} frames, "
          f"GUI thread waited for a CPU {waited:.0%} of the time, longest stalls {heartbeat.stalls}")
    assert all(done.values()), done
    recorder.check()
    # how long the GUI thread stalls is `python -m bench`'s to measure (printed above for the curious): this
    # test checks what a user sees — no error, no broken frame, no dialog, and the window still obeys
    # once the commands have landed, the window and the engine agree on every setting
    qtbot.waitUntil(lambda: len(recorder.sessions_done) == len(sessions_asked), timeout=TIMEOUT)
    assert all(ok for ok, _ in recorder.sessions_done), recorder.sessions_done
    if not window.timeline.is_live:
        click(qtbot, window.timeline.live)
    make_sane(qtbot, window, wait_frame)
    frame = wait_in_step(window, wait_frame)
    assert window.filters.arrangement[:2] == frame.snapshot.filters.shape[:2]
    assert_one_step(qtbot, window, wait_frame)
    recorder.check()
    close_and_check(window)
    qtbot.wait(50)  # anything the worker handed over before it stopped runs now, on a closed window
    recorder.check()


def test_click_storm(qtbot, window, wait_frame, mouse, tmp_path, monkeypatch, qtlog, request):
    """400 random user actions (~2 s; 1,000 with --run-slow), every kind at least once: no error, no broken
    frame, no dialog, still responsive, clean close. The 10,000-action storm is test_click_storm_long."""
    count = 1_000 if request.config.getoption("--run-slow") else 400
    click_storm(qtbot, window, wait_frame, mouse, tmp_path, monkeypatch, qtlog, count, seed=4)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_click_storm_long(qtbot, window, wait_frame, mouse, tmp_path, monkeypatch, qtlog):
    click_storm(qtbot, window, wait_frame, mouse, tmp_path, monkeypatch, qtlog, 10_000, seed=2024)


# ------------------------------------------------------------------ rapid clicking
@pytest.mark.parametrize("running", [False, True], ids=["paused", "running"])
def test_fifty_fast_resets_end_on_the_last_seed_and_training_goes_on(qtbot, window, wait_frame, digit, running):
    from filterlab.engine.digit.trainer import Trainer
    wait_frame(window, lambda f: f.snapshot.step > 20)
    if not running:
        click(qtbot, window.run.pause)
        wait_frame(window, lambda f: not f.running)
    seeds = []
    for _ in range(50):  # no waits: the clicks queue up faster than the worker takes them
        click(qtbot, window.run.reset)
        seeds.append(shown_seed(window))
    assert len(set(seeds)) == 50
    last = seeds[-1]
    frame = wait_frame(window, lambda f: f.snapshot.config.seed == last)
    expected = Trainer(Config(filters=3, seed=last), *digit).initial
    np.testing.assert_array_equal(frame.snapshot.initial, expected)
    if not running:
        assert frame.snapshot.step == 0 and not frame.running
        np.testing.assert_array_equal(frame.snapshot.filters, expected)
        assert window.status_step.title().startswith("step 0 ")
        assert len(frame.snapshot.loss_steps) == 0
        qtbot.wait(150)
        assert window.worker.experiment.step_count == 0
        click(qtbot, window.run.pause)  # resume
    later = wait_frame(window, lambda f: f.running and f.snapshot.step > 100)
    assert later.snapshot.config.seed == last  # no reset arrived late
    assert window.worker.experiment.config.seed == last
    assert window.run.seed.text() == f"seed {last}"


def test_hammering_pause_step_and_resume_leaves_the_state_last_asked_for(qtbot, window, wait_frame):
    c = window.run
    wait_frame(window, lambda f: f.snapshot.step > 0)
    steps = []
    window.frame_drawn.connect(lambda f: steps.append(f.snapshot.step))
    rng = random.Random(7)
    actions = (lambda: click(qtbot, c.pause), lambda: qtbot.keyClick(window, Qt.Key.Key_Space),
               lambda: click(qtbot, c.step), lambda: qtbot.keyClick(window, "S"))
    for _ in range(400):
        rng.choice(actions)()
        if rng.random() < 0.2:
            QApplication.processEvents()
    paused = c.pause.isChecked()  # what the user's last click asked for: the worker's last command
    frame = wait_frame(window, lambda f: f.running != paused)
    qtbot.wait(300)
    assert window.frame.running == frame.running != paused
    assert c.pause.isChecked() == paused and c.pause.text() == ("Resume" if paused else "Pause")
    assert steps == sorted(steps)  # no step was ever undone
    assert_one_step(qtbot, window, wait_frame)


def test_filters_and_kernel_changed_twenty_times_fast_train_the_last_shape(qtbot, window, wait_frame):
    c = window.controls
    wait_frame(window, lambda f: f.snapshot.step > 0)
    rng = random.Random(11)
    for _ in range(20):
        c.filters.setValue(rng.randint(1, 64))
        c.kernel.setValue(rng.randint(3, 28))
    shape = (c.filters.value(), c.kernel.value())
    trained = wait_frame(window, lambda f: f.snapshot.filters.shape[:2] == shape and f.snapshot.step > 300
                         and f.snapshot.loss < 0.01, timeout=30_000)
    assert trained.snapshot.filters.shape == (*shape, shape[1])
    losses = trained.snapshot.loss_values  # the curve starts again with the model
    assert losses[0] > 0.5 and losses[-1] < 0.01  # from about chance (ln 10 = 2.3) to learned
    config = window.worker.experiment.config
    assert (config.filters, config.kernel) == shape
    assert window.filters.arrangement[:2] == shape and len(window.filters.labels) == shape[0]


def test_settings_changed_while_a_session_opens_stay_in_step_with_the_engine(qtbot, window, wait_frame, tmp_path,
                                                                              digit):
    """Opening reads the file on the worker; whatever the user changes meanwhile must not leave the
    controls showing one thing while the engine trains another."""
    from filterlab.engine.digit.trainer import Trainer
    saved = Trainer(Config(filters=4, kernel=5, optimizer="sgd", lr=0.05, momentum=0.5, seed=11), *digit)
    saved.step(30)
    save_session(saved, tmp_path / "s.npz")
    wait_frame(window, lambda f: f.snapshot.step > 0)
    with qtbot.waitSignal(window.sessions.done, timeout=TIMEOUT):
        window.sessions.open_from(str(tmp_path / "s.npz"))
        window.controls.lr.setValue(0.02)  # before the worker got to the file
        window.controls.kernel.setValue(7)
        qtbot.keyClick(window, "3")
    wait_in_step(window, wait_frame)
    qtbot.wait(200)  # and it stays so
    wait_in_step(window, wait_frame)


# ------------------------------------------------------------------------ closing
@pytest.mark.parametrize("busy", ["fast-forward", "training"])
def test_closing_mid_step_on_the_heaviest_model_takes_under_a_second(qtbot, window, wait_frame, busy):
    """64 filters of 3x3 is the slowest step; the worker must still see the stop within a chunk."""
    c = window.controls
    c.filters.setValue(64)
    c.kernel.setValue(3)
    wait_frame(window, lambda f: f.snapshot.filters.shape == (64, 3, 3) and f.snapshot.step > 50)
    if busy == "fast-forward":
        click(qtbot, window.run.pause)
        start = wait_frame(window, lambda f: not f.running).snapshot.step
        click(qtbot, window.skip)
        wait_frame(window, lambda f: f.snapshot.step > start + 200)
    close_and_check(window)


def test_pause_stops_a_fast_forward(qtbot, window, wait_frame):
    """+10,000 then Pause: the window says running meanwhile, and Pause stops it where it is."""
    c = window.run
    start = wait_frame(window, lambda f: f.snapshot.step > 0).snapshot.step
    click(qtbot, c.pause)
    wait_frame(window, lambda f: not f.running)
    c.speed.setCurrentIndex(c.speed.count() - 1)  # 1 step/s: whatever moves now is the fast-forward
    click(qtbot, window.skip)
    wait_frame(window, lambda f: f.running and f.snapshot.step > start + 100)
    assert not c.pause.isChecked() and c.pause.text() == "Pause"
    click(qtbot, c.pause)
    stopped = wait_frame(window, lambda f: not f.running).snapshot.step
    qtbot.wait(200)
    assert window.worker.experiment.step_count == stopped < start + 10_000
    assert c.pause.text() == "Resume"


def test_quitting_while_a_session_save_runs_waits_for_it_and_stops_cleanly(qtbot, window, wait_frame, tmp_path,
                                                                            qtlog):
    """The save started, the window closes: the file is complete, the thread joined, Qt said nothing."""
    from filterlab.engine.digit.session import read_session
    c = window.controls
    c.filters.setValue(64)  # a large record (64 filters: a record of tens of MB), so the save takes a while
    wait_frame(window, lambda f: f.snapshot.filters.shape[0] == 64 and f.snapshot.step > 1_000,
               timeout=60_000)
    path = tmp_path / "s.npz"
    window.sessions.save_to(str(path))
    qtbot.waitUntil(lambda: any(tmp_path.glob(".s.npz.*")), timeout=TIMEOUT)  # writing now
    close_and_check(window)
    qtbot.wait(50)
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]  # no temp file left behind
    session = read_session(path)
    assert session.config.filters == 64 and session.step > 1_000
    assert not any("Destroyed while thread" in record.message for record in qtlog.records)
    assert qt_warnings(qtlog) == []



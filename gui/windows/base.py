"""What every Filter Lab window is: a window over a training thread.

It sends commands (gui/worker/commands.py), draws the newest frame the worker leaves in the
mailbox, and joins the thread on close; it asks the experiment only named queries (`ask`,
gui/worker/queries.py), answered on the training thread between steps and received here, typed. The experiment is built
on the worker's thread, so the window is on screen ("loading PyTorch…") before torch loads.

Shared by all four windows: the run controls (Pause/Resume, Step, Reset, speed), their
keys, the timeline (every experiment keeps a record it can replay), the status bar, the draw
loop with its per-view rate caps, the bridge back, and the `context` its components are given
(gui/windows/context.py). Subclasses fill `self.views`, mount their components and lay them out.
"""
from __future__ import annotations

import gc
import random
import time
from typing import Any, Callable, Optional, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSizePolicy, QVBoxLayout, QWidget

from filterlab.gui.widgets.fields import wheel_only_when_focused
from filterlab.gui.widgets.run_controls import RunControls
from filterlab.gui.widgets.timeline_bar import TimelineBar
from filterlab.gui.widgets.title_label import TitleLabel
from filterlab.gui.windows.context import Jobs, WindowContext
from filterlab.gui.windows.draw_rates import DrawRates
from filterlab.gui.windows.keys import KeyRouter
from filterlab.gui.windows.presenter import Presenter, scrolling_body
from filterlab.gui.windows.replay import Replay
from filterlab.gui.worker.commands import Commands
from filterlab.gui.worker.loop import Frame
from filterlab.gui.worker.pace import LESSON, pace_for
from filterlab.gui.worker.queries import Query, SnapshotAt
from filterlab.gui.worker.thread import TrainingWorker, WorkerThread

STATUS_HZ = 10  # status bar text while training runs: each new text lays the status bar out again
FIRST_PAINT_MS = 300  # the training thread starts after the window's first paint, or this long after start()
T = TypeVar("T")


def status_label(text: str = "", stretch: bool = False) -> TitleLabel:
    """A status bar label: left-aligned, elided when short of room; its full text when there is room."""
    label = TitleLabel(text, bold=False)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if not stretch:
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return label


class ExperimentWindow(QMainWindow):
    frame_drawn = Signal(object)  # the Frame just drawn (tests and --screenshot wait on it)
    experiment_wanted = Signal(object)  # the spec of another experiment to open beside this window (gui/app.py)
    _gui_call = Signal(object)    # a function the worker thread hands over to run on this thread
    training_stopped = Signal(str)  # training could not start or stopped on an error (after on_stopped showed it)
    experiment_wanted = Signal(object)  # the spec of another experiment to open beside it (gui/app.py opens it)

    def __init__(self, factory: Callable[[], Any], *, running: bool = True, speed=LESSON, seed_text: str = "",
                 reset_tip: str = "", extra_buttons=()):
        """`speed`: LESSON (the time-lapse), or steps per second, 0 = as fast as possible."""
        super().__init__()
        self.frame: Optional[Frame] = None  # the newest frame drawn
        self.stopped_message: Optional[str] = None  # why training could not start or stopped, if it did
        self.shown = None                   # the snapshot the views show: the live one, or a recorded one
        self.views: tuple = ()
        self.draw_rates = DrawRates()  # which views draw each frame (per-view rate caps)
        self._status_at: tuple[float, object] = (0.0, None)  # when the status bar was last written, and what it said then (_status_key)
        self.commands = Commands()
        self.worker = TrainingWorker(factory, self.commands, running=running, pace=pace_for(speed))
        self.worker.frame_ready.connect(self._frame_waiting)
        self.worker.failed.connect(self.on_failed)
        self.worker.stopped.connect(self.on_stopped)
        self._thread = WorkerThread(self.worker, self.commands)
        self._gui_call.connect(self._run_gui_call)

        self.run = RunControls(seed_text, reset_tip, extra_buttons)
        self.run.set_paused(not running)
        self.run.show_speed(speed)
        self.run.pause_toggled.connect(self.commands.set_paused)
        self.run.step_clicked.connect(self.step_once)
        self.run.reset_clicked.connect(self.reset)
        self.run.speed_changed.connect(self.set_speed)
        self.timeline = TimelineBar()
        self.timeline.scrubbed.connect(self.show_recorded_step)
        self.timeline.went_live.connect(self.go_live)
        self._build_status_bar()
        self.body: Optional[QWidget] = None  # the views and controls (set_body)
        self.jobs = Jobs(self)
        self.context = WindowContext(
            parent=self, commands=self.commands, ask=self.ask, latest=lambda: self.frame, shown=lambda: self.shown,
            frame_drawn=self.frame_drawn, tell=self.statusBar().showMessage, add_keys=self.add_keys, run=self.run,
            timeline=self.timeline, jobs=self.jobs)
        self.replay = Replay(self.timeline, self.show_recorded_step, self)
        self._shortcuts: list[QShortcut] = []
        self.keys = KeyRouter(self)
        self.presenter = Presenter(self)
        self.control_panel: Optional[QWidget] = None  # the controls Hide controls hides (each window names its own)
        self._placed = False
        self.key_help: list[tuple[str, str]] = []  # (key, what it does), for Help > Keyboard shortcuts
        self.add_keys({"Space": self.run.pause.toggle, "S": self.step_once, "R": self.reset},
                      {"Space": "pause or resume training", "S": "pause and train exactly one step",
                       "R": "reset: back to step 0 from a new start"})

    def start(self) -> None:
        """Start training; call once the views, controls and menus exist."""
        self.presenter.build_menu()
        self.keys.watch()
        gc.collect()  # Qt garbage dies here, on the GUI thread, never on the worker's (gui/worker/loop.py)
        self._thread.start_after_events(FIRST_PAINT_MS)  # or sooner, after the first paint (paintEvent)

    def paintEvent(self, event) -> None:
        """The first paint starts the training thread once it is over. Its first work is PyTorch's import
        (gui/worker/preload.py), which holds the GIL for seconds: begun before the window was on screen,
        it made the first paint take a second instead of a tenth."""
        super().paintEvent(event)
        if not self._thread.thread.isRunning():
            self._thread.start_after_events()

    def showEvent(self, event) -> None:
        """The first time: open filling the screen it appears on (its available geometry).

        Not offscreen (tests, --screenshot without a display): there is no screen to fit,
        only Qt's 800x800 stand-in, and a picture should show the window at its own size.
        """
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            wheel_only_when_focused(self)  # every field of the window, built by now (a subclass's too)
            if QGuiApplication.platformName() != "offscreen":
                self.fit_to_screen(self.screen().availableGeometry())

    def fit_to_screen(self, screen) -> None:
        """The whole of `screen` (a QRect, the available geometry): the back row of a room sees the views as
        large as the screen allows (a 1500x900 window on a 1920x1080 screen left 120 px filters)."""
        frame = self.frameGeometry().size() - self.size()  # the title bar and borders, where known
        self.resize(screen.width() - max(0, frame.width()), screen.height() - max(0, frame.height()))
        self.move(screen.left() + (screen.width() - self.width()) // 2,
                  screen.top() + (screen.height() - self.height()) // 2)

    # ---------------------------------------------------------------- commands
    def step_once(self) -> None:
        self.run.set_paused(True)
        self.commands.step_once()

    def reset(self) -> None:
        """Back to step 0 from a new random start; the seed is shown so the start can be repeated."""
        seed = random.randrange(1, 2**31)
        self.run.show_seed(f"seed {seed}")
        self.commands.reset(seed)

    def set_speed(self, speed) -> None:
        """LESSON (the time-lapse), or steps per second; 0 means as fast as possible."""
        self.commands.set_pace(pace_for(speed))

    def add_keys(self, keys: dict[str, Callable[[], None]], help: dict[str, str]) -> None:
        """Shortcuts, with a line each for Help > Keyboard shortcuts (keys of one kind may share a line)."""
        self.key_help += list(help.items())
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    def ask(self, query: Query[T], then: Callable[[T], None],
            failed: Optional[Callable[[Exception], None]] = None) -> None:
        """Ask `query` of the experiment, answered on the training thread between steps; then(answer) here.

        An answer that raised goes to failed(error); without `failed`, it is reported here at once
        (on_stopped), and training goes on.
        """
        def reply(answer: Any, error: Optional[Exception]) -> None:  # on the training thread
            if error is None:
                self._gui_call.emit(lambda: then(answer))
            else:
                self._gui_call.emit(lambda: (failed or self._query_failed)(error))
        self.commands.ask(query, reply)

    def _query_failed(self, error: Exception) -> None:
        """Whatever it was, the user is told now, not left waiting."""
        self.on_stopped(f"that did not work: {type(error).__name__}: {error}")

    @Slot(object)
    def _run_gui_call(self, function: Callable[[], None]) -> None:
        """A window method is the receiver, so a call emitted on the worker thread is queued here."""
        function()

    # ------------------------------------------------------------------ frames
    def _frame_waiting(self) -> None:
        """Draw it on a 1 ms timer, not at once: what is already queued (input, timers) goes first.

        A window slower than the frame rate (64 filters, every view showing) would otherwise
        take frame after frame as the worker posts them, and Qt runs no timer until the
        posted events run dry: the event loop stood still for 100-200 ms at a time. Not a
        0 ms timer: Qt 6 turns that into one more posted event, which keeps the chain going.
        """
        QTimer.singleShot(1, self._on_frame_ready)

    def _on_frame_ready(self) -> None:
        frame = self.worker.mailbox.take()
        if frame is None:
            return
        self.frame = frame
        self.timeline.set_recorded(frame.snapshot.record_steps, self.edit_steps(frame.snapshot))
        if self.timeline.is_live:
            self.display(frame.snapshot, every_view=not frame.running)
        if frame.applied >= self.commands.sent:  # not older than the last click: its state is the state
            self.run.set_paused(not frame.running)
        if self._status_due(frame):
            self.status_rate.set_title(f"{frame.steps_per_second:,.0f} steps/s · {frame.pace}" if frame.running else "")
            self.update_status(frame)
        self.frame_drawn.emit(frame)

    def _status_due(self, frame: Frame) -> bool:
        """Every frame while paused, or when what the status bar says changes in kind (running, pace,
        a divergence, a blank digit); while training runs, the numbers STATUS_HZ times a second.

        A status text that changes makes Qt lay the status bar out and paint it again: at 60
        frames a second that was a fifth of the window's time, for numbers nobody reads at 60 Hz.
        """
        snap, now = frame.snapshot, time.perf_counter()
        key = (frame.running, frame.pace, snap.diverged, self.status_kind(snap), snap.historical)
        if frame.running and key == self._status_at[1] and now - self._status_at[0] < 1.0 / STATUS_HZ:
            return False
        self._status_at = (now, key)
        return True

    def edit_steps(self, snapshot) -> Any:
        """The steps the timeline marks as edits (a window whose experiment takes edits says which)."""
        return ()

    def status_kind(self, snapshot) -> object:
        """What, besides running, pace and a divergence, changes what the status bar says in kind."""
        return None

    def display(self, snapshot, every_view: bool) -> None:
        """Draw `snapshot` in the visible views; rate-capped ones only when due, or all (every_view)."""
        self.shown = snapshot
        self.draw_rates.draw(self.views, snapshot, every_view)

    def update_status(self, frame: Frame) -> None:
        """The status bar for this frame (subclasses say what their experiment has to say)."""
        snap = frame.snapshot
        self.status_step.set_title(f"step {snap.step:,}   {'running' if frame.running else 'paused'}")
        self.status_notice.set_title(snap.diverged or "")

    def show_controls(self, on: bool) -> None:
        """Show or hide the controls (View > Hide controls)."""
        if self.control_panel is not None:
            self.control_panel.setVisible(on)

    # ---------------------------------------------------------------- timeline
    def show_recorded_step(self, step: int, then: Optional[Callable[[Any], None]] = None,
                           note: str = "showing recorded step") -> None:
        """Every view shows the recorded step at or before `step` (training goes on); then(snapshot)."""
        def show(snap):
            if not self.timeline.is_live:
                self.display(snap, every_view=True)
                self.status_notice.set_title(f"{note} {snap.step:,}: press Live to return")
            if then is not None:
                then(snap)
        self.ask(SnapshotAt(step), show)

    def go_live(self) -> None:
        self.status_notice.set_title("")
        if self.frame is not None:
            self.display_in_turns(self.frame.snapshot)

    def display_in_turns(self, snapshot) -> None:
        """As display, the rate-capped views one per event-loop turn; a newer snapshot shown ends it."""
        self.shown = snapshot
        self.draw_rates.draw_in_turns(self.views, snapshot, lambda: self.shown is snapshot)

    # ------------------------------------------------------------------ others
    def set_body(self, body: QWidget) -> None:
        """The window's views and controls, with the timeline under them (keeping the window's width).

        The body stands in a scroll area that shows it whole at zoom 1; zoomed, it is larger than the
        window and scrolls (Presenter.scale_body)."""
        self.body, self.body_scroll = body, scrolling_body(body)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.body_scroll, 1)
        column.addWidget(self.timeline)
        self.setCentralWidget(central)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.body is not None and self.presenter.zoom > 1:
            QTimer.singleShot(0, lambda: self.presenter.scale_body(self.presenter.zoom))

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # elided labels: text that changes every frame never squeezes its neighbours out of shape
        self.status_step = status_label("loading PyTorch…")
        self.status_detail = status_label(stretch=True)   # what the experiment has to add
        self.status_notice = status_label(stretch=True)   # why training stopped, what is shown
        self.status_notice.setStyleSheet("color: #b03020")
        self.status_rate = status_label()
        bar.addWidget(self.status_step)
        bar.addWidget(self.status_detail, 1)
        bar.addWidget(self.status_notice, 1)
        bar.addPermanentWidget(self.status_rate)

    def on_failed(self, message: str) -> None:
        """A refused command: shown for a while, above the live status."""
        self.statusBar().showMessage(message, 10_000)

    def on_stopped(self, message: str) -> None:
        """Training could not start or stopped on an error: a message box now, and the status bar keeps it."""
        self.statusBar().showMessage(message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Filter Lab", message, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not exec(): the window (and --screenshot) carry on meanwhile
        self.stopped_message = message
        self.training_stopped.emit(message)

    def closeEvent(self, event) -> None:
        """Stop the worker and join its thread before the window goes."""
        if not self._thread.stop():
            self.statusBar().showMessage("training thread did not stop; waiting…")
            self._thread.thread.wait()
        self.jobs.join()  # an export under way is finished, not cut off
        super().closeEvent(event)

"""The Filter Lab window: the views around the training, and the hands on it.

It takes a trainer *factory* (not a trainer) so that the trainer — and torch with it — is
built on the worker thread after the window is already on screen, and so that tests can
hand it a tiny engine. The window never calls the trainer: it sends commands to the
worker and draws the newest frame the worker leaves in the mailbox.
"""
from __future__ import annotations

import random
from typing import Callable, Optional

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from filterlab.engine.core.config import Config
from filterlab.engine.data import DataError, bundled_index, load_bundled, load_image_file, to_mnist_style
from filterlab.engine.digit.session import SessionError

from filterlab.gui.widgets.canvas import DrawingCanvas
from filterlab.gui.widgets.controls import SKIP_STEPS, ControlPanel
from filterlab.gui.views.digit_view import DigitView
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.loss_plot import LossPlot
from filterlab.gui.views.prediction_bars import PredictionBars
from filterlab.gui.views.decomposition import DecompositionView
from filterlab.gui.windows.exports import Exporter
from filterlab.gui.views.probe_plot import ProbePlot
from filterlab.gui.views.similarity_plot import SimilarityPlot
from filterlab.gui.widgets.timeline_bar import TimelineBar
from filterlab.gui.windows.base import TrainingWindow
from filterlab.gui.worker import Frame

SESSION_FILES = "Filter Lab sessions (*.npz);;All files (*)"


class MainWindow(TrainingWindow):
    session_done = Signal(bool, str)  # a session save or open finished: (succeeded, message)
    export_done = Signal(bool, str)  # an export finished: (succeeded, path)
    _gui_call = Signal(object)  # a function the worker thread hands over to run on the GUI thread

    def __init__(self, trainer_factory: Callable[[], object], config: Config = Config(),
                 digit: Optional[tuple[np.ndarray, int]] = None, running: bool = True,
                 set_name: Optional[str] = None):
        super().__init__(trainer_factory, running=running)
        self.setWindowTitle("Filter Lab — watch the filters learn")
        self._gui_call.connect(self._run_gui_call)

        self.canvas = DrawingCanvas()
        self.canvas.changed.connect(self._on_drawn)
        self.label = QSpinBox()
        self.label.setRange(0, 9)
        self.label.setPrefix("label ")
        self.label.setKeyboardTracking(False)
        self.label.setToolTip("The class the network is trained to answer (or press a digit key)")
        self.label.valueChanged.connect(lambda _: self._send_image())
        clear = QPushButton("Clear")
        clear.setToolTip("Empty the canvas (C)")
        clear.clicked.connect(self.canvas.clear)
        self.sample = QSpinBox()
        self.sample.setRange(0, len(load_bundled()[1]) - 1)
        self.sample.setPrefix("sample #")
        self.sample.setKeyboardTracking(False)
        self.sample.setToolTip("Load one of the 1,000 bundled MNIST digits (100 per class, sorted by class)")
        self.sample.valueChanged.connect(self.load_sample)
        open_image = QPushButton("Open image…")
        open_image.setToolTip("Train on a PNG/JPEG of a digit (it is centred like MNIST)")
        open_image.clicked.connect(self.open_image)
        self._open_image, self._clear = open_image, clear

        self.controls = ControlPanel(config)
        self.filters = FilterGrid("filters", "filters now")
        self.initial = FilterGrid("initial", "filters at step 0")
        self.loss = LossPlot()
        self.bars = PredictionBars()
        self.digit = DigitView()
        self.similarity = SimilarityPlot()
        self.maps = FilterGrid("z", "feature maps: each filter's response at every position of the digit")
        self.decomposition = DecompositionView()
        self.probe = ProbePlot()
        self.timeline = TimelineBar()
        self.exporter = Exporter(self)
        self.views = (self.filters, self.initial, self.loss, self.bars, self.digit, self.similarity,
                      self.decomposition, self.maps)
        self._shown = None  # the snapshot the views show: the live one, or a scrubbed one
        self.timeline.scrubbed.connect(self.show_recorded_step)
        self.timeline.went_live.connect(self._go_live)
        self.filters.clicked.connect(self.decomposition.select)
        self.filters.hovered.connect(self._probe_weight)
        self._wire_controls()
        self._build_layout(clear, open_image)
        self._build_menu()
        self._build_status_bar()
        self._build_shortcuts()

        self._image = None
        if digit is not None:
            self._show_on_canvas(*digit)
        self.set_name = set_name
        if set_name is not None:
            self._enter_set_mode(set_name)
        self.start()

    # ------------------------------------------------------------------ layout
    def _build_layout(self, clear, open_image) -> None:
        draw_row = QHBoxLayout()
        draw_row.addWidget(clear)
        draw_row.addWidget(self.label)
        sample_row = QHBoxLayout()
        sample_row.addWidget(self.sample)
        sample_row.addWidget(open_image)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>draw a digit</b> (left: ink, right: erase)"))
        left.addWidget(self.canvas, 1)
        left.addLayout(draw_row)
        left.addLayout(sample_row)
        left.addWidget(self.controls)
        left_panel = QWidget()
        left_panel.setLayout(left)
        left_panel.setMaximumWidth(340)

        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.filters)
        middle.addWidget(self.initial)
        middle.setSizes([600, 300])

        now = QWidget()
        now_layout = QHBoxLayout(now)
        now_layout.setContentsMargins(0, 0, 0, 0)
        now_layout.addWidget(self.bars, 3)
        now_layout.addWidget(self.digit, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(now, "prediction · digit")
        self.tabs.addTab(self.decomposition, "one step, taken apart")
        self.tabs.addTab(self.probe, "weight under the mouse")
        self.tabs.addTab(self.maps, "feature maps")
        self.tabs.currentChanged.connect(lambda _: self._draw_current_tab())

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.loss)
        right.addWidget(self.similarity)
        right.addWidget(self.tabs)
        right.setSizes([260, 260, 340])

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left_panel)
        split.addWidget(middle)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([340, 600, 560])
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(split, 1)
        column.addWidget(self.timeline)
        self.setCentralWidget(central)
        self.resize(1500, 900)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("Open image…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.open_image)
        open_session = QAction("Open session…", self)
        open_session.triggered.connect(self.open_session)
        save_session = QAction("Save session…", self)
        save_session.setShortcut(QKeySequence.StandardKey.Save)
        save_session.triggered.connect(self.save_session)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        file_menu.addAction(open_session)
        file_menu.addAction(save_session)
        file_menu.addSeparator()
        for text, slot in (("Export filters as GIF…", self.exporter.gif),
                           ("Export filter grid as PNG…", self.exporter.png),
                           ("Export history (.npz)…", self.exporter.history)):
            action = QAction(text, self)
            action.triggered.connect(slot)
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_step = QLabel("loading PyTorch…")
        self.status_rate = QLabel("")
        self.status_device = QLabel("")
        self.status_notice = QLabel("")
        self.status_notice.setStyleSheet("color: #b03020; font-weight: bold")
        bar.addWidget(self.status_step)
        bar.addWidget(self.status_notice, 1)
        bar.addPermanentWidget(self.status_rate)
        bar.addPermanentWidget(self.status_device)

    def _build_shortcuts(self) -> None:
        keys = {"Space": self.controls.pause.toggle, "S": self.worker_step, "R": self.reset,
                "C": self.canvas.clear, "F": self.controls.skip.click}
        for digit in range(10):
            keys[str(digit)] = lambda d=digit: self.label.setValue(d)
        self._shortcuts = []
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    def _wire_controls(self) -> None:
        c = self.controls
        c.pause_toggled.connect(lambda paused: self.worker.pause() if paused else self.worker.resume())
        c.step_clicked.connect(self.worker_step)
        c.reset_clicked.connect(self.reset)
        c.skip_clicked.connect(lambda: self.worker.skip(SKIP_STEPS))
        c.paint_start_clicked.connect(self.start_from_drawing)
        c.speed_changed.connect(self.worker.set_speed)
        c.hparams_changed.connect(lambda changes: self.worker.set_hparams(**changes))
        c.shape_changed.connect(lambda changes: self.worker.set_hparams(**changes))
        c.per_filter_scale_toggled.connect(self.filters.set_per_filter_scale)
        c.per_filter_scale_toggled.connect(self.initial.set_per_filter_scale)
        c.gradient_overlay_toggled.connect(self.filters.set_show_gradient)
        c.gradient_overlay_toggled.connect(self.digit.set_show_gradient)
        c.initial_toggled.connect(self._show_initial)

    def _enter_set_mode(self, name: str) -> None:
        """Training on a set: the digit comes from the minibatches, not from the canvas."""
        self.setWindowTitle(f"Filter Lab — {name}")
        for widget in (self.canvas, self._clear, self.label, self.sample, self._open_image,
                       self.controls.paint_start):
            widget.setEnabled(False)
            widget.setToolTip("Training on a set of digits: each step takes the next minibatch")
        self.filters.caption = ("each step adds the minibatch's digits, each × its own dL/dz: "
                                "the filters keep what the set's classes share")
        # the similarity curves measure against one digit; with a set the grid's labels use
        # each filter's class mean instead, so the curves would contradict them
        self.similarity.setVisible(False)

    def _show_initial(self, on: bool) -> None:
        self.initial.setVisible(on)
        if on and self.frame is not None:
            self.initial.update(self.frame.snapshot)

    # ---------------------------------------------------------------- commands
    def worker_step(self) -> None:
        self.controls.set_paused(True)
        self.worker.step_once()

    def reset(self) -> None:
        seed = random.randrange(1, 2**31)
        self.controls.show_seed(seed)
        self.worker.reset(seed)

    def start_from_drawing(self) -> None:
        """Every filter starts as the canvas digit, scaled to PyTorch's initial weight size."""
        if self._image is None or self.frame is None:
            return
        config = self.frame.snapshot.config
        k = config.kernel
        painted = np.asarray(Image.fromarray(self._image).resize((k, k), Image.Resampling.BOX))
        painted = painted - painted.mean()
        top = float(np.abs(painted).max()) or 1.0
        filters = np.repeat((painted / top / k)[None], config.filters, axis=0).astype(np.float32)
        self.worker.call(lambda trainer: trainer.set_initial_filters(filters))

    def load_sample(self, index: int) -> None:
        image, label = bundled_index(index)
        self._show_on_canvas(image, label)
        self._send_image()

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a digit image", "",
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff);;All files (*)")
        if path:
            self.load_image_path(path)

    def load_image_path(self, path: str) -> bool:
        """Train on an image file; a bad file is reported and changes nothing."""
        try:
            image = load_image_file(path)
        except DataError as error:
            QMessageBox.warning(self, "Cannot use this image", str(error))
            return False
        self._show_on_canvas(image, self.label.value())
        self._send_image()
        return True

    # ---------------------------------------------------------------- sessions
    def save_session(self) -> None:
        path = self._ask_session_path(save=True)
        if path:
            self.save_session_to(path)

    def open_session(self) -> None:
        path = self._ask_session_path(save=False)
        if path:
            self.open_session_from(path)

    def _ask_session_path(self, save: bool) -> str:
        """The file picked in a session dialog, '' if cancelled; a bare name gets .npz."""
        dialog = QFileDialog(self, "Save the session" if save else "Open a session", "", SESSION_FILES)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
        dialog.setDefaultSuffix("npz")  # here, unlike after getSaveFileName, Qt asks before overwriting
        return dialog.selectedFiles()[0] if dialog.exec() else ""

    def save_session_to(self, path: str) -> None:
        """Save on the worker thread, between two steps, so the file is one consistent moment.

        A failed write (read-only folder, full disk) is reported; training goes on either way.
        """
        def save(trainer) -> None:
            try:
                trainer.save_session(path)
            except OSError as error:
                message = f"Could not write {path}: {error.strerror or error}"
                self._gui_call.emit(lambda: self._session_failed("Cannot save the session", message))
                return
            message = f"saved step {trainer.step_count:,} to {path}"
            self._gui_call.emit(lambda: self._session_succeeded(message))
        self.worker.call(save)

    def open_session_from(self, path: str) -> None:
        """Read and check the file on the worker thread; only a good one replaces the training.

        A bad file is reported and changes nothing. A good one is handed back here, and this
        thread shows its settings and sends the swap in one go: whatever the user changed
        while the file was read lands before the swap, never after it unseen. The worker
        publishes a frame after every command, so the views show the opened session by themselves.
        """
        def load(trainer) -> None:
            try:
                loaded = trainer.load_session(path)
            except SessionError as error:
                message = str(error)
                self._gui_call.emit(lambda: self._session_failed("Cannot open this session", message))
                return
            config, image, label = loaded.config, loaded.image, loaded.label
            message = f"opened step {loaded.step_count:,} of {path}"
            self._gui_call.emit(lambda: self._session_opened(loaded, config, image, label, message))
        self.worker.call(load)

    def _session_opened(self, loaded, config: Config, image: np.ndarray, label: int, message: str) -> None:
        self.controls.set_config(config)
        self._show_on_canvas(image, label)
        self.worker.call(lambda trainer: trainer.become(loaded))
        self._session_succeeded(message)

    def _session_succeeded(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)
        self.session_done.emit(True, message)

    def _session_failed(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)
        self.session_done.emit(False, message)

    @Slot(object)
    def _run_gui_call(self, function: Callable[[], None]) -> None:
        """A window method is the receiver, so a call emitted on the worker thread is queued here."""
        function()

    def _show_on_canvas(self, image: np.ndarray, label: int) -> None:
        """Put a ready MNIST-style digit on the canvas as the training image, silently."""
        images = load_bundled()[0]
        match = np.flatnonzero((images == image).all(axis=(1, 2)))
        if len(match):
            self.sample.blockSignals(True)
            self.sample.setValue(int(match[0]))
            self.sample.blockSignals(False)
        self.canvas.blockSignals(True)
        self.canvas.set_ink(image)
        self.canvas.blockSignals(False)
        self.label.blockSignals(True)
        self.label.setValue(label)
        self.label.blockSignals(False)
        self._image = np.asarray(image, dtype=np.float32)

    def _on_drawn(self, ink: np.ndarray) -> None:
        self._image = to_mnist_style(ink)
        self._send_image()

    def _send_image(self) -> None:
        if self._image is not None:
            self.worker.set_image(self._image, self.label.value())

    # ------------------------------------------------------------------ frames
    def draw_frame(self, frame: Frame) -> None:
        snap = frame.snapshot
        self.timeline.set_recorded(snap.cosine_steps)
        if self.timeline.is_live:
            self._draw(snap, every_view=not frame.running)
        self.controls.set_paused(not frame.running)
        epochs = getattr(snap, "epochs", None)
        scores = (f"   epoch {snap.epoch:.1f}, test accuracy {epochs[-1]['test_accuracy']:.1%}"
                  if epochs else "   epoch 0: no test score yet" if epochs is not None else "")
        self.status_step.setText(f"step {snap.step:,}   loss {snap.loss:.4g}{scores}   "
                                 f"{'running' if frame.running else 'paused'}")
        self.status_rate.setText(f"{frame.steps_per_second:,.0f} steps/s" if frame.running else "")
        self.status_device.setText(f"device: {snap.device}")
        if snap.diverged:
            self.status_notice.setText(snap.diverged)
        elif snap.blank_image:
            self.status_notice.setText("blank image: the gradient of every filter is exactly 0, "
                                       "nothing can be learned — draw something")
        else:
            self.status_notice.setText("")

    def _draw(self, snap, every_view: bool) -> None:
        """Draw `snap` in the visible views; throttled ones only when due (or every_view)."""
        self._shown = snap
        for view in self.views:
            if view.isVisible() and (every_view or self.due(view, self.frame)):
                view.update(snap)

    def _draw_current_tab(self) -> None:
        """The tab just shown catches up; the views outside it are up to date (all of them: ~120 ms at 64 filters)."""
        page = self.tabs.currentWidget()
        if self._shown is not None and page is not None:
            for view in self.views:
                if view is page or page.isAncestorOf(view):
                    view.update(self._shown)

    # ---------------------------------------------------------------- timeline
    def ask_worker(self, query: Callable[[object], object], then: Callable[[object], None]) -> None:
        """Run query(trainer) on the worker thread between steps; then(result) on this thread."""
        def run(trainer):
            result = query(trainer)
            self._gui_call.emit(lambda: then(result))
        self.worker.call(run)

    def show_recorded_step(self, step: int) -> None:
        """Every view shows the recorded step at or before `step` (training goes on)."""
        from filterlab.engine.digit.replay import snapshot_at

        def show(snap):
            if not self.timeline.is_live:
                self._draw(snap, every_view=True)
                self.status_notice.setText(f"showing recorded step {snap.step:,}: press Live to return")
        self.ask_worker(lambda trainer: snapshot_at(trainer, step), show)

    def _go_live(self) -> None:
        self.status_notice.setText("")
        if self.frame is not None:
            self._draw(self.frame.snapshot, every_view=True)

    def _probe_weight(self, where) -> None:
        """Hovering a filter pixel: that weight over the recorded steps, and its latest gradient."""
        if where is None or self._shown is None:
            return
        f, row, col = where
        count = self._shown.filters.shape[0]
        gradient = float(self._shown.grads[f, row, col])

        def series(trainer):
            history = trainer.filter_history
            if f >= trainer.config.filters or max(row, col) >= trainer.config.kernel:
                return None  # the shape changed since that frame was drawn
            return np.array(history.steps), np.array([frame[f, row, col] for frame in history.frames])

        def show(result):
            if result is not None:
                self.probe.show_series(where, count, *result, gradient)
        self.ask_worker(series, show)

"""What the digit window and the set window share: one small network learning its filters, shown.

A NetworkWindow is an ExperimentWindow (gui/windows/base.py) with the knobs (gui/widgets/controls.py)
in a side column, the filters now and at step 0, the loss, the prediction and the digit, the
feature maps, the weight probe (probe.py) and the exports (exports.py), laid out in three columns
with tabs under the curves, and a status bar that says the loss and what acts on the filters.
Everything here is used by both windows; what only one of them has it mounts itself
(gui/windows/digit.py, gui/windows/digitset.py).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QTabWidget, QWidget

from filterlab.engine.core.config import Config
from filterlab.engine.core.explain import mechanism_note
from filterlab.engine.core.metrics import loss_text
from filterlab.gui.views.digit_view import DigitView
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.loss_plot import LossPlot
from filterlab.gui.views.prediction_bars import PredictionBars
from filterlab.gui.views.probe_plot import ProbePlot
from filterlab.gui.widgets.controls import ControlPanel
from filterlab.gui.widgets.wrapping import SideColumn
from filterlab.gui.windows.base import ExperimentWindow, status_label
from filterlab.gui.windows.exports import Exporter
from filterlab.gui.windows.raw_pixels import pixels_status
from filterlab.gui.windows.probe import WeightProbe
from filterlab.gui.windows.side_column import SideColumnLayout

SKIP_STEPS = 10_000
MenuItem = Optional[tuple[str, Callable[[], Any], Any]]  # (text, slot, key or None); None: a separator


class NetworkWindow(SideColumnLayout, ExperimentWindow):
    def __init__(self, factory: Callable[[], Any], config: Config, *, running: bool, speed, reset_tip: str,
                 many_digits: bool = False):
        self.side: Optional[SideColumn] = None  # the controls' column (lay_out)
        self.skip = QPushButton(f"+{SKIP_STEPS:,}")
        self.skip.setToolTip(f"Fast-forward {SKIP_STEPS:,} steps as fast as possible (F); Pause stops it")
        super().__init__(factory, running=running, speed=speed, seed_text=f"seed {config.seed}",
                         reset_tip=reset_tip, extra_buttons=(self.skip,))
        self.controls = ControlPanel(config, self.run, many_digits=many_digits)
        self.filters = FilterGrid("filters", "filters now")
        self.initial = FilterGrid("initial", "filters at step 0")
        self.loss = LossPlot()
        self.bars = PredictionBars()
        self.digit = DigitView()
        self.maps = FilterGrid("z", "feature maps: each filter's response at every position of the digit")
        self.probe = ProbePlot()
        self.probe_control = WeightProbe(self.context, self.filters, self.probe)
        self.exporter = Exporter(self.context)
        self.menu_actions: dict[str, QAction] = {}  # each menu action by its text (tests trigger them)
        self._wire_controls()
        self.add_keys({"F": self.skip.click}, {"F": f"fast-forward {SKIP_STEPS:,} steps (Pause or Step stops it)"})

    def _wire_controls(self) -> None:
        c, commands = self.controls, self.commands
        self.skip.clicked.connect(lambda: commands.skip(SKIP_STEPS))
        c.hparams_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.shape_changed.connect(lambda changes: commands.set_hparams(**changes))
        c.per_filter_scale_toggled.connect(self.filters.set_per_filter_scale)
        c.per_filter_scale_toggled.connect(self.initial.set_per_filter_scale)
        c.gradient_overlay_toggled.connect(self.filters.set_show_gradient)
        c.gradient_overlay_toggled.connect(self.digit.set_show_gradient)
        c.initial_toggled.connect(lambda on: self._show_grid(self.initial, on))

    @staticmethod
    def select_together(grids: Sequence[FilterGrid], other) -> None:
        """A filter clicked on a grid is the one `other` (a one-step view) takes apart, and the other way."""
        for grid in grids:
            grid.clicked.connect(other.select)
            other.selected.connect(grid.select)
            grid.select(0)

    # ------------------------------------------------------------------ layout
    def lay_out(self, side: Sequence[tuple[QWidget, int]], middle: Sequence[QWidget], curves: QWidget,
                tab_pages: Sequence[tuple[QWidget, str, str]]) -> None:
        """The side column (`side`: (widget, stretch) over the controls), the middle column (`middle`: the
        filters first), and the loss, `curves` and the tabs (`tab_pages`: page, name, tooltip) on the right."""
        self.control_panel = panel = self._scrolling_panel(side)
        self.middle = QSplitter(Qt.Orientation.Vertical)
        for widget in middle:
            self.middle.addWidget(widget)
        self.middle.setSizes([600, 400, 300] if len(middle) == 3 else [600, 300])
        self.tabs = QTabWidget()
        self.tabs.setUsesScrollButtons(False)
        self.tabs.tabBar().setElideMode(Qt.TextElideMode.ElideRight)
        for page, name, tip in tab_pages:
            self.tabs.setTabToolTip(self.tabs.addTab(page, name), tip)
        self.tabs.currentChanged.connect(lambda _: self._draw_current_tab())
        right = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.loss, curves, self.tabs):
            right.addWidget(widget)
        right.setSizes([260, 260, 340])
        self.side = SideColumn(panel)  # the lesson joins the controls there (gui/lesson/states.py)
        self.split = split = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.side, self.middle, right):
            split.addWidget(widget)
        for splitter in (split, self.middle, right):
            splitter.setChildrenCollapsible(False)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 1)
        split.setSizes([300, 560, 640])
        self.set_body(split)
        self.status_device = status_label()
        self.statusBar().addPermanentWidget(self.status_device)
        self.resize(1500, 900)

    def prediction_page(self) -> QWidget:
        """The prediction bars beside the digit the network sees: the first tab."""
        now = QWidget()
        now_layout = QHBoxLayout(now)
        now_layout.setContentsMargins(0, 0, 0, 0)
        now_layout.addWidget(self.bars, 3)
        now_layout.addWidget(self.digit, 2)
        return now

    def file_menu(self, items: Sequence[MenuItem]) -> None:
        """File > the items, each action kept in `menu_actions` by its text."""
        menu = self.menuBar().addMenu("&File")
        for item in items:
            if item is None:
                menu.addSeparator()
                continue
            text, slot, key = item
            action = QAction(text, self)
            if key is not None:
                action.setShortcut(key)
            action.triggered.connect(slot)
            menu.addAction(action)
            self.menu_actions[text] = action

    def export_items(self) -> list[MenuItem]:
        """File menu: the exports (exports.py), then Quit."""
        exporter = self.exporter
        return [("Export filters forming (GIF, MP4)…", exporter.gif, None),
                ("Export filters as picture (PNG, PDF, SVG)…", exporter.png, None),
                ("Save window as PNG…", exporter.window_png, None),
                ("Export size…", exporter.choose_width, None),
                ("Export history (.npz)…", exporter.history, None),
                ("Export as Python script…", exporter.script, None),
                ("Export as notebook…", exporter.notebook, None), None,
                ("Quit", self.close, QKeySequence.StandardKey.Quit)]

    def _show_grid(self, grid: FilterGrid, on: bool) -> None:
        """Show or hide a grid of filters (drawn at once when shown)."""
        grid.setVisible(on)
        if on and self.shown is not None:
            grid.draw(self.shown)

    def _draw_current_tab(self) -> None:
        """The tab just shown catches up; the views outside it are up to date."""
        page = self.tabs.currentWidget()
        if self.shown is not None and page is not None:
            for view in self.views:
                if view is page or page.isAncestorOf(view):
                    view.draw(self.shown)

    # ------------------------------------------------------------------ status
    def edit_steps(self, snapshot) -> Any:
        return snapshot.edit_steps

    def status_kind(self, snapshot) -> object:
        return snapshot.blank_image

    def update_status(self, frame) -> None:
        snap = frame.snapshot
        self.status_step.set_title(f"step {snap.step:,}   loss {loss_text(snap.loss)}{self.scores(snap)}   "
                                   f"{'running' if frame.running else 'paused'}")
        self.status_device.set_title(f"device: {snap.device} · {pixels_status(snap.config)}")
        if snap.diverged:
            self.status_notice.set_title(snap.diverged)
        elif snap.blank_image:
            self.status_notice.set_title("blank image: the gradient of every filter is exactly 0, "
                                         "nothing can be learned — draw something")
        elif self.timeline.is_live:
            self.status_notice.set_title(self.live_note(snap))

    def live_note(self, snap) -> str:
        """What the status bar says acts on the filters now (training live)."""
        return mechanism_note(snap)

    def scores(self, snap) -> str:
        """What the status bar adds after the loss (a set run: its test accuracy)."""
        return ""

"""The digit window's side column and the share of room between its columns.

The side column (gui/widgets/wrapping.py's SideColumn) holds the controls, and the lesson when it is
open (gui/lesson/states.py): the controls as wide as what they show, the lesson in their place. Of
the room beside it, the filters come first (share_room): on a 1024x768 projector the lesson's steps
keep filter tiles of at least 96 px. A mixin of the windows of one network (gui/windows/network.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from filterlab.gui.widgets.controls import ControlPanel
    from filterlab.gui.widgets.wrapping import SideColumn

    _Window = QWidget  # a mixin of windows: checked as the widget it ends up in
else:
    _Window = object

MIDDLE_SHARE = 0.63  # of the width beside the side column, the filters' column's (the lesson, Hide controls)
FILTERS_SHARE, FILTERS_SHARE_OF_TWO = 0.6, 0.7  # of that column's height, the filters' (with two others, one)


class SideColumnLayout(_Window):
    # what the window makes (gui/windows/network.py), for the methods below
    controls: ControlPanel
    control_panel: QWidget | None  # the scrolling panel (_scrolling_panel)
    side: SideColumn | None
    split: QSplitter
    middle: QSplitter

    def _scrolling_panel(self, side: Sequence[tuple[QWidget, int]]) -> QScrollArea:
        """What the window puts over its knobs (the digit's sources; a set run's test digit), (widget, stretch)
        each, and the knobs, in one column that scrolls on a small screen."""
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.setContentsMargins(4, 4, 4, 4)
        for widget, stretch in side:
            column.addWidget(widget, stretch)
        column.addWidget(self.controls)
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self._fit_scrolling_panel(scroll)
        return scroll

    @staticmethod
    def _fit_scrolling_panel(scroll) -> None:
        """As wide as what it shows needs (no wider than 40 px more): the views have the rest."""
        panel = scroll.widget()
        panel.layout().activate()
        width = panel.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4
        scroll.setMinimumWidth(width)
        scroll.setMaximumWidth(width + 40)

    def fit_side_column(self) -> None:
        """The side column after the lesson or the controls came or went: the controls as wide as what they
        show; the splitters' room to the views (the filters first)."""
        self._fit_scrolling_panel(self.control_panel)
        QTimer.singleShot(0, self.share_room)

    def share_room(self) -> None:
        """Lesson or not, the filters come first: of the room beside the side column the middle column gets
        MIDDLE_SHARE, and in it the filters FILTERS_SHARE of the height (more with one grid under them); of
        the grids under them, one the lesson frames gets twice the others' share."""
        column = self.side
        assert column is not None  # the window is laid out before its room is shared
        widths = self.split.sizes()
        side = widths[0] if not column.isVisible() else column.minimumSizeHint().width()
        rest = sum(widths) - (side if column.isVisible() else 0)
        middle = round(rest * MIDDLE_SHARE)
        self.split.setSizes([side if column.isVisible() else 0, middle, rest - middle])
        framed = self.framed()
        grids = [grid for i in range(1, self.middle.count()) if (grid := self.middle.widget(i)) is not None]
        weights = [(2 if grid in framed else 1) * grid.isVisibleTo(self) for grid in grids]
        height = sum(self.middle.sizes())
        first = height if not any(weights) else \
            round(height * (FILTERS_SHARE if sum(w > 0 for w in weights) > 1 else FILTERS_SHARE_OF_TWO))
        self.middle.setSizes([first] + [(height - first) * w // (sum(weights) or 1) for w in weights])

    def framed(self) -> list:
        """The views a lesson's spotlight frames (none: a window without a lesson)."""
        return []

    def changeEvent(self, event) -> None:
        """Presenter zoom: the side column as wide as its larger text needs."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.side is not None:
            QTimer.singleShot(0, self.fit_side_column)

    def show_controls(self, on: bool) -> None:
        """View > Hide controls: all the controls (under the lesson, when it is open), or none."""
        self.controls.setVisible(True)
        assert self.control_panel is not None  # made with the window's layout
        self.control_panel.setVisible(on)
        self.fit_side_column()


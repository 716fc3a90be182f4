"""Presenter mode, for a projector at the front of a room: full screen, larger text, no controls.

View > Full screen (F11), Zoom in / out / actual size (Ctrl+=, Ctrl+-, Ctrl+0) and Hide
controls (Ctrl+H). Zoom scales the application's font, which every widget and every
pyqtgraph axis and label follows (the filter grid lays out its labels again on the
change), so at zoom 2 the text is about 24 px high: readable from the back of a room.
The views grow with the text (Presenter.scale_body): larger text in the same room
would leave the pictures smaller; where the screen ends, the view area scrolls.
"""
from __future__ import annotations

import weakref
from typing import Any, Optional, Protocol, Sequence

import pyqtgraph as pg
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenuBar, QScrollArea, QStatusBar, QWidget

from filterlab.engine.core.colours import DEFAULT_PALETTE
from filterlab.gui.views.axes import fit_axis_width
from filterlab.gui.views.style import palette_name, use_palette

SAFE = "colour-blind safe"

ZOOMS = (0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


_PRESENTERS: "weakref.WeakSet[Presenter]" = weakref.WeakSet()  # one a window: zoom and colours are the room's


def every_presenter() -> list["Presenter"]:
    """The presenters of the windows open now (a projector shows them all)."""
    windows = set(QApplication.topLevelWidgets())
    return [presenter for presenter in list(_PRESENTERS) if presenter.window in windows]


class PresentedWindow(Protocol):
    """What the presenter works of its window (gui/windows/base.py's ExperimentWindow)."""

    @property
    def views(self) -> Sequence[Any]: ...  # SnapshotViews (gui/views/base.py): each can recolour
    @property
    def body(self) -> Optional[QWidget]: ...
    @property
    def body_scroll(self) -> QScrollArea: ...
    @property
    def control_panel(self) -> Optional[QWidget]: ...
    @property
    def key_help(self) -> list[tuple[str, str]]: ...
    def window(self) -> QWidget: ...  # itself, as the widget its actions belong to
    def show_controls(self, on: bool) -> None: ...
    def menuBar(self) -> QMenuBar: ...
    def statusBar(self) -> QStatusBar: ...
    def isFullScreen(self) -> bool: ...
    def showNormal(self) -> None: ...
    def showFullScreen(self) -> None: ...
    def findChildren(self, kind: Any) -> list: ...


class Presenter:
    """View > Full screen, zoom, Hide controls and colours, of `window`."""

    def __init__(self, window: PresentedWindow):
        self.window = window
        self.base_size = QApplication.font().pointSizeF()
        self.zoom = 1.0
        self.actions: dict[str, QAction] = {}
        _PRESENTERS.add(self)

    def build_menu(self) -> None:
        """The View menu, placed before Help."""
        menu = self.window.menuBar().addMenu("&View")
        items = (("Full screen", self.toggle_full_screen, "F11", True),
                 ("Zoom in", lambda: self.step_zoom(+1), "Ctrl+=", False),
                 ("Zoom out", lambda: self.step_zoom(-1), "Ctrl+-", False),
                 ("Actual size", lambda: self.set_zoom(1.0), "Ctrl+0", False),
                 ("Hide controls", self.toggle_controls, "Ctrl+H", True),
                 ("Colour-blind safe colours", self.toggle_palette, "", True))
        for text, slot, key, checkable in items:
            action = QAction(text, self.window.window())
            if key:
                action.setShortcut(QKeySequence(key))
            action.setCheckable(checkable)
            action.triggered.connect(lambda _=False, slot=slot: slot())
            menu.addAction(action)
            self.actions[text] = action
        bar = self.window.menuBar()
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_menu is not None:
            bar.removeAction(menu.menuAction())
            bar.insertAction(help_menu, menu.menuAction())
        self.window.key_help.extend([("F11", "full screen"), ("Ctrl+= / Ctrl+- / Ctrl+0", "larger, smaller, actual text"),
                                 ("Ctrl+H", "hide or show the controls")])

    def toggle_full_screen(self) -> None:
        window = self.window
        window.showNormal() if window.isFullScreen() else window.showFullScreen()
        self.actions["Full screen"].setChecked(window.isFullScreen())

    def toggle_controls(self) -> None:
        panel = self.window.control_panel
        if panel is not None:
            self.window.show_controls(panel.isHidden())
            self.actions["Hide controls"].setChecked(panel.isHidden())

    def toggle_palette(self) -> None:
        """The filters' and runs' colours from a palette that stays distinct under colour blindness (or back)."""
        safe = palette_name() != SAFE
        use_palette(SAFE if safe else DEFAULT_PALETTE)
        for presenter in every_presenter():
            for view in presenter.window.views:
                view.recolour()
            presenter.actions["Colour-blind safe colours"].setChecked(safe)

    def scale_body(self, zoom: float) -> None:
        """The window's views `zoom` times the room it has for them (zoom 1: just that room)."""
        window = self.window
        if window.body is None:
            return
        if zoom <= 1:
            window.body.setMinimumSize(0, 0)
            return
        room = window.body_scroll.size()
        window.body.setMinimumSize(round(room.width() * zoom), round(room.height() * zoom))

    def step_zoom(self, direction: int) -> None:
        nearest = min(range(len(ZOOMS)), key=lambda i: abs(ZOOMS[i] - self.zoom))
        self.set_zoom(ZOOMS[max(0, min(len(ZOOMS) - 1, nearest + direction))])

    def set_zoom(self, zoom: float) -> None:
        """Scale the application's text, and every window's views with it (it is one projector): at zoom z
        the views take z times the room the window has for them, and scroll where the screen ends."""
        self.zoom = zoom
        font = QApplication.font()
        font.setPointSizeF(self.base_size * zoom)
        QApplication.setFont(font)
        for presenter in every_presenter():
            presenter.zoom = zoom
            presenter.scale_body(zoom)
            for view in presenter.window.findChildren(pg.GraphicsView):
                items = view.scene().items()
                colour_bar_axes = [item.axis for item in items if isinstance(item, pg.ColorBarItem)]
                for item in items:
                    if isinstance(item, pg.AxisItem):  # its label was made in the font of its day
                        item.label.setFont(font)
                        if item in colour_bar_axes:  # a colour bar's: as wide as its numbers
                            fit_axis_width(item)
                        item.setStyle()  # laid out again for the new size of text
        self.window.statusBar().showMessage(f"text and views at {zoom:.0%}", 2000)


def scrolling_body(body) -> QScrollArea:
    """A window's views in a scroll area that shows them whole at zoom 1 and scrolls them zoomed."""
    scroll = QScrollArea()
    scroll.setWidget(body)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll

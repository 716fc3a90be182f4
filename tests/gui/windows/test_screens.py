"""Any screen: every window at 1024x768 and 1280x720 keeps every control readable, nothing
overlapping, the timeline and the status bar inside it, and the filters at least 64 px."""
import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QLabel, QSlider, QTabBar

from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import Config
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.spec import SetSpec
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.gui.widgets.title_label import TitleLabel
from filterlab.gui.windows.comparison import ComparisonWindow
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.windows.digitset import SetWindow
from filterlab.gui.windows.lab1d import Lab1DWindow

SCREENS = ((1024, 768), (1280, 720))
WINDOWS = {
    "digit": lambda digit: DigitWindow(DigitSpec(Config(), *digit), speed=0),
    "set": lambda digit: SetWindow(SetSpec(Config(filters=16), bundled_set(tuple(range(10)))), speed=0),
    "comparison": lambda digit: ComparisonWindow(ComparisonSpec(
        tuple((f"seed={s}", Config(seed=s)) for s in (1, 2, 3, 4)), *digit), speed=0),
    "lab1d": lambda digit: Lab1DWindow(Lab1DSpec(), speed=0),
}
CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QSlider, QTabBar)


def visible_rect(widget) -> QRect:
    """The part of `widget` on screen, in global coordinates (a scrolled-away control has none)."""
    region = widget.visibleRegion().boundingRect()
    return QRect(widget.mapToGlobal(region.topLeft()), region.size()) if not region.isEmpty() else QRect()


def problems(window) -> list[str]:
    found = []
    controls = [w for kind in CONTROLS for w in window.findChildren(kind) if w.isVisible() and not visible_rect(w).isEmpty()
                and w.window() is window]
    for w in controls:
        hint = w.minimumSizeHint()
        wrapped = isinstance(w, QLabel) and (w.wordWrap() or isinstance(w, TitleLabel))
        if not wrapped and (w.width() < hint.width() - 1 or w.height() < hint.height() - 1):
            found.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r} squeezed to "
                         f"{w.width()}x{w.height()} < {hint.width()}x{hint.height()}")
    for i, a in enumerate(controls):
        for b in controls[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            if visible_rect(a).intersected(visible_rect(b)).width() > 2 and \
                    visible_rect(a).intersected(visible_rect(b)).height() > 2:
                found.append(f"{type(a).__name__} overlaps {type(b).__name__}")
    inside = QRect(window.mapToGlobal(window.rect().topLeft()), window.size())
    for part in (window.timeline, window.statusBar(), window.menuBar()):
        if not inside.contains(QRect(part.mapToGlobal(part.rect().topLeft()), part.size())):
            found.append(f"{type(part).__name__} is not inside the window")
    return found


def tile_pixels(grid) -> float:
    """On-screen size of one filter tile of a FilterGrid (its view keeps the aspect: x scale = y scale)."""
    k = grid.arrangement[1]
    return k * grid.view.width() / grid.view.viewRect().width()


@pytest.mark.parametrize("kind", WINDOWS)
def test_every_window_fits_a_small_screen(qtbot, digit, kind):
    """One window of each kind, resized to each screen in turn, as a person moves it from one to the other."""
    window = WINDOWS[kind](digit)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    for size in SCREENS:
        window.resize(*size)
        qtbot.wait(200)
        assert (window.width(), window.height()) == size  # it can be this small
        assert problems(window) == [], size
        if kind == "digit":
            assert tile_pixels(window.filters) >= 64, size
            assert not window.tabs.tabBar().usesScrollButtons(), size
    window.close()


@pytest.mark.parametrize("kind", WINDOWS)
def test_every_window_opens_inside_the_screen_it_appears_on(qtbot, digit, kind):
    window = WINDOWS[kind](digit)
    qtbot.addWidget(window)
    assert window.width() > 1024 or window.height() > 768  # what it asks for, on a large screen
    screen = QRect(0, 30, 1024, 738)  # a 1024x768 projector with a 30 px panel at the top
    window.fit_to_screen(screen)
    assert screen.contains(window.frameGeometry().translated(0, 0)) or screen.contains(window.geometry())
    assert window.width() <= 1024 and window.height() <= 738
    window.close()


def test_presenter_mode_fills_the_screen_with_the_views_and_makes_text_large(qtbot, digit):
    window = WINDOWS["digit"](digit)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    before = tile_pixels(window.filters)
    window.presenter.actions["Hide controls"].trigger()
    qtbot.wait(200)
    assert not window.control_panel.isVisible() and tile_pixels(window.filters) > before
    try:
        window.presenter.set_zoom(2.0)
        qtbot.wait(200)
        assert QFontMetrics(QApplication.font()).height() >= 20
        assert QFontMetrics(window.run.pause.font()).height() >= 20
        assert QFontMetrics(window.filters.labels[0].font()).height() >= 20
        assert QFontMetrics(window.filters.title.font()).height() >= 20
    finally:
        window.presenter.set_zoom(1.0)
    window.presenter.actions["Hide controls"].trigger()
    assert window.control_panel.isVisibleTo(window)
    window.close()

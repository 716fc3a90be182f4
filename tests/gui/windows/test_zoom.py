"""Presenter zoom scales up, never down: text and views grow together (the view area scrolls where the screen
ends), tick labels never meet, the colour bar keeps its numbers, the timeline keeps its width."""
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from .test_screens import WINDOWS, tile_pixels

ZOOMS = (1.0, 1.5, 2.5)


def settle(qtbot, window):
    for _ in range(3):
        QApplication.processEvents()
    window.display(window.frame.snapshot, every_view=True)
    QApplication.processEvents()


def drawn_labels(axis) -> list[tuple[QRectF, str]]:
    """The tick labels the axis draws now, where it draws them (pyqtgraph's own layout of them)."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(QApplication.font())
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in (specs[2] if specs else [])]


def overlapping(labels) -> list[str]:
    return [f"{a[1]!r} meets {b[1]!r}" for i, a in enumerate(labels) for b in labels[i + 1:]
            if a[0].intersects(b[0])]


@pytest.fixture
def zoomed(qtbot, digit):
    window = WINDOWS["digit"](digit)
    qtbot.addWidget(window)
    window.show()
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.snapshot.step > 2000, timeout=60_000)
    qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.frame.running, timeout=10_000)
    window.presenter.actions["Hide controls"].trigger()
    yield window
    window.presenter.set_zoom(1.0)
    window.close()


def test_zoom_enlarges_text_and_views_together_and_nothing_collides(qtbot, zoomed):
    window, tiles = zoomed, []
    for zoom in ZOOMS:
        window.presenter.set_zoom(zoom)
        settle(qtbot, window)
        qtbot.waitUntil(lambda: window.body.width() >= window.body_scroll.width() * zoom - 2, timeout=5_000)
        settle(qtbot, window)
        tiles.append(tile_pixels(window.filters))
        axes = [window.loss.plot.getAxis("bottom"), window.loss.plot.getAxis("left"),
                window.similarity.plot.getAxis("bottom"), window.filters.colorbar.axis]
        for axis in axes:
            labels = drawn_labels(axis)
            assert overlapping(labels) == [], (zoom, axis.orientation)
        assert len(drawn_labels(window.filters.colorbar.axis)) >= 3, zoom  # the colour bar keeps its numbers
        assert len(drawn_labels(window.loss.plot.getAxis("bottom"))) >= 2, zoom
        assert window.timeline.slider.width() >= 0.4 * window.width(), zoom  # the timeline keeps its width
        assert window.width() == 1024  # the window stays on the screen; the views scroll inside it
    assert tiles[0] < tiles[1] < tiles[2] and tiles[2] > 2 * tiles[0]  # the filters grow with the text
    window.presenter.set_zoom(1.0)
    settle(qtbot, window)
    assert window.body.minimumWidth() == 0 and not window.body_scroll.horizontalScrollBar().isVisible()


@pytest.mark.parametrize("kind", WINDOWS)
def test_for_the_back_row_a_window_fills_the_screen_and_its_axes_read_dark(qtbot, digit, kind):
    import pyqtgraph as pg
    from PySide6.QtCore import QRect

    window = WINDOWS[kind](digit)
    qtbot.addWidget(window)
    screen = QRect(0, 30, 1920, 1050)  # a 1920x1080 screen with a 30 px panel
    window.fit_to_screen(screen)
    assert (window.width(), window.height()) == (1920, 1050) and screen.contains(window.geometry())
    axes = [item for view in window.findChildren(pg.GraphicsView) for item in view.scene().items()
            if isinstance(item, pg.AxisItem)]
    assert axes and all(axis.textPen().color().lightness() < 60 for axis in axes)
    window.close()

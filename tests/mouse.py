"""Real mouse strokes on a DrawingCanvas, for tests (pyqtgraph's own drag handling runs).

Positions are image pixel centres mapped to viewport coordinates. Moves are spaced
15 ms apart: pyqtgraph drops mouse moves closer together than 1 / mouseRateLimit.
"""
from PySide6 import QtCore, QtGui, QtWidgets

LEFT = QtCore.Qt.MouseButton.LeftButton
RIGHT = QtCore.Qt.MouseButton.RightButton
MOVE_GAP_MS = 15


def at(w, col, row):
    """Viewport position of the centre of image pixel (row, col)."""
    scene = w.image.mapToScene(QtCore.QPointF(col + 0.5, row + 0.5))
    return w.view.mapFromScene(scene)


def move(viewport, pos, buttons):
    """A mouse move with `buttons` held, sent straight to the viewport."""
    event = QtGui.QMouseEvent(
        QtCore.QEvent.Type.MouseMove, QtCore.QPointF(pos), QtCore.QPointF(viewport.mapToGlobal(pos)),
        QtCore.Qt.MouseButton.NoButton, buttons, QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(viewport, event)


def drag(qtbot, w, button, start, end, steps=16):
    """Press at pixel `start` (col, row), move in `steps` even steps to `end`, release."""
    viewport = w.view.viewport()
    qtbot.mousePress(viewport, button, pos=at(w, *start))
    for i in range(1, steps + 1):
        qtbot.wait(MOVE_GAP_MS)
        col = start[0] + (end[0] - start[0]) * i / steps
        row = start[1] + (end[1] - start[1]) * i / steps
        move(viewport, at(w, col, row), button)
    qtbot.mouseRelease(viewport, button, pos=at(w, *end))

"""The canvas on which the learner draws the digit the network trains on.

Filter Lab's point is that every filter update is the training image itself, so the learner
should be able to make that image and watch the filters copy it. The brush imitates MNIST's
pen (a ~2 px core with soft grey edges), because a hard-edged 1 px scribble looks nothing like
the digits the rest of the app shows. This widget only holds and shows the raw 28x28 ink; the
receiver of `changed` decides what to train on (and centres it the way MNIST was made).
"""
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from filterlab.engine.core.painting import stroke_footprint

SIZE = 28
DRAW_SIGMA = 0.9   # px: with the 1.6 gain this saturates a ~2 px core, like an MNIST pen stroke
ERASE_SIGMA = 1.5  # px: the eraser is wider than the pen, so one pass removes a stroke
BLANK_BELOW = 0.05  # ink fainter than this everywhere counts as an empty canvas

_LEFT = QtCore.Qt.MouseButton.LeftButton
_RIGHT = QtCore.Qt.MouseButton.RightButton

TOOLTIP = ("Draw with the left button, erase with the right. "
           "The drawing is centred like MNIST and becomes the training digit.")


class _InkItem(pg.ImageItem):
    """An ImageItem that turns pyqtgraph's mouse drags and clicks into brush segments.

    on_segment(p0, p1, erase) is called with item (= pixel) coordinates; on_stroke_end() after
    a drag is released or a click lands.
    """

    def __init__(self, on_segment, on_stroke_end):
        super().__init__(axisOrder="row-major")
        self._on_segment = on_segment
        self._on_stroke_end = on_stroke_end

    def hoverEvent(self, ev):
        # Claim both buttons before a press, so the ViewBox underneath never sees them.
        if not ev.isExit():
            for button in (_LEFT, _RIGHT):
                ev.acceptDrags(button)
                ev.acceptClicks(button)

    def mouseDragEvent(self, ev):
        if ev.button() not in (_LEFT, _RIGHT):
            ev.ignore()
            return
        ev.accept()
        # lastPos() is the press position on the first event of a drag, so nothing is skipped.
        self._on_segment(_xy(ev.lastPos()), _xy(ev.pos()), ev.button() == _RIGHT)
        if ev.isFinish():
            self._on_stroke_end()

    def mouseClickEvent(self, ev):
        if ev.button() not in (_LEFT, _RIGHT):
            ev.ignore()
            return
        ev.accept()
        point = _xy(ev.pos())
        self._on_segment(point, point, ev.button() == _RIGHT)
        self._on_stroke_end()


def _xy(point):
    return float(point.x()), float(point.y())


class DrawingCanvas(QtWidgets.QWidget):
    """A 28x28 ink canvas: left button draws, right button erases.

    `changed(ink)` fires with a copy of the 28x28 float32 array after every mouse event that
    altered it and after clear()/set_ink(); `stroke_finished(ink)` fires when a drag or a
    click ends.
    """

    changed = QtCore.Signal(object)
    stroke_finished = QtCore.Signal(object)
    edited = QtCore.Signal(object, object)  # (ink before, ink after) of a stroke or a clear: what undo takes back

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ink = np.zeros((SIZE, SIZE), np.float32)
        self._before = None  # the ink when the stroke under way began

        self.view = pg.GraphicsView(background="k")
        self.viewbox = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.viewbox.setMouseEnabled(False, False)
        self.view.setCentralItem(self.viewbox)

        self.image = _InkItem(self._stroke, self._stroke_end)
        self.viewbox.addItem(self.image)
        frame = QtWidgets.QGraphicsRectItem(0, 0, SIZE, SIZE)
        pen = QtGui.QPen(QtGui.QColor(255, 255, 255, 70))
        pen.setCosmetic(True)  # one screen pixel wide at any zoom
        frame.setPen(pen)
        frame.setZValue(self.image.zValue() + 1)
        self.viewbox.addItem(frame)
        self.viewbox.setRange(QtCore.QRectF(0, 0, SIZE, SIZE), padding=0.05)

        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.setMinimumSize(180, 180)
        self.setToolTip(TOOLTIP)
        self.viewbox.setToolTip(TOOLTIP)  # the graphics view answers tooltips from its items
        self._show()

    def ink(self) -> np.ndarray:
        """A copy of the raw 28x28 ink, float32 in [0, 1], row 0 at the top."""
        return self._ink.copy()

    def set_ink(self, array) -> None:
        """Show a 28x28 image (e.g. an MNIST sample in [0, 1]) as the current drawing."""
        array = np.asarray(array, dtype=np.float32)
        if array.shape != (SIZE, SIZE):
            raise ValueError(f"expected a {SIZE}x{SIZE} image, got shape {array.shape}")
        self._ink = np.clip(np.nan_to_num(array), 0.0, 1.0)
        self._show()
        self.changed.emit(self.ink())

    def clear(self) -> None:
        before = self.ink()
        self._ink[:] = 0.0
        self._show()
        self.changed.emit(self.ink())
        if before.any():
            self.edited.emit(before, self.ink())

    def is_blank(self) -> bool:
        return not bool((self._ink >= BLANK_BELOW).any())

    def _stroke(self, p0, p1, erase):
        footprint = stroke_footprint(p0, p1, ERASE_SIGMA if erase else DRAW_SIGMA)
        if footprint is None:
            return
        window, stamp = footprint
        old = self._ink[window]
        new = np.minimum(old, 1.0 - stamp) if erase else np.maximum(old, stamp)
        if np.array_equal(new, old):
            return
        if self._before is None:
            self._before = self.ink()
        self._ink[window] = new
        self._show()
        self.changed.emit(self.ink())

    def _stroke_end(self):
        self.stroke_finished.emit(self.ink())
        before, self._before = self._before, None
        if before is not None:
            self.edited.emit(before, self.ink())

    def _show(self):
        self.image.setImage(self._ink, autoLevels=False, levels=(0.0, 1.0))

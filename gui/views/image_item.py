"""An image item that hands Qt the one pixel format it draws fast: 32-bit (A)RGB.

pyqtgraph turns a one-channel image with a colour map into an 8-bit indexed QImage, and
Qt converts an indexed image to 32 bits again on every paint, before scaling it to the
screen: for the 64-filter grid that was 1.8 ms a frame, at 60 frames a second, against
0.3 ms for the same picture as RGB32. So a mono float image with levels and a lookup
table is looked up here, in numpy, straight into packed 32-bit pixels (premultiplied
when the table has alpha, as the gradient overlay's has). Anything else (NaNs, colour
images, no levels) is left to pyqtgraph, and so is everything but the picture itself.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage


def packed_table(lut: np.ndarray) -> tuple[np.ndarray, bool]:
    """(N,3) or (N,4) uint8 RGB(A) -> ((N,) uint32 pixels in QImage's (A)RGB32 order, has alpha)."""
    lut = np.asarray(lut, dtype=np.uint8)
    alpha = lut.shape[1] == 4 and bool((lut[:, 3] < 255).any())
    a = lut[:, 3].astype(np.uint32) if alpha else np.full(len(lut), 255, np.uint32)
    rgb = lut[:, :3].astype(np.uint32)
    if alpha:  # premultiplied, as Format_ARGB32_Premultiplied wants it
        rgb = (rgb * a[:, None] + 127) // 255
    return (a << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2], alpha


def looked_up(image: np.ndarray, levels, table: np.ndarray) -> np.ndarray:
    """pyqtgraph's mapping of values to table entries (rescaleData, then clip and truncate), as pixels."""
    low, high = float(levels[0]), float(levels[1])
    scaled = np.subtract(image, low, dtype=np.float32)
    scaled *= len(table) / ((high - low) or 1.0)
    np.clip(scaled, 0, len(table) - 1, out=scaled)
    return table.take(scaled.astype(np.uint8 if len(table) <= 256 else np.intp))


class FastImageItem(pg.ImageItem):
    """pg.ImageItem, with mono images that have levels and a lookup table drawn as 32-bit pixels.

    Only public API: the pixels are made in paint() (a QGraphicsItem's own drawing hook) from
    `image`, `levels` and `lut`, once per setImage (which pyqtgraph's setLevels and
    setLookupTable go through too), and drawn as pyqtgraph's paint would draw its own QImage.
    Everything else, and the render() that save() and exporters of a lone item use, stays pyqtgraph's.
    """

    _table: tuple[np.ndarray | None, np.ndarray | None, bool] = (None, None, False)  # (the lut it was packed from, packed, has alpha)
    _frame = None  # the QImage made for the current image, levels and table; None: make it at the next paint

    def setImage(self, *args, **kwargs):
        self._frame = None
        super().setImage(*args, **kwargs)

    def frame(self) -> QImage | None:
        """The 32-bit QImage paint() draws, or None where pyqtgraph draws the image its own way."""
        if self._frame is None:
            self._frame = self._packed()
        return self._frame if isinstance(self._frame, QImage) else None

    def _packed(self) -> QImage | bool:
        image, lut, levels = self.image, self.lut, self.levels
        plain = (isinstance(image, np.ndarray) and image.ndim == 2 and image.size and image.dtype.kind == "f"
                 and isinstance(lut, np.ndarray) and lut.ndim == 2 and lut.shape[1] in (3, 4)
                 and levels is not None and np.ndim(levels) == 1 and not self.autoDownsample
                 and self.axisOrder == "row-major")
        if not plain or not np.isfinite(image).all():
            return False  # pyqtgraph's own
        if self._table[0] is not lut:
            self._table = (lut, *packed_table(lut))
        _, table, alpha = self._table
        assert table is not None  # packed from this lut just above, or before
        self._pixels = np.ascontiguousarray(looked_up(image, levels, table))  # QImage reads this memory
        height, width = self._pixels.shape
        fmt = QImage.Format.Format_ARGB32_Premultiplied if alpha else QImage.Format.Format_RGB32
        return QImage(self._pixels.data, width, height, width * 4, fmt)

    def paint(self, painter, *args) -> None:
        frame = self.frame()
        if frame is None:
            super().paint(painter, *args)
            return
        if self.paintMode is not None:  # as pyqtgraph's paint: setCompositionMode, setBorder
            painter.setCompositionMode(self.paintMode)
        painter.drawImage(QRectF(0, 0, frame.width(), frame.height()), frame)
        if self.border is not None:
            painter.setPen(self.border)
            painter.drawRect(self.boundingRect())

"""The filters as pictures: where the learning shows.

All filters are tiled into ONE image, outlined by one static path, and pushed with a
single `setImage(..., autoLevels=False, levels=...)` per frame. One image item instead
of 64 keeps 64 filters nearly as cheap to draw as 5.

Colours are honest about sign: a diverging map centred on 0, with a colorbar. One shared
scale compares filters with each other; a per-filter scale shows each one's shape even
when their sizes differ. Under each filter: its cosine similarity to the digit.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QFont, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsSimpleTextItem, QVBoxLayout

from filterlab.engine.core.colours import DIVERGING_COLORS
from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import DIVERGING, add_image_box, filter_color

GAP = 0.25       # gap between tiles, as a fraction of the kernel size
LABEL = 0.32     # room under each tile for its cosine, as a fraction of the kernel size
MAX_COLUMNS = 8


def nice_limit(value: float) -> float:
    """Round a colour limit up to two significant digits.

    The colorbar's axis is redrawn only when its range changes; weights that grow a
    little every step would otherwise make it re-render every frame.
    """
    if not np.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** (math.floor(math.log10(value)) - 1)
    return math.ceil(value / scale) * scale


def grid_columns(count: int, width: float, height: float) -> int:
    """How many columns make the tiles largest in a width x height area."""
    def tile_size(columns: int) -> float:
        rows = math.ceil(count / columns)
        return min(width / (columns * (1 + GAP)), height / (rows * (1 + GAP + LABEL)))
    return max(range(1, min(count, MAX_COLUMNS * 2) + 1), key=tile_size)


class FilterGrid(SnapshotView):
    """Filters (or the initial filters) of a snapshot, with an optional |gradient| overlay."""

    hovered = Signal(object)   # (filter, row, col) under the mouse, or None
    clicked = Signal(int)      # a filter was clicked

    def __init__(self, source: str = "filters", title: str = "filters", explain: bool = True, parent=None):
        super().__init__(parent)
        self.source = source
        self._quantity = "response z" if source == "z" else "weight"
        self.per_filter_scale = False
        self.show_gradient = False
        self._geometry = None
        self._labels: list[QGraphicsSimpleTextItem] = []
        self._label_texts: list[str] = []
        self._last: Snapshot | None = None
        self._drawn_key = None  # what the image shows now, to skip redrawing the same
        self._drawn_filters = self._drawn_grads = None

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self._title = title
        self._explain = explain  # add the one-line "why" to the title
        self.caption = ""  # a window's own one-line "why", instead of the default one
        self.title = self.graphics.addLabel(title, row=0, col=0, colspan=2, color="k")
        self.view, self.image, self.overlay = add_image_box(self.graphics, DIVERGING)
        self.view.setBackgroundColor(DIVERGING_COLORS[2])  # the colour of weight 0
        self._outlines = QGraphicsPathItem()
        pen = QPen(QColor(150, 150, 150))
        pen.setCosmetic(True)
        self._outlines.setPen(pen)
        self.view.addItem(self._outlines)
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False,
                                        width=14, colorMapMenu=False, label=self._quantity)
        self.colorbar.setImageItem(self.image)
        self.graphics.addItem(self.colorbar, row=1, col=1)

        self._hovered = None
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.setToolTip("Each square is one filter (blue = negative weight, red = positive). "
                        "The number under it is its cosine similarity to the digit.")

    # ------------------------------------------------------------ options
    def set_per_filter_scale(self, on: bool) -> None:
        self.per_filter_scale = on
        self._redraw()

    def set_show_gradient(self, on: bool) -> None:
        self.show_gradient = on
        self.overlay.setVisible(on)
        self._redraw()

    def _redraw(self) -> None:
        if self._last is not None:
            self.draw(self._last)

    # ------------------------------------------------------------ drawing
    def draw(self, snapshot: Snapshot) -> None:
        """Push what changed; an unchanged grid (the initial filters, a paused run) costs nothing."""
        self._last = snapshot
        filters = getattr(snapshot, self.source)
        grads = snapshot.grads if self.show_gradient and self.source == "filters" else None
        count, k, _ = filters.shape
        columns = grid_columns(count, self.graphics.width() - 60, self.graphics.height() - 20)
        key = (count, k, columns, self.per_filter_scale, self.show_gradient)
        if (key == self._drawn_key and np.array_equal(filters, self._drawn_filters)
                and (grads is None or np.array_equal(grads, self._drawn_grads))):
            return
        if self._geometry != (count, k, columns):
            self._layout(count, k, columns)
        if self.per_filter_scale:
            limits = np.abs(filters).reshape(count, -1).max(axis=1)
            shown = filters / np.where(limits > 0, limits, 1.0)[:, None, None]
            limit = 1.0
        else:
            limit = nice_limit(float(np.abs(filters).max()))
            shown = filters
        if key[3] != (self._drawn_key or (None,) * 4)[3]:
            quantity = self._quantity
            self.colorbar.setLabel("left", f"{quantity} / own max" if self.per_filter_scale else quantity)
        self.image.setImage(self._tile(shown), autoLevels=False, levels=(-limit, limit))
        if self.colorbar.levels() != (-limit, limit):
            self.colorbar.setLevels((-limit, limit))
        if grads is not None:
            magnitude = np.abs(grads)
            self.overlay.setImage(self._tile(magnitude), autoLevels=False,
                                  levels=(0.0, float(magnitude.max()) or 1.0))
        for index, (item, text) in enumerate(zip(self._labels, self._label_values(snapshot, count))):
            if text != self._label_texts[index]:
                self._label_texts[index] = text
                item.setText(text)
                item.setTransform(QTransform.fromTranslate(-item.boundingRect().width() / 2, 1))
        self._drawn_key, self._drawn_filters, self._drawn_grads = key, filters, grads

    def _label_values(self, snapshot: Snapshot, count: int) -> list[str]:
        """Under a filter: its cosine to the digit; under a feature map: its filter's number."""
        if self.source == "z":
            return [f"{i + 1}" for i in range(count)]
        cosines = snapshot.cosine if self.source == "filters" else snapshot.initial_cosine
        prefix = "cos " if count <= 16 else ""
        return [f"{prefix}{value:+.2f}" for value in cosines]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._redraw()

    def _layout(self, count: int, k: int, columns: int) -> None:
        """Work out where each tile goes; rebuild labels when the arrangement changes."""
        rows = math.ceil(count / columns)
        gap = max(1, round(k * GAP))
        label = max(2, round(k * LABEL))
        self._pitch = (k + gap + label, k + gap)
        height = rows * self._pitch[0] - gap
        width = columns * self._pitch[1] - gap
        self._canvas = np.zeros((height, width), dtype=np.float32)  # gaps read as weight 0
        self._slots = [((i // columns) * self._pitch[0], (i % columns) * self._pitch[1])
                       for i in range(count)]
        outlines = QPainterPath()
        for top, left in self._slots:
            outlines.addRect(QRectF(left, top, k, k))
        self._outlines.setPath(outlines)
        for item in self._labels:
            self.view.removeItem(item)
        font = QFont()
        font.setPointSize(9 if count <= 16 else 7)
        self._labels = []
        for index, (top, left) in enumerate(self._slots):
            # Plain Qt text items paint in C++; pyqtgraph's TextItem would run Python per
            # label per frame, which 64 labels at 60 Hz make costly.
            item = QGraphicsSimpleTextItem()
            item.setFont(font)
            item.setBrush(filter_color(index, count))  # the same colour as its similarity curve
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setPos(left + k / 2, top + k)
            self.view.addItem(item)
            self._labels.append(item)
        self._label_texts = [""] * count
        self._geometry = (count, k, columns)
        if self.caption:
            self.title.setText(f"{self._title} — {self.caption}")
        elif self.source == "filters" and self._explain:
            why = ("each step adds the digit × dL/dz, one number per filter: they become ±digit"
                   if k == 28 else "each step adds image patches weighted by dL/d(output map)")
            self.title.setText(f"{self._title} — {why}")
        self._k = k
        self.view.setRange(xRange=(0, width), yRange=(0, height), padding=0.02)

    def _tile(self, stack: np.ndarray) -> np.ndarray:
        """(F,k,k) -> one image with all tiles in place (a fresh array: ImageItem keeps it)."""
        canvas = self._canvas.copy()
        k = self._k
        for (top, left), tile in zip(self._slots, stack):
            canvas[top:top + k, left:left + k] = tile
        return canvas

    def _under(self, scene_pos):
        point = self.view.mapSceneToView(scene_pos)
        return self.tile_at(point.x(), point.y())

    def _on_mouse_moved(self, scene_pos) -> None:
        where = self._under(scene_pos)
        if where != self._hovered:
            self._hovered = where
            self.hovered.emit(where)

    def _on_mouse_clicked(self, event) -> None:
        where = self._under(event.scenePos())
        if where is not None:
            self.clicked.emit(where[0])

    def tile_at(self, x: float, y: float):
        """(filter index, row, col) under image coordinates (x, y), or None in a gap."""
        if self._geometry is None:
            return None
        k = self._k
        for index, (top, left) in enumerate(self._slots):
            if left <= x < left + k and top <= y < top + k:
                return index, int(y - top), int(x - left)
        return None

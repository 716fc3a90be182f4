"""The filters as pictures: where the learning shows.

All filters are tiled into ONE image, outlined by one static path, and pushed with one
`setImage(..., autoLevels=False, levels=...)` per frame, so 64 filters cost nearly what 5 do.
Colours are honest about sign: a diverging map centred on 0, with a colorbar; one shared
scale compares filters, a per-filter scale shows each one's shape. Under each filter: its
number and its cosine to the digit; the filter taken apart is outlined; the title above.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QApplication, QGraphicsPathItem, QLabel, QVBoxLayout

from filterlab.engine.core.colours import DIVERGING_COLORS
from filterlab.engine.core.explain import filters_caption
from filterlab.engine.core.metrics import NORM_FLOOR, signed
from filterlab.engine.core.snapshot import Snapshot
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.paint_layer import PaintLayer
from filterlab.gui.views.style import DIVERGING, add_image_box, cosmetic_pen, readable_colorbar
from filterlab.gui.views.tile_labels import TileLabels
from filterlab.gui.views.tiling import GAP, LABEL, grid_columns, nice_limit, tile_at
from filterlab.gui.widgets.title_label import TitleLabel

SELECTED = QColor(230, 150, 0)


class FilterGrid(SnapshotView):
    """Filters (or the initial filters) of a snapshot, with an optional |gradient| overlay."""

    hovered = Signal(object)   # (filter, row, col) under the mouse, or None
    gap_value = 0.0            # what the gaps between tiles read as (here weight 0; NaN shows the background)
    clicked = Signal(int)      # a filter was clicked
    double_clicked = Signal(int)
    painted = Signal(int, object, object)  # a bit of a brush stroke: (filter, (x0, y0), (x1, y1)) in its pixels
    paint_done = Signal(int)   # a stroke on that filter was released

    def __init__(self, source: str = "filters", title: str = "filters", explain: bool = True, parent=None):
        super().__init__(parent)
        self.source = source
        self._quantity = "response z" if source == "z" else "weight"
        self.per_filter_scale = False
        self.show_gradient = False
        self.selected = None  # the filter outlined (the one taken apart)
        self.arrangement: tuple[int, int, int] | None = None  # (count, k, columns) the tiles are laid out for
        self.slots: list[tuple[int, int]] = []  # (top, left) of each tile in the tiled image
        self._last: Snapshot | None = None
        self._drawn: tuple[tuple, np.ndarray, np.ndarray | None] | None = None  # what the picture shows now, to skip redrawing the same
        self._explain = explain  # say the one-line "why" under the title
        self._caption = ""  # a window's own "why", instead of the default one
        self._gradient_scale = 0.0  # largest |dL/dw| of this run: the overlay's fixed scale
        self._fitted_at = 0.0  # pixels per weight the labels were fitted to
        self.preview: dict[int, np.ndarray] = {}  # filters shown as painted until the edit lands
        self._build(title)
        self.setToolTip("Each square is one filter (blue = negative weight, red = positive). "
                        "Under it: its number and its cosine similarity to the digit.")

    def _build(self, title: str) -> None:
        self.title = TitleLabel(title)
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.why.setVisible(False)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.view, self.image, self.overlay = add_image_box(self.graphics, DIVERGING, row=0)
        self.view.setBackgroundColor(DIVERGING_COLORS[2])  # the colour of weight 0
        self._outlines = QGraphicsPathItem()
        self._outlines.setPen(cosmetic_pen(QColor(150, 150, 150), 1))
        self._highlight = QGraphicsPathItem()
        self._highlight.setPen(cosmetic_pen(SELECTED, 3))
        for item in (self._outlines, self._highlight):
            self.view.addItem(item)
        self.tile_labels = TileLabels(self.view)
        self.paint_layer = PaintLayer(self, self.painted.emit, self.paint_done.emit)
        self.view.addItem(self.paint_layer)
        self.colorbar = pg.ColorBarItem(values=(-1, 1), colorMap=DIVERGING, interactive=False,
                                        width=14, colorMapMenu=False, label=self._quantity)
        readable_colorbar(self.colorbar, self.image)  # numbers with room for their size of text (presenter zoom)
        self.graphics.addItem(self.colorbar, row=0, col=1)
        self.gradient_note = QLabel()
        self.gradient_note.setWordWrap(True)
        self.gradient_note.setVisible(False)
        self._hovered = None
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in (self.title, self.why, self.graphics, self.gradient_note):
            layout.addWidget(widget, 1 if widget is self.graphics else 0)

    @property
    def labels(self) -> list:
        """The text item under each tile."""
        return self.tile_labels.items

    @property
    def label_texts(self) -> list[str]:
        return self.tile_labels.texts

    # ------------------------------------------------------------ options
    @property
    def caption(self) -> str:
        return self._caption

    @caption.setter
    def caption(self, text: str) -> None:
        self._caption = text
        self._show_why(self.arrangement[1] if self.arrangement else None)

    def set_per_filter_scale(self, on: bool) -> None:
        self.per_filter_scale = on
        self._redraw()

    def set_show_gradient(self, on: bool) -> None:
        self.show_gradient = on
        self.overlay.setVisible(on)
        self.gradient_note.setVisible(on and self.source == "filters")
        self._redraw()

    def select(self, index) -> None:
        """Outline filter `index` (None: none)."""
        self.selected = index
        self._outline_selected()

    def set_painting(self, on: bool) -> None:
        """Drags paint on the filter they start on (see gui/windows/painting.py), instead of nothing."""
        self.paint_layer.setVisible(on)
        self.graphics.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def set_preview(self, preview: dict) -> None:
        """Show these filters ({index: k x k}) instead of the snapshot's, until the edit has landed."""
        self.preview = preview
        self._redraw()

    def recolour(self) -> None:
        """Labels in the colours of the palette in use (they are made again)."""
        self.arrangement = None
        self._redraw()

    def _redraw(self) -> None:
        if self._last is not None:
            self._drawn = None
            self.draw(self._last)

    # ------------------------------------------------------------ drawing
    def draw(self, snapshot: Snapshot) -> None:
        """Push what changed; an unchanged grid (the initial filters, a paused run) costs nothing."""
        self._last = snapshot
        filters = getattr(snapshot, self.source)
        if self.preview and self.source == "filters" and not snapshot.historical:
            filters = filters.copy()
            for index, weights in self.preview.items():
                if index < len(filters) and weights.shape == filters.shape[1:]:
                    filters[index] = weights
        grads = snapshot.grads if self.show_gradient and self.source == "filters" else None
        count, k, _ = filters.shape
        columns = grid_columns(count, self.graphics.width() - 60, self.graphics.height() - 20)
        if self.arrangement != (count, k, columns):
            self._layout(count, k, columns)
        if abs(self._pixels_per_unit() - self._fitted_at) > 0.05 * self._fitted_at:
            self._fit_labels()  # the tiles changed size on screen: labels to fit them
        texts = self._label_values(snapshot, count)
        key = (count, k, columns, self.per_filter_scale, self.show_gradient, texts, self._fitted_at)
        if self._drawn is not None and key == self._drawn[0] and np.array_equal(filters, self._drawn[1]) \
                and (grads is None or (self._drawn[2] is not None and np.array_equal(grads, self._drawn[2]))):
            return
        self._draw_weights(filters, count)
        self._show_why(k, snapshot)
        if grads is not None:
            self._draw_gradient(snapshot, grads)
        self.tile_labels.show(texts)
        self._drawn = (key, filters, grads)

    def _draw_weights(self, filters: np.ndarray, count: int) -> None:
        """A weight below NORM_FLOOR is drawn as 0: rounding noise is never stretched to full colour."""
        if self.per_filter_scale:
            limits = np.abs(filters).reshape(count, -1).max(axis=1)
            visible = limits >= NORM_FLOOR
            shown = np.where(visible[:, None, None], filters / np.where(visible, limits, 1.0)[:, None, None], 0.0)
            limit = 1.0
        else:
            largest = float(np.abs(filters).max())
            shown, limit = filters, nice_limit(max(largest, NORM_FLOOR))
        label = f"{self._quantity} / own max" if self.per_filter_scale else self._quantity
        if self.colorbar.getAxis("left").labelText != label:  # the label's axis (colorbar.axis is the right one)
            self.colorbar.setLabel("left", label)
        self.image.setImage(self._tile(shown), autoLevels=False, levels=(-limit, limit))
        if self.colorbar.levels() != (-limit, limit):
            self.colorbar.setLevels((-limit, limit))

    def _draw_gradient(self, snapshot: Snapshot, grads: np.ndarray) -> None:
        """|dL/dw| on the run's own scale: its largest so far, so a vanishing gradient fades away."""
        magnitude = np.abs(grads)
        now = float(magnitude.max())
        if snapshot.step <= 1 or not self._gradient_scale:
            self._gradient_scale = 0.0  # a new run (or a reset) starts a new scale
        self._gradient_scale = max(self._gradient_scale, now)
        scale = self._gradient_scale or 1.0
        self.overlay.setImage(self._tile(magnitude), autoLevels=False, levels=(0.0, scale))
        self.gradient_note.setText(f"green: |dL/dw| of step {snapshot.step:,}, largest now {now:.2g}, "
                                   f"drawn on a scale of 0 to {scale:.2g} (the largest of this run)")

    def _label_values(self, snapshot: Snapshot, count: int) -> tuple[str, ...]:
        """Under a filter: its number and cosine to the digit; under a feature map: its filter's number."""
        if self.source == "z":
            return tuple(f"#{i + 1}" for i in range(count))
        cosines = snapshot.cosine if self.source == "filters" else snapshot.initial_cosine
        word = " " if self.tile_labels.compact else " cos "
        return tuple(f"#{i + 1}{word}{signed(value)}" for i, value in enumerate(cosines))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_labels()
        self._redraw()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and self.arrangement is not None:
            self._layout(*self.arrangement)  # labels in the new size (presenter zoom)
            self._redraw()

    def _layout(self, count: int, k: int, columns: int) -> None:
        """Work out where each tile goes; rebuild labels when the arrangement changes."""
        rows = math.ceil(count / columns)
        gap, label = max(1, round(k * GAP)), max(2, round(k * LABEL))
        self._pitch = (k + gap + label, k + gap)
        height, width = rows * self._pitch[0] - gap, columns * self._pitch[1] - gap
        self._canvas = np.full((height, width), self.gap_value, dtype=np.float32)
        self.slots = [((i // columns) * self._pitch[0], (i % columns) * self._pitch[1]) for i in range(count)]
        outlines = QPainterPath()
        for top, left in self.slots:
            outlines.addRect(QRectF(left, top, k, k))
        self._outlines.setPath(outlines)
        font = QApplication.font(self)
        font.setPointSizeF(font.pointSizeF() * (1.0 if count <= 16 else 0.8))
        self.tile_labels.make(self.slots, k, font)
        self.arrangement = (count, k, columns)
        self.view.setRange(xRange=(0, width), yRange=(0, height), padding=0.02)
        self.paint_layer.cover(height, width)
        self._fit_labels()
        self._k = k
        self._show_why(k)
        self._outline_selected()

    def _fit_labels(self) -> None:
        """Labels as large as the text of the window, but never wider than a tile's pitch (zoomed,
        or 64 small tiles): "#1 cos +0.85", then "#1 +0.85", then a smaller font."""
        if not self.labels or self.view.viewRect().width() <= 0:
            return
        self._fitted_at = self._pixels_per_unit()
        self.tile_labels.fit(QApplication.font(self), self._pitch[1] * self._fitted_at * 0.95)

    def _pixels_per_unit(self) -> float:
        """Screen pixels per weight (the aspect is kept: one number serves both axes)."""
        return self.view.width() / max(self.view.viewRect().width(), 1e-9)

    def _show_why(self, k, snapshot=None) -> None:
        """The line under the title: a window's own caption, or what the optimizer in use does to the
        filters, with this run's numbers (engine/core/explain.py); and whether the weights are all too
        small to draw."""
        why = self._caption
        snapshot = snapshot if snapshot is not None else self._last
        if not why and self.source == "filters" and self._explain and k is not None and snapshot is not None:
            why = filters_caption(snapshot)
        if snapshot is not None and self.source in ("filters", "initial"):
            values = getattr(snapshot, self.source)
            if values.size and float(np.abs(values).max()) < NORM_FLOOR:
                why = (why + "; " if why else "") + f"every weight is below {NORM_FLOOR:g}: drawn as 0"
        if self.why.text() != why:
            self.why.setText(why)
        self.why.setVisible(bool(why))

    def _outline_selected(self) -> None:
        path = QPainterPath()
        if self.selected is not None and self.selected < len(self.slots):
            top, left = self.slots[self.selected]
            path.addRect(QRectF(left - 0.5, top - 0.5, self._k + 1, self._k + 1))
        self._highlight.setPath(path)

    def _tile(self, stack: np.ndarray) -> np.ndarray:
        """(F,k,k) -> one image with all tiles in place (a fresh array: ImageItem keeps it)."""
        canvas = self._canvas.copy()
        k = self._k
        for (top, left), tile in zip(self.slots, stack):
            canvas[top:top + k, left:left + k] = tile
        return canvas

    # --------------------------------------------------------------- the mouse
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
            (self.double_clicked if event.double() else self.clicked).emit(where[0])

    def tile_at(self, x: float, y: float):
        """(filter index, row, col) under image coordinates (x, y), or None in a gap."""
        return None if self.arrangement is None else tile_at(self.slots, self._k, x, y)

"""How a grid of filters is laid out and coloured: columns that make the tiles largest, round colour limits,
the labels under the tiles."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSimpleTextItem

GAP = 0.25       # gap between tiles, as a fraction of the kernel size
LABEL = 0.32     # room under each tile for its number and cosine, as a fraction of the kernel size
MAX_COLUMNS = 8


LADDER = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)  # round colour limits, ten to a decade


def nice_limit(value: float) -> float:
    """The colour limit for weights as large as `value`: the next round number up, of ten to a decade.

    The colorbar's axis is laid out again whenever its range changes (4-5 ms of Python),
    and weights grow a little every step: rounded to two significant digits, the limit
    changed ten times a second at 5 filters, and that axis was a tenth of the window's time.
    """
    if not np.isfinite(value) or value <= 0:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(step * decade for step in LADDER if step * decade >= value * (1 - 1e-12))


def grid_columns(count: int, width: float, height: float) -> int:
    """How many columns make the tiles largest in a width x height area."""
    def tile_size(columns: int) -> float:
        rows = math.ceil(count / columns)
        return min(width / (columns * (1 + GAP)), height / (rows * (1 + GAP + LABEL)))
    return max(range(1, min(count, MAX_COLUMNS * 2) + 1), key=tile_size)


def label_font(font: QFont, room: float, many: bool = False,
               samples: tuple[str, str] = ("#00 cos -0.00", "#00 -0.00")) -> tuple[QFont, bool]:
    """(font, compact) for the labels under tiles `room` px apart: the window's size of text (a little
    smaller for many filters), compact (`samples`' second: "#1 +0.85", no "cos") when the full label (the
    first) does not fit, and a smaller font only when even that does not."""
    font = QFont(font)
    if many:
        font.setPointSizeF(font.pointSizeF() * 0.8)
    width = lambda text: QFontMetrics(font).horizontalAdvance(text)
    compact = width(samples[0]) > room
    sample = samples[1] if compact else samples[0]
    while width(sample) > room and font.pointSizeF() > 6:
        font.setPointSizeF(font.pointSizeF() * 0.9)
    return font, compact


def tile_at(slots, k: int, x: float, y: float):
    """(tile index, row, col) of the k x k tile under (x, y), tiles at `slots` (top, left); None in a gap."""
    for index, (top, left) in enumerate(slots):
        if left <= x < left + k and top <= y < top + k:
            return index, int(y - top), int(x - left)
    return None


def reuse_labels(view, pool: list, count: int) -> list:
    """`count` text items for the labels under the tiles, from `pool`: new ones are made and added
    to `view` only when the pool is short, the spares are hidden.

    Plain Qt text items paint in C++ (pyqtgraph's TextItem runs Python per label per frame)
    and, cached, are only blitted when the image under them changes. They are kept because
    pyqtgraph's addItem and removeItem cost ~0.3 ms an item: a new shape at 64 filters
    dropped and made 128 of them, a stall of tens of ms on the GUI thread.
    """
    while len(pool) < count:
        item = QGraphicsSimpleTextItem()
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        view.addItem(item)
        pool.append(item)
    for index, item in enumerate(pool):
        item.setVisible(index < count)
    return pool[:count]

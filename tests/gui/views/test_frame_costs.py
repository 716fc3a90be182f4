"""What keeps a frame cheap on the GUI thread (README, "Performance"), held as behaviour:

32-bit pixels drawn exactly as pyqtgraph would colour them, axes that move a few times a
decade, views that skip a snapshot showing what they already show, text items made once.
"""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene

from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.image_item import FastImageItem
from filterlab.gui.views.loss_plot import LossPlot
from filterlab.gui.views.prediction_bars import PredictionBars
from filterlab.gui.views.style import DIVERGING, GRAY, decade_span, growing_end, heat_overlay_lut


def pixels(qimage: QImage, fmt: QImage.Format) -> np.ndarray:
    image = qimage.convertToFormat(fmt)
    data = np.frombuffer(image.constBits(), np.uint8)
    return data.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 4].copy()  # before image goes


def drawn(item, size) -> np.ndarray:
    """What the item paints, 1:1, on a white ARGB32 picture of `size` (width, height): its paint() as a view calls it."""
    scene = QGraphicsScene()
    scene.addItem(item)
    picture = QImage(*size, QImage.Format.Format_ARGB32_Premultiplied)
    picture.fill(0xFFFFFFFF)
    painter = QPainter(picture)
    scene.render(painter, QRectF(0, 0, *size), QRectF(0, 0, *size))
    painter.end()
    scene.removeItem(item)
    return pixels(picture, QImage.Format.Format_ARGB32_Premultiplied)


def coloured(item, table, data):
    if table == "overlay":
        item.setLookupTable(heat_overlay_lut())
    else:
        item.setColorMap(DIVERGING if table == "diverging" else GRAY)
    item.setImage(data, autoLevels=False, levels=(-1.0, 1.0) if table != "overlay" else (0.0, 2.0))
    return item


@pytest.mark.parametrize("table", ["diverging", "gray", "overlay"])
def test_the_fast_image_item_colours_every_pixel_as_pyqtgraph_does(qtbot, table):
    rng = np.random.default_rng(3)
    data = (rng.standard_normal((41, 67)) * 1.5).astype(np.float32)  # beyond the levels too: clipped
    data[0, :3] = (-1.0, 0.0, 1.0)
    ours = coloured(FastImageItem(axisOrder="row-major"), table, data)
    theirs = coloured(pg.ImageItem(axisOrder="row-major"), table, data)
    theirs.render()
    expected = QImage.Format.Format_ARGB32_Premultiplied if table == "overlay" else QImage.Format.Format_RGB32
    assert ours.frame().format() == expected  # what Qt draws fastest, not an 8-bit indexed image
    np.testing.assert_array_equal(pixels(ours.frame(), expected), pixels(theirs.qimage, expected))
    np.testing.assert_array_equal(drawn(ours, (67, 41)), drawn(theirs, (67, 41)))  # and paint() draws it
    assert ours.qimage is None  # from frame(): pyqtgraph's render (an 8-bit indexed image) never ran


def test_the_fast_image_item_draws_each_new_image_levels_and_table(qtbot):
    """Its pixels are made once per image, and again after every setImage, setLevels and setLookupTable."""
    rng = np.random.default_rng(5)
    first, second = (rng.uniform(-1, 1, (9, 13)).astype(np.float32) for _ in range(2))
    ours = coloured(FastImageItem(axisOrder="row-major"), "diverging", first)
    theirs = coloured(pg.ImageItem(axisOrder="row-major"), "diverging", first)
    assert ours.frame() is ours.frame()  # made once, drawn on every paint
    np.testing.assert_array_equal(drawn(ours, (13, 9)), drawn(theirs, (13, 9)))
    changes = [lambda item: item.setImage(second, autoLevels=False),
               lambda item: item.setLevels((-0.3, 0.6)),
               lambda item: item.setColorMap(GRAY),
               lambda item: item.updateImage(),
               lambda item: item.setImage(np.where(second > 0, second, np.nan), autoLevels=False)]  # pyqtgraph's
    before = drawn(ours, (13, 9))
    for change in changes:
        for item in (ours, theirs):
            change(item)
        after = drawn(ours, (13, 9))
        np.testing.assert_array_equal(after, drawn(theirs, (13, 9)))
        assert change is changes[3] or not np.array_equal(after, before)
        before = after


def test_an_image_with_nan_is_left_to_pyqtgraph(qtbot):
    item = FastImageItem(axisOrder="row-major")
    item.setColorMap(DIVERGING)
    item.setImage(np.array([[0.0, np.nan], [1.0, -1.0]], np.float32), autoLevels=False, levels=(-1, 1))
    assert item.frame() is None
    item.render()
    assert item.qimage is not None and item.qimage.format() != QImage.Format.Format_RGB32


def test_growing_axes_move_a_few_times_a_decade():
    ends = [growing_end(step) for step in range(0, 100_001, 7)]
    assert ends[0] == 10 and all(end >= step for end, step in zip(ends, range(0, 100_001, 7)))
    assert all(end <= 1.5 * max(step, 10) for end, step in zip(ends, range(0, 100_001, 7)))  # the curve fills 2/3+
    assert len(set(ends)) <= 8 * 4 + 1  # 8 per decade over 10..100,000
    assert decade_span(np.array([2.3, 0.04])) == (-1.5, 0.5)
    assert decade_span(np.array([1.0])) == (0.0, 0.5)


@pytest.fixture
def snapshots(digit):
    trainer = Trainer(Config(filters=4), *digit)
    trainer.step(30)
    first = trainer.snapshot()
    return first, trainer.snapshot(), trainer  # equal content, different objects


def test_views_skip_a_snapshot_that_shows_what_they_show(qtbot, snapshots, monkeypatch):
    first, same, trainer = snapshots
    loss, bars = LossPlot(), PredictionBars()
    qtbot.addWidget(loss)
    qtbot.addWidget(bars)
    for view in (loss, bars):
        view.draw(first)
    drawn = []
    monkeypatch.setattr(loss.curve, "setData", lambda *a, **k: drawn.append("loss"))
    monkeypatch.setattr(bars.bars, "setOpts", lambda *a, **k: drawn.append("bars"))
    for view in (loss, bars):
        view.draw(same)
    assert drawn == []
    trainer.step(1)
    for view in (loss, bars):
        view.draw(trainer.snapshot())
    assert drawn == ["loss", "bars"]


def test_the_filter_grid_makes_its_labels_once_and_sets_its_colorbar_label_once(qtbot, digit, monkeypatch):
    grid = FilterGrid("filters", "filters")
    qtbot.addWidget(grid)
    grid.resize(500, 400)
    grid.show()
    many, few = (Trainer(Config(filters=count), *digit).snapshot() for count in (64, 5))
    grid.draw(many)
    made = list(grid.labels)
    labels = []
    monkeypatch.setattr(grid.colorbar, "setLabel", lambda *args: labels.append(args))
    grid.draw(few)
    grid.draw(many)
    assert len(grid.labels) == 64 and all(a is b for a, b in zip(grid.labels, made))  # the same items again
    assert sum(item.isVisible() for item in made) == 64
    grid.draw(few)
    assert sum(item.isVisible() for item in made) == 5
    assert labels == []  # the label was right all along: not set again on every frame

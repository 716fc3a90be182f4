"""The drawing canvas, driven by real mouse events on its graphics view (Qt offscreen).

Positions are image pixel centres mapped to viewport coordinates, so the tests exercise
pyqtgraph's own press/move/release -> drag/click translation, not the canvas's internals.
Moves are spaced 15 ms apart: pyqtgraph drops mouse moves closer together than
1 / mouseRateLimit (10 ms by default).
"""
import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from filterlab.engine.core.painting import stroke_footprint
from filterlab.gui.widgets.canvas import TOOLTIP, DrawingCanvas


@pytest.fixture
def canvas(qtbot):
    w = DrawingCanvas()
    qtbot.addWidget(w)
    w.setFixedSize(300, 300)
    w.show()
    qtbot.waitExposed(w)
    return w


def record(signal):
    payloads = []
    signal.connect(payloads.append)
    return payloads


def test_left_drag_draws_a_continuous_stroke_and_reports_it(qtbot, canvas, mouse):
    changed, finished = record(canvas.changed), record(canvas.stroke_finished)
    mouse.drag(canvas, mouse.LEFT, (6, 14), (22, 14))

    ink = canvas.ink()
    assert ink.dtype == np.float32 and ink.shape == (28, 28)
    assert (ink[14, 8:21] > 0.5).all()       # continuous: no gap along the stroke
    assert (ink[14, 6:23] > 0.99).all()      # the core is fully inked from press to release
    assert 0.5 < ink[13, 14] < 0.95 and 0.5 < ink[15, 14] < 0.95  # soft shoulders
    assert ink[11, 14] < 0.05 and ink[17, 14] < 0.05               # ~3 px wide, like MNIST
    assert (ink[2] == 0).all() and (ink[:, 0] == 0).all()
    assert len(changed) >= 2                  # live updates while dragging
    np.testing.assert_array_equal(changed[-1], ink)
    assert len(finished) == 1
    np.testing.assert_array_equal(finished[0], ink)
    changed[-1][:] = 7                        # payloads are copies
    assert canvas.ink().max() <= 1.0
    assert not canvas.is_blank()


def test_a_fast_drag_with_one_big_jump_still_leaves_no_gap(qtbot, canvas, mouse):
    mouse.drag(canvas, mouse.LEFT, (3, 5), (24, 23), steps=1)
    ink = canvas.ink()
    for col in range(4, 24):  # the diagonal from (3.5, 5.5) to (24.5, 23.5)
        row = 5 + (col - 3) * 18 / 21
        assert ink[int(row + 0.5), col] > 0.5, (col, row)


def test_right_drag_erases_the_middle_of_a_stroke(qtbot, canvas, mouse):
    mouse.drag(canvas, mouse.LEFT, (6, 14), (22, 14))
    changed = record(canvas.changed)
    mouse.drag(canvas, mouse.RIGHT, (14, 8), (14, 20))

    ink = canvas.ink()
    assert (ink[13:16, 13:16] < 0.2).all()
    assert (ink[14, 7:10] > 0.5).all() and (ink[14, 19:22] > 0.5).all()
    assert changed and np.array_equal(changed[-1], ink)
    assert QtWidgets.QApplication.activePopupWidget() is None  # no context menu


def test_erasing_a_blank_canvas_changes_nothing_and_says_nothing(qtbot, canvas, mouse):
    changed = record(canvas.changed)
    mouse.drag(canvas, mouse.RIGHT, (4, 4), (20, 20))
    qtbot.mouseClick(canvas.view.viewport(), mouse.RIGHT, pos=mouse.at(canvas, 10, 10))
    assert canvas.is_blank() and changed == []


def test_single_left_click_inks_a_soft_dot(qtbot, canvas, mouse):
    changed, finished = record(canvas.changed), record(canvas.stroke_finished)
    qtbot.mouseClick(canvas.view.viewport(), mouse.LEFT, pos=mouse.at(canvas, 10, 12))

    ink = canvas.ink()
    assert ink.max() > 0.9
    assert np.unravel_index(ink.argmax(), ink.shape) in {(12, 10), (11, 10), (12, 9), (11, 9)}
    neighbours = ink[11:14, 9:12]
    assert ((neighbours > 0.05) & (neighbours < 0.9)).any()  # soft edge, not a hard square
    assert ink[12, 17] == 0 and ink[5, 10] == 0
    assert len(changed) == 1 and np.array_equal(changed[0], ink)
    assert len(finished) == 1


def test_clear_blanks_the_canvas_and_emits_zeros(qtbot, canvas, mouse):
    mouse.drag(canvas, mouse.LEFT, (6, 14), (22, 14))
    with qtbot.waitSignal(canvas.changed, timeout=1000) as blocker:
        canvas.clear()
    assert canvas.is_blank()
    assert (canvas.ink() == 0).all()
    np.testing.assert_array_equal(blocker.args[0], np.zeros((28, 28), np.float32))


def test_set_ink_shows_a_sample_clipped_and_copied(qtbot, canvas, digit):
    sample, _ = digit
    with qtbot.waitSignal(canvas.changed, timeout=1000) as blocker:
        canvas.set_ink(sample)
    np.testing.assert_allclose(canvas.ink(), sample, atol=1e-6)
    np.testing.assert_allclose(canvas.image.image, sample, atol=1e-6)  # what is displayed
    np.testing.assert_array_equal(blocker.args[0], canvas.ink())

    wild = sample * 3 - 1
    canvas.set_ink(wild)
    assert canvas.ink().min() == 0.0 and canvas.ink().max() == 1.0
    wild[:] = 0.5  # the canvas holds its own copy
    assert canvas.ink().max() == 1.0
    with pytest.raises(ValueError):
        canvas.set_ink(np.zeros((20, 20)))


def test_mouse_never_pans_or_zooms_the_view(qtbot, canvas, mouse):
    before = canvas.viewbox.viewRange()
    mouse.drag(canvas, mouse.LEFT, (6, 14), (22, 20))
    mouse.drag(canvas, mouse.RIGHT, (20, 4), (4, 20))
    mouse.drag(canvas, mouse.LEFT, (-1.0, -1.0), (10, 10))  # starts on the margin, outside the image
    qtbot.mouseClick(canvas.view.viewport(), mouse.RIGHT, pos=mouse.at(canvas, 14, 14))
    qtbot.mouseClick(canvas.view.viewport(), mouse.RIGHT, pos=mouse.at(canvas, -1.0, 14))  # on the margin
    wheel = QtGui.QWheelEvent(
        QtCore.QPointF(mouse.at(canvas, 14, 14)), QtCore.QPointF(), QtCore.QPoint(), QtCore.QPoint(0, 240),
        QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase, False)
    QtWidgets.QApplication.sendEvent(canvas.view.viewport(), wheel)
    qtbot.wait(20)
    assert canvas.viewbox.viewRange() == before
    assert QtWidgets.QApplication.activePopupWidget() is None


def test_renders_white_ink_on_black_inside_a_visible_frame(qtbot, canvas, mouse):
    mouse.drag(canvas, mouse.LEFT, (6, 14), (22, 14))
    image = canvas.grab().toImage()
    ink_px = QtGui.QColor(image.pixel(mouse.at(canvas, 14, 14)))
    bg_px = QtGui.QColor(image.pixel(mouse.at(canvas, 14, 4)))
    assert ink_px.lightness() > 240
    assert bg_px.lightness() < 15
    corner = mouse.at(canvas, -0.5, -0.5)  # the frame line runs through the image's top-left corner
    frame_px = canvas.view.mapFromScene(canvas.image.mapToScene(QtCore.QPointF(0, 14)))
    assert max(QtGui.QColor(image.pixel(frame_px + QtCore.QPoint(dx, 0))).lightness()
               for dx in (-1, 0, 1)) > 15  # faint outline
    assert corner.x() > 0 and corner.y() > 0  # a margin shows the frame on every side
    assert canvas.minimumWidth() >= 260 and canvas.minimumHeight() >= 260
    assert canvas.toolTip() == TOOLTIP


def test_footprint_stays_on_a_small_window_and_ignores_the_outside():
    window, stamp = stroke_footprint((10.5, 10.5), (10.5, 10.5), 0.9)
    assert stamp.shape[0] <= 8 and stamp.shape[1] <= 8
    assert stamp.max() == 1.0 and np.allclose(stamp, stamp[::-1, ::-1])  # round, centred
    assert stroke_footprint((-20, -20), (-15, -30), 0.9) is None
    window, stamp = stroke_footprint((0.2, 0.2), (0.2, 0.2), 1.5)  # clipped at the border
    assert window[0].start == 0 and window[1].start == 0 and stamp[0, 0] == 1.0

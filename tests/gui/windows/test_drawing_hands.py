"""What people expect of a drawing app, driven through real events: Ctrl+Z / Ctrl+Shift+Z undo and redo strokes
on the canvas and on a filter; an image file dropped on the window, or a picture pasted with Ctrl+V, becomes the
training digit through the same image loader as File > Open."""
import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from filterlab.engine.core.config import Config
from filterlab.engine.data import load_image_file, to_mnist_style

from .test_hands_on import FilterNow, ask, open_window, stroke_across_filter_one

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
TIMEOUT = 20_000


def undo(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)


def redo(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL | SHIFT)


def test_canvas_strokes_undo_and_redo_and_train_on_what_is_shown(qtbot, window, wait_frame, mouse):
    canvas = window.source.canvas
    wait_frame(window, lambda f: f.snapshot.step > 0)
    four = canvas.ink()
    mouse.drag(canvas, mouse.LEFT, (4, 4), (24, 4))
    one_stroke = canvas.ink()
    mouse.drag(canvas, mouse.RIGHT, (4, 20), (24, 20))  # an erasing stroke
    two_strokes = canvas.ink()
    assert not np.array_equal(one_stroke, four) and not np.array_equal(two_strokes, one_stroke)
    undo(qtbot, window)
    np.testing.assert_array_equal(canvas.ink(), one_stroke)
    undo(qtbot, window)
    np.testing.assert_array_equal(canvas.ink(), four)
    wait_frame(window, lambda f: np.array_equal(f.snapshot.image, to_mnist_style(four)))  # trains on it again
    redo(qtbot, window)
    redo(qtbot, window)
    np.testing.assert_array_equal(canvas.ink(), two_strokes)
    wait_frame(window, lambda f: np.array_equal(f.snapshot.image, to_mnist_style(two_strokes)))
    qtbot.keyClick(window, Qt.Key.Key_C)  # a clear is undone too
    assert not canvas.ink().any()
    undo(qtbot, window)
    np.testing.assert_array_equal(canvas.ink(), two_strokes)


def test_a_stroke_on_a_paused_filter_undoes_exactly_and_redoes(qtbot, digit, wait_frame, mouse):
    window = open_window(qtbot, digit, Config(filters=3), running=False)
    wait_frame(window, lambda f: not f.running)
    before = ask(qtbot, window, FilterNow(0))
    qtbot.keyClick(window, Qt.Key.Key_P)
    stroke_across_filter_one(qtbot, window, mouse)
    wait_frame(window, lambda f: len(f.snapshot.edit_steps) == 1, timeout=TIMEOUT)
    painted = ask(qtbot, window, FilterNow(0))
    assert np.abs(painted - before).max() > 0.01
    undo(qtbot, window)
    qtbot.waitUntil(lambda: np.allclose(ask(qtbot, window, FilterNow(0)), before, atol=1e-6),
                    timeout=TIMEOUT)
    redo(qtbot, window)
    qtbot.waitUntil(lambda: np.allclose(ask(qtbot, window, FilterNow(0)), painted, atol=1e-6),
                    timeout=TIMEOUT)
    window.close()


def a_seven(tmp_path):
    """A dark 7 on white paper, as a phone photo of one would be, saved as PNG."""
    pixels = np.full((60, 40), 255, np.uint8)
    pixels[8:14, 5:35] = 0
    for row in range(14, 55):
        col = 34 - (row - 14) * 20 // 41
        pixels[row, col - 3:col + 3] = 0
    image = QImage(pixels.data, 40, 60, 40, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "seven.png"
    assert image.save(str(path))
    return image, path


def test_an_image_file_dropped_on_the_window_becomes_the_training_digit(qtbot, window, wait_frame, tmp_path):
    _, path = a_seven(tmp_path)
    expected = load_image_file(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    centre = QPointF(window.rect().center())
    enter = QDragEnterEvent(QPoint(int(centre.x()), int(centre.y())), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    np.testing.assert_array_equal(window.source.image, expected)
    wait_frame(window, lambda f: np.array_equal(f.snapshot.image, expected))


def test_ctrl_v_pastes_a_picture_through_the_image_loader(qtbot, window, wait_frame, tmp_path, monkeypatch):
    image, path = a_seven(tmp_path)
    expected = load_image_file(path)
    QGuiApplication.clipboard().setImage(image)
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL)
    np.testing.assert_allclose(window.source.image, expected, atol=1e-6)
    wait_frame(window, lambda f: np.allclose(f.snapshot.image, expected, atol=1e-6))
    QGuiApplication.clipboard().setText("not a picture")
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL)
    assert "no picture" in window.statusBar().currentMessage()
    np.testing.assert_allclose(window.source.image, expected, atol=1e-6)  # nothing changed
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(broken))])
    QGuiApplication.clipboard().setMimeData(mime)
    qtbot.keyClick(window, Qt.Key.Key_V, CTRL)
    assert len(warned) == 1 and ("damaged" in warned[0] or "not a PNG" in warned[0])
    np.testing.assert_allclose(window.source.image, expected, atol=1e-6)
    QGuiApplication.clipboard().clear()  # nothing of this test's left for the clipboard to free at exit

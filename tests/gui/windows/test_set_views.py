"""The set window says what it does: one test digit in both views, the minibatch's step as a sum,
the confusion matrix, the end of the epochs asked and more on request."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from filterlab.engine.core.config import Config
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.windows.digitset import MORE_EPOCHS, SetWindow

TIMEOUT = 30_000


@pytest.fixture
def set_window(qtbot):
    window = SetWindow(SetSpec(Config(filters=6), bundled_set(tuple(range(10))), batch_size=64, epochs=2), speed=0)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.snapshot.finished is not None, timeout=TIMEOUT)
    yield window
    window.close()


def test_it_stops_after_its_epochs_and_trains_more_on_request(qtbot, set_window):
    w = set_window
    snap = w.frame.snapshot
    assert not w.frame.running and len(snap.epochs) == 2 and snap.step == 2 * 13
    assert w.status_notice.title().startswith("done: 2 epochs, test accuracy")
    qtbot.mouseClick(w.more, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.frame.snapshot.epochs) == 2 + MORE_EPOCHS and not w.frame.running,
                    timeout=TIMEOUT)
    assert w.accuracy.curve.getData()[0].tolist() == list(range(0, 3 + MORE_EPOCHS))


def test_prediction_and_digit_show_the_same_test_digit_with_its_true_label(qtbot, set_window):
    w = set_window
    digits = w.set_spec.digits
    w.example.setFocus()
    w.example.lineEdit().selectAll()
    qtbot.keyClicks(w.example.lineEdit(), "123")
    qtbot.keyClick(w.example.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.shown.example == 123, timeout=TIMEOUT)
    label = int(digits.test_labels[123])
    np.testing.assert_array_equal(w.shown.image, digits.test_images[123])
    assert w.digit.title.title() == f"test digit #123: true label {label}"
    assert w.bars.title.title().endswith(f"true label {label}")
    np.testing.assert_allclose(w.bars.heights, w.shown.probs)


def test_one_step_taken_apart_is_the_sum_over_the_minibatch(qtbot, set_window):
    w = set_window
    w.tabs.setCurrentWidget(w.decomposition)
    qtbot.waitUntil(lambda: w.decomposition.shown is not None, timeout=TIMEOUT)
    parts = w.decomposition.shown
    np.testing.assert_allclose(parts["contributions"].sum(axis=0), parts["engine_gradient"], rtol=1e-4, atol=1e-8)
    assert "sum over its 32 digits" in w.decomposition.caption.text()  # the last batch of an epoch: 800 - 12 x 64


def test_the_confusion_matrix_and_a_misclassified_digit_clicked(qtbot, set_window):
    w = set_window
    w.tabs.setCurrentWidget(w.results)
    qtbot.waitUntil(lambda: w.results.matrix_shown is not None, timeout=TIMEOUT)
    snap = w.shown
    assert w.results.matrix_shown.sum() == 200 and np.trace(w.results.matrix_shown) / 200 == snap.test_accuracy
    assert w.results.counts[3][3].toPlainText() == str(snap.confusion[3, 3] or "")
    view = w.results.gallery_view
    scene = view.mapViewToScene(QPointF(30 * 2 + 15, 15))  # the third misclassified digit
    point = w.results.gallery.mapFromScene(scene)
    qtbot.mouseClick(w.results.gallery.viewport(), Qt.MouseButton.LeftButton, pos=point)
    chosen = int(snap.misclassified[2])
    qtbot.waitUntil(lambda: w.shown.example == chosen, timeout=TIMEOUT)
    assert w.tabs.currentIndex() == 0 and w.example.value() == chosen
    assert int(np.argmax(w.shown.probs)) != w.shown.label  # it is one the network gets wrong

"""What learning added, and what one digit with small kernels does not teach."""
import numpy as np
from PySide6.QtCore import Qt

from filterlab.engine.core.config import Config
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.windows.digit import DigitWindow


def test_each_filter_is_its_start_plus_what_learning_added(qtbot, digit):
    """The view drawn from a 200-step snapshot (model in, widget asserted); that the window's tab draws the
    frame's: tests/gui/windows/test_digit.py, test_filters_change_and_become_the_digit."""
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.gui.views.learning_added import LearningAddedView

    trainer = Trainer(Config(filters=3), *digit)
    trainer.step(200)
    snap = trainer.snapshot()
    view = LearningAddedView()
    qtbot.addWidget(view)
    view.show()
    view.draw(snap)
    np.testing.assert_allclose(snap.initial + view.shown_delta, snap.filters, atol=1e-7)
    np.testing.assert_allclose(view.shown_blend, snap.filters, atol=1e-7)  # fade 0: w itself
    view.fade.setValue(100)
    np.testing.assert_allclose(view.shown_blend, snap.filters - snap.initial, atol=1e-7)  # Δ alone
    shown = view.untouched_image.image
    np.testing.assert_array_equal(shown > 0, digit[0] == 0)
    assert f"{(digit[0] == 0).mean():.1%}" in view.untouched_note.text()


def test_one_digit_with_small_kernels_says_why_and_offers_a_set(qtbot, digit):
    w = DigitWindow(DigitSpec(Config(filters=4, kernel=5), *digit), speed=0)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.frame is not None and w.frame.snapshot.loss < 1e-3, timeout=30_000)
    qtbot.waitUntil(lambda: w.try_set.isVisible(), timeout=10_000)
    assert "the output layer alone (23,040 weights) separates this image" in w.status_notice.title()
    assert "5×5 patch of the digit it responds to most" in w.filters.why.text()
    assert w.digit.outlined is not None and w.digit.outlined.shape == (4, 2)
    with qtbot.waitSignal(w.experiment_wanted) as wanted:
        qtbot.mouseClick(w.try_set, Qt.MouseButton.LeftButton)
    spec = wanted.args[0]
    assert isinstance(spec, SetSpec) and (spec.config.filters, spec.config.kernel) == (4, 5)
    assert spec.digits.classes == tuple(range(10))
    w.close()

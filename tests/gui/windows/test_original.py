"""The article's own run in the window, clicked as a person would: its setting, its pictures, and why it stops."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import binarised_agreement, signed
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digit.trainer import Trainer
from filterlab.gui.windows.digit import DigitWindow


def tick(qtbot, box):
    """Click a check box on its box (its middle may lie past its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


@pytest.fixture
def paused(qtbot, digit):
    """A paused window on the bundled 4 (5 filters, as the article), trained to step 300."""
    win = DigitWindow(DigitSpec(Config(), *digit), running=False, speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.commands.train(300)
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == 300, timeout=30_000)
    yield win
    win.close()


def test_the_article_view_draws_the_filters_binarised_with_both_numbers(qtbot, paused):
    w = paused
    assert not w.article.isVisible()
    tick(qtbot, w.controls.article)
    assert w.controls.article.isChecked() and w.article.isVisible()
    snap = w.shown
    qtbot.waitUntil(lambda: w.article.label_texts[0] != "", timeout=5_000)
    tiles = w.article.image.image
    assert set(np.unique(tiles[np.isfinite(tiles)])) == {0.0, 1.0} and np.isnan(tiles).any()  # binarised; gaps
    top, left = w.article.slots[1]
    np.testing.assert_array_equal(tiles[top:top + 28, left:left + 28], snap.filters[1] > snap.filters[1].mean())
    np.testing.assert_allclose(w.article.shown_agreement, binarised_agreement(snap.filters, snap.image))
    a, c = snap.agreement[0], snap.cosine[0]
    assert w.article.label_texts[0] in (f"#1 {a:.0%} · cos {signed(c)}", f"#1 {a:.0%} {signed(c)}")
    assert "agree" in w.article.toolTip() and "50% is chance" in w.article.toolTip()
    assert w.filters.isVisible()  # beside the signed filters, not instead of them
    tick(qtbot, w.controls.article)
    assert not w.article.isVisible()


def test_raw_pixels_restart_and_say_why_learning_stops(qtbot, paused):
    w = paused
    assert "pixels 0-1" in w.status_device.title()
    tick(qtbot, w.controls.raw_pixels)
    qtbot.waitUntil(lambda: w.frame.snapshot.config.pixel_scale == 255 and w.frame.snapshot.step == 0, timeout=10_000)
    assert "pixels 0-255 · the article's setting" in w.status_device.title()
    w.commands.train(20)
    qtbot.waitUntil(lambda: w.frame.snapshot.step == 20, timeout=10_000)
    snap = w.frame.snapshot
    assert snap.loss == 0.0
    assert "softmax saturated" in w.status_notice.title() and "exactly 0.0" in w.status_notice.title()
    w.teacher.show_tab("one-step")
    qtbot.waitUntil(lambda: w.decomposition.product is not None, timeout=5_000)
    np.testing.assert_allclose(w.decomposition.product, snap.grads[0], rtol=1e-4, atol=1e-20)  # x as fed: 0-255
    assert "0-255" in w.decomposition.titles[0].title()


def test_the_articles_setting_is_its_script_from_step_0(qtbot, digit):
    w = DigitWindow(DigitSpec(Config(filters=3, lr=0.01, seed=7), *digit), running=False, speed=0)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.commands.train(30)
    qtbot.waitUntil(lambda: w.frame is not None and w.frame.snapshot.step == 30, timeout=30_000)
    qtbot.mouseClick(w.controls.original, Qt.MouseButton.LeftButton)
    # the commands land one by one (the pixels rebuild the run at the old seed, then the reset takes seed 0):
    # wait for the state they end in, not the first frame on the way that matches part of it
    qtbot.waitUntil(lambda: w.frame.snapshot.step == 0
                    and w.frame.snapshot.config.with_(device="auto") == Config(pixel_scale=255), timeout=10_000)
    assert w.controls.raw_pixels.isChecked() and w.controls.lr.value() == 1e-3 and w.run.seed.text() == "seed 0"
    assert w.controls.article.isChecked() and w.article.isVisible()
    w.commands.train(300)
    qtbot.waitUntil(lambda: w.frame.snapshot.step == 300, timeout=30_000)
    engine = Trainer(Config(pixel_scale=255), *digit)
    engine.step(300)
    np.testing.assert_allclose(w.frame.snapshot.filters, engine.learner.filters(), rtol=0, atol=1e-7)
    w.close()


def test_a_raw_pixel_run_opens_with_the_articles_pictures(qtbot, digit):
    w = DigitWindow(DigitSpec(Config(pixel_scale=255), *digit), running=False, speed=0)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.controls.raw_pixels.isChecked() and w.article.isVisible()
    w.close()

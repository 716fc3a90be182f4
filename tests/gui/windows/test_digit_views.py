"""The understanding tools: the numbers behind each view of the digit window are the engine's own.

A view's numbers are checked on the view itself, drawn from a snapshot (the decomposition's product,
the similarity curves); what needs the window (a Step click, scrubbing, hovering) drives the window."""
import functools

import numpy as np
import pytest
from PySide6.QtCore import Qt

from filterlab.engine.core.config import Config

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def trained():
    """trained(kernel) -> the snapshot of a 3-filter run of that kernel at step 200 (each made once, then frozen)."""
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    @functools.cache
    def snapshot(kernel: int = 28):
        trainer = Trainer(Config(filters=3, kernel=kernel), *bundled_digit(4))
        trainer.step(200)
        return trainer.snapshot()
    return snapshot


@pytest.mark.parametrize("kernel", [28, 5])
def test_decomposition_product_is_the_engine_gradient(qtbot, trained, kernel):
    """The view drawn from a snapshot (model in, widget asserted); the window's tab is checked driven: below."""
    from filterlab.gui.views.decomposition import DecompositionView
    view = DecompositionView()
    qtbot.addWidget(view)
    snap = trained(kernel)
    view.draw(snap)
    for f in range(3):
        view.select(f)
        np.testing.assert_allclose(view.product, snap.grads[f], rtol=1e-4, atol=1e-9)
    assert "dL/dz" in view.caption.text() or "patches" in view.caption.text()


def test_decomposition_step_is_the_weight_change(qtbot, paused_window):
    win = paused_window(Config(filters=3, optimizer="sgd", lr=0.1, weight_decay=0.0))
    win.tabs.setCurrentWidget(win.decomposition)
    win.decomposition.select(1)
    before = win.frame.snapshot.filters
    qtbot.mouseClick(win.run.step, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.frame.snapshot.step == 201, timeout=TIMEOUT)
    after = win.frame.snapshot
    np.testing.assert_allclose(win.decomposition.shown_update, after.filters[1] - before[1], atol=1e-7)
    np.testing.assert_allclose(win.decomposition.shown_update, -0.1 * win.decomposition.product,
                               rtol=1e-3, atol=1e-8)
    assert "SGD" in win.decomposition.caption.text()


def test_scrubbing_shows_the_filters_recorded_at_that_step(qtbot, paused_window):
    win = paused_window()
    win.timeline.scrub_to(60)
    qtbot.waitUntil(lambda: win.shown is not None and win.shown.historical, timeout=TIMEOUT)
    assert win.shown.step == 60
    recorded = win.worker.experiment.record.at(60)[1]
    shown = win.filters.image.image
    k = recorded.shape[1]
    for (top, left), tile in zip(win.filters.slots, recorded):
        np.testing.assert_array_equal(shown[top:top + k, left:left + k], tile)
    np.testing.assert_allclose(win.bars.heights, win.shown.probs)
    assert win.loss.curve.getData()[0].max() <= 60
    qtbot.mouseClick(win.timeline.live, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not win.shown.historical and win.shown.step == 200, timeout=TIMEOUT)


def test_similarity_view_draws_one_curve_per_filter(qtbot, trained):
    from filterlab.gui.views.similarity_plot import SimilarityPlot
    view = SimilarityPlot()
    qtbot.addWidget(view)
    snap = trained()
    view.draw(snap)
    assert len(view.curves) == 3
    for index, curve in enumerate(view.curves):
        xs, ys = curve.getData()
        np.testing.assert_array_equal(xs, snap.cosine_steps)
        np.testing.assert_allclose(ys, snap.cosine_history[:, index])


def test_hovering_a_weight_shows_its_history(qtbot, paused_window):
    win = paused_window()
    win.filters.hovered.emit((2, 14, 12))
    qtbot.waitUntil(lambda: win.probe.curve.getData()[0] is not None
                    and len(win.probe.curve.getData()[0]) > 0, timeout=TIMEOUT)
    xs, ys = win.probe.curve.getData()
    history = win.worker.experiment.record
    np.testing.assert_array_equal(xs, history.steps)
    np.testing.assert_allclose(ys, [frame[2, 14, 12] for frame in history.frames])
    assert "filter #3, pixel (14, 12)" in win.probe.title.title()

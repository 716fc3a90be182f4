"""No stale view: what the window shows is always of the state it names."""
import numpy as np
from PySide6.QtCore import Qt

from filterlab.engine.core.metrics import cosine_to_image, signed
from filterlab.engine.data import bundled_index

TIMEOUT = 20_000


def test_a_new_sample_while_paused_updates_cosines_prediction_and_gradients_at_once(qtbot, paused_window):
    window = paused_window()  # paused at step 200 on the 4
    seven, _ = bundled_index(700)
    box = window.source.sample
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "700")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: np.array_equal(window.shown.image, seven), timeout=TIMEOUT)
    snap = window.shown
    assert snap.step == 200 and snap.label == 7 and not window.frame.running
    np.testing.assert_allclose(snap.cosine, cosine_to_image(snap.filters, seven))
    assert window.filters.label_texts == [f"#{i + 1} cos {signed(c)}" for i, c in enumerate(snap.cosine)]
    np.testing.assert_allclose(window.bars.heights, snap.probs)
    assert window.bars.title.title().endswith("target 7")
    window.tabs.setCurrentWidget(window.decomposition)  # a tab draws when it is shown
    np.testing.assert_allclose(window.decomposition.product, snap.dl_dz[0, 0, 0] * seven, rtol=1e-5, atol=1e-9)


def test_a_reset_clears_the_plots_and_their_ranges(qtbot, paused_window):
    window = paused_window()
    qtbot.mouseClick(window.run.reset, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.shown.step == 0, timeout=TIMEOUT)
    qtbot.wait(200)
    for plot in (window.loss.plot, window.similarity.plot):
        (x0, x1), _ = plot.getViewBox().viewRange()
        assert -1 <= x0 <= 1 and 5 <= x1 <= 20, (x0, x1)  # steps 0-10, not the old run's range
    assert window.similarity.curves[0].x.tolist() == [0]


def test_the_loss_axis_reads_plain_decades(qtbot):
    """The loss view itself (gui/views/loss_plot.py), as the window makes it: no window, no training needed."""
    from filterlab.gui.views.loss_plot import LossPlot
    loss = LossPlot()
    qtbot.addWidget(loss)
    axis = loss.plot.getAxis("left")
    assert not axis.autoSIPrefix  # never "loss (x1e+09)"
    levels = axis.logTickValues(-6.0, 0.5, 200, [])
    assert levels[0][1] == [-6, -5, -4, -3, -2, -1, 0] and levels[1][1] == []  # no minor labels to collide
    assert axis.logTickStrings([-4, -2, 0, 1], 1, 1) == ["1e-04", "0.01", "1", "10"]
    tight = axis.logTickValues(-6.0, 0.5, 60, [])[0][1]
    assert len(tight) <= 60 // axis.MIN_GAP_PX + 1  # a short axis gets fewer labels, never overlapping ones


def test_zero_reads_0_00_and_filters_are_numbered_and_the_selected_one_outlined(qtbot, paused_window):
    assert signed(-0.001) == "0.00" and signed(0.004) == "0.00" and signed(-0.006) == "-0.01"
    window = paused_window()
    assert all(text.startswith(f"#{i + 1} ") for i, text in enumerate(window.filters.label_texts))
    window.tabs.setCurrentWidget(window.decomposition)
    window.decomposition.filter.setValue(3)
    assert window.filters.selected == 2
    top, left = window.filters.slots[2]
    outline = window.filters._highlight.path().boundingRect()
    assert abs(outline.left() - left) < 1 and abs(outline.top() - top) < 1
    assert "filter #3" in window.decomposition.caption.text()


def test_the_gradient_overlay_states_its_scale_and_fades_as_the_gradient_vanishes(qtbot, paused_window):
    window = paused_window()
    qtbot.mouseClick(window.controls.gradient, Qt.MouseButton.LeftButton)
    window.commands.reset(0)
    qtbot.waitUntil(lambda: window.shown.step == 0, timeout=TIMEOUT)
    early = float(np.abs(window.shown.grads).max())
    window.commands.train(2000)
    qtbot.waitUntil(lambda: window.shown.step == 2000, timeout=30_000)
    late = float(np.abs(window.shown.grads).max())
    low, high = window.filters.overlay.getLevels()
    assert late < early / 100 and high >= early * 0.99  # the scale is the run's largest, not today's
    note = window.filters.gradient_note.text()
    assert window.filters.gradient_note.isVisible() and "step 2,000" in note and f"{late:.2g}" in note

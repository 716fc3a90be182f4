"""The guided lesson, clicked through as a teacher would: every step puts the app in the state it describes.

The lesson is the built-in lesson file (engine/lesson/lessons/lesson.en.md), read like any other."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import Config
from filterlab.engine.core.explain import noise_range, per_filter
from filterlab.engine.core.metrics import loss_text, signed
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.lab1d.spec import Lab1DSpec
from filterlab.engine.lesson.builtin import builtin_lesson
from filterlab.gui.lesson.steps import steps_of
from filterlab.gui.windows.digit import DigitWindow

STEPS = builtin_lesson("en").steps
LESSON_SEED, FORMED_STEP = 0, 300  # the file's seed, and the steps of its formed-filters steps (9 and 10)


@pytest.fixture
def lesson(qtbot, digit):
    """A window trained a little on other settings, then Help > Lesson (the built-in lesson, in English)."""
    window = DigitWindow(DigitSpec(Config(filters=3, lr=0.01, seed=9), *digit), speed=0)
    window.teacher.lesson_steps = steps_of(builtin_lesson("en"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.frame is not None and window.frame.snapshot.step > 50, timeout=30_000)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Lesson").trigger()
    yield window
    window.close()


def settled(qtbot, window, condition, timeout=20_000):
    qtbot.waitUntil(lambda: window.frame is not None and condition(window.frame), timeout=timeout)
    return window.frame.snapshot


def click_next(qtbot, window):
    qtbot.mouseClick(window.lesson.next, Qt.MouseButton.LeftButton)


def lesson_text(window) -> str:
    return window.lesson.text.text()


def test_every_step_puts_the_app_in_the_state_it_describes(qtbot, lesson):
    w = lesson
    assert w.lesson.isVisible() and w.lesson.index == 0 and len(STEPS) == 12
    # 1. the stage: the article's experiment from its start, paused at step 0
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 0 and f.snapshot.config == Config())
    assert w.run.seed.text() == f"seed {LESSON_SEED}" and w.controls.filters.value() == 5
    assert w.spotlight.isVisible() and w.spotlight.targets == [w.filters, w.digit]
    assert len(w.spotlight.frames()) == 2
    qtbot.waitUntil(lambda: f"#1 {signed(w.shown.cosine[0])}" in lesson_text(w), timeout=5_000)  # not stale
    assert "Step 0: nothing has been trained yet" in lesson_text(w)
    # 2. the forward pass: z shown, with the numbers of the screen
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 0)
    assert w.tabs.currentIndex() == 0 and w.spotlight.targets == [w.tabs]
    qtbot.waitUntil(lambda: f"#1 {float(w.shown.z[0].ravel()[0]):+.3f}" in lesson_text(w), timeout=5_000)
    # 3. the loss and dL/dz
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: f.snapshot.step == 0)
    qtbot.waitUntil(lambda: f"loss {loss_text(w.shown.loss, 3)}" in lesson_text(w), timeout=5_000)
    assert w.loss in w.spotlight.targets
    # 4. one SGD step: exactly one step, a copy of the digit, measured
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 1 and f.snapshot.config.optimizer == "sgd")
    assert w.tabs.currentWidget() is w.decomposition and w.spotlight.targets == [w.decomposition]
    assert snap.config.lr == 0.01 and snap.config.weight_decay == 0
    np.testing.assert_allclose(w.decomposition.product, snap.grads[0], rtol=1e-4, atol=1e-7)
    assert abs(abs(snap.last_step_cosine[0]) - 1) < 1e-4
    qtbot.waitUntil(lambda: f"<b>{signed(snap.last_step_cosine[0])}</b>" in lesson_text(w), timeout=5_000)
    assert "it <b>is</b> a copy of the negative digit" in lesson_text(w) and "Off the ink nothing moved" in lesson_text(w)
    assert "is a copy of the negative digit" in w.decomposition.caption.text()
    # 5. SGD, run: from step 0 again, at the lesson pace; the noise left stays 100%
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: f.running and "lesson pace" in f.pace and f.snapshot.config.optimizer == "sgd")
    assert snap.step < 30
    qtbot.waitUntil(lambda: "noise left where the digit is blank: <b>100%</b>" in lesson_text(w), timeout=5_000)
    # 6. Adam's first step: not a copy, measured on and off the ink
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 1 and f.snapshot.config == Config())
    assert w.tabs.currentWidget() is w.decomposition
    assert abs(abs(snap.last_step_cosine[0]) - 0.36) < 0.02
    qtbot.waitUntil(lambda: f"<b>{signed(snap.last_step_cosine[0])}</b> — not a copy" in lesson_text(w),
                    timeout=5_000)
    assert "not a copy of the digit" in w.decomposition.caption.text()
    assert "erases the background noise" in w.decomposition.caption.text()
    # 7. Adam + weight decay, run: learning added shown, the noise left falls
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: f.running and f.snapshot.config == Config() and f.snapshot.step > 100,
                   timeout=60_000)
    assert w.tabs.currentWidget() is w.learned
    left = noise_range(w.shown.background_noise_left)
    qtbot.waitUntil(lambda: "<b>" + noise_range(w.shown.background_noise_left) + "</b>" in lesson_text(w),
                    timeout=5_000)
    assert max(snap.background_noise_left) < 0.2 and left != "100%"
    # 8. predict, then reveal: Reveal only after a choice; the runs open side by side
    click_next(qtbot, w)
    settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 0)
    box = w.lesson.question
    assert box.isVisible() and not box.reveal.isEnabled() and not box.answer.isVisible()
    assert [b.text() for b in box.choices] == ["SGD", "Adam", "Adam + weight decay"]
    qtbot.waitUntil(lambda: box.choices[0].isVisible(), timeout=5_000)
    choice = box.choices[0]  # a person clicks on the round button or its words, not the empty space after them
    qtbot.mouseClick(choice, Qt.MouseButton.LeftButton, pos=QPoint(8, choice.height() // 2))
    assert box.chosen == 0 and box.reveal.isEnabled()
    with qtbot.waitSignal(w.experiment_wanted) as wanted:
        qtbot.mouseClick(box.reveal, Qt.MouseButton.LeftButton)
    spec = wanted.args[0]
    assert isinstance(spec, ComparisonSpec) and spec.names == ["SGD", "Adam", "Adam + weight decay"]
    assert "Not quite" in box.answer.text() and "the answer is Adam + weight decay" in box.answer.text()
    assert not box.reveal.isEnabled() and not any(b.isEnabled() for b in box.choices)
    # 9. why some filters become the negative digit: trained to FORMED_STEP, paused; the bump found in the record
    click_next(qtbot, w)
    assert not box.isVisible()
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == FORMED_STEP)
    assert np.all(np.sign(snap.cosine) == np.sign(snap.class_weights))
    qtbot.waitUntil(lambda: f"their cosines: {per_filter(snap.cosine)}" in lesson_text(w), timeout=5_000)
    assert "Weights to class 4 now" in lesson_text(w)
    assert "filter #3's similarity curve: it first moved towards the digit" in lesson_text(w)
    assert "Its weight to class 4 is -0.05 now, the smallest of all" in lesson_text(w)
    assert not w.article.isVisible()
    # 10. what the article's pictures hid: its own run (raw pixels 0-255), its pictures beside the signed filters
    click_next(qtbot, w)
    raw = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == FORMED_STEP
                  and f.snapshot.config.pixel_scale == 255)
    assert w.article.isVisible() and w.controls.article.isChecked() and w.controls.raw_pixels.isChecked()
    assert w.spotlight.targets == [w.filters, w.article]
    assert raw.loss == 0.0 and np.abs(raw.cosine).max() < 0.5 and raw.agreement.min() > 0.85
    qtbot.waitUntil(lambda: "Raw pixels saturate the softmax" in lesson_text(w)
                    and f"#1 {raw.agreement[0]:.0%}" in lesson_text(w), timeout=5_000)
    assert "loss 0, the 4's probability 1;" in lesson_text(w)  # what "saturate" says, on screen
    links = [w.lesson.links.itemAt(i).widget() for i in range(w.lesson.links.count())]
    qtbot.mouseClick(links[1], Qt.MouseButton.LeftButton)  # the same run on pixels 0-1
    honest = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == FORMED_STEP
                     and f.snapshot.config.pixel_scale == 1)
    assert np.abs(honest.cosine).min() > 0.8 and w.article.isVisible()
    np.testing.assert_array_equal(honest.initial, raw.initial)  # the same start
    # 11. your turn: training at the lesson pace on pixels 0-1, the canvas framed, the article's pictures put away
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: f.running and "lesson pace" in f.pace)
    assert w.spotlight.targets == [w.source, w.tabs] and not w.article.isVisible() and snap.config.pixel_scale == 1
    predict = w.lesson.links.itemAt(0).widget()
    assert predict.text() == "Predict, then reveal"
    qtbot.mouseClick(predict, Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is w.predict
    # 12. beyond: paused, one click each
    click_next(qtbot, w)
    settled(qtbot, w, lambda f: not f.running)
    assert not w.lesson.next.isEnabled()
    buttons = [w.lesson.links.itemAt(i).widget() for i in range(w.lesson.links.count())]
    assert [b.text() for b in buttons][2] == "The 1-D lab"
    with qtbot.waitSignal(w.experiment_wanted) as wanted:
        qtbot.mouseClick(buttons[2], Qt.MouseButton.LeftButton)
    assert isinstance(wanted.args[0], Lab1DSpec)


def test_the_compared_runs_bear_out_the_answer():
    """Step 8's answer, checked on the runs it opens: only Adam + weight decay erases the noise."""
    from filterlab.engine.digit.trainer import Trainer

    left = {}
    assert STEPS[8].train == FORMED_STEP
    for name, config in STEPS[7].compare:
        trainer = Trainer(config)
        trainer.step(FORMED_STEP)
        left[name] = trainer.snapshot().background_noise_left
    assert np.all(left["SGD"] == 1.0) and np.all(left["Adam"] == 1.0)
    assert np.all(left["Adam + weight decay"] < 0.01)


def test_step_one_names_the_step_the_run_is_at(qtbot, lesson):
    """Its words never say "step 0" once the run has moved on (the lesson steps are not a frozen script)."""
    w = lesson
    settled(qtbot, w, lambda f: f.snapshot.step == 0 and f.snapshot.config == Config())
    w.commands.train(5)
    settled(qtbot, w, lambda f: f.snapshot.step == 5)
    qtbot.waitUntil(lambda: "Step 5." in lesson_text(w), timeout=5_000)
    assert "Step 0" not in lesson_text(w)


def test_back_returns_to_the_same_state_and_closing_the_panel_clears_the_frames(qtbot, lesson):
    w = lesson
    for _ in range(3):
        click_next(qtbot, w)
    first = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 1 and f.snapshot.config.optimizer == "sgd")
    click_next(qtbot, w)
    settled(qtbot, w, lambda f: f.running)
    qtbot.mouseClick(w.lesson.back, Qt.MouseButton.LeftButton)
    again = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 1 and f.snapshot.config.optimizer == "sgd")
    np.testing.assert_array_equal(first.filters, again.filters)  # a fixed seed: the very same step
    w.lesson.close()
    qtbot.waitUntil(lambda: not w.spotlight.isVisible(), timeout=5_000)


def test_the_small_kernel_link_sets_the_knobs_and_rebuilds(qtbot, lesson):
    w = lesson
    w.lesson.go_to(len(STEPS) - 1)
    button = w.lesson.links.itemAt(0).widget()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    settled(qtbot, w, lambda f: f.snapshot.filters.shape == (8, 5, 5))
    assert w.controls.kernel.value() == 5 and w.tabs.currentWidget() is w.maps


def test_a_window_the_lesson_asks_for_opens_beside_it(qtbot, digit):
    """As the app wires it (gui/app.py): "Many digits" opens the set window beside the first."""
    from filterlab.gui.app import OPEN, open_window
    from filterlab.gui.windows.digitset import SetWindow

    window = open_window(DigitSpec(Config(filters=2), *digit), speed=0)
    qtbot.addWidget(window)
    window.teacher.open_experiment("many-digits")  # the lesson link the set run declares (engine/registry.py)
    assert len(OPEN) == 1 and isinstance(OPEN[0], SetWindow) and OPEN[0].isVisible()
    other = OPEN[0]
    qtbot.waitUntil(lambda: other.frame is not None, timeout=30_000)
    assert other.frame.snapshot.config.filters == 16 and isinstance(other, SetWindow)
    other.close()
    qtbot.waitUntil(lambda: not OPEN, timeout=5_000)
    window.close()


def test_your_turn_after_the_articles_run_trains_on_pixels_0_1_again(qtbot, lesson):
    w = lesson
    w.lesson.go_to(9)
    settled(qtbot, w, lambda f: f.snapshot.step == FORMED_STEP and f.snapshot.config.pixel_scale == 255)
    click_next(qtbot, w)
    snap = settled(qtbot, w, lambda f: f.running and f.snapshot.config.pixel_scale == 1)
    assert not w.controls.raw_pixels.isChecked() and not w.article.isVisible() and snap.step < FORMED_STEP

"""A lesson a teacher wrote, opened from the File menu and walked as a class would: its states, its
placeholders, its question, its hidden controls; a broken one refused in one message; a lesson built by
saving the state on screen, step by step."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFormLayout, QMessageBox

from filterlab.engine.comparison.spec import ComparisonSpec
from filterlab.engine.core.config import Config
from filterlab.engine.core.explain import noise_range
from filterlab.engine.core.metrics import signed
from filterlab.engine.data import bundled_index
from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.lesson.reader import read_lesson
from filterlab.gui.windows.digit import DigitWindow

LESSON = """# Three steps

## One SGD step

```filterlab
optimizer: sgd
lr: 0.01
weight_decay: 0
filters: 2
seed: 3
image: four.png
label: 4
train: 1
tab: one-step
spotlight: one-step
hide: lr, optimizer
```

Filter #1's step has a cosine of **{last_step_cosine}** to the digit: {step_verdict}. Loss {loss:.3f}.

## Predict

```filterlab
filters: 2
seed: 3
sample: 3
train: 20
spotlight: filters
compare: SGD | optimizer=sgd, lr=0.01, weight_decay=0, filters=2
compare: Adam | filters=2
choices: SGD | Adam
answer: Adam
reveal: compare
```

Cosines after {step} steps: {cosines:+.3f}.

### Question

Which one erases the noise off the ink?

### Answer

Adam with weight decay. Noise left here now: {noise_left}.

## Keep going

```filterlab
reset: no
run: 200
hide: reset
link: lab1d | The 1-D lab
```

Step {step}; the label is {label}.
"""


@pytest.fixture
def window(qtbot, digit):
    win = DigitWindow(DigitSpec(Config(filters=2), *digit), running=False, speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def lesson_path(tmp_path, digit):
    Image.fromarray((digit[0] * 255).round().astype(np.uint8), mode="L").save(tmp_path / "four.png")
    path = tmp_path / "three.md"
    path.write_text(LESSON, encoding="utf-8")
    return path


def menu_action(window, text):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.text() == text)


def settled(qtbot, window, condition, timeout=20_000):
    qtbot.waitUntil(lambda: window.frame is not None and condition(window.frame), timeout=timeout)
    return window.frame.snapshot


def row_hidden(widget) -> bool:
    form = widget.parentWidget().layout()
    assert isinstance(form, QFormLayout)
    return widget.isHidden() and form.labelForField(widget).isHidden()


def text(window) -> str:
    return window.lesson.text.text()


def test_a_teachers_lesson_opened_from_the_menu_and_walked(qtbot, window, lesson_path, monkeypatch):
    w = window
    monkeypatch.setattr("filterlab.gui.lesson.states.ask_file", lambda *a, **k: str(lesson_path))
    menu_action(w, "Open lesson…").trigger()
    assert w.lesson.isVisible() and w.lesson.count.text() == "1 / 3"
    # 1: one SGD step on the lesson's own image; lr and optimizer hidden with their labels
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 1 and f.snapshot.config.filters == 2)
    assert snap.config == Config(optimizer="sgd", lr=0.01, weight_decay=0.0, filters=2, seed=3)
    assert snap.label == 4 and w.tabs.currentWidget() is w.decomposition
    assert w.spotlight.targets == [w.decomposition]
    assert row_hidden(w.controls.lr) and row_hidden(w.controls.optimizer) and not w.controls.momentum.isHidden()
    qtbot.waitUntil(lambda: f"<b>{signed(snap.last_step_cosine[0])}</b>" in text(w), timeout=5_000)
    assert "it <b>is</b> a copy of the" in text(w) and f"Loss {snap.loss:.3f}." in text(w)
    # 2: a bundled sample; the question first (its 20 steps held back): Reveal only after a choice, then the
    # 20 steps, the runs side by side and the answer with the numbers after them
    qtbot.mouseClick(w.lesson.next, Qt.MouseButton.LeftButton)
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 0 and f.snapshot.config.optimizer == "adam"
                   and f.applied >= w.commands.sent)
    image, label = bundled_index(3)
    np.testing.assert_array_equal(snap.image, image)
    assert snap.label == label and not w.controls.lr.isHidden()
    box = w.lesson.question
    assert box.isVisible() and not box.reveal.isEnabled() and "Which one erases the noise" in box.prompt.text()
    qtbot.waitUntil(lambda: box.choices[1].isVisible(), timeout=5_000)
    qtbot.mouseClick(box.choices[1], Qt.MouseButton.LeftButton, pos=QPoint(8, box.choices[1].height() // 2))
    assert box.reveal.isEnabled()
    with qtbot.waitSignal(w.experiment_wanted) as wanted:
        qtbot.mouseClick(box.reveal, Qt.MouseButton.LeftButton)
    spec = wanted.args[0]
    assert isinstance(spec, ComparisonSpec) and spec.names == ["SGD", "Adam"]
    snap = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 20)
    cosines = ", ".join(f"#{i + 1} {c:+.3f}" for i, c in enumerate(snap.cosine))
    qtbot.waitUntil(lambda: f"Cosines after 20 steps: {cosines}." in text(w), timeout=5_000)
    assert "Right:" in box.answer.text() and "Adam" in box.answer.text()
    qtbot.waitUntil(lambda: f"Noise left here now: {noise_range(snap.background_noise_left)}." in box.answer.text(),
                    timeout=5_000)
    # 3: the run kept (no reset), training at 200 steps a second; Reset hidden; a link
    qtbot.mouseClick(w.lesson.next, Qt.MouseButton.LeftButton)
    snap = settled(qtbot, w, lambda f: f.running and f.snapshot.step > 25)
    assert snap.config.filters == 2 and w.run.speed.currentData() == 200 and w.run.reset.isHidden()
    qtbot.waitUntil(lambda: f"the label is {label}." in text(w), timeout=5_000)
    button = w.lesson.links.itemAt(0).widget()
    assert button.text() == "The 1-D lab" and not w.lesson.next.isEnabled()
    # back: the question asked afresh, Reset shown again; closing the lesson shows every control
    qtbot.mouseClick(w.lesson.back, Qt.MouseButton.LeftButton)
    settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 0)
    assert box.chosen is None and not box.reveal.isEnabled() and not w.run.reset.isHidden()
    w.lesson.go_to(0)
    assert row_hidden(w.controls.lr)
    w.lesson.close()
    qtbot.waitUntil(lambda: not w.controls.lr.isHidden(), timeout=5_000)
    assert w.teacher.hidden_lesson_controls() == []


def test_a_broken_lesson_is_one_message_and_changes_nothing(qtbot, window, lesson_path, monkeypatch):
    lesson_path.write_text(LESSON.replace("lr: 0.01", "lr: fast"), encoding="utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    monkeypatch.setattr("filterlab.gui.lesson.states.ask_file", lambda *a, **k: str(lesson_path))
    menu_action(window, "Open lesson…").trigger()
    assert shown == [("Cannot open this lesson",
                      f"{lesson_path}:7: lr must be a number, 0 or more (e.g. 0.001 or 1e-5); got 'fast'")]
    assert window.lesson is None


def test_a_lesson_built_by_saving_the_state_on_screen(qtbot, window, tmp_path, monkeypatch):
    w = window
    target = tmp_path / "built.md"
    monkeypatch.setattr("filterlab.gui.lesson.states.ask_file", lambda *a, **k: str(target))
    w.controls.optimizer.setCurrentIndex(w.controls.optimizer.findData("sgd"))  # as a person picks it
    w.commands.train(12)
    snap = settled(qtbot, w, lambda f: f.snapshot.step == 12 and f.snapshot.config.optimizer == "sgd")
    w.teacher.show_tab("one-step")
    menu_action(w, "Save this state as a lesson step…").trigger()
    menu_action(w, "Save this state as a lesson step…").trigger()
    lesson = read_lesson(target)
    assert len(lesson.steps) == 2 and lesson.steps[1].title.startswith("2. ")
    step = lesson.steps[0]
    assert step.config == snap.config and step.train == 12 and step.tab == "one-step"
    assert step.digit.label == snap.label and np.array_equal(step.digit.image, snap.image)
    assert "{loss}" in step.words.text  # placeholder words, for the teacher to rewrite
    # opened, the step puts the same run back on screen
    assert w.teacher.open_lesson_path(target)
    again = settled(qtbot, w, lambda f: not f.running and f.snapshot.step == 12 and f.applied >= w.commands.sent)
    np.testing.assert_allclose(again.filters, snap.filters, atol=1e-6)
    # a file that is not a lesson is refused, and left as it was
    broken = tmp_path / "notes.md"
    broken.write_text("my notes, not a lesson\n", encoding="utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    assert not w.teacher.save_lesson_step_to(broken)
    assert shown[0][0] == "Cannot add the step" and "notes.md:1:" in shown[0][1]
    assert broken.read_text(encoding="utf-8") == "my notes, not a lesson\n"


def test_a_steps_measured_words_wait_for_its_state():
    """While the training thread still shows the last state (Adam), the SGD step says nothing measured about it."""
    from filterlab.engine.digit.trainer import Trainer
    from filterlab.engine.lesson.builtin import builtin_lesson
    from filterlab.gui.lesson.steps import steps_of

    steps = steps_of(builtin_lesson("en"))
    sgd_step, adam_step = steps[3], steps[5]
    adam = Trainer(Config())
    adam.step(3)
    assert "Measured" not in sgd_step.text(adam.snapshot()) and "Measured" in adam_step.text(adam.snapshot())
    sgd = Trainer(Config(optimizer="sgd", lr=0.01, weight_decay=0.0))
    sgd.step(1)
    assert "Measured" in sgd_step.text(sgd.snapshot()) and "Measured" not in adam_step.text(sgd.snapshot())

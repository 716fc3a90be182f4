"""Hands on the filters, driven as a learner does: paint with the mouse, fork from the timeline, predict."""
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import cosine
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.windows.comparison import ComparisonWindow
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.worker.queries import Query

TIMEOUT = 20_000
ROW = 14  # the stroke goes across this row of filter 1


def open_window(qtbot, digit, config, running=True, speed=0):
    window = DigitWindow(DigitSpec(config, *digit), running=running, speed=speed)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@dataclass(frozen=True)
class FilterNow(Query[np.ndarray]):
    index: int

    def answer(self, trainer) -> np.ndarray:
        return trainer.filter(self.index).copy()


@dataclass(frozen=True)
class RecordedFilter(Query[np.ndarray]):
    step: int
    index: int

    def answer(self, trainer) -> np.ndarray:
        return trainer.record.at(self.step)[1][self.index].copy()


@dataclass(frozen=True)
class LargestAdamMoment(Query[float]):
    """The largest |Adam first moment| of one filter's weights."""

    index: int

    def answer(self, trainer) -> float:
        return trainer.optimizer.state[trainer.model.conv.weight]["exp_avg"][self.index].abs().max().item()


def ask(qtbot, window, query):
    """The answer of a query, asked on the training thread as the window's own queries are."""
    answers = []
    window.ask(query, answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=TIMEOUT)
    return answers[0]


def stroke_across_filter_one(qtbot, window, mouse):
    grid = window.filters
    target = SimpleNamespace(image=grid.image, view=grid.graphics)
    top, left = grid.slots[0]
    qtbot.wait(20)  # a real mouse hovers over the filter before it presses (pyqtgraph hands drags to what it hovered)
    mouse.move(grid.graphics.viewport(), mouse.at(target, left + 0.5, top + ROW), Qt.MouseButton.NoButton)
    qtbot.wait(20)
    mouse.drag(target, mouse.LEFT, (left + 0.5, top + ROW), (left + 27.5, top + ROW), steps=24)


def test_a_stroke_across_filter_one_is_overwritten_on_the_ink_and_stays_off_it_with_sgd(qtbot, digit, wait_frame,
                                                                                       mouse):
    image, _ = digit
    window = open_window(qtbot, digit, Config(filters=3, optimizer="sgd", lr=0.01), speed=200)
    wait_frame(window, lambda f: f.snapshot.step > 20)
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.paint_tools.toggle.isChecked() and window.filters.paint_layer.isVisible()
    assert "SGD" in window.paint_tools.note.text()
    stroke_across_filter_one(qtbot, window, mouse)
    frame = wait_frame(window, lambda f: len(f.snapshot.edit_steps) == 1, timeout=TIMEOUT)
    edit = int(frame.snapshot.edit_steps[0])
    assert window.timeline.marks.indices  # the edit is marked on the timeline
    edited = ask(qtbot, window, RecordedFilter(edit, 0))
    wait_frame(window, lambda f: f.snapshot.step >= edit + 300, timeout=30_000)
    now = ask(qtbot, window, FilterNow(0))
    window.close()
    band = edited[ROW] - 0  # the painted row: the filter's largest weight, at full coverage
    assert np.abs(band).min() > 0.5 * np.abs(edited).max()
    on, off = image[ROW] > 0, image[ROW] == 0
    assert on.any() and off.any()
    assert np.abs(now[ROW][off] - edited[ROW][off]).max() < 1e-4  # only weight decay acted there
    assert np.abs(now[ROW][on] - edited[ROW][on]).mean() > 30 * np.abs(now[ROW][off] - edited[ROW][off]).mean()


def test_adam_says_the_edit_fades_and_the_tools_edit_the_selected_filter(qtbot, digit, wait_frame):
    window = open_window(qtbot, digit, Config(filters=3), running=False)
    window.commands.train(50)
    wait_frame(window, lambda f: f.snapshot.step == 50)
    grid = window.filters
    grid.double_clicked.emit(1)  # as a double-click on filter 2 does
    assert window.paint_tools.toggle.isChecked() and grid.selected == 1
    assert "Adam" in window.paint_tools.note.text() and "fades" in window.paint_tools.note.text()
    before = window.frame.snapshot.filters[1].copy()
    qtbot.mouseClick(window.paint_tools.invert, Qt.MouseButton.LeftButton)
    frame = wait_frame(window, lambda f: len(f.snapshot.edit_steps) == 1)
    assert np.array_equal(frame.snapshot.filters[1], -before)
    window.paint_tools.reset.setChecked(True)
    qtbot.mouseClick(window.paint_tools.paste, Qt.MouseButton.LeftButton)
    wait_frame(window, lambda f: cosine(f.snapshot.filters[1], f.snapshot.image) > 0.999)
    moments = ask(qtbot, window, LargestAdamMoment(1))
    assert moments == 0.0
    window.close()


def test_fork_here_opens_both_runs_from_the_step_shown(qtbot, digit, wait_frame):
    window = open_window(qtbot, digit, Config(filters=3), running=False)
    window.commands.train(400)
    wait_frame(window, lambda f: f.snapshot.step == 400)
    opened = []
    window.experiment_wanted.connect(opened.append)
    window.timeline.scrub_to(300)
    qtbot.waitUntil(lambda: window.shown.step == 300 and window.shown.historical, timeout=TIMEOUT)
    qtbot.mouseClick(window.forking.button, Qt.MouseButton.LeftButton)
    dialog = window.forking.dialog
    assert dialog.isVisible() and "300" in dialog.windowTitle()
    dialog.change.setCurrentIndex(1)  # the optimizer
    assert dialog.optimizer.currentText() == "sgd"
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=TIMEOUT)
    recorded = window.shown.filters.copy()
    window.close()
    spec = opened[0]
    assert spec.note is None and [c.optimizer for _, c in spec.runs] == ["adam", "sgd"]
    other = ComparisonWindow(spec, running=False, speed=0)
    qtbot.addWidget(other)
    other.show()
    frame = wait_frame(other, lambda f: f.snapshot.step == 300)
    for run in frame.snapshot.runs:
        assert np.array_equal(run.filters, recorded)
    assert "step 300" in other.columns[0].grid.title.title()
    other.close()


@pytest.mark.parametrize("kind, expected", [("digit", 0.6), ("blank", None)])
def test_predict_then_reveal_scores_the_guess_with_the_cosine_shown(qtbot, digit, wait_frame, kind, expected):
    window = open_window(qtbot, digit, Config(filters=3), running=False)
    wait_frame(window, lambda f: f.snapshot.step == 0)
    window.open_prediction()
    panel = window.predict
    assert window.tabs.currentWidget() is panel
    button = next(b for b in panel.choices.buttons() if b.property("kind") == kind)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(30, button.height() // 2))  # on its words
    assert button.isChecked()
    panel.steps.setValue(300)
    qtbot.mouseClick(panel.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pending is None and panel.go.isEnabled(), timeout=TIMEOUT)
    snap = window.frame.snapshot
    assert snap.step == 300 and not window.frame.running
    if expected is None:
        assert panel.score is None and "size" in panel.result.text()
    else:
        guess = panel.guess_image.image
        assert panel.score == pytest.approx(cosine(guess, snap.filters[0]))
        assert abs(panel.score) > expected and f"{panel.score:+.2f}" in panel.result.text()
    window.close()

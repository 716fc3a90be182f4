"""The lesson in front of a class: on a 1024x768 projector and a 1280x720 screen every step's words are
readable (wrapped, nothing cut at the side, no sideways scrolling), Back and Next in sight, and the filters it
talks about at least 96 px a tile; the lesson stands where the controls were, never taking the views' room."""
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from filterlab.engine.core.config import Config
from filterlab.engine.digit.spec import DigitSpec
from filterlab.gui.lesson.steps import STEPS, LessonStep
from filterlab.gui.windows.digit import DigitWindow

from .test_screens import tile_pixels

SCREENS = ((1024, 768), (1280, 720))
MIN_TILE = 96


def global_rect(widget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def whole(widget) -> bool:
    """All of `widget` is on screen: nothing of it scrolled away or cut off by its parents."""
    shown, parent = global_rect(widget), widget.parentWidget()
    while parent is not None:
        shown = shown.intersected(global_rect(parent))
        parent = parent.parentWidget()
    return widget.isVisible() and shown.size() == widget.size()


def open_at(qtbot, digit, size, steps=None):
    window = DigitWindow(DigitSpec(Config(filters=3), *digit), speed=0)
    if steps is not None:
        window.teacher.lesson_steps = steps
    qtbot.addWidget(window)
    window.show()
    window.resize(*size)
    qtbot.waitUntil(lambda: window.frame is not None, timeout=30_000)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    next(a for a in help_menu.actions() if a.text() == "Lesson").trigger()
    return window


def settle():
    for _ in range(3):
        QApplication.processEvents()


def lesson_problems(window) -> list[str]:
    lesson, found = window.lesson, []
    if lesson.words_scroll.horizontalScrollBar().isVisible():
        found.append("a horizontal scroll bar")
    viewport = lesson.words_scroll.viewport()
    for label in (lesson.title, lesson.text):
        if label.heightForWidth(label.width()) > label.height() or label.width() > viewport.width():
            found.append(f"{label.text()[:30]!r} does not fit its {label.width()}x{label.height()}")
    for button in lesson.link_buttons():
        if not button.text_fits() or button.mapTo(viewport, button.rect().topRight()).x() > viewport.width():
            found.append(f"link {button.text()!r} cut off")
    for button in (lesson.back, lesson.next, lesson.title):
        if not whole(button):
            found.append(f"{button.text()!r} not wholly in sight")
    if global_rect(lesson).right() >= global_rect(window.middle).left():
        found.append("the lesson overlaps the views")
    return found


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_step_fits_and_the_filters_keep_their_size(qtbot, digit, size):
    window = open_at(qtbot, digit, size)
    assert (window.width(), window.height()) == size
    next_at = None
    for index in range(len(STEPS)):
        if index:
            qtbot.mouseClick(window.lesson.next, Qt.MouseButton.LeftButton)
        assert window.lesson.index == index
        settle()
        qtbot.waitUntil(lambda: window.filters.arrangement is not None
                        and tile_pixels(window.filters) >= MIN_TILE, timeout=10_000)
        settle()
        assert lesson_problems(window) == [], f"step {index + 1}"
        next_at = next_at or global_rect(window.lesson.next)
        assert global_rect(window.lesson.next) == next_at  # clicked again and again: it never moves
        for target in window.spotlight.targets:  # what the step points at is there to see, whole
            assert target.isVisible() and whole(target), f"step {index + 1}: {type(target).__name__}"
    window.close()


def test_any_words_and_any_links_wrap_in_the_column(qtbot, digit):
    """The lesson's words are being rewritten: the column copes with long words, long text, many long links."""
    text = "<p>" + " ".join(["a-very-long-word-that-does-not-fit-anywhere" * 2] + ["word"] * 600) + "</p>"
    links = tuple((f"link {i}: " + "a long link text that says a great deal " * 3, lambda w: None) for i in range(6))
    steps = (LessonStep("1. " + "A long title " * 8, lambda snap: text, lambda w: None, lambda w: [w.filters],
                        links=links),)
    window = open_at(qtbot, digit, (1024, 768), steps)
    settle()
    assert lesson_problems(window) == []
    assert len(window.lesson.link_buttons()) == 6
    assert window.lesson.words_scroll.verticalScrollBar().maximum() > 0  # the rest is a scroll down, not cut off
    qtbot.waitUntil(lambda: window.filters.arrangement is not None
                    and tile_pixels(window.filters) >= MIN_TILE, timeout=10_000)
    window.close()


def test_the_lesson_stands_where_the_controls_were_and_gives_them_back(qtbot, digit):
    window = open_at(qtbot, digit, (1024, 768))
    assert window.lesson.isVisible() and not window.control_panel.isVisible()
    window.presenter.actions["Hide controls"].trigger()  # Ctrl+H: the knobs under the lesson
    settle()
    assert window.control_panel.isVisible() and window.controls.isVisible() and window.lesson.isVisible()
    assert window.controls.lr.visibleRegion().boundingRect().width() > 0 or window.control_panel.isVisible()
    qtbot.mouseClick(window.lesson.close_button, Qt.MouseButton.LeftButton)
    settle()
    assert not window.lesson.isVisible() and window.control_panel.isVisible() and not window.spotlight.isVisible()
    window.close()

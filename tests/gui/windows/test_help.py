"""Help: the keys each window answers, a paragraph per view and tab, the versions and the MNIST credit; each
dialog fits the screen it opens on (the text scrolls inside, OK in sight)."""
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QScrollArea, QTabWidget

from filterlab.gui.windows.help import VIEWS, about_text

from .test_screens import WINDOWS


def menu_action(window, menu: str, text: str):
    found = next(a.menu() for a in window.menuBar().actions() if a.text() == menu)
    return next(a for a in found.actions() if a.text() == text)


def opened(window, text: str) -> QDialog:
    before = set(window.findChildren(QDialog))
    menu_action(window, "&Help", text).trigger()
    (dialog,) = set(window.findChildren(QDialog)) - before
    return dialog


def dialog_text(dialog) -> str:
    return dialog.findChild(QScrollArea).widget().text()


def test_the_help_menu_lists_the_keys_the_views_and_the_credits(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    keys, views = dialog_text(opened(window, "Keyboard shortcuts")), dialog_text(opened(window, "What am I looking at?"))
    menu_action(window, "&Help", "About Filter Lab").trigger()
    (about,) = shown
    for key in ("Space", "S", "R", "F", "C", "0-9", "F1"):
        assert f"<b>{key}</b>" in keys
    assert all(f"<b>{name}</b>" in views for name, _ in VIEWS) and len(VIEWS) >= 8
    assert "CC BY-SA 3.0" in about[1] and "torch" in about[1] and about[1] == about_text()
    assert menu_action(window, "&Help", "Lesson").isEnabled()


@pytest.mark.parametrize("kind", ["digit", "set", "comparison"])
def test_what_am_i_looking_at_names_every_tab_and_fits_a_1024x768_screen(qtbot, digit, kind):
    window = WINDOWS[kind](digit)
    qtbot.addWidget(window)
    window.show()
    window.resize(1024, 768)
    dialog = opened(window, "What am I looking at?")
    qtbot.waitExposed(dialog)
    text = dialog_text(dialog)
    for tabs in window.findChildren(QTabWidget):
        for i in range(tabs.count()):
            assert f"<b>{tabs.tabText(i)}</b>" in text, tabs.tabText(i)
    titles = [label.text() for view in window.views for label in view.findChildren(QLabel)
              if label.text() in ("filters now", "filters at step 0")]
    assert all(f"<b>{title}</b>" in text for title in titles)
    screen = window.screen().availableGeometry()
    assert dialog.height() <= screen.height() and dialog.width() <= screen.width()
    ok = dialog.findChild(QDialogButtonBox)
    assert QRect(ok.mapTo(dialog, ok.rect().topLeft()), ok.size()).bottom() <= dialog.height()  # OK in sight
    scroll = dialog.findChild(QScrollArea)
    assert not scroll.horizontalScrollBar().isVisible()
    if scroll.widget().height() > scroll.viewport().height():
        assert scroll.verticalScrollBar().maximum() > 0  # the rest is a scroll down, inside the dialog
    dialog.accept()
    window.close()

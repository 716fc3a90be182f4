"""Help: the keys each window answers, a paragraph per view, the versions and the MNIST credit."""
from PySide6.QtWidgets import QMessageBox

from filterlab.gui.windows.help import VIEWS, about_text


def menu_action(window, menu: str, text: str):
    found = next(a.menu() for a in window.menuBar().actions() if a.text() == menu)
    return next(a for a in found.actions() if a.text() == text)


def test_the_help_menu_lists_the_keys_the_views_and_the_credits(qtbot, window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    for text in ("Keyboard shortcuts", "What am I looking at?", "About Filter Lab"):
        menu_action(window, "&Help", text).trigger()
    keys, views, about = shown
    for key in ("Space", "S", "R", "F", "C", "0-9", "F1"):
        assert f"<b>{key}</b>" in keys[1]
    assert all(f"<b>{name}</b>" in views[1] for name, _ in VIEWS) and len(VIEWS) >= 8
    assert "CC BY-SA 3.0" in about[1] and "torch" in about[1] and about[1] == about_text()
    assert menu_action(window, "&Help", "Lesson").isEnabled()

"""File dialogs that suggest a name and open in the folder the last file went to.

Every dialog of the app shares one remembered folder (QSettings, so it is still there
next time): an export lands beside the previous one, and a session opens where it was
saved. The first dialog opens in the user's Pictures folder (or home), never in
whatever folder the app was started from. The export width is remembered the same way.
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog

FOLDER_KEY = "files/last_folder"


def settings() -> QSettings:
    """The app's settings: an INI file in the user's config folder (tests point it elsewhere with setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "FilterLab", "filterlab")


def last_folder() -> str:
    """Where the next dialog opens: the last file's folder while it exists, else Pictures, else home."""
    folder = str(settings().value(FOLDER_KEY, "") or "")
    if folder and Path(folder).is_dir():
        return folder
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and Path(pictures).is_dir() else str(Path.home())


def remember_folder(path: str) -> None:
    settings().setValue(FOLDER_KEY, str(Path(path).resolve().parent))


def _suffix(name_filter: str) -> str:
    """The suffix a filter such as "PDF documents (*.pdf)" names, '' if none."""
    match = re.search(r"\*\.(\w+)", name_filter)
    return match.group(1) if match else ""


def ask_file(parent, title: str, patterns: str, *, name: str = "", save: bool = True) -> str:
    """The file chosen in a dialog, '' if cancelled.

    `patterns` are Qt name filters (";;" between them); a name typed without a suffix
    gets the suffix of the filter chosen. A save dialog suggests `name`; Qt asks before
    it overwrites a file.
    """
    dialog = QFileDialog(parent, title, last_folder(), patterns)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
    dialog.setDefaultSuffix(_suffix(patterns.split(";;")[0]))
    dialog.filterSelected.connect(lambda chosen: dialog.setDefaultSuffix(_suffix(chosen)))
    if name:
        dialog.selectFile(name)
    if not dialog.exec():
        return ""
    path = dialog.selectedFiles()[0]
    remember_folder(path)
    return path

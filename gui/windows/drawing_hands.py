"""What people expect of a drawing app, in the digit window: undo and redo of strokes, an image file
dropped on the window, a picture pasted with Ctrl+V (through the image loader of File > Open).

A component of the digit window (gui/windows/digit.py), given the window it takes drops on, the digit's
source, the undo stack and the status bar's `tell`; the strokes on a filter are undone by their own
command (gui/windows/painting.py's FilterStroke), on the same QUndoStack.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage, QImageWriter, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from filterlab.gui.widgets.digit_source import DigitSource


def image_file(mime) -> str:
    """The first local file a drag or the clipboard carries ("" if none): the image loader judges it."""
    files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
    return files[0] if files else ""


class CanvasStroke(QUndoCommand):
    """A stroke (or a clear) on the canvas, done already when it is pushed: undo and redo set the ink."""

    def __init__(self, canvas, before, after):
        super().__init__("stroke on the canvas")
        self.canvas, self.before, self.after, self.done = canvas, before, after, True

    def redo(self) -> None:
        if self.done:  # pushed once drawn: nothing to do the first time
            self.done = False
            return
        self.canvas.set_ink(self.after)

    def undo(self) -> None:
        self.canvas.set_ink(self.before)


class DrawingHands(QObject):
    """Canvas strokes onto the undo stack; image files dropped on `window` taken; Ctrl+V (`paste`)."""

    def __init__(self, window: QWidget, source: DigitSource, undo_stack: QUndoStack,
                 tell: Callable[[str, int], None]):
        super().__init__(window)
        self.source, self.tell = source, tell
        source.canvas.edited.connect(lambda before, after: undo_stack.push(CanvasStroke(source.canvas, before, after)))
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def paste(self) -> None:
        """Ctrl+V: the clipboard's picture (or image file) becomes the training digit, through the image loader."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            QImageWriter(buffer, b"PNG").write(QImage(mime.imageData()))  # QImage.save's own writer
            self.source.load_image_data(bytes(data.data()))
        elif mime is not None and image_file(mime):
            self.source.load_image_path(image_file(mime))
        else:
            self.tell("the clipboard holds no picture to paste (copy an image, or its file)", 8000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A drag of an image file onto the window is welcome; dropped, it is the training digit (a bad
        file is reported, nothing changes)."""
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.Drop) or not isinstance(event, QDropEvent):
            return False
        path = image_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                self.source.load_image_path(path)
        return bool(path)

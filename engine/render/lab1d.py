"""The 1-D lab's headless figure: sequence, peaks, both responses and the taps, in one PNG.

Pillow only (as engine/figure.py, whose fonts and layout helpers it shares), so it runs on
a machine with no display. Colours are the window's too: blue is the learned filter,
orange the hand-designed [-1, 1, -1], black triangles the true peaks.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from filterlab.engine.lab1d.snapshot import Lab1DSnapshot
from filterlab.engine.render.drawing import (
    BACKGROUND,
    BODY_SIZE,
    INK,
    MARGIN,
    MUTED,
    OUTLINE,
    SECTION_GAP,
    TITLE_SIZE,
    load_font,
    text_strip,
    vstack,
)

LEARNED_COLOR = (40, 90, 160)
HAND_COLOR = (230, 120, 30)
TRUTH_COLOR = (33, 33, 33)
BAR_COLOR = (190, 196, 205)
ZERO_COLOR = (150, 150, 150)
TAP_COLORS = ((27, 158, 119), (217, 95, 2), (117, 112, 179), (231, 41, 138), (102, 166, 30),
              (230, 171, 2), (166, 118, 29), (31, 120, 180), (102, 102, 102))
WIDTH = 900
PANEL_HEIGHT = 190
LEFT, RIGHT, TOP, BOTTOM = 56, 30, 24, 34  # room for tick labels, title and axis label
LINE = 18  # height of a title or legend row


class Axes:
    """A minimal plot on its own image: data -> pixels, lines, markers, bars, ticks.

    The legend, (label, colour) pairs, flows in rows between the title and the plot, so
    it never covers data.
    """

    def __init__(self, width, height, xlim, ylim, title, xlabel, legend=()):
        self.font = load_font(BODY_SIZE)
        rows = self._legend_rows(legend, width - LEFT - RIGHT)
        top = TOP + LINE * len(rows)
        self.image = Image.new("RGB", (width, height + top - TOP), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        (x0, x1), (y0, y1) = xlim, ylim
        self.xlim, self.ylim = (x0, x1 if x1 > x0 else x0 + 1), (y0, y1 if y1 > y0 else y0 + 1)
        self.box = (LEFT, top, width - RIGHT, self.image.height - BOTTOM)
        self.draw.rectangle(self.box, outline=OUTLINE)
        self.draw.text((LEFT, 2), title, font=self.font, fill=INK)
        for r, row in enumerate(rows):
            x = LEFT
            for label, color in row:
                y = TOP - 2 + r * LINE
                self.draw.rectangle((x, y + 3, x + 10, y + 13), fill=color)
                self.draw.text((x + 15, y), label, font=self.font, fill=MUTED)
                x += self._item_width(label)
        label_width = self.font.getbbox(xlabel)[2]
        self.draw.text(((LEFT + width - RIGHT - label_width) // 2, self.image.height - 17), xlabel,
                       font=self.font, fill=MUTED)

    def _item_width(self, label: str) -> int:
        return 15 + self.font.getbbox(label)[2] + 22

    def _legend_rows(self, items, width: int) -> list:
        rows, used = [], width
        for item in items:
            if used + self._item_width(item[0]) > width:
                rows.append([])
                used = 0
            rows[-1].append(item)
            used += self._item_width(item[0])
        return rows

    def px(self, x, y):
        left, top, right, bottom = self.box
        (x0, x1), (y0, y1) = self.xlim, self.ylim
        return (left + (np.asarray(x, float) - x0) / (x1 - x0) * (right - left),
                bottom - (np.asarray(y, float) - y0) / (y1 - y0) * (bottom - top))

    def ticks(self, xs: Sequence[float], ys: Sequence[float], fmt="{:g}") -> None:
        left, top, right, bottom = self.box
        for x in xs:
            px, _ = self.px(x, 0)
            label = fmt.format(x)
            self.draw.line((px, bottom, px, bottom + 3), fill=INK)
            self.draw.text((px - self.font.getbbox(label)[2] / 2, bottom + 4), label, font=self.font, fill=INK)
        for y in ys:
            _, py = self.px(0, y)
            label = f"{y:.3g}"
            self.draw.line((left - 3, py, left, py), fill=INK)
            self.draw.text((left - 6 - self.font.getbbox(label)[2], py - 7), label, font=self.font, fill=INK)

    def line(self, xs, ys, color, width=2, dashed=False) -> None:
        px, py = self.px(xs, ys)
        points = list(zip(px.tolist(), py.tolist()))
        if not dashed:
            self.draw.line(points, fill=color, width=width, joint="curve")
            return
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            length = max(np.hypot(bx - ax, by - ay), 1e-9)
            for start in np.arange(0.0, length, 10.0):  # 6 px on, 4 px off
                end = min(start + 6.0, length)
                self.draw.line((ax + (bx - ax) * start / length, ay + (by - ay) * start / length,
                                ax + (bx - ax) * end / length, ay + (by - ay) * end / length),
                               fill=color, width=width)

    def markers(self, xs, ys, color, shape="circle", size=5, filled=True) -> None:
        px, py = self.px(xs, ys)
        for x, y in zip(px.tolist(), py.tolist()):
            if shape == "triangle":
                self.draw.polygon([(x, y - size), (x - size, y + size), (x + size, y + size)], fill=color)
                continue
            box = (x - size, y - size, x + size, y + size)
            fill, outline = (color, color) if filled else (None, color)
            draw = self.draw.ellipse if shape == "circle" else self.draw.rectangle
            draw(box, fill=fill, outline=outline, width=2)

    def bars(self, xs, heights, width, color) -> None:
        for x, h in zip(xs, heights):
            (left, right), (top, bottom) = self.px([x - width / 2, x + width / 2], [max(h, 0.0), min(h, 0.0)])
            self.draw.rectangle((left, top, right, max(bottom, top + 1)), fill=color)


def _position_ticks(length: int) -> list[int]:
    return list(range(0, length, 8 if length <= 96 else max(8, length // 12 // 8 * 8)))


def _sequence_panel(snap: Lab1DSnapshot) -> Image.Image:
    length, top = len(snap.sample), snap.config.levels - 1
    ax = Axes(WIDTH, PANEL_HEIGHT, (-1, length), (0, top + 0.5),
              f"a held-out random sequence (integers 0-{top}) and its local peaks", "position",
              legend=[("value", BAR_COLOR), ("local peak: larger than both neighbours", TRUTH_COLOR)])
    ax.bars(np.arange(length), snap.sample, 0.7, BAR_COLOR)
    peaks = snap.positions[snap.true_peaks]
    ax.markers(peaks, snap.sample[peaks] + 0.25, TRUTH_COLOR, shape="triangle")
    ax.ticks(_position_ticks(length), [0, top])
    return ax.image


def _response_panel(snap: Lab1DSnapshot) -> Image.Image:
    learned = snap.learned_response / snap.size_ratio
    hand = snap.hand_response
    both = np.concatenate([learned, hand, [0.0]])
    low, high = float(both.min()), float(both.max())
    pad = 0.12 * (high - low or 1.0)
    ax = Axes(WIDTH, PANEL_HEIGHT, (-1, len(snap.sample)), (low - pad, high + pad),
              "the filters' responses; marked: the peaks each one locates (max-pool of 3, then above 0)",
              "position", legend=[(f"learned filter / {snap.size_ratio:.3g}, to match the length of [-1, 1, -1]",
                                   LEARNED_COLOR), ("[-1, 1, -1], bias -1/2", HAND_COLOR)])
    xs = snap.positions
    ax.line([-1, len(snap.sample)], [0, 0], ZERO_COLOR, width=1, dashed=True)
    ax.line(xs, hand, HAND_COLOR, width=2, dashed=True)
    ax.line(xs, learned, LEARNED_COLOR, width=2)
    ax.markers(xs[snap.hand_peaks], hand[snap.hand_peaks], HAND_COLOR, shape="square", size=6, filled=False)
    ax.markers(xs[snap.learned_peaks], learned[snap.learned_peaks], LEARNED_COLOR, size=4)
    ax.ticks(_position_ticks(len(snap.sample)), [low, 0, high] if low < 0 < high else [low, high])
    return ax.image


def _taps_over_time_panel(snap: Lab1DSnapshot, width: int) -> Image.Image:
    steps, history = snap.tap_steps, snap.tap_history
    low, high = min(float(history.min()), -1.0), max(float(history.max()), 1.0)
    pad = 0.08 * (high - low)
    last = max(int(steps[-1]), 1)
    half = snap.config.taps // 2
    colors = [TAP_COLORS[i % len(TAP_COLORS)] for i in range(snap.config.taps)]
    labels = [(f"tap {i - half:+d}" if i != half else "tap 0 (middle)", c) for i, c in enumerate(colors)]
    ax = Axes(width, PANEL_HEIGHT, (0, last), (low - pad, high + pad), "the taps during training", "step",
              legend=labels)
    ax.line([0, last], [0, 0], ZERO_COLOR, width=1, dashed=True)
    for i, color in enumerate(colors):
        ax.line(steps, history[:, i], color, width=2)
    ax.ticks([0, last // 2, last], [low, 0, high], fmt="{:,.0f}")
    return ax.image


def _taps_now_panel(snap: Lab1DSnapshot, width: int) -> Image.Image:
    scaled = snap.taps / snap.size_ratio
    k = snap.config.taps
    limit = max(1.2, float(np.abs(scaled).max()) * 1.2)
    ax = Axes(width, PANEL_HEIGHT, (-0.6, k - 0.4), (-limit, limit),
              f"taps now; cosine {snap.cosine:+.3f}", "tap",
              legend=[(f"learned / {snap.size_ratio:.3g}", LEARNED_COLOR), ("[-1, 1, -1]", HAND_COLOR)])
    ax.line([-0.6, k - 0.4], [0, 0], ZERO_COLOR, width=1)
    ax.bars(np.arange(k) - 0.18, scaled, 0.34, LEARNED_COLOR)
    ax.bars(np.arange(k) + 0.18, snap.reference, 0.34, HAND_COLOR)
    ax.ticks([], [-1, 0, 1])
    half = k // 2
    for i, value in enumerate(scaled):
        if abs(value) >= 0.1:  # the near-zero outer taps of a long filter would only crowd the labels
            px, py = ax.px(i, value + (0.12 if value >= 0 else -0.12) * limit)
            label = f"{value:+.2f}"
            ax.draw.text((px - 18 - ax.font.getbbox(label)[2] / 2, py - 7), label, font=ax.font,
                         fill=LEARNED_COLOR)
        tick = f"{i - half:+d}" if i != half else "0"
        ax.draw.text((ax.px(i, 0)[0] - ax.font.getbbox(tick)[2] / 2, ax.box[3] + 4), tick, font=ax.font, fill=INK)
    return ax.image


def _hstack(left: Image.Image, right: Image.Image) -> Image.Image:
    out = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), BACKGROUND)
    out.paste(left, (0, 0))
    out.paste(right, (left.width, 0))
    return out


def summary_lines(snap: Lab1DSnapshot) -> list[str]:
    """The verdict in words: what it learned, and how its peaks compare (held-out sequences)."""
    scaled = ", ".join(f"{t:+.2f}" for t in snap.taps / snap.size_ratio)
    raw = ", ".join(f"{t:+.3g}" for t in snap.taps)
    lines = [f"learned taps [{raw}], bias {snap.bias:+.3g}",
             f"  = {snap.size_ratio:.3g} x [{scaled}];  cosine to [-1, 1, -1]: {snap.cosine:+.4f}"]
    for name, s in (("learned filter", snap.learned), ("[-1, 1, -1]", snap.hand)):
        lines.append(f"{name} vs the true peaks: precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f}")
    lines.append(f"same peaks as [-1, 1, -1]: F1 {snap.agreement.f1:.3f}; exactly the same on "
                 f"{snap.same_peaks:.1%} of the held-out sequences")
    return lines


def lab1d_figure(snap: Lab1DSnapshot, title: str = "") -> Image.Image:
    """Everything one run shows, top to bottom, with the numbers underneath."""
    if snap.tap_history.shape[0] == 0:
        raise ValueError("the snapshot has no taps record")
    half_width = WIDTH // 2 + 60
    body = load_font(BODY_SIZE)
    sections = [
        _sequence_panel(snap),
        _response_panel(snap),
        _hstack(_taps_over_time_panel(snap, half_width), _taps_now_panel(snap, WIDTH - half_width)),
        vstack([text_strip(line, body) for line in summary_lines(snap)], gap=2, margin=0),
    ]
    if title:
        sections.insert(0, text_strip(title, load_font(TITLE_SIZE)))
    return vstack(sections, gap=SECTION_GAP // 2, margin=MARGIN)

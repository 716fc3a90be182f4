"""The 1-D lab's headless figure: sequence, peaks, both responses and the taps, in one PNG.

Drawn by matplotlib (engine/render/style.py). Colours are the window's too
(engine/core/colours.py): blue is the learned filter, orange the hand-designed
[-1, 1, -1], black triangles the true peaks. Each legend sits between its panel's title
and the plot, so it never covers data.
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.colours import BAR_COLOR, HAND_COLOR, LEARNED_COLOR, TAP_COLORS, TRUTH_COLOR, ZERO_COLOR
from filterlab.engine.lab1d.snapshot import Lab1DSnapshot
from filterlab.engine.render.style import CAPTION_PT, new_figure, rgb01, styled

LEARNED, HAND, TRUTH, BAR, ZERO = (rgb01(c) for c in (LEARNED_COLOR, HAND_COLOR, TRUTH_COLOR, BAR_COLOR, ZERO_COLOR))
TITLE_PAD = 22  # points: room for the legend between a panel's title and its plot


def _legend(ax, columns: int) -> None:
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=columns, frameon=False, fontsize=CAPTION_PT,
              borderaxespad=0.1, handlelength=1.6)


def _sequence_panel(ax, snap: Lab1DSnapshot) -> None:
    length, top = len(snap.sample), snap.config.levels - 1
    ax.bar(np.arange(length), snap.sample, width=0.7, color=BAR, label="value")
    peaks = snap.positions[snap.true_peaks]
    ax.plot(peaks, snap.sample[peaks] + 0.25, "^", color=TRUTH, markersize=7, linestyle="none",
            label="local peak: larger than both neighbours")
    ax.set(xlim=(-1, length), ylim=(0, top + 0.6), yticks=[0, top], xlabel="position")
    ax.set_title(f"a held-out random sequence (integers 0-{top}) and its local peaks", pad=TITLE_PAD)
    _legend(ax, 2)


def _response_panel(ax, snap: Lab1DSnapshot) -> None:
    learned, hand, xs = snap.learned_response / snap.size_ratio, snap.hand_response, snap.positions
    ax.axhline(0.0, color=ZERO, linewidth=1, linestyle="--")
    ax.plot(xs, learned, color=LEARNED, linewidth=2,
            label=f"learned filter / {snap.size_ratio:.3g}, to match the length of [-1, 1, -1]")
    ax.plot(xs, hand, color=HAND, linewidth=2, linestyle="--", label="[-1, 1, -1], bias -1/2")
    ax.plot(xs[snap.learned_peaks], learned[snap.learned_peaks], "o", color=LEARNED, markersize=6,
            label="peaks it locates")
    ax.plot(xs[snap.hand_peaks], hand[snap.hand_peaks], "s", markerfacecolor="none", markeredgecolor=HAND,
            markeredgewidth=2, markersize=10, label="peaks [-1, 1, -1] locates")
    ax.set(xlim=(-1, len(snap.sample)), xlabel="position", ylabel="response")
    ax.set_title("the filters' responses; marked: the peaks each one locates (max-pool of 3, then above 0)",
                 pad=TITLE_PAD)
    _legend(ax, 4)


def _taps_over_time_panel(ax, snap: Lab1DSnapshot) -> None:
    half = snap.config.taps // 2
    ax.axhline(0.0, color=ZERO, linewidth=1, linestyle="--")
    for i in range(snap.config.taps):
        ax.plot(snap.tap_steps, snap.tap_history[:, i], color=rgb01(TAP_COLORS[i % len(TAP_COLORS)]), linewidth=2,
                label=f"tap {i - half:+d}" if i != half else "tap 0 (middle)")
    ax.set(xlim=(0, max(int(snap.tap_steps[-1]), 1)), xlabel="step", ylabel="tap value")
    ax.xaxis.set_major_formatter("{x:,.0f}")
    ax.set_title("the taps during training", pad=TITLE_PAD * (1 + (snap.config.taps > 5)))
    _legend(ax, 5)


def _taps_now_panel(ax, snap: Lab1DSnapshot) -> None:
    scaled, k, half = snap.taps / snap.size_ratio, snap.config.taps, snap.config.taps // 2
    positions = np.arange(k)
    learned = ax.bar(positions - 0.18, scaled, width=0.34, color=LEARNED, label=f"learned / {snap.size_ratio:.3g}")
    ax.bar(positions + 0.18, snap.reference, width=0.34, color=HAND, label="[-1, 1, -1]")
    # The near-zero outer taps of a long filter would only crowd the labels.
    ax.bar_label(learned, labels=[f"{v:+.2f}" if abs(v) >= 0.1 else "" for v in scaled], padding=2,
                 color=LEARNED, fontsize=CAPTION_PT)
    limit = max(1.2, float(np.abs(scaled).max()) * 1.3)
    ax.axhline(0.0, color=ZERO, linewidth=1)
    ax.set(ylim=(-limit, limit), xticks=positions, xticklabels=[f"{i - half:+d}" if i != half else "0" for i in positions],
           yticks=[-1, 0, 1], xlabel="tap")
    ax.set_title(f"taps now; cosine {snap.cosine:+.3f}", pad=TITLE_PAD)
    _legend(ax, 2)


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


@styled
def lab1d_figure(snap: Lab1DSnapshot, title: str = ""):
    """Everything one run shows, top to bottom, with the numbers underneath; a matplotlib Figure."""
    if snap.tap_history.shape[0] == 0:
        raise ValueError("the snapshot has no taps record")
    figure = new_figure(9.2)
    axes = figure.subplot_mosaic([["sequence", "sequence"], ["response", "response"], ["time", "now"],
                                  ["text", "text"]], height_ratios=(1.0, 1.1, 1.1, 0.55), width_ratios=(1.35, 1.0))
    _sequence_panel(axes["sequence"], snap)
    _response_panel(axes["response"], snap)
    _taps_over_time_panel(axes["time"], snap)
    _taps_now_panel(axes["now"], snap)
    text = axes["text"]
    text.set_axis_off()
    text.text(0.0, 1.0, "\n".join(summary_lines(snap)), va="top", ha="left", transform=text.transAxes,
              linespacing=1.5)
    if title:
        figure.suptitle(title, x=0.01, ha="left", parse_math=False)  # a file name may hold $
    return figure

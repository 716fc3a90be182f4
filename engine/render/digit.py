"""The headless figures of the filters: figure.png of a digit run, a set run and a comparison.

Drawn by matplotlib (engine/render/style.py): the digit on the left; on the right one
block per set of filters — a heading, the filters in rows with each one's cosine under it,
and a colorbar — and a legend at the bottom. Filter weights use the shared diverging map
(blue = negative, red = positive) with zero-centred limits, because a filter may converge
to the digit or to its negative and the sign must stay readable.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from filterlab.engine.core.colours import symmetric_limit
from filterlab.engine.core.metrics import signed
from filterlab.engine.render.style import (
    LEGEND,
    MAX_COLUMNS,
    MUTED,
    WIDTH_IN,
    checked_filters,
    filter_grid,
    grid_shape,
    new_figure,
    show_digit,
    show_filters,
    styled,
    weight_colorbar,
)

MIN_COLUMNS = 4     # fewer filters than this still get tiles of this width, not giant ones
DIGIT_SHARE = 1.4   # the digit column's width, in tiles


@dataclass
class Block:
    """One set of filters to show: heading, filters (F,k,k), one caption and one limit per filter."""

    heading: str
    filters: np.ndarray
    captions: Sequence[str]
    limits: Sequence[float]
    bar_labels: Sequence[str] | None = None  # None: the colorbar's own ticks, in weight units
    cmap: str | None = None  # None: the diverging map, zero-centred; else this unsigned one, from 0


def cosine_block(heading: str, filters, cosines, scale_each=False, targets=None) -> Block:
    """Filters captioned with their cosines; one shared limit, or each its own (`scale_each`)."""
    filters = checked_filters(filters)
    if len(cosines) != len(filters):
        raise ValueError(f"need one cosine per filter for {heading}")
    text = [f"cos {signed(c)}" + (f" to {targets[i]}" if targets is not None else "")
            for i, c in enumerate(cosines)]
    if not scale_each:
        return Block(heading, filters, text, [symmetric_limit(filters)] * len(filters))
    limits = [symmetric_limit(f) for f in filters]
    # Each filter divided by its own L shows on the one -1..1 bar, labelled -L..+L.
    return Block(heading, filters / np.array(limits)[:, None, None],
                 [f"{t}\nL = {lim:.3g}" for t, lim in zip(text, limits)], [1.0] * len(filters), ("-L", "0", "+L"))


def height(blocks: Sequence[Block], title: bool) -> float:
    """Inches: the tiles' rows at the width they get, their captions, headings, title and legend."""
    cols = max(MIN_COLUMNS, min(MAX_COLUMNS, max(len(b.filters) for b in blocks)))
    tile = (WIDTH_IN * cols / (cols + DIGIT_SHARE) - 1.2) / cols
    lines = max(max(c.count("\n") + 1 for c in b.captions) for b in blocks)
    rows = sum(grid_shape(len(b.filters))[0] for b in blocks)
    return (0.5 if title else 0.1) + 0.45 * len(blocks) + rows * (tile + 0.2 * lines + 0.12) + 0.35


CONFUSION_IN = 4.6  # the height of a set run's confusion matrix under its filters


@styled
def blocks_figure(image, image_caption: str, blocks: Sequence[Block], title: str = "", confusion=None):
    """The digit beside the blocks, stacked (and a set run's confusion matrix under them); a Figure."""
    tall = height(blocks, bool(title))
    figure = new_figure(tall + (CONFUSION_IN if confusion is not None else 0.0))
    top = figure
    if confusion is not None:
        halves = figure.subfigures(2, 1, height_ratios=(tall, CONFUSION_IN))
        assert isinstance(halves, np.ndarray)  # two subfigures come as an array
        top, bottom = halves
        draw_confusion(bottom, np.asarray(confusion))
    draw_blocks(top, image, image_caption, blocks)
    if title:
        figure.suptitle(title, x=0.01, ha="left", parse_math=False)  # a file name may hold $
    figure.supxlabel(LEGEND, x=0.01, ha="left", fontsize=10, color=MUTED)
    return figure


def draw_blocks(host, image, image_caption: str, blocks: Sequence[Block], digit_cmap: str = "gray") -> None:
    """On `host` (a figure or subfigure): the digit on the left, the blocks stacked on the right."""
    cols = max(MIN_COLUMNS, min(MAX_COLUMNS, max(len(b.filters) for b in blocks)))
    left, right = host.subfigures(1, 2, width_ratios=(DIGIT_SHARE, cols), wspace=0.0)
    rows = [grid_shape(len(b.filters))[0] + 0.4 for b in blocks]
    digit_axes = left.subplots(len(blocks) + 1, 1, height_ratios=[rows[0], *rows[1:], 0.01])
    show_digit(digit_axes[0], image, textwrap.fill(image_caption, 28), digit_cmap)
    for ax in digit_axes[1:]:
        ax.set_visible(False)
    for place, block in zip(np.atleast_1d(right.subfigures(len(blocks), 1, height_ratios=rows)), blocks):
        place.suptitle(block.heading, x=0.0, ha="left", fontsize=11)
        axes = filter_grid(place, len(block.filters), min_columns=cols)
        images = show_filters(axes, block.filters, block.limits, block.captions, block.cmap)
        weight_colorbar(place, images[0], axes, block.bar_labels,
                        "weight" if block.cmap is None else "binarised at its mean")


def draw_confusion(host, confusion: np.ndarray) -> None:
    """The test split's 10x10 counts, shaded by each true class's share; the diagonal is right."""
    ax = host.subplots(1, 1)
    shares = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, col), count in np.ndenumerate(confusion):
        if count:
            ax.text(col, row, str(count), ha="center", va="center", fontsize=8,
                    color="white" if shares[row, col] > 0.5 else "black")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true class")
    right = int(np.trace(confusion))
    ax.set_title(f"test digits: {right} of {int(confusion.sum())} right ({right / max(confusion.sum(), 1):.1%}); "
                 "rows = true class, columns = predicted", fontsize=10)


def filter_figure(image, initial, final, initial_cos, final_cos, *, title="", scale_each=False,
                  image_caption="digit", targets=None, confusion=None):
    """Summary figure: the digit, the initial filters and the trained filters.

    Each block of filters shares one zero-centred colour limit, because the
    initial weights (~0.036) are far smaller than the trained ones and a
    single limit would wash the initial block out.  ``scale_each`` gives every
    filter its own limit (printed under it) to compare shapes rather than sizes.
    A set run shows its mean image (``image_caption``) and names each filter's
    cosine target (``targets``, e.g. its class).
    """
    initial, final = checked_filters(initial), checked_filters(final)
    if initial.shape != final.shape:
        raise ValueError(f"initial {initial.shape} and final {final.shape} filters differ in shape")
    if not len(initial_cos) == len(final_cos) == initial.shape[0]:
        raise ValueError("need one cosine per filter for both initial and final")
    suffix = " (each scaled to its own L)" if scale_each else ""
    blocks = [cosine_block("initial filters" + suffix, initial, initial_cos, scale_each, targets),
              cosine_block("trained filters" + suffix, final, final_cos, scale_each, targets)]
    return blocks_figure(image, image_caption, blocks, title, confusion)


def comparison_figure(image, runs: Sequence[tuple[str, np.ndarray, Sequence[float]]], *, title=""):
    """Runs side by side: the digit, then one block of trained filters per (name, filters, cosines).

    Each run gets its own colour limit: runs differ in weight size by orders of
    magnitude (SGD vs Adam, zeros vs random), and the comparison is about shape.
    """
    if not runs:
        raise ValueError("need at least one run to show")
    return blocks_figure(image, "digit", [cosine_block(name, f, c) for name, f, c in runs], title)

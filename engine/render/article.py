"""article.png: the filters as the article drew them, above the same filters as they are.

The article's script plotted the digit and each filter binarised at its own mean, in
matplotlib's "hot" map (so white where a picture is above its mean, black below): eleven
pictures, the digit, five initial filters, five trained ones. Drawn that way, a filter
that is still mostly noise, or that became the negative digit, can look just like the
digit. So the article's eleven pictures are drawn first, each filter with how many of its
pixels agree with the binarised digit (engine/core/metrics.py, binarised_agreement) and
its cosine to the digit; below them the same filters as Filter Lab draws them, the signed
weights on the diverging map (engine/render/digit.py).
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.metrics import binarised, signed
from filterlab.engine.render.digit import Block, cosine_block, draw_blocks, height
from filterlab.engine.render.style import LEGEND, MUTED, checked_filters, new_figure, styled

ARTICLE = "as the article drew them: each picture binarised at its own mean (white above it, black below), map hot"
HONEST = "as they are: the signed weights of the same filters"
NUMBERS = ("agree: the share of pixels where the binarised filter matches the binarised digit (or its inverse, "
           "for a negative filter; 50% is chance); cos: cosine similarity to the digit, signed. " + LEGEND)


def article_block(heading: str, filters, agreements, cosines) -> Block:
    """Filters binarised as the article drew them, each with its agreement and cosine under it."""
    filters = checked_filters(filters)
    if not len(agreements) == len(cosines) == len(filters):
        raise ValueError(f"need one agreement and one cosine per filter for {heading}")
    captions = [f"agree {a:.0%}\ncos {signed(c)}" for a, c in zip(agreements, cosines)]
    return Block(heading, binarised(filters), captions, [1.0] * len(filters), ("below", "", "above"), cmap="hot")


@styled
def article_figure(image, initial, final, agreements, cosines, *, title=""):
    """The article's eleven pictures over Filter Lab's; `agreements` and `cosines` are (initial, final) pairs."""
    initial, final = checked_filters(initial), checked_filters(final)
    if initial.shape != final.shape:
        raise ValueError(f"initial {initial.shape} and final {final.shape} filters differ in shape")
    drawn = [article_block("initial filters, binarised", initial, agreements[0], cosines[0]),
             article_block("trained filters, binarised", final, agreements[1], cosines[1])]
    honest = [cosine_block("initial filters", initial, cosines[0]),
              cosine_block("trained filters", final, cosines[1])]
    heights = (height(drawn, True), height(honest, True))
    figure = new_figure((0.5 if title else 0.1) + sum(heights) + 0.3)
    top, bottom = figure.subfigures(2, 1, height_ratios=heights)
    for place, heading, blocks, caption, cmap in ((top, ARTICLE, drawn, "digit, binarised", "hot"),
                                                  (bottom, HONEST, honest, "digit", "gray")):
        place.suptitle(heading, x=0.005, ha="left", fontsize=12, fontweight="bold")
        draw_blocks(place, binarised(np.asarray(image)) if cmap == "hot" else image, caption, blocks, cmap)
    if title:
        figure.suptitle(title, x=0.01, ha="left", parse_math=False)  # a file name may hold $
    figure.supxlabel(NUMBERS, x=0.01, ha="left", fontsize=9, color=MUTED, wrap=True)
    return figure

"""The filters as the article drew them: each binarised at its own mean, in matplotlib's "hot".

The article's script showed every filter as `filter > filter.mean()` in the "hot" map:
white where a weight is above the filter's mean, black below. This view draws the same
pictures beside the signed ones, and under each filter the two numbers that tell them
apart: how many of its pixels agree with the digit binarised at its mean (the article's
picture, as a number: engine/core/metrics.py) and the cosine (the honest one). With the
article's raw 0-255 pixels the first reads ~93% while the second stays at 0.2-0.4.
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.metrics import binarised, binarised_agreement, signed
from filterlab.gui.views.filter_grid import FilterGrid
from filterlab.gui.views.style import HOT

WHY = ("as the article's script plotted them (white above the filter's mean, black below). Under each: the pixels "
       "agreeing with the digit binarised the same way, then the cosine. The threshold hides how large the weights "
       "are, the noise left in them, and their sign")
TIP = ("The filters as the article drew them: each binarised at its own mean (white: above it, black: below), "
       "colormap hot. Under each: agreement — the share of the pixels where (filter > its mean) matches (digit > "
       "its mean); for a filter that became the negative digit (which the article draws as an inverted digit) "
       "the share where they differ, so 50% is chance and 100% the digit's silhouette, either way round — then "
       "the cosine to the digit, whose sign says which way round.")
GREY = (215, 215, 215)  # between the tiles: neither of the two colours of a binarised tile; labels read on it


class ArticleGrid(FilterGrid):
    """The current filters, binarised at their means in "hot", each with its agreement and cosine."""

    gap_value = np.nan  # the gaps show the grey background, not black or white

    def __init__(self, title: str = "as the article drew them: each filter binarised at its mean, map hot", parent=None):
        super().__init__("filters", title, explain=False, parent=parent)
        self.colorbar.setColorMap(HOT)
        self.colorbar.setLevels((0.0, 1.0))
        self.colorbar.setLabel("left", "below its mean … above")
        self.view.setBackgroundColor(GREY)
        self.tile_labels.samples = ("#00 100% · cos -0.00", "#00 100% -0.00")
        self.caption = WHY
        self.setToolTip(TIP)
        self.shown_agreement: np.ndarray | None = None  # (F,) the agreements under the tiles now, for tests and readers

    def _draw_weights(self, filters: np.ndarray, count: int) -> None:
        self.image.setImage(self._tile(binarised(filters)), autoLevels=False, levels=(0.0, 1.0))

    def _label_values(self, snapshot, count: int) -> tuple[str, ...]:
        agreement = snapshot.agreement
        if agreement is None:
            agreement = binarised_agreement(snapshot.filters, snapshot.image)
        self.shown_agreement = np.asarray(agreement)
        word = " " if self.tile_labels.compact else " · cos "
        return tuple(f"#{i + 1} {a:.0%}{word}{signed(c)}" for i, (a, c) in enumerate(zip(agreement, snapshot.cosine)))

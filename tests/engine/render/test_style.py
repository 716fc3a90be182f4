"""What every figure shares: the diverging map from the engine's anchors, the GIF palette, a light start-up."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from filterlab.engine.core.colours import DIVERGING_COLORS, DIVERGING_POSITIONS, NAN_COLOR
from filterlab.engine.render.style import diverging_cmap, gif_frame, new_figure, no_ticks, pixels, styled

ROOT = Path(__file__).resolve().parents[3]


def test_the_map_is_the_windows_anchors_with_zero_exactly_at_the_centre():
    cmap = diverging_cmap()
    for position, colour in zip(DIVERGING_POSITIONS, DIVERGING_COLORS):
        assert tuple(np.rint(np.array(cmap(position)[:3]) * 255).astype(int)) == colour
    assert cmap(np.nan)[:3] == tuple(c / 255 for c in NAN_COLOR)
    # imshow maps -L..+L onto the map; 0 falls on entry 128 of 257: the centre anchor itself
    assert tuple(np.rint(np.array(cmap(128)[:3]) * 255).astype(int)) == DIVERGING_COLORS[2]


def test_gif_frames_keep_white_white_and_filter_colours_close():
    rgb = np.full((4, 6, 3), 255, np.uint8)
    rgb[1:3, 1:5] = np.array(DIVERGING_COLORS[1:5], np.uint8)
    frame = gif_frame(rgb)
    back = np.asarray(frame.convert("RGB")).astype(int)
    assert frame.mode == "P" and (back[0] == 255).all()
    assert np.abs(back - rgb).max() <= 12  # the fixed palette: 200 steps of the map, 56 greys


def test_the_window_and_the_command_line_start_without_matplotlib():
    code = ("import sys, filterlab.main, filterlab.gui.app, filterlab.gui.windows.digit, filterlab.engine.cli.headless; "
            "print(sorted(m for m in sys.modules if m.startswith(('matplotlib', 'filterlab.engine.render'))))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_hiding_the_empty_axes_of_a_picture_changes_no_pixel():
    """no_ticks hides the axes a tile or the digit does not use (they only cost drawing time): the same
    figure, laid out and drawn, with the axes merely left without ticks is the same to the pixel."""
    @styled
    def tiles(hide: bool):
        figure = new_figure(2.0, width_in=4.0)
        axes = figure.subplots(1, 3)
        for i, ax in enumerate(axes):
            ax.imshow(np.arange(16.0).reshape(4, 4) * (i + 1), cmap=diverging_cmap())
            if i:
                ax.set_xlabel(f"cos +0.{i}")
            if hide:
                no_ticks(ax, keep_xlabel=bool(i))
            else:
                ax.set_xticks([])
                ax.set_yticks([])
        axes[0].set_title("digit", loc="left")
        return pixels(figure)
    hidden, shown = tiles(True), tiles(False)
    assert hidden.shape == shown.shape and (hidden == shown).all()

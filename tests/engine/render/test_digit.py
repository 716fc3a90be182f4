"""Headless figures of the filters: both signs shown, layout growth, GIF frames, files written whole."""
import os

import numpy as np
import pytest
from PIL import Image, ImageSequence

from filterlab.engine.core.files import save_image
from filterlab.engine.render.digit import filter_figure, grid_frame, save_gif

RNG = np.random.default_rng(0)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0  # a white "1" on black


def _filters(f, k=28):
    initial = RNG.uniform(-0.036, 0.036, (f, k, k))
    final = np.stack([DIGIT * s - DIGIT.mean() * s for s in RNG.choice([-0.5, 0.5], f)])
    return initial, final


def _figure(f):
    initial, final = _filters(f)
    return filter_figure(DIGIT, initial, final, [0.01] * f, [0.9] * f, title=f"{f} filters")


def _blueish(px):
    return (px[..., 2].astype(int) - px[..., 0] > 60).any()


def _reddish(px):
    return (px[..., 0].astype(int) - px[..., 2] > 60).any()


def test_filter_figure_grows_with_filter_count_and_shows_both_signs():
    small, large = _figure(5), _figure(64)
    assert small.mode == "RGB" and large.mode == "RGB"
    assert large.height > small.height and large.width > small.width
    px = np.asarray(small)
    assert _blueish(px) and _reddish(px)


def test_digit_panel_is_white_ink_on_black():
    px = np.asarray(_figure(5))
    white = (px == 255).all(axis=-1)
    black = (px == 0).all(axis=-1)
    # The canvas is white too, so look for white pixels enclosed by the black digit panel.
    rows, cols = np.nonzero(black)
    panel = white[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert panel.any() and black.sum() > 1000


def test_small_kernels_and_scale_each():
    initial, final = RNG.normal(size=(8, 3, 3)), RNG.normal(size=(8, 3, 3))
    img = filter_figure(DIGIT, initial, final, [0.0] * 8, [0.5] * 8, scale_each=True)
    assert img.mode == "RGB" and img.width > 8 * 100


def test_filter_figure_rejects_mismatched_inputs():
    initial, final = _filters(5)
    with pytest.raises(ValueError):
        filter_figure(DIGIT, initial, final[:4], [0.0] * 5, [0.0] * 4)
    with pytest.raises(ValueError):
        filter_figure(DIGIT, initial, final, [0.0] * 5, [0.0] * 4)


def test_save_gif_frames_match_grid_frame(tmp_path):
    snapshots = RNG.normal(size=(4, 5, 28, 28)) * np.array([0.01, 0.1, 1.0, 10.0])[:, None, None, None]
    path = tmp_path / "train.gif"
    assert save_gif(snapshots, [0, 10, 20, 30], path, fps=5) == 4
    expected = grid_frame(snapshots[0], step=0).size
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 4
        assert all(frame.size == expected for frame in ImageSequence.Iterator(gif))
    assert os.listdir(tmp_path) == ["train.gif"]


def test_save_gif_rejects_empty_and_mismatched(tmp_path):
    with pytest.raises(ValueError):
        save_gif(np.zeros((0, 5, 28, 28)), [], tmp_path / "a.gif")
    with pytest.raises(ValueError):
        save_gif(np.zeros((2, 5, 28, 28)), [0], tmp_path / "a.gif")
    assert os.listdir(tmp_path) == []


def test_grid_frame_wraps_rows():
    one_row = grid_frame(np.ones((8, 28, 28)))
    two_rows = grid_frame(np.ones((9, 28, 28)))
    assert two_rows.width == one_row.width and two_rows.height > one_row.height
    narrow = grid_frame(np.ones((9, 28, 28)), columns=3, cell=28)
    assert narrow.width < two_rows.width and narrow.height < two_rows.height


def test_save_png_round_trip_and_no_temp_left(tmp_path):
    path = tmp_path / "fig.png"
    img = _figure(3)
    save_image(img, path)
    assert os.listdir(tmp_path) == ["fig.png"]
    with Image.open(path) as back:
        assert back.format == "PNG" and back.size == img.size

"""Exports for a slide: 1,200 px or the width asked for, with the digit, step, cosines and colorbar; the GIF."""
import os

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image, ImageSequence

from filterlab.engine.render.frames import FrameSet
from filterlab.engine.render.slides import EXPORT_WIDTH, HOLD_MS, Slide, save_animation, slide_figure
from filterlab.engine.render.style import pixels

RNG = np.random.default_rng(2)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def frame_set(count=5, filters=3):
    grow = np.linspace(0.0, 1.0, count)[:, None, None, None]
    weights = 0.03 * RNG.normal(size=(count, filters, 28, 28)) * (1 - grow) + 0.4 * grow * DIGIT
    return FrameSet(steps=np.arange(count) * 10, filters=weights, cosines=np.linspace(0, 0.9, count)[:, None]
                    .repeat(filters, axis=1), images=np.repeat(DIGIT[None], count, axis=0),
                    labels=np.full(count, 1))


def test_a_slide_is_1200_px_wide_with_digit_step_cosines_and_colorbar():
    assert EXPORT_WIDTH >= 1200
    filters = 0.2 * RNG.normal(size=(5, 28, 28))
    figure = slide_figure(1200, filters, [0.5, -0.25, 0.0, 0.75, -1.0], DIGIT, 4)
    words = texts(figure)
    for expected in ("step 1,200", "training digit: 4", "cos +0.50", "cos -0.25", "cos +0.00", "cos +0.75",
                     "cos -1.00", "weight"):
        assert expected in words
    bar = next(ax for ax in figure.axes if ax.get_label() == "<colorbar>")
    assert bar.get_ylim() == pytest.approx((-np.abs(filters).max(), np.abs(filters).max()))
    px = pixels(figure)
    assert px.shape[1] == 1200
    assert ((px[..., 2].astype(int) - px[..., 0]) > 60).any() and ((px[..., 0].astype(int) - px[..., 2]) > 60).any()


def test_a_wider_export_is_the_same_picture_sharper():
    small, large = (pixels(slide_figure(7, np.ones((2, 5, 5)), [0, 0], DIGIT, 1, width=w)) for w in (1200, 1920))
    assert large.shape[1] == 1920 and large.shape[0] == pytest.approx(small.shape[0] * 1.6, abs=2)


def test_show_moves_a_slide_to_another_step_and_rejects_the_wrong_count():
    slide = Slide(3, 28)
    slide.show(0, np.ones((3, 28, 28)) * 0.01, [0.1, 0.2, 0.3], DIGIT, 7)
    first = slide.picture()
    slide.show(500, -np.ones((3, 28, 28)), [-0.9, -0.8, -0.7], DIGIT, 7, limit=2.0)
    assert "step 500" in texts(slide.figure) and "cos -0.80" in texts(slide.figure)
    assert slide.images[0].get_clim() == (-2.0, 2.0)
    assert slide.picture().size == first.size
    with pytest.raises(ValueError):
        slide.show(1, np.ones((4, 28, 28)), [0] * 4, DIGIT, 7)


def test_gif_frames_share_a_size_and_a_palette_hold_the_end_and_keep_the_page_white(tmp_path):
    path = tmp_path / "filters.gif"
    seen = []
    assert save_animation(frame_set(5), path, fps=5, progress=lambda done, total: seen.append((done, total))) == 5
    assert seen == [(i, 5) for i in range(1, 6)]
    assert os.listdir(tmp_path) == ["filters.gif"]
    with Image.open(path) as gif:
        assert gif.n_frames == 5 and gif.width == 1200
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
        sizes = {frame.size for frame in ImageSequence.Iterator(gif)}
        gif.seek(4)
        last = np.asarray(gif.convert("RGB"))
    assert durations == [200, 200, 200, 200, HOLD_MS] and len(sizes) == 1
    assert (last[2] == 255).all()  # the page's top rows: white, not the palette's nearest grey


def test_save_animation_refuses_nothing_and_a_missing_folder_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        save_animation(FrameSet(*(np.zeros((0,) + s) for s in ((), (3, 28, 28), (3,), (28, 28), ()))),
                       tmp_path / "a.gif")
    with pytest.raises(OSError):
        save_animation(frame_set(2), tmp_path / "missing" / "a.gif")
    assert os.listdir(tmp_path) == []

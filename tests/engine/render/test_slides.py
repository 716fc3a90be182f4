"""Exports for a slide: 1,200 px or the width asked for, with the digit, step, cosines and colorbar."""
import numpy as np
import pytest
from matplotlib.text import Text

from filterlab.engine.render.slides import EXPORT_WIDTH, Slide, slide_figure
from filterlab.engine.render.style import pixels

RNG = np.random.default_rng(2)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_a_slide_is_1200_px_wide_with_digit_step_cosines_and_colorbar():
    assert EXPORT_WIDTH >= 1200
    filters = 0.2 * RNG.normal(size=(5, 28, 28))
    figure = slide_figure(1200, filters, [0.5, -0.25, 0.0, 0.75, -1.0], DIGIT, 4)
    words = texts(figure)
    for expected in ("step 1,200", "training digit: 4", "cos +0.50", "cos -0.25", "cos 0.00", "cos +0.75",
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

"""Headless figures of the filters: what they say (titles, cosines, colorbars), both signs, files written whole."""
import os

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from filterlab.engine.core.files import save_figure
from filterlab.engine.render.digit import comparison_figure, filter_figure
from filterlab.engine.render.style import pixels

RNG = np.random.default_rng(0)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0  # a white "1" on black


def _filters(f, k=28):
    initial = RNG.uniform(-0.036, 0.036, (f, k, k))
    final = np.stack([DIGIT * s - DIGIT.mean() * s for s in RNG.choice([-0.5, 0.5], f)])
    return initial, final


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def colorbars(figure) -> list:
    return [ax for ax in figure.axes if ax.get_label() == "<colorbar>"]


def test_filter_figure_says_what_it_shows():
    initial, final = _filters(5)
    figure = filter_figure(DIGIT, initial, final, [0.01, -0.02, 0.03, 0.0, 0.05], [0.9, -0.9, 0.8, -0.7, 0.6],
                           title="Filter Lab: digit 1, after 300 steps")
    words = texts(figure)
    for expected in ("Filter Lab: digit 1, after 300 steps", "digit", "initial filters", "trained filters",
                     "cos +0.01", "cos -0.02", "cos +0.90", "cos -0.90", "cos -0.70"):
        assert expected in words
    assert any(w.startswith("blue = negative weight") for w in words)
    bars = colorbars(figure)
    assert len(bars) == 2  # one per block: the initial weights are far smaller than the trained ones
    assert bars[0].get_ylim()[1] == pytest.approx(np.abs(initial).max())
    assert bars[1].get_ylim()[1] == pytest.approx(0.5 - DIGIT.mean() * 0.5)


def test_filter_figure_is_slide_wide_shows_both_signs_and_the_digit_white_on_black():
    px = pixels(filter_figure(DIGIT, *_filters(5), [0.0] * 5, [0.9] * 5))
    assert px.shape[1] == 1200
    assert ((px[..., 2].astype(int) - px[..., 0]) > 60).any() and ((px[..., 0].astype(int) - px[..., 2]) > 60).any()
    black = (px < 5).all(axis=-1)
    rows, cols = np.nonzero(black)
    panel = px[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert black.sum() > 10_000 and ((panel > 250).all(axis=-1)).sum() > 1_000  # white ink inside the black panel


def test_more_filters_wrap_into_more_rows():
    five, nine = (filter_figure(DIGIT, *_filters(f), [0.0] * f, [0.5] * f) for f in (5, 9))
    assert nine.get_figheight() > five.get_figheight() and nine.get_figwidth() == five.get_figwidth()


def test_small_kernels_scaled_each_and_set_targets():
    initial, final = RNG.normal(size=(8, 3, 3)), RNG.normal(size=(8, 3, 3)) * np.arange(1, 9)[:, None, None]
    figure = filter_figure(DIGIT, initial, final, [0.0] * 8, [0.5] * 8, scale_each=True,
                           targets=[str(i) for i in range(8)], image_caption="mean training image")
    words = texts(figure)
    assert "trained filters (each scaled to its own L)" in words and "mean training image" in words
    assert "cos +0.50 to 7\nL = %.3g" % np.abs(final[7]).max() in words
    assert {"-L", "0", "+L"} <= set(words)  # the colorbar is in units of each filter's own limit


def test_filter_figure_rejects_mismatched_inputs():
    initial, final = _filters(5)
    with pytest.raises(ValueError):
        filter_figure(DIGIT, initial, final[:4], [0.0] * 5, [0.0] * 4)
    with pytest.raises(ValueError):
        filter_figure(DIGIT, initial, final, [0.0] * 5, [0.0] * 4)
    with pytest.raises(ValueError):
        filter_figure(DIGIT[0], initial, final, [0.0] * 5, [0.0] * 5)


def test_comparison_figure_has_one_block_and_colorbar_per_run():
    runs = [(f"seed={i}: loss 0.01", _filters(3)[1] * 10 ** i, [0.5, -0.5, 0.25]) for i in range(3)]
    figure = comparison_figure(DIGIT, runs, title="runs")
    words = texts(figure)
    assert all(name in words for name, _, _ in runs) and words.count("cos -0.50") == 3
    limits = [bar.get_ylim()[1] for bar in colorbars(figure)]  # each run its own: they differ 10x in size
    assert limits == pytest.approx([np.abs(filters).max() for _, filters, _ in runs])
    with pytest.raises(ValueError):
        comparison_figure(DIGIT, [])


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<?xml")])
def test_saved_in_the_format_its_name_says_and_no_temp_left(tmp_path, suffix, magic):
    path = tmp_path / f"figure.{suffix}"
    save_figure(filter_figure(DIGIT, *_filters(2), [0.0] * 2, [0.5] * 2), path)
    assert os.listdir(tmp_path) == [path.name]
    assert path.read_bytes().startswith(magic)
    if suffix == "png":
        with Image.open(path) as back:
            assert back.width == 1200

"""article.png: the article's eleven pictures (binarised at their means, map hot) above the same filters as they are."""
import matplotlib
import numpy as np
from matplotlib.image import AxesImage
from matplotlib.text import Text

from filterlab.engine.core.colours import HOT_COLORS, HOT_POSITIONS
from filterlab.engine.core.files import save_figure
from filterlab.engine.render.article import article_figure

RNG = np.random.default_rng(0)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0


def drawn(count=5):
    initial = RNG.uniform(-0.036, 0.036, (count, 28, 28))
    final = np.stack([-DIGIT * 0.1 + RNG.uniform(-0.03, 0.03, (28, 28)) for _ in range(count)])
    return initial, final


def test_the_articles_pictures_and_the_honest_ones_with_both_numbers(tmp_path):
    initial, final = drawn()
    figure = article_figure(DIGIT, initial, final, ([0.51, 0.5, 0.49, 0.5, 0.52], [0.93] * 5),
                            ([0.01, -0.04, 0.0, 0.02, -0.03], [-0.2, -0.4, -0.23, -0.21, -0.35]),
                            title="Filter Lab: digit 1, after 300 steps")
    words = [t.get_text() for t in figure.findobj(Text) if t.get_text()]
    assert any(w.startswith("as the article drew them") for w in words)
    assert any(w.startswith("as they are") for w in words)
    assert "agree 93%\ncos -0.40" in words and "agree 51%\ncos +0.01" in words and "cos -0.40" in words
    images = figure.findobj(AxesImage)
    hot = [im for im in images if im.get_cmap().name == "hot"]
    assert len(hot) == 11  # the article's eleven: the digit, five initial, five trained
    for im in hot:
        assert set(np.unique(im.get_array())) <= {0.0, 1.0}  # binarised
    trained = hot[-1].get_array()
    np.testing.assert_array_equal(trained, final[-1] > final[-1].mean())
    assert len([im for im in images if im.get_cmap().name == "filterlab-diverging"]) == 10
    save_figure(figure, tmp_path / "article.png")
    assert (tmp_path / "article.png").stat().st_size > 10_000


def test_the_windows_hot_is_matplotlibs():
    hot = matplotlib.colormaps["hot"]
    for position, colour in zip(HOT_POSITIONS, HOT_COLORS):
        np.testing.assert_allclose(np.array(hot(position)[:3]) * 255, colour, atol=2.5)

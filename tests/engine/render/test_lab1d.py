"""The 1-D lab's figure: every panel, its legend and the verdict in words, for short and long filters."""
import numpy as np
import pytest
from matplotlib.text import Text

from filterlab.engine.lab1d.config import Lab1DConfig
from filterlab.engine.lab1d.lab import Lab1D
from filterlab.engine.render.lab1d import lab1d_figure, summary_lines
from filterlab.engine.render.style import pixels


def texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


@pytest.mark.parametrize("taps", [3, 9])
def test_every_panel_with_its_legend_and_the_numbers(taps):
    lab = Lab1D(Lab1DConfig(taps=taps, lr=0.01))
    lab.step(60)
    snap = lab.snapshot()
    figure = lab1d_figure(snap, title="Filter Lab, 1-D")
    words = texts(figure)
    for title in ("Filter Lab, 1-D", "a held-out random sequence (integers 0-1) and its local peaks",
                  "the taps during training", f"taps now; cosine {snap.cosine:+.3f}", "[-1, 1, -1], bias -1/2",
                  "local peak: larger than both neighbours", "tap 0 (middle)", f"tap {taps // 2:+d}"):
        assert title in words
    assert any(w.startswith("the filters' responses") for w in words)
    assert "\n".join(summary_lines(snap)) in words
    legends = [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None]
    assert len(legends) == 4 and len(legends[2].get_texts()) == taps  # one entry per tap
    px = pixels(figure)
    assert px.shape[1] == 1200 and px.shape[0] >= 800


def test_a_lab_without_a_record_is_refused():
    snap = Lab1D(Lab1DConfig()).snapshot()
    empty = type(snap)(**{**snap.__dict__, "tap_history": np.zeros((0, 3)), "tap_steps": np.zeros(0)})
    with pytest.raises(ValueError):
        lab1d_figure(empty)

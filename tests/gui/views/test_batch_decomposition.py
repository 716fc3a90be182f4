"""The set window's "one step, taken apart", drawn from hand-made snapshots and parts (no training thread):
a snapshot of a new step asks for its parts once; the parts drawn are the largest contributions, the rest
summed, and the total; the caption says the numbers of the parts it was given."""
from types import SimpleNamespace

import numpy as np
import pytest

from filterlab.gui.views.batch_decomposition import SHOWN, BatchDecompositionView

BATCH = 6


@pytest.fixture
def view(qtbot):
    view = BatchDecompositionView()
    qtbot.addWidget(view)
    return view


def snapshot(step: int, filters: int = 3) -> SimpleNamespace:
    return SimpleNamespace(step=step, filters=np.zeros((filters, 28, 28), np.float32))


def parts(step: int = 12, f: int = 0) -> dict:
    """A minibatch of BATCH digits, each a square of ink, its contribution dL/dz x image."""
    images = np.zeros((BATCH, 28, 28), np.float32)
    for b in range(BATCH):
        images[b, 2 + 4 * b:6 + 4 * b, 10:14] = 1.0
    dl_dz = np.array([0.5, -0.1, 0.02, -0.8, 0.3, 0.01], np.float32)
    contributions = dl_dz[:, None, None] * images
    gradient = contributions.sum(axis=0)
    engine = gradient.copy()
    engine[0, 0] += 0.002  # the engine's own gradient, one pixel apart
    return dict(images=images, labels=np.arange(BATCH), dl_dz=dl_dz, contributions=contributions,
                gradient=gradient, engine_gradient=engine, filter=f, step=step)


def test_a_new_step_asks_for_its_parts_once_and_another_filter_asks_again(qtbot, view):
    wanted = []
    view.wants.connect(wanted.append)
    view.draw(snapshot(12))
    assert wanted == [0]
    view.draw(snapshot(12))  # the same step: nothing new to ask
    view.draw(snapshot(13))  # a newer step while the answer is awaited: asked once the answer is in
    assert wanted == [0]
    view.draw_parts(parts(12))
    view.draw(snapshot(14))
    assert wanted == [0, 0]
    view.draw_parts(parts(14))
    view.filter.setValue(3)  # the filter chosen in its box (1-based): asked at once, for that filter
    assert wanted == [0, 0, 2] and view.filter.maximum() == 3


def test_the_largest_contributions_the_rest_and_the_total_are_drawn_with_the_numbers_given(qtbot, view):
    view.draw(snapshot(12))
    given = parts(12)
    view.draw_parts(given)
    assert view.shown is given
    largest = np.argsort(-np.abs(given["dl_dz"]))[:SHOWN]  # same ink in each: the largest |dL/dz| first
    for col, b in enumerate(largest):
        np.testing.assert_array_equal(view.parts[col].image, given["contributions"][b])
        assert view.notes[col].text == f"label {b}: dL/dz {given['dl_dz'][b]:+.2g}"
    rest = [b for b in range(BATCH) if b not in largest]
    np.testing.assert_allclose(view.parts[SHOWN].image, given["contributions"][rest].sum(axis=0))
    assert view.notes[SHOWN].text == f"+ the other {len(rest)}"
    np.testing.assert_array_equal(view.parts[SHOWN + 1].image, given["gradient"])
    caption = view.caption.text()
    assert caption.startswith(f"Step 12, filter #1: the minibatch gradient is the sum over its {BATCH} digits")
    assert f"1/{BATCH} into every dL/dz" in caption and "from the engine's: 0.002)" in caption

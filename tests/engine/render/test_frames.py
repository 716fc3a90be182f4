"""The GIF's frames are spread over the change: the forming fills a third of the animation or more."""
import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.core.history import FilterHistory, ImageHistory
from filterlab.engine.digit.trainer import Trainer
from filterlab.engine.render.frames import (
    GIF_FRAMES,
    forming_share,
    gif_frames,
    largest_share,
    picture_change,
    spread_indices,
)

DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0
NOISE = np.random.default_rng(1).normal(size=(3, 28, 28))


def synthetic_run(last_step=20_000):
    """A run recorded as the app records one: the digit grows out of the noise in ~50 steps, as under Adam."""
    record, images = FilterHistory(spacing=10), ImageHistory()
    images.add(0, DIGIT, 1)
    for step in range(last_step + 1):
        if record.due(step):
            # Adam moves the stroke pixels ~lr a step; off the strokes weight decay fades the noise
            size = 1e-3 * min(step, 100) + 1e-5 * max(step - 100, 0)
            filters = 0.036 * np.exp(-step / 60.0) * NOISE + size * DIGIT * np.array([1, -1, 1])[:, None, None]
            record.add(step, filters.astype(np.float32), np.zeros(4, np.float32))
    return record, images


def test_a_long_run_gets_the_forming_spread_where_frames_by_index_would_not():
    record, images = synthetic_run()
    assert len(record) > 2 * GIF_FRAMES  # the dense early record, then every 10th, 100th, 1,000th step
    frames = gif_frames(record, images)
    assert len(frames) <= GIF_FRAMES and frames.steps[0] == 0 and frames.steps[-1] == 20_000
    assert np.all(np.diff(frames.steps) > 0)
    forming = np.abs(frames.cosines).mean(axis=1)
    assert forming_share(forming) >= 1 / 3
    assert largest_share(forming) <= 1 / 3
    assert largest_share(np.cumsum(picture_change(frames.filters))) <= 1 / 3
    # The old choice, evenly by record index, shows the same forming in a few frames.
    _, cosines = record.cosine_curves(images)
    by_index = np.abs(cosines[np.linspace(0, len(record) - 1, GIF_FRAMES).astype(int)]).mean(axis=1)
    assert forming_share(by_index) < 0.25


@pytest.fixture
def one_thread():
    """As the app trains (engine/core/runtime.py): a step is too small for a thread pool."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_a_real_run_forms_over_a_third_of_the_frames(one_thread):
    trainer = Trainer(Config(filters=3))
    trainer.step(400)  # 130 records: more than a GIF's frames
    frames = gif_frames(trainer.record, trainer.image_history)
    forming = np.abs(frames.cosines).mean(axis=1)
    assert forming[-1] > 0.6 and forming[0] < 0.2
    assert forming_share(forming) >= 1 / 3
    assert largest_share(np.cumsum(picture_change(frames.filters))) <= 1 / 3
    assert frames.images.shape == (len(frames), 28, 28) and set(frames.labels) == {4}


def test_spread_indices_bounds_and_edges():
    assert spread_indices(np.zeros(5), count=10) == [0, 1, 2, 3, 4]  # fewer records than frames: all
    flat = spread_indices(np.zeros(1_000), count=11)  # nothing changes: evenly over the records
    assert flat[0] == 0 and flat[-1] == 999 and len(flat) == 11
    assert np.abs(np.diff(flat) - 99.9).max() <= 1
    change = np.zeros(1_000)
    change[1:11] = 1.0  # all the change in the first ten intervals
    picks = spread_indices(change, count=50)
    assert picks[0] == 0 and picks[-1] == 999 and len(picks) <= 50
    assert set(range(11)) <= set(picks)  # every record of the change is shown
    assert len([p for p in picks if p > 10]) >= 0.1 * len(picks)  # and the rest still moves on


def test_the_spread_measures():
    assert forming_share([0, 0, 0.5, 1, 1]) == pytest.approx(2 / 5)  # from 10% (frame 2) to 90% (frame 3)
    assert forming_share([1, 0.5, 0]) == pytest.approx(2 / 3)  # a falling curve too
    assert largest_share([0, 0.1, 0.2, 1.0]) == pytest.approx(0.8) and largest_share([1, 1]) == 0.0


def test_gif_frames_rejects_an_empty_record():
    with pytest.raises(ValueError):
        gif_frames(FilterHistory(), ImageHistory())

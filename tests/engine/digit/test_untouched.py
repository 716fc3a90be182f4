"""What learning could not reach, and what a small filter is compared with."""
import json

import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import cosine_to_image, patch_origins
from filterlab.engine.data import bundled_index
from filterlab.engine.digit.trainer import Trainer


def test_for_one_digit_the_untouched_weights_are_exactly_its_blank_pixels(digit):
    trainer = Trainer(Config(optimizer="sgd", lr=0.1), *digit)  # SGD: only weight decay moves the blank ones
    trainer.step(50)
    np.testing.assert_array_equal(trainer.snapshot().untouched, digit[0] == 0)
    before = trainer.record.frames[0]
    now = trainer.snapshot().filters
    blank = digit[0] == 0
    assert np.abs(now[:, ~blank] - before[:, ~blank]).max() > 1000 * np.abs(now[:, blank] - before[:, blank]).max()
    seven, _ = bundled_index(700)
    trainer.set_image(seven, 7)
    np.testing.assert_array_equal(trainer.snapshot().untouched, (digit[0] == 0) & (seven == 0))


def test_a_small_kernels_untouched_weights_need_a_blank_window_under_them(digit):
    image = np.zeros((28, 28), np.float32)
    image[0, 0] = 1.0  # one inked pixel in the corner: only weight (0, 0) ever meets it
    trainer = Trainer(Config(kernel=5, filters=2), image, 1)
    untouched = trainer.snapshot().untouched
    assert not untouched[0, 0] and untouched.sum() == 24


@pytest.mark.usefixtures("figures_unseen")
def test_the_untouched_share_is_in_the_metrics(tmp_path, run_main, digit):
    code, _, _ = run_main(["--headless", "--steps", "20", "--out", tmp_path])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert code == 0 and metrics["untouched_fraction"] == float((digit[0] == 0).mean())


def test_a_small_filter_is_compared_with_the_patch_it_responds_to_most(digit):
    image = digit[0]
    filters = np.random.default_rng(3).normal(size=(6, 5, 5)).astype(np.float32)
    origins = patch_origins(filters, image)
    for f, (row, col) in enumerate(origins):
        responses = [[float((filters[f] * image[r:r + 5, c:c + 5]).sum()) for c in range(24)] for r in range(24)]
        assert (row, col) == np.unravel_index(np.argmax(responses), (24, 24))
        patch = image[row:row + 5, col:col + 5].ravel() - image[row:row + 5, col:col + 5].mean()
        w = filters[f].ravel() - filters[f].mean()
        expected = patch @ w / (np.linalg.norm(patch) * np.linalg.norm(w))
        assert abs(cosine_to_image(filters[f:f + 1], image)[0] - expected) < 1e-6

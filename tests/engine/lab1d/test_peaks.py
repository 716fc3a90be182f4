"""The 1-D lab's task: local peaks, the hand-designed [-1, 1, -1], locating and scoring peaks."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from filterlab.engine.lab1d.lab import filter_logits, peak_loss
from filterlab.engine.lab1d.peaks import HAND_BIAS, Scores, hand_taps, local_peaks, locate, response


def test_local_peaks_are_values_above_both_neighbours():
    x = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 2, 1])
    assert np.flatnonzero(local_peaks(x, 1)) + 1 == pytest.approx([1, 7, 9])
    assert np.flatnonzero(local_peaks(x, 2)) + 2 == pytest.approx([7])  # positions 2..8 only


def test_hand_filter_locates_exactly_the_peaks_of_binary_sequences():
    """Every 3-value pattern of 0s and 1s, and a long random sequence."""
    x = np.random.default_rng(1).integers(0, 2, size=(50, 64)).astype(float)
    found = locate(response(x, hand_taps(3), HAND_BIAS))
    assert np.array_equal(found, local_peaks(x, 1))
    assert list(hand_taps(7)) == [0, 0, -1, 1, -1, 0, 0]


def test_locate_keeps_the_largest_positive_response_of_each_neighbourhood():
    assert locate(np.array([-1.0, 2.0, 1.0, 3.0, -1.0, -0.5])).tolist() == [False, True, False, True, False, False]


def test_scores_count_positions():
    found, truth = np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool)
    assert Scores.compare(found, truth) == Scores(precision=0.5, recall=0.5, f1=0.5)
    nothing = np.zeros(4, bool)
    assert Scores.compare(nothing, nothing).f1 == 1.0
    assert Scores.compare(nothing, truth) == Scores(precision=0.0, recall=0.0, f1=0.0)


def test_training_is_conv1d_and_binary_cross_entropy():
    x, w, b = torch.rand(4, 64), torch.randn(5), torch.randn(1)
    expected = F.conv1d(x[:, None], w.view(1, 1, -1), b)[:, 0]
    torch.testing.assert_close(filter_logits(x, w, b), expected)
    np.testing.assert_allclose(response(x.numpy(), w.numpy(), float(b)), expected.numpy(), rtol=1e-5, atol=1e-5)
    logits, target = torch.randn(8, 60) * 30, (torch.rand(8, 60) < 0.2).float()  # large logits too
    torch.testing.assert_close(peak_loss(logits, target), F.binary_cross_entropy_with_logits(logits, target))

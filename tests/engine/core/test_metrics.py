"""The numbers under a filter: its cosine to the digit, and its agreement with it as the article drew it."""
import numpy as np

from filterlab.engine.core.metrics import binarised, binarised_agreement


def test_binarised_agreement_is_the_share_of_pixels_on_the_same_side_of_the_mean(digit):
    image = digit[0]
    rng = np.random.default_rng(1)
    noise = rng.uniform(-1, 1, size=(28, 28))
    filters = np.stack([image, -image, image + 0.01 * noise, noise])
    agreement = binarised_agreement(filters, image)
    assert agreement[0] == 1.0 and agreement[1] == 1.0  # the digit, and its negative drawn inverted
    assert agreement[2] > 0.95
    by_hand = np.mean((noise > noise.mean()) == (image > image.mean()))
    assert agreement[3] == max(by_hand, 1 - by_hand) and 0.45 < agreement[3] < 0.55  # chance


def test_small_kernels_agree_with_the_patch_they_respond_to(digit):
    image = digit[0]
    patch = image[8:13, 10:15]
    agreement = binarised_agreement(np.stack([patch, -patch])[:, :, :], image)
    assert np.all(agreement == 1.0)


def test_binarised_pictures_are_0_or_1_at_each_ones_own_mean():
    stack = np.array([[[0.0, 1.0], [2.0, 3.0]], [[-5.0, -5.0], [-5.0, -4.0]]])
    np.testing.assert_array_equal(binarised(stack), [[[0, 0], [1, 1]], [[0, 0], [0, 1]]])

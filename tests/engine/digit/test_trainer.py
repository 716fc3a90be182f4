"""The one-digit Trainer reproduces the experiment, and its numbers mean what the views say."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.data import bundled_digit
from filterlab.engine.digit.trainer import Trainer


def mean_abs_cos(trainer):
    return float(np.abs(trainer.snapshot().cosine).mean())


def test_defaults_are_the_original_experiment():
    trainer = Trainer()
    model = trainer.model
    assert (model.conv.in_channels, model.conv.out_channels, model.conv.kernel_size) == (1, 5, (28, 28))
    assert model.conv.bias is not None and model.fc.bias is not None
    assert (model.fc.in_features, model.fc.out_features) == (5, 10)
    group = trainer.optimizer.param_groups[0]
    assert isinstance(trainer.optimizer, torch.optim.Adam)
    assert group["lr"] == 1e-3 and group["weight_decay"] == 1e-5
    assert trainer.label == 4


def test_loss_falls(digit):
    trainer = Trainer(Config(), *digit)
    first = trainer.snapshot().loss
    trainer.step(200)
    assert trainer.snapshot().loss < first / 10


@pytest.mark.parametrize("digit_class", [0, 3, 4, 7, 9])
def test_filters_become_the_digit(digit_class):
    trainer = Trainer(Config(), *bundled_digit(digit_class))
    assert mean_abs_cos(trainer) < 0.2
    trainer.step(1000)
    assert mean_abs_cos(trainer) >= 0.65


def test_sign_of_each_filter_follows_its_output_weight(digit):
    """A filter whose weight to the target class is negative becomes the negative digit."""
    trainer = Trainer(Config(filters=8), *digit)
    trainer.step(1000)
    snap = trainer.snapshot()
    strong = np.abs(snap.cosine) > 0.5
    assert strong.sum() >= 6
    assert np.array_equal(np.sign(snap.cosine[strong]), np.sign(snap.class_weights[strong]))


def test_gradient_is_dl_dz_times_the_image(digit):
    """The seed's central claim, numerically: for a 28x28 kernel dL/dw_k = dL/dz_k * x."""
    trainer = Trainer(Config(), *digit)
    for steps in (0, 1, 50):
        trainer.step(steps)
        snap = trainer.snapshot()
        expected = snap.dl_dz[:, 0, 0, None, None] * snap.image[None]
        assert np.abs(snap.grads).max() > 0
        np.testing.assert_allclose(snap.grads, expected, rtol=1e-5, atol=1e-9)


def test_update_is_the_weight_change_of_the_last_step(digit):
    trainer = Trainer(Config(optimizer="sgd", lr=0.1, weight_decay=0.0), *digit)
    trainer.step(3)
    before = trainer.snapshot().filters
    trainer.step(1)
    snap = trainer.snapshot()
    np.testing.assert_allclose(snap.update, snap.filters - before, atol=1e-7)
    np.testing.assert_allclose(snap.update, -0.1 * snap.grads, rtol=1e-4, atol=1e-8)


def test_same_seed_same_results_whatever_the_chunking(digit):
    a = Trainer(Config(seed=3), *digit)
    b = Trainer(Config(seed=3), *digit)
    a.step(300)
    for _ in range(3):
        b.step(100)
    assert np.array_equal(a.snapshot().filters, b.snapshot().filters)
    assert np.array_equal(a.losses.arrays()[1], b.losses.arrays()[1])
    c = Trainer(Config(seed=4), *digit)
    assert not np.array_equal(c.snapshot().initial, a.snapshot().initial)


def test_reset_gives_fresh_filters_and_step_zero(digit):
    trainer = Trainer(Config(seed=1), *digit)
    trainer.step(100)
    trained = trainer.snapshot().filters
    trainer.reset(seed=2)
    snap = trainer.snapshot()
    assert snap.step == 0 and trainer.config.seed == 2
    assert np.array_equal(snap.filters, snap.initial)
    assert not np.allclose(snap.filters, trained)
    assert len(snap.loss_steps) == 0


def test_set_image_keeps_filters_and_retrains_towards_new_digit(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(500)
    before = trainer.snapshot().filters
    seven, _ = bundled_digit(7)
    trainer.set_image(seven, 7)
    snap = trainer.snapshot()
    assert np.array_equal(snap.filters, before)
    assert snap.step == 500 and snap.label == 7 and np.array_equal(snap.image, seven)
    cos_before = np.abs(snap.cosine).mean()
    trainer.step(1500)
    assert np.abs(trainer.snapshot().cosine).mean() > cos_before + 0.2


def test_hyperparameters_change_live_without_reset(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(10)
    filters = trainer.snapshot().filters
    trainer.set_hparams(lr=0.05, weight_decay=0.0)
    assert trainer.step_count == 10
    assert trainer.optimizer.param_groups[0]["lr"] == 0.05
    assert np.array_equal(trainer.snapshot().filters, filters)
    trainer.set_hparams(optimizer="sgd", momentum=0.9)
    assert isinstance(trainer.optimizer, torch.optim.SGD)
    assert trainer.optimizer.param_groups[0]["momentum"] == 0.9
    trainer.step(5)
    assert trainer.step_count == 15


def test_filters_and_kernel_rebuild_the_model(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(10)
    trainer.set_hparams(filters=12, kernel=5)
    snap = trainer.snapshot()
    assert snap.filters.shape == (12, 5, 5) and snap.step == 0
    assert snap.z.shape == (12, 24, 24) and snap.dl_dz.shape == (12, 24, 24)
    trainer.step(5)
    with pytest.raises(ConfigError):
        trainer.set_hparams(filters=0)
    with pytest.raises(ConfigError):
        trainer.set_hparams(colour="red")


def test_small_kernel_gradient_is_patches_weighted_by_dl_dmap(digit):
    trainer = Trainer(Config(filters=3, kernel=5), *digit)
    trainer.step(20)
    snap = trainer.snapshot()
    patches = np.lib.stride_tricks.sliding_window_view(snap.image, (5, 5))  # (24,24,5,5)
    expected = np.einsum("fij,ijab->fab", snap.dl_dz, patches)
    np.testing.assert_allclose(snap.grads, expected, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("chunk", [1, 7, 50])
def test_divergence_rolls_back_to_a_sane_state_and_a_smaller_lr_recovers(digit, chunk):
    trainer = Trainer(Config(filters=3), *digit)
    trainer.step(20)
    trainer.set_hparams(optimizer="sgd", lr=1e20)  # the first update blows the weights up
    for _ in range(10):
        trainer.step(chunk)
        if trainer.diverged:
            break
    assert trainer.diverged and "learning rate" in trainer.diverged
    snap = trainer.snapshot()
    assert np.isfinite(snap.filters).all() and np.isfinite(snap.loss)
    assert snap.step == 20  # the last state whose next loss was finite
    assert trainer.optimizer.param_groups[0]["lr"] == trainer.config.lr == 1e20  # today's settings kept
    assert trainer.step(10) == 0  # stays paused until told otherwise
    trainer.set_hparams(lr=0.01)
    assert trainer.diverged is None
    assert trainer.step(10) == 10
    assert np.isfinite(trainer.snapshot().loss) and trainer.step_count == 30


def test_snapshot_is_a_frozen_copy(digit):
    trainer = Trainer(Config(), *digit)
    snap = trainer.snapshot()
    filters = snap.filters.copy()
    trainer.step(50)
    assert np.array_equal(snap.filters, filters)
    with pytest.raises(ValueError):
        snap.filters[0, 0, 0] = 1.0
    assert abs(snap.probs.sum() - 1) < 1e-5


def test_history_is_bounded_over_a_long_run(digit):
    trainer = Trainer(Config(record_every=1), *digit)
    trainer.record.max_bytes = 100 * trainer.initial.nbytes
    trainer.losses.capacity = 256
    trainer.step(6_000)
    history = trainer.history()
    record = trainer.record
    assert 128 <= len(history["loss"]) <= 256 and 5_900 < history["loss_steps"][-1] <= 6_000
    assert 50 <= history["filters"].shape[0] <= 100
    assert history["filter_steps"][0] == 0 and history["filter_steps"][-1] > 5_800
    assert record.thinning > 1  # the bound was reached and the record thinned itself
    assert all(step % record.spacing_at(step) == 0 for step in history["filter_steps"][1:])
    # the thinned frames are still the weights at their steps
    assert np.array_equal(history["filters"][0], trainer.initial)


def test_zero_init_keeps_all_filters_identical(digit):
    trainer = Trainer(Config(init="zeros", filters=4), *digit)
    trainer.step(300)
    filters = trainer.snapshot().filters
    assert np.abs(filters).max() > 1e-3
    for k in range(1, 4):
        np.testing.assert_array_equal(filters[k], filters[0])


def test_blank_image_is_legal_and_learns_nothing():
    trainer = Trainer(Config(weight_decay=0.0), np.zeros((28, 28), np.float32), 3)
    trainer.step(20)
    snap = trainer.snapshot()
    assert snap.blank_image
    assert np.abs(snap.grads).max() == 0
    assert np.array_equal(snap.filters, snap.initial)


def test_fast_path_matches_the_original_conv2d_loop(digit, article_script):
    """The matmul formulation and fused Adam give the original script's losses and weights (tests/conftest.py,
    article_script: the same start under seed 0)."""
    trainer = Trainer(Config(), *digit)
    _, trained, losses = article_script(digit[0], digit[1], 300)
    trainer.step(300)
    _, ours = trainer.losses.arrays()
    np.testing.assert_allclose(ours, losses, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(trainer.snapshot().filters, trained, rtol=1e-3, atol=1e-6)


def test_feature_maps_match_a_direct_convolution(digit):
    """Small kernels: each filter's feature map is a plain correlation of the filter with the digit."""
    trainer = Trainer(Config(filters=6, kernel=5), *digit)
    trainer.step(30)
    trainer.learner.forget_pass()  # maps at the current weights
    snap = trainer.snapshot()
    bias = trainer.model.conv.bias.detach().numpy()
    patches = np.lib.stride_tricks.sliding_window_view(snap.image, (5, 5))  # (24,24,5,5)
    direct = np.einsum("ijab,fab->fij", patches, snap.filters) + bias[:, None, None]
    assert snap.z.shape == (6, 24, 24)
    np.testing.assert_allclose(snap.z, direct, rtol=1e-4, atol=1e-5)

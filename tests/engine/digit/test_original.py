"""The original, exactly: the engine beside the article's own script, on its raw 0-255 pixels and on 0-1.

The script (tests/conftest.py, article_script) is Conv2d + Flatten + Linear with Adam as written;
the engine runs the same maths as a matrix product with fused Adam (engine/core/model.py). Same
seed, same initial filters bit for bit; after the steps, the same filters to float rounding.
"""
import numpy as np
import pytest

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.core.pixels import network_input
from filterlab.engine.digit.trainer import Trainer

STEPS = 300  # the 5,000 steps of README's numbers: test_the_same_after_5000_steps (--run-slow)


def side_by_side(article_script, pixels, label, config, steps):
    """(script's initial, script's trained, script's losses, the engine trained alongside)."""
    initial, trained, losses = article_script(pixels, label, steps)
    trainer = Trainer(config, np.asarray(pixels, np.float32) / config.pixel_scale, label)
    trainer.step(steps)
    return initial, trained, losses, trainer


@pytest.mark.parametrize("scale", [1, 255])
def test_the_engine_is_the_script(article_script, raw_digit, scale):
    raw, label = raw_digit
    pixels = raw.astype(np.float32) if scale == 255 else raw.astype(np.float32) / 255
    initial, trained, losses, trainer = side_by_side(article_script, pixels, label, Config(pixel_scale=scale), STEPS)
    np.testing.assert_array_equal(trainer.initial, initial)  # seed 0: the very same start
    np.testing.assert_array_equal(network_input(trainer.image, scale), pixels)  # fed exactly the script's input
    np.testing.assert_allclose(trainer.learner.filters(), trained, rtol=0, atol=1e-7)
    _, ours = trainer.losses.arrays()
    np.testing.assert_allclose(ours, losses, rtol=1e-4, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("scale", [1, 255])
def test_the_same_after_5000_steps(article_script, raw_digit, scale):
    raw, label = raw_digit
    pixels = raw.astype(np.float32) if scale == 255 else raw.astype(np.float32) / 255
    _, trained, _, trainer = side_by_side(article_script, pixels, label, Config(pixel_scale=scale), 5000)
    np.testing.assert_allclose(trainer.learner.filters(), trained, rtol=0, atol=1e-7)


def test_raw_pixels_saturate_the_softmax_and_learning_stops(digit):
    trainer = Trainer(Config(pixel_scale=255), *digit)
    trainer.step(STEPS)
    steps, losses = trainer.losses.arrays()
    first_zero = int(steps[np.argmax(losses == 0.0)])
    assert first_zero <= 10 and np.all(losses[steps >= first_zero] == 0.0)  # exactly 0.0, and it stays
    snap = trainer.snapshot()
    assert np.abs(snap.grads).max() < 1e-12  # it was ~100 at step 1
    assert np.abs(snap.cosine).max() < 0.5  # mostly the random start: cos 0.20-0.40
    assert snap.agreement.min() > 0.85  # ... yet, binarised, 93% of its pixels agree with the digit


def test_pixels_0_1_make_the_digit(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(STEPS)
    snap = trainer.snapshot()
    assert np.abs(snap.cosine).min() > 0.8 and snap.agreement.min() > 0.98


def test_the_digit_stays_0_1_only_the_input_is_scaled(digit):
    trainer = Trainer(Config(pixel_scale=255), *digit)
    trainer.step(3)
    snap = trainer.snapshot()
    np.testing.assert_array_equal(snap.image, digit[0])
    np.testing.assert_array_equal(snap.fed_image, np.rint(digit[0].astype(np.float64) * 255))
    # dL/dw = dL/dz x: with the input as fed (255 times the image)
    np.testing.assert_allclose(snap.grads, snap.dl_dz[:, :, :1] * snap.fed_image, rtol=1e-4, atol=1e-9)


def test_a_new_pixel_scale_starts_again_from_step_0(digit):
    trainer = Trainer(Config(), *digit)
    trainer.step(20)
    trainer.set_hparams(pixel_scale=255)
    assert trainer.step_count == 0 and trainer.config.pixel_scale == 255
    fresh = Trainer(Config(pixel_scale=255), *digit)
    np.testing.assert_array_equal(trainer.initial, fresh.initial)
    trainer.step(10)
    fresh.step(10)
    np.testing.assert_array_equal(trainer.learner.filters(), fresh.learner.filters())


def test_a_replayed_step_is_fed_the_scaled_digit(digit):
    trainer = Trainer(Config(pixel_scale=255), *digit)
    trainer.step(20)
    _, losses = trainer.losses.arrays()
    assert trainer.snapshot_at(0).loss == pytest.approx(losses[0], rel=1e-5)  # 2.55, not 2.59 (pixels 0-1)


@pytest.mark.parametrize("value", [2, 0, 255.0, True, "255"])
def test_a_pixel_scale_is_1_or_255(value):
    with pytest.raises(ConfigError, match="pixel scale"):
        Config(pixel_scale=value)


def test_raw_pixels_are_refused_by_a_set_and_a_comparison(digit):
    from filterlab.engine.comparison.runs import Comparison
    from filterlab.engine.digitset.data import bundled_set
    from filterlab.engine.digitset.trainer import SetTrainer

    with pytest.raises(ConfigError, match="one-digit"):
        SetTrainer(Config(pixel_scale=255), bundled_set((3, 7)))
    with pytest.raises(ConfigError, match="one-digit"):
        Comparison([Config(), Config(pixel_scale=255)], *digit)
    trainer = SetTrainer(Config(), bundled_set((3, 7)))
    with pytest.raises(ConfigError, match="one-digit"):
        trainer.set_hparams(pixel_scale=255)
    assert trainer.config.pixel_scale == 1


def test_cosine_ignores_the_scale(digit):
    filters = np.random.default_rng(0).normal(size=(3, 28, 28))
    np.testing.assert_allclose(cosine_to_image(filters, digit[0]), cosine_to_image(filters, digit[0] * 255), rtol=0, atol=1e-8)

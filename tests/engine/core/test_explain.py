"""Every caption that explains the filters is a function of the snapshot: checked under SGD and under Adam."""
import json

import numpy as np
import pytest

from filterlab.engine.core import explain
from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import NORM_FLOOR, cosine, cosine_to_image, loss_text, signed
from filterlab.engine.digit.trainer import Trainer

SGD = Config(optimizer="sgd", lr=0.01, weight_decay=0.0)
ADAM = Config()  # the article's: Adam 1e-3, weight decay 1e-5
ADAM_NO_DECAY = Config(weight_decay=0.0)


def _after(config: Config, steps: int):
    trainer = Trainer(config)
    trainer.step(steps)
    return trainer.snapshot()


def test_one_sgd_step_is_called_a_copy_and_its_cosine_is_the_measured_one():
    snap = _after(SGD, 1)
    words = explain.step_caption(snap, 0)
    assert f"cos(Δw, digit) = {signed(snap.last_step_cosine[0])}" in words
    assert signed(snap.last_step_cosine[0]) in ("+1.00", "-1.00")
    assert "SGD: Δw = −lr × gradient" in words and "is a copy of the negative digit" in words
    assert "their noise stays" in words  # the weights off the ink did not move, measured 0
    assert "Adam" not in words and "weight decay" not in words


def test_one_adam_step_is_not_called_a_copy_and_says_weight_decay_erases_the_noise():
    snap = _after(ADAM, 1)
    words = explain.step_caption(snap, 0)
    assert "cos(Δw, digit) = -0.36" in words and "not a copy of the digit" in words
    assert "copy of the negative digit" not in words
    assert "towards 0 by 90% of lr" in words and "erases the background noise" in words
    assert f"noise left off the ink: {explain.percent(snap.background_noise_left[0])}" in words


def test_adam_without_weight_decay_says_the_noise_stays():
    words = explain.step_caption(_after(ADAM_NO_DECAY, 1), 0)
    assert "no weight decay: those weights did not move, their noise stays" in words
    assert "erases" not in words


def test_no_step_yet_and_a_replayed_step_say_so_instead_of_a_cosine():
    trainer = Trainer(SGD)
    assert "No step has been taken yet" in explain.step_caption(trainer.snapshot(), 0)
    trainer.step(20)
    past = trainer.snapshot_at(10)
    assert "not recorded" in explain.step_caption(past, 0)
    assert np.all(np.isnan(past.last_step_cosine))


@pytest.mark.parametrize("config, says, never", [
    (SGD, "SGD adds it as a copy each step: the digit grows on top of noise that stays (noise left there: 100%)",
     "erases"),
    (ADAM, "weight decay, rescaled by Adam, erases the noise off the ink", "copy"),
    (ADAM_NO_DECAY, "off the ink nothing moves the noise (noise left there: 100%)", "erases"),
])
def test_the_filter_header_names_what_the_optimizer_in_use_does(config, says, never):
    early, late = _after(config, 5), _after(config, 600)
    for snap in (early, late):
        words = explain.filters_caption(snap)
        assert says in words and never not in words
    assert "become ±digit" not in explain.filters_caption(early)  # not yet: the cosines are still small
    became = [i + 1 for i, c in enumerate(late.cosine) if abs(c) >= explain.BECOME]
    words = explain.filters_caption(late)
    assert ("become ±digit" in words) == bool(became)
    for number in became:
        assert f"#{number}" in words or "every filter has" in words


def test_small_kernels_never_get_the_filter_is_the_digit_wording():
    snap = _after(Config(filters=4, kernel=5), 3)
    assert "±digit" not in explain.filters_caption(snap) and "patch" in explain.filters_caption(snap)
    assert "copy" not in explain.gradient_words(snap, 0)


@pytest.mark.parametrize("config", [SGD, ADAM])
def test_the_status_line_and_the_paint_note_follow_the_optimizer(config):
    snap = _after(config, 50)
    note, paint = explain.mechanism_note(snap), explain.paint_words(config, snap)
    assert note.startswith(explain.optimizer_name(config))
    assert f"starting noise left off the ink: {explain.noise_range(snap.background_noise_left)}" in note
    if config.optimizer == "sgd":
        assert "100%" in note and "stays there for ever" in paint and "Adam" not in paint
    else:
        assert "the edit fades there too" in paint and "SGD" not in paint


def test_a_cosine_below_the_floor_is_undefined_never_plus_or_minus_one():
    image = np.zeros((28, 28), np.float32)
    image[5:20, 10:14] = 1.0
    tiny = np.random.default_rng(0).normal(size=(2, 28, 28)) * 1e-30
    assert np.all(np.isnan(cosine_to_image(tiny, image)))
    assert np.isnan(cosine(tiny[0], image))
    assert signed(cosine_to_image(tiny, image)[0]) == "—"
    big = tiny * 1e28 / NORM_FLOOR  # well above the floor: a direction again
    assert np.all(np.isfinite(cosine_to_image(big, image)))
    assert np.all(np.isnan(cosine_to_image(np.ones((1, 5, 5)), image)))  # a flat filter has no direction


def test_loss_is_never_written_minus_zero():
    assert loss_text(-0.0) == "0" and loss_text(0.0) == "0" and loss_text(0.012345) == "0.01235"


@pytest.mark.usefixtures("figures_unseen")
def test_metrics_json_holds_both_fields(tmp_path, run_main):
    out = tmp_path / "sgd"
    code, _, err = run_main(["--headless", "--steps", "200", "--optimizer", "sgd", "--lr", "0.01",
                             "--weight-decay", "0", "--out", out])
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["background_noise_left"] == [1.0] * 5
    assert all(abs(abs(c) - 1) < 1e-4 for c in metrics["last_step_cosine"])
    out = tmp_path / "adam"
    code, _, err = run_main(["--headless", "--steps", "1000", "--out", out])
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert max(metrics["background_noise_left"]) < 0.05
    assert len(metrics["last_step_cosine"]) == 5


def test_undefined_cosines_are_null_in_metrics_json(tmp_path, run_main):
    out = tmp_path / "zeros"
    code, _, err = run_main(["--headless", "--steps", "0", "--init", "zeros", "--out", out])
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())  # strict JSON: no NaN
    assert metrics["cosine"] == [None] * 5 and metrics["mean_abs_cosine"] is None
    assert metrics["last_step_cosine"] == [None] * 5 and metrics["background_noise_left"] == [None] * 5


def test_a_session_keeps_the_last_step_and_shows_the_same_numbers(tmp_path):
    from filterlab.engine.digit.session import load_session, save_session

    trainer = Trainer(ADAM)
    trainer.step(7)
    before = trainer.snapshot()
    save_session(trainer, tmp_path / "s.npz")
    loaded = load_session(tmp_path / "s.npz").snapshot()
    np.testing.assert_array_equal(loaded.last_step_cosine, before.last_step_cosine)
    np.testing.assert_array_equal(loaded.background_noise_left, before.background_noise_left)

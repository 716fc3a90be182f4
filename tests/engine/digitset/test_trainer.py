"""Training on a set of digits: the batches, the accuracy, the snapshot, rollback and rebuild."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.trainer import SetSnapshot, SetTrainer

ALL = tuple(range(10))


@pytest.fixture(scope="module")
def all_digits():
    return bundled_set(ALL)


def test_test_accuracy_rises_well_above_chance(all_digits):
    """Chance is 10%; 16 filters reach 74-80% on the held-out fifth in 5 epochs (seeds 0-9)."""
    trainer = SetTrainer(Config(filters=16), all_digits)
    before = trainer.evaluate()[1]
    trainer.step(5 * trainer.steps_per_epoch)
    accuracy = [e["test_accuracy"] for e in trainer.epochs]
    assert before < 0.3
    assert len(accuracy) == 5 and [e["step"] for e in trainer.epochs] == [13, 26, 39, 52, 65]
    assert accuracy[-1] > 0.6
    assert trainer.epochs[-1]["train_loss"] < trainer.epochs[0]["train_loss"]


def test_batches_depend_only_on_the_step(all_digits):
    whole = SetTrainer(Config(seed=3), all_digits, batch_size=50)
    pieces = SetTrainer(Config(seed=3), all_digits, batch_size=50)
    whole.step(40)
    for n in (1, 7, 8, 24):  # crossing epoch ends (16 steps each) inside and at a call's end
        pieces.step(n)
    assert np.array_equal(whole.snapshot().filters, pieces.snapshot().filters)
    assert np.array_equal(whole.losses.arrays()[1], pieces.losses.arrays()[1])
    assert whole.epochs == pieces.epochs and len(whole.epochs) == 2


def test_blocks_of_gathered_rows_change_no_number(all_digits, monkeypatch):
    """The chunk trains on blocks of the shuffled epoch gathered a few rows at a time (BLOCK_ROWS): a run whose
    blocks are 2 batches is the run whose block is the whole epoch, bit for bit, and every chunk's rows are the
    batches the step's own minibatch (learner.batch) holds."""
    whole = SetTrainer(Config(seed=2), all_digits, batch_size=64, epochs=3)
    monkeypatch.setattr("filterlab.engine.digitset.trainer.BLOCK_ROWS", 128)
    blocks = SetTrainer(Config(seed=2), all_digits, batch_size=64, epochs=3)
    assert len(blocks._rows(0)[1]) == 128 and blocks._rows(0)[4] == 2 and blocks._rows(12)[4] == 1
    for step in (0, 3, 12, 13, 25):  # inside a block, its last step, the epoch's short last batch, a new epoch
        X, Y, row, size, _ = blocks._rows(step)
        x, y = blocks.learner.batch(step)
        assert np.array_equal(X[row:row + size].numpy(), x.reshape(len(x), -1).numpy())
        assert np.array_equal(Y[row:row + size].numpy(), y.numpy())
    assert blocks.step(5) == 5 and blocks.step(30) == 30  # calls longer than a block go on past its end
    whole.step(35)
    assert np.array_equal(whole.snapshot().filters, blocks.snapshot().filters)
    assert np.array_equal(whole.losses.arrays()[1], blocks.losses.arrays()[1])
    assert whole.epochs == blocks.epochs and len(blocks.epochs) == 2


def test_an_epoch_shows_every_training_digit_once_in_a_seeded_order(all_digits):
    trainer = SetTrainer(Config(), all_digits, batch_size=64)
    assert trainer.steps_per_epoch == 13  # 12 full batches and one of 32

    def epoch_images(epoch):
        batches = []
        for step in range(epoch * 13, (epoch + 1) * 13):
            x, _ = trainer.learner.batch(step)  # the minibatch update step + 1 trains on
            batches.append(x[:, 0].numpy().reshape(len(x), -1))
        return np.concatenate(batches)

    first, second = epoch_images(0), epoch_images(1)
    expected = all_digits.train_images.reshape(800, -1)
    for seen in (first, second):
        assert np.array_equal(np.unique(seen, axis=0), np.unique(expected, axis=0)) and len(seen) == 800
    assert not np.array_equal(first, second)  # reshuffled
    other = SetTrainer(Config(seed=1), all_digits)
    assert not np.array_equal(other._order(1, 0), trainer._order(0, 0))


def test_rollback_replays_the_same_batches():
    """A divergence mid-call restores the call's start and replays it: with the same batches."""
    digits = bundled_set((3, 7))
    config = Config(optimizer="sgd", lr=1e3, weight_decay=0.0)
    diverging = SetTrainer(config, digits, batch_size=8)
    kept = diverging.step(60)
    assert diverging.diverged and 0 < kept < 60
    fresh = SetTrainer(config, digits, batch_size=8)
    assert fresh.step(kept) == kept and not fresh.diverged
    assert np.array_equal(diverging.snapshot().filters, fresh.snapshot().filters)
    assert np.array_equal(diverging.losses.arrays()[1], fresh.losses.arrays()[1])


def test_a_small_kernel_run_rolls_back_a_divergence_and_replays_the_same_batches():
    """The small-kernel minibatch chunk (engine/core/chunk.py) is guarded as every engine's steps are: a
    divergence mid-call keeps the sane steps, the record cut at k x k filters (26 and 27 too: a recorded row
    holds fewer than 784 filter weights there)."""
    digits = bundled_set((3, 7))
    config = Config(filters=2, kernel=5, weight_decay=0.0)
    diverging, fresh = SetTrainer(config, digits, batch_size=8), SetTrainer(config, digits, batch_size=8)
    assert diverging.learner.chunked()
    for trainer in (diverging, fresh):
        trainer.step(30)
        trainer.set_hparams(lr=1e20)  # Adam's steps are ~lr: the weights overflow within a step or two
    kept = diverging.step(200)
    assert diverging.diverged and kept < 200 and diverging.step_count == 30 + kept
    assert fresh.step(kept) == kept and not fresh.diverged
    assert np.array_equal(diverging.snapshot().filters, fresh.snapshot().filters)
    assert fresh.snapshot().filters.shape == (2, 5, 5)
    assert all(frame.shape == (2, 5, 5) for frame in fresh.learner.record.frames)
    assert np.array_equal(diverging.losses.arrays()[1], fresh.losses.arrays()[1])
    for kernel in (26, 27):
        large = SetTrainer(Config(filters=2, kernel=kernel), digits, batch_size=8)
        assert large.learner.chunked() and large.step(3) == 3
        assert all(frame.shape == (2, kernel, kernel) for frame in large.learner.record.frames)


def test_snapshot_compares_each_filter_with_the_mean_of_its_class():
    digits = bundled_set((3, 7))
    trainer = SetTrainer(Config(filters=4), digits)
    trainer.step(10 * trainer.steps_per_epoch)
    snap = trainer.snapshot()
    assert isinstance(snap, SetSnapshot) and snap.epoch == 10 and len(snap.epochs) == 10
    assert set(snap.filter_classes) <= {3, 7}
    means = digits.class_means()
    for k, c in enumerate(snap.filter_classes):
        assert snap.cosine[k] == pytest.approx(cosine_to_image(snap.filters[k:k + 1], means[c])[0])
    strong = np.abs(snap.cosine) > 0.3
    assert strong.sum() >= 2  # the filters took on shapes of their classes ...
    assert np.array_equal(np.sign(snap.cosine[strong]), np.sign(snap.class_weights[strong]))  # ... signed
    assert snap.label in (3, 7) and snap.probs.shape == (10,)


def test_one_digit_commands_are_not_there_and_a_bad_batch_is_refused(all_digits):
    """A set run trains on its whole set and has no one-digit session: swapping in one image is refused
    (the protocol's set_image, engine/core/experiment.py), and there is no session to save."""
    trainer = SetTrainer(Config(), all_digits)
    with pytest.raises(ValueError, match="many digits"):
        trainer.set_image(all_digits.train_images[0], 3)
    assert trainer.step_count == 0
    assert not hasattr(trainer, "save_session")
    with pytest.raises(ConfigError, match="batch size"):
        SetTrainer(Config(), all_digits, batch_size=0)


def test_reset_and_rebuild_keep_the_set(all_digits):
    trainer = SetTrainer(Config(), all_digits)
    trainer.step(20)
    trainer.set_hparams(filters=8, kernel=5)
    assert trainer.step_count == 0 and trainer.epochs == []
    assert trainer.step(13) == 13 and len(trainer.epochs) == 1
    assert trainer.snapshot().filters.shape == (8, 5, 5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_set_training_on_the_gpu_matches_the_cpu():
    digits = bundled_set((3, 7))
    runs = [SetTrainer(Config(device=device), digits) for device in ("cpu", "cuda")]
    for run in runs:
        run.step(2 * run.steps_per_epoch)
    assert runs[1].device.type == "cuda"
    np.testing.assert_allclose(runs[0].snapshot().filters, runs[1].snapshot().filters, atol=1e-4)
    assert abs(runs[0].epochs[-1]["test_accuracy"] - runs[1].epochs[-1]["test_accuracy"]) <= 0.05


def test_a_large_test_split_is_scored_every_few_steps_and_the_snapshot_says_when(tmp_path):
    """1,200 test digits at batch 64: a test pass costs ~6 steps, so the live snapshots take one every 125
    steps (a twentieth of the training time); epoch ends are always scored at their step."""
    from filterlab.engine.data.sample_mnist import write_sample_mnist
    from filterlab.engine.digitset.data import mnist_set
    from filterlab.gui.views.set_results import scored_when

    write_sample_mnist(tmp_path, train=12_800, test=1_200)
    trainer = SetTrainer(Config(filters=2), mnist_set(tmp_path, ALL), batch_size=64, epochs=2)
    assert trainer.score_every == 125 and trainer.steps_per_epoch == 200
    assert SetTrainer(Config(filters=2), bundled_set(ALL)).score_every == 1  # 200 test digits: every snapshot
    trainer.step(3)
    snap = trainer.snapshot()
    assert (snap.step, snap.scored_step, snap.test_accuracy) == (3, 0, trainer.initial_scores.accuracy)
    assert scored_when(snap) == "at step 0"
    trainer.step(121)
    assert trainer.snapshot().scored_step == 0
    trainer.step(1)
    snap = trainer.snapshot()
    assert snap.scored_step == 125 and scored_when(snap) == "now"
    assert snap.test_accuracy == trainer.scores().accuracy  # what a test pass at this step finds
    trainer.step(75)  # the end of the first epoch: scored there
    snap = trainer.snapshot()
    assert snap.scored_step == 200 and snap.test_accuracy == trainer.epochs[0]["test_accuracy"]

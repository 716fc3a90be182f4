"""Training on a set of digits: the split, the batches, the accuracy, the torchvision path."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config, ConfigError
from filterlab.engine.data import DataError, load_bundled
from filterlab.engine.core.metrics import cosine_to_image
from filterlab.engine.digitset.trainer import SetSnapshot, SetTrainer, bundled_set, mnist_set, parse_classes
from mnist_files import write_idx_mnist

ALL = tuple(range(10))


@pytest.fixture(scope="module")
def all_digits():
    return bundled_set(ALL)


@pytest.mark.parametrize("text, classes", [("all", ALL), ("ALL", ALL), ("3,7", (3, 7)), (" 7 , 3 ", (3, 7)),
                                           ("5", (5,))])
def test_parse_classes(text, classes):
    assert parse_classes(text) == classes


@pytest.mark.parametrize("text", ["", "3,,7", "10", "x", "3;7", "-1", "3,3"])
def test_parse_classes_refuses_malformed_lists(text):
    with pytest.raises(DataError, match="--classes"):
        parse_classes(text)


def test_bundled_split_holds_out_the_last_fifth_of_each_class(all_digits):
    images, labels = load_bundled()
    assert len(all_digits.train_labels) == 800 and len(all_digits.test_labels) == 200
    assert np.bincount(all_digits.test_labels).tolist() == [20] * 10
    np.testing.assert_array_equal(all_digits.test_images[:20], images[80:100])  # class 0: samples 80-99
    pair = bundled_set((3, 7))
    assert set(pair.train_labels) == {3, 7} and len(pair.train_labels) == 160 and len(pair.test_labels) == 40


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


def test_an_epoch_shows_every_training_digit_once_in_a_seeded_order(all_digits):
    trainer = SetTrainer(Config(), all_digits, batch_size=64)
    assert trainer.steps_per_epoch == 13  # 12 full batches and one of 32

    def epoch_images(epoch):
        batches = []
        for step in range(epoch * 13, (epoch + 1) * 13):
            trainer._load_batch(step)
            batches.append(trainer._x[:, 0].numpy().reshape(len(trainer._x), -1))
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


def test_one_digit_commands_are_refused_clearly(all_digits, tmp_path):
    trainer = SetTrainer(Config(), all_digits)
    with pytest.raises(ValueError, match="whole set"):
        trainer.set_image(np.zeros((28, 28)), 3)
    with pytest.raises(ValueError, match="session"):
        trainer.save_session(tmp_path / "s.npz")
    with pytest.raises(ConfigError, match="batch size"):
        SetTrainer(Config(), all_digits, batch_size=0)


def test_reset_and_rebuild_keep_the_set(all_digits):
    trainer = SetTrainer(Config(), all_digits)
    trainer.step(20)
    trainer.set_hparams(filters=8, kernel=5)
    assert trainer.step_count == 0 and trainer.epochs == []
    assert trainer.step(13) == 13 and len(trainer.epochs) == 1
    assert trainer.snapshot().filters.shape == (8, 5, 5)


def test_full_mnist_through_torchvision_gives_the_same_run(tmp_path):
    """The bundled split written as MNIST's IDX files trains exactly as the bundled set does."""
    bundled = bundled_set((1, 8))
    to_bytes = lambda images: np.rint(images * 255).astype(np.uint8)
    write_idx_mnist(tmp_path, to_bytes(bundled.train_images), bundled.train_labels, train=True)
    write_idx_mnist(tmp_path, to_bytes(bundled.test_images), bundled.test_labels, train=False)
    mnist = mnist_set(tmp_path, (1, 8))
    np.testing.assert_array_equal(mnist.train_images, bundled.train_images)
    runs = [SetTrainer(Config(seed=2), digits, batch_size=32) for digits in (bundled, mnist)]
    for run in runs:
        run.step(3 * run.steps_per_epoch)
    assert runs[0].epochs == runs[1].epochs
    with pytest.raises(DataError, match="no digits"):
        mnist_set(tmp_path, (0,))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_set_training_on_the_gpu_matches_the_cpu():
    digits = bundled_set((3, 7))
    runs = [SetTrainer(Config(device=device), digits) for device in ("cpu", "cuda")]
    for run in runs:
        run.step(2 * run.steps_per_epoch)
    assert runs[1].device.type == "cuda"
    np.testing.assert_allclose(runs[0].snapshot().filters, runs[1].snapshot().filters, atol=1e-4)
    assert abs(runs[0].epochs[-1]["test_accuracy"] - runs[1].epochs[-1]["test_accuracy"]) <= 0.05

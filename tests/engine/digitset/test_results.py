"""A set run says what it does: it is scored on test digits, ends after its epochs, and its step is a sum."""
import json

import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.trainer import SetTrainer


@pytest.fixture(scope="module")
def trained():
    trainer = SetTrainer(Config(filters=8), bundled_set(tuple(range(10))), 64, epochs=3)
    trainer.step(10_000)
    return trainer


def test_the_run_ends_after_its_epochs_and_goes_on_when_asked(trained):
    assert trained.step_count == 3 * trained.steps_per_epoch and len(trained.epochs) == 3
    assert trained.finished == f"done: 3 epochs, test accuracy {trained.epochs[-1]['test_accuracy']:.1%}"
    assert trained.step(5) == 0
    trained.train_more(1)
    assert trained.finished is None
    assert trained.step(10_000) == trained.steps_per_epoch and len(trained.epochs) == 4


def test_the_confusion_matrix_counts_the_test_split(trained):
    snap = trained.snapshot()
    test_size = len(trained.digits.test_labels)
    assert snap.confusion.sum() == test_size
    assert np.trace(snap.confusion) / test_size == pytest.approx(snap.test_accuracy)
    assert snap.test_accuracy == pytest.approx(trained.epochs[-1]["test_accuracy"])
    assert list(snap.confusion.sum(axis=1)) == list(np.bincount(trained.digits.test_labels, minlength=10))
    wrong = snap.misclassified
    assert len(wrong) == test_size - np.trace(snap.confusion)
    assert np.all(snap.misclassified_predicted != snap.misclassified_labels)
    np.testing.assert_array_equal(snap.misclassified_images[0], trained.digits.test_images[wrong[0]])


def test_the_views_show_one_test_digit_with_its_true_label(trained):
    trained.set_example(37)
    snap = trained.snapshot()
    image, label = trained.digits.test_images[37], int(trained.digits.test_labels[37])
    np.testing.assert_array_equal(snap.image, image)
    assert snap.label == label and snap.example == 37
    with torch.no_grad():
        probs = torch.softmax(trained.model.logits(torch.from_numpy(image)[None, None]), dim=1)[0].numpy()
    np.testing.assert_allclose(snap.probs, probs, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError):
        trained.set_example(10_000)


@pytest.mark.parametrize("kernel", [28, 5])
def test_the_minibatch_gradient_is_the_sum_of_each_image_times_its_dl_dz(kernel):
    trainer = SetTrainer(Config(filters=3, kernel=kernel), bundled_set((3, 7)), 16)
    trainer.step(5)
    parts = trainer.batch_contributions(1)
    assert parts["contributions"].shape == (16, kernel, kernel) and parts["images"].shape == (16, 28, 28)
    np.testing.assert_allclose(parts["gradient"], trainer.model.conv.weight.grad[1, 0].numpy(), rtol=1e-4, atol=1e-8)
    if kernel == 28:  # each digit's part is its image times its own dL/dz
        np.testing.assert_allclose(parts["contributions"], parts["images"] * parts["dl_dz"][:, None, None],
                                   rtol=1e-5, atol=1e-9)


@pytest.mark.usefixtures("figures_unseen")
def test_headless_metrics_hold_the_confusion_matrix(tmp_path, run_main):
    code, _, _ = run_main(["--headless", "--classes", "3,7", "--epochs", "2", "--out", tmp_path])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    confusion = np.array(metrics["confusion"])
    assert code == 0 and confusion.shape == (10, 10) and confusion.sum() == metrics["test_size"]
    assert np.trace(confusion) / metrics["test_size"] == pytest.approx(metrics["final_test_accuracy"])
    assert confusion[[c for c in range(10) if c not in (3, 7)]].sum() == 0  # only 3s and 7s are tested


@pytest.mark.parametrize("kernel", [28, 5, 1])
def test_the_test_pass_scores_what_the_model_computes(kernel):
    """evaluate() scores with the model as one linear map (scores.linear_map): the model's own logits to float
    rounding, for a full-size, a small and a 1x1 kernel; the loss and accuracy are theirs."""
    from filterlab.engine.core.model import FilterNet
    from filterlab.engine.digitset.scores import evaluate, linear_map

    torch.manual_seed(kernel)
    model = FilterNet(3, kernel)
    images, labels = torch.rand(50, 1, 28, 28), torch.arange(50) % 10
    with torch.no_grad():
        weight, bias = linear_map(model)
        logits = model.logits(images)
        np.testing.assert_allclose(torch.addmm(bias, images.view(50, -1), weight.t()).numpy(), logits.numpy(),
                                   rtol=1e-4, atol=1e-5)
        scores = evaluate(model, images, labels)
        assert scores.loss == pytest.approx(float(torch.nn.functional.cross_entropy(logits, labels)), rel=1e-5)
        assert np.array_equal(scores.predicted, logits.argmax(1).numpy())
        assert scores.accuracy == pytest.approx(float((logits.argmax(1) == labels).float().mean()))


@pytest.mark.parametrize("kernel", [28, 5])
def test_the_filters_cosines_to_their_class_means_are_the_metric_filter_by_filter(kernel):
    """The filters' cosines are taken all at once (shown.to_class_means): metrics.cosine_to_image of each filter
    to its own class's mean image (a small kernel: to the patch it responds to most), NaN for no direction."""
    from filterlab.engine.core.metrics import cosine_to_image
    from filterlab.engine.digitset.snapshot import to_class_means

    trainer = SetTrainer(Config(filters=6, kernel=kernel), bundled_set(tuple(range(10))), 64)
    trainer.step(20)
    filters, (classes, _) = trainer.learner.filters(), trainer.filter_classes()
    filters[2] = 0.5  # flat: no direction
    expected = [cosine_to_image(filters[f:f + 1], trainer.class_means[classes[f]])[0] for f in range(6)]
    np.testing.assert_allclose(to_class_means(trainer, filters, classes), expected, rtol=1e-12, atol=1e-15)
    assert np.isnan(to_class_means(trainer, filters, classes)[2])


def test_one_epoch_is_said_as_one():
    trainer = SetTrainer(Config(filters=2), bundled_set((3, 7)), 64, epochs=1)
    trainer.step(10_000)
    assert trainer.finished == f"done: 1 epoch, test accuracy {trainer.epochs[-1]['test_accuracy']:.1%}"

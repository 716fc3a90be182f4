"""What a set run's window shows: a snapshot whose digit is one *test* digit, and how well the run scores.

With many training digits there is no one digit to show beside the prediction: showing
the first of each minibatch changed it every frame (and the throttled prediction view
then spoke of another digit than the digit view). So the prediction and digit views show
a test digit the learner picks (`SetTrainer.example`), with its true label; the loss,
the gradients and the update stay those of the last minibatch step.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.metrics import cosine_to_image, defined_ratio, image_patches
from filterlab.engine.core.model import to_numpy
from filterlab.engine.core.snapshot import Snapshot, StepDetails, make_snapshot
from filterlab.engine.digitset.scores import GALLERY


@dataclass(frozen=True)
class SetSnapshot(Snapshot):
    """A Snapshot of a set run (see Snapshot for the shared fields).

    `image`, `label`, `probs`, `z`, `dl_dz` and `input_grad` describe test digit number
    `example`; `loss`, `grads` and `update` the last minibatch step. The test scores (`test_accuracy`,
    `confusion`, `misclassified`) are of step `scored_step`: the step itself, at epoch ends and on a small
    test split; on a large one, a test pass is taken every SetTrainer.score_every steps. A filter has no one
    digit to become, so its cosine is taken to the *mean training image of its own class*:
    the class it feeds most strongly, by |summed output weight|, among the set's classes
    (`filter_classes`); `class_weights` is that signed weight. `confusion` is the test
    split's (rows: true class, columns: predicted), `misclassified` the wrong test digits
    (indices, their predictions and true labels, and the first GALLERY as pictures).
    """

    filter_classes: Optional[np.ndarray] = None  # (F,) each filter's class
    epoch: float = 0.0                            # steps / steps per epoch
    epochs: tuple = ()                            # SetTrainer.epochs so far
    example: int = 0                              # the test digit shown
    test_accuracy: float = 0.0
    scored_step: int = 0                          # the step the test scores are of
    initial_test_accuracy: float = 0.0            # before any training (epoch 0)
    confusion: Optional[np.ndarray] = None        # (10, 10)
    misclassified: Optional[np.ndarray] = None    # (M,) test indices
    misclassified_predicted: Optional[np.ndarray] = None
    misclassified_labels: Optional[np.ndarray] = None
    misclassified_images: Optional[np.ndarray] = None  # (min(M, GALLERY), 28, 28)
    target_epochs: int = 0
    finished: Optional[str] = None

    @property
    def digit_caption(self) -> str:
        return f"test digit #{self.example}: true label {self.label}"


def example_details(model, x: torch.Tensor, y: torch.Tensor, batch: StepDetails) -> StepDetails:
    """The test digit's forward and backward pass (its probabilities, z, dL/dz, dL/dx) beside the batch's step.

    torch.autograd.grad leaves the parameters' .grad alone: they keep the step's gradient.
    """
    x = x.clone().requires_grad_(True)
    maps = model.feature_maps(x)
    loss = F.nll_loss(model.classify(maps), y)
    dmaps, dx = torch.autograd.grad(loss, (maps, x))
    count, side = maps.shape[1], maps.shape[-1]
    with torch.no_grad():
        probs = model.classify(maps)[0].exp()
    return replace(batch, probs=to_numpy(probs), z=to_numpy(maps[0]).reshape(count, side, side),
                   dl_dz=to_numpy(dmaps[0]).reshape(count, side, side), input_grad=to_numpy(dx[0, 0]))


def set_snapshot(trainer, step: int, details: StepDetails, filters: np.ndarray, fc_weight: np.ndarray,
                 losses: tuple, diverged, historical: bool, model=None) -> SetSnapshot:
    """The one way a set run's snapshot is put together (live, or a recorded step replayed)."""
    digits, learner = trainer.digits, trainer.learner
    image, label = digits.test_images[trainer.example], int(digits.test_labels[trainer.example])
    classes, weights = trainer.filter_classes(fc_weight)
    snap = make_snapshot(step=step, details=details, filters=filters, fc_weight=fc_weight, image=image.copy(),
                         label=label, initial=learner.initial.copy(), losses=losses,
                         curves=_record_steps(learner, step, filters.shape[0]), config=learner.config,
                         device=str(learner.device), diverged=diverged, historical=historical,
                         initial_cosine=initial_cosines(trainer, classes),
                         cosine=to_class_means(trainer, filters, classes))
    snap = replace(snap, class_weights=weights)
    scores = trainer.scores(model, every=1 if historical else trainer.score_every)
    wrong = scores.misclassified(digits.test_labels)
    return SetSnapshot.extend(
        snap, filter_classes=classes, epoch=step / trainer.steps_per_epoch,
        epochs=tuple(dict(e) for e in trainer.epochs if e["step"] <= step), example=trainer.example,
        test_accuracy=scores.accuracy, scored_step=step if historical else trainer.scored_step, initial_test_accuracy=trainer.initial_scores.accuracy,
        confusion=scores.confusion, misclassified=wrong,
        misclassified_predicted=scores.predicted[wrong], misclassified_labels=digits.test_labels[wrong],
        misclassified_images=digits.test_images[wrong[:GALLERY]], target_epochs=trainer.target_epochs,
        finished=None if historical else trainer.finished)


def _record_steps(learner, step: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The recorded steps up to `step`, for the timeline; a set run draws no similarity curves (there is no
    one digit to be similar to), so their values are left at 0."""
    steps = np.array([s for s in learner.record.steps if s <= step], dtype=np.int64)
    return steps, np.zeros((len(steps), count))


def to_class_means(trainer, filters: np.ndarray, classes: np.ndarray, measure=cosine_to_image) -> np.ndarray:
    """(F,) `measure` (the cosine, or the binarised agreement) of each filter to the mean image of its class.

    The cosine of 28x28 filters is taken for all filters at once (one product with their classes' mean
    images, centred once per run): a snapshot takes it at display rate on the training thread, class by
    class it was 1-2 ms of a 4 ms snapshot of 16 filters. The same arithmetic as metrics.cosine_to_image.
    """
    if measure is cosine_to_image and filters.shape[1] == trainer.class_means.shape[1]:
        images, norms = trainer.centred_class_means
        return _full_kernel_cosines(filters, images[classes], norms[classes])
    patches = trainer.class_patches  # made for the kernel the run started with (a reset may change it)
    if measure is cosine_to_image and patches is not None and patches.shape[-1] == filters[0].size:
        return _small_kernel_cosines(filters, patches[classes])
    values = np.zeros(len(filters))
    for c in np.unique(classes):
        mine = classes == c
        values[mine] = measure(filters[mine], trainer.class_means[c])
    return values


def initial_cosines(trainer, classes: np.ndarray) -> np.ndarray:
    """(F,) the starting filters' cosines to their classes' means: the same until a filter's class changes, so
    kept for the last classes asked (every snapshot asks; the classes change a few times a run)."""
    key = (trainer.learner.initial.tobytes(), classes.tobytes())
    held = trainer.initial_cosines
    if held is None or held[0] != key:
        held = trainer.initial_cosines = (key, to_class_means(trainer, trainer.learner.initial, classes))
    return held[1].copy()


def centred_means(class_means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(10, 784) the class means centred, float64, and (10,) their norms (a SetTrainer makes them once)."""
    means = class_means.reshape(len(class_means), -1).astype(np.float64)
    means = means - means.mean(axis=1, keepdims=True)
    return means, np.linalg.norm(means, axis=1)


def class_patches(class_means: np.ndarray, kernel: int) -> np.ndarray:
    """(10, positions, k*k) float64: every k x k patch of each class's mean image (a SetTrainer makes them once)."""
    return np.stack([image_patches(mean, kernel) for mean in class_means])


def _small_kernel_cosines(filters: np.ndarray, patches: np.ndarray) -> np.ndarray:
    """(F, k, k) filters against (F, positions, k*k) patches of their classes' means: metrics.cosine_to_image
    filter by filter (the patch each responds to most, both centred), all filters at once."""
    count = len(filters)
    raw = filters.reshape(count, -1).astype(np.float64)
    responses = np.matmul(patches, raw[:, :, None])[:, :, 0]  # (F, positions)
    chosen = patches[np.arange(count), responses.argmax(axis=1)]  # (F, k*k)
    w = raw - raw.mean(axis=1, keepdims=True)
    chosen = chosen - chosen.mean(axis=1, keepdims=True)
    return defined_ratio(np.linalg.norm(w, axis=1), np.linalg.norm(chosen, axis=1), (w * chosen).sum(axis=1))


def _full_kernel_cosines(filters: np.ndarray, images: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """(F, 28, 28) filters against (F, 784) centred images of (F,) norms: metrics._full_kernel_cosine row by row."""
    w = filters.reshape(len(filters), -1).astype(np.float64)
    sums = w.sum(axis=1)
    spread = np.maximum(np.einsum("ij,ij->i", w, w) - sums * sums / w.shape[1], 0.0)
    return defined_ratio(np.sqrt(spread), norms, np.einsum("ij,ij->i", w, images))

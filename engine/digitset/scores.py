"""How well a set run has learned: the test split scored, class by class, digit by digit."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

EVAL_CHUNK = 8192  # test images per forward pass: bounded memory on the full MNIST
GALLERY = 48       # misclassified digits kept as pictures


@dataclass(frozen=True)
class Evaluation:
    """A model scored on a split: mean cross-entropy, accuracy, and every digit's prediction."""

    loss: float
    accuracy: float
    predicted: np.ndarray   # (N,) the class predicted for each digit
    confusion: np.ndarray   # (10, 10) counts, rows = true class, columns = predicted

    def misclassified(self, labels: np.ndarray) -> np.ndarray:
        """Indices of the digits predicted wrongly, in order."""
        return np.flatnonzero(self.predicted != labels)


def evaluate(model, images: torch.Tensor, labels: torch.Tensor) -> Evaluation:
    """Score `model` on (N,1,28,28) images and (N,) labels, in chunks, without gradients."""
    loss, predicted = 0.0, []
    with torch.no_grad():
        for start in range(0, len(labels), EVAL_CHUNK):
            x, y = images[start:start + EVAL_CHUNK], labels[start:start + EVAL_CHUNK]
            logits = model.logits(x)
            loss += float(F.cross_entropy(logits, y, reduction="sum"))
            predicted.append(logits.argmax(dim=1).cpu().numpy())
    predicted = np.concatenate(predicted)
    truth = labels.cpu().numpy()
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return Evaluation(loss / len(truth), float(np.mean(predicted == truth)), predicted, confusion)

"""How well a set run has learned: the test split scored, class by class, digit by digit."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from filterlab.engine.core.config import IMAGE_SIZE

EVAL_CHUNK = 2048  # test images per pass: bounded memory on the full MNIST
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
    loss, chunks = 0.0, []
    with torch.no_grad():
        weight, bias = linear_map(model)
        for start in range(0, len(labels), EVAL_CHUNK):
            x, y = images[start:start + EVAL_CHUNK], labels[start:start + EVAL_CHUNK]
            logits = torch.addmm(bias, x.reshape(len(x), -1), weight.t())
            loss += float(F.cross_entropy(logits, y, reduction="sum"))
            chunks.append(logits.argmax(dim=1).cpu().numpy())
    predicted = np.concatenate(chunks)
    truth = labels.cpu().numpy()
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return Evaluation(loss / len(truth), float(np.mean(predicted == truth)), predicted, confusion)


def linear_map(model) -> tuple[torch.Tensor, torch.Tensor]:
    """(10, 784) weights and (10,) biases of the one linear map the model is: the convolution and the output
    layer have no nonlinearity between them, so logits = x . E_c + e_c, with E_c = sum over filters f of the
    output weights A_cf (a map s x s) convolved in full with filter f, e_c = sum_f (sum of A_cf) b_f + c_c.

    Why: a test pass over 10,000 digits then costs one matrix product, not 10,000 convolutions (a 5x5 kernel:
    0.4-1 s on the training thread, 10 ms this way). Equal to model.logits to float rounding (a test checks).
    """
    conv, fc = model.conv, model.fc
    count, kernel = conv.out_channels, conv.kernel_size[0]
    side = IMAGE_SIZE - kernel + 1
    heads = fc.weight.view(10, count, side, side)
    if side == 1:  # a 28x28 kernel: each filter's one output times its weight
        weight = torch.mm(fc.weight, conv.weight.view(count, IMAGE_SIZE * IMAGE_SIZE))
    else:
        flipped = conv.weight.flip(2, 3).transpose(0, 1)  # (1, F, k, k): a full convolution as a padded correlation
        weight = F.conv2d(heads, flipped, padding=kernel - 1).view(10, IMAGE_SIZE * IMAGE_SIZE)
    bias = torch.mv(heads.sum(dim=(2, 3)), conv.bias) + fc.bias
    return weight, bias

"""How much a filter looks like the digit, as one number a learner can watch climb; and which
weights learning can never reach.

Cosine similarity of the mean-removed filter to the mean-removed image: +1 is the digit,
-1 its negative, 0 unrelated. The mean is removed because a uniform offset says nothing
about shape. A kernel smaller than the image is compared with the patch of the digit it
responds to most (the largest w · patch): what the filter detects. (Taking the patch it
*resembles* most instead, out of 576, made random filters read ±0.4-0.6 at step 0.)

How much a filter looks like the digit *as the article drew it*: binarised at its own mean
(`binarised_agreement`). Thresholding keeps only which side of its mean each weight is on, so
it hides how large the weights are, how much of them is still noise, and their sign (an
inverted digit still reads as the digit): the cosine is the honest number beside it.

A weight's loss gradient is exactly 0 wherever the input under it was 0 at every step:
for a 28x28 kernel, dL/dw = dL/dz × x, so the pixels every training digit left blank are
never moved by the loss, only by weight decay.

A cosine is a direction, and a picture with (almost) no spread has none: below NORM_FLOOR
(the norm after removing the mean) a cosine is not defined, and is NaN here — "—" on screen,
null in metrics.json — so a filter decayed to 1e-30, a blank digit or a step that changed
nothing never reads as ±1.00 or as 0.00.

What erases the starting noise is measured, not told: `background_noise_left` is how much of
each filter's starting noise is left where the training digit is blank (its loss gradient
is exactly 0 there, so only the optimizer's own terms — weight decay, rescaled by Adam —
can move it), and `step_cosine` the direction of the last step taken against the digit.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

NORM_FLOOR = 1e-6  # a picture whose centred norm is below this has no direction: its cosine is undefined


def image_patches(image: np.ndarray, k: int) -> np.ndarray:
    """(positions, k*k) every k x k patch of the image, row by row."""
    return np.lib.stride_tricks.sliding_window_view(image.astype(np.float64), (k, k)).reshape(-1, k * k)


def responded_patches(filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F,) the position (flat index into the (29-k)^2 positions) of each filter's largest response."""
    count, k, _ = filters.shape
    return (filters.reshape(count, -1).astype(np.float64) @ image_patches(image, k).T).argmax(axis=1)


def patch_origins(filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F, 2) row and column of the top-left corner of the patch each filter responds to most."""
    side = image.shape[0] - filters.shape[1] + 1
    return np.stack(np.divmod(responded_patches(filters, image), side), axis=1)


def cosine_to_image(filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F,k,k) filters, (28,28) image -> (F,) signed cosine to the patch each responds to most.

    A kernel as large as the image has one patch, the image: it is centred once, not once
    per filter, and the filters are not copied twice (a snapshot of 64 filters takes this at
    display rate on the training thread: 0.22 -> 0.07 ms).
    """
    count, k, _ = filters.shape
    if k == image.shape[0]:
        return _full_kernel_cosine(filters.reshape(count, -1), image.reshape(-1))
    w = filters.reshape(count, -1).astype(np.float64)
    w = w - w.mean(axis=1, keepdims=True)
    patches = image_patches(image, k)[responded_patches(filters, image)]  # (F, k*k)
    patches = patches - patches.mean(axis=1, keepdims=True)
    return defined_ratio(np.linalg.norm(w, axis=1), np.linalg.norm(patches, axis=1), (w * patches).sum(axis=1))


def _full_kernel_cosine(w: np.ndarray, patch: np.ndarray) -> np.ndarray:
    """(F, n) filters, (n,) digit -> (F,) centred cosines, with one float64 copy of the filters: the
    digit is centred, so w . (p - mean p) needs no centred w, and |w - mean w|^2 = |w|^2 - n mean(w)^2."""
    w = w.astype(np.float64)
    patch = patch.astype(np.float64)
    patch = patch - patch.mean()
    sums = w.sum(axis=1)
    spread = np.maximum(np.einsum("ij,ij->i", w, w) - sums * sums / w.shape[1], 0.0)
    return defined_ratio(np.sqrt(spread), np.linalg.norm(patch), w @ patch)


def defined_ratio(a_norms: ArrayLike, b_norms: ArrayLike, dots: np.ndarray | np.floating) -> np.ndarray:
    """dots / (a_norms * b_norms), NaN where either norm is below NORM_FLOOR (no direction to compare)."""
    a_norms, b_norms = np.broadcast_arrays(np.asarray(a_norms, np.float64), np.asarray(b_norms, np.float64))
    defined = (a_norms >= NORM_FLOOR) & (b_norms >= NORM_FLOOR)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, dots / np.where(defined, a_norms * b_norms, 1.0), np.nan)


def binarised_agreement(filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F,k,k) filters, (28,28) image -> (F,) how well each filter, binarised as the article drew it,
    matches the binarised digit: between 0.5 (chance) and 1.

    a = the share of the k x k pixels where (w > mean of w) == (p > mean of p), p the digit (a
    smaller kernel: the patch it responds to most, as for the cosine); reported as max(a, 1 - a),
    because a filter that became the negative digit is drawn by the article as the inverted digit,
    just as recognisable (a = ~0). Whether it is the digit or its negative, the cosine's sign says.
    """
    count, k, _ = filters.shape
    w = filters.reshape(count, -1)
    if k == image.shape[0]:  # one patch, the digit: no search, no float64 copies
        patches = image.reshape(1, -1)
    else:
        patches = image_patches(image, k)[responded_patches(filters, image)]  # (F, k*k)
    same = ((w > w.mean(axis=1, keepdims=True, dtype=np.float64))
            == (patches > patches.mean(axis=1, keepdims=True, dtype=np.float64)))
    agree = same.mean(axis=1)
    return np.maximum(agree, 1.0 - agree)


def binarised(stack: np.ndarray) -> np.ndarray:
    """(..., k, k) -> float32 1 where a picture is above its own mean, else 0: the article's picture."""
    stack = np.asarray(stack, dtype=np.float64)
    return (stack > stack.mean(axis=(-2, -1), keepdims=True)).astype(np.float32)


def untouched_weights(images, k: int) -> np.ndarray:
    """(k,k) True where the loss gradient of a k x k filter's weight was exactly 0 for every image.

    Weight (i, j) meets pixel (p+i, q+j) at every position (p, q): it is untouched when the
    (29-k) x (29-k) window of pixels below it is blank in every image.
    """
    side = 28 - k + 1
    touched = np.zeros((k, k), dtype=bool)
    for image in images:
        ink = np.asarray(image) != 0
        touched |= np.lib.stride_tricks.sliding_window_view(ink, (side, side)).any(axis=(2, 3))
    return ~touched


def signed(value, digits: int = 2) -> str:
    """A signed number as a learner reads it: "+0.85", "-0.12", and "0.00", never "-0.00"; "—" if undefined."""
    if value is None or not np.isfinite(value):
        return UNDEFINED
    rounded = round(float(value), digits)
    return f"{0.0:.{digits}f}" if rounded == 0 else f"{rounded:+.{digits}f}"


UNDEFINED = "—"  # what the screen shows for a number that is not defined (a cosine of a flat picture)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The app's similarity of two pictures of one size: the cosine of their centred values (NaN if either
    has a centred norm below NORM_FLOOR: a flat picture has no direction)."""
    a = np.asarray(a, np.float64).ravel()
    b = np.asarray(b, np.float64).ravel()
    a, b = a - a.mean(), b - b.mean()
    return float(defined_ratio(np.linalg.norm(a), np.linalg.norm(b), a @ b))


def step_cosine(update: np.ndarray, filters: np.ndarray, image: np.ndarray) -> np.ndarray:
    """(F,) the cosine of each filter's last step Δw (F,k,k) to the digit: to the patch the filter responds to
    most, the one its own cosine is taken to (the whole digit for a 28x28 kernel). NaN where the step changed
    (almost) nothing: a step not taken, one not recorded, or one too small to have a direction."""
    count, k, _ = filters.shape
    if k == image.shape[0]:
        return _full_kernel_cosine(update.reshape(count, -1), image.reshape(-1))
    w = update.reshape(count, -1).astype(np.float64)
    w = w - w.mean(axis=1, keepdims=True)
    patches = image_patches(image, k)[responded_patches(filters, image)]
    patches = patches - patches.mean(axis=1, keepdims=True)
    return defined_ratio(np.linalg.norm(w, axis=1), np.linalg.norm(patches, axis=1), (w * patches).sum(axis=1))


def blank_under(image: np.ndarray, k: int) -> np.ndarray:
    """(k,k) True where a k x k filter's weight sees only blank pixels of `image` at every position: its loss
    gradient is exactly 0 there (for a 28x28 kernel: where the digit is exactly 0)."""
    return untouched_weights([image], k)


def background_noise_left(filters: np.ndarray, initial: np.ndarray, image: np.ndarray) -> Optional[np.ndarray]:
    """(F,) ||w_t[off]|| / ||w_0[off]|| over the weights the digit leaves blank (`blank_under`): 1.0 where
    nothing touched the starting noise there, 0 where it was erased; NaN for a filter that started with no
    noise there (all 0); None when the digit leaves no weight blank (nothing to measure)."""
    off = blank_under(image, filters.shape[1])
    if not off.any():
        return None
    now = np.linalg.norm(filters[:, off].astype(np.float64), axis=1)
    start = np.linalg.norm(initial[:, off].astype(np.float64), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(start > 0, now / np.where(start > 0, start, 1.0), np.nan)


def finite_or_none(values):
    """A number or an array as JSON can hold it: NaN and infinities (undefined quantities) become None."""
    if values is None:
        return None
    if np.ndim(values) == 0:
        value = float(values)
        return value if np.isfinite(value) else None
    return [finite_or_none(v) for v in np.asarray(values)]


def mean_abs(values) -> Optional[float]:
    """The mean of |values| over the defined ones; None if none is defined."""
    values = np.abs(np.asarray(values, np.float64))
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else None


def loss_text(loss: float, digits: int = 4) -> str:
    """A loss as a learner reads it: 4 significant digits, "0" for a loss of exactly 0 (never "-0")."""
    loss = float(loss)
    return "0" if loss == 0 else f"{loss:.{digits}g}"

"""The words that say why the filters look as they do, each one computed from a snapshot's numbers.

The article's story — "the gradient is the image times one number, so every step adds a copy
of the digit until it outweighs the noise" — is half the truth. The gradient part holds for any
optimizer (a 28x28 filter's output is one number z, so dL/dw = dL/dz × x). What the *step* is
depends on the optimizer:

- SGD: Δw = −lr × gradient, a copy of the digit (cosine ±1); the weights the digit leaves blank
  have a gradient of exactly 0 and keep their starting noise for ever.
- Adam: each weight moves by about lr whatever its ink, so the step is the digit's *sign
  pattern* (cosine ~±0.4 at the first step); off the ink the loss gradient is 0, but weight
  decay's tiny pull (wd × w) is rescaled by Adam to a full step towards 0: that, not copies
  outweighing it, is what erases the background noise (in ~100 steps by default).

So no sentence here asserts a mechanism: each states the numbers of the step on screen (its
cosine to the digit and to the gradient, how far it moved the weights on and off the ink) and
names what the optimizer in use did only where those numbers show it. Engine-side and Qt-free:
the window's captions, its status bar and the lesson all read them, and the tests check each
under SGD and under Adam (tests/engine/core/test_explain.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from filterlab.engine.core.metrics import NORM_FLOOR, UNDEFINED, blank_under, cosine, signed

COPY = 0.99      # |cos(Δw, digit)| at least this: the step IS a copy of the digit (or of its negative)
BECOME = 0.8     # |cos(w, digit)| at least this: the filter has become the digit (or its negative)
TINY_DL_DZ = 1e-6  # |dL/dz| below this: the loss barely teaches (a saturated softmax)


def percent(value) -> str:
    """A share as a learner reads it ("96%", "0.3%"), or "—" where it is not defined."""
    if value is None or not np.isfinite(value):
        return UNDEFINED
    value = float(value)
    if value >= 10:  # a share that grew tenfold or more (a painted or diverged filter): say how many times
        return f"{value:.3g}×"
    return f"{value:.1%}" if 0 < value < 0.01 else f"{value:.0%}"


def per_filter(values, fmt=signed) -> str:
    """"#1 +0.85, #2 −0.12, …" for a learner; "—" for a filter whose value is not defined."""
    return ", ".join(f"#{i + 1} {fmt(v)}" for i, v in enumerate(values))


def optimizer_name(config) -> str:
    """The optimizer in use, with the settings that change what a step is."""
    name = "SGD" if config.optimizer == "sgd" else "Adam"
    if config.optimizer == "sgd" and config.momentum:
        name += f" with momentum {config.momentum:g}"
    return name + (f" + weight decay {config.weight_decay:g}" if config.weight_decay else ", no weight decay")


@dataclass(frozen=True)
class StepAnatomy:
    """One filter's last step, measured: what "one step, taken apart" says of it."""

    filter: int
    taken: bool                      # a step is known (not step 0, not a replayed past step)
    to_digit: float                  # cos(Δw, the digit); NaN if the step has no direction
    to_gradient: float               # cos(Δw, −gradient); NaN likewise
    on_ink: float                    # mean |Δw| where the digit has ink (for a small kernel: touched weights)
    off_ink: Optional[float]         # mean |Δw| where the digit is blank; None if it leaves nothing blank
    dl_dz: Optional[float]           # the one number of a 28x28 kernel's gradient; None for a map
    off_towards_zero: Optional[float] = None  # share of the off-ink weights the step moved that it moved towards 0


def anatomy(snap, f: int) -> StepAnatomy:
    """Filter f's last step in `snap`, measured."""
    k = snap.filters.shape[1]
    update, grads = snap.update[f].astype(np.float64), snap.grads[f].astype(np.float64)
    taken = snap.step > 0 and not snap.historical
    off = blank_under(snap.image, k)
    to_digit = float(snap.last_step_cosine[f]) if taken and snap.last_step_cosine is not None else np.nan
    to_gradient = cosine(update, -grads) if taken else np.nan
    on = np.abs(update[~off]).mean() if (~off).any() else 0.0
    towards = None
    moved = off & (update != 0)
    if taken and moved.any():
        now = snap.filters[f].astype(np.float64)
        towards = float((np.abs(now[moved]) < np.abs(now[moved] - update[moved])).mean())
    return StepAnatomy(
        filter=f, taken=taken, to_digit=to_digit, to_gradient=to_gradient, on_ink=float(on),
        off_ink=float(np.abs(update[off]).mean()) if off.any() else None,
        dl_dz=float(snap.dl_dz[f].ravel()[0]) if k == snap.image.shape[0] else None,
        off_towards_zero=towards)


# ------------------------------------------------------------- one step, taken apart
def gradient_words(snap, f: int) -> str:
    """What the gradient of filter f is: true under any optimizer."""
    k = snap.filters.shape[1]
    if snap.blank_image:
        return "The digit is blank: every pixel x is 0, so the gradient of every filter is exactly 0."
    if k != snap.image.shape[0]:
        return (f"The output of filter #{f + 1} is a map; its gradient is the sum of the image's {k}×{k} "
                "patches, each weighted by dL/d(output) at its position.")
    dl_dz = float(snap.dl_dz[f].ravel()[0])
    if dl_dz == 0:
        return (f"The gradient of filter #{f + 1} is the image times dL/dz, and dL/dz is exactly 0 here "
                "(the softmax is saturated): the gradient is 0, the loss teaches nothing.")
    sign = "the negative digit" if dl_dz > 0 else "the digit"
    words = (f"The gradient of filter #{f + 1} is the image times one number, dL/dz = {dl_dz:+.3g}: "
             f"descending it means moving towards {sign}.")
    if abs(dl_dz) < TINY_DL_DZ:
        words += " That number is all but 0: the softmax is nearly saturated and the loss barely teaches."
    return words


def step_words(snap, f: int) -> str:
    """What the last step of filter f was, measured, and what the optimizer in use made of the gradient."""
    a = anatomy(snap, f)
    config = snap.config
    if snap.historical:
        return "A past step, replayed from the record: the step taken then was not recorded."
    if not a.taken:
        return "No step has been taken yet (step 0): press S for one, and it is taken apart here."
    if not np.isfinite(a.to_digit):
        return (f"The last step changed filter #{f + 1} by less than {NORM_FLOOR:g} (after removing its mean): "
                "too little to have a direction, so its cosine to the digit is not defined.")
    measured = (f"Measured: cos(Δw, digit) = {signed(a.to_digit)}, cos(Δw, −gradient) = {signed(a.to_gradient)}; "
                f"mean |Δw| on the ink {a.on_ink:.2g}" +
                (f", off the ink {a.off_ink:.2g}." if a.off_ink is not None else "."))
    if config.optimizer == "sgd":
        return measured + " " + _sgd_words(a, config)
    return measured + " " + _adam_words(a, config, snap)


def _sgd_words(a: StepAnatomy, config) -> str:
    rule = ("SGD: Δw = −lr × gradient" if not config.momentum else
            f"SGD with momentum {config.momentum:g}: Δw = −lr × (the gradient plus {config.momentum:g} × the last "
            "step's)") + (f" − lr × {config.weight_decay:g} × w (weight decay)" if config.weight_decay else "") + \
        f", lr = {config.lr:g}."
    if abs(a.to_digit) >= COPY:
        what = f" This step is a copy of {'the digit' if a.to_digit > 0 else 'the negative digit'}"
        what += (", and the weights off the ink did not move: their noise stays." if a.off_ink == 0 else ".")
    else:
        what = f" This step is not a copy of the digit (cosine {signed(a.to_digit)})"
        what += (": momentum carries earlier steps along." if config.momentum else
                 ": weight decay pulls every weight towards 0 as well." if config.weight_decay else ".")
    return rule + what


def _adam_words(a: StepAnatomy, config, snap) -> str:
    lr = config.lr
    words = (f"Adam (lr = {lr:g}) divides each weight's gradient by its own running size, so every weight it "
             "moves moves by up to about lr, whatever its ink: the step keeps the gradient's signs, not its "
             "proportions" + (", so it is not a copy of the digit." if abs(a.to_digit) < COPY else
                              " (here it is still a copy of the digit: cosine " + signed(a.to_digit) + ")."))
    if a.off_ink is None:
        return words
    if config.weight_decay and a.off_ink > 0:
        left = snap.background_noise_left
        share = None if left is None else float(left[a.filter])
        noise = "" if share is None else f" (noise left off the ink: {percent(share)})"
        towards = " towards 0" if (a.off_towards_zero or 0) >= 0.9 else ""
        words += (f" Off the ink the loss gradient is exactly 0, but weight decay's tiny pull "
                  f"({config.weight_decay:g} × w) is rescaled by Adam: ")
        if a.off_ink >= 0.1 * lr:
            words += (f"it moved those weights{towards} by {a.off_ink / lr:.0%} of lr this step — that is what "
                      f"erases the background noise{noise}.")
        else:
            gone = ", the noise is all but gone" if share is not None and share < 0.05 else ""
            words += f"it moved those weights by only {a.off_ink:.2g} this step{noise}{gone}."
    elif a.off_ink == 0:
        words += (" Off the ink the loss gradient is exactly 0" +
                  (" and there is no weight decay: those weights did not move, their noise stays."
                   if not config.weight_decay else ": those weights did not move this step."))
    return words


def step_caption(snap, f: int) -> str:
    """The caption of "one step, taken apart" for filter f."""
    return gradient_words(snap, f) + " " + step_words(snap, f)


# -------------------------------------------------------------- the filters' header
def filters_caption(snap) -> str:
    """One line over the filters: what each step does to them under this optimizer, with this run's numbers."""
    k = snap.filters.shape[1]
    if k != snap.image.shape[0]:
        return ("each step adds image patches weighted by dL/d(output map); under each filter its cosine to the "
                f"{k}×{k} patch of the digit it responds to most (framed on the digit)")
    words = "each filter's gradient is the digit × dL/dz, one number per filter; "
    words += optimizer_effect(snap)
    become = [i for i, c in enumerate(snap.cosine) if np.isfinite(c) and abs(c) >= BECOME]
    if become and snap.step > 0:
        which = "every filter has" if len(become) == len(snap.cosine) else \
            ", ".join(f"#{i + 1}" for i in become) + (" has" if len(become) == 1 else " have")
        words += f"; {which} become ±digit (|cos| ≥ {BECOME})"
    return words


def optimizer_effect(snap) -> str:
    """What the optimizer in use does with that gradient, and how much starting noise is left off the ink."""
    config, left = snap.config, snap.background_noise_left
    noise = "" if left is None else f" (noise left there: {noise_range(left)})"
    if left is not None and not np.isfinite(left).any():
        noise = " (the filters started with no noise there)"
    if config.optimizer == "sgd":
        stays = "shrinks by lr × weight decay a step" if config.weight_decay else "stays"
        return f"SGD adds it as a copy each step: the digit grows on top of noise that {stays}{noise}"
    if config.weight_decay:
        return ("Adam moves every weight by about lr a step, and weight decay, rescaled by Adam, "
                f"erases the noise off the ink{noise}")
    return f"Adam moves every weight on the ink by about lr a step; off the ink nothing moves the noise{noise}"


def _span(values, fmt, between: str) -> str:
    """The lowest and highest defined value as `fmt` writes them ("96%", "0.3%-2%"), one if they read alike;
    "—" if none is defined."""
    values = [float(v) for v in np.asarray(values, np.float64) if np.isfinite(v)]
    if not values:
        return UNDEFINED
    low, high = fmt(min(values)), fmt(max(values))
    return low if low == high else f"{low}{between}{high}"


def noise_range(left) -> str:
    """"96%" or "0.3%-2%" over the filters whose noise left is defined; "—" if none is."""
    return _span(left, percent, "-")


def mechanism_note(snap) -> str:
    """The status bar's line on what is erasing the noise, measured (the last step's cosines, the noise left)."""
    if snap.last_step_cosine is None or snap.filters.shape[1] != snap.image.shape[0]:
        return ""
    words = optimizer_name(snap.config)
    if snap.step > 0 and not snap.historical:
        words += f" · last step vs the digit: cos {cos_range(snap.last_step_cosine)}"
    if snap.background_noise_left is not None:
        words += f" · starting noise left off the ink: {noise_range(snap.background_noise_left)}"
    return words


def cos_range(values) -> str:
    """"+1.00", "−0.36 … +0.36" over the defined values; "—" if none is."""
    return _span(values, signed, " … ")


# ------------------------------------------------------------------ a painted filter
def paint_words(config, snap=None) -> str:
    """What backprop will do with an edit under this run's optimizer; with this run's last step if known."""
    lr, decay = config.lr, config.weight_decay
    measured = ""
    if snap is not None and snap.step > 0 and not snap.historical:
        off = blank_under(snap.image, snap.filters.shape[1])
        if off.any():
            measured = f" (last step, off the ink: mean |Δw| {np.abs(snap.update[:, off]).mean():.2g})"
    if config.optimizer == "sgd":
        ink = "where the digit has ink, each step adds the digit × dL/dz to your edit (fast while the loss is " \
              "large, slowly once it is small)"
        off_words = (f"off the ink the loss gradient is exactly 0 and only weight decay acts: each step shrinks a "
                     f"weight by lr × decay = {lr * decay:.1g} of itself, so the edit stays there for a long time"
                     if decay else "off the ink the loss gradient is exactly 0 and there is no weight decay: the "
                     "edit stays there for ever")
        return f"SGD: {ink}; {off_words}{measured}."
    ink = "where the digit has ink, backprop moves each weight by about lr a step towards ±digit, over your edit"
    if decay:
        off_words = (f"off the ink the loss gradient is exactly 0, but Adam rescales weight decay's tiny gradient "
                     f"({decay:g} × w) to a step of about lr = {lr:g}: the edit fades there too, a weight of 0.1 in "
                     f"roughly {0.1 / lr:,.0f} steps")
    else:
        off_words = "off the ink the loss gradient is exactly 0 and there is no weight decay: the edit stays there"
    return f"Adam: {ink}; {off_words}{measured}."

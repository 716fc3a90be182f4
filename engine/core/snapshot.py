"""A frozen picture of an experiment at one step: the one thing the views consume.

It holds numpy copies only, never views of torch tensors, so the training thread can
keep writing its weights while the window draws an older snapshot. The arrays are made
read-only so a view cannot scribble on data another view also shows.

Every snapshot of a digit run is built by `make_snapshot`, whether it describes the live
state, a recorded step replayed by the timeline, or one run of a comparison: the derived
numbers (the filters' cosines, their weights to the label) are worked out in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Optional, TypeVar

import numpy as np

from filterlab.engine.core.config import Config
from filterlab.engine.core.metrics import (
    background_noise_left,
    binarised_agreement,
    cosine_to_image,
    patch_origins,
    step_cosine,
)
from filterlab.engine.core.pixels import network_input

_FIELD_NAMES: dict = {}  # class -> its dataclass field names

_S = TypeVar("_S", bound="Snapshot")


class ReadOnlyArrays:
    """Mixin for a frozen dataclass: every numpy array field becomes read-only once built."""

    def __post_init__(self) -> None:
        names = _FIELD_NAMES.get(type(self))
        if names is None:  # dataclasses.fields() on every snapshot cost more than the flags it set
            assert is_dataclass(self), "ReadOnlyArrays mixes into a dataclass"
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))
        for name in names:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


@dataclass(frozen=True)
class StepDetails(ReadOnlyArrays):
    """One forward and backward pass, as a view shows it (see Snapshot for the fields)."""

    loss: float
    probs: np.ndarray       # (10,)
    z: np.ndarray           # (F,s,s)
    dl_dz: np.ndarray       # (F,s,s)
    input_grad: np.ndarray  # (28,28)
    grads: np.ndarray       # (F,k,k)
    update: np.ndarray      # (F,k,k)


@dataclass(frozen=True)
class Snapshot(ReadOnlyArrays):
    """State after `step` updates, plus the details of the update that led here.

    Shapes: F filters of k x k; feature maps of s x s with s = 28 - k + 1 (s = 1 for
    the full-size kernel, where `z` and `dl_dz` hold one number per filter).
    `loss`, `probs`, `z`, `dl_dz`, `grads` and `input_grad` come from the forward and
    backward pass of the last step, made with the weights *before* its update;
    `update` is what that step changed (filters - previous filters); a `historical`
    snapshot (scrubbed back on the timeline) has no record of it and holds zeros.
    `cosine_steps`/`cosine_history` are the similarity curves: each recorded frame's
    cosine to the digit of its time; their steps are the steps the timeline can replay.
    """

    step: int
    loss: float
    filters: np.ndarray        # (F,k,k) current weights
    grads: np.ndarray          # (F,k,k) dL/dw of the last step
    update: np.ndarray         # (F,k,k) weight change of the last step
    initial: np.ndarray        # (F,k,k) weights at step 0
    image: np.ndarray          # (28,28) training digit in [0,1]
    label: int
    probs: np.ndarray          # (10,) softmax of the last forward pass
    z: np.ndarray              # (F,s,s) filter outputs
    dl_dz: np.ndarray          # (F,s,s) dL/d(filter output)
    input_grad: np.ndarray     # (28,28) dL/d(image)
    class_weights: np.ndarray  # (F,) summed output weight of each filter to the label
    cosine: np.ndarray         # (F,) similarity of each filter to the digit
    initial_cosine: np.ndarray  # (F,) the same for the initial filters
    loss_steps: np.ndarray     # decimated loss curve: steps
    loss_values: np.ndarray    # decimated loss curve: values
    config: Config
    device: str
    diverged: Optional[str] = None  # why training stopped itself, if it did
    cosine_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cosine_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (T,F)
    historical: bool = False  # replayed from the record (timeline), not the live state
    patch_origins: Optional[np.ndarray] = None  # (F,2) where each small filter responds most (k < 28)
    untouched: Optional[np.ndarray] = None      # (k,k) weights whose loss gradient was always exactly 0
    agreement: Optional[np.ndarray] = None      # (F,) binarised agreement to the digit (engine/core/metrics.py)
    edit_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # steps a filter was painted
    last_step_cosine: Optional[np.ndarray] = None       # (F,) cos(Δw of the last step, the digit); NaN: no step
    background_noise_left: Optional[np.ndarray] = None  # (F,) |w_t| / |w_0| where the digit is blank

    @property
    def blank_image(self) -> bool:
        """Nothing can be learned from an empty image: its gradient is exactly zero."""
        return not np.any(self.image)

    @property
    def fed_image(self) -> np.ndarray:
        """(28,28) the digit as the network is fed it: `image` at the config's pixel scale (1 or 255)."""
        return network_input(self.image, self.config.pixel_scale)

    @property
    def digit_caption(self) -> str:
        """What the digit view says of the digit shown (a set run's says it is a test digit)."""
        return f"training digit: label {self.label}"

    @property
    def record_steps(self) -> np.ndarray:
        """The recorded steps a timeline can go back to."""
        return self.cosine_steps

    @classmethod
    def extend(cls: type[_S], snapshot: "Snapshot", **extra) -> _S:
        """This class of snapshot from a plain one, with the fields only it has."""
        return cls(**{f.name: getattr(snapshot, f.name) for f in fields(Snapshot)}, **extra)


def make_snapshot(*, step: int, details: StepDetails, filters: np.ndarray, fc_weight: np.ndarray,
                  image: np.ndarray, label: int, initial: np.ndarray, losses: tuple, curves: tuple,
                  config: Config, device: str, diverged: Optional[str] = None, historical: bool = False,
                  initial_cosine: Optional[np.ndarray] = None, cosine: Optional[np.ndarray] = None,
                  untouched: Optional[np.ndarray] = None, edit_steps: Optional[np.ndarray] = None) -> Snapshot:
    """The one way a digit run's Snapshot is put together.

    `fc_weight` is the output layer's (10, F*s*s) weight: a filter's weight to the label
    is the sum over its positions. `losses` and `curves` are (steps, values) pairs;
    The cosines are taken to `image` unless given (a cached initial one, or a set's own); the
    binarised agreement only when the cosine is taken to `image`.
    """
    count = filters.shape[0]
    if initial_cosine is None:
        initial_cosine = cosine_to_image(initial, image)
    agreement = step_cos = noise_left = None  # measured against the digit, like the cosine (a set measures its own)
    if cosine is None:
        cosine, agreement = cosine_to_image(filters, image), binarised_agreement(filters, image)
        step_cos = step_cosine(details.update, filters, image)
        noise_left = background_noise_left(filters, initial, image)
    return Snapshot(
        step=step, loss=details.loss, filters=filters, grads=details.grads, update=details.update,
        initial=initial, image=image, label=label, probs=details.probs, z=details.z,
        dl_dz=details.dl_dz, input_grad=details.input_grad,
        class_weights=np.asarray(fc_weight).reshape(10, count, -1)[label].sum(axis=1),
        cosine=cosine, initial_cosine=initial_cosine,
        loss_steps=losses[0], loss_values=losses[1], config=config, device=device, diverged=diverged,
        cosine_steps=curves[0], cosine_history=curves[1], historical=historical,
        patch_origins=patch_origins(filters, image) if filters.shape[1] < image.shape[0] else None,
        untouched=untouched, agreement=agreement,
        edit_steps=np.zeros(0, np.int64) if edit_steps is None else edit_steps,
        last_step_cosine=step_cos, background_noise_left=noise_left)

"""Which recorded steps an animation shows, so that the change is spread over its frames.

The filters change from noise to the digit in the first ~50 steps of a run of thousands.
Frames picked evenly by record index (or by step) would spend most of the animation on a
finished digit and show the forming in a few jumps. Instead each frame is placed at an
equal share of the *change in the picture*: a GIF frame shows the filters scaled by their
own largest |weight|, so the change between two records is the mean absolute difference
of the filters so scaled. A small share of the frames is placed evenly over the records
(`TIME_SHARE`), so the finished filters and the step counter still move on at the end.
Numpy only: the choice is made without drawing anything.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from filterlab.engine.core.colours import symmetric_limit

GIF_FRAMES = 100   # enough for a smooth story, few enough for a slide (and for a quick export)
TIME_SHARE = 0.15  # of the animation spread over the records, not over the change


@dataclass(frozen=True)
class FrameSet:
    """What each frame of an animation shows: step, filters, their cosines, the digit of the time."""

    steps: np.ndarray    # (T,)
    filters: np.ndarray  # (T,F,k,k)
    cosines: np.ndarray  # (T,F)
    images: np.ndarray   # (T,28,28)
    labels: np.ndarray   # (T,)

    def __len__(self) -> int:
        return len(self.steps)


def picture_change(frames) -> np.ndarray:
    """(T,) change of the shown picture from the previous frame (0 for the first)."""
    change, previous = [], None
    for frame in frames:  # one frame at a time: a long record holds up to 32 MB of them
        picture = np.nan_to_num(np.asarray(frame, dtype=np.float64) / symmetric_limit(frame))
        change.append(0.0 if previous is None else float(np.abs(picture - previous).mean()))
        previous = picture
    return np.array(change)


def spread_indices(change: np.ndarray, count: int = GIF_FRAMES, time_share: float = TIME_SHARE) -> list[int]:
    """At most `count` indices into the record, first and last included, at equal shares of change.

    Each record interval weighs its share of the whole change, mixed with an equal share
    of time (`time_share`); frames fall at equal steps of the running total.
    """
    total = len(change)
    if total <= count:
        return list(range(total))
    moved = float(np.sum(change[1:]))
    share = time_share if moved > 0 else 1.0
    weight = (1.0 - share) * (change[1:] / moved if moved > 0 else np.zeros(total - 1)) + share / (total - 1)
    running = np.concatenate([[0.0], np.cumsum(weight)])
    running /= running[-1]
    picks = np.searchsorted(running, np.linspace(0.0, 1.0, count) - 1e-12, side="left")
    return sorted(set(picks.tolist()) | {0, total - 1})


def forming_share(curve) -> float:
    """Share of the frames from the first at 10% of a curve's rise to the first at 90% (e.g. mean |cosine|)."""
    curve = np.asarray(curve, dtype=np.float64)
    low, high = (curve[0] + share * (curve[-1] - curve[0]) for share in (0.1, 0.9))
    rising = curve[-1] >= curve[0]
    start = int(np.argmax(curve >= low if rising else curve <= low))
    end = int(np.argmax(curve >= high if rising else curve <= high))
    return (end - start + 1) / len(curve)


def largest_share(curve) -> float:
    """The largest part of a curve's whole change that two consecutive frames hold."""
    steps = np.abs(np.diff(np.asarray(curve, dtype=np.float64)))
    return float(steps.max() / steps.sum()) if steps.sum() > 0 else 0.0


def gif_frames(record, images, count: int = GIF_FRAMES) -> FrameSet:
    """The frames of an animation of `record` (a FilterHistory), the digits from `images` (an ImageHistory)."""
    if len(record) == 0:
        raise ValueError("no recorded frames to animate")
    steps, cosines = record.cosine_curves(images)
    chosen = spread_indices(picture_change(record.frames), count)
    digits = [images.at(int(steps[i])) for i in chosen]
    return FrameSet(steps=steps[chosen], filters=np.stack([record.frames[i] for i in chosen]),
                    cosines=cosines[chosen], images=np.stack([np.asarray(d[0]) for d in digits]),
                    labels=np.array([d[1] for d in digits]))

"""Training in chunks under a progress bar (tqdm: rate, ETA, and sane output when piped to a log)."""
from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

from tqdm import tqdm

CHUNK = 250  # steps between progress updates (and divergence checks)


def train(experiment, steps: int, stream: Optional[TextIO] = None, desc: str = "training") -> tuple[int, float]:
    """Step any experiment `steps` steps in chunks; returns (steps done, seconds).

    Fewer steps are done when training diverged.
    """
    stream = stream or sys.stderr
    start = time.perf_counter()
    done = 0
    with tqdm(total=steps, desc=desc, unit="step", file=stream, leave=True, dynamic_ncols=True,
              mininterval=0.25 if stream.isatty() else 5.0, ascii=not stream.isatty()) as bar:
        while done < steps and not experiment.diverged:
            made = experiment.step(min(CHUNK, steps - done))
            done += made
            bar.update(made)
            if not made:
                break
    return done, time.perf_counter() - start


def rate(steps: int, seconds: float) -> Optional[float]:
    return steps / seconds if seconds > 0 and steps else None

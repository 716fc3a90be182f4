"""The experiment without a window: train, then leave a figure, numbers and a history.

This is the original script's run made reproducible: what it showed on screen becomes
figure.png, and what a reader would want to check (did the filters become the digit?)
becomes metrics.json.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional, TextIO

from .figure import filter_figure, gif_frames, save_gif
from .files import save_image, save_json
from .trainer import Trainer

CHUNK = 250  # steps between progress updates (and divergence checks)


def run(trainer: Trainer, steps: int, out: Path, *, title: str = "",
        gif: Optional[Path] = None, stream: Optional[TextIO] = None) -> dict:
    """Train `steps` steps, write figure.png, metrics.json and history.npz into `out`."""
    progress = Progress(steps, stream or sys.stderr)
    start = time.perf_counter()
    done = 0
    while done < steps and not trainer.diverged:
        done += trainer.step(min(CHUNK, steps - done))
        progress.show(done, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    progress.close()

    snap = trainer.snapshot()
    initial_cos = snap.initial_cosine
    metrics = {
        "steps": snap.step,
        "final_loss": snap.loss,
        "initial_cosine": initial_cos.tolist(),
        "cosine": snap.cosine.tolist(),
        "mean_abs_cosine": float(abs(snap.cosine).mean()),
        "class_weights": snap.class_weights.tolist(),
        "steps_per_second": done / seconds if seconds > 0 and done else None,
        "seconds": seconds,
        "label": snap.label,
        "device": snap.device,
        "diverged": snap.diverged,
        "config": snap.config.to_dict(),
    }
    out.mkdir(parents=True, exist_ok=True)
    figure = filter_figure(snap.image, snap.initial, snap.filters, initial_cos, snap.cosine,
                           title=f"{title} after {snap.step} steps".strip())
    save_image(figure, out / "figure.png")
    save_json(out / "metrics.json", metrics)
    trainer.save_history(out / "history.npz")
    if gif is not None:
        save_gif(*gif_frames(trainer.filter_history), gif)
    return metrics


class Progress:
    """A one-line progress bar on a terminal; a few plain lines when piped to a log."""

    def __init__(self, total: int, stream: TextIO, width: int = 30):
        self.total, self.stream, self.width = max(total, 1), stream, width
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self._last_quarter = -1

    def show(self, done: int, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        filled = int(self.width * done / self.total)
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] "
                f"{done}/{self.total} steps  {rate:,.0f} steps/s")
        if self.live:
            self.stream.write("\r" + line)
            self.stream.flush()
        elif done * 4 // self.total > self._last_quarter:
            self._last_quarter = done * 4 // self.total
            self.stream.write(line + "\n")

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")

"""The experiment without a window: train, then leave a figure, numbers and a history.

This is the original script's run made reproducible: what it showed on screen becomes
figure.png, and what a reader would want to check (did the filters become the digit?)
becomes metrics.json.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional, TextIO

from filterlab.engine.render.digit import comparison_figure, filter_figure, gif_frames, save_gif
from filterlab.engine.core.files import save_image, save_json
from filterlab.engine.digit.trainer import Trainer

if TYPE_CHECKING:
    from filterlab.engine.comparison.runs import Lockstep
    from filterlab.engine.digitset.trainer import SetTrainer

CHUNK = 250  # steps between progress updates (and divergence checks)


def run(trainer: Trainer, steps: int, out: Path, *, title: str = "",
        gif: Optional[Path] = None, stream: Optional[TextIO] = None) -> dict:
    """Train `steps` steps, write figure.png, metrics.json and history.npz into `out`."""
    done, seconds = train(trainer, steps, stream or sys.stderr)
    snap = trainer.snapshot()
    initial_cos = snap.initial_cosine
    metrics = {
        "steps": snap.step,
        "final_loss": snap.loss,
        "initial_cosine": initial_cos.tolist(),
        "cosine": snap.cosine.tolist(),
        "mean_abs_cosine": float(abs(snap.cosine).mean()),
        "class_weights": snap.class_weights.tolist(),
        "steps_per_second": _rate(done, seconds),
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


def run_set(trainer: "SetTrainer", epochs: int, out: Path, *, title: str = "",
            stream: Optional[TextIO] = None) -> dict:
    """Train `epochs` epochs on a set, a progress bar and a score line each; write the results.

    The test accuracy before any training is measured too: it is the baseline (about
    chance) that the per-epoch figures are to be read against.
    """
    stream = stream or sys.stderr
    initial_loss, initial_accuracy = trainer.evaluate()
    steps = seconds = 0
    for epoch in range(1, epochs + 1):
        done, took = train(trainer, trainer.steps_per_epoch, stream, prefix=f"epoch {epoch}/{epochs} ")
        steps, seconds = steps + done, seconds + took
        if trainer.diverged:
            break
        record = trainer.epochs[-1]
        stream.write(f"epoch {epoch}/{epochs}: train loss {record['train_loss']:.4f}, test loss "
                     f"{record['test_loss']:.4f}, test accuracy {record['test_accuracy']:.1%}\n")
    snap, digits = trainer.snapshot(), trainer.digits
    last = trainer.epochs[-1] if trainer.epochs else {}
    metrics = {
        "data": digits.description,
        "classes": list(digits.classes),
        "train_size": len(digits.train_labels),
        "test_size": len(digits.test_labels),
        "batch_size": trainer.batch_size,
        "steps_per_epoch": trainer.steps_per_epoch,
        "steps": snap.step,
        "initial_test_loss": initial_loss,
        "initial_test_accuracy": initial_accuracy,
        "epochs": trainer.epochs,
        "final_train_loss": last.get("train_loss"),
        "final_test_loss": last.get("test_loss"),
        "final_test_accuracy": last.get("test_accuracy"),
        "filter_classes": snap.filter_classes.tolist(),
        "initial_cosine": snap.initial_cosine.tolist(),
        "cosine": snap.cosine.tolist(),
        "mean_abs_cosine": float(abs(snap.cosine).mean()),
        "steps_per_second": _rate(steps, seconds),
        "seconds": seconds,
        "device": snap.device,
        "diverged": snap.diverged,
        "config": snap.config.to_dict(),
    }
    score = f", test accuracy {last['test_accuracy']:.1%}" if last else ""
    figure = filter_figure(digits.train_images.mean(axis=0), snap.initial, snap.filters, snap.initial_cosine,
                           snap.cosine, title=f"{title} after {len(trainer.epochs)} epochs{score}".strip(),
                           image_caption="mean training image (cos: to the mean of the filter's class)",
                           targets=[str(c) for c in snap.filter_classes])
    out.mkdir(parents=True, exist_ok=True)
    save_image(figure, out / "figure.png")
    save_json(out / "metrics.json", metrics)
    trainer.save_history(out / "history.npz")
    return metrics


def run_compare(lockstep: "Lockstep", steps: int, out: Path, *, title: str = "",
                stream: Optional[TextIO] = None) -> dict:
    """Train runs side by side for `steps` steps; write figure.png and metrics.json into `out`.

    `max_filter_difference` (largest |w_k - w_0| over filters k) is ~0 when a run's
    filters are all identical: the symmetry a zero or constant start never breaks (to
    float rounding, ~1e-8).
    """
    done, seconds = train(lockstep, steps, stream or sys.stderr)
    snaps = lockstep.snapshots()
    runs = [{
        "name": name,
        "final_loss": snap.loss,
        "initial_cosine": snap.initial_cosine.tolist(),
        "cosine": snap.cosine.tolist(),
        "mean_abs_cosine": float(abs(snap.cosine).mean()),
        "max_filter_difference": float(abs(snap.filters - snap.filters[:1]).max()),
        "config": snap.config.to_dict(),
    } for name, snap in zip(lockstep.names, snaps)]
    metrics = {
        "steps": lockstep.step_count,
        "runs": runs,
        "steps_per_second": _rate(done, seconds),
        "seconds": seconds,
        "label": lockstep.label,
        "device": str(lockstep.device),
        "diverged": lockstep.diverged,
    }
    figure = comparison_figure(lockstep.image, [(f"{name}: loss {snap.loss:.3g}", snap.filters, snap.cosine)
                                                for name, snap in zip(lockstep.names, snaps)],
                               title=f"{title} after {lockstep.step_count} steps".strip())
    out.mkdir(parents=True, exist_ok=True)
    save_image(figure, out / "figure.png")
    save_json(out / "metrics.json", metrics)
    return metrics


def train(stepper, steps: int, stream: TextIO, prefix: str = "") -> tuple[int, float]:
    """Step a Trainer, SetTrainer or Lockstep `steps` steps in chunks under a progress bar.

    Returns (steps done, seconds); fewer steps when training diverged.
    """
    progress = Progress(steps, stream, prefix=prefix)
    start = time.perf_counter()
    done = 0
    while done < steps and not stepper.diverged:
        done += stepper.step(min(CHUNK, steps - done))
        progress.show(done, time.perf_counter() - start)
    seconds = time.perf_counter() - start
    progress.close()
    return done, seconds


def _rate(steps: int, seconds: float) -> Optional[float]:
    return steps / seconds if seconds > 0 and steps else None


class Progress:
    """A one-line progress bar on a terminal; a few plain lines when piped to a log."""

    def __init__(self, total: int, stream: TextIO, width: int = 30, prefix: str = ""):
        self.total, self.stream, self.width, self.prefix = max(total, 1), stream, width, prefix
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self._last_quarter = -1

    def show(self, done: int, seconds: float) -> None:
        rate = done / seconds if seconds > 0 else 0.0
        filled = int(self.width * done / self.total)
        line = (f"{self.prefix}[{'#' * filled}{'.' * (self.width - filled)}] "
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

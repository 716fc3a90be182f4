"""The runs of a comparison at one step, as one frozen value (what the side-by-side window draws), and how
it is made: one full Snapshot per run, live or of a recorded step replayed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from filterlab.engine.core.passes import recorded_pass
from filterlab.engine.core.snapshot import Snapshot, make_snapshot


@dataclass(frozen=True)
class ComparisonSnapshot:
    """The runs of a Comparison at one step, each a full Snapshot, in the order given."""

    step: int
    names: tuple
    runs: tuple
    diverged: Optional[str] = None
    historical: bool = False

    @property
    def blank_image(self) -> bool:
        return self.runs[0].blank_image

    @property
    def record_steps(self) -> np.ndarray:
        return self.runs[0].record_steps


# ---------------------------------------------------------------- one Snapshot per run
def run_snapshots(comparison, last) -> list[Snapshot]:
    """One Snapshot per run at the current step; `last` is each run's StepDetails (run order)."""
    filters, fc = comparison.filters(), comparison.per_run(comparison.stacked.fc_weight)
    return [make_snapshot(
        step=comparison.step_count, details=last[r], filters=filters[r], fc_weight=fc[r],
        image=comparison.digits[r][0].copy(), label=comparison.digits[r][1], initial=comparison.initial[r].copy(),
        losses=comparison.losses[r].curve(),
        curves=comparison.records[r].cosine_curves(comparison.image_histories[r]), config=config,
        device=str(comparison.device), diverged=comparison.diverged) for r, config in enumerate(comparison.configs)]


def recorded_snapshots(comparison, step: int) -> list[Snapshot]:
    """Every run's recorded frame at or before `step`, run forward and backward again."""
    runs = []
    for r, (config, record) in enumerate(zip(comparison.configs, comparison.records)):
        index = record.index_at(step)
        frame_step, filters = record.steps[index], record.frames[index]
        image, label = comparison.image_histories[r].at(frame_step)
        x = torch.from_numpy(np.asarray(image, np.float32)).to(comparison.device)[None, None]
        y = torch.tensor([label], device=comparison.device)
        details, fc_weight = recorded_pass(config, comparison.device, filters, record.heads[index], x, y)
        loss_steps, loss_values = comparison.losses[r].curve()
        curve_steps, curves = record.cosine_curves(comparison.image_histories[r])
        keep, curve_keep = loss_steps <= frame_step, curve_steps <= frame_step
        runs.append(make_snapshot(
            step=frame_step, details=details, filters=filters.copy(), fc_weight=fc_weight,
            image=np.array(image, copy=True), label=label, initial=comparison.initial[r].copy(),
            losses=(loss_steps[keep], loss_values[keep]), curves=(curve_steps[curve_keep], curves[curve_keep]),
            config=config, device=str(comparison.device), historical=True))
    return runs

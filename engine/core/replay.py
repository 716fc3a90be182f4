"""A run's exact state at any step, rebuilt: the latest checkpoint before it, replayed forward.

The journal (engine/core/journal.py) keeps a full copy of the training state every few
hundred steps and every change made between two steps; steps are deterministic, so
replaying from the checkpoint with the same changes at the same steps reaches the very
state the run had. That is what a fork starts from. Before the journal's start (a run
opened from a session) there is no checkpoint: the recorded weights are used and the
optimizer starts from nothing, and the result says so.
"""
from __future__ import annotations

from typing import Optional

from filterlab.engine.core.journal import Change, Edit
from filterlab.engine.core.learner import LIVE_FIELDS, Learner
from filterlab.engine.core.model import load_weights
from filterlab.engine.core.optimizers import clone_state


def learner_at(learner: Learner, step: int, batch_at) -> tuple[Learner, Optional[str]]:
    """(a new Learner in `learner`'s state at `step`, None) — or (an approximation, why it is one).

    `batch_at(step)` gives the (x, y) the run trained on at that step.
    """
    step = max(0, min(step, learner.step_count))
    found = learner.journal.checkpoint_before(step)
    if found is None:
        return _from_record(learner, step, batch_at)
    at, (config, model_state, optimizer_state) = found
    replayed = type(learner)(config, batch_at)  # the same arithmetic (a chunked learner replays chunked)
    replayed.load_state(clone_state((model_state, optimizer_state)))
    replayed.step_count = at
    replayed.initial = learner.initial
    for event in learner.journal.events_between(at, step):
        replayed.step(event.step - replayed.step_count)
        if isinstance(event, Change):
            replayed.set_hparams(**{name: getattr(event.config, name) for name in LIVE_FIELDS})
        elif isinstance(event, Edit):
            assert event.weights is not None  # a loaded session's own edits have none; replays start after them
            replayed.set_filter(event.filter, event.weights, event.reset_optimizer)
    replayed.step(step - replayed.step_count)
    return replayed, None


def _from_record(learner: Learner, step: int, batch_at) -> tuple[Learner, str]:
    record = learner.record
    index = record.index_at(step)
    replayed = type(learner)(learner.config, batch_at)
    load_weights(replayed.model, record.frames[index], record.heads[index])
    replayed.step_count = record.steps[index]
    replayed.initial = learner.initial
    return replayed, (f"approximate: the run was opened at step {learner.journal.start:,}, so the optimizer's "
                      f"state at step {replayed.step_count:,} was not kept; its moments start from 0")

"""Runs side by side where every run takes the chunk (on the CPU: Adam or SGD, any kernel): all runs in one set of
batched ops a step, each run its Trainer to float32's rounding (bmm may add a product's terms in another order than
mm). Measured after 400 steps (100 at small kernels), as a share of each array's largest magnitude: the filters
at most 1.1e-6, a step's gradients and dL/dz 1.5e-5, the cosine of a zero-init run's near-zero filters 3.4e-5;
ROUNDING allows 1e-4, and an Adam step counted one off fails every test here that compares with Trainers (tried:
8 of the 9; the last compares the chunk with itself run as Python)."""
import numpy as np
import pytest

from filterlab.engine.comparison.chunked import BeforeLast, chunkable
from filterlab.engine.comparison.runs import Comparison
from filterlab.engine.core.config import Config
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.digit.trainer import Trainer

RUNS = [dict(seed=1), dict(seed=2, weight_decay=0.0), dict(seed=1, lr=3e-3), dict(init="zeros")]
MIXED = [dict(seed=1), dict(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=1e-3),
         dict(optimizer="sgd", lr=0.1, weight_decay=0.0), dict(init="zeros")]
ROUNDING = 1e-4  # of each array's largest magnitude, after 400 steps: a wrong step count or setting is far off
FIELDS = ("filters", "class_weights", "cosine_history", "loss_values", "grads", "update", "input_grad", "z", "dl_dz", "probs")


def twins(digit, chunks, runs=RUNS, kernel=28):
    configs = [Config(filters=3, kernel=kernel, **changes) for changes in runs]
    comparison = Comparison(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    assert chunkable(comparison) and len(comparison.optimizers) == 3  # runs 1 and 4 share one optimizer
    for n in chunks:
        assert comparison.step(n) == n
        assert isinstance(comparison.rollback_state, BeforeLast)  # the chunk took the steps, not the eager fallback
        for trainer in trainers:
            trainer.step(n)
    return comparison, trainers


def same(comparison, trainers):
    for trainer, snap in zip(trainers, comparison.snapshots()):
        ref = trainer.snapshot()
        assert snap.step == ref.step
        for name in FIELDS:
            close(getattr(snap, name), getattr(ref, name), name)
        # each loss to itself (late ones are ~4e-4, under the scale's 1e-4), but for log-softmax's own rounding
        # of numbers near 1 (1.2e-7 measured)
        np.testing.assert_allclose(snap.loss_values, ref.loss_values, rtol=ROUNDING, atol=1e-6)


def close(ours, theirs, name=""):
    theirs = np.asarray(theirs)
    finite = np.abs(theirs[np.isfinite(theirs)])  # an undefined cosine is NaN in both
    scale = float(finite.max()) if finite.size else 0.0
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=ROUNDING * scale, err_msg=name)


@pytest.mark.parametrize("runs, kernel", [(RUNS, 28), (MIXED, 28), (MIXED, 5), (RUNS, 3)],
                         ids=["adam", "adam and sgd", "adam and sgd 5x5", "adam 3x3"])
def test_every_run_is_its_trainer(digit, runs, kernel):
    comparison, trainers = twins(digit, [1, 6, 93, 400] if kernel == 28 else [1, 6, 93], runs, kernel)
    same(comparison, trainers)
    for r, trainer in enumerate(trainers):
        assert comparison.records[r].steps == trainer.record.steps
        for ours, theirs in zip(comparison.records[r].heads, trainer.record.heads):
            close(ours, theirs)


def test_an_interrupt_ends_every_run_at_the_same_step(digit):
    comparison, trainers = twins(digit, [5])
    interrupt = Interrupt()
    interrupt.request()
    made = comparison.step(1000, interrupt=interrupt)
    assert 0 < made <= 4 and comparison.step_count == 5 + made
    assert {len(losses.arrays()[1]) for losses in comparison.losses} == {5 + made}
    for trainer in trainers:
        trainer.step(made)
    same(comparison, trainers)


@pytest.mark.parametrize("runs", [RUNS, MIXED], ids=["adam", "adam and sgd"])
def test_a_poisoned_digit_rolls_every_run_back_to_the_state_before_the_last_step(digit, runs):
    """A first loss that is not finite (the new digit overflows a run's filter responses) goes back to the
    state the chunks kept from before their last step: every run as its Trainer was one step earlier."""
    comparison, _ = twins(digit, [30], runs)
    comparison.set_image(np.full((28, 28), 3e38, np.float32), 4)
    assert comparison.step(10) == 0 and comparison.diverged and comparison.step_count == 29
    _, earlier = twins(digit, [29], runs)
    for trainer, filters, losses in zip(earlier, comparison.filters(), comparison.losses):
        close(filters, trainer.snapshot().filters)
        assert len(losses.arrays()[1]) == 29
    # the optimizers' state went back too (each group's rows): trained on from there, every run is its Trainer
    comparison.set_image(*digit)
    comparison.diverged = None
    assert comparison.step(40) == 40
    for trainer in earlier:
        trainer.step(40)
    for trainer, snap in zip(earlier, comparison.snapshots()):
        for name in ("filters", "class_weights", "grads", "update", "probs"):
            close(getattr(snap, name), getattr(trainer.snapshot(), name), name)


def test_runs_on_their_own_digits_and_record_intervals_are_each_their_trainer(digit):
    """A fork onto another digit (one digit per run in the chunk) and records kept at other intervals (the chunk
    keeps frames at any run's due step; each record takes its own)."""
    from filterlab.engine.comparison.fork import Fork, forked
    from filterlab.engine.data import bundled_digit

    seven = bundled_digit(7)
    original = Trainer(Config(record_every=7), *digit)
    original.step(300)
    comparison, _ = forked(original, Fork(300, "digit", digit=seven))
    assert chunkable(comparison) and comparison.step(61) == 61
    as_it_was, changed = Trainer(Config(record_every=7), *digit), Trainer(Config(record_every=7), *digit)
    as_it_was.step(361)
    changed.step(300)
    changed.set_image(*seven)
    changed.step(61)
    for snap, trainer in zip(comparison.snapshots(), (as_it_was, changed)):
        assert snap.label == trainer.snapshot().label
        close(snap.filters, trainer.snapshot().filters)
        close(snap.probs, trainer.snapshot().probs)

    intervals = Comparison([Config(filters=3, record_every=3), Config(filters=3, seed=2, record_every=50)], *digit)
    intervals.step(400)
    assert intervals.records[0].steps != intervals.records[1].steps
    for r, seed, every in ((0, Config().seed, 3), (1, 2, 50)):
        alone = Trainer(Config(filters=3, seed=seed, record_every=every), *digit)
        alone.step(400)
        assert intervals.records[r].steps == alone.record.steps
        for ours, theirs in zip(intervals.records[r].heads, alone.record.heads):
            close(ours, theirs)


def test_without_torchscript_the_runs_chunk_runs_as_python_with_the_same_numbers(digit, monkeypatch):
    from filterlab.engine.core import chunk
    compiled, _ = twins(digit, [40], MIXED)
    assert chunk.scripted() and chunk.script("runs", chunk._stacked_runs) is not None  # it compiles here
    monkeypatch.setitem(chunk._compiled, "runs", None)
    assert chunk.runs_function().function is chunk._stacked_runs
    python, _ = twins(digit, [40], MIXED)
    np.testing.assert_allclose(python.filters(), compiled.filters(), rtol=0, atol=1e-6 * np.abs(compiled.filters()).max())
    for ours, theirs in zip(python.losses, compiled.losses):
        np.testing.assert_allclose(ours.arrays()[1], theirs.arrays()[1], rtol=1e-6)

"""Runs side by side where every run takes the one-digit chunk (on the CPU: Adam or SGD, any kernel): each run IS
its Trainer, bit for bit."""
import numpy as np
import pytest

from filterlab.engine.comparison.chunked import chunkable
from filterlab.engine.comparison.runs import Comparison
from filterlab.engine.core.config import Config
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.digit.trainer import Trainer

RUNS = [dict(seed=1), dict(seed=2, weight_decay=0.0), dict(seed=1, lr=3e-3), dict(init="zeros")]
MIXED = [dict(seed=1), dict(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=1e-3),
         dict(optimizer="sgd", lr=0.1, weight_decay=0.0), dict(init="zeros")]
FIELDS = ("filters", "class_weights", "cosine_history", "loss_values", "grads", "update", "input_grad", "z", "dl_dz", "probs")


def twins(digit, chunks, runs=RUNS, kernel=28):
    configs = [Config(filters=3, kernel=kernel, **changes) for changes in runs]
    comparison = Comparison(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    assert chunkable(comparison) and len(comparison.optimizers) == 3  # runs 1 and 4 share one optimizer
    for n in chunks:
        assert comparison.step(n) == n
        for trainer in trainers:
            trainer.step(n)
    return comparison, trainers


def same(comparison, trainers):
    for trainer, snap in zip(trainers, comparison.snapshots()):
        ref = trainer.snapshot()
        assert snap.step == ref.step
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(snap, name), getattr(ref, name), err_msg=name)


@pytest.mark.parametrize("runs, kernel", [(RUNS, 28), (MIXED, 28), (MIXED, 5), (RUNS, 3)],
                         ids=["adam", "adam and sgd", "adam and sgd 5x5", "adam 3x3"])
def test_every_run_is_its_trainer_bit_for_bit(digit, runs, kernel):
    comparison, trainers = twins(digit, [1, 6, 93, 400] if kernel == 28 else [1, 6, 93], runs, kernel)
    same(comparison, trainers)
    for r, trainer in enumerate(trainers):
        assert comparison.records[r].steps == trainer.record.steps
        for ours, theirs in zip(comparison.records[r].heads, trainer.record.heads):
            np.testing.assert_array_equal(ours, theirs)


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
        np.testing.assert_array_equal(filters, trainer.snapshot().filters)
        assert len(losses.arrays()[1]) == 29

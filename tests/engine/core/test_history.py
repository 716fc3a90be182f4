"""The bounded records of a run: a rolled-back step leaves the loss curve as if it never happened."""
import numpy as np

from filterlab.engine.core.history import LossHistory


def test_a_rolled_back_step_leaves_the_loss_curve_as_if_it_never_happened():
    """The curve keeps its points in the same places; the very same values while a point is one step."""
    for steps in range(1, 40):
        losses = np.arange(1.0, steps + 1)
        undone, again = LossHistory(capacity=8), LossHistory(capacity=8)
        undone.extend(steps, losses)
        undone.drop_last()
        undone.extend(steps, losses[-1:] + 0.5)  # the same step once more, another loss
        again.extend(steps, np.r_[losses[:-1], losses[-1] + 0.5])
        (steps_a, values_a), (steps_b, values_b) = undone.arrays(), again.arrays()
        np.testing.assert_array_equal(steps_a, steps_b)
        assert (undone.stride, undone._block_len) == (again.stride, again._block_len)
        if again.stride == 1:
            np.testing.assert_array_equal(values_a, values_b)
        else:
            np.testing.assert_allclose(values_a, values_b, atol=1.0)


def test_the_filter_record_keeps_every_early_step_then_thins_by_decade():
    """The story is told in the first ~50 steps: the record keeps each of them, then fewer and fewer."""
    from filterlab.engine.core.history import DENSE_STEPS, FilterHistory

    record = FilterHistory(spacing=10)
    frame, head = np.zeros((5, 28, 28), np.float32), np.zeros(65, np.float32)
    for step in range(0, 30_001):
        record.add(step, frame, head)
    steps = np.array(record.steps)
    assert list(steps[:DENSE_STEPS + 1]) == list(range(DENSE_STEPS + 1))
    assert set(np.diff(steps[(steps >= 100) & (steps <= 1000)])) == {10}
    assert set(np.diff(steps[(steps >= 1000) & (steps <= 10_000)])) == {100}
    assert set(np.diff(steps[steps >= 10_000])) == {1000}
    assert len(steps) == 101 + 90 + 90 + 20


def test_a_full_filter_record_thins_everywhere_and_keeps_its_bound():
    from filterlab.engine.core.history import FilterHistory

    frame, head = np.zeros((64, 28, 28), np.float32), np.zeros(714, np.float32)
    record = FilterHistory(spacing=10, max_bytes=150 * (frame.nbytes + head.nbytes))
    for step in range(0, 20_001):
        record.add(step, frame, head)
    assert len(record) <= 150 and record.thinning == 2
    steps = np.array(record.steps)
    assert steps[0] == 0 and list(steps[1:6]) == [2, 4, 6, 8, 10]  # the early record halved, still dense
    assert all(s % record.spacing_at(s) == 0 for s in steps[1:])
    assert steps[-1] == 20_000

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

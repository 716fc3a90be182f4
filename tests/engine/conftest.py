"""Engine test helpers shared by more than one package's tests."""
import numpy as np
import pytest


@pytest.fixture
def painted():
    """painted(filters=3, kernel=28): a recognisable hand-made start: filter k is a bar in row 5k, of height k+1."""
    def paint(filters=3, kernel=28):
        filters_ = np.zeros((filters, kernel, kernel), np.float32)
        for k in range(filters):
            filters_[k, 5 * k % kernel, :] = k + 1
        return filters_
    return paint

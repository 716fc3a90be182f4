"""The shared colours: zero-centred limits (the map itself: tests/engine/render/test_style.py)."""
import pytest

from filterlab.engine.core.colours import symmetric_limit


def test_symmetric_limit():
    import numpy as np
    assert symmetric_limit(np.zeros((3, 3))) == 1.0
    assert symmetric_limit(np.array([])) == 1.0
    assert symmetric_limit(np.array([np.nan, np.inf])) == 1.0
    assert symmetric_limit(np.array([0.2, -0.7, np.nan])) == pytest.approx(0.7)

"""The shared colours: palettes by name, one clear error for an unknown one, zero-centred limits."""
import pytest

from filterlab.engine.core.colours import DEFAULT_PALETTE, PALETTES, PETROFF10, TABLEAU10, palette, symmetric_limit


def test_palettes_by_name():
    assert palette() is PALETTES[DEFAULT_PALETTE] is TABLEAU10
    assert palette("colour-blind safe") is PETROFF10
    for colours in PALETTES.values():
        assert len(colours) == 10 and len(set(colours)) == 10
        assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)
    with pytest.raises(ValueError, match="tableau10"):
        palette("rainbow")


def test_symmetric_limit():
    import numpy as np
    assert symmetric_limit(np.zeros((3, 3))) == 1.0
    assert symmetric_limit(np.array([])) == 1.0
    assert symmetric_limit(np.array([np.nan, np.inf])) == 1.0
    assert symmetric_limit(np.array([0.2, -0.7, np.nan])) == pytest.approx(0.7)

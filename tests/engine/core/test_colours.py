"""The shared diverging colormap: sign-honest colours, zero exactly at the centre, no crash on bad input."""
import warnings

import numpy as np
import pytest

from filterlab.engine.core.colours import (
    DIVERGING_COLORS,
    DIVERGING_POSITIONS,
    apply_diverging,
    diverging_lut,
    symmetric_limit,
)


def test_diverging_anchors_and_centre():
    centre = DIVERGING_COLORS[DIVERGING_POSITIONS.index(0.5)]
    rgb = apply_diverging(np.array([-2.5, 0.0, 2.5, -99.0, 99.0]), 2.5)
    assert rgb.dtype == np.uint8 and rgb.shape == (5, 3)
    assert tuple(rgb[0]) == DIVERGING_COLORS[0]
    assert tuple(rgb[1]) == centre
    assert tuple(rgb[2]) == DIVERGING_COLORS[-1]
    assert tuple(rgb[3]) == DIVERGING_COLORS[0] and tuple(rgb[4]) == DIVERGING_COLORS[-1]  # clipped


def test_diverging_lut_spans_anchors():
    lut = diverging_lut(256)
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert tuple(lut[0]) == DIVERGING_COLORS[0] and tuple(lut[-1]) == DIVERGING_COLORS[-1]


def test_nan_and_bad_limits_do_not_crash_or_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgb = apply_diverging(np.array([[np.nan, 1.0], [-1.0, np.inf]]), 1.0)
        assert tuple(rgb[0, 0]) == (128, 128, 128)
        assert tuple(rgb[1, 1]) == DIVERGING_COLORS[-1]
        for limit in (0.0, -1.0, np.nan, np.inf):
            out = apply_diverging(np.array([1e300, -1e300, 0.0]), limit)
            assert out.shape == (3, 3)


def test_symmetric_limit():
    assert symmetric_limit(np.zeros((3, 3))) == 1.0
    assert symmetric_limit(np.array([])) == 1.0
    assert symmetric_limit(np.array([np.nan, np.inf])) == 1.0
    assert symmetric_limit(np.array([0.2, -0.7, np.nan])) == pytest.approx(0.7)

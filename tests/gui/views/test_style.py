"""The palette choice the window offers: filters and runs coloured from the colour-blind safe palette on request."""
import pytest

from filterlab.engine.core.colours import PETROFF10, TABLEAU10
from filterlab.gui.views import style


@pytest.fixture(autouse=True)
def default_palette():
    yield
    style.use_palette("tableau10")


def test_use_palette_recolours_filters_and_runs():
    assert style.palette_name() == "tableau10" and style.filter_color(1, 5).getRgb()[:3] == TABLEAU10[1]
    assert style.palette_names() == ["tableau10", "colour-blind safe"]
    style.use_palette("colour-blind safe")
    assert [style.filter_color(i, 5).getRgb()[:3] for i in range(5)] == list(PETROFF10[:5])
    assert style.run_color(12) == PETROFF10[2]
    assert style.filter_color(3, 16).getRgb()[:3] not in PETROFF10  # more filters than colours: evenly spaced hues


def test_an_unknown_palette_is_refused_and_changes_nothing():
    with pytest.raises(ValueError, match="colour-blind safe"):
        style.use_palette("rainbow")
    assert style.palette_name() == "tableau10"

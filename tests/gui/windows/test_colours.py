"""View > Colour-blind safe colours: filters and runs take colours that stay apart under colour blindness."""
from filterlab.engine.core.colours import PETROFF10, TABLEAU10
from filterlab.gui.views.style import palette_name


def test_the_view_menu_switches_every_window_to_the_safe_palette_and_back(qtbot, paused_window):
    window = paused_window()
    action = window.presenter.actions["Colour-blind safe colours"]
    assert palette_name() == "tableau10"
    brush = lambda i: window.filters.labels[i].brush().color().getRgb()[:3]
    assert brush(1) == TABLEAU10[1]
    try:
        action.trigger()
        assert palette_name() == "colour-blind safe" and action.isChecked()
        qtbot.waitUntil(lambda: brush(1) == PETROFF10[1], timeout=5_000)
        assert "#%02x%02x%02x" % PETROFF10[0] in window.similarity.legend.text()  # the curves' names too
    finally:
        if palette_name() != "tableau10":
            action.trigger()
    qtbot.waitUntil(lambda: brush(1) == TABLEAU10[1], timeout=5_000)
    assert not action.isChecked()

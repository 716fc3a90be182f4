"""The captions that explain the filters, drawn by the real views from snapshots made by the engine (no
training thread): each view's words are the snapshot's explanation, under SGD and under Adam."""
import numpy as np
import pytest

from filterlab.engine.core import explain
from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer

SGD = Config(filters=3, optimizer="sgd", lr=0.01, weight_decay=0.0)
ADAM = Config(filters=3)


def _snapshot(config: Config, steps: int):
    trainer = Trainer(config)
    trainer.step(steps)
    return trainer.snapshot()


@pytest.mark.parametrize("config", [SGD, ADAM], ids=["sgd", "adam"])
def test_one_step_taken_apart_says_what_the_step_measured(qtbot, config):
    from filterlab.gui.views.decomposition import DecompositionView

    view = DecompositionView()
    qtbot.addWidget(view)
    snap = _snapshot(config, 1)
    view.draw(snap)
    view.select(1)
    assert view.caption.text() == explain.step_caption(snap, 1)
    assert f"cos to the digit {explain.signed(snap.last_step_cosine[1])}" in view.values[3].title()
    if config.optimizer == "sgd":
        assert "is a copy of" in view.caption.text() and "Adam" not in view.caption.text()
    else:
        assert "not a copy" in view.caption.text() and "erases the background noise" in view.caption.text()


def test_one_step_taken_apart_before_any_step_shows_no_cosine(qtbot):
    from filterlab.gui.views.decomposition import DecompositionView

    view = DecompositionView()
    qtbot.addWidget(view)
    view.draw(_snapshot(SGD, 0))
    assert view.values[3].title() == "no step taken yet" and "No step has been taken yet" in view.caption.text()


@pytest.mark.parametrize("config", [SGD, ADAM], ids=["sgd", "adam"])
def test_the_filter_header_is_the_snapshots_explanation(qtbot, config):
    from filterlab.gui.views.filter_grid import FilterGrid

    grid = FilterGrid("filters", "filters now")
    qtbot.addWidget(grid)
    grid.resize(500, 400)
    snap = _snapshot(config, 400)
    grid.draw(snap)
    assert grid.why.text() == explain.filters_caption(snap)
    assert ("erases" in grid.why.text()) == (config.optimizer == "adam")


def test_a_grid_of_weights_below_the_floor_says_so_and_draws_them_as_zero(qtbot):
    from dataclasses import replace

    from filterlab.gui.views.filter_grid import FilterGrid

    grid = FilterGrid("filters", "filters now")
    qtbot.addWidget(grid)
    grid.resize(500, 400)
    snap = _snapshot(SGD, 0)
    tiny = (snap.filters * 1e-25).astype(np.float32)
    grid.draw(replace(snap, filters=tiny, cosine=np.full(3, np.nan)))
    assert "every weight is below 1e-06: drawn as 0" in grid.why.text()
    assert grid.colorbar.levels()[1] >= 1e-6  # rounding noise is not stretched to full colour
    assert all(text.endswith("—") for text in grid.label_texts)


@pytest.mark.parametrize("config, moves", [(SGD, "with no weight decay, nothing moves them"),
                                           (ADAM, "their noise is erased")], ids=["sgd", "adam"])
def test_learning_added_measures_the_noise_left(qtbot, config, moves):
    from filterlab.gui.views.learning_added import LearningAddedView

    view = LearningAddedView()
    qtbot.addWidget(view)
    snap = _snapshot(config, 200)
    view.draw(snap)
    note = view.untouched_note.text()
    assert moves in note
    assert f"blank: {explain.noise_range(snap.background_noise_left)}" in note
    assert ("100%" in note) == (config.optimizer == "sgd")

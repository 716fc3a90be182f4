"""Replay: the record from step 0, each recorded step shown exactly as the timeline shows it."""
import numpy as np
from PySide6.QtCore import Qt

from filterlab.gui.windows.replay import FRAMES_PER_SECOND


def test_replay_shows_every_recorded_step_in_order_then_goes_live(qtbot, paused_window):
    window = paused_window()  # paused at step 200
    record = window.worker.experiment.record  # the worker is idle while paused
    expected_steps, expected_frames = list(record.steps), [f.copy() for f in record.frames]
    assert expected_steps[:101] == list(range(101))  # the dense early record the replay plays
    assert window.replay.timer.interval() == 1000 // FRAMES_PER_SECOND
    window.replay.timer.setInterval(5)  # the same replay, faster, for the test
    shown = []
    window.replay.shown.connect(lambda snap: shown.append((snap.step, snap.filters.copy(), snap.historical)))
    qtbot.mouseClick(window.timeline.replay, Qt.MouseButton.LeftButton)
    assert window.timeline.replay.text() == "Stop"
    qtbot.waitUntil(lambda: window.timeline.is_live, timeout=60_000)
    assert [step for step, _, _ in shown] == expected_steps
    assert all(historical for _, _, historical in shown)
    for (step, filters, _), frame in zip(shown, expected_frames):
        np.testing.assert_array_equal(filters, frame, err_msg=f"step {step}")
    assert window.timeline.replay.text() == "Replay" and not window.replay.playing
    assert window.shown.step == 200 and not window.shown.historical  # live again


def test_dragging_the_timeline_stops_a_replay(qtbot, paused_window):
    window = paused_window()
    qtbot.mouseClick(window.timeline.replay, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.replay.shown_steps) >= 3, timeout=20_000)
    window.timeline.scrub_to(150)
    assert not window.replay.playing and window.timeline.replay.text() == "Replay"
    qtbot.waitUntil(lambda: window.shown.step == 150, timeout=10_000)

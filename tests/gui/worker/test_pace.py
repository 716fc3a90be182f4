"""The paces a window trains at, on their own clock (no Qt, no torch)."""
import pytest

from filterlab.gui.worker.pace import LESSON, FixedSpeed, FullSpeed, TimeLapse, pace_for

STEP_AT_HALF_COSINE = 24  # measured: with the defaults, mean |cosine| passes 0.5 between steps 20 and 25


def test_pace_for_reads_the_speed_menu():
    assert isinstance(pace_for(LESSON), TimeLapse)
    assert isinstance(pace_for(0), FullSpeed)
    fixed = pace_for(10)
    assert isinstance(fixed, FixedSpeed) and fixed.name == "10 steps/s"
    assert pace_for(1).name == "1 step/s"


def test_a_fixed_speed_allows_its_steps_and_no_burst_after_a_restart():
    pace = FixedSpeed(10)
    pace.start(100.0, 0)
    assert pace.due(100.0, 0) == 0 and pace.due(100.55, 0) == 5 and pace.due(100.55, 5) == 0
    assert pace.wait(100.55, 5) == pytest.approx(0.05)
    pace.start(200.0, 5)  # after a pause: counted from now, not from long ago
    assert pace.due(200.0, 5) == 0


def test_the_time_lapse_plays_the_first_steps_slowly_then_goes_full_speed():
    pace = TimeLapse()
    assert pace.time_at(1) > 0.4                             # the first step is a moment one can see
    assert pace.time_at(STEP_AT_HALF_COSINE) > 3.0           # the filters still look like noise for 3 s
    assert 30 < pace.step_at(5.0) < 200 and 300 < pace.step_at(10.0) < 2000
    assert pace.step_at(pace.time_at(777)) == pytest.approx(777)
    # full speed from full_after; 5,000 steps are then reached well within 20 s at the window's rate
    assert pace.full_after + (5000 - pace.step_at(pace.full_after)) / 1000 < 20
    pace.start(50.0, 0)
    assert pace.due(50.0, 0) == 0 and pace.due(50.0 + pace.full_after, 10) is None


def test_the_time_lapse_carries_on_from_the_current_step_and_a_reset_starts_it_again():
    pace = TimeLapse()
    pace.start(0.0, 30)  # e.g. after a pause at step 30: the curve continues from step 30
    assert pace.due(0.0, 30) == 0
    assert pace.due(1.0, 30) == int(pace.step_at(pace.time_at(30) + 1.0)) - 30
    pace.start(10.0, 0)  # a reset: back to step 0, slow again
    assert pace.due(10.3, 0) == 0 and pace.wait(10.3, 0) == pytest.approx(pace.time_at(1) - 0.3)
    assert "lesson pace" in pace.describe(0) and "steps/s" in pace.describe(0)
    assert "as fast as possible" in pace.describe(100_000)


def test_a_new_digit_plays_the_time_lapse_again_from_its_step():
    pace = TimeLapse()
    pace.start(0.0, 100_000)
    assert pace.due(0.0, 100_000) is None and "as fast as possible" in pace.describe(100_000)  # long since full
    pace.restart(100_000)  # a drawn digit came in at step 100,000
    pace.start(50.0, 100_000)
    assert pace.due(50.0, 100_000) == 0 and pace.due(50.0 + pace.time_at(3), 100_000) == 3  # step by step again
    assert pace.wait(50.0, 100_000) == pytest.approx(pace.time_at(1))
    assert "steps/s and rising" in pace.describe(100_000)
    assert pace.due(50.0 + pace.full_after, 100_010) is None  # and full speed again after the same while
    pace.start(60.0, 0)  # a reset: the curve counts from step 0 again
    assert pace.due(60.0 + pace.time_at(5), 0) == 5

"""One mode in its live window (offscreen) against the same engine headless, and its first steps' pauses.

    python -m bench.mode_window MODE  -> one JSON line        (MODE: one of PATHS)

In one process, as bench/window.py measures the one-digit window:

* window / headless in turns: PAIRS pairs of TURN_SECONDS with the window training (every view
  drawing, as fast as possible) and TURN_SECONDS with it paused while an engine built by the same
  spec (spec.build) trains here with nothing drawn, 250 steps a call as the headless runner
  does, at the same steps; the median of the ratios (bench/window.py, turns);
* frames drawn per second over those turns' window halves;
* the first-step pause: the worker's first call of step() timed from its call to its return,
  and the longest single call of step() that began in the first second after it. The user sees
  nothing move during either; each must stay under 100 ms (the window's first paint, the
  engine's build and PyTorch's import come before and are bench.startup's).

The set runs train on the MNIST-shaped set of 60,000 digits and its 10,000 test digits
(engine/data/sample_mnist.py), batch 64; the set run's epochs are set high so the run never
finishes during the measurement. Also measured here: the longest step call that crossed an
epoch's end in the window (the reshuffle and the epoch's test pass), over the epochs the
window trained.
"""
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PAIRS = 12
WINDOW_TARGET = 0.8  # the window's rate over the headless engine's, in each mode
FIRST_STEP_TARGET_MS = 100
FIRST_SECOND = 1.0
SET_TRAIN, SET_TEST, BATCH = 60_000, 10_000, 64

# the paths a first step can take: name -> what it is (the window per mode; one digit three ways)
PATHS = {
    "one_digit": "one digit, 5 filters 28x28, Adam (the fused chunk)",
    "one_digit_sgd": "one digit, 5 filters 28x28, SGD",
    "small_kernels": "one digit, 5 filters 5x5, Adam",
    "set_28": "set, 16 filters 28x28, batch 64, 60,000 digits",
    "set_5": "set, 8 filters 5x5, batch 64, 60,000 digits",
    "side_by_side": "side by side, 4 runs of 5 filters",
    "lab1d": "1-D lab, 3 taps, 32 sequences of 64",
}


def spec_and_window(mode: str, root: str):
    """(the spec, a function making its window) for `mode`."""
    from filterlab.engine.core.config import Config
    from filterlab.engine.data import bundled_digit

    if mode in ("one_digit", "one_digit_sgd", "small_kernels"):
        from filterlab.engine.digit.spec import DigitSpec
        from filterlab.gui.windows.digit import DigitWindow
        config = {"one_digit": Config(filters=5), "one_digit_sgd": Config(filters=5, optimizer="sgd", lr=0.01),
                  "small_kernels": Config(filters=5, kernel=5)}[mode]
        spec = DigitSpec(config, *bundled_digit(4))
        return spec, lambda: DigitWindow(spec, running=True, factory=spec.build, speed=0)
    if mode in ("set_28", "set_5"):
        from filterlab.engine.data.sample_mnist import write_sample_mnist
        from filterlab.engine.digitset.data import mnist_set
        from filterlab.engine.digitset.spec import SetSpec
        from filterlab.gui.windows.digitset import SetWindow
        write_sample_mnist(root, SET_TRAIN, SET_TEST)
        config = Config(filters=16) if mode == "set_28" else Config(filters=8, kernel=5)
        spec = SetSpec(config, mnist_set(root, tuple(range(10))), BATCH, epochs=10_000)
        return spec, lambda: SetWindow(spec, running=True, speed=0)
    if mode == "side_by_side":
        from filterlab.engine.comparison.spec import ComparisonSpec
        from filterlab.gui.windows.comparison import ComparisonWindow
        runs = tuple((f"seed {seed}", Config(filters=5, seed=seed)) for seed in (1, 2, 3, 4))
        spec = ComparisonSpec(runs, *bundled_digit(4))
        return spec, lambda: ComparisonWindow(spec, running=True, speed=0)
    if mode == "lab1d":
        from filterlab.engine.lab1d.spec import Lab1DSpec
        from filterlab.gui.windows.lab1d import Lab1DWindow
        spec = Lab1DSpec()
        return spec, lambda: Lab1DWindow(spec, running=True, speed=0)
    raise SystemExit(f"unknown mode {mode!r}; one of {', '.join(PATHS)}")


class StepTimes:
    """Every step() call of the experiment the worker builds: (start, seconds, epoch end crossed)."""

    def __init__(self, spec):
        self.calls: list[tuple[float, float, bool]] = []
        self._build = spec.build
        object.__setattr__(spec, "build", self.build)  # the window's worker builds through it (frozen spec)

    def build(self):
        experiment = self._build()
        step = experiment.step
        per_epoch = getattr(experiment, "steps_per_epoch", 0)

        def timed(*args, **kwargs):
            before, started = experiment.step_count, time.perf_counter()
            made = step(*args, **kwargs)
            seconds = time.perf_counter() - started
            crossed = bool(per_epoch) and before // per_epoch != experiment.step_count // per_epoch
            self.calls.append((started, seconds, crossed))
            return made
        experiment.step = timed  # the worker calls experiment.step: this instance's, timed
        return experiment

    def untimed_build(self):
        return self._build()

    def first(self) -> dict:
        """The first call's time, and the longest call that began in the first second, in ms."""
        start, first, _ = self.calls[0]
        early = [seconds for began, seconds, _ in self.calls if began < start + FIRST_SECOND]
        return {"first_step_ms": first * 1000, "longest_first_second_ms": max(early) * 1000}

    def epoch_ends(self) -> dict:
        """The longest call that crossed an epoch's end (a set run's), in ms, and how many did."""
        crossings = [seconds for _, seconds, crossed in self.calls if crossed]
        return {"epoch_end_ms": max(crossings) * 1000, "epoch_ends": len(crossings)} if crossings else {}


def main(mode: str) -> dict:
    from PySide6.QtWidgets import QApplication

    from bench.window import TURN_SECONDS, turns, wait_until

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as root:
        spec, make_window = spec_and_window(mode, root)
    times = StepTimes(spec)
    window = make_window()
    window.show()
    frames = []
    window.frame_drawn.connect(lambda frame: frames.append(time.perf_counter()))
    wait_until(lambda: len(times.calls) > 0 and bool(frames))
    wait_until(lambda: time.perf_counter() >= times.calls[0][0] + FIRST_SECOND + 0.5)
    first = times.first()  # before the headless engine is built on this thread

    from filterlab.engine.core.runtime import tune_runtime
    tune_runtime()  # before the headless engine is built, as on the training thread
    headless = times.untimed_build()  # the same spec's engine, its steps not counted with the window's
    drawn = len(frames)
    result = turns(window, wait_until, headless, PAIRS)
    drawn = len(frames) - drawn
    epochs = times.epoch_ends()
    window.close()
    app.processEvents()
    return {"mode": mode, "what": PATHS[mode], **result, **first, **epochs,
            "frames_per_second_in_turns": drawn / (PAIRS * TURN_SECONDS)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

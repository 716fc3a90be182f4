"""Where the window's time goes: the GUI thread per frame, by view, and the training thread per step.

    python -m bench.profile FILTERS|MODE [SECONDS] [--tab N]   -> a table (not JSON)

Runs the digit window with FILTERS filters, or MODE's window (a name of bench.mode_window.PATHS),
offscreen and as fast as possible, for SECONDS after a warm-up and
prints: steps/s, frames/s, each thread's CPU share and its time waiting for a CPU (other
processes: read the figures against it), the GUI thread's CPU per frame, then per view the
CPU time of its draw() and of its widget's paint events, and on the training thread the
chunks it trained in (one GIL hand-off each: engine/core/chunk.py) and the snapshots it made.
"""
import argparse
import collections
import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def schedstat(thread_id: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds waiting for one) of a thread of this process."""
    with open(f"/proc/self/task/{thread_id}/schedstat") as handle:
        on_cpu, waiting = handle.read().split()[:2]
    return int(on_cpu) / 1e9, int(waiting) / 1e9


class Costs:
    """CPU seconds per named part, counted while `on`."""

    def __init__(self):
        self.on, self.seconds, self.calls = False, collections.defaultdict(float), collections.Counter()

    def timed(self, name, function):
        def run(*args, **kwargs):
            if not self.on:
                return function(*args, **kwargs)
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.thread_time() - started
                self.calls[name] += 1
        return run


def view_name(window, widget) -> str:
    while widget is not None:
        for view in window.views:
            if widget is view:
                return type(view).__name__ + (f" ({view.source})" if hasattr(view, "source") else "")
        widget = widget.parentWidget()
    return "other"


def instrument(window, costs: Costs) -> None:
    import pyqtgraph as pg
    for view in window.views:
        view.draw = costs.timed("draw  " + view_name(window, view), view.draw)
    paint = pg.GraphicsView.paintEvent

    def timed_paint(self, event):
        costs.timed("paint " + view_name(window, self), lambda: paint(self, event))()
    pg.GraphicsView.paintEvent = timed_paint
    window.update_status = costs.timed("status bar", window.update_status)


def make_window(filters_or_mode: str, root: str):
    """The digit window with that many filters, or a mode's window as bench.mode_window builds it."""
    if filters_or_mode.isdigit():
        from filterlab.engine.core.config import Config
        from filterlab.engine.data import bundled_digit
        from filterlab.engine.digit.spec import DigitSpec
        from filterlab.gui.windows.digit import DigitWindow
        return DigitWindow(DigitSpec(Config(filters=int(filters_or_mode)), *bundled_digit(4)), speed=0)
    from bench.mode_window import spec_and_window
    return spec_and_window(filters_or_mode, root)[1]()


def main(filters: str, seconds: float, tab: int) -> None:
    from PySide6.QtWidgets import QApplication

    import tempfile

    from filterlab.gui.worker.queries import Query

    class Instrumented(Query[tuple]):
        """The experiment's methods timed into `costs`, on its own thread; answered with that thread's id."""

        def __init__(self, costs):
            self.costs = costs

        def answer(self, experiment) -> tuple:
            return threading.get_native_id(), instrument_worker(experiment, self.costs)

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as root:
        window = make_window(filters, root)
    window.show()
    if hasattr(window, "tabs"):
        window.tabs.setCurrentIndex(tab)
    gui, worker = Costs(), Costs()
    instrument(window, gui)
    frames = []
    window.frame_drawn.connect(lambda frame: frames.append(frame.snapshot.step))
    run_for(app, lambda: window.frame is not None, 120)
    ids = []
    window.ask(Instrumented(worker), ids.append)
    run_for(app, lambda: bool(ids), 10)
    run_for(app, lambda: False, 2.0)  # warm up: first paints, the first chunks
    worker_id = ids[0][0]
    frames.clear()
    gui.on = worker.on = True
    start = (time.perf_counter(), window.worker.experiment.step_count, schedstat(threading.get_native_id()),
             schedstat(worker_id))
    run_for(app, lambda: False, seconds)
    gui.on = worker.on = False
    end = (time.perf_counter(), window.worker.experiment.step_count, schedstat(threading.get_native_id()),
           schedstat(worker_id))
    window.close()
    print_report(filters, tab, start, end, len(frames), gui, worker)


def instrument_worker(experiment, costs: Costs) -> None:
    experiment.step = costs.timed("training chunks", experiment.step)
    experiment.snapshot = costs.timed("snapshots", experiment.snapshot)


def run_for(app, done, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while not done() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)


def print_report(filters, tab, start, end, frames, gui: Costs, worker: Costs) -> None:
    seconds, steps = end[0] - start[0], end[1] - start[1]
    (gui_cpu, gui_wait), (work_cpu, work_wait) = ((b[0] - a[0], b[1] - a[1]) for a, b in zip(start[2:], end[2:]))
    per_frame = 1000 / max(frames, 1)
    print(f"{filters}, tab {tab}: {steps / seconds:,.0f} steps/s, {frames / seconds:.1f} frames/s "
          f"over {seconds:.1f} s; load average {os.getloadavg()[0]:.2f}")
    print(f"  GUI thread: {gui_cpu / seconds:.0%} of a CPU ({gui_cpu * per_frame:.2f} ms a frame), "
          f"waited for a CPU {gui_wait / seconds:.0%} of the time")
    print(f"  training thread: {work_cpu / seconds:.0%} of a CPU, waited for a CPU {work_wait / seconds:.0%}")
    print(f"  {'GUI thread, per frame':<40} {'ms/frame':>9} {'calls/s':>8} {'ms/call':>8}")
    for name, spent in sorted(gui.seconds.items(), key=lambda item: -item[1]):
        calls = gui.calls[name]
        print(f"  {name:<40} {spent * per_frame:9.2f} {calls / seconds:8.1f} {spent / calls * 1000:8.2f}")
    chunks = worker.calls["training chunks"]
    if chunks:
        print(f"  training: {chunks / seconds:.0f} chunks/s of {steps / chunks:.0f} steps "
              f"(one GIL hand-off each, {chunks / max(steps, 1):.3f} per step), "
              f"{worker.seconds['training chunks'] / chunks * 1000:.2f} ms CPU a chunk")
    snaps = worker.calls["snapshots"]
    if snaps:
        print(f"  snapshots: {snaps / seconds:.0f}/s, {worker.seconds['snapshots'] / snaps * 1000:.2f} ms CPU each")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("filters", help="filters of the digit window, or a mode of bench.mode_window")
    parser.add_argument("seconds", type=float, nargs="?", default=6.0)
    parser.add_argument("--tab", type=int, default=0, help="the tab under the curves to show (0: prediction)")
    options = parser.parse_args()
    main(options.filters, options.seconds, options.tab)

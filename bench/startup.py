"""How soon the window is on screen, and the first live frame, from process start; how fast it closes.

    python -m bench.startup                     -> one JSON line (seconds since the interpreter started)
    python -m bench.startup --close-while-loading  -> one JSON line: window.close() right after it is shown

Torch is imported on a thread of its own (gui/worker/preload.py), so the window should appear
before it loads, and closing it then should not wait for the import.
"""
import json
import os
import sys
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def since_start() -> float:
    """Seconds since this process was created (from /proc, so interpreter start-up counts)."""
    with open("/proc/self/stat") as stat:
        started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as uptime:
        now = float(uptime.read().split()[0])
    return now - started_ticks / os.sysconf("SC_CLK_TCK")


def closed(window) -> float:
    """Seconds window.close() took (it joins the training thread)."""
    started = time.perf_counter()
    window.close()
    took = time.perf_counter() - started
    if window._thread.thread.isRunning():
        raise RuntimeError("the training thread still runs after close()")
    return took


def main(close_while_loading: bool) -> dict:
    sys.argv = ["filterlab"]
    from PySide6.QtWidgets import QApplication

    from filterlab.engine.cli.launch import parse
    from filterlab.engine import registry

    launch = parse([])  # what `python main.py` starts
    app = QApplication([])
    window = registry.for_spec(launch.spec).window_class()(launch.spec)
    window.show()
    app.processEvents()
    shown = since_start()
    if close_while_loading:  # once the import has begun (the training thread starts after the first paint)
        while not ("torch" in sys.modules and any(t.name == "preload" for t in threading.enumerate())):
            app.processEvents()
            time.sleep(0.005)
        loading = window.worker.experiment is None
        return {"close_while_loading_s": closed(window), "torch_was_loading": loading}
    torch_loaded_when_shown = "torch" in sys.modules and window.worker.experiment is not None
    while window.frame is None:
        app.processEvents()
        time.sleep(0.001)
    first_frame = since_start()
    return {"window_shown_s": shown, "first_frame_s": first_frame, "close_after_first_frame_s": closed(window),
            "trainer_ready_before_window": torch_loaded_when_shown}


if __name__ == "__main__":
    print(json.dumps(main("--close-while-loading" in sys.argv[1:])))

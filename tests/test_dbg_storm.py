import sys, time, collections
import pytest
from PySide6.QtWidgets import QApplication
import test_robustness as tr
from test_robustness import tiny_factory  # noqa
from test_window import window  # noqa

PASS = collections.Counter(); PCNT = collections.Counter(); SEQ = []
DEPTH = [0]
def owner(receiver):
    try:
        name = type(receiver).__name__
        par = receiver.parent() if hasattr(receiver, "parent") else None
        hops = 0
        while par is not None and type(par).__module__.startswith(("PySide6", "pyqtgraph")) and hops < 8:
            par = par.parent(); hops += 1
        return name + "<" + (type(par).__name__ if par is not None else "-")
    except Exception:
        return "?"
class TimingApp(QApplication):
    def notify(self, r, e):
        DEPTH[0] += 1; s = time.thread_time()
        try: return super().notify(r, e)
        finally:
            DEPTH[0] -= 1
            if DEPTH[0] == 0:
                el = (time.thread_time() - s) * 1e3; k = owner(r) + ":" + str(e.type()).split('.')[-1]
                PASS[k] += el; PCNT[k] += 1
                if el > 5: SEQ.append((k[:40], round(el)))

@pytest.fixture(scope="session")
def qapp_cls():
    return TimingApp

REPORT = []
class HB(tr.Heartbeat):
    def _tick(self):
        tot = sum(PASS.values())
        if tot > 80: REPORT.append((round(tot), self.doing, [(k, round(v), PCNT[k]) for k, v in PASS.most_common(6)], SEQ[:12]))
        PASS.clear(); PCNT.clear(); SEQ.clear()
        super()._tick()

def test_dbg(qtbot, window, tmp_path, monkeypatch, qtlog):
    tr.Heartbeat = HB
    try:
        tr.click_storm(qtbot, window, tmp_path, monkeypatch, qtlog, 10000, seed=2024)
    finally:
        for r in sorted(REPORT, reverse=True)[:8]: print("PASS", r)

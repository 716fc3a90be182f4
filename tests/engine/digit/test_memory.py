"""Memory stays flat however long the default experiment runs (a fresh process, the app's runtime settings)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from filterlab.engine.core.history import FILTER_BYTES, LOSS_POINTS

ROOT = Path(__file__).resolve().parents[3]
CAP = 2 * 2**20  # bytes of filter frames: full after a few thousand steps

MEMORY_SCRIPT = r"""
import json, sys, time
from filterlab.engine.core.config import Config
from filterlab.engine.data import bundled_digit
from filterlab.engine.core.runtime import tune_runtime
from filterlab.engine.digit.trainer import Trainer

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

steps, chunk, cap = int(sys.argv[1]), 1_000, int(sys.argv[2])
tune_runtime()
trainer = Trainer(Config(), *bundled_digit(4))
trainer.record.max_bytes = cap
trainer.step(chunk)
trainer.snapshot()
rss, started, cpu = [rss_mb()], time.perf_counter(), time.process_time()
while trainer.step_count < steps:
    trainer.step(chunk)
    trainer.snapshot()  # as the window's worker does, up to 60 times a second
    if len(rss) == 1 and trainer.step_count >= steps // 2:
        rss.append(rss_mb())
rss.append(rss_mb())
history = trainer.history()
print(json.dumps(dict(seconds=time.perf_counter() - started, cpu=time.process_time() - cpu, rss=rss,
                      step=trainer.step_count,
                      loss_points=len(history["loss"]), last_loss_step=int(history["loss_steps"][-1]),
                      filter_bytes=int(history["filters"].nbytes), frames=len(history["filters"]),
                      last_frame_step=int(history["filter_steps"][-1]), diverged=trainer.diverged)))
"""


def assert_memory_stays_flat(steps: int, cap: int = CAP):
    """The default experiment, headless with the app's runtime settings, in a fresh process.

    The record is bounded by design: the loss curve at LOSS_POINTS points, the filter frames
    at FILTER_BYTES (32 MB), thinned each time they fill. The test caps the frames at `cap`
    bytes (the same code with a smaller number) so the bound is reached within the first
    few thousand steps and thinning runs many times in a run short enough for CI. So the
    process may grow by the cap plus allocator slack (thinning leaves holes that new frames
    only partly reuse), and once the record has filled it must not grow at all: the second
    half of the run may add at most 4 MB, which a leak of 150 bytes a step would exceed.
    """
    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(steps), str(cap)], cwd=ROOT,
                            capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    print(f"\n{steps:,} steps in {run['seconds']:.1f} s ({run['cpu']:.1f} s CPU); "
          f"RSS {[round(r, 1) for r in run['rss']]} MB; {run['loss_points']} loss points; "
          f"{run['frames']} frames, {run['filter_bytes'] / 2**20:.1f} MB")
    assert run["step"] == steps and run["diverged"] is None
    assert LOSS_POINTS // 2 <= run["loss_points"] <= LOSS_POINTS
    assert run["last_loss_step"] > steps - 200  # the curve still reaches the end
    assert cap / 2 <= run["filter_bytes"] <= cap  # filled, and thinned
    assert run["last_frame_step"] > steps * 0.9  # still recording, at a thinned interval
    start, middle, end = run["rss"]
    assert end - start <= cap / 2**20 + 24
    assert end - middle <= 4


def test_the_record_cap_is_the_documented_one():
    from filterlab.engine.core.config import Config
    from filterlab.engine.digit.trainer import Trainer
    assert Trainer(Config()).record.max_bytes == FILTER_BYTES == 32 * 2**20


@pytest.mark.timeout(300)
def test_memory_stays_flat_over_60_000_steps():
    """~30 s on a quiet 2-core machine, the longest test of the suite."""
    assert_memory_stays_flat(60_000)

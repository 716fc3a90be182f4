"""Shared test setup: Qt without a screen, and small fixtures for the engine and the command line.

Window fixtures (a window, waiting for a frame, mouse strokes) are in tests/gui/conftest.py.
"""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One OpenMP thread per process (torch reads it when first imported, after this file; the scripts and
# app runs the tests start inherit it): the suite runs a process per core (xdist), and two torch
# threads per process on two cores spin-wait for each other at every small op (measured on this VM, loaded:
# the engine tests took 101 s of CPU with torch's default, 45 s with this). The app sets one itself (runtime.py);
# tests/engine/core/test_sgd_step.py sets two where the count matters.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pathlib
import re
import sys

import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true",
                     help="also run the long soak tests, and every fuzz test with its thorough count of examples")


def pytest_configure(config):
    """Hypothesis: the fuzz tests' example counts are written for the thorough profile (--run-slow);
    a plain run tries QUICK_SHARE percent of them (seeded as ever), so the suite stays fast. A test file scales
    its count by `settings.default.max_examples / 100` (tests/engine/cli/test_fuzz.py, `examples`)."""
    from hypothesis import settings
    settings.register_profile("thorough", max_examples=100)
    settings.register_profile("quick", max_examples=QUICK_SHARE)
    settings.load_profile("thorough" if config.getoption("--run-slow") else "quick")


QUICK_SHARE = 30  # percent of each fuzz test's thorough count a plain run tries


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long soak test: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def digit():
    """The first bundled 4, as (image, label)."""
    from filterlab.engine.data import bundled_digit
    return bundled_digit(4)


@pytest.fixture(autouse=True)
def no_dangling_qthreads(request):
    """Fail any test that leaves a QThread running (after napari's _dangling_qthreads)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QThread

    started = []
    original = QThread.start

    def start(self, *args):
        started.append(self)
        return original(self, *args)

    QThread.start = start
    try:
        yield
    finally:
        QThread.start = original
    running = [t for t in started if t.isRunning()]
    for thread in running:  # do not leave it to crash the next test
        thread.quit()
        thread.wait(2000)
    assert not running, f"{len(running)} QThread(s) still running after the test"


@pytest.fixture
def tiny_factory(digit):
    """A real but small trainer factory for window tests: 3 filters of 28x28."""
    def build():
        from filterlab.engine.core.config import Config
        from filterlab.engine.digit.trainer import Trainer
        return Trainer(Config(filters=3), *digit)
    return build


@pytest.fixture
def raw_digit():
    """The first bundled 4 as the article's script read its 4.png: the sample's own uint8 bytes, 0-255."""
    from filterlab.engine.data import BUNDLED_PATH
    with np.load(BUNDLED_PATH) as sample:
        images, labels = sample["images"], sample["labels"]
    index = int(np.flatnonzero(labels == 4)[0])
    return images[index].copy(), int(labels[index])


@pytest.fixture
def article_script():
    """article_script(pixels, label, steps) -> (initial filters, trained filters, losses): the article's
    script, its training loop as written (seeded, Conv2d -> Flatten -> Linear, Adam, cross-entropy on
    the one image), minus the plotting. `pixels` is fed as it is: the script's cv2.imread gave 0-255.
    One torch thread, as Filter Lab trains: the same numbers, and a loaded CI machine does not make
    two threads wait for each other at every one of the script's small ops.
    """
    def script(pixels, label, steps):
        import torch
        from torch import nn

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return loop(torch, nn, pixels, label, steps)
        finally:
            torch.set_num_threads(threads)

    def loop(torch, nn, pixels, label, steps):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 5, kernel_size=28), nn.Flatten(), nn.Linear(5, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
        criterion = nn.CrossEntropyLoss()
        x = torch.tensor(np.asarray(pixels), dtype=torch.float32)[None, None]
        y = torch.tensor([label])
        initial = model[0].weight.detach()[:, 0].clone().numpy()
        losses = []
        for _ in range(steps):
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return initial, model[0].weight.detach()[:, 0].numpy().copy(), np.array(losses)
    return script


# ------------------------------------------------------------------ command line
@pytest.fixture
def run_main(capsys):
    """run_main(argv) -> (exit code, stdout, stderr) of filterlab.main.main; argparse's own exits included.

    A headless run flushes denormals on its thread (engine/core/runtime.py), here the test's
    own: put torch's default back, or the next test would parse 1e-320 as 0.0.
    """
    from filterlab import main

    def run(argv):
        try:
            code = main.main([str(a) for a in argv])
        except SystemExit as stop:
            code = stop.code
        finally:
            if "torch" in sys.modules:
                sys.modules["torch"].set_flush_denormal(False)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def _saved_unseen(figure, path, *args, format=None, **kwargs):
    """Figure.savefig as `figures_unseen` has it: a 1x1 white image in the format asked, nothing drawn."""
    from PIL import Image
    Image.new("RGB", (1, 1), "white").save(path, format=(format or "png").upper())


@pytest.fixture(scope="session")
def unseen_figures():
    """unseen_figures(): a context in which headless runs write their pictures unseen (see figures_unseen)."""
    import contextlib

    @contextlib.contextmanager
    def unseen():
        from matplotlib.figure import Figure
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Figure, "savefig", _saved_unseen)
            yield
    return unseen


@pytest.fixture
def figures_unseen(unseen_figures):
    """For a test of a headless run that reads its numbers, not its pictures: each matplotlib Figure the run
    builds (with its checks) is saved, through the same atomic writer and name, as a 1x1 white image instead
    of being laid out and drawn (~0.4 s of CPU a figure, two a one-digit run).

    What the pictures show is tested where they are looked at: tests/engine/render (each figure), and one
    real run per mode in tests/engine/cli (test_digit, test_digitset, test_comparison, test_lab1d,
    test_original, test_hostile, test_fuzz) and tests/test_docs.py.
    """
    with unseen_figures():
        yield


@pytest.fixture
def progress_shown():
    """progress_shown(stderr, desc, total): a progress line named `desc`, counting to `total`, is on stderr.

    Only what any progress bar shows is checked (its name and its count), not the layout of
    the bar itself (tqdm's); that the run went the whole way, the tests read from its metrics.
    """
    def shown(stderr: str, desc: str, total: int) -> bool:
        return any(desc in line and re.search(rf"(?<![\d.]){total}(?![\d.])", line.split(desc, 1)[1])
                   for line in re.split(r"[\r\n]", stderr))
    return shown


# -------------------------------------------------------------------------- data
def _write_idx_mnist(root, images_uint8, labels, train=True):
    """Write images and labels as MNIST IDX files, where torchvision looks for them.

    IDX: a big-endian uint32 magic number (2051 for images, 2049 for labels),
    one big-endian uint32 per dimension, then the uint8 data.
    """
    raw = pathlib.Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    prefix = "train" if train else "t10k"
    images = np.asarray(images_uint8, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8)
    header = np.array([2051, *images.shape], dtype=">u4").tobytes()
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(header + images.tobytes())
    header = np.array([2049, len(labels)], dtype=">u4").tobytes()
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(header + labels.tobytes())


@pytest.fixture
def write_idx_mnist():
    """write_idx_mnist(root, images_uint8, labels, train=True): MNIST as files, as torchvision reads them."""
    return _write_idx_mnist

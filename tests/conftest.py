"""Shared test setup: Qt without a screen, and small fixtures for the engine."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="also run the long soak tests")


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

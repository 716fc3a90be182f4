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
    from engine.data import bundled_digit
    return bundled_digit(4)

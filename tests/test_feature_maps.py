"""Small kernels: each filter's feature map is a plain correlation of the filter with the digit."""
import numpy as np
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer


def test_feature_maps_match_a_direct_convolution(digit):
    trainer = Trainer(Config(filters=6, kernel=5), *digit)
    trainer.step(30)
    trainer._last = None  # maps at the current weights
    snap = trainer.snapshot()
    bias = trainer.model.conv.bias.detach().numpy()
    patches = np.lib.stride_tricks.sliding_window_view(snap.image, (5, 5))  # (24,24,5,5)
    direct = np.einsum("ijab,fab->fij", patches, snap.filters) + bias[:, None, None]
    assert snap.z.shape == (6, 24, 24)
    np.testing.assert_allclose(snap.z, direct, rtol=1e-4, atol=1e-5)


def test_feature_maps_view_shows_the_snapshot_maps(qtbot, digit):
    from filterlab.gui.windows.digit import MainWindow

    config = Config(filters=4, kernel=7)
    win = MainWindow(lambda: Trainer(config, *digit), config, digit, running=False)
    qtbot.addWidget(win)
    win.show()
    win.worker.call(lambda trainer: trainer.step(5))
    qtbot.waitUntil(lambda: win.frame is not None and win.frame.snapshot.step == 5, timeout=20_000)
    win.tabs.setCurrentWidget(win.maps)
    z = win.frame.snapshot.z
    shown = win.maps.image.image
    side = z.shape[1]
    for (top, left), tile in zip(win.maps._slots, z):
        np.testing.assert_array_equal(shown[top:top + side, left:left + side], tile)
    win.close()

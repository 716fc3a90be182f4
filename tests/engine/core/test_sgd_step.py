"""SGD takes torch's fused kernel on one thread (the app's) and the loop over its tensors on more (a test run's):
the same numbers to float rounding (a few weights 1 ulp apart with weight decay: the fused kernel multiplies
and adds in one instruction), as two thread counts already round the forward and backward passes apart."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer


@pytest.mark.parametrize("config", [Config(filters=3, optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-3),
                                    Config(filters=2, kernel=5, optimizer="sgd", lr=0.05)])
def test_fused_and_looped_sgd_train_the_same_numbers(digit, config):
    threads = torch.get_num_threads()
    runs = []
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            trainer = Trainer(config, *digit)
            assert trainer.optimizer.defaults["fused"] == (count == 1)
            torch.set_num_threads(1)
            trainer.step(150)
            runs.append(trainer.snapshot())
    finally:
        torch.set_num_threads(threads)
    for name in ("filters", "loss_values", "update"):
        np.testing.assert_allclose(getattr(runs[0], name), getattr(runs[1], name), rtol=1e-6, atol=1e-9,
                                   err_msg=name)

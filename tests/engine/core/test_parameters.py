"""The model's parameters by name and shape, known without torch, agree with the real model."""
import pytest
import torch

from filterlab.engine.core.config import Config
from filterlab.engine.core.model import build_model
from filterlab.engine.core.parameters import PARAMETERS, parameter_shapes


@pytest.mark.parametrize("config", [Config(), Config(filters=7, kernel=3), Config(filters=1, kernel=27)])
def test_parameter_shapes_match_the_model(config):
    model = build_model(config, torch.device("cpu"))
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == parameter_shapes(config)
    assert [name for name, _ in model.named_parameters()] == list(PARAMETERS)  # the optimizer's order

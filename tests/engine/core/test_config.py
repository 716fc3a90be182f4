"""A Config is checked once, at the door: an out-of-range value is refused with one clear message."""
import pytest

from filterlab.engine.core.config import Config, ConfigError


@pytest.mark.parametrize("bad", [dict(filters=0), dict(filters=65), dict(kernel=40), dict(kernel=2),
                                 dict(lr=-1.0), dict(lr=float("nan")), dict(lr=0.0),
                                 dict(optimizer="rmsprop"), dict(momentum=1.0), dict(device="tpu")])
def test_config_refuses_out_of_range_values(bad):
    with pytest.raises(ConfigError):
        Config(**bad)

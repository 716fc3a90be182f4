"""A Config is checked once, at the door: an out-of-range value is refused with one clear message."""
import pytest

from filterlab.engine.core.config import Config, ConfigError


@pytest.mark.parametrize("bad", [dict(filters=0), dict(filters=65), dict(kernel=40), dict(kernel=2),
                                 dict(lr=-1.0), dict(lr=float("nan")), dict(lr=0.0),
                                 dict(optimizer="rmsprop"), dict(momentum=1.0), dict(device="tpu")])
def test_config_refuses_out_of_range_values(bad):
    with pytest.raises(ConfigError):
        Config(**bad)


@pytest.mark.parametrize("field, value, words", [
    ("init_value", 1e308, "init value must be at most 3.403e+38, the largest float32"),
    ("init_value", 3.5e38, "the largest float32"),
    ("lr", 1e39, "lr must be at most 3.403e+38"),
    ("weight_decay", 1e300, "weight decay must be at most 3.403e+38"),
    ("lr", 1e-320, "lr must be at least 1.2e-38, the smallest normal float32 (training computes in float32 and "
                   "treats 1e-320 as 0)"),
    ("init_value", 1e-40, "init value must be 0 or at least 1.2e-38"),
    ("momentum", 1e-39, "momentum must be 0 or at least 1.2e-38"),
    ("lr", 0.0, "lr must be more than 0, got 0.0"),
    ("weight_decay", -1e-3, "weight decay must be 0 or more, got -0.001"),
])
def test_numbers_outside_float32_are_refused_with_the_real_reason(field, value, words):
    with pytest.raises(ConfigError) as refused:
        Config(**{field: value})
    assert words in str(refused.value)


@pytest.mark.parametrize("field, value", [("init_value", 3.4e38), ("lr", 1.2e-38), ("weight_decay", 0.0),
                                          ("init_value", 0.0), ("momentum", 0.999999)])
def test_the_ends_of_float32_are_accepted(field, value):
    assert getattr(Config(**{field: value}), field) == value


def test_the_1d_lab_checks_its_learning_rate_against_float32_too():
    from filterlab.engine.lab1d.config import Lab1DConfig

    with pytest.raises(ConfigError, match="smallest normal float32"):
        Lab1DConfig(lr=1e-320)
    with pytest.raises(ConfigError, match="lr must be <= 10.0"):
        Lab1DConfig(lr=11.0)

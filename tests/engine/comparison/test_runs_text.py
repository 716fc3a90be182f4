"""The little language of --compare: runs separated by ';', each the base config with its own changes."""
import re

import pytest

from filterlab.engine.comparison.runs_text import configs_from_spec
from filterlab.engine.core.config import Config, ConfigError


def test_compare_spec_parses_runs_over_a_base():
    base = Config(lr=0.01, filters=3)
    runs = configs_from_spec("seed=1; seed=2 ;optimizer=sgd,lr=0.1,momentum=0.9;init=gaussian,init-value=0.1", base)
    names = [name for name, _ in runs]
    assert names == ["seed=1", "seed=2", "optimizer=sgd,lr=0.1,momentum=0.9", "init=gaussian,init-value=0.1"]
    assert runs[0][1] == base.with_(seed=1)
    assert runs[2][1] == base.with_(optimizer="sgd", lr=0.1, momentum=0.9)
    assert runs[3][1].init_value == 0.1 and runs[3][1].filters == 3


@pytest.mark.parametrize("spec, words", [
    ("seed=1;", "run 2 is empty"),
    ("seed=1;colour=red", "run 2: 'colour=red'"),
    ("seed=1;filters=3", "filters=3"),
    ("seed", "not name=value"),
    ("seed=x", "whole number"),
    ("lr=fast", "number"),
    ("seed=1;lr=-1", "run 2: lr must be more than 0"),
    ("seed=1,seed=2;seed=3", "run 1 sets seed twice"),
    ("seed=1;weight-decay=0.1,weight_decay=0.2", "run 2 sets weight-decay twice"),
    ("seed=1;init=constant,init-value=1e308", "run 2: init value must be at most 3.403e+38, the largest float32"),
    ("seed=1;lr=1e-320", "run 2: lr must be at least 1.2e-38"),
    ("optimizer=rmsprop", "optimizer must be one of"),
])
def test_compare_spec_refuses_what_it_cannot_mean(spec, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        configs_from_spec(spec, Config())

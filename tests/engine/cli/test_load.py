"""Sessions on the command line: --load carries on where a saved session stopped; a bad file is one line."""
import json

import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import save_session
from filterlab.engine.digit.trainer import Trainer


def test_headless_load_carries_on_for_steps_more(tmp_path, run_main, digit):
    save_session(Trainer(Config(), *digit), tmp_path / "zero.npz")  # a session at step 0
    trainer = Trainer(Config(seed=3, optimizer="sgd", lr=0.02, momentum=0.9), *digit)
    trainer.step(50)
    save_session(trainer, tmp_path / "s.npz")
    code, out, err = run_main(["--headless", "--load", tmp_path / "s.npz", "--steps", "30",
                               "--out", tmp_path / "run"])
    assert code == 0, err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["steps"] == 80
    assert metrics["config"] == trainer.config.to_dict()
    trainer.step(30)
    assert metrics["final_loss"] == trainer.snapshot().loss
    assert metrics["cosine"] == trainer.snapshot().cosine.tolist()
    with np.load(tmp_path / "run" / "history.npz") as history:
        assert history["filter_steps"][-1] == 80 and history["loss_steps"][0] == 1


def test_headless_load_notes_the_options_it_ignores(tmp_path, run_main, digit):
    trainer = Trainer(Config(filters=2), *digit)
    trainer.step(10)
    save_session(trainer, tmp_path / "s.npz")
    code, _, err = run_main(["--headless", "--load", tmp_path / "s.npz", "--steps", "5", "--filters", "9",
                             "--digit", "7", "--out", tmp_path / "run"])
    assert code == 0, err
    assert "ignoring --digit, --filters" in err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["config"]["filters"] == 2 and metrics["label"] == 4 and metrics["steps"] == 15


@pytest.mark.parametrize("headless", [True, False], ids=["headless", "window"])
@pytest.mark.parametrize("content", [None, b"\x00\x01garbage" * 100], ids=["missing", "random"])
def test_a_bad_session_on_the_command_line_exits_2_with_one_line(tmp_path, run_main, headless, content):
    path = tmp_path / "s.npz"
    if content is not None:
        path.write_bytes(content)
    args = ["--load", path, "--out", tmp_path / "run", "--steps", "5"] + (["--headless"] if headless else [])
    code, _, err = run_main(args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "s.npz" in lines[0], err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()

"""Sessions on the command line: --load carries on where a saved session stopped; a bad file is one line."""
import json

import numpy as np
import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.session import save_session
from filterlab.engine.digit.trainer import Trainer


@pytest.mark.usefixtures("figures_unseen")
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


@pytest.mark.usefixtures("figures_unseen")
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


def _arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


@pytest.mark.usefixtures("figures_unseen")
@pytest.mark.parametrize("options", [[], ["--optimizer", "sgd", "--lr", "0.02", "--momentum", "0.9", "--filters", "2"]],
                         ids=["adam", "sgd-momentum"])
def test_save_session_then_load_continues_bit_for_bit(tmp_path, run_main, options):
    """N steps with --save-session, --load it for M more: the same session as N+M steps in one go."""
    def headless(name, *args):
        code, out, err = run_main(["--headless", "--filters", "3", *options, "--out", tmp_path / name, *args,
                                   "--save-session", tmp_path / f"{name}.npz"])
        assert code == 0, err
        return out

    out = headless("first", "--steps", "23")
    assert f"wrote {tmp_path / 'first.npz'} (step 23)" in out
    headless("more", "--load", tmp_path / "first.npz", "--steps", "17")
    headless("once", "--steps", "40")
    more, once = _arrays(tmp_path / "more.npz"), _arrays(tmp_path / "once.npz")
    assert json.loads(str(more["session_json"]))["step"] == 40
    assert more.keys() == once.keys()
    assert ("optimizer.conv.weight.exp_avg" if not options else "optimizer.conv.weight.momentum_buffer") in more
    for name in once:
        np.testing.assert_array_equal(more[name], once[name], err_msg=name)
    metrics = [json.loads((tmp_path / name / "metrics.json").read_text()) for name in ("more", "once")]
    assert metrics[0]["cosine"] == metrics[1]["cosine"] and metrics[0]["final_loss"] == metrics[1]["final_loss"]


@pytest.mark.usefixtures("figures_unseen")
def test_save_session_is_the_file_the_window_saves(tmp_path, run_main, digit):
    """The same arrays as save_session on a Trainer trained the same steps (what File > Save session writes)."""
    code, _, err = run_main(["--headless", "--steps", "12", "--out", tmp_path / "run",
                             "--save-session", tmp_path / "cli.npz"])
    assert code == 0, err
    trainer = Trainer(Config(), *digit)
    trainer.step(12)
    save_session(trainer, tmp_path / "window.npz")
    cli, window = _arrays(tmp_path / "cli.npz"), _arrays(tmp_path / "window.npz")
    assert cli.keys() == window.keys()
    for name in cli:
        np.testing.assert_array_equal(cli[name], window[name], err_msg=name)


@pytest.mark.parametrize("args, says", [
    (["--classes", "3,7"], "--classes have no session"),
    (["--compare", "seed=1;seed=2"], "--compare have no session"),
    (["--lab1d"], "--lab1d have no session"),
    ([], "must end in .npz"),
])
def test_save_session_is_refused_in_one_line_where_there_is_no_session(tmp_path, run_main, args, says):
    name = "s.npz" if args else "s.session"
    code, out, err = run_main(["--headless", *args, "--out", tmp_path / "run", "--save-session", tmp_path / name])
    assert code == 2
    assert err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "run").exists() and not (tmp_path / name).exists()


def test_save_session_needs_headless(tmp_path, run_main):
    code, _, err = run_main(["--save-session", tmp_path / "s.npz"])
    assert code == 2 and "File > Save session" in err and err.count("\n") == 1

"""`--original` on the command line: the article's setting exactly, beside its own script; contradictions refused."""
import json

import numpy as np
import pytest
from PIL import Image

STEPS = 300  # README's 5,000-step numbers were measured once by hand: `main.py --headless --original`


def test_headless_original_reproduces_the_articles_script(tmp_path, run_main, article_script, raw_digit):
    code, out, err = run_main(["--headless", "--original", "--steps", STEPS, "--out", tmp_path])
    assert code == 0, err
    assert "article.png" in out
    initial, trained, losses = article_script(raw_digit[0].astype(np.float32), raw_digit[1], STEPS)
    history = np.load(tmp_path / "history.npz")
    np.testing.assert_array_equal(history["initial_filters"], initial)  # seed 0: the same start, bit for bit
    assert history["filter_steps"][-1] == STEPS
    np.testing.assert_allclose(history["filters"][-1], trained, rtol=0, atol=1e-7)  # and the same filters
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-4, atol=1e-7)
    zero = int(np.argmax(losses == 0.0)) + 1
    assert zero <= 10 and np.all(history["loss"][zero - 1:] == 0.0)  # exactly 0 from step 6: learning stops
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["pixel_scale"] == 255 and metrics["config"]["pixel_scale"] == 255
    assert metrics["final_loss"] == 0.0
    assert max(abs(c) for c in metrics["cosine"]) < 0.5  # the filters are still mostly noise...
    assert min(metrics["binarised_agreement"]) > 0.85  # ...which the article's pictures hide
    assert all(0.45 < a < 0.55 for a in metrics["initial_binarised_agreement"])  # chance at the start
    article = Image.open(tmp_path / "article.png")
    assert article.width == 1200 and article.height > 900
    assert json.loads(str(history["config_json"]))["pixel_scale"] == 255


@pytest.mark.usefixtures("figures_unseen")
def test_every_run_says_its_pixel_scale_and_how_the_article_would_have_drawn_it(tmp_path, run_main):
    code, _, err = run_main(["--headless", "--steps", 30, "--filters", 3, "--out", tmp_path])
    assert code == 0, err
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["pixel_scale"] == 1 and len(metrics["binarised_agreement"]) == 3
    assert all(0.5 <= a <= 1 for a in metrics["binarised_agreement"] + metrics["initial_binarised_agreement"])
    assert (tmp_path / "article.png").is_file()


@pytest.mark.usefixtures("figures_unseen")
def test_original_trains_another_digit_and_raw_pixels_take_other_settings(tmp_path, run_main):
    code, _, err = run_main(["--headless", "--original", "--digit", 7, "--steps", 20, "--out", tmp_path / "a"])
    assert code == 0, err
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert metrics["label"] == 7 and metrics["pixel_scale"] == 255
    code, _, err = run_main(["--headless", "--pixel-scale", 255, "--lr", 0.01, "--filters", 2, "--steps", 20,
                             "--out", tmp_path / "b"])
    assert code == 0, err
    config = json.loads((tmp_path / "b" / "metrics.json").read_text())["config"]
    assert (config["pixel_scale"], config["lr"], config["filters"]) == (255, 0.01, 2)


@pytest.mark.parametrize("argv, says", [
    (["--headless", "--original", "--classes", "all"], "leave out --classes"),
    (["--headless", "--original", "--lab1d"], "leave out --lab1d"),
    (["--headless", "--original", "--compare", "seed=1;seed=2"], "leave out --compare"),
    (["--headless", "--original", "--pixel-scale", 1], "--pixel-scale 1 contradicts it"),
    (["--headless", "--original", "--lr", 0.01, "--seed", 3], "--lr, --seed would change it"),
    (["--headless", "--original", "--kernel", 5], "--kernel would change it"),
    (["--original", "--lesson"], "leave out --original"),
    (["--headless", "--original", "--load", "session.npz"], "choose one"),
    (["--headless", "--pixel-scale", 2], "invalid choice: 2"),
    (["--headless", "--pixel-scale", "lots"], "invalid int value"),
    (["--classes", "3,7", "--pixel-scale", 255], "--pixel-scale do(es) not apply to --classes"),
    (["--headless", "--compare", "seed=1;seed=2", "--pixel-scale", 255], "--pixel-scale do(es) not apply"),
    (["--headless", "--lab1d", "--pixel-scale", 255], "--pixel-scale do(es) not apply"),
])
def test_what_contradicts_the_original_is_refused_in_one_line(tmp_path, run_main, argv, says):
    code, out, err = run_main(argv + ["--out", tmp_path / "never"])
    assert code == 2 and says in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "never").exists()

"""Lesson files as a teacher writes them: read, checked whole when opened, every mistake one line with its line."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from PIL import Image

from filterlab.engine.core.config import Config
from filterlab.engine.lesson.builtin import LANGUAGES, builtin_lesson, builtin_path, system_language
from filterlab.engine.lesson.lesson import LESSON_PACE
from filterlab.engine.lesson.placeholders import PLACEHOLDERS
from filterlab.engine.lesson.reader import LessonError, parse_lesson, read_lesson

SHORT = """# Three steps

```filterlab
language: en
```

## One SGD step

```filterlab
optimizer: sgd
lr: 0.01
weight_decay: 0
filters: 3
seed: 7
image: four.png
label: 4
train: 1
tab: one-step
spotlight: one-step, filters
hide: lr, optimizer
```

Step {step}: the step's cosine is **{last_step_cosine}** — {step_verdict}. Loss {loss:.2f}.

## Predict

```filterlab
filters: 3
sample: 3
compare: SGD | optimizer=sgd, lr=0.01, weight_decay=0
compare: Adam | filters=3
choices: SGD | Adam
answer: Adam
reveal: compare
```

Cosines now: {cosines}.

### Question

Which one erases the noise?

### Answer

Adam with weight decay. The {label} has a probability of {probability:.1%}.

## Keep going

```filterlab
reset: no
run: 40
link: lab1d | The 1-D lab
```

Now at step {step}.
"""


@pytest.fixture
def short(tmp_path) -> Path:
    """The three-step lesson, with its image beside it."""
    from filterlab.engine.data import bundled_digit
    image, _ = bundled_digit(4)
    Image.fromarray((image * 255).astype(np.uint8), mode="L").save(tmp_path / "four.png")
    path = tmp_path / "short.md"
    path.write_text(SHORT, encoding="utf-8")
    return path


def test_a_short_lesson_reads_as_written(short):
    lesson = read_lesson(short)
    assert (lesson.title, lesson.language, len(lesson.steps)) == ("Three steps", "en", 3)
    one, two, three = lesson.steps
    assert one.config == Config(optimizer="sgd", lr=0.01, weight_decay=0.0, filters=3, seed=7)
    assert one.digit.label == 4 and one.digit.image.shape == (28, 28) and one.train == 1 and one.run is None
    assert (one.tab, one.spotlight, one.hide) == ("one-step", ("one-step", "filters"), ("lr", "optimizer"))
    assert two.question.choices == ("SGD", "Adam") and two.question.answer == 1 and two.question.reveal == "compare"
    assert [(name, config.optimizer, config.seed) for name, config in two.compare] == [("SGD", "sgd", 0),
                                                                                       ("Adam", "adam", 0)]
    assert not three.reset and three.run == 40.0 and three.links[0].action == "lab1d"


def test_the_placeholders_say_what_the_snapshot_holds(short):
    from filterlab.engine.core.metrics import signed
    from filterlab.engine.digit.trainer import Trainer
    lesson = read_lesson(short)
    one = lesson.steps[0]
    trainer = Trainer(one.config, one.digit.image, one.digit.label)
    assert one.words.render(None, one.config) == ""  # nothing to show before the first frame: left out
    assert one.words.render(trainer.snapshot(), one.config) == ""  # step 0: no step taken yet
    trainer.step(1)
    snap = trainer.snapshot()
    text = one.words.render(snap, one.config)
    assert text == (f"<p>Step 1: the step's cosine is <b>{signed(snap.last_step_cosine[0])}</b> — it <b>is</b> a "
                    f"copy of {'the digit' if snap.last_step_cosine[0] > 0 else 'the negative digit'}. "
                    f"Loss {snap.loss:.2f}.</p>")
    answer = lesson.steps[1].question.explain.render(snap, one.config)
    assert f"probability of {snap.probs[4]:.1%}" in answer
    assert lesson.steps[1].words.render(snap, one.config) == \
        "<p>Cosines now: " + ", ".join(f"#{i + 1} {signed(c)}" for i, c in enumerate(snap.cosine)) + ".</p>"


def test_a_german_lesson_gets_the_phrases_in_german():
    from filterlab.engine.digit.trainer import Trainer
    step = builtin_lesson("de").steps[3]
    trainer = Trainer(step.config)
    trainer.step(1)
    text = step.words.render(trainer.snapshot(), step.config, "de")
    assert "er <b>ist</b> eine Kopie der negativen Ziffer" in text
    assert "Abseits der Tinte hat sich nichts bewegt" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_built_in_lesson_reads_in_each_language_with_the_same_states(language):
    english, other = builtin_lesson("en"), builtin_lesson(language)
    assert other.language == language and len(other.steps) == len(english.steps) == 12
    placeholders = re.compile(r"\{(\w+)")
    for a, b in zip(english.steps, other.steps):
        assert (a.config, a.train, a.run, a.tab, a.spotlight, a.hide, a.reset, a.pixels, a.article) == \
            (b.config, b.train, b.run, b.tab, b.spotlight, b.hide, b.reset, b.pixels, b.article)
        assert [link.action for link in a.links] == [link.action for link in b.links]
        assert sorted(placeholders.findall(a.words.text)) == sorted(placeholders.findall(b.words.text))
    assert english.steps[4].run == LESSON_PACE


def test_the_system_language_picks_the_lesson(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_AT.UTF-8")
    assert system_language() == "de"
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert system_language() == "en"  # no French lesson: English
    with pytest.raises(LessonError, match="written in en, de; got 'fr'"):
        builtin_lesson("fr")


# ------------------------------------------------------------------ mistakes
MISTAKES = [
    # (what the words become, the words in SHORT, the words of the message)
    ("optimiser: sgd", "optimizer: sgd", "unknown key 'optimiser' (did you mean optimizer?); allowed: optimizer, lr"),
    ("lr: fast", "lr: 0.01", "lr must be a number, 0 or more (e.g. 0.001 or 1e-5); got 'fast'"),
    ("filters: three", "filters: 3", "filters must be a whole number from 1 to 64; got 'three'"),
    ("filters: 0", "filters: 3", "filters must be from 1 to 64; got 0"),
    ("optimizer: rmsprop", "optimizer: sgd", "optimizer must be one of adam, sgd; got 'rmsprop'"),
    ("tab: weights", "tab: one-step", "tab must be one of prediction, one-step, learning-added"),
    ("hide: everything", "hide: lr, optimizer", "hide must be one of lr, optimizer, momentum"),
    ("image: three.png", "image: four.png", "image 'three.png' not found beside the lesson"),
    ("image: ../four.png", "image: four.png", "image must be a file beside the lesson, named relative to its folder"),
    ("image: /etc/passwd", "image: four.png", "image must be a file beside the lesson"),
    ("Loss {los:.2f}.", "Loss {loss:.2f}.", "unknown placeholder {los}; placeholders: {step}, {step_words}"),
    ("Loss {loss:.2x}.", "Loss {loss:.2f}.", "'.2x' is not a number format"),
    ("Now at step {step_verdict:.2f}.", "Now at step {step}.", "{step_verdict} is words and takes no format"),
    ("answer: Momentum", "answer: Adam", "answer must be one of the choices (SGD | Adam); got 'Momentum'"),
    ("run: slowly", "run: 40", "run must be 'lesson' (the lesson pace), 'fast' or steps a second"),
    ("reset: maybe", "reset: no", "reset must be yes or no"),
    ("link: teleport | Go", "link: lab1d | The 1-D lab", "a link's action must be one of compare, many-digits"),
    ("lr: 0", "lr: 0.01", "lr must be more than 0, got 0.0"),
    ("```python", "```filterlab", "only ```filterlab blocks are read in a lesson (got ```python)"),
]


@pytest.mark.parametrize("new,old,words", MISTAKES)
def test_each_mistake_is_one_line_naming_the_file_and_the_line(short, new, old, words):
    lines = SHORT.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if old in line and (old != "```filterlab" or i > 10))
    lines[number - 1] = lines[number - 1].replace(old, new)
    short.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        read_lesson(short)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{short}:{number}: ")
    assert words in message


def test_a_lesson_step_that_keeps_the_run_may_not_set_settings(short):
    short.write_text(SHORT.replace("reset: no\n", "reset: no\nfilters: 4\n"), encoding="utf-8")
    with pytest.raises(LessonError, match=r"short.md:\d+: 'filters' needs a fresh start"):
        read_lesson(short)


def test_an_image_that_links_out_of_the_folder_is_refused(short, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.png"
    Image.new("L", (28, 28)).save(outside)
    (tmp_path / "link.png").symlink_to(outside)
    short.write_text(SHORT.replace("image: four.png", "image: link.png"), encoding="utf-8")
    with pytest.raises(LessonError, match="leads outside the lesson's folder"):
        read_lesson(short)


def test_every_placeholder_is_documented():
    reference = (Path(__file__).parents[3] / "docs" / "lessons.md").read_text(encoding="utf-8")
    assert [name for name in PLACEHOLDERS if f"`{{{name}}}`" not in reference] == []


# ------------------------------------------------------------------ fuzz
SEED = 25  # the number: CI always tries the same inputs
TOKENS = ["{", "}", "{{", "{loss:", "{cosines:+.9f}", "```", "```filterlab", "## ", "### Question", "### Answer",
          "# ", ":", "|", "=", "..", "/", "\\x00", "reset: no", "train: 99999999", "image: four.png", "-> ", " <-",
          "**", "*", "<b>", "<sub>", "&", "label: 11", "compare: A |", "choices: A | A", "lr: nan", "seed: -1",
          "pixels: 254", "digit: 10", "sample: 1000", "link: compare | x", "\n", "\n\n", "é", "\ufeff"]


@st.composite
def mutated_lessons(draw):
    lines = SHORT.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "splice"]))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=12))
        if kind == "delete" and len(lines) > 1:
            del lines[at]
        elif kind == "insert":
            lines.insert(at, token)
        elif kind == "replace":
            lines[at] = token
        else:
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + token + lines[at][cut:]
    return "\n".join(lines)


@seed(SEED)
@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                 HealthCheck.function_scoped_fixture])
@given(text=mutated_lessons())
def test_a_mutated_lesson_reads_or_fails_with_one_clean_line(short, text):
    try:
        lesson = parse_lesson(text, short)
    except LessonError as error:
        message = str(error)
        assert "\n" not in message and re.match(rf"{re.escape(str(short))}:\d+: \S", message), message
        return
    for step in lesson.steps:  # what reads must also render, before and after a frame
        step.words.render(None, step.config)


def test_the_built_in_files_are_package_data():
    import tomllib
    project = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["package-data"]["filterlab.engine.lesson"] == ["lessons/*.md"]
    assert all(builtin_path(language).is_file() for language in LANGUAGES)


def test_the_teachers_guide_lesson_reads(tmp_path):
    readme = (Path(__file__).parents[3] / "docs" / "teaching.md").read_text(encoding="utf-8")
    text = re.search(r"````markdown\n(.*?)````", readme, re.S).group(1)
    from filterlab.engine.data import bundled_digit
    Image.fromarray((bundled_digit(7)[0] * 255).astype(np.uint8)).save(tmp_path / "my-seven.png")
    lesson = parse_lesson(text, tmp_path / "my-lesson.md")
    assert [s.title for s in lesson.steps] == ["1. One SGD step", "2. Guess first", "3. Let it run"]
    assert lesson.steps[0].hide == ("optimizer", "lr") and lesson.steps[1].question.reveal == "compare"


def test_a_drawn_digit_saved_as_a_step_reads_back_as_drawn(tmp_path):
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.lesson.authoring import Scene, append_step
    drawn = np.roll(bundled_digit(7)[0], 3, axis=1) * 0.8  # off-centre and faint: no bundled digit
    config = Config(optimizer="sgd", lr=0.0123456789, filters=4, seed=11)
    assert append_step(tmp_path / "mine.md", Scene(config, drawn, 7, 40, "one-step", ("filters",))) == 1
    assert append_step(tmp_path / "mine.md", Scene(Config(), bundled_digit(2)[0], 2, 0)) == 2
    first, second = read_lesson(tmp_path / "mine.md").steps
    assert (first.config, first.train, first.tab, first.spotlight, first.digit.label) == \
        (config, 40, "one-step", ("filters",), 7)
    assert first.digit.source == "image mine-step-1.png"
    np.testing.assert_allclose(first.digit.image, drawn, atol=0.5 / 255 + 1e-7)
    assert second.digit.source.startswith("sample ") and second.train == 0

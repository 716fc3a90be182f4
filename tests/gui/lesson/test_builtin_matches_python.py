"""The built-in lesson file against the Python lesson it replaces: the same states and the same words.

Each step's words are rendered from the file and from gui/lesson/steps.py for real snapshots of the state
the step sets up (step 0, one SGD step, one Adam step, runs under way, the formed filters, the article's
raw-pixel run), and compared as a reader sees them (tags and paragraph breaks aside). The one deliberate
change: "Now (Step 20)" is now "Now (step 20)".
"""
import re

import pytest

from filterlab.engine.core.config import Config
from filterlab.engine.digit.trainer import Trainer
from filterlab.engine.lesson.builtin import builtin_lesson
from filterlab.gui.lesson import steps as python

SGD = dict(optimizer="sgd", lr=0.01, weight_decay=0.0)


def visible(html: str) -> str:
    html = re.sub(r"</p>\s*<p[^>]*>", " ", html)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()
    return re.sub(r"Now \(Step ([\d,]+)(: nothing has been trained yet)?\.?\)", r"Now (step \1)", text)


@pytest.fixture(scope="module")
def snaps():
    def at(steps, **settings):
        trainer = Trainer(Config(**settings))
        if steps:
            trainer.step(steps)
        return trainer.snapshot()
    return {"start": at(0), "5": at(5), "sgd1": at(1, **SGD), "sgd20": at(20, **SGD), "adam1": at(1),
            "adam120": at(120), "formed": at(300), "raw": at(300, pixel_scale=255)}


CASES = [(0, None), (0, "start"), (0, "5"), (1, "start"), (2, "start"), (2, "5"), (3, "sgd1"), (4, "start"),
         (4, "sgd20"), (5, "adam1"), (6, "adam120"), (7, "start"), (8, "formed"), (9, "raw"), (10, None),
         (11, None)]


@pytest.mark.parametrize("index,snap", CASES)
def test_each_step_says_what_the_python_lesson_said(snaps, index, snap):
    lesson = builtin_lesson("en")
    snapshot = None if snap is None else snaps[snap]
    step = lesson.steps[index]
    assert step.title == python.STEPS[index].title
    assert visible(step.words.render(snapshot, step.config)) == visible(python.STEPS[index].text(snapshot))


def test_the_question_and_its_answer_match(snaps):
    step = builtin_lesson("en").steps[7]
    old = python.STEPS[7].question
    assert step.question.choices == old.choices and step.question.answer == old.answer
    assert visible(step.question.prompt.render(None, step.config)) == visible(old.prompt)
    assert visible(step.question.explain.render(snaps["start"], step.config)) == visible(old.explain(snaps["start"]))
    assert [(name, config) for name, config in step.compare] == \
        [(name, Config(seed=python.LESSON_SEED, **settings)) for name, settings in python.COMPARED]


def test_each_step_sets_the_state_the_python_lesson_set():
    """Settings, training and tab, as the Python steps' `enter` functions wrote them."""
    steps = builtin_lesson("en").steps
    sgd = Config(seed=0, **SGD)
    expected = [(Config(), 0, None, None), (Config(), 0, None, "prediction"), (Config(), 0, None, "prediction"),
                (sgd, 1, None, "one-step"), (sgd, 0, "lesson", None), (Config(), 1, None, "one-step"),
                (Config(), 0, "lesson", "learning-added"), (Config(), 0, None, None),
                (Config(), python.FORMED_STEP, None, None), (Config(pixel_scale=255), python.FORMED_STEP, None, None)]
    for step, (config, train, run, tab) in zip(steps, expected):
        assert (step.config, step.train, "lesson" if step.run == -1 else step.run, step.tab) == (config, train, run, tab)
        assert step.reset and step.digit.label == 4
    assert [s.reset for s in steps[10:]] == [False, False] and steps[10].run == -1 and steps[11].run is None
    assert steps[9].article and steps[10].article is False and steps[10].pixels == 1
    assert [[link.action for link in s.links] for s in steps] == [[]] * 9 + [
        ["raw-pixels", "pixels-0-1"], ["predict", "paint"], ["small-kernels", "many-digits", "lab1d"]]
    assert [[link.text for link in s.links] for s in steps][9:] == [[text for text, _ in s.links]
                                                                   for s in python.STEPS[9:]]

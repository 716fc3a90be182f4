"""The built-in lesson: a lesson file shipped in the package, one per language, read like any other.

`--lesson` and Help > Lesson open it in the system's language if it is written in it (else English);
`--lesson-language` chooses. The lesson's own framing words (the question's "Predict first:", "Right:")
come in the lesson's language too; the app's controls stay as they are.
"""
from __future__ import annotations

import locale
import os
from pathlib import Path
from typing import Optional

from filterlab.engine.lesson.lesson import Lesson
from filterlab.engine.lesson.reader import LessonError, read_lesson

FOLDER = Path(__file__).parent / "lessons"
LANGUAGES = ("en", "de")
QUESTION_WORDS = {
    "en": {"ask": "Predict first:", "right": "Right:", "wrong": "<b>Not quite</b> (you chose “{chosen}”): the answer is"},
    "de": {"ask": "Erst vorhersagen:", "right": "Richtig:",
           "wrong": "<b>Nicht ganz</b> (du hast „{chosen}“ gewählt): Die Antwort ist"},
}


def builtin_path(language: str) -> Path:
    return FOLDER / f"lesson.{language}.md"


def system_language() -> str:
    """The system's language if the built-in lesson is written in it, else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        value = os.environ.get(name, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return _known(value)
    try:
        return _known(locale.getlocale()[0] or "")
    except ValueError:
        return "en"


def _known(value: str) -> str:
    code = value.split(":")[0].split("_")[0].split(".")[0].split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def builtin_lesson(language: Optional[str] = None) -> Lesson:
    """The built-in lesson in `language` (None: the system's); LessonError for a language it is not written in."""
    language = language or system_language()
    if language not in LANGUAGES:
        raise LessonError(f"the built-in lesson is written in {', '.join(LANGUAGES)}; got '{language}'")
    return read_lesson(builtin_path(language))


def question_words(language: str) -> dict[str, str]:
    return QUESTION_WORDS.get(language, QUESTION_WORDS["en"])

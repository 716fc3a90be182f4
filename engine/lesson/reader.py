"""Reading a lesson file: Markdown for the words, one small block per step for the app's state.

    # The lesson's title
    ```filterlab
    language: en
    ```
    ## 1. A step's title
    ```filterlab
    optimizer: sgd
    lr: 0.01
    train: 1
    tab: one-step
    spotlight: one-step
    ```
    The step's words, with placeholders: the step's cosine is {last_step_cosine}.

    ### Question        (optional: asked before the answer is revealed)
    ### Answer

A lesson file is data: it is parsed here line by line, never evaluated; the only file it may name is an
image beside it (a relative path inside its folder). Every mistake is found when the file is opened and
raised as one LessonError line: "FILE:LINE: what is wrong; what is allowed".
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, Optional

import numpy as np
from PIL import Image

from filterlab.engine.core.config import INITS, OPTIMIZERS, Config, ConfigError
from filterlab.engine.core.user_files import shown
from filterlab.engine.data import DataError, bundled_digit, bundled_index, load_image_file
from filterlab.engine.lesson.lesson import (
    CONTROLS,
    LESSON_PACE,
    TABS,
    VIEWS,
    Digit,
    Lesson,
    Link,
    Question,
    Step,
    actions,
)
from filterlab.engine.lesson.placeholders import PLACEHOLDERS
from filterlab.engine.lesson.words import Words

MAX_BYTES = 1_000_000  # a lesson is words, not data
MAX_TRAIN = 100_000
SETTINGS = {"optimizer": "optimizer", "lr": "lr", "weight_decay": "weight_decay", "momentum": "momentum",
            "filters": "filters", "kernel": "kernel", "init": "init", "init_value": "init_value",
            "pixels": "pixel_scale", "seed": "seed"}
STEP_KEYS = (*SETTINGS, "digit", "sample", "image", "label", "reset", "train", "run", "article", "tab", "spotlight",
             "hide", "link", "compare", "choices", "answer", "reveal")
REPEATED = ("link", "compare")
HEADER_KEYS = ("language",)
SECTIONS = {"question": "prompt", "answer": "explain"}
FENCE = "```"
BLOCK = "filterlab"


class LessonError(ValueError):
    """A mistake in a lesson file, in one line: the file, the line, what is wrong and what is allowed."""


def read_lesson(path) -> Lesson:
    """The lesson in the file at `path`, checked whole; LessonError for the first mistake."""
    path = Path(path)
    try:
        if path.is_dir():
            raise LessonError(f"{shown(path)} is a folder; give a lesson file (.md)")
        if path.stat().st_size > MAX_BYTES:
            raise LessonError(f"{shown(path)}: a lesson file is at most {MAX_BYTES:,} bytes")
        raw = path.read_bytes()
    except OSError as error:
        raise LessonError(f"{shown(path)}: cannot read it ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LessonError(f"{shown(path)}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    return parse_lesson(text, path)


def parse_lesson(text: str, path) -> Lesson:
    """The lesson `text` holds; `path` names it in messages and is where its images are looked for."""
    return _Reader(text, Path(path)).lesson()


class _Section:
    def __init__(self, title: str, line: int):
        self.title, self.line = title, line
        self.block: Optional[list[tuple[int, str]]] = None
        self.block_line = line
        self.parts: dict[str, list[tuple[int, str]]] = {"words": [], "prompt": [], "explain": []}
        self.part_lines: dict[str, int] = {}


class _Reader:
    def __init__(self, text: str, path: Path):
        self.text, self.path = text, path
        self.folder = path.resolve().parent

    def fail(self, line: int, message: str) -> NoReturn:
        raise LessonError(f"{shown(self.path)}:{line}: {message}")

    # ------------------------------------------------------------------ the Markdown
    def lesson(self) -> Lesson:
        header, steps = self._sections()
        if header.title is None:
            self.fail(1, "a lesson starts with its title: a line '# The title'")
        if not steps:
            self.fail(len(self.text.splitlines()) or 1, "no steps: each step starts with a line '## Its title'")
        language = "en"
        for number, key, value in self._pairs(header, HEADER_KEYS):
            if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]{2,4})?", value):
                self.fail(number, f"language must be a language code such as en, de, es; got '{value}'")
            language = value
        if header.parts["prompt"] or header.parts["explain"]:
            self.fail(header.part_lines.get("prompt", header.part_lines.get("explain")),
                      "### Question and ### Answer belong to a step (under a '## ' heading)")
        intro = Words(tuple(header.parts["words"]))
        self._check_words(intro)
        return Lesson(header.title, language, tuple(self._step(s) for s in steps), self.path, intro)

    def _sections(self):
        header = _Section(None, 1)
        steps: list[_Section] = []
        section, part, block = header, "words", None
        lines = self.text.splitlines()
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if block is not None:
                if stripped == FENCE:
                    section.block, block = block, None
                else:
                    block.append((number, line))
                continue
            if stripped.startswith(FENCE):
                kind = stripped[len(FENCE):].strip()
                if kind != BLOCK:
                    self.fail(number, f"only ```{BLOCK} blocks are read in a lesson (got ```{kind})")
                if section.block is not None:
                    self.fail(number, f"a second ```{BLOCK} block in one step; put all its keys in one")
                block, section.block_line = [], number
                continue
            heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if heading:
                level, title = len(heading.group(1)), heading.group(2)
                if level == 1:
                    if not title:
                        self.fail(number, "the lesson's title is empty: write '# The title'")
                    if header.title is not None or steps:
                        self.fail(number, "only the first heading is '# ' (the lesson's title); a step is '## '")
                    header.title = title
                elif level == 2:
                    if not title:
                        self.fail(number, "a step's heading needs a title")
                    section, part = _Section(title, number), "words"
                    steps.append(section)
                elif level == 3 and title.lower() in SECTIONS:
                    part = SECTIONS[title.lower()]
                    if part in section.part_lines:
                        self.fail(number, f"a second '### {title}' in one step")
                    section.part_lines[part] = number
                else:
                    self.fail(number, "headings: '# ' the lesson's title, '## ' a step, '### Question' and "
                                      f"'### Answer' inside a step; got '{line.strip()}'")
                continue
            section.parts[part].append((number, line))
        if block is not None:
            self.fail(section.block_line, f"the ```{BLOCK} block is not closed (a line ``` ends it)")
        return header, steps

    def _pairs(self, section: _Section, allowed) -> list[tuple[int, str, str]]:
        pairs: list[tuple[int, str, str]] = []
        seen: dict[str, int] = {}  # key -> the line it is first given on
        for number, line in section.block or ():
            if not line.strip() or line.strip().startswith("#"):
                continue
            key, colon, value = line.partition(":")
            key = key.strip().lower().replace("-", "_").replace(" ", "_")
            if not colon or not re.fullmatch(r"[a-z_0-9]+", key):
                self.fail(number, f"a block line is 'key: value'; got '{line.strip()}'")
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {near[0]}?)" if near else ""
                self.fail(number, f"unknown key '{key}'{hint}; allowed: {', '.join(allowed)}")
            if key in seen and key not in REPEATED:
                self.fail(number, f"'{key}' is given twice in this step (first on line {seen[key]})")
            seen.setdefault(key, number)
            pairs.append((number, key, value.strip()))
        return pairs

    def _check_words(self, words: Words) -> None:
        problem = words.problem()
        if problem:
            self.fail(problem[0], f"{problem[1]}; placeholders: "
                                  + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS))

    # ------------------------------------------------------------------ one step
    def _step(self, section: _Section) -> Step:
        values: dict[str, tuple[int, str]] = {}  # key -> (line, value)
        settings: dict = {}
        lines: dict[str, int] = {}
        links, runs = [], []
        for number, key, value in self._pairs(section, STEP_KEYS):
            lines.setdefault(key, number)
            if key in SETTINGS:
                settings[SETTINGS[key]] = self._setting(number, key, value)
            elif key == "link":
                links.append((number, value))
            elif key == "compare":
                runs.append((number, value))
            else:
                values[key] = (number, value)
        given = tuple(lines)
        reset = self._yes_no(*values["reset"], "reset") if "reset" in values else True
        config = self._config(section.block_line, settings, lines=lines)
        if not reset:
            extra = [key for key in SETTINGS if key in lines and key != "pixels"] + \
                [key for key in ("digit", "sample", "image", "label", "train") if key in lines]
            if extra:
                self.fail(lines[extra[0]], f"'{extra[0]}' needs a fresh start; with 'reset: no' a step keeps the run "
                                           "on screen and may set only pixels, article, run, tab, spotlight, hide")
        step = Step(title=section.title, words=Words(tuple(section.parts["words"])), line=section.line,
                    config=config, reset=reset, given=given,
                    digit=self._digit(values, config.pixel_scale) if reset else None,
                    pixels=settings.get("pixel_scale") if not reset else None)
        self._check_words(step.words)
        changes: dict = {}
        if "train" in values:
            changes["train"] = self._int(*values["train"], "train", 0, MAX_TRAIN)
        if "run" in values:
            if "train" in values:
                self.fail(values["run"][0], "give 'train: N' (train N steps, then pause) or 'run: …' (keep "
                                            "training), not both")
            changes["run"] = self._run(*values["run"])
        if "article" in values:
            changes["article"] = self._yes_no(*values["article"], "article")
        if "tab" in values:
            changes["tab"] = self._choice(*values["tab"], "tab", TABS)
        if "spotlight" in values:
            changes["spotlight"] = self._names(*values["spotlight"], "spotlight", VIEWS)
        if "hide" in values:
            changes["hide"] = self._names(*values["hide"], "hide", CONTROLS)
        changes["compare"] = tuple(self._compare(number, value, config) for number, value in runs)
        changes["links"] = tuple(self._link(number, value, changes["compare"]) for number, value in links)
        changes["question"] = self._question(section, values, changes["compare"])
        return replace(step, **changes)

    def _setting(self, number: int, key: str, value: str):
        if key in ("optimizer", "init"):
            return self._choice(number, value.lower(), key, OPTIMIZERS if key == "optimizer" else INITS)
        if key in ("filters", "kernel", "seed"):
            return self._int(number, value, key, *{"filters": (1, 64), "kernel": (3, 28), "seed": (0, 2**63 - 1)}[key])
        if key == "pixels":
            return int(self._choice(number, value.replace("-", " ").split()[-1] if value else value, key,
                                    ("1", "255")))
        return self._float(number, value, key)

    def _config(self, line: int, settings: dict, where: str = "", lines: Optional[dict] = None) -> Config:
        """The settings as a checked Config; a refused one is reported on its own key's line where known."""
        try:
            return Config(**settings)
        except ConfigError as error:
            for key, field in SETTINGS.items():
                if lines and key in lines and field in settings:
                    try:
                        Config(**{field: settings[field]})
                    except ConfigError:
                        line = lines[key]
                        break
            self.fail(line, f"{where}{error}")

    def _float(self, number: int, value: str, key: str) -> float:
        try:
            result = float(value.replace("_", ""))
        except ValueError:
            result = math.nan
        if not math.isfinite(result) or result < 0:
            self.fail(number, f"{key} must be a number, 0 or more (e.g. 0.001 or 1e-5); got '{value}'")
        return result

    def _int(self, number: int, value: str, key: str, low: int, high: int) -> int:
        text = value.replace(",", "").replace("_", "")
        if not re.fullmatch(r"\d+", text):
            self.fail(number, f"{key} must be a whole number from {low:,} to {high:,}; got '{value}'")
        result = int(text)
        if not low <= result <= high:
            self.fail(number, f"{key} must be from {low:,} to {high:,}; got {result:,}")
        return result

    def _choice(self, number: int, value: str, key: str, allowed) -> str:
        if value not in allowed:
            self.fail(number, f"{key} must be one of {', '.join(allowed)}; got '{value}'")
        return value

    def _names(self, number: int, value: str, key: str, allowed) -> tuple[str, ...]:
        names = tuple(name.strip().lower() for name in value.split(",") if name.strip())
        for name in names:
            self._choice(number, name, key, allowed)
        return names

    def _yes_no(self, number: int, value: str, key: str) -> bool:
        word = value.lower()
        if word not in ("yes", "no", "on", "off"):
            self.fail(number, f"{key} must be yes or no (on or off); got '{value}'")
        return word in ("yes", "on")

    def _run(self, number: int, value: str) -> float:
        if value.lower() == "lesson":
            return LESSON_PACE
        if value.lower() == "fast":
            return 0.0
        try:
            rate = float(value.lower().replace("steps/s", "").strip())
        except ValueError:
            rate = math.nan
        if not (math.isfinite(rate) and 0 < rate <= 1_000_000):
            self.fail(number, f"run must be 'lesson' (the lesson pace), 'fast' or steps a second (e.g. 50); got "
                              f"'{value}'")
        return rate

    # ------------------------------------------------------------------ the digit
    def _digit(self, values: dict[str, tuple[int, str]], pixel_scale: int) -> Optional[Digit]:
        given = [key for key in ("digit", "sample", "image") if key in values]
        if len(given) > 1:
            self.fail(values[given[1]][0], f"give one of digit, sample, image; this step gives {' and '.join(given)}")
        label = self._int(*values["label"], "label", 0, 9) if "label" in values else None
        if not given:
            if label is not None:
                self.fail(values["label"][0], "label goes with a digit, a sample or an image")
            return None
        key = given[0]
        number, value = values[key]
        if key == "digit":
            image, own = bundled_digit(self._int(number, value, "digit", 0, 9))
        elif key == "sample":
            image, own = bundled_index(self._int(number, value, "sample", 0, 999))
        else:
            image = self._image(number, value)
            if label is None:
                self.fail(number, "an image needs its label: add 'label: N' (0-9)")
            own = label
        return Digit(image, own if label is None else label, f"{key} {value}")

    def _image(self, number: int, value: str):
        relative = Path(value)
        if not value or relative.is_absolute() or ".." in relative.parts or value.startswith("~"):
            self.fail(number, f"image must be a file beside the lesson, named relative to its folder (e.g. four.png); "
                              f"got '{value}'")
        try:
            target = (self.folder / relative).resolve()
            inside, found = target.is_relative_to(self.folder), target.is_file()
        except (OSError, ValueError):
            inside = found = False
        if not inside:
            self.fail(number, f"image '{value}' leads outside the lesson's folder")
        if not found:
            self.fail(number, f"image '{value}' not found beside the lesson (in {shown(self.folder)})")
        try:
            image = load_image_file(target)  # checked and made MNIST-style, as File > Open image… does
        except DataError as error:
            self.fail(number, f"image '{value}': {error}")
        with Image.open(target) as exact:  # a 28 x 28 grayscale digit (as Filter Lab saves one) is used as it is
            if exact.size == (28, 28) and exact.mode == "L":
                image = np.asarray(exact, np.float32) / 255
        return image

    # ------------------------------------------------------------------ links and questions
    def _compare(self, number: int, value: str, config: Config) -> tuple[str, Config]:
        name, bar, rest = value.partition("|")
        name = name.strip()
        if not bar or not name:
            self.fail(number, "compare is 'Its name | key=value, …' (e.g. 'SGD | optimizer=sgd, lr=0.01'); got "
                              f"'{value}'")
        settings = {"seed": config.seed}
        for item in (part.strip() for part in rest.split(",")):
            if not item:
                continue
            key, equals, setting = item.partition("=")
            key = key.strip().lower().replace("-", "_")
            if not equals or key not in SETTINGS:
                self.fail(number, f"compare's settings are key=value with key one of {', '.join(SETTINGS)}; got "
                                  f"'{item}'")
            settings[SETTINGS[key]] = self._setting(number, key, setting.strip())
        return name, self._config(number, settings, f"compare '{name}': ")

    def _link(self, number: int, value: str, runs) -> Link:
        action, bar, text = (part.strip() for part in value.partition("|"))
        self._choice(number, action.lower(), "a link's action", tuple(actions()))
        if not bar or not text:
            self.fail(number, f"link is 'action | the button's words' (e.g. 'paint | Paint on a filter'); got '{value}'")
        self._needs_runs(number, action.lower(), runs)
        return Link(action.lower(), text)

    def _needs_runs(self, number: int, action: str, runs) -> None:
        if action == "compare" and len(runs) < 2:
            self.fail(number, "'compare' opens the step's runs side by side: give two or more 'compare: Name | "
                              "key=value, …' lines")

    def _question(self, section: _Section, values: dict[str, tuple[int, str]], runs) -> Optional[Question]:
        keys = [key for key in ("choices", "answer", "reveal") if key in values]
        parts = [part for part in ("prompt", "explain") if section.part_lines.get(part)]
        if not keys and not parts:
            return None
        line = values[keys[0]][0] if keys else section.part_lines[parts[0]]
        for key in ("choices", "answer"):
            if key not in values:
                self.fail(line, f"a question needs 'choices: A | B | C', 'answer: …', '### Question' and "
                                f"'### Answer'; this step has no '{key}'")
        for part, heading in (("prompt", "Question"), ("explain", "Answer")):
            if part not in parts:
                self.fail(line, f"a question needs its words under '### {heading}'")
        number, text = values["choices"]
        choices = tuple(choice.strip() for choice in text.split("|"))
        if len(choices) < 2 or not all(choices) or len(set(choices)) != len(choices):
            self.fail(number, f"choices are two or more different answers between | (e.g. 'SGD | Adam'); got '{text}'")
        number, answer = values["answer"]
        if answer not in choices:
            self.fail(number, f"answer must be one of the choices ({' | '.join(choices)}); got '{answer}'")
        reveal = None
        if "reveal" in values:
            number, reveal = values["reveal"]
            reveal = self._choice(number, reveal.lower(), "reveal", tuple(actions()))
            self._needs_runs(number, reveal, runs)
        prompt, explain = (Words(tuple(section.parts[part])) for part in ("prompt", "explain"))
        for words in (prompt, explain):
            self._check_words(words)
        return Question(prompt, choices, choices.index(answer), explain, reveal)

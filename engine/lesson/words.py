"""A lesson's words: a small Markdown, with placeholders filled from the snapshot on screen, made into the
rich text the lesson panel shows.

What the words may hold (all of it documented in README's "Teaching with it"):
- paragraphs, separated by a blank line; the lines of one paragraph are joined;
- `**bold**` and `*italic*`; `<sub>…</sub>` and `<sup>…</sup>` for formulas; any other `<`, `>`, `&` is shown as
  written;
- a paragraph written `-> … <-` is centred (a formula on its own line);
- `{name}` or `{name:format}`: a placeholder (engine/lesson/placeholders.py); `{{` and `}}` are braces.
A paragraph with a placeholder that has nothing to show yet is left out.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Optional

from filterlab.engine.lesson.placeholders import check_spec, fill

TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?$", re.S)
TAGS = re.compile(r"&lt;(/?)(sub|sup)&gt;")
BOLD, ITALIC = re.compile(r"\*\*(.+?)\*\*", re.S), re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", re.S)
CENTRED = "<p style='text-align:center'>"


@dataclass(frozen=True)
class Words:
    """Markdown with placeholders, and the line of the file each of its lines came from."""

    lines: tuple[tuple[int, str], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines).strip()

    def problem(self) -> Optional[tuple[int, str]]:
        """The first placeholder that cannot be filled, as (file line, what is wrong); None if all can."""
        for number, line in self.lines:
            for match in TOKEN.finditer(line):
                token = match.group(0)
                if token in ("{{", "}}"):
                    continue
                if token in ("{", "}"):
                    return number, f"a lone '{token}' (write {{{{ or }}}} for a brace, {{name}} for a placeholder)"
                parsed = NAME.match(match.group(1))
                if parsed is None:
                    return number, f"{token} is not a placeholder name (letters, digits and _)"
                problem = check_spec(parsed.group(1), parsed.group(2))
                if problem:
                    return number, problem
        return None

    def render(self, snap, config, language: str = "en") -> str:
        """The words as rich text, with the numbers of `snap` (None: before the first frame)."""
        out = []
        for paragraph in re.split(r"\n\s*\n", self.text):
            paragraph = " ".join(part.strip() for part in paragraph.splitlines()).strip()
            if not paragraph:
                continue
            centred = paragraph.startswith("->") and paragraph.endswith("<-")
            if centred:
                paragraph = paragraph[2:-2].strip()
            body = _fill(paragraph, snap, config, language)
            if body is not None:
                out.append((CENTRED if centred else "<p>") + _inline(body) + "</p>")
        return "".join(out)


def _fill(paragraph: str, snap, config, language: str) -> Optional[str]:
    """Escaped text with the placeholders filled; None if one of them has nothing to show."""
    parts, last = [], 0
    for match in TOKEN.finditer(paragraph):
        parts.append(html.escape(paragraph[last:match.start()], quote=False))
        last = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        name, _, spec = match.group(1).partition(":")
        value = fill(name, spec if ":" in match.group(1) else None, snap, config, language)
        if value is None:
            return None
        parts.append(html.escape(value, quote=False))
    parts.append(html.escape(paragraph[last:], quote=False))
    return TAGS.sub(r"<\1\2>", "".join(parts))


def _inline(text: str) -> str:
    return ITALIC.sub(r"<i>\1</i>", BOLD.sub(r"<b>\1</b>", text))

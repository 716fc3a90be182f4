"""A run as a Python script or a Jupyter notebook, from its record (engine/export/record.py).

Both are made of the same blocks (engine/export/code.py): the script is one file whose
comments carry the lesson's words, the notebook a Markdown cell before each code cell
(nbformat), and its code cells, run top to bottom, are the script. Both are written
atomically (engine/core/files.py).
"""
from __future__ import annotations

import textwrap
from pathlib import Path

from filterlab.engine.core.files import save_atomic
from filterlab.engine.export.code import blocks, exactness, summary, timeline
from filterlab.engine.export.record import RunRecord
from filterlab.engine.export.sets import set_blocks

RULE = "# " + "-" * 98


def script_text(record: RunRecord, name: str = "run.py") -> str:
    """The whole script: a docstring that says what it is and how to run it, then the blocks."""
    count = record.config.filters
    k = record.config.kernel
    doc = [f"Filter Lab, exported: {summary(record)}.", ""]
    doc += _notice(record)
    doc += ["Plain PyTorch, numpy and matplotlib: the run as Filter Lab trained it, step for step, with what was",
            "done while it trained. Run it as", "", f"    python {name}            (or: python {name} --out DIR)", "",
            f"It trains the same steps and writes filters.npy (the final filters, {count} x {k} x {k}) and",
            "filters.png (the filters before and after, the loss, the cosines) into the current folder (or DIR).",
            "Its final filters are Filter Lab's to float rounding."]
    events = timeline(record)
    if events:
        doc += ["", "While it trained:", *(f"  {line}" for line in events)]
    parts = ['"""' + "\n".join(doc) + '\n"""']
    for number, block in enumerate(_blocks(record), start=1):
        comment = textwrap.wrap(block.text, 100, initial_indent="# ", subsequent_indent="# ")
        parts.append("\n".join([RULE, f"# {number}. {block.title}", RULE, *comment, block.code]))
    return "\n\n\n".join(parts) + "\n"


def notebook(record: RunRecord):
    """An nbformat v4 notebook: a title, then a Markdown cell and a code cell per block."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    intro = [f"# Filter Lab, exported: {summary(record)}", ""]
    notice = _notice(record)
    if notice:
        intro += ["**" + " ".join(line for line in notice if line) + "**", ""]
    intro += ["The run as Filter Lab trained it, step for step, in plain PyTorch. Run the cells top to bottom: "
              "they train the same steps and write `filters.npy` (the final filters) and `filters.png` here."]
    events = timeline(record)
    if events:
        intro += ["", "While it trained:", "", *(f"* {line}" for line in events)]
    cells = [new_markdown_cell("\n".join(intro))]
    for number, block in enumerate(_blocks(record, notebook=True), start=1):
        cells += [new_markdown_cell(f"## {number}. {block.title}\n\n{block.text}"), new_code_cell(block.code)]
    book = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"},
                                               "language_info": {"name": "python"}})
    nbformat.validate(book)
    return book


def write_script(record: RunRecord, path) -> None:
    path = Path(path)
    text = script_text(record, path.name)
    save_atomic(path, lambda temp: Path(temp).write_text(text, encoding="utf-8"))


def write_notebook(record: RunRecord, path) -> None:
    import nbformat
    book = notebook(record)
    save_atomic(path, lambda temp: nbformat.write(book, temp))


def _notice(record: RunRecord) -> list[str]:
    lines = exactness(record)
    return lines + [""] if lines else []


def _blocks(record: RunRecord, notebook: bool = False) -> list:
    return (blocks if record.digit_set is None else set_blocks)(record, notebook)

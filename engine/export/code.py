"""A run written out as plain PyTorch: the blocks of code a script and a notebook are made of.

Each `Block` is one idea of the lesson — the digit, the model, the optimizer, one step,
the run as it went, what came out — with a paragraph that says it in the lesson's words
and the code that does it. engine/export/files.py joins them into a script (the
paragraphs become comments) or a notebook (they become Markdown cells).

The code is the article's model (`nn.Sequential` of Conv2d, Flatten, Linear) with
`torch.optim` as written; Filter Lab trains the same maths as a fused chunk of steps
(engine/core/chunk.py), so the two agree to float rounding (tests/engine/export). What
the user did while it trained comes from the journal (engine/export/record.py) and is
written at the step it came, as the line of code that does the same.
"""
from __future__ import annotations

import numpy as np

from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.core.journal import Edit
from filterlab.engine.export.literals import array_2d
from filterlab.engine.export.record import Digit, RunRecord
from filterlab.engine.export.start import (
    Block,
    digit_block,
    digit_lines,
    imports_block,
    make_optimizer,
    model_block,
    optimizer_block,
    optimizer_words,
    setting,
)

LIVE = ("lr", "weight_decay", "momentum")  # what a change of settings can set on a running optimizer
NAMES = {"lr": "learning rate", "weight_decay": "weight decay", "momentum": "momentum"}


def blocks(record: RunRecord, notebook: bool = False) -> list[Block]:
    """The run's blocks in order: what it needs, where it starts, how a step goes, the run, what came out."""
    return [imports_block(record, notebook), digit_block(record), model_block(record), optimizer_block(record),
            _step(record), run_block(record), _results(record), _pictures(record)]


def summary(record: RunRecord) -> str:
    """One line: what was trained, on what, how long."""
    c = record.config
    on = (f"one digit {record.digits[0].label}" if record.digit_set is None else
          f"{record.digit_set.description}, minibatches of {record.digit_set.batch_size}")
    return (f"{c.filters} filter{'s' if c.filters > 1 else ''} of {c.kernel}x{c.kernel} trained on {on} for "
            f"{record.steps:,} steps ({optimizer_words(c)})")


def exactness(record: RunRecord) -> list[str]:
    """Lines for the top of the script: from which step it is exact, and anything else it cannot redo."""
    lines = []
    if record.start > 0:
        lines += [f"EXACT FROM STEP {record.start:,} ONLY: this run was opened from a saved session at step "
                  f"{record.start:,}.", "A session keeps the state it was saved in, not what was done before it "
                  "(the settings, digits and painted", f"filters of steps 1-{record.start:,}), so this script "
                  f"starts from that state (embedded below, packed)", "and reproduces the run exactly from there."]
    if record.device.startswith("cuda"):
        lines += ["Filter Lab trained this run on a GPU; this script trains on the CPU: the same maths, the last",
                  "digits of float rounding may differ."]
    if record.diverged:
        lines += [f"In Filter Lab the run stopped: {record.diverged}."]
    return lines


def timeline(record: RunRecord) -> list[str]:
    """What happened while it trained, one line each ('step 120: learning rate 0.001 -> 0.01')."""
    lines = [f"step {digit.step:,}: a new digit, a {digit.label}" for digit in record.digits[1:]]
    config = record.config
    for event in record.events:
        if isinstance(event, Edit):
            lines.append(f"step {event.step:,}: {_edit_words(event)}")
        else:
            words = _change_words(config, event.config)
            config = event.config
            if words:
                lines.append(f"step {event.step:,}: {words}")
    return sorted(lines, key=lambda line: int(line.split(":")[0][5:].replace(",", "")))


# ----------------------------------------------------------------------- the blocks
def _step(record: RunRecord) -> Block:
    full = record.config.kernel == IMAGE_SIZE
    cosine = (["    w = filters.reshape(len(filters), -1).astype(np.float64)",
               "    w = w - w.mean(axis=1, keepdims=True)",
               "    d = image.reshape(-1).astype(np.float64)",
               "    d = d - d.mean()",
               "    norms = np.linalg.norm(w, axis=1) * np.linalg.norm(d)",
               "    return np.divide(w @ d, norms, out=np.zeros(len(w)), where=norms > 0)"] if full else
              ["    count, k, _ = filters.shape",
               "    patches = np.lib.stride_tricks.sliding_window_view(image.astype(np.float64), (k, k))",
               "    patches = patches.reshape(-1, k * k)",
               "    w = filters.reshape(count, -1).astype(np.float64)",
               "    patch = patches[(w @ patches.T).argmax(axis=1)]  # the patch each filter responds to most",
               "    w = w - w.mean(axis=1, keepdims=True)",
               "    patch = patch - patch.mean(axis=1, keepdims=True)",
               "    norms = np.linalg.norm(w, axis=1) * np.linalg.norm(patch, axis=1)",
               "    return np.divide((w * patch).sum(axis=1), norms, out=np.zeros(count), where=norms > 0)"])
    what = "the digit" if full else "the patch of the digit it responds to most"
    lines = ["losses, cosines = [], []  # one of each per step", "", "", *FILTERS_NOW, "", "",
             "def cosine_to_digit(filters, image):",
             f"    \"\"\"How much each filter looks like {what}: the cosine of the two, each minus its mean",
             "    (1: the digit, -1: its negative, 0: unrelated).\"\"\"", *cosine, "", "",
             "def train(steps):",
             "    \"\"\"`steps` steps of gradient descent on the digit x, labelled y.\"\"\"",
             "    for _ in range(steps):",
             "        optimizer.zero_grad()  # forget the last step's gradients",
             "        loss = loss_fn(model(x), y)  # forward: how wrong the network is about this digit",
             "        loss.backward()  # backward: dL/dw for every weight (for a filter: dL/dz times the digit)",
             "        optimizer.step()  # every weight moves a little against its gradient",
             "        losses.append(loss.item())",
             "        cosines.append(cosine_to_digit(filters_now(), image))", *paint_lines(record)]
    return Block("One step of training", "A step is forward (the class scores of the digit), the loss, backward "
                 "(the gradient of the loss for every weight), and the optimizer's move. After each step we keep "
                 "the loss and each filter's cosine to the digit, to watch them change.", "\n".join(lines))


FILTERS_NOW = ["def filters_now():", "    \"\"\"The filters as numpy: (filters, k, k).\"\"\"",
               "    return model[0].weight.detach()[:, 0].numpy().copy()"]


def paint_lines(record: RunRecord) -> list[str]:
    """paint(), if the run has filters painted mid-run."""
    if not any(isinstance(event, Edit) for event in record.events):
        return []
    return ["", "", "def paint(k, weights, forget_memory):",
            "    \"\"\"Filter k (counted from 0) becomes `weights`, as when you paint on it in Filter Lab;",
            "    `forget_memory`: the optimizer's running averages for it start again from 0.\"\"\"",
            "    with torch.no_grad():", "        model[0].weight[k, 0] = torch.tensor(weights)",
            "        if forget_memory:", "            for slot in optimizer.state[model[0].weight].values():",
            "                if torch.is_tensor(slot) and slot.dim() == 4:  # Adam's moments, SGD's momentum",
            "                    slot[k] = 0"]


def run_block(record: RunRecord) -> Block:
    """train(n) between the things that happened, each written at its step."""
    happenings = [(d.step, 0, d) for d in record.digits[1:]] + [(e.step, 1, e) for e in record.events]
    lines, done, config = [], record.start, record.config
    for step, _, what in sorted(happenings, key=lambda item: (item[0], item[1])):
        lines += _train(done, step)
        done = step
        if isinstance(what, Digit):
            lines += ["", f"# {_when(step)} you gave it a new digit, a {what.label}: the filters carry on from "
                      "where they are.", *digit_lines(what, f"PIXELS_AT_{step}")]
        elif isinstance(what, Edit):
            name = f"FILTER_{what.filter + 1}_AT_{step}"
            assert what.weights is not None  # a record keeps only the edits whose weights it knows
            lines += ["", f"# {_when(step)} {_edit_words(what)}.", *array_2d(name, what.weights),
                      f"paint({what.filter}, {name}, forget_memory={what.reset_optimizer})"]
        else:
            change = _change_lines(config, what.config, step)
            config = what.config
            lines += change
    lines += _train(done, record.steps)
    if record.steps == record.start:
        lines += ["train(0)  # the run had not trained yet"]
    text = (f"The run as it went in Filter Lab: {record.steps - record.start:,} steps, and what you did while it "
            "trained, each at the step it came." if len(lines) > 1 else
            f"The run as it went in Filter Lab: {record.steps - record.start:,} steps.")
    return Block("The run, step by step", text, "\n".join(lines).strip("\n"))


def _when(step: int) -> str:
    return "Before the first step" if step == 0 else f"After step {step:,}"


def _train(done: int, step: int) -> list[str]:
    if step <= done:
        return []
    return [f"train({step - done})  # steps {done + 1:,} to {step:,}" if step - done > 1 else
            f"train(1)  # step {step:,}"]


def _change_lines(old: Config, new: Config, step: int) -> list[str]:
    words = _change_words(old, new)
    if not words:
        return []  # only how often the app records: nothing the training sees
    lines = ["", f"# {_when(step)} you changed the {words}."]
    if new.optimizer != old.optimizer:
        return lines + [f"optimizer = {make_optimizer(new)}  # a new optimizer: its memory starts empty"]
    fields = [name for name in LIVE if getattr(old, name) != getattr(new, name)
              and not (name == "momentum" and new.optimizer == "adam")]
    if fields:
        lines += ["for group in optimizer.param_groups:"]
        lines += [f"    group[\"{name}\"] = {setting(getattr(new, name))}" for name in fields]
    return lines


def _change_words(old: Config, new: Config) -> str:
    if new.optimizer != old.optimizer:
        return f"optimizer to {optimizer_words(new)}"
    return ", ".join(f"{NAMES[name]} from {setting(getattr(old, name))} to {setting(getattr(new, name))}"
                     for name in LIVE if getattr(old, name) != getattr(new, name))


def _edit_words(edit: Edit) -> str:
    memory = "its optimizer memory reset" if edit.reset_optimizer else "the optimizer's memory of it kept"
    return f"you painted filter {edit.filter + 1} by hand ({memory})"


def _results(record: RunRecord) -> Block:
    lines = ["final = filters_now()", "np.save(OUT / \"filters.npy\", final)",
             "print(f\"{len(losses)} steps, final loss {losses[-1]:.4g}\" if losses else \"no steps trained\")",
             "print(\"cosine of each filter to the digit:\", np.round(cosine_to_digit(final, image), 3))"]
    ours = ("no steps trained" if record.final_loss is None else
            f"{record.steps:,} steps, final loss {record.final_loss:.4g}")
    text = (f"The final filters go to filters.npy. Filter Lab's own numbers for this run: {ours}, cosine of each "
            f"filter to the digit {np.round(record.final_cosine, 3).tolist()}. The code prints the same, to float "
            "rounding.")
    return Block("What came out", text, "\n".join(lines))


def _pictures(record: RunRecord) -> Block:
    title = ["        cosine = cosine_to_digit(filters[k:k + 1], image)[0]",
             "        axis.set_title(f\"{when}, filter {k + 1}\\ncosine {cosine:.2f}\", fontsize=8)"]
    right = ["if cosines:",
             "    right_axis.plot(steps, np.array(cosines))",
             "right_axis.set(xlabel=\"step\", ylim=(-1, 1), title=\"each filter's cosine to the digit\")"]
    return Block("The pictures", "The filters before and after (red above 0, blue below), the loss falling and "
                 "each filter's cosine to the digit climbing, step by step.",
                 "\n".join(picture_lines(record, title, right)))


def picture_lines(record: RunRecord, title: list[str], right: list[str]) -> list[str]:
    """filters.png: the filters before and after (each titled by `title`), the loss, and `right` beside it."""
    before, after = f"step {record.start:,}", f"step {record.steps:,}"
    return ["count = len(final)",
            "columns = max(min(count, 8), 2)",
            "rows = -(-count // columns)  # rows of filters, before and after",
            "figure = plt.figure(figsize=(1.7 * columns + 1, 3.6 * rows + 3))",
            "grid = figure.add_gridspec(2 * rows + 1, columns, height_ratios=[1] * (2 * rows) + [1.7], hspace=0.6)",
            f"for first_row, filters, when in ((0, initial, \"{before}\"), (rows, final, \"{after}\")):",
            "    for k in range(count):",
            "        axis = figure.add_subplot(grid[first_row + k // columns, k % columns])",
            "        axis.axis(\"off\")",
            "        top_value = np.abs(filters[k]).max() or 1.0  # 0 is white: red above, blue below",
            "        axis.imshow(filters[k], cmap=\"RdBu_r\", vmin=-top_value, vmax=top_value)",
            *title,
            "loss_axis = figure.add_subplot(grid[-1, :columns // 2])",
            "right_axis = figure.add_subplot(grid[-1, columns // 2:])",
            f"steps = np.arange({record.start + 1}, {record.start + 1} + len(losses))",
            "loss_axis.plot(steps, losses)",
            "loss_axis.set(xlabel=\"step\", ylabel=\"loss\", title=\"the loss\")",
            *right,
            "figure.savefig(OUT / \"filters.png\", dpi=90, bbox_inches=\"tight\")",
            "print(\"wrote\", OUT / \"filters.npy\", \"and\", OUT / \"filters.png\")"]

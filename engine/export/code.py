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

from dataclasses import dataclass

import numpy as np

from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.core.journal import Edit
from filterlab.engine.export.literals import array_2d, array_3d, packed, pixel_rows, whole_pixels
from filterlab.engine.export.record import Digit, RunRecord

LIVE = ("lr", "weight_decay", "momentum")  # what a change of settings can set on a running optimizer
NAMES = {"lr": "learning rate", "weight_decay": "weight decay", "momentum": "momentum"}
SEQUENTIAL = {"conv.weight": "0.weight", "conv.bias": "0.bias", "fc.weight": "2.weight", "fc.bias": "2.bias"}


@dataclass(frozen=True)
class Block:
    title: str
    text: str   # what the block does, in the lesson's words (a comment, or a Markdown cell)
    code: str


# ------------------------------------------------------------------------ the whole
def blocks(record: RunRecord, notebook: bool = False) -> list[Block]:
    return [_imports(record, notebook), _digit(record), _model(record), _optimizer(record), _step(record),
            _run(record), _results(record), _pictures(record)]


def summary(record: RunRecord) -> str:
    """One line: what was trained, on what, how long."""
    c = record.config
    return (f"{c.filters} filter{'s' if c.filters > 1 else ''} of {c.kernel}x{c.kernel} trained on one digit "
            f"{record.digits[0].label} for {record.steps:,} steps ({_optimizer_words(c)})")


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
def _imports(record: RunRecord, notebook: bool) -> Block:
    lines = ([] if notebook else ["import argparse"]) + (["import base64"] if record.state else [])
    lines += ["from pathlib import Path", "", "import matplotlib.pyplot as plt", "import numpy as np", "import torch",
              "from torch import nn", "",
              "torch.set_num_threads(1)  # a model this small is fastest on one thread (and so Filter Lab trains it)"]
    if notebook:
        lines += ["OUT = Path(\".\")  # where filters.npy and filters.png go"]
    else:
        lines += ["", "parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
                  "parser.add_argument(\"--out\", type=Path, default=Path(\".\"),",
                  "                    help=\"the folder for filters.npy and filters.png (default: here)\")",
                  "OUT = parser.parse_args().out", "OUT.mkdir(parents=True, exist_ok=True)"]
    return Block("What it needs", "PyTorch for the network and its training, numpy for the numbers, matplotlib "
                 "for the pictures.", "\n".join(lines))


def _digit(record: RunRecord) -> Block:
    scale = record.config.pixel_scale
    if scale == 1:
        feed = ["    return torch.tensor(image, dtype=torch.float32)[None, None]"]
        words = ("The network is fed the pixels as they are, 0 to 1 (Filter Lab's pixels; the article's script "
                 "fed 0-255, see --original).")
    else:
        feed = ["    raw = np.rint(image.astype(np.float64) * 255)  # 0-255, as the article's script read its 4.png",
                "    return torch.tensor(raw, dtype=torch.float32)[None, None]"]
        words = ("The network is fed the raw pixels 0-255, as the article's script read its digit with OpenCV: "
                 "every response z = w · x + b is 255 times larger than with pixels 0-1, the softmax saturates "
                 "within a few steps and the loss stops teaching.")
    lines = ["def as_input(image):",
             "    \"\"\"The (28, 28) digit as the network takes it: a batch of one image of one channel, "
             "(1, 1, 28, 28).\"\"\"", *feed, "", "", *_digit_lines(record.digits[0], "PIXELS")]
    return Block("The training digit", "One digit, 28 rows of 28 pixels: the whole training set. Every step "
                 f"shows the network this same digit and its label. {words}", "\n".join(lines))


def _model(record: RunRecord) -> Block:
    c = record.config
    side = IMAGE_SIZE - c.kernel + 1
    many = "s" if c.filters > 1 else ""
    if c.kernel == IMAGE_SIZE:
        flatten = f"each filter's response z = w · x + b: {c.filters} number{many} in a row"
        linear = f"ten class scores from those {c.filters} number{many}"
    else:
        flatten = f"each filter's {side}x{side} responses, one per position, in a row"
        linear = f"ten class scores from those {c.filters * side * side:,} numbers"
    lines = [f"torch.manual_seed({c.seed})  # the seed decides the random start: the same seed, the same filters",
             "model = nn.Sequential(",
             f"    nn.Conv2d(1, {c.filters}, kernel_size={c.kernel}),  # {c.filters} filter{many} of "
             f"{c.kernel}x{c.kernel}: a weight per pixel, and a bias",
             f"    nn.Flatten(),  # {flatten}",
             f"    nn.Linear({c.filters * side * side}, 10),  # {linear}", ")"]
    lines += _init_lines(c)
    if record.initial is not None:
        lines += ["", "# You painted the starting filters by hand: they replace the seed's (the biases and the",
                  "# output layer keep the seed's).", *array_3d("START", record.initial),
                  "with torch.no_grad():", "    model[0].weight.copy_(torch.tensor(START)[:, None])"]
    if record.state is not None:
        lines += ["", f"# The run was opened at step {record.start:,} from a saved session: its weights then, as the "
                  "session kept them", "# (float32, packed as base64: the numbers themselves, not code).",
                  "def unpack(text, shape):", "    \"\"\"float32 numbers packed as base64 text, as a tensor.\"\"\"",
                  "    return torch.tensor(np.frombuffer(base64.b64decode(text), dtype=\"<f4\").reshape(shape))",
                  "", "", "model.load_state_dict({"]
        for name, array in record.state[0].items():
            words = packed(array, "        ")
            lines += [f"    \"{SEQUENTIAL[name]}\": unpack(", *words[:-1], f"{words[-1]}, {array.shape}),"]
        lines += ["})"]
    lines += ["initial = model[0].weight.detach()[:, 0].numpy().copy()  # the filters before training"]
    text = ("The article's network: a convolution with a few filters, flattened, then a linear layer to ten class "
            "scores. No activation between them, so for a filter as large as the digit, z = w · x + b and "
            "backprop gives dL/dw = dL/dz · x: every update adds the digit, scaled by one number, to the "
            "filter. That is why the filters come to look like the digit.")
    if c.kernel < IMAGE_SIZE:
        text = ("The article's network with smaller filters: each slides over the digit and answers at every "
                "position; the linear layer reads all those answers.")
    return Block("The network", text, "\n".join(lines))


def _init_lines(c: Config) -> list[str]:
    if c.init == "default":
        return []
    if c.init == "gaussian":
        return ["with torch.no_grad():",
                f"    model[0].weight.normal_(0.0, {setting(c.init_value)})  # random filters, this standard deviation"]
    value = "0.0" if c.init == "zeros" else setting(c.init_value)
    return ["# Every filter starts the same, with the same outgoing weights: they all get the same gradient",
            "# forever (the symmetry random starts exist to break).", "with torch.no_grad():",
            f"    model[0].weight.fill_({value})", "    model[0].bias.zero_()",
            f"    head = model[2].weight.view(10, {c.filters}, -1)",
            "    head.copy_(head[:, :1, :].expand_as(head))"]


def _optimizer(record: RunRecord) -> Block:
    lines = [f"optimizer = {_make_optimizer(record.config)}",
             "loss_fn = nn.CrossEntropyLoss()  # -log(the probability the network gives the right class)"]
    if record.state is not None:
        lines += ["", f"# The optimizer's memory at step {record.start:,}, as the session kept it:",
                  "for weights, name in zip(model.parameters(), (\"0.weight\", \"0.bias\", \"2.weight\", \"2.bias\")):",
                  "    optimizer.state[weights] = {slot: value if slot == \"step\" else unpack(value, weights.shape)",
                  "                                for slot, value in MEMORY[name].items()}"]
        memory = ["MEMORY = {"]
        for name, slots in record.state[1].items():
            memory += [f"    \"{SEQUENTIAL[name]}\": {{"]
            for slot, value in slots.items():
                memory += ([f"        \"step\": torch.tensor({float(value)!r}),"] if slot == "step" else
                           [f"        \"{slot}\": (", *packed(value, "            "), "        ),"])
            memory += ["    },"]
        lines[3:3] = memory + ["}"]
    adam = ("Adam keeps two running averages for every weight, of its gradient and of the gradient squared, and "
            "steps by their ratio: each weight moves at about the learning rate, whatever its gradient's size.")
    sgd = "SGD moves each weight by the learning rate times its gradient (plus momentum, if set)."
    return Block("The optimizer and the loss", f"{adam if record.config.optimizer == 'adam' else sgd} The loss is "
                 "the cross-entropy: small when the network is sure of the right class.", "\n".join(lines))


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
    lines = ["losses, cosines = [], []  # one of each per step", "", "",
             "def filters_now():", "    \"\"\"The filters as numpy: (filters, k, k).\"\"\"",
             "    return model[0].weight.detach()[:, 0].numpy().copy()", "", "",
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
             "        cosines.append(cosine_to_digit(filters_now(), image))"]
    if any(isinstance(event, Edit) for event in record.events):
        lines += ["", "", "def paint(k, weights, forget_memory):",
                  "    \"\"\"Filter k (counted from 0) becomes `weights`, as when you paint on it in Filter Lab;",
                  "    `forget_memory`: the optimizer's running averages for it start again from 0.\"\"\"",
                  "    with torch.no_grad():", "        model[0].weight[k, 0] = torch.tensor(weights)",
                  "        if forget_memory:", "            for slot in optimizer.state[model[0].weight].values():",
                  "                if torch.is_tensor(slot) and slot.dim() == 4:  # Adam's moments, SGD's momentum",
                  "                    slot[k] = 0"]
    return Block("One step of training", "A step is forward (the class scores of the digit), the loss, backward "
                 "(the gradient of the loss for every weight), and the optimizer's move. After each step we keep "
                 "the loss and each filter's cosine to the digit, to watch them change.", "\n".join(lines))


def _run(record: RunRecord) -> Block:
    """train(n) between the things that happened, each written at its step."""
    happenings = [(d.step, 0, d) for d in record.digits[1:]] + [(e.step, 1, e) for e in record.events]
    lines, done, config = [], record.start, record.config
    for step, _, what in sorted(happenings, key=lambda item: (item[0], item[1])):
        lines += _train(done, step)
        done = step
        if isinstance(what, Digit):
            lines += ["", f"# After step {step:,} you gave it a new digit, a {what.label}: the filters carry on "
                      "from where they are.", *_digit_lines(what, f"PIXELS_AT_{step}")]
        elif isinstance(what, Edit):
            name = f"FILTER_{what.filter + 1}_AT_{step}"
            lines += ["", f"# After step {step:,} {_edit_words(what)}.", *array_2d(name, what.weights),
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


def _train(done: int, step: int) -> list[str]:
    if step <= done:
        return []
    return [f"train({step - done})  # steps {done + 1:,} to {step:,}" if step - done > 1 else
            f"train(1)  # step {step:,}"]


def _change_lines(old: Config, new: Config, step: int) -> list[str]:
    words = _change_words(old, new)
    if not words:
        return []  # only how often the app records: nothing the training sees
    lines = ["", f"# After step {step:,} you changed the {words}."]
    if new.optimizer != old.optimizer:
        return lines + [f"optimizer = {_make_optimizer(new)}  # a new optimizer: its memory starts empty"]
    fields = [name for name in LIVE if getattr(old, name) != getattr(new, name)
              and not (name == "momentum" and new.optimizer == "adam")]
    if fields:
        lines += ["for group in optimizer.param_groups:"]
        lines += [f"    group[\"{name}\"] = {setting(getattr(new, name))}" for name in fields]
    return lines


def _change_words(old: Config, new: Config) -> str:
    if new.optimizer != old.optimizer:
        return f"optimizer to {_optimizer_words(new)}"
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
    before, after = f"step {record.start:,}", f"step {record.steps:,}"
    lines = ["count = len(final)",
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
             "        cosine = cosine_to_digit(filters[k:k + 1], image)[0]",
             "        axis.set_title(f\"{when}, filter {k + 1}\\ncosine {cosine:.2f}\", fontsize=8)",
             "loss_axis = figure.add_subplot(grid[-1, :columns // 2])",
             "cosine_axis = figure.add_subplot(grid[-1, columns // 2:])",
             f"steps = np.arange({record.start + 1}, {record.start + 1} + len(losses))",
             "loss_axis.plot(steps, losses)",
             "loss_axis.set(xlabel=\"step\", ylabel=\"loss\", title=\"the loss\")",
             "if cosines:",
             "    cosine_axis.plot(steps, np.array(cosines))",
             "cosine_axis.set(xlabel=\"step\", ylim=(-1, 1), title=\"each filter's cosine to "
             "the digit\")",
             "figure.savefig(OUT / \"filters.png\", dpi=90, bbox_inches=\"tight\")",
             "print(\"wrote\", OUT / \"filters.npy\", \"and\", OUT / \"filters.png\")"]
    return Block("The pictures", "The filters before and after (red above 0, blue below), the loss falling and "
                 "each filter's cosine to the digit climbing, step by step.", "\n".join(lines))


# ---------------------------------------------------------------------- small parts
def _digit_lines(digit: Digit, name: str) -> list[str]:
    raw = whole_pixels(digit.image)
    if raw is not None:
        lines = [f"{name} = np.array([  # 0 is paper, 255 full ink: the digit shows in the numbers",
                 *pixel_rows(raw, "    "), "], dtype=np.float32)", f"image = {name} / 255  # pixels 0-1"]
    else:
        lines = [*array_2d(name, digit.image, "pixels 0-1: 0 is paper, 1 full ink"), f"image = {name}"]
    return lines + [f"x, y = as_input(image), torch.tensor([{digit.label}])  # the digit and its label"]


def _make_optimizer(c: Config) -> str:
    if c.optimizer == "adam":
        return f"torch.optim.Adam(model.parameters(), lr={setting(c.lr)}, weight_decay={setting(c.weight_decay)})"
    return (f"torch.optim.SGD(model.parameters(), lr={setting(c.lr)}, momentum={setting(c.momentum)}, "
            f"weight_decay={setting(c.weight_decay)})")


def setting(value) -> str:
    """A setting as Python reads it back exactly (a float64, as the optimizer holds it)."""
    return repr(float(value))


def _optimizer_words(c: Config) -> str:
    words = f"{'Adam' if c.optimizer == 'adam' else 'SGD'}, learning rate {setting(c.lr)}"
    return words + (f", momentum {setting(c.momentum)}" if c.optimizer == "sgd" and c.momentum else "")

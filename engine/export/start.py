"""Where a run starts, written as plain PyTorch: the imports, the digit, the network, the optimizer.

The first blocks of an exported run (engine/export/code.py has the rest and says how
they fit together), and the small pieces of code the later blocks write again: a digit,
an optimizer, a setting.
"""
from __future__ import annotations

from dataclasses import dataclass

from filterlab.engine.core.config import IMAGE_SIZE, Config
from filterlab.engine.export.literals import array_2d, array_3d, packed, pixel_rows, whole_pixels
from filterlab.engine.export.record import Digit, RunRecord

SEQUENTIAL = {"conv.weight": "0.weight", "conv.bias": "0.bias", "fc.weight": "2.weight", "fc.bias": "2.bias"}


@dataclass(frozen=True)
class Block:
    title: str
    text: str   # what the block does, in the lesson's words (a comment, or a Markdown cell)
    code: str


# ------------------------------------------------------------------------ the whole
def imports_block(record: RunRecord, notebook: bool) -> Block:
    lines = ([] if notebook else ["import argparse"]) + (["import base64"] if record.state or record.digit_set else [])
    lines += ["import io"] if record.digit_set else []
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


def digit_block(record: RunRecord) -> Block:
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
             "(1, 1, 28, 28).\"\"\"", *feed, "", "", *digit_lines(record.digits[0], "PIXELS")]
    return Block("The training digit", "One digit, 28 rows of 28 pixels: the whole training set. Every step "
                 f"shows the network this same digit and its label. {words}", "\n".join(lines))


def model_block(record: RunRecord) -> Block:
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
    if record.digit_set is not None:
        text = ("The article's network: a convolution with a few filters, flattened, then a linear layer to ten "
                "class scores. With a minibatch, the gradient of a filter is the sum of its digits, each scaled by "
                "its own dL/dz: the filters keep what the classes share and what tells them apart, not one digit.")
    elif c.kernel < IMAGE_SIZE:
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


def optimizer_block(record: RunRecord) -> Block:
    lines = [f"optimizer = {make_optimizer(record.config)}",
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
    sgd = ("SGD moves each weight by the learning rate times its gradient (plus momentum, if set): for a filter as "
           "large as the digit each step adds a faint copy of the digit, and where the digit is blank the gradient "
           "is 0, so the starting noise there stays.")
    decay = record.config.weight_decay
    if decay and record.config.optimizer == "adam":
        adam += (f" Weight decay ({decay:g}) adds a tiny pull of every weight towards 0; Adam rescales even that to "
                 "a step of about the learning rate, so where the digit is blank the starting noise is erased.")
    elif decay:
        sgd += f" Weight decay ({decay:g}) shrinks every weight by learning rate x {decay:g} of itself each step."
    return Block("The optimizer and the loss", f"{adam if record.config.optimizer == 'adam' else sgd} The loss is "
                 "the cross-entropy: small when the network is sure of the right class.", "\n".join(lines))


def digit_lines(digit: Digit, name: str) -> list[str]:
    raw = whole_pixels(digit.image)
    if raw is not None:
        lines = [f"{name} = np.array([  # 0 is paper, 255 full ink: the digit shows in the numbers",
                 *pixel_rows(raw, "    "), "], dtype=np.float32)", f"image = {name} / 255  # pixels 0-1"]
    else:
        lines = [*array_2d(name, digit.image, "pixels 0-1: 0 is paper, 1 full ink"), f"image = {name}"]
    return lines + [f"x, y = as_input(image), torch.tensor([{digit.label}])  # the digit and its label"]


def make_optimizer(c: Config) -> str:
    if c.optimizer == "adam":
        return f"torch.optim.Adam(model.parameters(), lr={setting(c.lr)}, weight_decay={setting(c.weight_decay)})"
    return (f"torch.optim.SGD(model.parameters(), lr={setting(c.lr)}, momentum={setting(c.momentum)}, "
            f"weight_decay={setting(c.weight_decay)})")


def setting(value) -> str:
    """A setting as Python reads it back exactly (a float64, as the optimizer holds it)."""
    return repr(float(value))


def optimizer_words(c: Config) -> str:
    words = f"{'Adam' if c.optimizer == 'adam' else 'SGD'}, learning rate {setting(c.lr)}"
    return words + (f", momentum {setting(c.momentum)}" if c.optimizer == "sgd" and c.momentum else "")

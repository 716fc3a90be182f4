"""A many-digit run (`--classes`, engine/digitset) written out as plain PyTorch.

The same network, optimizer and journal as a one-digit run (engine/export/code.py), on
the set's digits, embedded (the bundled sample's: a few hundred kilobytes, compressed),
in the minibatches Filter Lab drew: epoch e's order is a permutation from a generator
seeded with (seed, e) alone (engine/digitset/trainer.py), so the script draws the very
same ones. After each whole epoch the test digits are scored, as the app scores them.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from filterlab.engine.export.code import FILTERS_NOW, paint_lines, picture_lines, run_block
from filterlab.engine.export.literals import WIDTH
from filterlab.engine.export.record import DigitsSet, RunRecord
from filterlab.engine.export.start import Block, imports_block, model_block, optimizer_block


def set_blocks(record: RunRecord, notebook: bool = False) -> list[Block]:
    """A set run's blocks in order, as code.blocks has a one-digit run's."""
    return [imports_block(record, notebook), _digits(record), model_block(record), optimizer_block(record),
            _step(record), run_block(record), _results(record), _pictures(record)]


def _digit_set(record: RunRecord) -> DigitsSet:
    """The set run's digits (set_blocks is only asked for a set run's record)."""
    assert record.digit_set is not None, "a set run's record holds its digits"
    return record.digit_set


def _digits(record: RunRecord) -> Block:
    chosen = _digit_set(record)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, train_images=chosen.train_images, train_labels=chosen.train_labels,
                        test_images=chosen.test_images, test_labels=chosen.test_labels)
    text = base64.b64encode(buffer.getvalue()).decode("ascii")
    size = WIDTH - 6
    lines = [f"# {chosen.description}: {len(chosen.train_labels):,} to train on, {len(chosen.test_labels):,} to test "
             "on,", "# as 8-bit pixels 0-255 in a compressed .npz, packed as base64 (the digits themselves, not code).",
             "DIGITS = (", *(f'    "{text[i:i + size]}"' for i in range(0, len(text), size)), ")",
             "with np.load(io.BytesIO(base64.b64decode(DIGITS))) as digits:",
             "    train_x = torch.tensor(digits[\"train_images\"], dtype=torch.float32)[:, None] / 255  # (N,1,28,28)",
             "    train_y = torch.tensor(digits[\"train_labels\"])",
             "    test_x = torch.tensor(digits[\"test_images\"], dtype=torch.float32)[:, None] / 255",
             "    test_y = torch.tensor(digits[\"test_labels\"])",
             f"BATCH = {chosen.batch_size}  # digits per minibatch",
             "STEPS_PER_EPOCH = -(-len(train_y) // BATCH)  # an epoch sees every training digit once", "", "",
             "def batch(step):",
             "    \"\"\"The minibatch of update step + 1: each epoch shuffles the digits, in an order that depends on",
             "    the seed and the epoch alone (so Filter Lab drew these very minibatches).\"\"\"",
             "    epoch, position = divmod(step, STEPS_PER_EPOCH)",
             f"    order = np.random.default_rng([{record.config.seed}, epoch]).permutation(len(train_y))",
             "    chosen = torch.from_numpy(order[position * BATCH:(position + 1) * BATCH])",
             "    return train_x[chosen], train_y[chosen]"]
    return Block("The digits", "Many digits this time: each step trains on a minibatch of them, and digits the "
                 "network never trains on test what it learned. Pixels 0-1: 0 is paper, 1 full ink.",
                 "\n".join(lines))


def _step(record: RunRecord) -> Block:
    lines = ["losses, accuracies = [], []  # the loss of every step; (step, test accuracy) after every epoch", "", "",
             *FILTERS_NOW, "", "",
             "def test_accuracy():",
             "    \"\"\"The share of the test digits, never trained on, that the network classifies right.\"\"\"",
             "    with torch.no_grad():",
             "        return (model(test_x).argmax(dim=1) == test_y).float().mean().item()", "", "",
             "def train(steps):",
             "    \"\"\"`steps` minibatch steps from where the run is; the test digits scored after each epoch.\"\"\"",
             "    for _ in range(steps):",
             "        x, y = batch(len(losses))  # this step's minibatch",
             "        optimizer.zero_grad()  # forget the last step's gradients",
             "        loss = loss_fn(model(x), y)  # forward: the mean loss over the minibatch",
             "        loss.backward()  # backward: for a filter, the sum of its digits, each times its own dL/dz",
             "        optimizer.step()  # every weight moves a little against its gradient",
             "        losses.append(loss.item())",
             "        if len(losses) % STEPS_PER_EPOCH == 0:",
             "            accuracies.append((len(losses), test_accuracy()))", *paint_lines(record)]
    return Block("One step of training", "A step is forward (the class scores of the minibatch's digits), the "
                 "mean loss, backward (the gradient of the loss for every weight), and the optimizer's move. After "
                 "each epoch the test digits are scored.", "\n".join(lines))


def _results(record: RunRecord) -> Block:
    lines = ["final = filters_now()", "np.save(OUT / \"filters.npy\", final)",
             "print(f\"{len(losses)} steps, last minibatch's loss {losses[-1]:.4g}\" if losses else \"no steps\")",
             "for step, accuracy in accuracies:",
             "    print(f\"after step {step:,} (epoch {step // STEPS_PER_EPOCH}): test accuracy {accuracy:.1%}\")"]
    epochs = _digit_set(record).epochs
    scores = "; ".join(f"epoch {e['epoch']}: {e['test_accuracy']:.1%}" for e in epochs) or "no epoch finished"
    ours = ("no steps trained" if record.final_loss is None else
            f"{record.steps:,} steps, last minibatch loss {record.final_loss:.4g}")
    text = (f"The final filters go to filters.npy. Filter Lab's own numbers for this run: {ours}; test accuracy "
            f"{scores}. The code prints the same, to float rounding.")
    return Block("What came out", text, "\n".join(lines))


def _pictures(record: RunRecord) -> Block:
    title = ["        axis.set_title(f\"{when}, filter {k + 1}\", fontsize=8)"]
    right = ["if accuracies:",
             "    right_axis.plot(*zip(*accuracies), marker=\"o\")",
             "right_axis.set(xlabel=\"step\", ylim=(0, 1), title=\"test accuracy, after each epoch\")"]
    return Block("The pictures", "The filters before and after (red above 0, blue below), the loss of each "
                 "minibatch, and the test accuracy after each epoch.", "\n".join(picture_lines(record, title, right)))

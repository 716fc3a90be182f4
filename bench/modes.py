"""Every mode against its plain-loop reference, measured in turns in one process on one thread.

    python -m bench.modes [--repeats 3] [--json out.json]  -> a table, then one JSON line

Each mode pairs the engine (as `--headless` drives it: chunks of 250 steps) with the plain
PyTorch loop a person would write for the same work: the same model, optimizer, batches and
test passes. Both sides run on ONE intra-op thread (torch.set_num_threads(1), stated in the
output): with torch's default threads a busy neighbour on this shared machine makes the
library's ops collapse, and the figure would measure the neighbour. Flushing denormals (the
engine's runtime, engine/core/runtime.py) is on for the reference loops too: it only helps them.
The two sides take turns, `--repeats` rounds, and each side's best round counts: a busy machine
slows both sides alike, and the best round is the one least disturbed.

Modes: one digit (5 filters, Adam); a set run at 28x28 (16 filters) and 5x5 (8 filters), batch
64, one epoch of an MNIST-shaped set of 60,000 digits with its test pass of 10,000
(engine/data/sample_mnist.py); four runs side by side (4 seeds, 5 filters) against four plain
loops and against four Trainers in turn; the 1-D lab (3 taps, batch 32 sequences of 64).
"""
import argparse
import json
import tempfile
import time

CHUNK = 250  # steps per call, as the headless runner takes them (engine/cli/progress.py)
ONE_DIGIT_STEPS = 3000
LAB_STEPS = 3000
SET_TRAIN, SET_TEST, BATCH = 60_000, 10_000, 64


def chunked(step, steps: int) -> int:
    done = 0
    while done < steps:
        made = step(min(CHUNK, steps - done))
        if not made:
            raise RuntimeError("the engine stopped training (diverged or finished) during a benchmark")
        done += made
    return done


THREADS_SEEN: set = set()  # torch's intra-op thread count as each side began its round (must be {1})


def best_rates(sides: dict, repeats: int) -> dict:
    """{name: steps/s of its best round}: each side's callable returns the steps it made; sides take turns."""
    import torch

    best = {name: 0.0 for name in sides}
    for _ in range(repeats):
        for name, run in sides.items():
            THREADS_SEEN.add(torch.get_num_threads())
            start = time.perf_counter()
            steps = run()
            best[name] = max(best[name], steps / (time.perf_counter() - start))
    return best


# ------------------------------------------------------------------ the reference loops
def plain_adam(model, lr=1e-3, weight_decay=1e-5):
    import torch
    return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)


def one_digit_loop(filters: int):
    """The original script's loop (bench/loops.py's bare loop): Conv2d, Flatten, Linear, Adam, one image."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from filterlab.engine.data import bundled_digit

    image, label = bundled_digit(4)
    x, y = torch.from_numpy(image)[None, None], torch.tensor([label])

    def run(steps: int) -> int:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, filters, kernel_size=28), nn.Flatten(), nn.Linear(filters, 10))
        optimizer = plain_adam(model)
        for _ in range(steps):
            loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return steps
    return run


def set_loop(digits, filters: int, kernel: int):
    """One epoch as a PyTorch tutorial writes it, tensors prepared once: shuffle the epoch, slice its
    minibatches, step; then one batched test pass (loss and accuracy)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    side = 28 - kernel + 1
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, filters, kernel_size=kernel), nn.Flatten(), nn.Linear(filters * side * side, 10))
    optimizer = plain_adam(model)
    train_x, train_y = torch.tensor(digits.train_images)[:, None], torch.tensor(digits.train_labels)
    test_x, test_y = torch.tensor(digits.test_images)[:, None], torch.tensor(digits.test_labels)
    generator = torch.Generator().manual_seed(0)

    def epoch() -> int:
        order = torch.randperm(len(train_y), generator=generator)
        xs, ys = train_x[order], train_y[order]
        steps = 0
        for start in range(0, len(ys), BATCH):
            loss = F.cross_entropy(model(xs[start:start + BATCH]), ys[start:start + BATCH])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
        with torch.no_grad():
            logits = model(test_x)
            float(F.cross_entropy(logits, test_y)), float((logits.argmax(1) == test_y).float().mean())
        return steps
    return epoch


def lab_loop(config):
    """The 1-D lab's model as a person writes it: Conv1d(1, 1, k) and BCE-with-logits on fresh sequences."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    from filterlab.engine.lab1d.peaks import local_peaks, random_sequences

    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    conv = nn.Conv1d(1, 1, config.taps)
    optimizer = torch.optim.Adam(conv.parameters(), lr=config.lr)

    def run(steps: int) -> int:
        for _ in range(steps):
            x = random_sequences(rng, config.batch, config.length, config.levels)
            target = torch.from_numpy(local_peaks(x, config.taps // 2).astype(np.float32))
            logits = conv(torch.from_numpy(x)[:, None])[:, 0]
            loss = F.binary_cross_entropy_with_logits(logits, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return steps
    return run


# ------------------------------------------------------------------------- the modes
def one_digit(repeats: int) -> dict:
    from filterlab.engine.core.config import Config
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    reference = one_digit_loop(5)
    reference(10)  # torch.optim's first step imports its compiler (2 s): not the loop's speed
    return best_rates({"engine": lambda: chunked(Trainer(Config(filters=5), *bundled_digit(4)).step, ONE_DIGIT_STEPS),
                       "reference": lambda: reference(ONE_DIGIT_STEPS)}, repeats)


def a_set(digits, filters: int, kernel: int, repeats: int) -> dict:
    from filterlab.engine.core.config import Config
    from filterlab.engine.digitset.trainer import SetTrainer

    trainer = SetTrainer(Config(filters=filters, kernel=kernel), digits, BATCH, epochs=repeats + 1)
    reference = set_loop(digits, filters, kernel)
    rates = best_rates({"engine": lambda: chunked(trainer.step, trainer.steps_per_epoch), "reference": reference},
                       repeats)
    return {**rates, **epoch_end(trainer)}


def epoch_end(trainer) -> dict:
    """What an epoch's end adds to the step call that crosses it, in ms (the longest of 3): the reshuffle (the
    new epoch's order and its first block of rows gathered, SetTrainer._rows) and the epoch's test pass."""
    reshuffle, test_pass = [], []
    for epoch in range(5, 8):
        start = time.perf_counter()
        trainer._rows(epoch * trainer.steps_per_epoch)  # an epoch not seen yet: its order made, its rows gathered
        reshuffle.append(time.perf_counter() - start)
        trainer._scores = None  # scored afresh
        start = time.perf_counter()
        trainer.scores()
        test_pass.append(time.perf_counter() - start)
    return {"reshuffle_ms": max(reshuffle) * 1000, "test_pass_ms": max(test_pass) * 1000}


def side_by_side(repeats: int) -> dict:
    from filterlab.engine.comparison.runs import Comparison
    from filterlab.engine.core.config import Config
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    digit = bundled_digit(4)
    configs = [Config(filters=5, seed=seed) for seed in (1, 2, 3, 4)]
    loops = [one_digit_loop(5) for _ in configs]

    def in_turn() -> int:
        trainers = [Trainer(config, *digit) for config in configs]
        return chunked(lambda n: [trainer.step(n) for trainer in trainers][0], ONE_DIGIT_STEPS)

    def plain() -> int:
        return [loop(ONE_DIGIT_STEPS) for loop in loops][0]
    return best_rates({"engine": lambda: chunked(Comparison(configs, *digit).step, ONE_DIGIT_STEPS),
                       "trainers_in_turn": in_turn, "reference": plain}, repeats)


def lab(repeats: int) -> dict:
    from filterlab.engine.lab1d.config import Lab1DConfig
    from filterlab.engine.lab1d.lab import Lab1D

    config = Lab1DConfig()
    reference = lab_loop(config)
    return best_rates({"engine": lambda: chunked(Lab1D(config).step, LAB_STEPS),
                       "reference": lambda: reference(LAB_STEPS)}, repeats)


def run_all(repeats: int) -> dict:
    import torch

    from filterlab.engine.core.runtime import tune_runtime
    from filterlab.engine.data.sample_mnist import write_sample_mnist
    from filterlab.engine.digitset.data import mnist_set

    tune_runtime()  # one intra-op thread for the engine and the reference loops alike
    figures = {"threads": torch.get_num_threads(), "repeats": repeats,
               "one_digit": one_digit(repeats), "side_by_side": side_by_side(repeats), "lab1d": lab(repeats)}
    with tempfile.TemporaryDirectory() as root:
        write_sample_mnist(root, SET_TRAIN, SET_TEST)
        digits = mnist_set(root, tuple(range(10)))
    figures["set_28"] = a_set(digits, 16, 28, repeats)
    figures["set_5"] = a_set(digits, 8, 5, repeats)
    figures["threads_seen"] = sorted(THREADS_SEEN)
    return figures


MODES = (("one_digit", "one digit, 5 filters 28x28, Adam"),
         ("set_28", "set, 16 filters 28x28, batch 64, 60,000 digits + test pass"),
         ("set_5", "set, 8 filters 5x5, batch 64, 60,000 digits + test pass"),
         ("side_by_side", "side by side, 4 runs of 5 filters (steps of all 4)"),
         ("lab1d", "1-D lab, 3 taps, 32 sequences of 64"))


def rows(figures: dict) -> list[tuple[str, str, str]]:
    table = []
    for key, name in MODES:
        run = figures[key]
        table += [(name, f"{run['engine']:,.0f} steps/s",
                   f"{run['engine'] / run['reference']:.2f}x its plain loop ({run['reference']:,.0f} steps/s)")]
        if "trainers_in_turn" in run:
            table.append(("  the same runs as 4 Trainers in turn", f"{run['trainers_in_turn']:,.0f} steps/s",
                          f"side by side {run['engine'] / run['trainers_in_turn']:.2f}x of it"))
        if "reshuffle_ms" in run:
            table.append(("  an epoch's end: reshuffle, test pass of 10,000", f"{run['reshuffle_ms']:.0f} ms, "
                          f"{run['test_pass_ms']:.0f} ms", "target < 100 each (longest of 3)"))
    if "threads_seen" in figures:
        table.append(("intra-op threads as each side of a ratio began", ", ".join(map(str, figures["threads_seen"])),
                      "the reference loops pinned to one, as the engine"))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.modes")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    figures = run_all(args.repeats)
    print(f"every mode against its plain PyTorch loop: {figures['threads']} intra-op thread(s), "
          f"best of {args.repeats} rounds in turns")
    for name, value, note in rows(figures):
        print(f"  {name:<62} {value:>16}  {note}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

"""The chunked step (engine/core/chunk.py) is the Conv2d experiment: same losses, weights, record and details.

It is held to three references: the eager Learner (autograd through the Conv2d parameters and
torch.optim's own Adam or SGD), the original script's nn.Sequential(Conv2d, Flatten, Linear) loop,
and itself chunked differently (bit for bit). And it must let other threads run while it trains.
"""
import threading
import time

import numpy as np
import pytest
import torch

from filterlab.engine.core import chunk
from filterlab.engine.core.chunk import INTERRUPT_EVERY, Chunk, _one_example, scripted, steps_function
from filterlab.engine.core.config import Config
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.core.learner import Learner
from filterlab.engine.core.one_example import OneExampleLearner

DETAILS = ("probs", "z", "dl_dz", "input_grad", "grads", "update")


def learners(config, digit):
    x, y = torch.from_numpy(digit[0])[None, None], torch.tensor([digit[1]])
    return Learner(config, lambda step: (x, y)), OneExampleLearner(config, lambda step: (x, y))


def train(learner, chunks):
    for n in chunks:
        assert learner.step(n) == n
    return learner


SHAPES = {  # every optimizer the chunk takes, at 28x28 and small kernels
    "adam 1": Config(filters=1), "adam 5": Config(), "adam 64": Config(filters=64),
    "adam no decay": Config(filters=3, weight_decay=0.0),
    "adam 5x5": Config(filters=3, kernel=5), "adam 3x3 no decay": Config(filters=4, kernel=3, weight_decay=0.0),
    "sgd": Config(filters=3, optimizer="sgd", lr=0.01, weight_decay=0.0),
    "sgd momentum decay": Config(filters=3, optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=1e-3),
    "sgd 5x5 momentum": Config(filters=3, kernel=5, optimizer="sgd", lr=0.01, momentum=0.9),
    "sgd 7x7 decay": Config(filters=2, kernel=7, optimizer="sgd", lr=0.05, weight_decay=1e-3),
}


@pytest.mark.parametrize("config", [Config(), Config(kernel=5), Config(optimizer="sgd"),
                                    Config(optimizer="sgd", momentum=0.9, kernel=3)])
def test_every_experiment_on_the_cpu_takes_the_chunk(digit, config):
    assert scripted()  # TorchScript is there: the fast path is what the tests below test
    assert learners(config, digit)[1].chunked()


def test_the_largest_models_take_the_reference_step_where_it_is_faster(digit):
    """64 filters of 3x3 (433,290 parameters): torch's one-pass fused update beats the chunk's seven passes."""
    assert not learners(Config(filters=64, kernel=3), digit)[1].chunked()
    assert learners(Config(filters=64, kernel=7), digit)[1].chunked()  # 310,730


@pytest.mark.parametrize("config", SHAPES.values(), ids=SHAPES.keys())
def test_chunked_steps_match_the_eager_conv2d_learner(digit, config):
    """The reference: autograd through nn.Conv2d and torch.optim's own optimizer, the same seed."""
    eager, chunked = learners(config, digit)
    # across the dense record (every step to 100) and its thinning; the long run for three default shapes
    chunks = [1, 2, 7, 40, 250, 700] if config.kernel == 28 and config.filters in (1, 5, 64) \
        and config.optimizer == "adam" and config.weight_decay else [1, 2, 7, 40, 150]
    train(eager, chunks)
    train(chunked, chunks)
    np.testing.assert_allclose(chunked.losses.arrays()[1], eager.losses.arrays()[1], rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(chunked.filters(), eager.filters(), rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(chunked.fc_weight(), eager.fc_weight(), rtol=1e-4, atol=1e-6)
    assert chunked.record.steps == eager.record.steps
    for ours, theirs in zip(chunked.record.frames + chunked.record.heads, eager.record.frames + eager.record.heads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    ours, theirs = chunked.details(), eager.details()
    assert ours.loss == pytest.approx(theirs.loss, rel=1e-4, abs=1e-7)
    for name in DETAILS:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-7 * max(1.0, np.abs(b).max()), err_msg=name)
    ours, theirs = chunked.optimizer.state_dict()["state"], eager.optimizer.state_dict()["state"]
    assert ours.keys() == theirs.keys()
    for p, q in zip(ours.values(), theirs.values()):
        assert p.keys() == q.keys()
        if "step" in p:
            assert float(p["step"]) == float(q["step"]) == sum(chunks)
        for slot in set(p) - {"step"}:
            np.testing.assert_allclose(p[slot], q[slot], rtol=1e-3, atol=1e-8, err_msg=slot)


def test_chunked_steps_match_the_original_scripts_conv2d_loop(digit, article_script):
    """nn.Sequential(Conv2d(1, 5, 28), Flatten, Linear(5, 10)) and Adam as the original script wrote them
    (tests/conftest.py, article_script: the same start under seed 0)."""
    _, chunked = learners(Config(), digit)
    _, trained, losses = article_script(digit[0], digit[1], 500)
    train(chunked, [500])
    np.testing.assert_allclose(chunked.losses.arrays()[1], losses, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(chunked.filters(), trained, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("config", [Config(), Config(filters=3, kernel=5, optimizer="sgd", momentum=0.9)])
def test_the_compiled_chunk_is_the_python_function(digit, config):
    """TorchScript runs the very arithmetic written in chunk.py (the fallback where TorchScript is missing)."""
    _, learner = learners(config, digit)
    learner.step(1)
    params, moments, squares, steps = (list(map(torch.clone, group)) for group in learner._tensors())
    copies = [list(map(torch.clone, group)) for group in (params, moments, squares, steps)]
    x, label = learner._example()
    adam = config.optimizer == "adam"
    hyper = [1e-3, 0.9, 0.999, 1e-8, 1e-5] if adam else [0.01, 0.9, 1e-3]
    never = torch.zeros(1, dtype=torch.int32)
    compiled = steps_function()(params, moments, squares, steps, x, label, adam, hyper, 30, [0, 9, 29], never)
    eager = Chunk._make(_one_example(*copies, x, label, adam, hyper, 30, [0, 9, 29], never))
    assert compiled._fields == eager._fields and compiled.made == eager.made == 30
    assert compiled.finite and eager.finite and compiled.first == eager.first
    for ours, theirs in zip(list(compiled[:11]) + params, list(eager[:11]) + copies[0]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("config", [Config(), Config(filters=3, kernel=5, optimizer="sgd", momentum=0.9)])
def test_without_torchscript_the_chunk_runs_as_python_and_trains_the_same_run(digit, config, monkeypatch):
    """The fallback where TorchScript is missing (torch.jit.script is deprecated upstream): the same function,
    run by Python, chunked and interruptible as before, the same numbers to float rounding."""
    compiled = train(learners(config, digit)[1], [1, 30, 69])
    monkeypatch.setitem(chunk._compiled, "one example", None)
    assert not scripted() and steps_function().function is _one_example
    python = learners(config, digit)[1]
    assert python.chunked()
    interrupt = Interrupt()
    interrupt.request()
    assert python.step(50, interrupt=interrupt) == INTERRUPT_EVERY
    train(python, [100 - INTERRUPT_EVERY])
    np.testing.assert_allclose(python.losses.arrays()[1], compiled.losses.arrays()[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(python.filters(), compiled.filters(), rtol=1e-5, atol=1e-7)
    for name in DETAILS:
        np.testing.assert_allclose(getattr(python.details(), name), getattr(compiled.details(), name),
                                   rtol=1e-4, atol=1e-7, err_msg=name)


def test_how_the_steps_are_chunked_changes_nothing_bit_for_bit(digit):
    one = train(learners(Config(), digit)[1], [600])
    pieces = train(learners(Config(), digit)[1], [1, 1, 3, 95, 17, 283, 200])
    np.testing.assert_array_equal(one.losses.arrays()[1], pieces.losses.arrays()[1])
    np.testing.assert_array_equal(one.filters(), pieces.filters())
    for p, q in zip(one.model.parameters(), pieces.model.parameters()):
        assert torch.equal(p, q)
    assert one.record.steps == pieces.record.steps
    for p, q in zip(one.record.frames, pieces.record.frames):
        np.testing.assert_array_equal(p, q)
    for name in DETAILS:
        np.testing.assert_array_equal(getattr(one.details(), name), getattr(pieces.details(), name))


def test_a_divergence_rolls_back_as_the_eager_learner_does(digit):
    """Adam at a learning rate that overflows the weights: both land on the same sane step."""
    results = []
    for learner in learners(Config(lr=1e37), digit):
        kept = learner.step(40)
        results.append((kept, learner.step_count, learner.diverged is not None, learner.filters()))
        assert np.isfinite(learner.filters()).all() and np.isfinite(learner.details().loss)
        assert learner.record.steps[-1] <= learner.step_count
    (kept, step, diverged, filters), (kept2, step2, diverged2, filters2) = results
    assert diverged and diverged2 and (kept, step) == (kept2, step2) and step < 40
    np.testing.assert_allclose(filters2, filters, rtol=1e-3, atol=1e-6)


def test_the_rollback_state_unpacks_as_save_state_does(digit):
    _, learner = learners(Config(), digit)
    learner.step(25)
    model, optimizer = learner.rollback_state  # the state before step 25
    learner.load_state((model, optimizer))
    learner.step(1)
    assert learner.step_count == 26
    twin = train(learners(Config(), digit)[1], [25])
    np.testing.assert_array_equal(learner.filters(), twin.filters())  # step 25 again, the same step


def test_a_chunk_lets_other_threads_run(digit):
    """The chunk runs with the GIL released: a Python thread keeps counting all through it."""
    _, learner = learners(Config(filters=64), digit)
    learner.step(10)
    counted, running = [0], threading.Event()

    def count():
        running.set()
        while running.is_set():
            counted[0] += 1
    thread = threading.Thread(target=count)
    thread.start()
    running.wait()
    time.sleep(0.01)
    before = counted[0]
    started = time.perf_counter()
    learner.step(2_000)
    took = time.perf_counter() - started
    during = counted[0] - before
    running.clear()
    thread.join()
    assert during > 1_000, f"the other thread counted {during} in {took:.2f} s of training"


def test_an_interrupt_ends_a_long_chunk_within_a_few_steps_and_changes_no_number(digit):
    """Requested from another thread 20 ms into a chunk of a million steps: the chunk ends within
    INTERRUPT_EVERY + 1 steps of a check, and the run is bit for bit the run trained in one piece."""
    _, learner = learners(Config(), digit)
    interrupt = Interrupt()
    timer = threading.Timer(0.02, interrupt.request)
    timer.start()
    started = time.perf_counter()
    made = learner.step(1_000_000, interrupt=interrupt)
    took = time.perf_counter() - started
    timer.join()
    assert 0 < made < 1_000_000 and learner.step_count == made and took < 1.0
    assert learner.step(50, interrupt=interrupt) <= INTERRUPT_EVERY  # still requested: ends at the first check
    interrupt.clear()
    assert learner.step(50, interrupt=interrupt) == 50
    twin = train(learners(Config(), digit)[1], [learner.step_count])
    np.testing.assert_array_equal(learner.losses.arrays()[1], twin.losses.arrays()[1])
    np.testing.assert_array_equal(learner.filters(), twin.filters())
    assert learner.record.steps == twin.record.steps
    for name in DETAILS:  # the last step's details come from the step the chunk really ended on
        np.testing.assert_array_equal(getattr(learner.details(), name), getattr(twin.details(), name))
    model, _ = learner.rollback_state  # the state before that last step
    learner.load_state(learner.rollback_state)
    before = train(learners(Config(), digit)[1], [learner.step_count - 1])
    np.testing.assert_array_equal(model["conv.weight"].numpy(), before.model.conv.weight.detach().numpy())


class RequestedAfter(Interrupt):
    """An interrupt that another thread requests after the chunk has looked at it `reads` times."""

    def __init__(self, reads: int):
        super().__init__()
        self.reads = reads

    @property
    def requested(self) -> bool:
        self.reads -= 1
        return self.reads < 0


@pytest.mark.parametrize("reference", [True, False], ids=["reference step", "chunk"])
@pytest.mark.parametrize("config", [Config(kernel=5), Config(optimizer="sgd", momentum=0.9)])
def test_a_learner_ends_its_chunk_on_an_interrupt_and_changes_no_number(digit, config, reference):
    """Both paths heed the interrupt alike: the step after it is seen is the last (small kernels and SGD too)."""
    eager = learners(config, digit)[0 if reference else 1]
    assert eager.interruptible and isinstance(eager, OneExampleLearner) != reference
    interrupt = Interrupt()
    if reference:  # reads interrupt.requested before every step
        assert eager.step(1000, interrupt=RequestedAfter(7)) == 8
    else:  # reads the flag every INTERRUPT_EVERY steps, without the GIL
        interrupt.request()
        assert eager.step(1000, interrupt=interrupt) == INTERRUPT_EVERY
    interrupt.request()
    assert eager.step(50, interrupt=interrupt) == (1 if reference else INTERRUPT_EVERY)
    interrupt.clear()
    assert eager.step(11, interrupt=interrupt) == 11
    twin = train(learners(config, digit)[0 if reference else 1], [eager.step_count])
    np.testing.assert_array_equal(eager.losses.arrays()[1], twin.losses.arrays()[1])
    np.testing.assert_array_equal(eager.filters(), twin.filters())
    assert eager.record.steps == twin.record.steps
    for name in DETAILS:  # the details are the last step's, the step the chunk ended on
        np.testing.assert_array_equal(getattr(eager.details(), name), getattr(twin.details(), name))

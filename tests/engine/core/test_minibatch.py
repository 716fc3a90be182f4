"""The minibatch chunk (a set run's fast path, engine/core/minibatch.py) is the eager autograd step: the same
losses, weights, record, epochs and last-step details, and it ends early on an interrupt."""
import numpy as np
import pytest
import torch

from filterlab.engine.core.chunk import INTERRUPT_EVERY, _batch_chunk, batch_chunk
from filterlab.engine.core.config import Config
from filterlab.engine.core.interrupt import Interrupt
from filterlab.engine.core.learner import Learner
from filterlab.engine.digitset.data import bundled_set
from filterlab.engine.digitset.trainer import SetTrainer

DETAILS = ("grads", "update")  # the batch's; the rest describe the shown test digit


@pytest.fixture(scope="module")
def digits():
    return bundled_set((1, 3, 7))


def pair(digits, config=Config(filters=3, weight_decay=1e-3), batch=32):
    chunked, eager = SetTrainer(config, digits, batch, 3), SetTrainer(config, digits, batch, 3)
    eager.learner = Learner(config, eager._batch)  # autograd and torch's fused Adam, step by step
    return chunked, eager


SHAPES = [Config(filters=3, weight_decay=1e-3), Config(filters=3, kernel=5, weight_decay=1e-3)]
SGD = [Config(filters=3, optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-3),
       Config(filters=3, kernel=5, optimizer="sgd", lr=0.1, weight_decay=1e-3)]


@pytest.mark.parametrize("config", SHAPES + SGD, ids=["28x28", "5x5", "28x28 SGD", "5x5 SGD"])
def test_set_steps_take_the_chunk_and_match_the_eager_autograd_steps(digits, config):
    """engine/core/chunk.py's minibatch steps, Adam and SGD: a 28x28 kernel as a product with the minibatch, a
    small one as the one linear map the model is (_conv_batch_gradient)."""
    chunked, eager = pair(digits, config)
    assert chunked.learner.chunked() and chunked.steps_per_epoch == 8
    for n in (1, 3, 6, 9, 100):  # inside epochs, across their ends, to the end of the epochs asked
        assert chunked.step(n) == eager.step(n)
    assert chunked.step_count == eager.step_count == 24 and chunked.finished
    np.testing.assert_allclose(chunked.losses.arrays()[1], eager.losses.arrays()[1], rtol=1e-4)
    assert chunked.learner.record.steps == eager.learner.record.steps
    for ours, theirs in zip(chunked.learner.record.frames, eager.learner.record.frames):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
    for ours, theirs in zip(chunked.epochs, eager.epochs):
        assert ours["step"] == theirs["step"] and ours["test_accuracy"] == pytest.approx(theirs["test_accuracy"])
        assert ours["train_loss"] == pytest.approx(theirs["train_loss"], rel=1e-4)
    a, b = chunked.snapshot(), eager.snapshot()
    np.testing.assert_allclose(a.filters, b.filters, rtol=1e-4, atol=1e-6)
    assert a.loss == pytest.approx(b.loss, rel=1e-4)
    for name in DETAILS + ("probs", "z", "dl_dz", "input_grad"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-3, atol=1e-7, err_msg=name)
    ours, theirs = chunked.batch_contributions(1), eager.batch_contributions(1)
    for name in ("images", "labels", "dl_dz", "contributions", "gradient", "engine_gradient"):
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-3, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("kernel", [28, 4])
def test_the_compiled_minibatch_chunk_is_the_python_function(digits, kernel):
    trainer = SetTrainer(Config(filters=2, kernel=kernel), digits, 16, 1)
    X, Y, row, size, left = trainer._rows(0)
    params = [p.detach().clone() for p in trainer.model.parameters()]
    runs = []
    for function in (batch_chunk(), _batch_chunk):
        copies = [p.clone() for p in params]
        state = [[torch.zeros_like(p) for p in params] for _ in range(2)] + [[torch.zeros(()) for _ in params]]
        runs.append(function(copies, *state, X, Y, row, size, True, [1e-3, 0.9, 0.999, 1e-8, 0.0], 5, [0, 4],
                             torch.zeros(1, dtype=torch.int32)))
    assert runs[0][11:] == runs[1][11:]  # finite, first step, steps made
    for compiled, python in zip(runs[0][:11], runs[1][:11]):
        np.testing.assert_allclose(compiled.numpy(), python.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("config", SHAPES, ids=["28x28", "5x5"])
def test_a_set_chunk_ends_on_an_interrupt_and_changes_no_number(digits, config):
    chunked, _ = pair(digits, config)
    interrupt = Interrupt()
    interrupt.request()
    made = chunked.step(20, interrupt=interrupt)
    assert 0 < made <= INTERRUPT_EVERY
    interrupt.clear()
    chunked.step(20 - made, interrupt=interrupt)
    whole, _ = pair(digits, config)
    whole.step(20)
    np.testing.assert_array_equal(chunked.losses.arrays()[1], whole.losses.arrays()[1])
    np.testing.assert_array_equal(chunked.snapshot().filters, whole.snapshot().filters)


@pytest.mark.parametrize("config", SHAPES[1:] + SGD[1:], ids=["5x5", "5x5 SGD"])
def test_a_small_kernels_last_step_is_made_when_read_and_is_the_autograd_steps(digits, config):
    """A small kernel's chunk leaves its last step's maps to be made when read (conv_batch_details): the first
    example's for details() (a snapshot), the whole batch's for the pass; both are the eager step's."""
    chunked, eager = pair(digits, config)
    for n in (5, 2):
        chunked.step(n), eager.step(n)
        a, b = chunked.learner.details(), eager.learner.details()  # first the first example's only
        for name in ("loss", "probs", "z", "dl_dz", "input_grad", "grads", "update"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-3, atol=1e-7, err_msg=name)
        ours, theirs = chunked.learner.current_pass(), eager.learner.current_pass()  # then the whole batch's
        assert ours.maps.shape == theirs.maps.shape == (32, 3, 24, 24)
        for name in ("log_probs", "maps", "dl_dmaps", "input_grad", "x", "y"):
            np.testing.assert_allclose(getattr(ours, name)[:1].numpy(), getattr(theirs, name)[:1].detach().numpy(),
                                       rtol=1e-3, atol=1e-7, err_msg=name)
        np.testing.assert_allclose(ours.dl_dmaps.numpy(), theirs.dl_dmaps.numpy(), rtol=1e-3, atol=1e-7)
        assert chunked.learner.last is ours  # made once


@pytest.mark.parametrize("config", [Config(filters=64, kernel=3, optimizer="sgd", lr=0.05),
                                    Config(filters=64, kernel=3, lr=1e-3)], ids=["SGD", "Adam"])
def test_the_eager_set_step_keeps_the_pass_the_autograd_step_keeps(digits, config):
    """The largest models (over chunk.LARGEST parameters) take the eager step; its kept Pass leaves out dL/dx
    of the minibatch but its first example's: the losses, the weights and every detail a view reads are the
    plain Learner's."""
    ours, theirs = pair(digits, config)
    assert not ours.learner.chunked()
    for n in (1, 5, 3):
        assert ours.step(n) == theirs.step(n)
    np.testing.assert_allclose(ours.losses.arrays()[1], theirs.losses.arrays()[1], rtol=1e-5)
    a, b = ours.learner.details(), theirs.learner.details()
    for name in ("loss", "probs", "z", "dl_dz", "input_grad", "grads", "update"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-4, atol=1e-7, err_msg=name)
    assert np.abs(a.input_grad).max() > 0
    mine, plain = ours.batch_contributions(1), theirs.batch_contributions(1)
    for name in ("images", "dl_dz", "contributions", "gradient", "engine_gradient"):
        np.testing.assert_allclose(mine[name], plain[name], rtol=1e-4, atol=1e-7, err_msg=name)

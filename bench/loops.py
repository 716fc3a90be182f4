"""Training throughput: the original script's loop vs Filter Lab's engine, same digit, same steps.

The reference is the original experiment as written, minus its plotting: `Conv2d` +
`Flatten` + `Linear`, `Adam(lr=1e-3, weight_decay=1e-5)`, one image, full batch, pinned to
one intra-op thread as the engine is (torch.set_num_threads(1)): with torch's default
threads a busy neighbour on a shared machine made the loop collapse, and the ratio measured
the neighbour. Its first optimizer step (torch.optim imports its compiler, ~2 s) is untimed. Both are timed over the same step range (0..steps), because the
cost of a step changes during training (see engine/core/runtime.py on denormals).

    python -m bench.loops bare|engine FILTERS STEPS   -> prints one JSON line
"""
import json
import sys
import time

STEADY_SECONDS = 2.0  # as bench/window.py's


def bare_loop(filters: int, steps: int) -> float:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from filterlab.engine.data import bundled_digit

    torch.set_num_threads(1)
    image, label = bundled_digit(4)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, filters, kernel_size=28), nn.Flatten(), nn.Linear(filters, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    x = torch.from_numpy(image)[None, None]
    y = torch.tensor([label])
    warm = torch.optim.Adam(nn.Linear(1, 1).parameters())
    warm.step()  # the compiler import of torch.optim's first step: not the loop's speed
    start = time.perf_counter()
    for _ in range(steps):
        loss = F.nll_loss(F.log_softmax(model(x), dim=1), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps / (time.perf_counter() - start)


def engine_loop(filters: int, steps: int, chunk: int = 250) -> dict:
    """As `--headless` runs it: tuned runtime, steps in chunks with progress in between.

    Two rates: over steps 0..steps from a fresh start, and over the next `steps` steps and at
    least STEADY_SECONDS, the range the window's steady figure covers (bench/window.py): a
    step's cost changes as training goes on (the record is dense early, engine/core/history.py).
    The chunk function's compile and first calls (~0.1 s once per process, engine/core/chunk.py)
    are not timed, as in the window, where they happen while PyTorch loads.
    """
    from filterlab.engine.core.chunk import warm_up
    from filterlab.engine.core.config import Config
    from filterlab.engine.core.runtime import tune_runtime
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    tune_runtime()
    warm_up()
    trainer = Trainer(Config(filters=filters), *bundled_digit(4))

    def rate(at_least: int, seconds: float = 0.0) -> float:
        start, begin = time.perf_counter(), trainer.step_count
        while trainer.step_count - begin < at_least or time.perf_counter() - start < seconds:
            trainer.step(chunk)
        return (trainer.step_count - begin) / (time.perf_counter() - start)
    fresh = rate(steps)
    return {"steps_per_second": fresh, "steady_steps_per_second": rate(steps, STEADY_SECONDS)}


if __name__ == "__main__":
    kind, filters, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if kind == "bare":
        rate = bare_loop(filters, steps)
        import torch
        print(json.dumps({"steps_per_second": rate, "threads": torch.get_num_threads()}))  # pinned: 1
    else:
        print(json.dumps(engine_loop(filters, steps)))

"""Runs side by side: one Comparison (on the CPU each run takes the one-digit chunk in turn on its slice of the
stacked tensors) vs the same runs as separate Trainers taking turns.

Both train the same R=4 runs on the bundled 4 from a fresh start, in chunks of 250 steps
as `--headless` does (the separate Trainers each take a chunk in turn), with the tuned
runtime. Measurements alternate and the best of `--repeats` counts, so a busy machine
disturbs both sides alike. A "step" is one step of every run.

    python -m bench.comparison [--steps 3000] [--repeats 3] [--device cpu|cuda]  -> table + one JSON line
"""
import argparse
import json
import time

CHUNK = 250
SETS = {
    "4 seeds, Adam": [dict(seed=s) for s in (1, 2, 3, 4)],
    "Adam x2, SGD, zeros": [dict(seed=1), dict(seed=2), dict(optimizer="sgd", lr=0.1), dict(init="zeros")],
}


def rate(step, steps: int) -> float:
    start = time.perf_counter()
    done = 0
    while done < steps:
        done += step(min(CHUNK, steps - done))
    return steps / (time.perf_counter() - start)


def measure(changes: list, filters: int, kernel: int, steps: int, device: str) -> tuple[float, float, float]:
    from filterlab.engine.comparison.runs import Comparison
    from filterlab.engine.core.config import Config
    from filterlab.engine.data import bundled_digit
    from filterlab.engine.digit.trainer import Trainer

    digit = bundled_digit(4)
    configs = [Config(filters=filters, kernel=kernel, device=device, **c) for c in changes]
    comparison = Comparison(configs, *digit)
    trainers = [Trainer(c, *digit) for c in configs]
    together = rate(comparison.step, steps)
    apart = rate(lambda n: [t.step(n) for t in trainers][0], steps)
    alone = rate(Trainer(configs[0], *digit).step, steps)
    return together, apart, alone


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.comparison")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    from filterlab.engine.core.runtime import tune_runtime
    tune_runtime()

    results = []
    for filters, kernel in ((5, 28), (64, 28), (5, 5)):
        for name, changes in SETS.items():
            best = [0.0, 0.0, 0.0]
            for _ in range(args.repeats):
                best = [max(b, r) for b, r in zip(best, measure(changes, filters, kernel, args.steps, args.device))]
            results.append({"runs": name, "filters": filters, "kernel": kernel,
                            "batched": best[0], "separate": best[1], "first_run_alone": best[2]})
            print(f"{filters:>2} filters {kernel}x{kernel}, {name:<20} side by side {best[0]:>6,.0f} steps/s   "
                  f"4 Trainers in turn {best[1]:>6,.0f} steps/s   {best[0] / best[1]:.2f}x   "
                  f"(run 1 alone {best[2]:,.0f} steps/s)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()

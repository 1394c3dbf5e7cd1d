"""First steps with the Python API: load a scenario, override a value, run seeds, read the
tables, score the article's patterns and draw a figure.

    python examples/first_steps.py results/first_steps [--seeds 10]

Writes ``OUT/foundation_startups.png`` (the number of startups still training foundation
models, baseline against a variant with warier investors) and prints what it did. The same
steps from the shell: ``python -m sim run``, ``python -m sim score`` (README, "First steps").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim.patterns import evaluate, scorecard
from sim.runner import run_seeds
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder for the figure (created if missing)")
    ap.add_argument("--seeds", type=int, default=10, help="seeds per scenario (default 10)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. A scenario is a validated, frozen object; `python -m sim params` lists every key.
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    print(f"scenario {baseline.name!r}, hash {baseline.hash()}, "
          f"initial investor sentiment {baseline.capital.sentiment_initial}")

    # 2. Override a value by its key path (a bad key or value raises sim.errors.InputError).
    wary = baseline.with_overrides({"capital.sentiment_initial": 0.4}, origin="first_steps.py")

    # 3. Run seeds 0..N-1 of each (seed i gives the same run wherever it runs).
    seeds = list(range(args.seeds))
    runs = {"baseline": run_seeds(baseline, seeds, progress=False),
            "sentiment_initial = 0.4 (warier investors)": run_seeds(wary, seeds, progress=False)}

    # 4. Each run holds three tables (docs/outputs.md): model (one row a month), firms, events.
    model = {name: pd.concat([pd.DataFrame(r.model) for r in rs]) for name, rs in runs.items()}
    events = pd.concat([pd.DataFrame(r.events) for r in runs["baseline"]])
    print("baseline events by type:", events["type"].value_counts().to_dict())

    # 5. Score the article's patterns T1-T17 over the seeds.
    for name, rs in runs.items():
        card = scorecard([evaluate(r) for r in rs])
        held = [p["id"] for p in card["patterns"] if p["pass_rate"] >= 0.7]
        print(f"{name}: {len(held)} of {len(card['patterns'])} patterns hold in >= 70% of seeds")

    # 6. Plot: mean over seeds of the startups still training foundation models, per month.
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, df in model.items():
        mean = df.groupby("date")["n_foundation"].mean()
        ax.plot(pd.to_datetime(mean.index), mean.to_numpy(), drawstyle="steps-post", label=name)
    ax.set(title=f"Startups still training foundation models (mean of {len(seeds)} seeds)",
           xlabel="month", ylabel="startups (count)")
    ax.legend()
    path = args.out / "foundation_startups.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"figure: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

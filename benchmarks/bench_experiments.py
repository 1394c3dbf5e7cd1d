"""Benchmark of the experiment engine against ``mesa.batch_run`` (Mesa 3.3.1) on the market model.

Measured in one run, each case in a fresh interpreter, with the peak resident memory of the
whole process tree (parent and workers, proportional set size so that pages shared by forked workers count
once, sampled every 100 ms with psutil) and the wall time of
the sweep itself (imports excluded):

1. throughput and peak memory, same model, same runs, same outputs (the monthly model table of
   every run, ending on disk as Parquet): ``mesa.batch_run`` (``data_collection_period=1``, a
   ``DataCollector`` with one model reporter per column of the monthly table, then
   ``pandas.DataFrame(results).to_parquet``) against ``python -m sim sweep`` with
   ``monthly = true`` (which also computes the scalar metrics and writes Parquet), both in one
   process; batch_run's models are released after their last step (Mesa 3.3.1 otherwise keeps
   every model alive through ``Agent._ids``), which only helps batch_run;
2. speed-up of the engine from one to two worker processes (both through the process pool);
3. peak memory of scalar sweeps of the Ishigami function at 20,000 and 100,000 runs (flat).

Usage (the numbers in docs/experiments.md come from the first line)::

    python benchmarks/bench_experiments.py --runs 7200 --speedup-runs 1600 --out benchmarks/results_experiments.json
    python benchmarks/bench_experiments.py --quick          # a smoke test, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
GAP_SCALES = [0.8, 1.0, 1.25, 1.5]


# ---------------------------------------------------------------------- children
def child_batch_run(runs: int, processes: int) -> dict:
    import mesa
    import pandas as pd
    from mesa.batchrunner import batch_run

    t0, c0 = time.perf_counter(), time.process_time()
    results = batch_run(BenchModel, parameters={"gap_scale": GAP_SCALES, "seed": list(range(runs // len(GAP_SCALES)))},
                        number_processes=processes, iterations=1, data_collection_period=1,
                        max_steps=_n_steps() - 1, display_progress=False)
    n_runs = len({(r["gap_scale"], r["seed"]) for r in results})
    with tempfile.TemporaryDirectory() as tmp:  # the same output as the engine's: a table on disk
        pd.DataFrame(results).to_parquet(Path(tmp) / "monthly.parquet")
    elapsed = time.perf_counter() - t0
    assert mesa is not None
    return {"seconds": elapsed, "cpu_seconds": time.process_time() - c0, "rows": len(results), "runs": n_runs}


def child_engine(runs: int, workers: int, monthly: bool = True) -> dict:
    from sim.experiments import load_spec, run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.toml"
        spec.write_text(f"""
name = "bench"
scenario = "{BASELINE.as_posix()}"
replications = {runs // len(GAP_SCALES)}
seed = 1
[design]
method = "grid"
[[parameters]]
key = "open_source.release_gap_scale"
values = {GAP_SCALES}
[outputs]
metrics = ["foundation_2027_12", "alive_end", "first_abandonment_step", "departures_to_2025_06",
           "hhi_consumer_end", "hhi_enterprise_end", "mean_sentiment_2025"]
monthly = {str(monthly).lower()}
""", encoding="utf-8")
        s = load_spec(spec)
        kind = "serial" if workers == 0 else "process"
        t0, c0 = time.perf_counter(), time.process_time()
        rep = run_sweep(s, Path(tmp) / "out", executor=kind, workers=max(workers, 1), progress=False)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        import pyarrow.parquet as pq

        parts = sorted((Path(tmp) / "out" / "monthly").glob("*.parquet"))
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in parts)  # count without loading
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": rows, "runs": rep.done}


def child_scalar(runs: int) -> dict:
    from sim.experiments import load_spec, run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "scalar.toml"
        spec.write_text(f"""
name = "scalar"
model = "sim.testfunctions:ishigami"
seed = 1
[design]
method = "lhs"
samples = {runs}
[[parameters]]
key = "x1"
range = [-3.14159, 3.14159]
[[parameters]]
key = "x2"
range = [-3.14159, 3.14159]
[[parameters]]
key = "x3"
range = [-3.14159, 3.14159]
[outputs]
metrics = ["y"]
""", encoding="utf-8")
        t0, c0 = time.perf_counter(), time.process_time()
        rep = run_sweep(load_spec(spec), Path(tmp) / "out", executor="serial", progress=False)
        elapsed = time.perf_counter() - t0
    return {"seconds": elapsed, "cpu_seconds": time.process_time() - c0, "rows": rep.done, "runs": rep.done}


def _n_steps() -> int:
    from sim.calendar import Calendar
    from sim.scenario import load_scenario

    sc = load_scenario(BASELINE)
    return Calendar(sc.time.start, sc.time.end).n_steps


def _bench_model_class() -> type:
    import mesa

    from sim.model import MarketModel, release
    from sim.results import MODEL_SCHEMA
    from sim.scenario import load_scenario

    base = load_scenario(BASELINE)
    columns = [c for c in MODEL_SCHEMA.names if c not in ("seed",)]

    class _BenchModel(MarketModel):
        """The market model with a Mesa DataCollector, as batch_run needs."""

        def __init__(self, gap_scale: float = 1.0, seed: int = 0) -> None:
            super().__init__(base.with_overrides({"open_source.release_gap_scale": gap_scale}), seed)
            reporters = {c: (lambda m, c=c: m.recorder.model[c][-1]) for c in columns}
            self.datacollector = mesa.DataCollector(model_reporters=reporters)

        def step(self) -> None:
            super().step()
            self.datacollector.collect(self)
            if self.t >= self.calendar.n_steps:
                self.running = False
                release(self)  # Mesa 3.3.1 keeps models alive through Agent._ids; free it like sim.model.run

    return _BenchModel


#: Module level, so that batch_run's spawned workers can unpickle it by name.
BenchModel = _bench_model_class()
BenchModel.__name__ = BenchModel.__qualname__ = "BenchModel"


# ---------------------------------------------------------------------- parent
def measure(args: list[str], timeout: float = 7200) -> dict:
    """Run ``bench_experiments.py _child ARGS``; return its JSON plus the tree's peak RSS in MB."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, __file__, "_child", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    cpu: dict[int, float] = {}  # pid -> last seen user + system seconds
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            p = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                procs = [p, *p.children(recursive=True)]
                rss = 0
                for q in procs:  # proportional set size: shared pages split between the processes
                    try:
                        rss += q.memory_full_info().pss
                        t = q.cpu_times()
                        cpu[q.pid] = t.user + t.system
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
                peak = max(peak, rss)
            except psutil.NoSuchProcess:
                return
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate(timeout=timeout)
    stop.set()
    th.join()
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{err[-3000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_mb"] = round(peak / 2**20, 1)
    res["tree_cpu_seconds"] = round(sum(cpu.values()), 1)  # whole tree, imports included (sampled)
    res["throughput_runs_per_s"] = round(res["runs"] / res["seconds"], 2)
    print(f"  {' '.join(args):<28} {res['runs']:>7} runs {res['seconds']:>8.1f} s "
          f"(cpu {res.get('cpu_seconds', float('nan')):>6.1f} s main process, {res['tree_cpu_seconds']:>6.1f} s tree) "
          f"{res['throughput_runs_per_s']:>8.2f} runs/s  peak {res['peak_mb']:>7.1f} MB", flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1200, help="market-model runs per case (multiple of 4)")
    ap.add_argument("--speedup-runs", type=int, default=None, help="runs for the 1-vs-2-worker case (default --runs)")
    ap.add_argument("--scalar-runs", type=int, nargs="+", default=[20_000, 100_000], help="scalar sweep sizes")
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    ap.add_argument("--speedup-only", action="store_true", help="only the 1- and 2-worker engine cases")
    a = ap.parse_args()
    if a.quick:
        a.runs, a.scalar_runs = 40, [1000, 5000]
    sp_runs = a.speedup_runs or a.runs
    print(f"benchmark: {a.runs} market runs x {_n_steps()} months; python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}", flush=True)
    r = {"runs": a.runs, "cpus": os.cpu_count(), "load_average_start": os.getloadavg()[0]}
    if a.speedup_only:
        one, two = measure(["engine", str(sp_runs), "1"]), measure(["engine", str(sp_runs), "2"])
        print(f"speed-up {two['throughput_runs_per_s'] / one['throughput_runs_per_s']:.2f}; load average "
              f"{os.getloadavg()[0]:.2f}")
        return
    r["batch_run_1p"] = measure(["batch_run", str(a.runs), "1"])
    r["engine_serial"] = measure(["engine", str(a.runs), "0"])
    r["engine_pool_1"] = measure(["engine", str(sp_runs), "1"])
    r["engine_pool_2"] = measure(["engine", str(sp_runs), "2"])
    r["batch_run_2p"] = measure(["batch_run", str(sp_runs), "2"])
    for n in a.scalar_runs:
        r[f"scalar_{n}"] = measure(["scalar", str(n)])
    r["load_average_end"] = os.getloadavg()[0]
    r["ratios"] = {
        "throughput_engine_vs_batch_run_1_process": round(
            r["engine_serial"]["throughput_runs_per_s"] / r["batch_run_1p"]["throughput_runs_per_s"], 2),
        "throughput_engine_vs_batch_run_2_processes": round(
            r["engine_pool_2"]["throughput_runs_per_s"] / r["batch_run_2p"]["throughput_runs_per_s"], 2),
        "cpu_per_run_batch_run_over_engine_1_process": round(
            (r["batch_run_1p"]["cpu_seconds"] / r["batch_run_1p"]["runs"])
            / (r["engine_serial"]["cpu_seconds"] / r["engine_serial"]["runs"]), 2),
        "peak_memory_engine_over_batch_run_1_process": round(
            r["engine_serial"]["peak_mb"] / r["batch_run_1p"]["peak_mb"], 3),
        "peak_memory_engine_over_batch_run_2_processes": round(
            r["engine_pool_2"]["peak_mb"] / r["batch_run_2p"]["peak_mb"], 3),
        "speedup_engine_2_workers_vs_1": round(
            r["engine_pool_2"]["throughput_runs_per_s"] / r["engine_pool_1"]["throughput_runs_per_s"], 2),
        "scalar_peak_mb": {n: r[f"scalar_{n}"]["peak_mb"] for n in a.scalar_runs},
    }
    print(json.dumps(r["ratios"], indent=2))
    if a.out:
        a.out.write_text(json.dumps(r, indent=2), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        kind, n = sys.argv[2], int(sys.argv[3])
        if kind == "batch_run":
            res = child_batch_run(n, int(sys.argv[4]))
        elif kind == "engine":
            res = child_engine(n, int(sys.argv[4]))
        else:
            res = child_scalar(n)
        print(json.dumps(res))
    else:
        main()

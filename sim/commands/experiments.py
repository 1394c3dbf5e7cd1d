"""Experiment commands: ``sweep``, ``status``, ``export``, ``sensitivity``, ``compare``, ``discover``, ``sweep-plot``.

See docs/experiments.md. Every command that reads a results folder leaves it unchanged except
for the files it says it writes (figures, JSON, CSV).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..calibration.counterfactuals import CREDIBLE, DEFAULT_DRAWS, DEFAULT_SEEDS_PER_DRAW, FINDING_SHARE
from ..config import load_toml
from ..errors import InputError
from ..experiments.executors import add_executor_args, executor_from_args
from ..experiments.spec import DEFAULT_TIME_LIMIT_S
from ..experiments.sweep import LARGE_DESIGN_RUNS
from .outputs import FORCE_HELP, clear_store

#: Replications per scenario of a plain ``compare`` (without ``--posterior``) when ``--seeds`` is not given.
DEFAULT_COMPARE_SEEDS = 50
YES_HELP = f"run a design of more than {LARGE_DESIGN_RUNS:,} runs (refused without it)"
POSTERIOR_HELP = ("calibration output folder: narrow every sampled range to its posterior.parquet's 5-95%% weighted "
                  "quantiles (a new experiment; default DIR results/experiments/<spec name>_posterior)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run an experiment spec into a results folder (resumable, shardable)",
                       description="Run the runs of SPEC that DIR does not hold yet: the same command resumes "
                                   "an interrupted sweep; --retry-failed reruns failures. A run is stopped at the "
                                   f"spec's time_limit_seconds (default {DEFAULT_TIME_LIMIT_S:g} s) and recorded as "
                                   "a timeout; a run that kills its worker process is recorded as failed and the "
                                   "sweep goes on. DIR must be new or hold results of the same spec (resumed) or of "
                                   "one SPEC extends (more replications, points appended: only the new runs run, "
                                   "see docs/experiments.md); another spec's results are refused unless --force. "
                                   "Exit codes: 0 ok (some runs "
                                   "may have failed), 1 every run failed, 2 bad input.")
    p.add_argument("spec", metavar="SPEC", help="experiment spec (TOML), e.g. experiments/oat_mechanisms.toml")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="results folder (default results/experiments/<spec name>/)")
    add_executor_args(p)
    p.add_argument("--shard", default="0/1", metavar="I/N",
                   help="run only slice I of N (0-based; for job arrays), writing into the same DIR")
    p.add_argument("--retry-failed", action="store_true", help="rerun runs recorded as failed or timed out")
    p.add_argument("--posterior", type=Path, default=None, metavar="CAL_DIR", help=POSTERIOR_HELP)
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--yes", action="store_true", help=YES_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("status", help="done, failed and pending runs of a results folder")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("export", help="write a results folder's tables as CSV")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--format", choices=("csv",), default="csv", help="output format (csv)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR2", help="where to write (default DIR/export/)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("sensitivity", help="Sobol' or Morris indices with bootstrap intervals (SALib)",
                       description="Indices of the mean over replications, the share of variance that is noise, "
                                   "and a figure. SPEC is swept first (resumably) into --out. With --effects (a "
                                   "spec with an [effects] table): indices of each counterfactual's paired effect "
                                   "(counterfactual - reference, same seeds) on each outcome; without it, an "
                                   "[effects] folder gives the reference scenario's indices.")
    p.add_argument("source", metavar="SPEC_OR_DIR", help="a sobol/morris spec (run first) or a results folder")
    p.add_argument("--effects", action="store_true",
                   help="indices of the counterfactuals' effects; writes effects_sensitivity.json, .csv and "
                        "figures/effects_sensitivity.png")
    p.add_argument("--posterior", type=Path, default=None, metavar="CAL_DIR", help=POSTERIOR_HELP + "; SPEC only")
    p.add_argument("--json", action="store_true", help="print the indices as JSON on stdout")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="results folder for a SPEC")
    p.add_argument("--metric", action="append", default=None, metavar="M",
                   help="analyse only this metric, or with --effects this outcome (repeat)")
    p.add_argument("--resamples", type=int, default=1000, metavar="N", help="bootstrap resamples (default 1000)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--yes", action="store_true", help=YES_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_executor_args(p)
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("compare", help="run scenarios with common random numbers and compare key outcomes",
                       description="Each scenario runs the same seeds (common random numbers); the table gives "
                                   "means with 95% intervals and paired differences to the first scenario. "
                                   "With --posterior DIR (a calibration output folder) every scenario runs at "
                                   "N (--draws) parameter draws resampled by weight from DIR's posterior, K "
                                   "(--seeds) seeds per draw, the same (draw, seed) pairs in every scenario; a "
                                   "scenario that sets a calibrated parameter to another value than the first "
                                   "scenario's applies it relative to each draw (a lowered parameter keeps its "
                                   "ratio above its lowest valid value, a raised one moves the same share of the "
                                   "way up to its highest, as in [effects] designs). It reports per outcome and "
                                   "scenario the effect against the first scenario over draws (mean, "
                                   f"{CREDIBLE[0]:.0%}-{CREDIBLE[1]:.0%} credible interval, P(effect > 0), finding "
                                   f"= one sign in >= {FINDING_SHARE:.0%} of draws) and the probability of each "
                                   "ranking of the scenarios (docs/calibration.md).")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="scenario files (the first is the reference), or one experiment spec of method 'scenarios'")
    p.add_argument("--seeds", type=int, default=None, metavar="N",
                   help=f"replications per scenario (default {DEFAULT_COMPARE_SEEDS}); with --posterior, seeds K "
                        f"per draw (default {DEFAULT_SEEDS_PER_DRAW})")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="master seed of the model seeds and of the posterior resampling (default 0)")
    p.add_argument("--posterior", type=Path, default=None, metavar="DIR",
                   help="run the scenarios over draws of this calibration folder's posterior.parquet")
    p.add_argument("--draws", type=int, default=None, metavar="N",
                   help=f"with --posterior: draws resampled by weight (default {DEFAULT_DRAWS})")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="results folder (default results/compare/...; with --posterior results/compare-posterior/...)")
    p.add_argument("--metric", action="append", default=None, metavar="M", help="compare this metric (repeat)")
    p.add_argument("--json", action="store_true", help="print the table as JSON on stdout (with --posterior: "
                                                           "the object of docs/calibration.md)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--yes", action="store_true", help=YES_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_executor_args(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("discover", help="scenario discovery: PRIM boxes of parameter space where a condition holds")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--where", required=True, metavar="COND", help="outcome of interest, e.g. 'foundation_2027_12>=3'")
    p.add_argument("--density", type=float, default=0.8, help="density a box must reach (default 0.8)")
    p.add_argument("--boxes", type=int, default=2, help="most boxes to find (default 2)")
    p.add_argument("--peel-alpha", type=float, default=0.05, help="share peeled per step (default 0.05)")
    p.add_argument("--json", action="store_true", help="print the boxes as JSON on stdout")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("sweep-plot", help="figures of a results folder: response curves, heatmaps, index bars")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--metric", action="append", default=None, metavar="M", help="plot this metric (repeat)")
    p.set_defaults(func=cmd_plot)


# ---------------------------------------------------------------------- sweep / status / export
def _sweep(spec: Any, out: Path | None, args: argparse.Namespace, shard: str = "0/1", retry: bool = False) -> Any:
    from ..experiments.sweep import parse_shard, run_sweep

    folder = out or Path("results") / "experiments" / spec.name
    if getattr(args, "force", False):
        clear_store(folder, spec)
    with executor_from_args(args) as pool:
        report = run_sweep(spec, folder, shard=parse_shard(shard), retry_failed=retry,
                           progress=not getattr(args, "quiet", False), pool=pool,
                           confirm_large=getattr(args, "yes", False))
    for note in report.notes:
        print(f"repaired: {note}", file=sys.stderr)
    for line in report.extended:
        print(f"extended: {line}", file=sys.stderr)
    print(f"{spec.name}: ran {report.ran} runs ({report.ran_failed} failed"
          + (f", {report.crashed} killed their worker" if report.crashed else "")
          + f") in {report.seconds:.1f} s on {report.executor}; {report.done}/{report.total} done, "
          f"{report.failed} failed, {report.pending} pending", file=sys.stderr)
    if report.failed and not retry:
        print(f"see 'python -m sim status {folder}'; rerun failures with --retry-failed", file=sys.stderr)
    if report.ran and report.ran_failed == report.ran:  # exit 1: the runs failed, not the input
        print(f"error: every one of the {report.ran} runs of this sweep failed; see 'python -m sim status "
              f"{folder}'", file=sys.stderr)
        return None
    return report


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..experiments.spec import load_spec

    spec = load_spec(args.spec, posterior=args.posterior)
    report = _sweep(spec, args.out, args, shard=args.shard, retry=args.retry_failed)
    if report is None:
        return 1
    print(f"results: {report.folder}/ (runs/, manifest.json)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from ..experiments.sweep import status

    st = status(args.folder)
    if args.json:
        print(json.dumps(st, indent=2))
        return 0
    for note in st["repairs"]:
        print(f"repaired: {note}", file=sys.stderr)
    print(f"{st['name']} ({st['method']}, spec {st['spec_hash']}): {st['total']} runs")
    print(f"  done     {st['done']:>8}")
    print(f"  failed   {st['failed']:>8}")
    print(f"  timeout  {st['timeout']:>8}")
    print(f"  pending  {st['pending']:>8}")
    if st["open_journals"]:
        print(f"  ({st['open_journals']} sweep session(s) are still writing to this folder)")
    for f in st["failures"]:
        print(f"  {f['status']}: point {f['point']} replication {f['replication']} seed {f['seed']} "
              f"(attempt {f['attempt']}): {f['error']}")
    if st["failed"] + st["timeout"] > len(st["failures"]):
        print(f"  ... {st['failed'] + st['timeout'] - len(st['failures'])} more")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write each table as CSV, streaming it one Parquet row group at a time (flat memory)."""
    import pyarrow.csv as pacsv

    from ..experiments.store import Store

    store = Store(args.folder)
    man = store.manifest()
    for note in store.maintain():
        print(f"repaired: {note}", file=sys.stderr)
    out = args.out or args.folder / "export"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(out), "", f"cannot create the export folder ({exc.strerror})") from None
    for name in man["tables"]:
        path = out / f"{name}.csv"
        tmp = path.with_name(f".{path.name}.tmp")
        rows = 0
        with pacsv.CSVWriter(tmp, store.schema(name)) as w:
            for batch in store.batches(name):
                w.write_batch(batch)
                rows += batch.num_rows
        tmp.replace(path)
        print(f"{path} ({rows} rows)")
    return 0


# ---------------------------------------------------------------------- sensitivity
def _print_indices(res: dict[str, Any]) -> None:
    sobol = res["method"] == "sobol"
    for out, rows in res["outputs"].items():
        ns = res["noise_share"].get(out)
        extra = f"; noise {ns:.1%} of the runs' variance" if ns is not None else ""
        print(f"\n{out}{extra}")
        head = f"{'parameter':<44} {'S1':>8} {'±':>7} {'ST':>8} {'±':>7}" if sobol else \
            f"{'parameter':<44} {'mu*':>10} {'±':>9} {'sigma':>10}"
        print(head)
        key = "ST" if sobol else "mu_star"
        for p in sorted(rows, key=lambda k: -rows[k][key]):
            r = rows[p]
            if sobol:
                print(f"{p:<44} {r['S1']:>8.3f} {r['S1_conf']:>7.3f} {r['ST']:>8.3f} {r['ST_conf']:>7.3f}")
            else:
                print(f"{p:<44} {r['mu_star']:>10.4g} {r['mu_star_conf']:>9.3g} {r['sigma']:>10.4g}")
    for w in res["warnings"]:
        print(f"warning: {w}", file=sys.stderr)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from ..experiments.analysis import sensitivity
    from ..experiments.figures import sensitivity_bars

    src = Path(args.source)
    if src.is_dir():
        if args.posterior is not None:
            raise InputError("--posterior", "", "narrows the ranges of a SPEC before it runs; a results folder's "
                                                "ranges are fixed (give the spec)")
        folder = src
    else:
        from ..experiments.spec import load_spec

        spec = load_spec(src, posterior=args.posterior)
        if spec.design.method not in ("sobol", "morris"):
            raise InputError(str(src), "design.method", f"sensitivity needs 'sobol' or 'morris', got "
                                                        f"'{spec.design.method}'")
        if args.effects and spec.effects is None:
            raise InputError(str(src), "effects", "--effects needs a spec with an [effects] table "
                                                  "(e.g. experiments/effects_sobol.toml)")
        report = _sweep(spec, args.out, args)
        if report is None:
            return 1
        folder = Path(report.folder)
    if args.effects:
        return _effects_sensitivity(folder, args)
    res = sensitivity(folder, metrics=args.metric, num_resamples=args.resamples)
    (folder / "sensitivity.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    fig = sensitivity_bars(res, folder / "figures" / "sensitivity.png")
    if args.json:
        print(json.dumps(res, indent=2))
        for w in res["warnings"]:
            print(f"warning: {w}", file=sys.stderr)
    else:
        print(f"{res['method']} indices of the mean over {res['replications']} replication(s) at "
              f"{res['n_points']} points ({res['n_runs']} runs), {res['conf_level']:.0%} bootstrap intervals")
        _print_indices(res)
        print(f"\nsensitivity.json and {fig}")
    return 0


def _effects_sensitivity(folder: Path, args: argparse.Namespace) -> int:
    """``sensitivity --effects``: indices of each counterfactual's effect; JSON, CSV, figure, table."""
    import csv

    from ..experiments.analysis import effects_rows, effects_sensitivity
    from ..experiments.figures import effects_bars

    res = effects_sensitivity(folder, outcomes=args.metric, num_resamples=args.resamples)
    (folder / "effects_sensitivity.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    rows = effects_rows(res)
    with open(folder / "effects_sensitivity.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["counterfactual", "outcome", "parameter"])
        w.writeheader()
        w.writerows(rows)
    fig = effects_bars(res, folder / "figures" / "effects_sensitivity.png")
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        _print_effects(res)
        print(f"\neffects_sensitivity.json, effects_sensitivity.csv and {fig}")
    for w_ in res["warnings"]:
        print(f"warning: {w_}", file=sys.stderr)
    return 0


#: Parameters listed per effect in the printed table (the JSON and CSV hold all).
TOP_PARAMETERS = 5


def _print_effects(res: dict[str, Any]) -> None:
    sobol = res["method"] == "sobol"
    key = "ST" if sobol else "mu_star"
    print(f"{res['method']} indices of each counterfactual's effect (paired with '{res['reference']}' over "
          f"{res['replications']} common seeds) at {res['n_points']} sampled points ({res['n_runs']} runs), "
          f"{res['conf_level']:.0%} bootstrap intervals; top {TOP_PARAMETERS} by {key}")
    for cf, per in res["effects"].items():
        print(f"\n{cf} - {res['reference']}")
        for out, e in per.items():
            ns, fl = e["noise_share"], e.get("st_noise_floor")
            extra = (f", seeds {ns:.0%} of the runs' variance" if ns is not None else "") + \
                (f", ST noise floor {fl:.2f}" if fl is not None else "")
            print(f"  {out}: effect {e['mean']:+.3g} (sd {e['sd']:.3g} over the points, {e['min']:+.3g} to "
                  f"{e['max']:+.3g}){extra}")
            r = e.get("indices")
            if not r:
                continue
            for p in sorted(r, key=lambda k: -r[k][key])[:TOP_PARAMETERS]:
                v = r[p]
                print(f"    {p:<44} ST {v['ST']:.2f} ± {v['ST_conf']:.2f}  S1 {v['S1']:+.2f} ± {v['S1_conf']:.2f}"
                      if sobol else f"    {p:<44} mu* {v['mu_star']:.3g} ± {v['mu_star_conf']:.2g}  sigma "
                                    f"{v['sigma']:.3g}")


# ---------------------------------------------------------------------- compare
def _compare_spec(args: argparse.Namespace) -> Any:
    from ..experiments.metrics import KEY_OUTCOMES
    from ..experiments.spec import load_spec, spec_from_dict

    if len(args.scenarios) == 1 and args.scenarios[0].endswith(".toml"):
        data = load_toml(args.scenarios[0]).data  # a bad file is an error here, as everywhere
        if isinstance(data.get("design"), dict):
            spec = load_spec(args.scenarios[0])
            if spec.design.method != "scenarios":
                raise InputError(args.scenarios[0], "design.method",
                                 f"compare needs method 'scenarios', got '{spec.design.method}'")
            return spec
    if args.seeds < 2:
        raise InputError("--seeds", "", f"expected at least 2 seeds for intervals, got {args.seeds}")
    files = [str(Path(s).resolve()) for s in args.scenarios]
    data = {"name": "compare", "replications": args.seeds, "seed": args.seed, "crn": True,
            "design": {"method": "scenarios", "scenarios": files},
            "outputs": {"metrics": args.metric or KEY_OUTCOMES}}
    return spec_from_dict(data, origin="compare", folder=Path.cwd())


def cmd_compare(args: argparse.Namespace) -> int:
    from ..experiments.analysis import compare_table, ok_runs
    from ..experiments.figures import compare_figure

    if args.posterior is not None:
        from .compare_posterior import cmd_compare_posterior

        return cmd_compare_posterior(args)
    if args.draws is not None:
        raise InputError("--draws", "", "expected --posterior DIR with it (draws are taken from a posterior)")
    if args.seeds is None:
        args.seeds = DEFAULT_COMPARE_SEEDS
    spec = _compare_spec(args)
    out = args.out
    if out is None:
        out = Path("results") / "compare" / ("+".join(spec.scenarios)[:100] if spec.name == "compare" else spec.name)
    report = _sweep(spec, out, args)
    if report is None:
        return 1
    folder = Path(report.folder)
    table = compare_table(folder, metrics=args.metric)
    (folder / "compare.json").write_text(json.dumps(table, indent=2), encoding="utf-8")
    import pandas as pd

    pd.DataFrame(table["rows"]).to_csv(folder / "compare.csv", index=False)
    _, df = ok_runs(folder)
    fig = compare_figure(table, df, folder / "figures" / "compare.png")
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    def f(v: float, signed: bool = False) -> str:
        if math.isnan(v):
            return "nan"
        text = f"{v:.2f}" if abs(v) >= 100 or abs(v) < 1e-9 else f"{v:.3g}"
        return ("+" if signed and v >= 0 else "") + text

    print(f"{len(table['scenarios'])} scenarios x {table['replications']} common seeds; mean [95% interval]; "
          f"paired difference to '{table['reference']}'")
    for m in table["metrics"]:
        print(f"\n{m}")
        for r in (r for r in table["rows"] if r["metric"] == m):
            und = f"  ({r['share_undefined']:.0%} never)" if r["share_undefined"] > 0 else ""
            diff = "" if math.isnan(r["diff_mean"]) else \
                f"   diff {f(r['diff_mean'], True)} [{f(r['diff_low'], True)}, {f(r['diff_high'], True)}]"
            print(f"  {r['scenario']:<28} {f(r['mean']):>9} [{f(r['ci_low'])}, {f(r['ci_high'])}]{diff}{und}")
    print(f"\ncompare.csv, compare.json and {fig}")
    return 0


# ---------------------------------------------------------------------- discover / plot
def cmd_discover(args: argparse.Namespace) -> int:
    from ..experiments.discovery import describe_qp, discover, parse_condition
    from ..experiments.figures import prim_figure

    metric, op, value = parse_condition(args.where)
    res = discover(args.folder, metric, op, value, density=args.density, peel_alpha=args.peel_alpha,
                   max_boxes=args.boxes)
    names = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}
    stem = f"discovery-{metric}-{names[op]}-{value:g}"
    (args.folder / f"{stem}.json").write_text(json.dumps(res, indent=2), encoding="utf-8")
    fig = prim_figure(res, args.folder / "figures" / f"{stem}.png")
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"{metric} {op} {value:g} in {res['n_interest']} of {res['n_runs']} runs ({res['base_rate']:.1%})")
    if res.get("note"):
        print(res["note"])
    for k, b in enumerate(res["boxes"], 1):
        print(f"\nbox {k}: coverage {b['coverage']:.2f}, density {b['density']:.2f}, mass {b['mass']:.2f} "
              f"({b['k']} of {b['n']} runs in the box)")
        for name, lim in b["limits"].items():
            if "low" in lim:
                print(f"  {lim['low']:>10.4g} <= {name} <= {lim['high']:<10.4g} "
                      f"(swept {lim['min']:.4g}..{lim['max']:.4g}; {describe_qp(lim.get('qp'))})")
            else:
                print(f"  {name} in {lim['values']} ({describe_qp(lim.get('qp'))})")
    print(f"\n{stem}.json and {fig}")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from ..experiments import figures
    from ..experiments.analysis import ok_runs
    from ..experiments.design import OAT_COLUMN

    man, df = ok_runs(args.folder)
    eff = man["spec"]["identity"].get("effects")
    if eff is not None:  # an [effects] folder: the reference's runs (sensitivity --effects has the effects)
        df = df[df["scenario"] == eff["reference"]]
    metrics = args.metric or man["metrics"]
    bad = [m for m in metrics if m not in man["metrics"]]
    if bad:
        raise InputError(str(args.folder), "metric", f"unknown metric '{bad[0]}'; this sweep kept {man['metrics']}")
    if df.empty:
        raise InputError(str(args.folder), "", "no successful run to plot")
    figdir = args.folder / "figures"
    made = []
    method = man["method"]
    params = [c for c in man["parameters"] if c != OAT_COLUMN]
    if method == "oat":
        base = df[df[OAT_COLUMN] == ""].iloc[0].to_dict() if (df[OAT_COLUMN] == "").any() else None
        for m in metrics:
            made.append(figures.response_curves(df, params, m, figdir / f"oat-{m}.png", oat_column=OAT_COLUMN,
                                                base=base))
    elif method == "grid" and len(params) == 2:
        for m in metrics:
            made.append(figures.heatmap(df, params[0], params[1], m, figdir / f"heatmap-{m}.png"))
    elif method in ("grid", "list"):
        for m in metrics:
            made.append(figures.response_curves(df, params, m, figdir / f"response-{m}.png"))
            if method == "grid" and len(params) == 3:  # the marginal curves hide interactions: facets show them
                made.append(figures.faceted_heatmaps(df, params[0], params[2], params[1], m,
                                                     figdir / f"heatmaps-{m}.png"))
    elif method in ("lhs", "sobol", "morris"):
        numeric = [c for c in params if df[c].dtype.kind in "if"]
        for m in metrics:
            made.append(figures.scatter_panels(df, numeric, m, figdir / f"scatter-{m}.png"))
        if method != "lhs":
            from ..experiments.analysis import sensitivity

            made.append(figures.sensitivity_bars(sensitivity(args.folder, metrics=metrics),
                                                 figdir / "sensitivity.png"))
    elif method == "scenarios" and man["spec"]["identity"]["design"].get("draws"):
        from ..calibration.counterfactuals import posterior_effects

        made.append(figures.posterior_forest(posterior_effects(args.folder, metrics), figdir / "compare-posterior.png"))
    elif method == "scenarios":
        from ..experiments.analysis import compare_table

        made.append(figures.compare_figure(compare_table(args.folder, metrics), df, figdir / "compare.png"))
    for f in made:
        print(f)
    return 0

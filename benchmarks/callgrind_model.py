"""Instructions per baseline run, counted by valgrind's callgrind: deterministic, unlike timings on a shared VM.

Runs seed 0 to warm up, then counts only seeds FIRST..FIRST+N-1 (callgrind's instrumentation is switched
on and off around them through a two-line C helper compiled on the fly; needs ``gcc``, ``valgrind`` and
``valgrind/callgrind.h``). Prints Ir per run and Ir per run without the cyclic garbage collector
(``gc_collect_main``), whose full collections land in one window or another and move a few-run count by
a few per cent. ``OPENBLAS_NUM_THREADS=1``: OpenBLAS's idle threads spin under valgrind and add millions
of instructions at random (see ``docs/performance.md``).

    python benchmarks/callgrind_model.py [--checkout DIR] [--runs 6] [--first 2]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPER = "#include <valgrind/callgrind.h>\nvoid on(void){CALLGRIND_START_INSTRUMENTATION;}\n" \
         "void off(void){CALLGRIND_STOP_INSTRUMENTATION;}\n"
CHILD = """import ctypes, sys
from pathlib import Path
from sim.model import run
from sim.scenario import load_scenario
cg = ctypes.CDLL(sys.argv[1])
sc = load_scenario(Path("scenarios/baseline.toml"))
run(sc, 0)
first, n = int(sys.argv[2]), int(sys.argv[3])
cg.on()
for seed in range(first, first + n):
    run(sc, seed)
cg.off()
"""


def inclusive(out: Path, function: str) -> int:
    """Inclusive Ir of ``function`` in a callgrind output file (0 if absent)."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out)],
                          capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^\s*([\d,]+) .*:{function} \[", text, re.M)
    return int(m.group(1).replace(",", "")) if m else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkout", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    ap.add_argument("--runs", type=int, default=6, help="runs counted (default 6)")
    ap.add_argument("--first", type=int, default=2, help="first seed counted (default 2: seeds 2..7)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        helper = Path(tmp) / "cg.so"
        (Path(tmp) / "cg.c").write_text(HELPER)
        subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(helper), str(Path(tmp) / "cg.c")], check=True)
        (Path(tmp) / "child.py").write_text(CHILD)
        out = Path(tmp) / "callgrind.out"
        env = dict(os.environ, PYTHONPATH=str(args.checkout.resolve()), OPENBLAS_NUM_THREADS="1")
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                               sys.executable, str(Path(tmp) / "child.py"), str(helper), str(args.first),
                               str(args.runs)], cwd=args.checkout, env=env, capture_output=True, text=True)
        m = re.findall(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or not m:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        total, gc = int(m[-1]), inclusive(out, "gc_collect_main")
    print(f"{args.checkout}: seeds {args.first}..{args.first + args.runs - 1}: {total / args.runs / 1e6:.2f} M Ir per "
          f"run, {(total - gc) / args.runs / 1e6:.2f} M without the garbage collector")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark script in this folder once, with small settings, and list how each went.

``make benchmarks`` runs this. Each script runs in its own process (so Keras, Qt and memory
start fresh), with the quick options of :data:`SMALL_SETTINGS` where it has them; a script
added later runs with its defaults until it gets an entry. The scripts print their own
figures; this runner adds one summary line per script and exits with status 1 when any of
them failed.

Usage::

    python benchmarks/run_all.py [--only NAME ...] [--timeout SECONDS] [--full]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Options that keep each benchmark short (a smoke run of every measurement, not its targets).
SMALL_SETTINGS: dict[str, list[str]] = {
    "canvas": ["--sizes", "300"],
    "data_pipeline": ["--quick"],
    "distribute": ["--epochs", "1"],
    "explain": ["--repeats", "2"],
    "startup": ["--runs", "1"],
    "training_overhead": ["--reps", "1", "--epochs", "2"],
}


def benchmark_scripts() -> list[Path]:
    """Return the benchmark scripts of this folder, by name (this runner excluded)."""
    return sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))


def run_one(script: Path, full: bool, timeout: float) -> tuple[str, float]:
    """Run ``script`` in a fresh interpreter; return its outcome word and the seconds it took."""
    options = [] if full else SMALL_SETTINGS.get(script.stem, [])
    print(f"\n=== {script.stem} {' '.join(options)}".rstrip(), flush=True)
    start = time.perf_counter()
    try:
        code = subprocess.run([sys.executable, str(script), *options], cwd=HERE.parent, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s", time.perf_counter() - start
    return ("ok" if code == 0 else f"failed (exit {code})"), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print one summary line per script; return 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scripts (file names without .py)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per script (default 900)")
    parser.add_argument("--full", action="store_true", help="run each script with its own defaults")
    args = parser.parse_args(argv)
    scripts = benchmark_scripts()
    if args.only:
        unknown = sorted(set(args.only) - {s.stem for s in scripts})
        if unknown:
            parser.error(f"no benchmark named {', '.join(unknown)}. Received: --only {' '.join(args.only)}")
        scripts = [s for s in scripts if s.stem in args.only]
    results = [(script.stem, *run_one(script, args.full, args.timeout)) for script in scripts]
    print("\n=== summary")
    for name, outcome, seconds in results:
        print(f"{name:<20} {outcome:<24} {seconds:7.1f} s")
    return 0 if all(outcome == "ok" for _, outcome, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())

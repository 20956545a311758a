"""Start-up benchmark: process start → window visible, and the longest UI stall while Keras loads.

Starts the designer in a subprocess (offscreen unless ``DISPLAY`` is set and
``--display`` is given) with ``NNSTUDIO_STARTUP_PROBE=1``. The app prints the wall-clock time
of its first event-loop turn after showing the window, then measures the lateness of a 10 ms
timer until the background ``import keras`` has finished, prints the worst one and quits.
The visible time is measured from just before the subprocess is spawned, so it includes the
interpreter's own start-up. Runs ``--runs`` times (default 3) and reports medians.

nnstudio's bytecode is compiled first, as ``make run`` and an installed copy have it.

Last lines: ``window visible after X.XX s; max stall while Keras loads Y ms``, then each
figure by name. Keras loads in the spare training engine process, so the stall measures
what the import costs the window through the shared CPUs, not through the GIL.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(example: bool, display: bool) -> tuple[float, float]:
    """Return (seconds to window visible, max stall in ms) of one start."""
    with tempfile.TemporaryDirectory() as home:
        env = dict(
            os.environ,
            NNSTUDIO_STARTUP_PROBE="1",
            HOME=home,
            XDG_DATA_HOME=f"{home}/data",
            XDG_CONFIG_HOME=f"{home}/config",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        if not display:
            env["QT_QPA_PLATFORM"] = "offscreen"
        args = [sys.executable, "-m", "nnstudio", "open"] + (["--example"] if example else [])
        start = time.time()
        proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    visible = stall = None
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["window-visible"]:
            visible = float(parts[1]) - start
        elif parts[:1] == ["keras-loaded"]:
            stall = float(parts[3])
    if visible is None or stall is None:
        raise RuntimeError(f"The designer did not report its start-up (rc={proc.returncode}): {proc.stderr[-800:]}")
    return visible, stall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--blank", action="store_true", help="open an empty project instead of the example")
    parser.add_argument("--display", action="store_true", help="use the real display (e.g. under xvfb-run)")
    args = parser.parse_args()
    # As `make run` and an installed copy do: without bytecode on disk (this checkout where
    # PYTHONDONTWRITEBYTECODE is set) every launch compiles nnstudio's sources again.
    compileall.compile_dir(ROOT / "nnstudio", quiet=1)
    results = []
    for i in range(args.runs):
        visible, stall = run_once(not args.blank, args.display)
        results.append((visible, stall))
        print(f"run {i + 1}: window visible after {visible:.2f} s; max stall while Keras loads {stall:.0f} ms")
    visible = statistics.median(r[0] for r in results)
    stall = statistics.median(r[1] for r in results)
    print(f"window visible after {visible:.2f} s; max stall while Keras loads {stall:.0f} ms")
    print(f"launch to window visible (median): {visible:.2f} s")
    print(f"longest GUI stall while Keras loads (median): {stall:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

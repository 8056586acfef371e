"""Run the benchmarks and print each figure beside its baseline: `python -m benchmarks [NAME ...]`.

Each run updates benchmarks/results/latest.json: per suite its figures and baselines, the machine,
the date, the commit and how busy the machine was; suites not run keep their last results.
"""
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

# The benchmarks build throw-away installations (and start workers and FastAGI servers as child
# processes) with the development keys: they serve nobody.
os.environ.setdefault("UITKIJK_MODE", "development")

# name -> module; each module has run(report, log).
SUITES = {"core": "benchmarks.bench_core", "sms": "benchmarks.bench_sms", "calls": "benchmarks.bench_calls",
          "inbound": "benchmarks.bench_inbound", "mail": "benchmarks.bench_mail",
          "tricklers": "benchmarks.bench_tricklers"}
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def speed_up(ratio):
    """A ratio is shown only where it is a speed-up."""
    return ratio if ratio is not None and ratio > 1.0 else None


def machine():
    return {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "system": platform.platform(terse=True)}


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=RESULTS.parents[2]).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def save(suite, rows, load_before, load_after):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[suite] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": commit(), "machine": machine(),
        # 1-minute load average before and after: above the CPU count, other work shared the machine.
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "figures": [{"benchmark": what, "figure": figure, "baseline": baseline, "ratio": speed_up(ratio)}
                    for what, figure, baseline, ratio in rows]}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main(argv):
    names = argv or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(SUITES)}")
    table = []
    started = time.perf_counter()
    for name in names:
        rows = []

        def report(what, figure, baseline, ratio=None):
            rows.append((what, figure, baseline, ratio))
            shown = f"  |  {speed_up(ratio):,.1f}x" if speed_up(ratio) else ""
            print(f"  {what}: {figure}  |  baseline: {baseline}{shown}", flush=True)

        print(f"== {name}", flush=True)
        load_before = os.getloadavg()[0]
        importlib.import_module(SUITES[name]).run(report, log=lambda m: print(m, flush=True))
        save(name, rows, load_before, os.getloadavg()[0])
        table += rows
    print(f"\n{'benchmark':<95} {'figure':<34} {'baseline':<34} ratio")
    for what, figure, baseline, ratio in table:
        shown = f"{speed_up(ratio):,.1f}x" if speed_up(ratio) else "-"
        print(f"{what:<95} {figure:<34} {baseline:<34} {shown}")
    print(f"(total {time.perf_counter() - started:.0f} s; results in {RESULTS})")


if __name__ == "__main__":
    main(sys.argv[1:])

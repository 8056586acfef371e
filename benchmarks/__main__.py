"""Run the benchmarks and print each figure beside its naive baseline: `python -m benchmarks [NAME ...]`."""
import importlib
import os
import sys
import time

# The benchmarks build throw-away installations (and start workers and FastAGI servers as child
# processes) with the development keys: they serve nobody.
os.environ.setdefault("UITKIJK_MODE", "development")

# name -> module; each module has run(report, log).
SUITES = {"core": "benchmarks.bench_core", "sms": "benchmarks.bench_sms", "calls": "benchmarks.bench_calls",
          "inbound": "benchmarks.bench_inbound"}


def main(argv):
    names = argv or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(SUITES)}")
    rows = []

    def report(what, figure, baseline, ratio):
        rows.append((what, figure, baseline, ratio))
        print(f"  {what}: {figure}  |  naive: {baseline}  |  {ratio:,.1f}x", flush=True)

    started = time.perf_counter()
    for name in names:
        print(f"== {name}", flush=True)
        importlib.import_module(SUITES[name]).run(report, log=lambda m: print(m, flush=True))
    print(f"\n{'benchmark':<95} {'figure':<34} {'naive baseline':<34} ratio")
    for what, figure, baseline, ratio in rows:
        print(f"{what:<95} {figure:<34} {baseline:<34} {ratio:,.1f}x")
    print(f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])

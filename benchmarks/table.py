"""The README's table of figures, from benchmarks/results/latest.json: `python -m benchmarks.table`."""
import json

from .__main__ import RESULTS


def markdown(results):
    lines = ["| suite, run | benchmark | Uitkijk | baseline (same run) | ratio |", "| --- | --- | --- | --- | --- |"]
    for suite, run in results.items():
        busy = " (machine shared)" if max(run["load_average"]) > run["machine"]["cpus"] else ""
        for row in run["figures"]:
            ratio = f"{row['ratio']:,.1f}x" if row["ratio"] else "-"
            lines.append(f"| {suite}, {run['date'][:16].replace('T', ' ')} UTC, {run['commit']}{busy} | "
                         f"{row['benchmark']} | {row['figure']} | {row['baseline']} | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(json.loads(RESULTS.read_text())))
